/**
 * The `Socket` class: Python's `socket.socket`, with a Promise-returning
 * async API that never blocks the thread and a `...Sync` twin of every I/O
 * call with Python's exact blocking semantics.
 *
 * Every fd is nonblocking underneath. Blocking and timeout modes are
 * emulated by the waiting engine (readiness.ts): a call first tries its
 * syscall; only on EAGAIN does it wait, on the event loop (uv_poll) for
 * async calls, in poll(2) with a deadline for sync ones (as CPython's
 * `sock_call_ex` does). Each call below is one {@link Op} and two one-line
 * twins; the few hand-inlined fast paths say why.
 * @module
 */
import * as os from 'node:os';
import { fstatSync } from 'node:fs';
import { binding } from './binding';
import { resolveAddress, resolveAddressSync, type Address, type AddressOf, type RecvfromAddressOf } from './address';
import { socketError, SocketTimeoutError, SocketError } from './errors';
import { AF_INET, AF_UNIX, SOCK_STREAM, SOL_SOCKET, SO_ERROR, SO_DOMAIN, SO_TYPE, SO_PROTOCOL, SOMAXCONN, SOCK_NONBLOCK, SOCK_CLOEXEC, MSG_DONTWAIT } from './constants.generated';
import { familyName, kindName } from './constants';
import { SocketStream, type MakefileOptions } from './makefile';
import { AGAIN, Channel, NEG_EAGAIN, READ, WRITE, check, type Again, type IoOptions, type Op } from './readiness';
import { argRangeError, argTypeError, checkBytes, checkFd, checkFlags, checkInt, checkSize, checkTimeout, signalOf } from './args';
import { Batcher, Kind, checkBatching } from './batching';

export type { IoOptions } from './readiness';

/**
 * Bytes in: a Buffer, any TypedArray, a DataView or an ArrayBuffer.
 * @group Socket
 */
export type Bytes = ArrayBufferView | ArrayBuffer;

const { F_GETFD, F_SETFD, FD_CLOEXEC, F_GETFL, F_SETFL, O_NONBLOCK } = binding.internal;
const { EAGAIN, EINPROGRESS, EBADF, EINVAL, EBUSY } = os.constants.errno;
const DONTWAIT: number = MSG_DONTWAIT ?? 0;
const NOFLAGS = 0;
/** Where binding.recvfrom_into and binding.accept leave the count / the new fd ([0]), and binding.send the byte count it was given ([1]). */
const RESULT: Int32Array = binding.result;

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
  defaultTimeout = checkTimeout('setdefaulttimeout', timeout);
}

/** A Uint8Array over the same memory, so a partial send can continue without copying. */
function u8(data: Bytes): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

// A Socket that is garbage-collected while still open closes its fd (Python
// does the same, with a ResourceWarning). close() and detach() unregister.
// The poll handle, if any, is closed first, so libuv never watches a closed
// (and soon reused) fd number.
const leaks = new FinalizationRegistry<Channel>((ch) => ch.collect());

// Set while the library wraps an fd it has just created (accept, dup): skips
// the checks and fcntl calls that adopting a foreign fd needs.
let ownFd = false;

// ---- the ops: one attempt of each syscall (see readiness.ts) --------------

const opRecvInto: Op<number, Bytes, number> = (ch, buffer, nbytes, flags) =>
  recvDone(ch, buffer, nbytes, binding.recv_into(ch.fdOr('recv'), buffer, nbytes, flags | DONTWAIT));
// A waiting recvInto is completed by native when it can (see readiness.ts).
opRecvInto.done = recvDone;

function recvDone(ch: Channel, buffer: Bytes, nbytes: number, r: number): number | Again {
  if (r < 0) return check(r, 'recv');
  // A short read on a stream drained the kernel's queue, so the next recv
  // would almost surely say EAGAIN: the next async recv then waits for
  // readiness first (a level-triggered poll reports queued data at once)
  // and saves that syscall, one per round trip in a request/response loop.
  ch.drained = ch.type === SOCK_STREAM && r > 0 && r < (nbytes || buffer.byteLength);
  return r;
}

const opRecvfromInto: Op<[number, Address | null], Bytes, number> = (ch, buffer, nbytes, flags) => {
  const r = binding.recvfrom_into(ch.fdOr('recvfrom'), buffer, nbytes, flags | DONTWAIT);
  if (typeof r === 'number') return check(r, 'recvfrom') as Again;
  return [RESULT[0], r as Address | null];
};

const opRecvfrom: Op<[Buffer, Address | null], Buffer, number> = (ch, buf, nbytes, flags) => {
  const r = binding.recvfrom_into(ch.fdOr('recvfrom'), buf, nbytes, flags | DONTWAIT);
  if (typeof r === 'number') return check(r, 'recvfrom') as Again;
  return [shrink(buf, RESULT[0]), r as Address | null];
};

const opRecv: Op<Buffer, Buffer, number> = (ch, buf, nbytes, flags) => {
  const r = opRecvInto(ch, buf, nbytes, flags);
  return r === AGAIN ? r : shrink(buf, r);
};

const opSend: Op<number, Bytes, undefined> = (ch, data, _, flags) => check(binding.send(ch.fdOr('send'), data, flags | DONTWAIT), 'send');

/** What is left of a sendall. */
interface SendState {
  view: Uint8Array;
  sent: number;
}
const opSendRest: Op<undefined, SendState, undefined> = (ch, st, _, flags) => {
  while (st.sent < st.view.length) {
    const r = binding.send(ch.fdOr('send'), st.sent === 0 ? st.view : st.view.subarray(st.sent), flags | DONTWAIT);
    if (r === NEG_EAGAIN) return AGAIN;
    if (r < 0) throw socketError(-r, 'send');
    st.sent += r;
  }
  return undefined;
};

const opSendto: Op<number, Bytes, Address> = (ch, data, addr, flags) =>
  check(binding.sendto(ch.fdOr('sendto'), data, flags | DONTWAIT, addr, ch.family), 'sendto', addr);

/** sendmsg's arguments, converted once. */
interface MsgArgs {
  buffers: Bytes[];
  ancdata: AncData[];
  addr: Address | null;
}
const opSendmsg: Op<number, MsgArgs, undefined> = (ch, m, _, flags) =>
  check(binding.sendmsg(ch.fdOr('sendmsg'), m.buffers, m.ancdata, flags | DONTWAIT, m.addr, ch.family), 'sendmsg', m.addr ?? undefined);

const opRecvmsgInto: Op<RecvmsgResult<number>, Bytes[], number> = (ch, buffers, ancbufsize, flags) => {
  const r = binding.recvmsg(ch.fdOr('recvmsg'), buffers, ancbufsize, flags | DONTWAIT);
  if (typeof r === 'number') return check(r, 'recvmsg') as Again;
  return r as RecvmsgResult<number>;
};

