/**
 * The waiting engine: how a call that would block waits, on the event loop
 * (async) or in poll(2) (sync), per the socket's mode. Python's
 * `sock_call_ex` in one file.
 *
 * Every fd is nonblocking, and every call that takes flags adds
 * MSG_DONTWAIT, so no syscall here ever blocks, whatever another holder of
 * the file description did to O_NONBLOCK. A call is an {@link Op}: one
 * attempt of its syscall, returning {@link AGAIN} when it would block.
 * {@link Channel.call} and {@link Channel.callSync} make the first attempt
 * themselves and then wait for the direction the call needs:
 *
 * | timeout | callSync | call |
 * |---|---|---|
 * | `null` | poll(2) without deadline | uv_poll until done |
 * | `0` | EAGAIN error | rejects with EAGAIN |
 * | `> 0` | poll(2) with a deadline, then SocketTimeoutError | the same on a timer |
 *
 * A call given MSG_DONTWAIT never waits, in any mode (as in Python).
 *
 * The async side: one uv_poll_t per socket (native/poll.cc), left armed
 * between calls so a request/response loop costs no epoll_ctl; the native
 * side is told only when the watched mask changes. One loop iteration's
 * events reach JS in one call ({@link dispatch}) through a shared
 * Int32Array, inside one callback scope: one microtask checkpoint per
 * iteration, not per socket. Whether the loop is kept alive (someone
 * waits) is kept here too, and handed to native lazily.
 * @internal
 * @module
 */
import { AsyncResource } from 'node:async_hooks';
import * as os from 'node:os';
import { addon, binding } from './binding';
import { socketError, SocketTimeoutError } from './errors';
import { signalOf } from './args';
import { MSG_DONTWAIT, MSG_ERRQUEUE } from './constants.generated';

/** uv_poll's readable / writable bits: the two directions a call waits for. */
export const READ: number = binding.UV_READABLE;
export const WRITE: number = binding.UV_WRITABLE;
const { POLLIN, POLLOUT } = binding.internal;
const { EAGAIN, EBADF } = os.constants.errno;
export const NEG_EAGAIN = -EAGAIN;
const DONTWAIT: number = MSG_DONTWAIT ?? 0;
/**
 * A read of the error queue never blocks in the kernel: a blocking socket's
 * recv(MSG_ERRQUEUE) on an empty queue is EAGAIN at once in Python (its fd
 * is blocking, and the kernel returns EAGAIN). Here too, instead of waiting
 * for POLLIN; with a timeout it waits, as CPython's poll loop does.
 */
const ERRQUEUE: number = MSG_ERRQUEUE ?? 0;
/** setTimeout's longest delay (2**31-1 ms, ~24.8 days): longer waits re-arm. */
const MAX_TIMER_MS = 0x7fffffff;

/** What an attempt returns when its syscall said EAGAIN: wait, then try again. */
export const AGAIN: unique symbol = Symbol('AGAIN');
export type Again = typeof AGAIN;

/**
 * One attempt of a call: its syscall, once. Returns the result, or AGAIN when
 * the syscall would block; throws for any other error. `flags` is the
 * caller's flags argument (0 for calls that take none); the op adds
 * MSG_DONTWAIT itself where the syscall takes flags.
 */
export type Op<T, A, B> = ((ch: Channel, a: A, b: B, flags: number) => T | Again) & {
  /**
   * For a read the native side can make itself (a completion read, see
   * native/poll.cc): the call's result from the recv(2) result `r` (a count
   * or -errno), as the op would have returned it.
   */
  done?: (ch: Channel, a: A, b: B, r: number) => T | Again;
};

/**
 * Options of every async call.
 * @group Socket
 */
