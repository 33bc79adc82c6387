/**
 * The `Socket` class: Python's `socket.socket`, with a Promise-returning
 * async API that never blocks the thread and a `...Sync` twin of every I/O
 * call with Python's exact blocking semantics.
 *
 * Every fd is nonblocking underneath. Blocking and timeout modes are
 * emulated: a call first tries its syscall; only on EAGAIN does it wait, on
 * the event loop (uv_poll) for async calls, in poll(2) with a deadline for
 * sync ones (as CPython's `sock_call_ex` does).
 * @module
 */
import * as os from 'node:os';
import { fstatSync } from 'node:fs';
import { binding, type NativePoller } from './binding';
import { resolveAddress, resolveAddressSync, type Address } from './address';
import { socketError, SocketTimeoutError, SocketError } from './errors';
import { AF_INET, AF_UNIX, SOCK_STREAM, SOL_SOCKET, SO_ERROR, SO_DOMAIN, SO_TYPE, SO_PROTOCOL, SOMAXCONN, SOCK_NONBLOCK, SOCK_CLOEXEC } from './constants.generated';
import { familyName, kindName } from './constants';
import { SocketStream, type MakefileOptions } from './makefile';

/**
 * Bytes in: a Buffer, any TypedArray, a DataView or an ArrayBuffer.
 * @group Socket
 */
export type Bytes = ArrayBufferView | ArrayBuffer;

/**
 * Options of every async call.
 * @group Socket
 */
export interface IoOptions {
  /** Aborts the wait: the call rejects with `signal.reason`. */
  signal?: AbortSignal;
}

const READ: number = binding.UV_READABLE;
const WRITE: number = binding.UV_WRITABLE;
const { POLLIN, POLLOUT, F_GETFD, F_SETFD, FD_CLOEXEC, F_GETFL, F_SETFL, O_NONBLOCK } = binding.internal;
const { EAGAIN, EINPROGRESS, EBADF } = os.constants.errno;
const NEG_EAGAIN = -EAGAIN;

/** What an attempt returns when its syscall said EAGAIN: wait, then try again. */
const AGAIN: unique symbol = Symbol('AGAIN');
type Attempt<T> = () => T | typeof AGAIN;

interface Waiter {
  attempt: Attempt<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer?: ReturnType<typeof setTimeout>;
  signal?: AbortSignal;
  onAbort?: () => void;
}

let defaultTimeout: number | null = null;

/** The settled promise of a call that completed at once: no allocation. */
const DONE: Promise<void> = Promise.resolve();

/**
 * Python's `socket.getdefaulttimeout()`: the timeout new sockets start with (`null`: blocking).
 * @group Socket
 */
export function getdefaulttimeout(): number | null {
  return defaultTimeout;
}

/**
 * Python's `socket.setdefaulttimeout(timeout)`: `null` blocking, `0` non-blocking, `> 0` seconds.
 * @throws TypeError when `timeout` is not a number or null; RangeError when
 * it is negative, NaN or infinite.
 * @group Socket
 */
export function setdefaulttimeout(timeout: number | null): void {
  defaultTimeout = checkTimeout(timeout);
}

function checkTimeout(t: unknown): number | null {
  if (t === null || t === undefined) return null;
  if (typeof t !== 'number') throw new TypeError(`timeout must be a number of seconds or null, not ${typeof t}`);
  if (!(t >= 0) || !Number.isFinite(t)) throw new RangeError(`Timeout value out of range: ${t}`);
  return t;
}

function checkBytes(data: unknown, name: string): asserts data is Bytes {
  if (typeof data === 'string') {
    throw new TypeError(
      `${name} must be bytes (Buffer, TypedArray, DataView or ArrayBuffer), not a string: ` +
        `encode it first, e.g. Buffer.from(text, 'utf8'), or use makefile({ encoding })`,
    );
  }
}

function checkSize(n: unknown, name: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`${name} must be an integer`);
  if (n < 0) throw new RangeError(`negative ${name}: ${n}`);
  return n;
}

/** A Uint8Array over the same memory, so a partial send can continue without copying. */
function u8(data: Bytes): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Take a waiter out of its queue (abort, timeout); false if it was already settled. */
function dropWaiter(queue: Waiter[], w: Waiter): boolean {
  const i = queue.indexOf(w);
  if (i < 0) return false;
  queue.splice(i, 1);
  return true;
}

/** -errno -> AGAIN or an exception; a count passes through. */
function check(r: number, syscall: string, address?: unknown): number | typeof AGAIN {
  if (r >= 0) return r;
  if (r === NEG_EAGAIN) return AGAIN;
  throw socketError(-r, syscall, address);
}

function closedError(syscall: string): SocketError {
  return socketError(EBADF, syscall);
}

// A Socket that is garbage-collected while still open closes its fd (Python
// does the same, with a ResourceWarning). close() and detach() unregister.
// The poll handle, if any, is closed first, so libuv never watches a closed
// (and soon reused) fd number; the guard holds it for that purpose.
interface LeakGuard {
  fd: number;
  poller: NativePoller | null;
}
const leaks = new FinalizationRegistry<LeakGuard>((guard) => {
  guard.poller?.close();
  try {
    binding.close(guard.fd);
  } catch {
    /* already gone */
  }
});

// Set while the library wraps an fd it has just created (accept, dup): skips
// the fcntl calls that adopting a foreign fd needs.
let ownFd = false;