const opRecvmsg: Op<RecvmsgResult<Buffer>, Buffer, number> = (ch, buf, ancbufsize, flags) => {
  const r = opRecvmsgInto(ch, [buf], ancbufsize, flags);
  if (r === AGAIN) return r;
  return [shrink(buf, r[0]), r[1], r[2], r[3]];
};

const opRecvmmsg: Op<number, Bytes[], MsgBatch> = (ch, buffers, batch, flags) =>
  check(binding.recvmmsg(ch.fdOr('recvmmsg'), buffers, batch.meta, batch.names, flags | DONTWAIT), 'recvmmsg');

const opSendmmsg: Op<number, Bytes[], MsgBatch> = (ch, buffers, batch, flags) =>
  check(binding.sendmmsg(ch.fdOr('sendmmsg'), buffers, batch.meta, batch.names, flags | DONTWAIT, buffers.length), 'sendmmsg');

/** sendfile's progress. */
interface FileState {
  inFd: number;
  offset: number;
  left: number;
  sent: number;
}
const opSendfile: Op<number, FileState, undefined> = (ch, st) => {
  while (st.left > 0) {
    const r = binding.sendfile(ch.fdOr('sendfile'), st.inFd, st.offset, Math.min(st.left, 0x7ffff000));
    if (r === NEG_EAGAIN) return AGAIN;
    if (r < 0) throw socketError(-r, 'sendfile');
    if (r === 0) break; // end of file before count
    st.offset += r;
    st.left -= r;
    st.sent += r;
  }
  return st.sent;
};

const opAccept: Op<[Socket, Address], Socket, undefined> = (ch, listener) => {
  const r = listener.tryAccept();
  if (typeof r !== 'number') return r;
  if (r === -EINVAL) {
    throw new SocketError(EINVAL, 'accept', undefined, 'accept EINVAL: the socket is not listening (call listen() first)');
  }
  return check(r, 'accept') as Again;
};

const opConnectDone: Op<undefined, Address, undefined> = (ch, addr) => {
  const err = binding.getsockopt(ch.fdOr('connect'), SOL_SOCKET, SO_ERROR) as number;
  if (err !== 0) throw socketError(err, 'connect', addr);
  return undefined;
};

/**
 * A BSD socket: Python's `socket.socket`. The package exports this class as
 * `Socket` with the constructor type {@link SocketConstructor}, which types
 * a socket's addresses by the family and type given (lib/index.ts); the
 * class's documentation is there, and in the API docs this class is that
 * `Socket` (hence `@internal` here; scripts/typedoc-plugin.mjs points
 * references to this class at that page).
 * @typeParam A - The address type of the socket's family ({@link AddressOf}).
 * @typeParam From - The address type `recvfrom` returns ({@link RecvfromAddressOf}).
 * @internal
 */
export class Socket<A extends Address = Address, From extends A | null = A | null> {
  readonly #io: Channel;
  readonly #proto: number;
  /** Streams from makefile() still open: the fd closes when they and the socket are closed (Python's rule). */
  #ioRefs = 0;
  #closed = false;
  /** Datagram batching (setbatching), null when never turned on. */
  #batch: Batcher | null = null;

  /**
   * socket(2). `family` defaults to AF_INET, `type` to SOCK_STREAM. With
   * `fileno`, wraps an existing socket fd instead (and takes ownership);
   * family, type and proto are then read from the fd when not given.
   * `type | SOCK_NONBLOCK` starts in non-blocking mode, as in Python.
   * An fd that a live Socket of this thread already owns is refused (EBUSY):
   * two owners would close it twice; wrap a duplicate (`dup()`, `fromfd`).
   */
  constructor(family?: number, type?: number, proto?: number, fileno?: number) {
    let fd: number;
    if (fileno === undefined || fileno === null) {
      family = family ?? AF_INET;
      type = type ?? SOCK_STREAM;
      proto = proto ?? 0;
      checkInt('socket', 'family', family);
      checkInt('socket', 'type', type);
      checkInt('socket', 'proto', proto);
      fd = binding.socket(family, type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), proto);
    } else {
      fd = checkFd('socket', fileno);
      if (!ownFd) {
        family ??= binding.getsockopt(fd, SOL_SOCKET, SO_DOMAIN) as number;
        type ??= binding.getsockopt(fd, SOL_SOCKET, SO_TYPE) as number;
        proto ??= binding.getsockopt(fd, SOL_SOCKET, SO_PROTOCOL) as number;
        const r = binding.adopt(fd);
        if (r === -EBUSY) {
          throw new SocketError(EBUSY, 'socket', undefined, `socket EBUSY: fd ${fd} is already owned by a live Socket; wrap a duplicate instead (sock.dup() or fromfd(fd, family, type))`);
        }
        if (r < 0) throw socketError(-r, 'socket');
      }
    }
    this.#proto = proto ?? 0;
    const kind = type! & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    this.#io = new Channel(fd, type! & SOCK_NONBLOCK ? 0 : defaultTimeout, family!, kind);
    leaks.register(this, this.#io, this);
  }

  /** The address family (AF_INET, AF_INET6, AF_UNIX, ...). */
  get family(): number {
    return this.#io.family;
  }
  /** The socket type (SOCK_STREAM, SOCK_DGRAM, ...), without SOCK_NONBLOCK / SOCK_CLOEXEC. */
  get type(): number {
    return this.#io.type;
  }
  /** The protocol number. */
  get proto(): number {
    return this.#proto;
  }
  /** The timeout in seconds, `0` for non-blocking, `null` for blocking. */
  get timeout(): number | null {
    return this.#io.timeout;
  }

  /** The fd, or -1 once closed or detached. Python's `fileno()`. */
  fileno(): number {
    return this.#io.fd;
  }

  // ---- modes ------------------------------------------------------------

  /** Python's `settimeout`: `null` blocking, `0` non-blocking, `> 0` seconds. */
  settimeout(timeout: number | null): void {
    this.#io.timeout = checkTimeout('settimeout', timeout);
  }
  /** Python's `gettimeout`. */
  gettimeout(): number | null {
    return this.#io.timeout;
  }
  /** Python's `setblocking(flag)`: `true` is `settimeout(null)`, `false` is `settimeout(0)`. */
  setblocking(flag: boolean): void {
    this.#io.timeout = flag ? null : 0;
  }
  /** Python's `getblocking()`: false only in non-blocking mode (timeout 0). */
  getblocking(): boolean {
    return this.#io.timeout !== 0;
  }

