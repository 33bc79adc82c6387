/**
 * Python's `selectors` module: wait until one of many sockets is ready, then
 * act on the ready ones. `DefaultSelector` keeps a table of registered
 * sockets, each with the events it waits for (`EVENT_READ`, `EVENT_WRITE`)
 * and a `data` value of the caller's; `select()` returns the ready ones as
 * `[key, events]` pairs, exactly as Python's `selector.select()` does.
 *
 * Not one syscall. The async `select()` sleeps on the event loop through each
 * socket's readiness callbacks ({@link Socket.onReadable} /
 * {@link Socket.onWritable}, level-triggered) and, when one fires, asks
 * poll(2) with a zero timeout which registered sockets are ready now, so every
 * socket ready at that moment is reported together and a stale wakeup reports
 * nothing. `selectSync()` is one poll(2) over every registered fd, blocking
 * the thread (for worker threads and scripts).
 *
 * While a socket is registered, the selector owns its readiness callbacks:
 * do not set `onReadable` / `onWritable` on it yourself. Its other async calls
 * (`recv`, `sendall`, ...) work as usual.
 * @module
 */
import { binding } from './binding';
import { Socket } from './socket';
import { signalOf } from './args';

/**
 * The socket is readable (data, a pending connection, EOF or an error to collect). Python's `selectors.EVENT_READ`.
 * @group Selectors
 */
export const EVENT_READ = 1;
/**
 * The socket is writable (room in the send buffer, a connect that finished, or an error). Python's `selectors.EVENT_WRITE`.
 * @group Selectors
 */
export const EVENT_WRITE = 2;

const { POLLIN, POLLOUT } = binding.internal;

/**
 * A registration: Python's `SelectorKey(fileobj, fd, events, data)`. Frozen;
 * `modify` returns a new key.
 * @group Selectors
 */
export interface SelectorKey<T = unknown> {
  /** The registered socket. */
  readonly fileobj: Socket;
  /** Its fd when it was registered. */
  readonly fd: number;
  /** The events waited for: `EVENT_READ`, `EVENT_WRITE` or both. */
  readonly events: number;
  /** The caller's value given to `register` / `modify`. */
  readonly data: T;
}

/**
 * Python's `KeyError` of the selectors module: the socket (or fd) is not
 * registered (`getKey`, `unregister`, `modify`), or already is (`register`).
 * @group Selectors
 */
export class SelectorKeyError extends Error {
  override name = 'SelectorKeyError';
  /** The socket or fd that was looked up. */
  readonly fileobj: Socket | number;
  constructor(fileobj: Socket | number, message: string) {
    super(message);
    this.fileobj = fileobj;
  }
}

/** One registration and its readiness callbacks. */
interface Entry<T> {
  key: SelectorKey<T>;
  /** The directions whose readiness callback is set on the socket. */
  armed: number;
  onRead: () => void;
  onWrite: () => void;
}

interface Pending<T> {
  resolve: (v: Array<[SelectorKey<T>, number]>) => void;
  reject: (e: unknown) => void;
  timer?: ReturnType<typeof setTimeout>;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * Options of the async `select`.
 * @group Selectors
 */
export interface SelectOptions {
  /** Aborts the wait: `select` rejects with `signal.reason`. */
  signal?: AbortSignal;
}

function describe(f: Socket | number): string {
  return typeof f === 'number' ? `fd ${f}` : String(f);
}

function checkEvents(events: unknown): number {
  if (typeof events !== 'number' || !Number.isInteger(events) || events <= 0 || (events & ~(EVENT_READ | EVENT_WRITE)) !== 0) {
    throw new RangeError(`Invalid events: ${String(events)} (EVENT_READ, EVENT_WRITE or both)`);
  }
  return events;
}

/** Python's select timeout: `undefined`/`null` waits forever; `<= 0` polls; else seconds. */
function checkSelectTimeout(t: unknown): number | null {
  if (t === undefined || t === null) return null;
  if (typeof t !== 'number') throw new TypeError(`timeout must be a number of seconds or null, not ${typeof t}`);
  if (Number.isNaN(t)) throw new RangeError('timeout must not be NaN');
  if (t === Infinity) return null;
  return Math.max(0, t);
}

/** poll(2) revents -> EVENT_* masked by what the key waits for (as CPython's PollSelector maps them). */
function toEvents(revents: number, wanted: number): number {
  let ev = 0;
  // POLLERR / POLLHUP / POLLNVAL wake both directions: the next call reports the error.
  if (revents & ~POLLOUT) ev |= EVENT_READ;
  if (revents & ~POLLIN) ev |= EVENT_WRITE;
  return ev & wanted;
}

/**
 * Python's `selectors.DefaultSelector`: register sockets with the events to
 * wait for, then `await select()` (or `selectSync()`) for the ready ones.
 *
 * ```ts
 * const sel = new DefaultSelector();
 * sel.register(listener, EVENT_READ, 'accept');
 * for (;;) for (const [key, events] of await sel.select()) { ... }
 * ```
 * @group Selectors
 */
export class DefaultSelector<T = unknown> {
  readonly #entries = new Map<Socket, Entry<T>>();
  #pending: Pending<T> | null = null;
  #collecting = false;
  #closed = false;
  // poll_fds tables, reused between calls and grown when needed.
  #fds = new Int32Array(8);
  #events = new Int32Array(8);
  #revents = new Int32Array(8);