export interface IoOptions {
  /** Aborts the wait: the call rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** -errno -> AGAIN or an exception; a count passes through. */
export function check(r: number, syscall: string, address?: unknown): number | Again {
  if (r >= 0) return r;
  if (r === NEG_EAGAIN) return AGAIN;
  throw socketError(-r, syscall, address);
}

/** A call waiting for readiness. */
class Waiter {
  timer: ReturnType<typeof setTimeout> | undefined = undefined;
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;
  deadline = 0;
  resolve!: (v: unknown) => void;
  reject!: (e: unknown) => void;
  constructor(
    readonly dir: number,
    readonly op: Op<unknown, unknown, unknown>,
    readonly a: unknown,
    readonly b: unknown,
    readonly flags: number,
    readonly syscall: string,
    readonly address: unknown,
  ) {}
}

// The promise executor, shared: no closure is made per wait.
let captured: Waiter | null = null;
function capture(resolve: (v: unknown) => void, reject: (e: unknown) => void): void {
  captured!.resolve = resolve;
  captured!.reject = reject;
}

function rethrow(e: unknown): never {
  throw e;
}

// ---- the loop's side: dispatch and keep-alive ---------------------------

/**
 * The engine's state, one per environment: on the addon's exports, so that two
 * copies of this module (the CommonJS build and the ESM or a bundled one)
 * share it; native accepts one dispatcher. `shared[0]` is set by native
 * while a dispatch (and its microtasks) runs, `shared[1]` by us while anyone
 * waits; then come the (id, events) pairs.
 */
interface Engine {
  channels: Array<{ onEvent(events: number): void; completed(r: number): void } | undefined>;
  shared: Int32Array;
  /** id -> 1: native makes the head reader's recv (completion read); native clears it. */
  wants: Uint8Array;
  holders: number;
  /** Async calls that may still complete at once before the loop must turn (see Channel.call). */
  budget: number;
}
/** Async calls completed at once per loop iteration, at most. */
const BUDGET = 64;
const IN_DISPATCH = 0;
const WANT_REF = 1;
const EVENTS = 2;
/** (id, events, read) per event. */
const RECORD = 3;
/** `read` of an event without a completion read. */
const NO_READ = -0x80000000;
const engine: Engine = ((addon as { engine?: Engine }).engine ??= makeEngine());
const { channels, shared, wants } = engine;

function makeEngine(): Engine {
  const e = { channels: [], holders: 0, budget: BUDGET } as unknown as Engine;
  [e.shared, e.wants] = binding.pollSetup((count) => dispatch(e, count));
  return e;
}

/**
 * Native calls this once per loop iteration with the iteration's events in
 * `shared`. Exceptions from readiness callbacks are caught per callback and
 * rethrown on the next tick, so one throwing callback costs no other
 * socket its event.
 */
function dispatch(e: Engine, count: number): void {
  const { channels, shared } = e;
  e.budget = BUDGET;
  // Completion reads first, before any readiness callback can run (and,
  // say, abort the reader): their data is already out of the kernel.
  for (let i = 0; i < count; i++) {
    const r = shared[EVENTS + RECORD * i + 2];
    if (r !== NO_READ) channels[shared[EVENTS + RECORD * i]]?.completed(r);
  }
  for (let i = 0; i < count; i++) {
    const ch = channels[shared[EVENTS + RECORD * i]];
    if (ch !== undefined) ch.onEvent(shared[EVENTS + RECORD * i + 1]);
  }
}

/**
 * Whether the loop must stay alive: someone waits or a callback is set. In
 * a dispatch, native reads the wish when the microtasks are done (a loop
 * that resolves a recv and calls recv again costs no native call);
 * elsewhere it is handed over at once.
 */
function wantRef(on: boolean): void {
  shared[WANT_REF] = on ? 1 : 0;
  if (shared[IN_DISPATCH] === 0) binding.pollRef(on);
}

// ---- one socket's side ------------------------------------------------------

/**
 * A socket's fd, mode and waiting calls. The `Socket` facade owns one; it
 * holds no reference to the Socket except while someone waits (`owner`,
 * handed in by each call: a WeakRef's deref() per wait measured ~400
 * instructions), so a forgotten socket can still be collected.
 */
export class Channel {
  /** The fd, -1 once closed or detached. */
  fd: number;
  /** null: blocking; 0: non-blocking; > 0: seconds. */
  timeout: number | null;
  /** After a short stream read the next async recv waits first (see Socket.recvInto). */
  drained = false;
  /** The fd's inode when the socket got it: close and detach check it (see owns()). */
  readonly ino: number;
  #id = -1;
  #armed = 0;
  #holds = 0;
  /** Never read: a strong reference that keeps the Socket alive while anything waits (see #hold). */
  #owner: object | null = null;
  #readers: Waiter[] = [];
  #writers: Waiter[] = [];
  #onReadable: (() => void) | null = null;
  #onWritable: (() => void) | null = null;
  #readRes: AsyncResource | null = null;
  #writeRes: AsyncResource | null = null;
  /** The buffer (and byte count) registered with native for completion reads. */
  #into: Uint8Array | null = null;
  #intoN = 0;
  /** A completion read served a reader in this dispatch: keep READ armed (see onEvent). */
  #served = false;