  /**
   * Datagram batching (beyond Python; Linux, AF_INET / AF_INET6 SOCK_DGRAM):
   * with `n` in 1..1024, plain `recvfrom` / `recv` / `recvfromInto` /
   * `recvInto` calls (flags 0, sync or async) are served from a queue that
   * one recvmmsg(2) of up to `n` datagrams fills, and async `sendto` /
   * `send` calls made in one loop iteration leave in one sendmmsg(2). Each
   * call returns, throws and truncates exactly as its unbatched self, in
   * the same order. `0` (the default) turns it off; datagrams already
   * queued are still served first. An async receive already waiting when
   * batching turns on stays a plain call (it reads the kernel's queue, past
   * the batch): turn it on before receives wait. Costs `n` x 64 KiB for the receive
   * slots, allocated on the first batched receive. Not one syscall: see
   * README.md, "Datagram batching".
   * @throws RangeError (ERR_OUT_OF_RANGE) for `n` outside 0..1024, TypeError
   * (ERR_INVALID_ARG_TYPE) for a non-integer; {@link SocketError} EINVAL on a
   * socket that is not SOCK_DGRAM, EAFNOSUPPORT on a family other than
   * AF_INET / AF_INET6, EBADF once closed.
   */
  setbatching(n: number): void {
    const v = checkBatching(this.#io, n);
    if (this.#batch === null) {
      if (v !== 0) this.#batch = new Batcher(this.#io, v);
      return;
    }
    this.#batch.vlen = v;
    if (v === 0 && this.#batch.idle) this.#batch = null;
  }
  /** The vlen set by {@link setbatching}; 0 when batching is off. */
  getbatching(): number {
    return this.#batch?.vlen ?? 0;
  }
  /** Datagrams received by batching and not yet handed out (the fd is not readable for them): a selector counts them as readable. @internal */
  _batched(): number {
    return this.#batch?.pending ?? 0;
  }

  /** Whether the fd survives exec (FD_CLOEXEC clear). fcntl(2) F_GETFD. */
  getInheritable(): boolean {
    return (binding.fcntl(this.#io.fdOr('fcntl'), F_GETFD) & FD_CLOEXEC) === 0;
  }
  /** Set or clear FD_CLOEXEC. fcntl(2) F_GETFD + F_SETFD. */
  setInheritable(inheritable: boolean): void {
    const fd = this.#io.fdOr('fcntl');
    const flags = binding.fcntl(fd, F_GETFD);
    binding.fcntl(fd, F_SETFD, inheritable ? flags & ~FD_CLOEXEC : flags | FD_CLOEXEC);
  }

  // ---- lifetime -----------------------------------------------------------

  /**
   * close(2). Idempotent. Pending async calls reject at once with EBADF; the
   * poll handle is closed before the fd, so no event can reach a reused fd
   * number, and this object never touches its old fd number again.
   * As in Python, while streams from {@link makefile} are open the fd stays
   * open for them, and closes when the last one does.
   */
  close(): void {
    this.#closed = true;
    if (this.#ioRefs > 0) return;
    this.#batch?.close();
    const owned = this.#io.fd >= 0 && this.#io.owns(this.#io.fd);
    const fd = this.#release(owned);
    if (fd < 0) return;
    if (!owned) throw gone(fd, 'close');
    binding.close(fd);
  }

  /**
   * Give the fd up without closing it: Python's `detach()`. The fd's
   * O_NONBLOCK flag is set to match this socket's mode (blocking unless the
   * timeout is 0), as its next owner would expect. O_NONBLOCK belongs to the
   * open file description: sockets on other fds of it (a `dup()`) see the
   * change, but their calls keep honouring their own modes (every call that
   * takes flags adds MSG_DONTWAIT; accept, connect and sendfile check).
   */
  detach(): number {
    this.#batch?.close();
    const owned = this.#io.fd >= 0 && this.#io.owns(this.#io.fd);
    const fd = this.#release(owned);
    if (fd < 0) return -1;
    if (!owned) throw gone(fd, 'detach');
    const fl = binding.fcntl(fd, F_GETFL);
    binding.fcntl(fd, F_SETFL, this.#io.timeout === 0 ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
    binding.detach(fd);
    return fd;
  }

  #release(owned = true): number {
    const fd = this.#io.release(owned);
    if (fd >= 0) leaks.unregister(this);
    return fd;
  }

  /** A stream from makefile() opened (+1) or closed (-1): Python's `_io_refs`. @internal */
  _ioRef(delta: 1 | -1): void {
    this.#ioRefs += delta;
    if (this.#ioRefs === 0 && this.#closed) this.close();
  }

  // The calls whose result depends on the family have a public signature in
  // A / From above an implementation typed in Address: the bodies stay the
  // same for every family, with no casts.

  /** dup(2) (F_DUPFD_CLOEXEC): a new Socket on a duplicate fd, with this socket's timeout (as Python's `dup`). */
  dup(): Socket<A, From>;
  dup(): Socket {
    const fd = binding.dup(this.#io.fdOr('dup'));
    const s = wrapFd(fd, this.#io.family, this.#io.type, this.#proto);
    s.#io.timeout = this.#io.timeout;
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
    const fd = this.#io.fdOr('bind');
    binding.bind(fd, resolveAddressSync(this.#io.family, this.#io.type, address), this.#io.family);
  }
  /**
   * listen(2). The backlog defaults to min(SOMAXCONN, 128), as in Python; a
   * negative one is 0, as in Python; one outside the C int range is an error.
   */
  listen(backlog?: number): void {
    const b = backlog === undefined ? Math.min(SOMAXCONN, 128) : Math.max(0, checkInt('listen', 'backlog', backlog));
    binding.listen(this.#io.fdOr('listen'), b);
  }
  /** getsockname(2): the local address, in the family's format. */
  getsockname(): A;
  getsockname(): Address {
    return binding.getsockname(this.#io.fdOr('getsockname')) as Address;
  }
  /** getpeername(2): the remote address; ENOTCONN when not connected. */
  getpeername(): A;
  getpeername(): Address {
    return binding.getpeername(this.#io.fdOr('getpeername')) as Address;
  }
  /** shutdown(2): SHUT_RD, SHUT_WR or SHUT_RDWR. */
  shutdown(how: number): void {
    binding.shutdown(this.#io.fdOr('shutdown'), how);
  }

  /**
   * getsockopt(2). Without `buflen` the option is read as an int; with it, as
   * up to `buflen` bytes (a Buffer of the length the kernel returned).
   */
  getsockopt(level: number, optname: number): number;
  getsockopt(level: number, optname: number, buflen: number): Buffer;
  getsockopt(level: number, optname: number, buflen?: number): number | Buffer {
    return binding.getsockopt(this.#io.fdOr('getsockopt'), level, optname, buflen);
  }
  /**
   * setsockopt(2) with an int (booleans are 0/1), bytes (a packed struct),
   * or `null` and `optlen` (a NULL optval, as Python allows).
   */
  setsockopt(level: number, optname: number, value: number | boolean | Bytes): void;
  setsockopt(level: number, optname: number, value: null, optlen: number): void;
  setsockopt(level: number, optname: number, value: number | boolean | Bytes | null, optlen?: number): void {
    if (typeof value === 'string') throw argTypeError('setsockopt', 'value must be an integer, bytes, or null with optlen');
    binding.setsockopt(this.#io.fdOr('setsockopt'), level, optname, value, optlen);
  }

  // ---- readiness callbacks ------------------------------------------------

  /**
   * Calls `callback` each time the socket is readable, until called with
   * `null`: the building block of zero-allocation loops with
   * {@link tryRecvInto}. Level-triggered: read until EAGAIN or a short read.
   * The callback runs in the async context `onReadable` was called in; a
   * socket with a callback set is kept alive, and so is the event loop.
   */
  onReadable(callback: (() => void) | null): void {
    this.#io.setCallback(this, READ, callback, 'onReadable');
    this.#batch?.setReadable(callback !== null);
  }
  /** Calls `callback` each time the socket is writable, until called with `null`. */
  onWritable(callback: (() => void) | null): void {
    this.#io.setCallback(this, WRITE, callback, 'onWritable');
  }

  /**
   * recv(2) into `buffer`, never waiting and never throwing for an OS error:
   * returns the byte count (0 at EOF), or a negative errno (`-EAGAIN` when
   * nothing is there). For readiness loops.
   */
  tryRecvInto(buffer: Bytes, nbytes = 0, flags = 0): number {
    const q = this.#batch?.tryRecv(Kind.RecvInto, buffer, nbytes, flags, 'tryRecvInto');
    if (q !== undefined) return q as number;
    const fd = this.#io.fd;
    return fd < 0 ? -EBADF : binding.recv_into(fd, buffer, nbytes, checkFlags('tryRecvInto', flags) | DONTWAIT);
  }
  /** send(2) without waiting or throwing: the count sent, or a negative errno. */
  trySend(data: Bytes, flags = 0): number {
    checkBytes('trySend', 'data', data);
    if (this.#batch !== null && !this.#batch.flushNow()) return -EAGAIN;
    const fd = this.#io.fd;
    return fd < 0 ? -EBADF : binding.send(fd, data, checkFlags('trySend', flags) | DONTWAIT);
  }
  /** recvfrom(2) into `buffer` without waiting or throwing: `[count, address]` (the address `null` as in {@link recvfrom}) or a negative errno. */
  tryRecvfromInto(buffer: Bytes, nbytes?: number, flags?: number): [number, From] | number;
  tryRecvfromInto(buffer: Bytes, nbytes = 0, flags = 0): [number, Address | null] | number {
    const q = this.#batch?.tryRecv(Kind.RecvfromInto, buffer, nbytes, flags, 'tryRecvfromInto');
    if (q !== undefined) return q as [number, Address];
    const fd = this.#io.fd;
    if (fd < 0) return -EBADF;
    const r = binding.recvfrom_into(fd, buffer, nbytes, checkFlags('tryRecvfromInto', flags) | DONTWAIT);
    return typeof r === 'number' ? r : [RESULT[0], r as Address | null];
  }
  /** sendto(2) to a numeric address without waiting or throwing: the count sent, or a negative errno. */
  trySendto(data: Bytes, address: Address, flags = 0): number {
    checkBytes('trySendto', 'data', data);
    if (this.#batch !== null && !this.#batch.flushNow()) return -EAGAIN;
    const fd = this.#io.fd;
    return fd < 0 ? -EBADF : binding.sendto(fd, data, checkFlags('trySendto', flags) | DONTWAIT, address, this.#io.family);
  }

  // ---- accept / connect -----------------------------------------------------

  /**
   * accept4(2) without waiting or throwing: `[connection, address]`, or a
   * negative errno (`-EAGAIN` when no connection is pending). For readiness
   * loops: `srv.onReadable(() => { for (let r; Array.isArray(r = srv.tryAccept()); ) ... })`.
   */
  tryAccept(): [Socket<A, From>, A] | number;
  tryAccept(): [Socket, Address] | number {
    const io = this.#io;
    if (io.fd < 0) return -EBADF;
    const r = binding.accept(io.fd);
    if (typeof r === 'number') return r;
    return [wrapFd(RESULT[0], io.family, io.type, this.#proto), r as Address];
  }

  /** accept4(2): `[connection, address]`. The new socket starts with the default timeout. */
  accept(opts?: IoOptions): Promise<[Socket<A, From>, A]>;
  accept(opts?: IoOptions): Promise<[Socket, Address]> {
    return this.#io.call(this, READ, opAccept, this, undefined, NOFLAGS, 'accept', opts);
  }
  /** accept4(2), blocking per the socket's mode. */
  acceptSync(): [Socket<A, From>, A];
  acceptSync(): [Socket, Address] {
    return this.#io.callSync(READ, opAccept, this, undefined, NOFLAGS, 'accept');
  }

  /** connect(2) with the address resolved: true if it goes on (wait for writability). */
  #connectStart(addr: Address): boolean {
    const r = binding.connect(this.#io.fdOr('connect'), addr, this.#io.family);
    if (r === 0) return false;
    if (r !== -EINPROGRESS) throw socketError(-r, 'connect', addr);
    // Non-blocking mode: the connection goes on; Python raises EINPROGRESS.
    if (this.#io.timeout === 0) throw socketError(EINPROGRESS, 'connect', addr);
    return true;
  }

  /**
   * connect(2). A TCP connect completes when the fd turns writable; its
   * result is then read with getsockopt(SO_ERROR). Host names are resolved
   * first, on the thread pool.
   */
  async connect(address: Address, opts?: IoOptions): Promise<void> {
    const io = this.#io;
    io.fdOr('connect');
    const signal = signalOf('connect', opts);
    if (signal?.aborted) throw signal.reason;
    const a = resolveAddress(io.family, io.type, address);
    const addr = a instanceof Promise ? await a : a;
    if (!this.#connectStart(addr)) return;
    await io.wait(this, WRITE, opConnectDone, addr, undefined, NOFLAGS, 'connect', opts, addr);
  }
  /** connect(2), blocking per the socket's mode. */
  connectSync(address: Address): void {
    const io = this.#io;
    io.fdOr('connect');
    const addr = resolveAddressSync(io.family, io.type, address);
    if (!this.#connectStart(addr)) return;
    // The attempt already happened: wait for writability, then read SO_ERROR.
    io.callSync(WRITE, (ch, a) => (binding.poll(ch.fdOr('connect'), binding.internal.POLLOUT, 0) === 0 ? AGAIN : opConnectDone(ch, a, undefined, 0)), addr, undefined, NOFLAGS, 'connect', addr);
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
  recv(bufsize: number, flags = 0, opts?: IoOptions): Promise<Buffer> {
    const b = this.#batch?.recv(this, bufsize, flags, opts);
    if (b !== undefined) return b;
    try {
      const n = checkSize('recv', 'bufsize', bufsize);
      return this.#recvAsync(opRecv, recvBuffer(n), n, checkFlags('recv', flags), opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  /** recv(2), blocking per the socket's mode. */
  recvSync(bufsize: number, flags = 0): Buffer {
    const b = this.#batch?.recvSync(Kind.Recv, null, bufsize, flags);
    if (b !== undefined) return b as Buffer;
    const n = checkSize('recv', 'bufsize', bufsize);
    return this.#io.callSync(READ, opRecv, recvBuffer(n), n, checkFlags('recv', flags), 'recv');
  }

  /**
   * recv(2) into `buffer` (at most `nbytes`, 0 meaning all of it): the byte
   * count, 0 at EOF. The hot path is one N-API call and one syscall.
   */
  recvInto(buffer: Bytes, nbytes = 0, flags = 0, opts?: IoOptions): Promise<number> {
    const b = this.#batch?.recvInto(this, buffer, nbytes, flags, opts);
    if (b !== undefined) return b;
    try {
      return this.#recvAsync(opRecvInto, buffer, nbytes, checkFlags('recv', flags), opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  /** recv(2) into `buffer`, blocking per the socket's mode. */
  recvIntoSync(buffer: Bytes, nbytes = 0, flags = 0): number {
    const b = this.#batch?.recvSync(Kind.RecvInto, buffer, nbytes, flags);
    if (b !== undefined) return b as number;
    return this.#io.callSync(READ, opRecvInto, buffer, nbytes, checkFlags('recv', flags), 'recv');
  }

  /**
   * The async recv of a stream, hand-inlined for the bench: after a short
   * read (see opRecvInto) the attempt would say EAGAIN, so the call waits
   * for readiness at once: one recv syscall per round trip instead of two.
   */
  #recvAsync<T, B extends Bytes>(op: Op<T, B, number>, buffer: B, nbytes: number, flags: number, opts?: IoOptions): Promise<T> {
    const io = this.#io;
    if (io.drained && flags === 0 && io.timeout !== 0 && io.fd >= 0 && opts === undefined) {
      io.drained = false;
      return io.wait(this, READ, op, buffer, nbytes, 0, 'recv');
    }
    return io.call(this, READ, op, buffer, nbytes, flags, 'recv', opts);
  }

  /**
   * recvfrom(2): `[data, address]`; the address is `null` on a connected
   * stream and from an unbound AF_UNIX sender (see {@link RecvfromAddressOf}).
   */
  recvfrom(bufsize: number, flags?: number, opts?: IoOptions): Promise<[Buffer, From]>;
  recvfrom(bufsize: number, flags = 0, opts?: IoOptions): Promise<[Buffer, Address | null]> {
    const b = this.#batch?.recvfrom(this, bufsize, flags, opts);
    if (b !== undefined) return b;
    try {
      const n = checkSize('recvfrom', 'bufsize', bufsize);
      return this.#io.call(this, READ, opRecvfrom, recvBuffer(n), n, checkFlags('recvfrom', flags), 'recvfrom', opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  /** recvfrom(2), blocking per the socket's mode. */
  recvfromSync(bufsize: number, flags?: number): [Buffer, From];
  recvfromSync(bufsize: number, flags = 0): [Buffer, Address | null] {
    const b = this.#batch?.recvSync(Kind.Recvfrom, null, bufsize, flags);
    if (b !== undefined) return b as [Buffer, Address | null];
    const n = checkSize('recvfrom', 'bufsize', bufsize);
    return this.#io.callSync(READ, opRecvfrom, recvBuffer(n), n, checkFlags('recvfrom', flags), 'recvfrom');
  }
  /** recvfrom(2) into `buffer`: `[count, address]`. */
  recvfromInto(buffer: Bytes, nbytes?: number, flags?: number, opts?: IoOptions): Promise<[number, From]>;
  recvfromInto(buffer: Bytes, nbytes = 0, flags = 0, opts?: IoOptions): Promise<[number, Address | null]> {
    const b = this.#batch?.recvfromInto(this, buffer, nbytes, flags, opts);
    if (b !== undefined) return b;
    try {
      return this.#io.call(this, READ, opRecvfromInto, buffer, nbytes, checkFlags('recvfrom', flags), 'recvfrom', opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  /** recvfrom(2) into `buffer`, blocking per the socket's mode. */
  recvfromIntoSync(buffer: Bytes, nbytes?: number, flags?: number): [number, From];
  recvfromIntoSync(buffer: Bytes, nbytes = 0, flags = 0): [number, Address | null] {
    const b = this.#batch?.recvSync(Kind.RecvfromInto, buffer, nbytes, flags);
    if (b !== undefined) return b as [number, Address | null];
    return this.#io.callSync(READ, opRecvfromInto, buffer, nbytes, checkFlags('recvfrom', flags), 'recvfrom');
  }

  // ---- send ---------------------------------------------------------------------

  /** send(2): the number of bytes sent, which may be fewer than given. */
  send(data: Bytes, flags = 0, opts?: IoOptions): Promise<number> {
    const b = this.#batch?.send(this, data, flags, opts);
    if (b !== undefined) return b;
    try {
      checkBytes('send', 'data', data);
      return this.#io.call(this, WRITE, opSend, data, undefined, checkFlags('send', flags), 'send', opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  /** send(2), blocking per the socket's mode. */
  sendSync(data: Bytes, flags = 0): number {
    checkBytes('send', 'data', data);
    this.#batch?.flushSync('send');
    return this.#io.callSync(WRITE, opSend, data, undefined, checkFlags('send', flags), 'send');
  }

  /**
   * Send all of `data`: send(2) repeated until every byte is out. Not one
   * syscall. The timeout bounds the whole call, as in Python 3.5+; on error
   * some data may have been sent.
   */
  sendall(data: Bytes, flags = 0, opts?: IoOptions): Promise<void> {
    const queued = this.#batch?.drain(this);
    if (queued !== undefined) return queued.then(() => this.sendall(data, flags, opts));
    // Hand-inlined first attempt: on the hot path the whole buffer goes out
    // at once and the result is one shared settled promise, no allocation.
    try {
      checkBytes('sendall', 'data', data);
      flags = checkFlags('sendall', flags);
      const io = this.#io;
      if (opts !== undefined && signalOf('sendall', opts)?.aborted) return Promise.reject(opts.signal!.reason);
      const r = binding.send(io.fdOr('send'), data, flags | DONTWAIT);
      if (r === RESULT[1]) return DONE; // all of it (send leaves the byte count given there)
      if (r < 0 && r !== NEG_EAGAIN) throw socketError(-r, 'send');
      return io.wait(this, WRITE, opSendRest, { view: u8(data), sent: Math.max(r, 0) }, undefined, flags, 'sendall', opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  /** sendall, blocking per the socket's mode. */
  sendallSync(data: Bytes, flags = 0): void {
    checkBytes('sendall', 'data', data);
    this.#batch?.flushSync('sendall');
    this.#io.callSync(WRITE, opSendRest, { view: u8(data), sent: 0 }, undefined, checkFlags('sendall', flags), 'sendall');
  }

  /**
   * sendto(2): `sendto(data, address)` or `sendto(data, flags, address)`, as
   * in Python. Host names are resolved first.
   */
  sendto(data: Bytes, flagsOrAddress: number | Address, address?: Address, opts?: IoOptions): Promise<number> {
    const b = this.#batch?.sendto(this, data, flagsOrAddress, address, opts);
    if (b !== undefined) return b;
    try {
      checkBytes('sendto', 'data', data);
      const io = this.#io;
      const flags = address === undefined ? 0 : checkInt('sendto', 'flags', flagsOrAddress);
      const target = address === undefined ? (flagsOrAddress as Address) : address;
      const a = resolveAddress(io.family, io.type, target);
      if (a instanceof Promise) return a.then((addr) => io.call(this, WRITE, opSendto, data, addr, flags, 'sendto', opts, addr));
      return io.call(this, WRITE, opSendto, data, a, flags, 'sendto', opts, a);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  /** sendto(2), blocking per the socket's mode. */
  sendtoSync(data: Bytes, flagsOrAddress: number | Address, address?: Address): number {
    checkBytes('sendto', 'data', data);
    this.#batch?.flushSync('sendto');
    const io = this.#io;
    const flags = address === undefined ? 0 : checkInt('sendto', 'flags', flagsOrAddress);
    const addr = resolveAddressSync(io.family, io.type, address === undefined ? flagsOrAddress : address);
    return io.callSync(WRITE, opSendto, data, addr, flags, 'sendto', addr);
  }

  // ---- messages: scatter/gather, ancillary data, batches -----------------

  /**
   * sendmsg(2): the `buffers` gathered into one message, with ancillary
   * data items `[level, type, data]` (e.g. `[SOL_SOCKET, SCM_RIGHTS, fds]`)
   * and an optional destination address. Returns the bytes sent.
   */
  async sendmsg(buffers: Bytes[], ancdata: AncData[] = [], flags = 0, address?: Address, opts?: IoOptions): Promise<number> {
    checkMsgBuffers('sendmsg', buffers);
    if (this.#batch !== null) await this.#batch.drain(this);
    const io = this.#io;
    const addr = address === undefined ? null : await resolveAddress(io.family, io.type, address);
    return io.call(this, WRITE, opSendmsg, { buffers, ancdata, addr }, undefined, checkFlags('sendmsg', flags), 'sendmsg', opts, addr ?? undefined);
  }
  /** sendmsg(2), blocking per the socket's mode. */
  sendmsgSync(buffers: Bytes[], ancdata: AncData[] = [], flags = 0, address?: Address): number {
    checkMsgBuffers('sendmsg', buffers);
    this.#batch?.flushSync('sendmsg');
    const io = this.#io;
    const addr = address === undefined ? null : resolveAddressSync(io.family, io.type, address);
    return io.callSync(WRITE, opSendmsg, { buffers, ancdata, addr }, undefined, checkFlags('sendmsg', flags), 'sendmsg', addr ?? undefined);
  }

  /**
   * recvmsg(2) into `buffers` (Python's `recvmsg_into`):
   * `[nbytes, ancdata, msgFlags, address]`. Up to `ancbufsize` bytes of
   * ancillary data are received (size it with {@link CMSG_SPACE}); fds that
   * arrive by SCM_RIGHTS are close-on-exec (MSG_CMSG_CLOEXEC).
   */
  recvmsgInto(buffers: Bytes[], ancbufsize?: number, flags?: number, opts?: IoOptions): Promise<RecvmsgResult<number, From>>;
  recvmsgInto(buffers: Bytes[], ancbufsize = 0, flags = 0, opts?: IoOptions): Promise<RecvmsgResult<number>> {
    try {
      checkSize('recvmsg', 'ancbufsize', ancbufsize);
      this.#batch?.refuseQueued('recvmsg');
      return this.#io.call(this, READ, opRecvmsgInto, buffers, ancbufsize, checkFlags('recvmsg', flags), 'recvmsg', opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  /** recvmsg(2) into `buffers`, blocking per the socket's mode. */
  recvmsgIntoSync(buffers: Bytes[], ancbufsize?: number, flags?: number): RecvmsgResult<number, From>;
  recvmsgIntoSync(buffers: Bytes[], ancbufsize = 0, flags = 0): RecvmsgResult<number> {
    checkSize('recvmsg', 'ancbufsize', ancbufsize);
    this.#batch?.refuseQueued('recvmsg');
    return this.#io.callSync(READ, opRecvmsgInto, buffers, ancbufsize, checkFlags('recvmsg', flags), 'recvmsg');
  }
  /** recvmsg(2) of up to `bufsize` bytes: `[data, ancdata, msgFlags, address]`, as Python's `recvmsg`. */
  recvmsg(bufsize: number, ancbufsize?: number, flags?: number, opts?: IoOptions): Promise<RecvmsgResult<Buffer, From>>;
  recvmsg(bufsize: number, ancbufsize = 0, flags = 0, opts?: IoOptions): Promise<RecvmsgResult<Buffer>> {
    try {
      const buf = Buffer.allocUnsafe(checkSize('recvmsg', 'bufsize', bufsize));
      checkSize('recvmsg', 'ancbufsize', ancbufsize);
      this.#batch?.refuseQueued('recvmsg');
      return this.#io.call(this, READ, opRecvmsg, buf, ancbufsize, checkFlags('recvmsg', flags), 'recvmsg', opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  /** recvmsg(2), blocking per the socket's mode. */
  recvmsgSync(bufsize: number, ancbufsize?: number, flags?: number): RecvmsgResult<Buffer, From>;
  recvmsgSync(bufsize: number, ancbufsize = 0, flags = 0): RecvmsgResult<Buffer> {
    const buf = Buffer.allocUnsafe(checkSize('recvmsg', 'bufsize', bufsize));
    checkSize('recvmsg', 'ancbufsize', ancbufsize);
    this.#batch?.refuseQueued('recvmsg');
    return this.#io.callSync(READ, opRecvmsg, buf, ancbufsize, checkFlags('recvmsg', flags), 'recvmsg');
  }

  /**
   * recvmmsg(2): up to `buffers.length` datagrams in one syscall, waiting
   * (per the mode) for at least one. Returns `[nbytes, address]` per datagram
   * received, in order. Linux only.
   */
  recvmmsg(buffers: Bytes[], flags?: number, opts?: IoOptions): Promise<Array<[number, From]>>;
  async recvmmsg(buffers: Bytes[], flags = 0, opts?: IoOptions): Promise<Array<[number, Address | null]>> {
    checkMsgBuffers('recvmmsg', buffers);
    // A real array of the checked length (a Proxy's length may change between reads).
    const list = Array.prototype.slice.call(buffers) as Bytes[];
    checkMsgBuffers('recvmmsg', list);
    this.#batch?.refuseQueued('recvmmsg');
    const batch = new MsgBatch(list.length);
    return batch.results(await this.#io.call(this, READ, opRecvmmsg, list, batch, checkFlags('recvmmsg', flags), 'recvmmsg', opts));
  }
  /**
   * sendmmsg(2): several datagrams in one syscall, each `[data, address?]`
   * (no address on a connected socket). Returns how many were sent, which
   * may be fewer than given. Linux only.
   */
  async sendmmsg(messages: Array<[Bytes, Address?]>, flags = 0, opts?: IoOptions): Promise<number> {
    if (!Array.isArray(messages)) throw argTypeError('sendmmsg', 'messages must be an array of [data, address?]');
    const count: unknown = messages.length;
    if (!(typeof count === 'number' && count >= 0 && count <= 1024)) throw argRangeError('sendmmsg', `at most 1024 messages, got ${String(count)}`);
    if (this.#batch !== null) await this.#batch.drain(this);
    const io = this.#io;
    const batch = new MsgBatch(count as number);
    const bufs: Bytes[] = [];
    let last: unknown = undefined;
    let lastPacked: Buffer | null = null;
    for (let i = 0; i < (count as number); i++) {
      const m: unknown = messages[i];
      if (!Array.isArray(m)) throw argTypeError('sendmmsg', `messages[${i}] must be [data, address?]`);
      const [data, address] = m as [Bytes, Address?];
      checkBytes('sendmmsg', `messages[${i}][0]`, data);
      bufs.push(data);
      batch.meta[2 * i] = data.byteLength;
      if (address !== undefined) {
        // Consecutive messages to one address (the common case) pack it once.
        if (address !== last || lastPacked === null) {
          lastPacked = binding.packSockaddr(io.family, await resolveAddress(io.family, io.type, address));
          last = address;
        }
        lastPacked.copy(batch.names, i * SLOT);
        batch.meta[2 * i + 1] = lastPacked.length;
      }
    }
    return io.call(this, WRITE, opSendmmsg, bufs, batch, checkFlags('sendmmsg', flags), 'sendmmsg', opts);
  }

  /**
   * recvmmsg(2) without waiting or throwing, for zero-allocation datagram
   * loops: fills `meta[2i]` with datagram i's length and `meta[2i+1]` with
   * its address length, the raw sockaddr in `names` slot i (128 bytes a
   * slot; pass null to skip addresses). Returns the count or a negative errno.
   * The same buffers/meta/names can go straight to {@link trySendmmsg}.
   */
  tryRecvmmsg(buffers: Bytes[], meta: Int32Array, names: Buffer | null, flags = 0): number {
    this.#batch?.refuseQueued('tryRecvmmsg');
    const fd = this.#io.fd;
    return fd < 0 ? -EBADF : binding.recvmmsg(fd, buffers, meta, names, checkFlags('tryRecvmmsg', flags) | DONTWAIT);
  }
  /**
   * sendmmsg(2) of the first `count` messages without waiting or throwing:
   * datagram i is `meta[2i]` bytes of `buffers[i]` to the raw address in
   * `names` slot i (`meta[2i+1]` bytes; 0 for none). Returns how many were
   * sent, or a negative errno.
   */
  trySendmmsg(buffers: Bytes[], meta: Int32Array, names: Buffer | null, count: number, flags = 0): number {
    if (this.#batch !== null && !this.#batch.flushNow()) return -EAGAIN;
    const fd = this.#io.fd;
    return fd < 0 ? -EBADF : binding.sendmmsg(fd, buffers, meta, names, checkFlags('trySendmmsg', flags) | DONTWAIT, count);
  }

  /**
   * Send a file with sendfile(2), from `offset`, `count` bytes (to the end
   * when omitted). Not one syscall: sendfile is repeated until done. Returns
   * the bytes sent. `file` is an fd or a `fs.promises` FileHandle. Linux only.
   */
  sendfile(file: number | { fd: number }, offset = 0, count?: number, opts?: IoOptions): Promise<number> {
    try {
      return this.#io.call(this, WRITE, opSendfile, sendfileArgs(file, offset, count), undefined, NOFLAGS, 'sendfile', opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  /** sendfile, blocking per the socket's mode. */
  sendfileSync(file: number | { fd: number }, offset = 0, count?: number): number {
    return this.#io.callSync(WRITE, opSendfile, sendfileArgs(file, offset, count), undefined, NOFLAGS, 'sendfile');
  }

  /**
   * The socket as a Node stream (Python's `makefile`): 'r' Readable, 'w'
   * Writable, 'rw' both (an added 'b' is accepted). With `{ encoding }` it
   * reads and writes text. `end()` shuts the write side down. As in Python,
   * the fd stays open while the stream is: `close()` the socket after
   * makefile() and the fd closes when the stream does (or pass
   * `closeSocket` to close the socket with the stream).
   */
  makefile(mode = 'r', opts: MakefileOptions = {}): SocketStream {
    if (typeof mode !== 'string') throw argTypeError('makefile', `mode must be a string such as 'rb' or 'rw', not ${typeof mode}`);
    if (opts === null || typeof opts !== 'object') throw argTypeError('makefile', `options must be an object, not ${opts === null ? 'null' : typeof opts}`);
    this.#io.fdOr('makefile');
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

  /**
   * `for await (const [conn, addr] of listener.connections())`: accept()
   * until the socket is closed (then the loop ends; other errors throw).
   */
  async *connections(opts?: IoOptions): AsyncGenerator<[Socket<A, From>, A], void, undefined> {
    for (;;) {
      try {
        yield await this.accept(opts);
      } catch (e) {
        if (this.#io.fd < 0 && (e as SocketError).code === 'EBADF') return;
        throw e;
      }
    }
  }

  /**
   * `for await (const [data, addr] of sock.datagrams(2048))`: recvfrom()
   * until the socket is closed (then the loop ends; other errors throw).
   */
  async *datagrams(bufsize = 65536, opts?: IoOptions): AsyncGenerator<[Buffer, From], void, undefined> {
    for (;;) {
      try {
        yield await this.recvfrom(bufsize, 0, opts);
      } catch (e) {
        if (this.#io.fd < 0 && (e as SocketError).code === 'EBADF') return;
        throw e;
      }
    }
  }

  /** A description like Python's repr: fd, family, type, proto, local and remote address. */
  toString(): string {
    const io = this.#io;
    if (io.fd < 0) return `<bsdsock.Socket [closed] family=${familyName(io.family)}, type=${kindName(io.type)}, proto=${this.#proto}>`;
    let s = `<bsdsock.Socket fd=${io.fd}, family=${familyName(io.family)}, type=${kindName(io.type)}, proto=${this.#proto}`;
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

/**
 * The fd was closed behind the socket's back: forget it (unless its number
 * is already someone else's, who tracks it now) and say EBADF, without
 * touching the number.
 */
function gone(fd: number, syscall: string): SocketError {
  if (binding.fdIno(fd) < 0) binding.detach(fd);
  return socketError(EBADF, syscall);
}

function errnoOf(e: unknown): number {
  if (e instanceof SocketTimeoutError) return EAGAIN;
  if (e instanceof SocketError) return e.errno;
  throw e;
}

function checkMsgBuffers(call: string, buffers: unknown): asserts buffers is Bytes[] {
  if (!Array.isArray(buffers)) throw argTypeError(call, 'buffers must be an array of bytes');
  // IOV_MAX / UIO_MAXIOV: checked before the walk, which a sparse array of
  // length 2**32-1 would make take minutes. Read once: a Proxy may say -1.
  const n: unknown = buffers.length;
  if (!(typeof n === 'number' && n >= 0 && n <= 1024)) throw argRangeError(call, `at most 1024 buffers, got ${String(n)}`);
  for (let i = 0; i < n; i++) checkBytes(call, `buffers[${i}]`, buffers[i]);
}

/**
 * Where recv(n) and recvfrom(n) of more than a pool slice (4 KiB) read: the
 * bytes received are then copied out (shrink), so `recv(65536)` costs no
 * 64 KiB allocation per call. One per thread, safe to share: every read into
 * it is copied out by the same synchronous op, before any other JS runs.
 */
const SCRATCH = new Uint8Array(65536);
const POOLED = Buffer.poolSize >>> 1;

/** The buffer a recv(n) reads into. */
function recvBuffer(n: number): Buffer {
  return n <= POOLED || n > SCRATCH.length ? Buffer.allocUnsafe(n) : (SCRATCH as Buffer);
}

/**
 * The first `n` bytes of `buf` as the call's result: copied out of the
 * scratch buffer; a short read of a large buffer is copied so that a 64 KiB
 * allocation does not stay alive behind 10 bytes of data.
 */
function shrink(buf: Buffer, n: number): Buffer {
  if (buf === SCRATCH) {
    const out = Buffer.allocUnsafe(n);
    out.set(SCRATCH.subarray(0, n));
    return out;
  }
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
export type RecvmsgResult<T, From extends Address | null = Address | null> = [T, Array<[number, number, Buffer]>, number, From];

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

function sendfileArgs(file: number | { fd: number }, offset: number, count?: number): FileState {
  const fd = typeof file === 'number' ? file : file?.fd;
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) throw argTypeError('sendfile', 'file must be an fd or a FileHandle');
  checkInt('sendfile', 'offset', offset, 0, Number.MAX_SAFE_INTEGER);
  let left: number;
  if (count !== undefined && count !== null) left = checkInt('sendfile', 'count', count, 0, Number.MAX_SAFE_INTEGER);
  else {
    let size: number;
    try {
      size = fstatSync(fd).size;
    } catch (e) {
      // node:fs's error, as the SocketError every other failure here is.
      const code = (e as NodeJS.ErrnoException).code ?? 'EBADF';
      throw socketError((os.constants.errno as Record<string, number>)[code] ?? EBADF, 'sendfile');
    }
    left = Math.max(0, size - offset);
  }
  return { inFd: fd, offset, left, sent: 0 };
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
 * A socket of family `F` and type `T` with its addresses typed by them:
 * what `new Socket(family, type)`, {@link socketpair} and {@link fromfd}
 * return. `SocketOf<typeof AF_INET, typeof SOCK_DGRAM>` is
 * `Socket<InetAddress, InetAddress>`; `SocketOf<number, number>` is `Socket`.
 * @group Socket
 */
export type SocketOf<F extends number, T extends number> = Socket<AddressOf<F>, RecvfromAddressOf<F, T>>;

/**
 * The type of the exported `Socket` constructor: the family and type given
 * to `new Socket(family, type)` type the socket's addresses
 * ({@link SocketOf}). A class's own constructor cannot choose its instance
 * type by its arguments, hence this interface.
 * @group Socket
 */
export interface SocketConstructor {
  /**
   * Wrap an existing socket fd (and take ownership of it): Python's
   * `socket.socket(fileno=fd)`. Family, type and proto are read from the fd
   * when not given. Its addresses are any {@link Address} unless you say
   * what you know: `new Socket<InetAddress>(undefined, undefined, undefined, fd)`.
   * An fd that a live Socket of this thread already owns is refused (EBUSY):
   * two owners would close it twice; wrap a duplicate (`dup()`, {@link fromfd}).
   */
  new <A extends Address = Address, From extends A | null = A | null>(family: number | undefined, type: number | undefined, proto: number | undefined, fileno: number): Socket<A, From>;
  // The two signatures below have type parameters without defaults (an
  // uninferred one is its constraint: AF_INET here, `number` below), so that
  // `class MySocket extends Socket` still compiles: a base constructor's
  // signatures callable without type arguments must agree on the instance type.
  /** socket(2) with the defaults: AF_INET, SOCK_STREAM. */
  new <F extends typeof AF_INET>(): SocketOf<F, typeof SOCK_STREAM>;
  /**
   * socket(2). `type` defaults to SOCK_STREAM. The family and type type the
   * socket's addresses: `new Socket(AF_INET6, SOCK_DGRAM)` is a
   * `Socket<Inet6Address, Inet6Address>`. `type | SOCK_NONBLOCK` starts in
   * non-blocking mode, as in Python.
   */
  new <F extends number, T extends number>(family: F, type?: T, proto?: number): SocketOf<F, T>;
  /** socket(2) for a family or type not known statically, or an optional `fileno`: a `Socket`, its addresses any {@link Address}. */
  new (family?: number, type?: number, proto?: number, fileno?: number): Socket;
  readonly prototype: Socket;
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
export function socketpair<F extends number = typeof AF_UNIX, T extends number = typeof SOCK_STREAM>(family?: F, type?: T, proto?: number): [SocketOf<F, T>, SocketOf<F, T>];
export function socketpair(family: number = AF_UNIX, type: number = SOCK_STREAM, proto = 0): [Socket, Socket] {
  checkInt('socketpair', 'family', family);
  checkInt('socketpair', 'type', type);
  checkInt('socketpair', 'proto', proto);
  const [a, b] = binding.socketpair(family, type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), proto);
  return [wrapFd(a, family, type, proto), wrapFd(b, family, type, proto)];
}

/**
 * Python's `socket.fromfd`: a Socket on a *duplicate* of `fd` (dup(2)); the
 * caller keeps `fd` and must close it.
 * @throws {@link SocketError} `EBADF` when `fd` is not open (from dup(2)).
 * @group Socket
 */
export function fromfd<F extends number, T extends number>(fd: number, family: F, type: T, proto?: number): SocketOf<F, T>;
export function fromfd(fd: number, family: number, type: number, proto = 0): Socket {
  checkInt('fromfd', 'family', family);
  checkInt('fromfd', 'type', type);
  checkInt('fromfd', 'proto', proto);
  const nfd = binding.dup(checkFd('fromfd', fd));
  try {
    return wrapFd(nfd, family, type, proto);
  } catch (e) {
    binding.close(nfd);
    throw e;
  }
}