  /**
   * Register `fileobj` for `events` (EVENT_READ | EVENT_WRITE) with an
   * optional `data` value; returns its key. Python's `register`. A socket
   * registered twice is a {@link SelectorKeyError}; bad events a RangeError; a
   * closed socket a RangeError (Python's "Invalid file descriptor: -1").
   */
  register(fileobj: Socket, events: number, data?: T): SelectorKey<T> {
    this.#checkOpen();
    if (!(fileobj instanceof Socket)) throw new TypeError('register() fileobj must be a bsdsock Socket');
    checkEvents(events);
    const fd = fileobj.fileno();
    if (fd < 0) throw new RangeError(`Invalid file descriptor: ${fd} (the socket is closed)`);
    if (this.#entries.has(fileobj) || this.#byFd(fd) !== undefined) {
      throw new SelectorKeyError(fileobj, `${describe(fileobj)} (fd ${fd}) is already registered`);
    }
    const key: SelectorKey<T> = Object.freeze({ fileobj, fd, events, data: data as T });
    const entry: Entry<T> = {
      key,
      armed: 0,
      onRead: () => this.#wake(entry, EVENT_READ),
      onWrite: () => this.#wake(entry, EVENT_WRITE),
    };
    this.#entries.set(fileobj, entry);
    if (this.#pending !== null) this.#armEntry(entry);
    return key;
  }

  /**
   * Stop watching `fileobj` (a Socket, or the fd it was registered with);
   * returns its key. Python's `unregister`. Unregister a socket before
   * closing it.
   */
  unregister(fileobj: Socket | number): SelectorKey<T> {
    this.#checkOpen();
    const entry = this.#entry(fileobj);
    this.#entries.delete(entry.key.fileobj);
    this.#disarm(entry, EVENT_READ | EVENT_WRITE);
    return entry.key;
  }

  /**
   * Change the events and data of a registration; returns the new key.
   * Python's `modify`.
   */
  modify(fileobj: Socket | number, events: number, data?: T): SelectorKey<T> {
    this.#checkOpen();
    checkEvents(events);
    const entry = this.#entry(fileobj);
    const old = entry.key;
    entry.key = Object.freeze({ fileobj: old.fileobj, fd: old.fd, events, data: data as T });
    this.#disarm(entry, entry.armed & ~events);
    if (this.#pending !== null) this.#armEntry(entry);
    return entry.key;
  }

  /** The key of `fileobj` (a Socket or fd); a {@link SelectorKeyError} when it is not registered. Python's `get_key`. */
  getKey(fileobj: Socket | number): SelectorKey<T> {
    this.#checkOpen();
    return this.#entry(fileobj).key;
  }

  /** fd -> key of every registration (a snapshot), as Python's `get_map()`. */
  getMap(): Map<number, SelectorKey<T>> {
    this.#checkOpen();
    const m = new Map<number, SelectorKey<T>>();
    for (const e of this.#entries.values()) m.set(e.key.fd, e.key);
    return m;
  }

  /**
   * Wait until at least one registered socket is ready, or `timeout`
   * seconds pass: `undefined`/`null` waits forever, `0` (or less) only
   * polls. Resolves to `[key, events]` for each ready socket (events masked
   * by what the key waits for), `[]` when the timeout expires. The event
   * loop runs meanwhile. Only one `select()` may wait at a time. A socket
   * closed while registered is never reported (as with epoll).
   */
  select(timeout?: number | null, opts?: SelectOptions): Promise<Array<[SelectorKey<T>, number]>> {
    try {
      this.#checkOpen();
      const t = checkSelectTimeout(timeout);
      if (this.#pending !== null) throw new Error('select() is already waiting on this selector');
      const signal = signalOf('select', opts);
      if (signal?.aborted) return Promise.reject(signal.reason);
      const now = this.#pollNow(0);
      if (now.length > 0 || t === 0) return Promise.resolve(now);
      return new Promise((resolve, reject) => {
        const p: Pending<T> = { resolve, reject };
        this.#pending = p;
        if (signal !== undefined) {
          p.signal = signal;
          p.onAbort = () => this.#settle(p, undefined, signal.reason);
          signal.addEventListener('abort', p.onAbort, { once: true });
        }
        if (t !== null) {
          // Timers may fire a little early by performance.now(): re-arm for
          // what is left so select never returns [] before its deadline.
          const deadline = performance.now() + t * 1000;
          const expire = (): void => {
            const left = deadline - performance.now();
            if (left > 0) p.timer = setTimeout(expire, Math.ceil(left));
            else this.#settle(p, []);
          };
          p.timer = setTimeout(expire, t * 1000);
        }
        for (const e of this.#entries.values()) this.#armEntry(e);
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * poll(2) over every registered socket, blocking the thread until one is
   * ready or `timeout` seconds pass (`undefined`/`null`: forever, `0`: poll).
   * Returns `[key, events]` pairs, `[]` on timeout. EINTR is retried with the
   * time left.
   */
  selectSync(timeout?: number | null): Array<[SelectorKey<T>, number]> {
    this.#checkOpen();
    const t = checkSelectTimeout(timeout);
    return this.#pollNow(t === null ? -1 : t * 1000);
  }

  /**
   * Unregister every socket (they stay open) and make the selector unusable.
   * A `select()` waiting resolves to `[]`. Idempotent. Python's `close`.
   */
  close(): void {
    if (this.#closed) return;
    for (const e of this.#entries.values()) this.#disarm(e, EVENT_READ | EVENT_WRITE);
    this.#entries.clear();
    this.#closed = true;
    if (this.#pending !== null) this.#settle(this.#pending, []);
  }

  /** `using sel = new DefaultSelector()`: Python's `with`. Closes the selector. */
  [Symbol.dispose](): void {
    this.close();
  }

  // ---- internals -----------------------------------------------------------

  #checkOpen(): void {
    if (this.#closed) throw new Error('I/O operation on a closed selector');
  }

  #byFd(fd: number): Entry<T> | undefined {
    for (const e of this.#entries.values()) if (e.key.fd === fd) return e;
    return undefined;
  }

  #entry(fileobj: Socket | number): Entry<T> {
    const e = typeof fileobj === 'number' ? this.#byFd(fileobj) : this.#entries.get(fileobj);
    if (e === undefined) throw new SelectorKeyError(fileobj, `${describe(fileobj)} is not registered`);
    return e;
  }

  /** Set the readiness callbacks a pending select needs on `e`'s socket. */
  #armEntry(e: Entry<T>): void {
    const sock = e.key.fileobj;
    if (sock.fileno() < 0) return;
    const want = e.key.events & ~e.armed;
    if (want & EVENT_READ) sock.onReadable(e.onRead);
    if (want & EVENT_WRITE) sock.onWritable(e.onWrite);
    e.armed |= want;
  }

  #disarm(e: Entry<T>, dirs: number): void {
    const off = e.armed & dirs;
    if (off & EVENT_READ) e.key.fileobj.onReadable(null);
    if (off & EVENT_WRITE) e.key.fileobj.onWritable(null);
    e.armed &= ~off;
  }

  /**
   * A readiness callback. With a select waiting, gather the ready sockets once
   * this loop iteration's events are all delivered (a microtask). With none
   * waiting, stop this callback: it stayed armed after the last select in case
   * the caller selects again at once (the usual loop), which spares the
   * epoll_ctl calls of disarming and re-arming every time.
   */
  #wake(e: Entry<T>, dir: number): void {
    if (this.#pending === null) {
      this.#disarm(e, dir);
      return;
    }
    if (this.#collecting) return;
    this.#collecting = true;
    queueMicrotask(() => {
      this.#collecting = false;
      const p = this.#pending;
      if (p === null) return;
      const ready = this.#pollNow(0);
      if (ready.length > 0) this.#settle(p, ready);
    });
  }

  #settle(p: Pending<T>, value: Array<[SelectorKey<T>, number]> | undefined, error?: unknown): void {
    if (this.#pending !== p) return;
    this.#pending = null;
    if (p.timer !== undefined) clearTimeout(p.timer);
    if (p.onAbort !== undefined) p.signal!.removeEventListener('abort', p.onAbort);
    if (error === undefined) p.resolve(value!);
    else p.reject(error);
  }

  /** One poll(2) over the open registered sockets; `ms < 0` waits forever. */
  #pollNow(ms: number): Array<[SelectorKey<T>, number]> {
    const entries: Entry<T>[] = [];
    for (const e of this.#entries.values()) if (e.key.fileobj.fileno() >= 0) entries.push(e);
    const n = entries.length;
    if (this.#fds.length < n) {
      const cap = Math.max(n, this.#fds.length * 2);
      this.#fds = new Int32Array(cap);
      this.#events = new Int32Array(cap);
      this.#revents = new Int32Array(cap);
    }
    // Datagrams that batching (Socket.setbatching) already took from the
    // kernel leave the fd unreadable: they make the socket readable, and
    // poll must not wait while any are queued.
    let queued = 0;
    for (let i = 0; i < n; i++) {
      const k = entries[i].key;
      this.#fds[i] = k.fileobj.fileno();
      this.#events[i] = (k.events & EVENT_READ ? POLLIN : 0) | (k.events & EVENT_WRITE ? POLLOUT : 0);
      if (k.events & EVENT_READ) queued += k.fileobj._batched();
    }
    const out: Array<[SelectorKey<T>, number]> = [];
    if (binding.poll_fds(this.#fds.subarray(0, n), this.#events, this.#revents, queued > 0 ? 0 : ms) === 0 && queued === 0) return out;
    for (let i = 0; i < n; i++) {
      const k = entries[i].key;
      let ev = this.#revents[i] === 0 ? 0 : toEvents(this.#revents[i], k.events);
      if (k.events & EVENT_READ && k.fileobj._batched() > 0) ev |= EVENT_READ;
      if (ev !== 0) out.push([k, ev]);
    }
    return out;
  }
}