/**
 * A BSD socket: Python's `socket.socket(family, type, proto, fileno)`.
 *
 * Methods named like the syscall are one syscall (plus, in blocking and
 * timeout modes, the wait for readiness). Methods that are more than one
 * syscall (`sendall`, `connectEx`, `dup`) say so.
 * @example A TCP echo server on the event loop (one task per connection; a
 * client that resets ends only its own task):
 * ```ts
 * import { Socket, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR } from 'bsdsock';
 *
 * const srv = new Socket(AF_INET, SOCK_STREAM);
 * srv.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
 * srv.bind(['127.0.0.1', 8881]);
 * srv.listen();
 * for (;;) {
 *   const [conn, addr] = await srv.accept();
 *   (async () => {
 *     const buf = Buffer.alloc(4096);
 *     try {
 *       for (let n; (n = await conn.recvInto(buf)) > 0; ) await conn.sendall(buf.subarray(0, n));
 *     } catch (err) {
 *       console.error(addr, (err as NodeJS.ErrnoException).code); // e.g. ECONNRESET
 *     } finally {
 *       conn.close();
 *     }
 *   })();
 * }
 * ```
 * @example The same calls, blocking (a script or a worker thread), with a timeout:
 * ```ts
 * const s = new Socket(AF_INET, SOCK_STREAM);
 * s.settimeout(5); // seconds; SocketTimeoutError after that
 * s.connectSync(['127.0.0.1', 8881]);
 * s.sendallSync(Buffer.from('hello'));
 * console.log(s.recvSync(1024).toString());
 * s.close();
 * ```
 * @example A UDP socket:
 * ```ts
 * const u = new Socket(AF_INET, SOCK_DGRAM);
 * u.bind(['127.0.0.1', 0]);
 * await u.sendto(Buffer.from('ping'), ['127.0.0.1', 9999]);
 * const [data, from] = await u.recvfrom(2048);
 * ```
 * @group Socket
 */
export class Socket {
  #fd: number;
  readonly #family: number;
  readonly #type: number;
  readonly #proto: number;
  #timeout: number | null;
  #poller: NativePoller | null = null;
  #armed = 0;
  #readers: Waiter[] = [];
  #writers: Waiter[] = [];
  #onReadable: (() => void) | null = null;
  #onWritable: (() => void) | null = null;
  #drained = false;
  #strong = false;
  readonly #leakGuard: LeakGuard;
  readonly #pollCallback = (status: number, events: number): void => this.#onPoll(status, events);