  constructor(
    fd: number,
    timeout: number | null,
    readonly family: number,
    readonly type: number,
  ) {
    this.fd = fd;
    this.timeout = timeout;
    this.ino = binding.fdIno(fd);
  }

  /**
   * Whether the fd is still the socket this channel was made for: false
   * when it was closed behind the socket's back (and its number perhaps
   * reused by someone else, whose fd close() must not take).
   */
  owns(fd: number): boolean {
    return binding.fdIno(fd) === this.ino;
  }

  /** The fd, or EBADF naming `syscall` once closed. */
  fdOr(syscall: string): number {
    if (this.fd < 0) throw socketError(EBADF, syscall);
    return this.fd;
  }

  // ---- the two drivers --------------------------------------------------

  /** The async call: one attempt, then wait on the loop per the mode. Never throws: rejects. */
  call<T, A, B>(owner: object, dir: number, op: Op<T, A, B>, a: A, b: B, flags: number, syscall: string, opts?: IoOptions, address?: unknown): Promise<T> {
    try {
      // An already aborted signal rejects even when the call could complete
      // (as fetch and events.once do).
      if (opts !== undefined && signalOf(syscall, opts)?.aborted) return Promise.reject(opts.signal!.reason);
      if (--engine.budget < 0 && this.timeout !== 0 && (flags & (DONTWAIT | ERRQUEUE)) === 0) {
        // Calls that complete at once resolve in microtasks: a loop of them
        // on a socket that always has data (a packet socket on a busy lo, a
        // UDP sender) would never let the event loop run timers or signals.
        // Past the budget of one loop iteration, a call waits for
        // readiness, which (level-triggered) comes in the next iteration.
        return this.wait(owner, dir, op, a, b, flags, syscall, opts, address);
      }
      const v = op(this, a, b, flags);
      if (v !== AGAIN) return Promise.resolve(v);
      return this.wait(owner, dir, op, a, b, flags, syscall, opts, address);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The sync call: one attempt, then poll(2) per the mode. */
  callSync<T, A, B>(dir: number, op: Op<T, A, B>, a: A, b: B, flags: number, syscall: string, address?: unknown): T {
    const v = op(this, a, b, flags);
    if (v !== AGAIN) return v;
    const timeout = this.timeout;
    if (timeout === 0 || (flags & DONTWAIT) !== 0 || (timeout === null && (flags & ERRQUEUE) !== 0)) throw socketError(EAGAIN, syscall, address);
    const events = dir === READ ? POLLIN : POLLOUT;
    const deadline = timeout === null ? 0 : performance.now() + timeout * 1000;
    for (;;) {
      let ms = -1;
      if (timeout !== null) {
        ms = deadline - performance.now();
        if (ms <= 0) throw new SocketTimeoutError(syscall, address);
      }
      if (binding.poll(this.fdOr(syscall), events, ms) === 0) throw new SocketTimeoutError(syscall, address);
      const r = op(this, a, b, flags);
      if (r !== AGAIN) return r;
    }
  }

  /**
   * Wait on the event loop until `op` stops saying AGAIN (or the timeout,
   * an abort, or close). For a call whose first attempt was already made.
   */
  wait<T, A, B>(owner: object, dir: number, op: Op<T, A, B>, a: A, b: B, flags: number, syscall: string, opts?: IoOptions, address?: unknown): Promise<T> {
    if (this.timeout === 0 || (flags & DONTWAIT) !== 0 || (this.timeout === null && (flags & ERRQUEUE) !== 0)) {
      return Promise.reject(socketError(EAGAIN, syscall, address));
    }
    this.fdOr(syscall);
    const w = new Waiter(dir, op as Op<unknown, unknown, unknown>, a, b, flags, syscall, address);
    captured = w;
    const promise = new Promise<T>(capture as (resolve: (v: T) => void, reject: (e: unknown) => void) => void);
    captured = null;
    const signal = signalOf(syscall, opts);
    if (signal !== undefined) {
      if (signal.aborted) return Promise.reject(signal.reason);
      w.signal = signal;
      w.onAbort = () => {
        if (this.#unqueue(w)) this.#settle(w, undefined, signal.reason);
      };
      signal.addEventListener('abort', w.onAbort, { once: true });
    }
    if (this.timeout !== null) {
      // Timers run on the loop's cached clock and can fire a little early by
      // performance.now(); expire() re-arms for what is left, so the call
      // never times out before its deadline (as the sync path guarantees),
      // and a timeout beyond setTimeout's range is waited for in steps.
      const ms = this.timeout * 1000;
      w.deadline = performance.now() + ms;
      w.timer = setTimeout(expire, Math.min(ms, MAX_TIMER_MS), this, w);
    }
    (dir === READ ? this.#readers : this.#writers).push(w);
    this.#hold(owner);
    this.#arm(0);
    if (op.done !== undefined && this.#readers[0] === w && flags === 0 && a instanceof Uint8Array) this.#wantInto(a, b as number);
    return promise;
  }

  /**
   * Ask native to make the recv of the head reader `w` itself when the fd is
   * readable (a completion read: no N-API call for it). The buffer is
   * registered once and kept while the same one is used, as a recv loop does.
   */
  #wantInto(buffer: Uint8Array, nbytes: number): void {
    const id = this.#id;
    if (id < 0 || id >= wants.length) return;
    if (this.#into !== buffer || this.#intoN !== nbytes) {
      binding.pollInto(id, buffer, nbytes);
      this.#into = buffer;
      this.#intoN = nbytes;
    }
    wants[id] = 1;
  }

  /** The head reader leaves by another way than a completion read: no read for it. */
  #noInto(): void {
    if (this.#id >= 0 && this.#id < wants.length) wants[this.#id] = 0;
  }

  /** From the dispatcher: native made the head reader's recv, with result `r` (a count or -errno). */
  completed(r: number): void {
    const w = this.#readers[0];
    // wants is set only while w waits at the head and cleared when it leaves.
    if (w === undefined) return;
    let v: unknown;
    try {
      v = w.op.done!(this, w.a, w.b, r);
    } catch (e) {
      this.#readers.shift();
      this.#served = true;
      this.#settle(w, undefined, e);
      return;
    }
    if (v === AGAIN) {
      wants[this.#id] = 1; // a spurious wakeup: still waiting
      return;
    }
    this.#readers.shift();
    this.#served = true;
    this.#settle(w, v);
  }

  /** Called by {@link expire}. */
  expired(w: Waiter): void {
    const left = w.deadline - performance.now();
    if (left > 0) w.timer = setTimeout(expire, Math.min(Math.ceil(left), MAX_TIMER_MS), this, w);
    else if (this.#unqueue(w)) this.#settle(w, undefined, new SocketTimeoutError(w.syscall, w.address));
  }

  #unqueue(w: Waiter): boolean {
    const queue = w.dir === READ ? this.#readers : this.#writers;
    const i = queue.indexOf(w);
    if (i < 0) return false;
    if (i === 0 && queue === this.#readers) this.#noInto();
    queue.splice(i, 1);
    return true;
  }

  #settle(w: Waiter, value: unknown, error?: unknown): void {
    if (w.timer !== undefined) clearTimeout(w.timer);
    if (w.onAbort !== undefined) w.signal!.removeEventListener('abort', w.onAbort);
    this.#unhold();
    if (error === undefined) w.resolve(value);
    else w.reject(error);
  }

  // While anything waits or a callback is set, the Socket is kept alive
  // (owner) and so is the loop (wantRef, counted over all sockets).
  #hold(owner: object): void {
    if (this.#holds++ === 0) {
      this.#owner = owner;
      if (engine.holders++ === 0) wantRef(true);
    }
  }
  #unhold(): void {
    if (--this.#holds === 0) {
      this.#owner = null;
      if (--engine.holders === 0) wantRef(false);
    }
  }

  // ---- readiness ----------------------------------------------------------

  /** One event from the dispatcher: UV_READABLE | UV_WRITABLE, -1 for an error (POLLERR), -2 for an fd closed behind our back. */
  onEvent(events: number): void {
    if (events === -2) {
      // Native found the fd closed behind this socket's back before libuv
      // was handed it, and stopped the handle.
      this.#fail(EBADF);
      return;
    }
    if (events < 0) {
      // libuv reports POLLERR (a pending socket error: a refused TCP
      // connect, an ICMP error on UDP) as an error and stops the handle
      // (uv__poll_io). The error is the socket's: every waiter retries its
      // syscall, which reports the real error (recv's errno, SO_ERROR for
      // connect), as CPython's poll loop does; then whoever still waits
      // re-arms.
      this.#armed = 0;
      events = READ | WRITE;
    }
    // A direction whose event found nobody interested stops being watched.
    // One that served a waiter stays armed even if its queue is now empty:
    // the waiter's continuation (a microtask, after this dispatch) usually
    // calls recv again at once, and re-arming would cost two epoll_ctl per
    // round trip. If nobody comes back, the next event drops it: one
    // spurious wakeup instead of two syscalls each time.
    let idle = 0;
    const served = this.#served;
    this.#served = false;
    if (events & READ) {
      if (this.#readers.length === 0 && this.#onReadable === null) {
        if (!served) idle |= READ;
      } else {
        this.#run(this.#readers);
        if (this.#onReadable !== null) this.#callback(this.#readRes!, this.#onReadable);
      }
    }
    if (events & WRITE) {
      if (this.#writers.length === 0 && this.#onWritable === null) idle |= WRITE;
      else {
        this.#run(this.#writers);
        if (this.#onWritable !== null) this.#callback(this.#writeRes!, this.#onWritable);
      }
    }
    this.#arm(idle);
  }

  #run(queue: Waiter[]): void {
    if (queue === this.#readers && queue.length > 0) this.#noInto();
    while (queue.length > 0) {
      const w = queue[0];
      let v: unknown;
      try {
        v = w.op(this, w.a, w.b, w.flags);
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

  #callback(res: AsyncResource, cb: () => void): void {
    try {
      // Each callback runs in the async context it was set in (as Node's
      // own handles do); an AsyncResource per callback measured free.
      res.runInAsyncScope(cb);
    } catch (e) {
      // An uncaught exception, as from a 'data' listener; the other
      // sockets of this iteration still get their events.
      process.nextTick(rethrow, e);
    }
  }

  /**
   * Watch the directions someone waits on; `drop` names directions to stop
   * watching unless someone waits on them now. Native is called only when
   * the mask changes (or with `verify`, to check the fd of an armed poll).
   * If the fd is no longer the socket's (closed behind its back), libuv is
   * not touched and every waiter rejects with EBADF.
   */
  #arm(drop: number, verify = false): number {
    if (this.fd < 0) return 0;
    const want =
      (this.#readers.length > 0 || this.#onReadable !== null ? READ : 0) |
      (this.#writers.length > 0 || this.#onWritable !== null ? WRITE : 0);
    const next = (this.#armed & ~drop) | want;
    if (next === this.#armed && !verify) return 0;
    if (this.#id < 0) {
      const id = binding.pollOpen(this.fd);
      if (id < 0) return this.#fail(-id);
      this.#id = id;
      channels[id] = this;
    }
    const r = binding.pollStart(this.#id, next, verify);
    if (r < 0) return this.#fail(-r);
    this.#armed = next;
    return 0;
  }

  /** The fd cannot be watched: reject every waiter with the errno. */
  #fail(errno: number): number {
    this.#armed = 0;
    this.#noInto();
    const waiting = [...this.#readers, ...this.#writers];
    this.#readers = [];
    this.#writers = [];
    for (const w of waiting) this.#settle(w, undefined, socketError(errno, w.syscall, w.address));
    return errno;
  }

  /** Set (or with null clear) the readiness callback of one direction. */
  setCallback(owner: object, dir: number, cb: (() => void) | null, name: string): void {
    if (cb !== null && typeof cb !== 'function') {
      const e = new TypeError(`${name}(): callback must be a function or null`) as TypeError & { code: string };
      e.code = 'ERR_INVALID_ARG_TYPE';
      throw e;
    }
    if (this.fd < 0) {
      if (cb === null) return;
      throw socketError(EBADF, name);
    }
    const had = (dir === READ ? this.#onReadable : this.#onWritable) !== null;
    if (dir === READ) {
      this.#onReadable = cb;
      this.#readRes = cb === null ? null : new AsyncResource('bsdsock:readable');
    } else {
      this.#onWritable = cb;
      this.#writeRes = cb === null ? null : new AsyncResource('bsdsock:writable');
    }
    if (cb !== null && !had) this.#hold(owner);
    else if (cb === null && had) this.#unhold();
    const err = this.#arm(cb === null ? dir : 0, cb !== null);
    if (err !== 0 && cb !== null) {
      // The fd cannot be watched (#arm failed every waiter): the callback is
      // not kept. Cleared here, not by setCallback(null), whose own #arm
      // would fail again while the other direction's callback is set.
      if (dir === READ) {
        this.#onReadable = null;
        this.#readRes = null;
      } else {
        this.#onWritable = null;
        this.#writeRes = null;
      }
      this.#unhold();
      throw socketError(err, name);
    }
  }

  /**
   * Stop watching and forget the fd (close and detach): the poll handle is
   * closed before the caller closes the fd, so no event can reach a reused
   * fd number. Pending calls reject with EBADF naming their own syscall.
   * Returns the fd, or -1 if it was already released.
   */
  release(owned = true): number {
    const fd = this.fd;
    if (fd < 0) return -1;
    this.fd = -1;
    this.#closeHandle(owned);
    this.#armed = 0;
    this.#into = null;
    if (this.#onReadable !== null) this.#unhold();
    if (this.#onWritable !== null) this.#unhold();
    this.#onReadable = this.#onWritable = null;
    this.#readRes = this.#writeRes = null;
    const waiting = [...this.#readers, ...this.#writers];
    this.#readers = [];
    this.#writers = [];
    for (const w of waiting) this.#settle(w, undefined, socketError(EBADF, w.syscall, w.address));
    return fd;
  }

  /**
   * Close the poll handle, or, when the fd is no longer ours (closed behind
   * the socket's back, its number perhaps reused), only stop it: uv_close
   * would take the number out of epoll (uv__platform_invalidate_fd) under
   * its new owner. The stopped handle is freed with the environment.
   */
  #closeHandle(owned = true): void {
    if (this.#id < 0) return;
    this.#noInto();
    if (owned) binding.pollClose(this.#id);
    else binding.pollStart(this.#id, 0);
    channels[this.#id] = undefined;
    this.#id = -1;
  }

  /** The socket was garbage-collected while open: close the handle, then the fd. */
  collect(): void {
    const fd = this.fd;
    if (fd < 0) return;
    this.fd = -1;
    const owned = this.owns(fd);
    this.#closeHandle(owned);
    try {
      if (owned) binding.close(fd);
      else if (binding.fdIno(fd) < 0) binding.detach(fd); // gone: forget it
    } catch {
      /* already gone */
    }
  }
}

function expire(ch: Channel, w: Waiter): void {
  ch.expired(w);
}