  /**
   * socket(2). `family` defaults to AF_INET, `type` to SOCK_STREAM. With
   * `fileno`, wraps an existing socket fd instead (and takes ownership);
   * family, type and proto are then read from the fd when not given.
   * `type | SOCK_NONBLOCK` starts in non-blocking mode, as in Python.
   */
  constructor(family?: number, type?: number, proto?: number, fileno?: number) {
    if (fileno === undefined || fileno === null) {
      family ??= AF_INET;
      type ??= SOCK_STREAM;
      proto ??= 0;
      this.#fd = binding.socket(family, type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), proto);
    } else {
      if (typeof fileno !== 'number' || !Number.isInteger(fileno) || fileno < 0) {
        throw new RangeError(`fileno must be a non-negative integer, got ${String(fileno)}`);
      }
      if (!ownFd) {
        family ??= binding.getsockopt(fileno, SOL_SOCKET, SO_DOMAIN) as number;
        type ??= binding.getsockopt(fileno, SOL_SOCKET, SO_TYPE) as number;
        proto ??= binding.getsockopt(fileno, SOL_SOCKET, SO_PROTOCOL) as number;
        binding.adopt(fileno);
      }
      this.#fd = fileno;
    }
    this.#family = family!;
    this.#type = type! & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    this.#proto = proto ?? 0;
    this.#timeout = type! & SOCK_NONBLOCK ? 0 : defaultTimeout;
    this.#leakGuard = { fd: this.#fd, poller: null };
    leaks.register(this, this.#leakGuard, this);
  }

  /** The address family (AF_INET, AF_INET6, AF_UNIX, ...). */
  get family(): number {
    return this.#family;
  }
  /** The socket type (SOCK_STREAM, SOCK_DGRAM, ...), without SOCK_NONBLOCK / SOCK_CLOEXEC. */
  get type(): number {
    return this.#type;
  }
  /** The protocol number. */
  get proto(): number {
    return this.#proto;
  }
  /** The timeout in seconds, `0` for non-blocking, `null` for blocking. */
  get timeout(): number | null {
    return this.#timeout;
  }

  /** The fd, or -1 once closed or detached. Python's `fileno()`. */
  fileno(): number {
    return this.#fd;
  }

  #fdOr(syscall: string): number {
    if (this.#fd < 0) throw closedError(syscall);
    return this.#fd;
  }

  // ---- modes ------------------------------------------------------------

  /** Python's `settimeout`: `null` blocking, `0` non-blocking, `> 0` seconds. */
  settimeout(timeout: number | null): void {
    this.#timeout = checkTimeout(timeout);
  }
  /** Python's `gettimeout`. */
  gettimeout(): number | null {
    return this.#timeout;
  }
  /** Python's `setblocking(flag)`: `true` is `settimeout(null)`, `false` is `settimeout(0)`. */
  setblocking(flag: boolean): void {
    this.#timeout = flag ? null : 0;
  }
  /** Python's `getblocking()`: false only in non-blocking mode (timeout 0). */
  getblocking(): boolean {
    return this.#timeout !== 0;
  }

  /** Whether the fd survives exec (FD_CLOEXEC clear). fcntl(2) F_GETFD. */
  getInheritable(): boolean {
    return (binding.fcntl(this.#fdOr('fcntl'), F_GETFD) & FD_CLOEXEC) === 0;
  }
  /** Set or clear FD_CLOEXEC. fcntl(2) F_GETFD + F_SETFD. */
  setInheritable(inheritable: boolean): void {
    const fd = this.#fdOr('fcntl');
    const flags = binding.fcntl(fd, F_GETFD);
    binding.fcntl(fd, F_SETFD, inheritable ? flags & ~FD_CLOEXEC : flags | FD_CLOEXEC);
  }

  // ---- lifetime -----------------------------------------------------------

  /**
   * close(2). Idempotent. Pending async calls reject at once with EBADF; the
   * poll handle is closed before the fd, so no event can reach a reused fd
   * number, and this object never touches its old fd number again.
   */
  close(): void {
    const fd = this.#release('close');
    if (fd >= 0) binding.close(fd);
  }

  /**
   * Give the fd up without closing it: Python's `detach()`. The fd's
   * O_NONBLOCK flag is set to match this socket's mode (blocking unless the
   * timeout is 0), as its next owner would expect.
   */
  detach(): number {
    const fd = this.#release('detach');
    if (fd < 0) return -1;
    const fl = binding.fcntl(fd, F_GETFL);
    binding.fcntl(fd, F_SETFL, this.#timeout === 0 ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
    binding.detach(fd);
    return fd;
  }

  #release(syscall: string): number {
    const fd = this.#fd;
    if (fd < 0) return -1;
    this.#fd = -1;
    leaks.unregister(this);
    if (this.#poller !== null) {
      this.#poller.close();
      this.#poller = null;
    }
    this.#armed = 0;
    this.#strong = false;
    this.#leakGuard.poller = null;
    this.#onReadable = this.#onWritable = null;
    const waiting = [...this.#readers, ...this.#writers];
    this.#readers = [];
    this.#writers = [];
    for (const w of waiting) this.#settle(w, undefined, closedError(syscall));
    return fd;
  }

  /** dup(2) (F_DUPFD_CLOEXEC): a new Socket on a duplicate fd, with this socket's timeout (as Python's `dup`). */
  dup(): Socket {
    const fd = binding.dup(this.#fdOr('dup'));
    const s = wrapFd(fd, this.#family, this.#type, this.#proto);
    s.#timeout = this.#timeout;
    return s;
  }

  /** `using sock = new Socket()`: Python's `with`. Closes the socket. */
  [Symbol.dispose](): void {
    this.close();
  }
  /** `await using sock = ...`: closes the socket. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  // ---- addresses ----------------------------------------------------------

  /** bind(2). Host names are resolved first (synchronously). */
  bind(address: Address): void {
    const fd = this.#fdOr('bind');
    binding.bind(fd, resolveAddressSync(this.#family, this.#type, address), this.#family);
  }
  /** listen(2). The backlog defaults to min(SOMAXCONN, 128), as in Python. */
  listen(backlog?: number): void {
    const b = backlog === undefined ? Math.min(SOMAXCONN, 128) : Math.max(0, checkInt(backlog, 'backlog'));
    binding.listen(this.#fdOr('listen'), b);
  }
  /** getsockname(2): the local address, in the family's format. */
  getsockname(): Address {
    return binding.getsockname(this.#fdOr('getsockname')) as Address;
  }
  /** getpeername(2): the remote address; ENOTCONN when not connected. */
  getpeername(): Address {
    return binding.getpeername(this.#fdOr('getpeername')) as Address;
  }
  /** shutdown(2): SHUT_RD, SHUT_WR or SHUT_RDWR. */
  shutdown(how: number): void {
    binding.shutdown(this.#fdOr('shutdown'), how);
  }

  /**
   * getsockopt(2). Without `buflen` the option is read as an int; with it, as
   * up to `buflen` bytes (a Buffer of the length the kernel returned).
   */
  getsockopt(level: number, optname: number): number;
  getsockopt(level: number, optname: number, buflen: number): Buffer;
  getsockopt(level: number, optname: number, buflen?: number): number | Buffer {
    return binding.getsockopt(this.#fdOr('getsockopt'), level, optname, buflen);
  }
  /**
   * setsockopt(2) with an int (booleans are 0/1), bytes (a packed struct),
   * or `null` and `optlen` (a NULL optval, as Python allows).
   */
  setsockopt(level: number, optname: number, value: number | boolean | Bytes): void;
  setsockopt(level: number, optname: number, value: null, optlen: number): void;
  setsockopt(level: number, optname: number, value: number | boolean | Bytes | null, optlen?: number): void {
    if (typeof value === 'string') throw new TypeError('setsockopt value must be an integer, bytes, or null with optlen');
    binding.setsockopt(this.#fdOr('setsockopt'), level, optname, value, optlen);
  }

  // ---- readiness ------------------------------------------------------------

  #onPoll(status: number, events: number): void {
    if (status < 0) {
      // libuv reports POLLERR (a pending socket error: a refused TCP connect,
      // an ICMP error on UDP) as UV_EBADF and stops the handle (uv__poll_io,
      // src/unix/poll.c). The error is the socket's, not the poll's: every
      // waiter retries its syscall, which reports the real error (recv's
      // errno, SO_ERROR for connect), as CPython's poll loop does; then the
      // handle is started again for whoever still waits.
      this.#armed = 0;
      events = READ | WRITE;
    }
    // A direction whose event found nobody interested is dropped below. One
    // that served a waiter stays armed even if its queue is now empty: the
    // waiter's continuation (a microtask, run after this callback) usually
    // calls recv again at once, and re-arming would cost two epoll_ctl per
    // round trip. If nobody comes back, the next event finds the queue empty
    // and drops it then: one spurious wakeup instead of two syscalls each time.
    let idle = 0;
    if (events & READ) {
      if (this.#readers.length === 0 && this.#onReadable === null) idle |= READ;
      this.#run(this.#readers);
      this.#onReadable?.();
    }
    if (events & WRITE) {
      if (this.#writers.length === 0 && this.#onWritable === null) idle |= WRITE;
      this.#run(this.#writers);
      this.#onWritable?.();
    }
    this.#arm(idle);
  }

  #run(queue: Waiter[]): void {
    while (queue.length > 0) {
      const w = queue[0];
      let v: unknown;
      try {
        v = w.attempt();
      } catch (e) {
        queue.shift();
        this.#settle(w, undefined, e);
        continue;
      }
      if (v === AGAIN) return;
      queue.shift();
      this.#settle(w, v);
    }
  }

  /**
   * Start or update the poll for the directions someone waits on. `drop`
   * names directions to stop watching unless someone waits on them now.
   */
  #arm(drop = 0): void {
    if (this.#fd < 0) return;
    const want =
      (this.#readers.length > 0 || this.#onReadable !== null ? READ : 0) |
      (this.#writers.length > 0 || this.#onWritable !== null ? WRITE : 0);
    const next = (this.#armed & ~drop) | want;
    // Strong (keeping this socket alive) only while someone waits; a poll
    // armed ahead of the next call leaves a dropped socket collectable.
    const strong = want !== 0;
    if (next === this.#armed && strong === this.#strong) return;
    if (this.#poller === null) {
      this.#poller = new binding.Poller(this.#fd, this.#pollCallback);
      this.#leakGuard.poller = this.#poller;
    }
    if (next === 0) this.#poller.stop();
    else {
      this.#poller.start(next);
      if (!strong) this.#poller.weaken();
    }
    this.#armed = next;
    this.#strong = strong;
  }

  #settle(w: Waiter, value: unknown, error?: unknown): void {
    if (w.timer !== undefined) clearTimeout(w.timer);
    if (w.onAbort !== undefined) w.signal!.removeEventListener('abort', w.onAbort);
    if (error === undefined) w.resolve(value);
    else w.reject(error);
  }

  /** Wait on the event loop until `attempt` stops saying AGAIN (or timeout / abort / close). */
  #wait<T>(dir: number, attempt: Attempt<T>, syscall: string, opts?: IoOptions, address?: unknown): Promise<T> {
    if (this.#timeout === 0) return Promise.reject(socketError(EAGAIN, syscall, address));
    return new Promise<T>((resolve, reject) => {
      const w: Waiter = { attempt, resolve: resolve as (v: unknown) => void, reject };
      const queue = dir === READ ? this.#readers : this.#writers;
      const signal = opts?.signal;
      if (signal !== undefined) {
        if (signal.aborted) {
          reject(signal.reason);
          return;
        }
        w.signal = signal;
        w.onAbort = () => {
          if (dropWaiter(queue, w)) this.#settle(w, undefined, signal.reason);
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      if (this.#timeout !== null) {
        // Timers run on the loop's cached clock and can fire up to a few ms
        // early by performance.now(): re-arm for what is left, so the call
        // never times out before its deadline (as the sync path guarantees).
        const deadline = performance.now() + this.#timeout * 1000;
        const expire = (): void => {
          const left = deadline - performance.now();
          if (left > 0) w.timer = setTimeout(expire, Math.ceil(left));
          else if (dropWaiter(queue, w)) this.#settle(w, undefined, new SocketTimeoutError(syscall, address));
        };
        w.timer = setTimeout(expire, this.#timeout * 1000);
      }
      queue.push(w);
      this.#arm();
    });
  }

  /** Block the thread in poll(2) until `attempt` stops saying AGAIN, or the timeout passes. */
  #block<T>(events: number, attempt: Attempt<T>, syscall: string, address?: unknown): T {
    const timeout = this.#timeout;
    if (timeout === 0) throw socketError(EAGAIN, syscall, address);
    const deadline = timeout === null ? 0 : performance.now() + timeout * 1000;
    for (;;) {
      let ms = -1;
      if (timeout !== null) {
        ms = deadline - performance.now();
        if (ms <= 0) throw new SocketTimeoutError(syscall, address);
      }
      if (binding.poll(this.#fdOr(syscall), events, ms) === 0) throw new SocketTimeoutError(syscall, address);
      const v = attempt();
      if (v !== AGAIN) return v;
    }
  }

  /**
   * Calls `callback` each time the socket is readable, until called with
   * `null`: the building block of zero-allocation loops with
   * {@link tryRecvInto}. Level-triggered: read until EAGAIN or a short read.
   */
  onReadable(callback: (() => void) | null): void {
    this.#onReadable = callback;
    this.#arm(callback === null ? READ : 0);
  }
  /** Calls `callback` each time the socket is writable, until called with `null`. */
  onWritable(callback: (() => void) | null): void {
    this.#onWritable = callback;
    this.#arm(callback === null ? WRITE : 0);
  }

  /**
   * recv(2) into `buffer`, never waiting and never throwing for an OS error:
   * returns the byte count (0 at EOF), or a negative errno (`-EAGAIN` when
   * nothing is there). For readiness loops; the fd is always nonblocking.
   */
  tryRecvInto(buffer: Bytes, nbytes = 0, flags = 0): number {
    return this.#fd < 0 ? -EBADF : binding.recv_into(this.#fd, buffer, nbytes, flags);
  }
  /** send(2) without waiting or throwing: the count sent, or a negative errno. */
  trySend(data: Bytes, flags = 0): number {
    checkBytes(data, 'data');
    return this.#fd < 0 ? -EBADF : binding.send(this.#fd, data, flags);
  }
  /** recvfrom(2) into `buffer` without waiting or throwing: `[count, address]` or a negative errno. */
  tryRecvfromInto(buffer: Bytes, nbytes = 0, flags = 0): [number, Address] | number {
    return this.#fd < 0 ? -EBADF : (binding.recvfrom_into(this.#fd, buffer, nbytes, flags) as [number, Address] | number);
  }
  /** sendto(2) to a numeric address without waiting or throwing: the count sent, or a negative errno. */
  trySendto(data: Bytes, address: Address, flags = 0): number {
    checkBytes(data, 'data');
    return this.#fd < 0 ? -EBADF : binding.sendto(this.#fd, data, flags, address, this.#family);
  }

  // ---- accept / connect -----------------------------------------------------

  /**
   * accept4(2) without waiting or throwing: `[connection, address]`, or a
   * negative errno (`-EAGAIN` when no connection is pending). For readiness
   * loops: `srv.onReadable(() => { for (let r; Array.isArray(r = srv.tryAccept()); ) ... })`.
   */
  tryAccept(): [Socket, Address] | number {
    if (this.#fd < 0) return -EBADF;
    const r = binding.accept(this.#fd);
    if (typeof r === 'number') return r;
    return [wrapFd(r[0], this.#family, this.#type, this.#proto), r[1] as Address];
  }

  #acceptAttempt = (): [Socket, Address] | typeof AGAIN => {
    const r = this.tryAccept();
    return typeof r === 'number' ? (check(r, 'accept') as typeof AGAIN) : r;
  };

  /** accept4(2): `[connection, address]`. The new socket starts with the default timeout. */
  async accept(opts?: IoOptions): Promise<[Socket, Address]> {
    const v = this.#acceptAttempt();
    return v !== AGAIN ? v : this.#wait(READ, this.#acceptAttempt, 'accept', opts);
  }
  /** accept4(2), blocking per the socket's mode. */
  acceptSync(): [Socket, Address] {
    const v = this.#acceptAttempt();
    return v !== AGAIN ? v : this.#block(POLLIN, this.#acceptAttempt, 'accept');
  }

  #connectDone(address: unknown): undefined | typeof AGAIN {
    const err = binding.getsockopt(this.#fdOr('connect'), SOL_SOCKET, SO_ERROR) as number;
    if (err !== 0) throw socketError(err, 'connect', address);
    return undefined;
  }

  /** connect(2) with the address resolved; returns what to wait for, if anything. */
  #connectStart(address: Address): boolean {
    const r = binding.connect(this.#fdOr('connect'), address, this.#family);
    if (r === 0) return false;
    if (r !== -EINPROGRESS) throw socketError(-r, 'connect', address);
    // Non-blocking mode: the connection goes on; Python raises EINPROGRESS.
    if (this.#timeout === 0) throw socketError(EINPROGRESS, 'connect', address);
    return true;
  }

  /**
   * connect(2). A TCP connect completes when the fd turns writable; its
   * result is then read with getsockopt(SO_ERROR). Host names are resolved
   * first, on the thread pool.
   */
  async connect(address: Address, opts?: IoOptions): Promise<void> {
    this.#fdOr('connect');
    const a = resolveAddress(this.#family, this.#type, address);
    const addr = a instanceof Promise ? await a : a;
    if (!this.#connectStart(addr)) return;
    await this.#wait(WRITE, () => this.#connectDone(addr), 'connect', opts, addr);
  }
  /** connect(2), blocking per the socket's mode. */
  connectSync(address: Address): void {
    this.#fdOr('connect');
    const addr = resolveAddressSync(this.#family, this.#type, address);
    if (!this.#connectStart(addr)) return;
    this.#block(POLLOUT, () => this.#connectDone(addr), 'connect', addr);
  }

  /**
   * Python's `connect_ex`: like connect, but an OS error is returned as its
   * errno value (0 on success) instead of being thrown. A timeout returns
   * EAGAIN (EWOULDBLOCK), as in Python. Errors that are not OS errors
   * (bad arguments, failed name resolution) still throw.
   */
  async connectEx(address: Address, opts?: IoOptions): Promise<number> {
    try {
      await this.connect(address, opts);
      return 0;
    } catch (e) {
      return errnoOf(e);
    }
  }
  /** connect_ex, blocking per the socket's mode. See {@link connectEx}. */
  connectExSync(address: Address): number {
    try {
      this.connectSync(address);
      return 0;
    } catch (e) {
      return errnoOf(e);
    }
  }

  // ---- receive ----------------------------------------------------------------

  /** recv(2): up to `bufsize` bytes; an empty Buffer at EOF. */
  async recv(bufsize: number, flags = 0, opts?: IoOptions): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(checkSize(bufsize, 'buffersize'));
    const n = await this.recvInto(buf, bufsize, flags, opts);
    return shrink(buf, n);
  }
  /** recv(2), blocking per the socket's mode. */
  recvSync(bufsize: number, flags = 0): Buffer {
    const buf = Buffer.allocUnsafe(checkSize(bufsize, 'buffersize'));
    return shrink(buf, this.recvIntoSync(buf, bufsize, flags));
  }

  /**
   * recv(2) into `buffer` (at most `nbytes`, 0 meaning all of it): the byte
   * count, 0 at EOF. The hot path is one N-API call and one syscall.
   */
  recvInto(buffer: Bytes, nbytes = 0, flags = 0, opts?: IoOptions): Promise<number> {
    // Not an async function: on the hot path the wait's own promise is the
    // result, with no second promise and no extra microtask hop around it.
    try {
      const fd = this.#fdOr('recv');
      if (!this.#drained || this.#timeout === 0 || flags !== 0) {
        const r = binding.recv_into(fd, buffer, nbytes, flags);
        if (r >= 0) return Promise.resolve(this.#noteRead(r, nbytes, buffer));
        if (r !== NEG_EAGAIN) throw socketError(-r, 'recv');
      }
      this.#drained = false;
      return this.#wait(READ, () => {
        const r = check(binding.recv_into(this.#fdOr('recv'), buffer, nbytes, flags), 'recv');
        return r === AGAIN ? r : this.#noteRead(r, nbytes, buffer);
      }, 'recv', opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * A short read on a stream drained the kernel's queue, so the next recv
   * would almost surely say EAGAIN: the next async recv then waits for
   * readiness first (a level-triggered poll reports queued data at once) and
   * saves that syscall, one per round trip in a request/response loop.
   */
  #noteRead(n: number, nbytes: number, buffer: Bytes): number {
    this.#drained = this.#type === SOCK_STREAM && n > 0 && n < (nbytes || buffer.byteLength);
    return n;
  }
  /** recv(2) into `buffer`, blocking per the socket's mode. */
  recvIntoSync(buffer: Bytes, nbytes = 0, flags = 0): number {
    const attempt = (): number | typeof AGAIN => check(binding.recv_into(this.#fdOr('recv'), buffer, nbytes, flags), 'recv');
    const v = attempt();
    return v !== AGAIN ? v : this.#block(POLLIN, attempt, 'recv');
  }

  /** recvfrom(2): `[data, address]`; the address is `null` on a connected stream. */
  async recvfrom(bufsize: number, flags = 0, opts?: IoOptions): Promise<[Buffer, Address | null]> {
    const buf = Buffer.allocUnsafe(checkSize(bufsize, 'buffersize'));
    const [n, addr] = await this.recvfromInto(buf, bufsize, flags, opts);
    return [shrink(buf, n), addr];
  }
  /** recvfrom(2), blocking per the socket's mode. */
  recvfromSync(bufsize: number, flags = 0): [Buffer, Address | null] {
    const buf = Buffer.allocUnsafe(checkSize(bufsize, 'buffersize'));
    const [n, addr] = this.recvfromIntoSync(buf, bufsize, flags);
    return [shrink(buf, n), addr];
  }

  #recvfromAttempt(buffer: Bytes, nbytes: number, flags: number): [number, Address | null] | typeof AGAIN {
    const r = binding.recvfrom_into(this.#fdOr('recvfrom'), buffer, nbytes, flags);
    if (typeof r === 'number') return check(r, 'recvfrom') as typeof AGAIN;
    return r as [number, Address | null];
  }
  /** recvfrom(2) into `buffer`: `[count, address]`. */
  async recvfromInto(buffer: Bytes, nbytes = 0, flags = 0, opts?: IoOptions): Promise<[number, Address | null]> {
    const v = this.#recvfromAttempt(buffer, nbytes, flags);
    if (v !== AGAIN) return v;
    return this.#wait(READ, () => this.#recvfromAttempt(buffer, nbytes, flags), 'recvfrom', opts);
  }
  /** recvfrom(2) into `buffer`, blocking per the socket's mode. */
  recvfromIntoSync(buffer: Bytes, nbytes = 0, flags = 0): [number, Address | null] {
    const attempt = (): [number, Address | null] | typeof AGAIN => this.#recvfromAttempt(buffer, nbytes, flags);
    const v = attempt();
    return v !== AGAIN ? v : this.#block(POLLIN, attempt, 'recvfrom');
  }

  // ---- send ---------------------------------------------------------------------

  /** send(2): the number of bytes sent, which may be fewer than given. */
  async send(data: Bytes, flags = 0, opts?: IoOptions): Promise<number> {
    checkBytes(data, 'data');
    const r = binding.send(this.#fdOr('send'), data, flags);
    if (r >= 0) return r;
    if (r !== NEG_EAGAIN) throw socketError(-r, 'send');
    return this.#wait(WRITE, () => check(binding.send(this.#fdOr('send'), data, flags), 'send'), 'send', opts);
  }
  /** send(2), blocking per the socket's mode. */
  sendSync(data: Bytes, flags = 0): number {
    checkBytes(data, 'data');
    const attempt = (): number | typeof AGAIN => check(binding.send(this.#fdOr('send'), data, flags), 'send');
    const v = attempt();
    return v !== AGAIN ? v : this.#block(POLLOUT, attempt, 'send');
  }

  /**
   * Send all of `data`: send(2) repeated until every byte is out. Not one
   * syscall. The timeout bounds the whole call, as in Python 3.5+; on error
   * some data may have been sent.
   */
  sendall(data: Bytes, flags = 0, opts?: IoOptions): Promise<void> {
    try {
      checkBytes(data, 'data');
      const total = data.byteLength;
      const r = binding.send(this.#fdOr('send'), data, flags);
      if (r === total) return DONE;
      if (r < 0 && r !== NEG_EAGAIN) throw socketError(-r, 'send');
      const rest = sendRest(u8(data), Math.max(r, 0), flags, () => this.#fdOr('send'));
      return this.#wait(WRITE, rest, 'sendall', opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  /** sendall, blocking per the socket's mode. */
  sendallSync(data: Bytes, flags = 0): void {
    checkBytes(data, 'data');
    const rest = sendRest(u8(data), 0, flags, () => this.#fdOr('send'));
    if (rest() !== AGAIN) return;
    this.#block(POLLOUT, rest, 'sendall');
  }

  /**
   * sendto(2): `sendto(data, address)` or `sendto(data, flags, address)`, as
   * in Python. Host names are resolved first.
   */
  async sendto(data: Bytes, flagsOrAddress: number | Address, address?: Address, opts?: IoOptions): Promise<number> {
    checkBytes(data, 'data');
    const [flags, target] = sendtoArgs(flagsOrAddress, address);
    const a = resolveAddress(this.#family, this.#type, target);
    const addr = a instanceof Promise ? await a : a;
    const attempt = (): number | typeof AGAIN =>
      check(binding.sendto(this.#fdOr('sendto'), data, flags, addr, this.#family), 'sendto', addr);
    const v = attempt();
    return v !== AGAIN ? v : this.#wait(WRITE, attempt, 'sendto', opts, addr);
  }
  /** sendto(2), blocking per the socket's mode. */
  sendtoSync(data: Bytes, flagsOrAddress: number | Address, address?: Address): number {
    checkBytes(data, 'data');
    const [flags, target] = sendtoArgs(flagsOrAddress, address);
    const addr = resolveAddressSync(this.#family, this.#type, target);
    const attempt = (): number | typeof AGAIN =>
      check(binding.sendto(this.#fdOr('sendto'), data, flags, addr, this.#family), 'sendto', addr);
    const v = attempt();
    return v !== AGAIN ? v : this.#block(POLLOUT, attempt, 'sendto', addr);
  }

  // ---- messages: scatter/gather, ancillary data, batches -----------------

  /**
   * sendmsg(2): the `buffers` gathered into one message, with ancillary
   * data items `[level, type, data]` (e.g. `[SOL_SOCKET, SCM_RIGHTS, fds]`)
   * and an optional destination address. Returns the bytes sent.
   */
  async sendmsg(buffers: Bytes[], ancdata: AncData[] = [], flags = 0, address?: Address, opts?: IoOptions): Promise<number> {
    const addr = address === undefined ? null : await resolveAddress(this.#family, this.#type, address);
    const attempt = this.#sendmsgAttempt(buffers, ancdata, flags, addr);
    const v = attempt();
    return v !== AGAIN ? v : this.#wait(WRITE, attempt, 'sendmsg', opts, addr ?? undefined);
  }
  /** sendmsg(2), blocking per the socket's mode. */
  sendmsgSync(buffers: Bytes[], ancdata: AncData[] = [], flags = 0, address?: Address): number {
    const addr = address === undefined ? null : resolveAddressSync(this.#family, this.#type, address);
    const attempt = this.#sendmsgAttempt(buffers, ancdata, flags, addr);
    const v = attempt();
    return v !== AGAIN ? v : this.#block(POLLOUT, attempt, 'sendmsg', addr ?? undefined);
  }
  #sendmsgAttempt(buffers: Bytes[], ancdata: AncData[], flags: number, addr: Address | null): Attempt<number> {
    if (!Array.isArray(buffers)) throw new TypeError('sendmsg() buffers must be an array of bytes');
    for (const b of buffers) checkBytes(b, 'buffers[i]');
    return () => check(binding.sendmsg(this.#fdOr('sendmsg'), buffers, ancdata, flags, addr, this.#family), 'sendmsg', addr ?? undefined);
  }

  /**
   * recvmsg(2) into `buffers` (Python's `recvmsg_into`):
   * `[nbytes, ancdata, msgFlags, address]`. Up to `ancbufsize` bytes of
   * ancillary data are received (size it with {@link CMSG_SPACE}); fds that
   * arrive by SCM_RIGHTS are close-on-exec (MSG_CMSG_CLOEXEC).
   */
  async recvmsgInto(buffers: Bytes[], ancbufsize = 0, flags = 0, opts?: IoOptions): Promise<RecvmsgResult<number>> {
    const attempt = this.#recvmsgAttempt(buffers, ancbufsize, flags);
    const v = attempt();
    return v !== AGAIN ? v : this.#wait(READ, attempt, 'recvmsg', opts);
  }
  /** recvmsg(2) into `buffers`, blocking per the socket's mode. */
  recvmsgIntoSync(buffers: Bytes[], ancbufsize = 0, flags = 0): RecvmsgResult<number> {
    const attempt = this.#recvmsgAttempt(buffers, ancbufsize, flags);
    const v = attempt();
    return v !== AGAIN ? v : this.#block(POLLIN, attempt, 'recvmsg');
  }
  /** recvmsg(2) of up to `bufsize` bytes: `[data, ancdata, msgFlags, address]`, as Python's `recvmsg`. */
  async recvmsg(bufsize: number, ancbufsize = 0, flags = 0, opts?: IoOptions): Promise<RecvmsgResult<Buffer>> {
    const buf = Buffer.allocUnsafe(checkSize(bufsize, 'bufsize'));
    const [n, anc, mflags, addr] = await this.recvmsgInto([buf], ancbufsize, flags, opts);
    return [shrink(buf, n), anc, mflags, addr];
  }
  /** recvmsg(2), blocking per the socket's mode. */
  recvmsgSync(bufsize: number, ancbufsize = 0, flags = 0): RecvmsgResult<Buffer> {
    const buf = Buffer.allocUnsafe(checkSize(bufsize, 'bufsize'));
    const [n, anc, mflags, addr] = this.recvmsgIntoSync([buf], ancbufsize, flags);
    return [shrink(buf, n), anc, mflags, addr];
  }
  #recvmsgAttempt(buffers: Bytes[], ancbufsize: number, flags: number): Attempt<RecvmsgResult<number>> {
    checkSize(ancbufsize, 'ancbufsize');
    return () => {
      const r = binding.recvmsg(this.#fdOr('recvmsg'), buffers, ancbufsize, flags);
      if (typeof r === 'number') return check(r, 'recvmsg') as typeof AGAIN;
      return r as RecvmsgResult<number>;
    };
  }

  /**
   * recvmmsg(2): up to `buffers.length` datagrams in one syscall, waiting
   * (per the mode) for at least one. Returns `[nbytes, address]` per datagram
   * received, in order. Linux only.
   */
  async recvmmsg(buffers: Bytes[], flags = 0, opts?: IoOptions): Promise<Array<[number, Address | null]>> {
    const batch = new MsgBatch(buffers.length);
    const attempt = (): number | typeof AGAIN => check(this.tryRecvmmsg(buffers, batch.meta, batch.names, flags), 'recvmmsg');
    const v = attempt();
    return batch.results(v !== AGAIN ? v : await this.#wait(READ, attempt, 'recvmmsg', opts));
  }
  /**
   * sendmmsg(2): several datagrams in one syscall, each `[data, address?]`
   * (no address on a connected socket). Returns how many were sent, which
   * may be fewer than given. Linux only.
   */
  async sendmmsg(messages: Array<[Bytes, Address?]>, flags = 0, opts?: IoOptions): Promise<number> {
    const batch = new MsgBatch(messages.length);
    const bufs: Bytes[] = [];
    for (let i = 0; i < messages.length; i++) {
      const [data, address] = messages[i];
      checkBytes(data, 'data');
      bufs.push(data);
      batch.meta[2 * i] = data.byteLength;
      if (address !== undefined) {
        const packed = binding.packSockaddr(this.#family, await resolveAddress(this.#family, this.#type, address));
        packed.copy(batch.names, i * SLOT);
        batch.meta[2 * i + 1] = packed.length;
      }
    }
    const attempt = (): number | typeof AGAIN =>
      check(this.trySendmmsg(bufs, batch.meta, batch.names, messages.length, flags), 'sendmmsg');
    const v = attempt();
    return v !== AGAIN ? v : this.#wait(WRITE, attempt, 'sendmmsg', opts);
  }

  /**
   * recvmmsg(2) without waiting or throwing, for zero-allocation datagram
   * loops: fills `meta[2i]` with datagram i's length and `meta[2i+1]` with
   * its address length, the raw sockaddr in `names` slot i (128 bytes a
   * slot; pass null to skip addresses). Returns the count or a negative errno.
   * The same buffers/meta/names can go straight to {@link trySendmmsg}.
   */
  tryRecvmmsg(buffers: Bytes[], meta: Int32Array, names: Buffer | null, flags = 0): number {
    return this.#fd < 0 ? -EBADF : binding.recvmmsg(this.#fd, buffers, meta, names, flags);
  }
  /**
   * sendmmsg(2) of the first `count` messages without waiting or throwing:
   * datagram i is `meta[2i]` bytes of `buffers[i]` to the raw address in
   * `names` slot i (`meta[2i+1]` bytes; 0 for none). Returns how many were
   * sent, or a negative errno.
   */
  trySendmmsg(buffers: Bytes[], meta: Int32Array, names: Buffer | null, count: number, flags = 0): number {
    return this.#fd < 0 ? -EBADF : binding.sendmmsg(this.#fd, buffers, meta, names, flags, count);
  }

  /**
   * Send a file with sendfile(2), from `offset`, `count` bytes (to the end
   * when omitted). Not one syscall: sendfile is repeated until done. Returns
   * the bytes sent. `file` is an fd or a `fs.promises` FileHandle. Linux only.
   */
  async sendfile(file: number | { fd: number }, offset = 0, count?: number, opts?: IoOptions): Promise<number> {
    const [inFd, rest] = sendfileArgs(file, offset, count);
    const state = { offset, left: rest, sent: 0 };
    const attempt = this.#sendfileAttempt(inFd, state);
    const v = attempt();
    return v !== AGAIN ? v : this.#wait(WRITE, attempt, 'sendfile', opts);
  }
  /** sendfile, blocking per the socket's mode. */
  sendfileSync(file: number | { fd: number }, offset = 0, count?: number): number {
    const [inFd, rest] = sendfileArgs(file, offset, count);
    const attempt = this.#sendfileAttempt(inFd, { offset, left: rest, sent: 0 });
    const v = attempt();
    return v !== AGAIN ? v : this.#block(POLLOUT, attempt, 'sendfile');
  }
  #sendfileAttempt(inFd: number, st: { offset: number; left: number; sent: number }): Attempt<number> {
    return () => {
      while (st.left > 0) {
        const r = binding.sendfile(this.#fdOr('sendfile'), inFd, st.offset, Math.min(st.left, 0x7ffff000));
        if (r === NEG_EAGAIN) return AGAIN;
        if (r < 0) throw socketError(-r, 'sendfile');
        if (r === 0) break; // end of file before count
        st.offset += r;
        st.left -= r;
        st.sent += r;
      }
      return st.sent;
    };
  }

  /**
   * The socket as a Node stream (Python's `makefile`): 'r' Readable, 'w'
   * Writable, 'rw' both (an added 'b' is accepted). With `{ encoding }` it
   * reads and writes text. `end()` shuts the write side down. The socket
   * stays open when the stream is destroyed unless `closeSocket` is set.
   */
  makefile(mode = 'r', opts: MakefileOptions = {}): SocketStream {
    this.#fdOr('makefile');
    return new SocketStream(this, mode, opts);
  }

  /** `for await (const chunk of sock)`: recv(65536) until EOF. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    for (;;) {
      const chunk = await this.recv(65536);
      if (chunk.length === 0) return;
      yield chunk;
    }
  }

  /** A description like Python's repr: fd, family, type, proto, local and remote address. */
  toString(): string {
    if (this.#fd < 0) return `<bsdsock.Socket [closed] family=${familyName(this.#family)}, type=${kindName(this.#type)}, proto=${this.#proto}>`;
    let s = `<bsdsock.Socket fd=${this.#fd}, family=${familyName(this.#family)}, type=${kindName(this.#type)}, proto=${this.#proto}`;
    try {
      s += `, laddr=${JSON.stringify(this.getsockname())}`;
      s += `, raddr=${JSON.stringify(this.getpeername())}`;
    } catch {
      /* not bound / not connected */
    }
    return s + '>';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function checkInt(n: unknown, name: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`${name} must be an integer`);
  return n;
}

function errnoOf(e: unknown): number {
  if (e instanceof SocketTimeoutError) return EAGAIN;
  if (e instanceof SocketError) return e.errno;
  throw e;
}

function sendtoArgs(flagsOrAddress: number | Address, address?: Address): [number, Address] {
  if (address === undefined) return [0, flagsOrAddress as Address];
  return [checkInt(flagsOrAddress, 'flags'), address];
}

/** The rest of a sendall from `sent` on: AGAIN until every byte is out. */
function sendRest(view: Uint8Array, sent: number, flags: number, fd: () => number): Attempt<undefined> {
  return () => {
    while (sent < view.length) {
      const r = binding.send(fd(), sent === 0 ? view : view.subarray(sent), flags);
      if (r === NEG_EAGAIN) return AGAIN;
      if (r < 0) throw socketError(-r, 'send');
      sent += r;
    }
    return undefined;
  };
}

/**
 * The first `n` bytes of `buf`. A short read of a large buffer is copied so
 * that a 64 KiB allocation does not stay alive behind 10 bytes of data.
 */
function shrink(buf: Buffer, n: number): Buffer {
  if (n === buf.length) return buf;
  if (buf.length - n > 4096 && n < buf.length / 2) return Buffer.from(buf.subarray(0, n));
  return buf.subarray(0, n);
}

/**
 * One ancillary data item: `[level, type, data]`.
 * @group Messages and fds
 */
export type AncData = [level: number, type: number, data: Bytes];
/**
 * What recvmsg returns: `[data or nbytes, ancdata, msgFlags, address]`.
 * @group Messages and fds
 */
export type RecvmsgResult<T> = [T, Array<[number, number, Buffer]>, number, Address | null];

const SLOT: number = binding.SOCKADDR_SLOT;

/** The meta/names arrays of a batched datagram call. */
class MsgBatch {
  readonly meta: Int32Array;
  readonly names: Buffer;
  constructor(n: number) {
    this.meta = new Int32Array(2 * n);
    this.names = Buffer.alloc(n * SLOT);
  }
  results(count: number): Array<[number, Address | null]> {
    const out: Array<[number, Address | null]> = [];
    for (let i = 0; i < count; i++) {
      const alen = this.meta[2 * i + 1];
      const addr = alen > 0 ? (binding.unpackSockaddr(this.names.subarray(i * SLOT, i * SLOT + alen)) as Address) : null;
      out.push([this.meta[2 * i], addr]);
    }
    return out;
  }
}

function sendfileArgs(file: number | { fd: number }, offset: number, count?: number): [number, number] {
  const fd = typeof file === 'number' ? file : file?.fd;
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) throw new TypeError('sendfile() file must be an fd or a FileHandle');
  checkSize(offset, 'offset');
  if (count !== undefined && count !== null) return [fd, checkSize(count, 'count')];
  const size = fstatSync(fd).size;
  return [fd, Math.max(0, size - offset)];
}

/** A Socket over an fd this library just created (accept4, dup): no adoption needed. */
function wrapFd(fd: number, family: number, type: number, proto: number): Socket {
  ownFd = true;
  try {
    return new Socket(family, type, proto, fd);
  } finally {
    ownFd = false;
  }
}

/**
 * socketpair(2): two connected sockets. Defaults: AF_UNIX, SOCK_STREAM.
 * @throws {@link SocketError} from socketpair(2), e.g. `ENOTSUP` (EOPNOTSUPP) for a
 * family that has no pairs, `EMFILE` when out of fds.
 * @example
 * ```ts
 * const [a, b] = socketpair(); // AF_UNIX, SOCK_STREAM
 * a.sendallSync(Buffer.from('hi'));
 * b.recvSync(2); // <Buffer 68 69>
 * a.close(); b.close();
 * ```
 * @group Socket
 */
export function socketpair(family: number = AF_UNIX, type: number = SOCK_STREAM, proto = 0): [Socket, Socket] {
  const [a, b] = binding.socketpair(family, type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), proto);
  return [wrapFd(a, family, type, proto), wrapFd(b, family, type, proto)];
}

/**
 * Python's `socket.fromfd`: a Socket on a *duplicate* of `fd` (dup(2)); the
 * caller keeps `fd` and must close it.
 * @throws {@link SocketError} `EBADF` when `fd` is not open (from dup(2)).
 * @group Socket
 */
export function fromfd(fd: number, family: number, type: number, proto = 0): Socket {
  const nfd = binding.dup(checkInt(fd, 'fd'));
  return wrapFd(nfd, family, type, proto);
}
