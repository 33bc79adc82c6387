/**
 * Datagram batching, the machinery behind `Socket.setbatching(n)`: plain
 * `recvfrom` / `recv` / `recvfromInto` / `recvInto` calls served from one
 * recvmmsg(2) per wakeup, and `sendto` / `send` calls of one loop iteration
 * sent by one sendmmsg(2), with the results, errors, order and truncation
 * of the unbatched calls. Off by default; Linux only; AF_INET / AF_INET6
 * SOCK_DGRAM only (see README.md, "Datagram batching").
 *
 * Receive. A per-socket queue holds what one recvmmsg took, `vlen` slots of
 * 65536 bytes: an IP datagram's payload is at most 65535 bytes (the 16-bit
 * length field), so a slot never cuts a datagram the unbatched call would
 * have returned whole, and the caller's size then truncates exactly as the
 * kernel does (the rest of that datagram is dropped, MSG_TRUNC reports the
 * real length). A call takes the queue's head; only an empty queue makes a
 * syscall. Datagrams in the queue were taken from the kernel before a later
 * ICMP error arrived, so that error goes to the first call after them: the
 * order of an unbatched reader that read that fast.
 *
 * Readiness. Datagrams in the queue leave the fd unreadable, so whoever
 * waits for readability is woken by us (`kick`, once per loop iteration
 * while the queue is not empty): waiting async calls and the onReadable
 * callback (level-triggered, as epoll is). The try* calls serve the queue.
 *
 * Send. Calls are queued and flushed in a microtask: those made in one
 * loop iteration's microtasks (un-awaited sends, Promise.all, handlers
 * resumed by one dispatch) leave together. A run of at most two goes out
 * with sendto(2) each (no gain from sendmmsg); a longer one with sendmmsg(2).
 * sendmmsg reports only the count sent: when it stops at message k, k is
 * tried again alone, so its own errno (or EAGAIN: wait for writable) is its
 * own. The kernel drops an error sendmmsg meets after the first message
 * (net/socket.c, __sys_sendmmsg: "We only return an error if no datagrams
 * were able to be sent"): a pending socket error (an ICMP error, which a
 * connected socket or one with IP_RECVERR / IPV6_RECVERR gets) would be
 * lost, so such sockets send one sendto per message.
 * @internal
 * @module
 */
import * as os from 'node:os';
import { binding } from './binding';
import { resolveAddress, type Address } from './address';
import { socketError, SocketError, SocketTimeoutError } from './errors';
import { AGAIN, NEG_EAGAIN, READ, WRITE, type Again, type Channel, type IoOptions, type Op } from './readiness';
import { AF_INET, AF_INET6, SOCK_DGRAM, MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC, MSG_WAITALL, MSG_ERRQUEUE, SOL_IP, IP_RECVERR, IPPROTO_IPV6, IPV6_RECVERR } from './constants.generated';
import { familyName, kindName } from './constants';
import { checkBytes, checkFlags, checkInt, checkSize, signalOf } from './args';
import type { Bytes } from './socket';

const { EBADF, EINVAL, EAFNOSUPPORT, EDESTADDRREQ, EOPNOTSUPP } = os.constants.errno;

/** The largest vlen: the kernel's UIO_MAXIOV, as recvmmsg/sendmmsg allow. */
export const MAX_VLEN = 1024;
/** A receive slot: the largest IP datagram payload (65535) fits. */
const SLOT = 65536;
const NAME_SLOT: number = binding.SOCKADDR_SLOT;
/** linux/socket.h MSG_PROBE: "do not send, only probe path". */
const MSG_PROBE = 0x10;
const DONTWAIT: number = MSG_DONTWAIT ?? 0;
/** Flags a call can have and still be served from the queue (each emulated as the kernel does it). */
const QUEUE_FLAGS = MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT | MSG_WAITALL;
const EMPTY = new Uint8Array(0);

/** Which receive call: recv returns a Buffer, recvInto a count, recvfrom(Into) adds the address. */
export const Kind = { Recv: 0, RecvInto: 1, Recvfrom: 2, RecvfromInto: 3 } as const;
export type Kind = (typeof Kind)[keyof typeof Kind];
type Result = Buffer | number | [Buffer | number, Address | null];
const SYSCALL = ['recv', 'recv', 'recvfrom', 'recvfrom'];

/** One receive call's arguments. */
interface Req {
  kind: Kind;
  /** The caller's buffer (Into calls), or null. */
  buf: Uint8Array | null;
  /** Bytes wanted. */
  n: number;
}

/** One queued send. `data` null: a barrier (see drain()). */
interface Outgoing {
  data: Bytes | null;
  addr: Address | null;
  flags: number;
  syscall: string;
  signal: AbortSignal | undefined;
  resolve: (v: number) => void;
  reject: (e: unknown) => void;
}

/** The n of `setbatching(n)`, checked against the socket. */
export function checkBatching(ch: Channel, n: unknown): number {
  const v = checkInt('setbatching', 'n', n, 0, MAX_VLEN);
  ch.fdOr('setbatching');
  if (v === 0) return 0;
  if (process.platform !== 'linux') {
    throw new SocketError(EOPNOTSUPP, 'setbatching', undefined, 'setbatching EOPNOTSUPP: batching uses recvmmsg(2) / sendmmsg(2), which only Linux has');
  }
  if (ch.type !== SOCK_DGRAM) {
    throw new SocketError(EINVAL, 'setbatching', undefined, `setbatching EINVAL: batching is for SOCK_DGRAM sockets, not ${kindName(ch.type)}`);
  }
  if (ch.family !== AF_INET && ch.family !== AF_INET6) {
    throw new SocketError(
      EAFNOSUPPORT,
      'setbatching',
      undefined,
      `setbatching EAFNOSUPPORT: batching needs a bound on the datagram size and only AF_INET / AF_INET6 have one (65535 bytes); ` +
        `${familyName(ch.family)} datagrams can be larger (an AF_UNIX one up to the sender's SO_SNDBUF)`,
    );
  }
  return v;
}

let captured: Outgoing | null = null;
function capture(resolve: (v: number) => void, reject: (e: unknown) => void): void {
  captured!.resolve = resolve;
  captured!.reject = reject;
}

/** A Uint8Array over the caller's bytes. */
function view(b: Bytes): Uint8Array {
  if (b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The batching state of one socket. */
export class Batcher {
  /** recvmmsg / sendmmsg vlen; 0: off (a non-empty queue is still served first). */
  vlen: number;
  /** An onReadable callback is set: it is called while the queue is not empty. */
  #readable = false;
  /** An async receive may wait in the engine for readability (cleared by kick). */
  #parked = false;
  #kicking = false;
  // The receive queue: slots #head .. #count-1 of the last recvmmsg.
  #head = 0;
  #count = 0;
  #slots: Buffer[] | null = null;
  /** The memory of the slots, one buffer (recvmmsg_slab cuts it natively). */
  #mem: Buffer | null = null;
  #rmeta: Int32Array | null = null;
  #rnames: Buffer | null = null;
  #rwords: Int32Array | null = null;
  // The last address decoded: the next datagram from the same peer reuses the (frozen) tuple.
  readonly #lastName = new Int32Array(8);
  #lastLen = 0;
  #lastAddr: Address | null = null;
  // The send queue.
  #out: Outgoing[] = [];
  #flushQueued = false;
  /** The flush waits in the engine (for writability, or the next iteration). */
  #waiting = false;
  /** A send made at once waits in the engine: the queue goes after it. */
  #inflight = false;
  #owner: object | null = null;
  #smeta: Int32Array | null = null;
  #snames: Buffer | null = null;
  readonly #sbufs: Bytes[] = [];
  readonly #flushTask = (): void => this.#flushSoon();

  constructor(
    readonly ch: Channel,
    vlen: number,
  ) {
    this.vlen = vlen;
  }

  /** Datagrams received and not yet handed out. */
  get pending(): number {
    return this.#count - this.#head;
  }
  /** Nothing queued either way. */
  get idle(): boolean {
    return this.#count === this.#head && this.#out.length === 0;
  }

  setReadable(on: boolean): void {
    this.#readable = on;
    if (on && this.pending > 0) this.#kick();
  }

  // ---- receive --------------------------------------------------------------

  /** The async receive calls: a promise, or undefined for the plain path. Never throws. */
  recv(owner: object, bufsize: unknown, flags: unknown, opts: IoOptions | undefined): Promise<Buffer> | undefined {
    return this.#recvAsync(owner, Kind.Recv, null, bufsize, flags, opts) as Promise<Buffer> | undefined;
  }
  recvInto(owner: object, buffer: Bytes, nbytes: unknown, flags: unknown, opts: IoOptions | undefined): Promise<number> | undefined {
    return this.#recvAsync(owner, Kind.RecvInto, buffer, nbytes, flags, opts) as Promise<number> | undefined;
  }
  recvfrom(owner: object, bufsize: unknown, flags: unknown, opts: IoOptions | undefined): Promise<[Buffer, Address | null]> | undefined {
    return this.#recvAsync(owner, Kind.Recvfrom, null, bufsize, flags, opts) as Promise<[Buffer, Address | null]> | undefined;
  }
  recvfromInto(owner: object, buffer: Bytes, nbytes: unknown, flags: unknown, opts: IoOptions | undefined): Promise<[number, Address | null]> | undefined {
    return this.#recvAsync(owner, Kind.RecvfromInto, buffer, nbytes, flags, opts) as Promise<[number, Address | null]> | undefined;
  }

  /** The sync receive calls: the result, or undefined for the plain path. */
  recvSync(kind: Kind, buffer: Bytes | null, size: unknown, flags: unknown): Result | undefined {
    const req = this.#req(kind, buffer, size);
    const f = checkFlags(SYSCALL[kind], flags);
    if (this.#count > this.#head) return this.#serve(req, f);
    if (f !== 0 || this.vlen === 0) return undefined;
    return this.ch.callSync(READ, opRecvBatched, this, req, 0, SYSCALL[kind]);
  }

  /** try* receive: served from the queue when it holds something, else undefined (the plain syscall). */
  tryRecv(kind: Kind, buffer: Bytes, nbytes: unknown, flags: unknown, call: string): number | [number, Address | null] | undefined {
    if (this.#count === this.#head) return undefined;
    const req = this.#req(kind, buffer, nbytes);
    return this.#serve(req, checkFlags(call, flags)) as number | [number, Address | null] | undefined;
  }

  /** recvmsg / recvmmsg cannot be served from the queue (no ancillary data, no per-slot flags): refused while it holds datagrams. */
  refuseQueued(syscall: string): void {
    const n = this.pending;
    if (n === 0) return;
    throw new SocketError(
      EINVAL,
      syscall,
      undefined,
      `${syscall} EINVAL: ${n} datagram${n === 1 ? '' : 's'} received by batching wait in the socket's queue, ahead of the kernel's; ` +
        `read them with recv/recvfrom first (${syscall} would take a later datagram)`,
    );
  }

  #recvAsync(owner: object, kind: Kind, buffer: Bytes | null, size: unknown, flags: unknown, opts: IoOptions | undefined): Promise<Result> | undefined {
    try {
      const req = this.#req(kind, buffer, size);
      const f = checkFlags(SYSCALL[kind], flags);
      if (this.#count > this.#head) {
        const signal = signalOf(SYSCALL[kind], opts);
        if (signal?.aborted) return Promise.reject(signal.reason);
        const v = this.#serve(req, f);
        return v === undefined ? undefined : Promise.resolve(v);
      }
      if (f !== 0 || this.vlen === 0) return undefined;
      this.#parked = true;
      return this.ch.call(owner, READ, opRecvBatched, this, req, 0, SYSCALL[kind], opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The checked arguments of one receive call, with the plain call's exact errors. */
  #req(kind: Kind, buffer: Bytes | null, size: unknown): Req {
    if (buffer === null) return { kind, buf: null, n: checkSize(SYSCALL[kind], 'bufsize', size) };
    const b = ArrayBuffer.isView(buffer) || buffer instanceof ArrayBuffer ? view(buffer) : null;
    const nbytes = size === undefined ? 0 : size;
    if (b === null || b.byteLength === 0 || typeof nbytes !== 'number' || !Number.isInteger(nbytes) || nbytes < 0 || nbytes > b.byteLength) {
      // Not the common case: the native layer's own checks throw what the
      // plain call would (a recv on fd -1 only says EBADF if they pass).
      binding.recv_into(-1, buffer as Bytes, nbytes as number, 0);
    }
    return { kind, buf: b, n: (nbytes as number) || b!.byteLength };
  }

  /**
   * Hand out the queue's head as the kernel would: `n` bytes of it (the
   * rest dropped), MSG_PEEK leaves it queued, MSG_TRUNC returns its real
   * length. MSG_ERRQUEUE reads another queue: undefined (the syscall).
   * Any other flag would take a later datagram from the kernel: refused.
   */
  #serve(req: Req, flags: number): Result | undefined {
    if ((flags & ~QUEUE_FLAGS) !== 0) {
      if ((flags & MSG_ERRQUEUE) !== 0) return undefined;
      throw new SocketError(
        EINVAL,
        SYSCALL[req.kind],
        undefined,
        `${SYSCALL[req.kind]} EINVAL: flags ${flags} cannot be served from the batching queue, which holds ${this.pending} datagram(s) ` +
          `ahead of the kernel's; only MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT and MSG_WAITALL can`,
      );
    }
    const i = this.#head;
    const len = this.#rmeta![2 * i];
    const take = Math.min(len, req.n);
    const slot = this.#slots![i];
    let data: Buffer | number;
    if (req.buf === null) {
      const out = Buffer.allocUnsafe(take);
      slot.copy(out, 0, 0, take);
      data = out;
    } else {
      req.buf.set(slot.subarray(0, take));
      data = (flags & MSG_TRUNC) !== 0 ? len : take;
    }
    const addr = req.kind >= Kind.Recvfrom ? this.#addr(i) : null;
    if ((flags & MSG_PEEK) === 0 && ++this.#head === this.#count) this.#head = this.#count = 0;
    return req.kind >= Kind.Recvfrom ? [data, addr] : data;
  }

  /**
   * The op of a batched receive whose queue was empty: one recvmmsg, then
   * the head. Runs again on readability (the engine) or after poll (sync).
   */
  fill(req: Req): Result | Again {
    if (this.#count === this.#head) {
      const syscall = SYSCALL[req.kind];
      const fd = this.ch.fdOr(syscall);
      if (this.#slots === null || this.#slots.length !== Math.max(this.vlen, 1)) this.#alloc();
      const r = binding.recvmmsg_slab(fd, this.#mem!, SLOT, this.#slots!.length, this.#rmeta!, this.#rnames, DONTWAIT);
      if (r < 0) {
        if (r === NEG_EAGAIN) return AGAIN;
        throw socketError(-r, syscall);
      }
      this.#head = 0;
      this.#count = r;
      if (r > 1) this.#kick();
    }
    return this.#serve(req, 0)!;
  }

  /** The receive slots, vlen x 64 KiB, allocated on first use (and when vlen changes with the queue empty). */
  #alloc(): void {
    const n = Math.max(this.vlen, 1);
    const mem = Buffer.allocUnsafeSlow(n * SLOT);
    this.#mem = mem;
    this.#slots = [];
    for (let i = 0; i < n; i++) this.#slots.push(mem.subarray(i * SLOT, (i + 1) * SLOT));
    this.#rmeta = new Int32Array(2 * n);
    this.#rnames = Buffer.alloc(n * NAME_SLOT);
    this.#rwords = new Int32Array(this.#rnames.buffer, this.#rnames.byteOffset, this.#rnames.length >> 2);
  }

  /** Datagram i's source address; the same peer as the last one gives the same frozen tuple. */
  #addr(i: number): Address | null {
    const alen = this.#rmeta![2 * i + 1];
    if (alen === 0) return null;
    const words = alen >> 2;
    const base = i * (NAME_SLOT >> 2);
    const w = this.#rwords!;
    const last = this.#lastName;
    if (alen === this.#lastLen) {
      let k = 0;
      while (k < words && w[base + k] === last[k]) k++;
      if (k === words) return this.#lastAddr;
    }
    const addr = binding.unpackSockaddr(this.#rnames!.subarray(i * NAME_SLOT, i * NAME_SLOT + alen)) as Address;
    if ((alen & 3) === 0 && words <= last.length && Object.isFrozen(addr)) {
      for (let k = 0; k < words; k++) last[k] = w[base + k];
      this.#lastLen = alen;
      this.#lastAddr = addr;
    }
    return addr;
  }

  /**
   * Wake whoever waits for readability while the queue holds datagrams
   * (the fd is not readable then): once per loop iteration, as a
   * level-triggered poll would.
   */
  #kick(): void {
    if (this.#kicking) return;
    this.#kicking = true;
    setImmediate(kick, this);
  }
  kicked(): void {
    this.#kicking = false;
    if (this.ch.fd < 0 || this.#count === this.#head) return;
    if (this.#parked || this.#readable) {
      this.#parked = false;
      this.ch.onEvent(READ);
    }
    if (this.#readable && this.#count > this.#head) this.#kick();
  }

  // ---- send -----------------------------------------------------------------

  /** Async sendto with batching: a promise, or undefined for the plain path. Never throws. */
  sendto(owner: object, data: Bytes, flagsOrAddress: unknown, address: unknown, opts: IoOptions | undefined): Promise<number> | undefined {
    try {
      checkBytes('sendto', 'data', data);
      const flags = address === undefined ? 0 : checkInt('sendto', 'flags', flagsOrAddress);
      if (this.#out.length === 0 && (flags !== 0 || this.vlen === 0)) return undefined;
      const a = resolveAddress(this.ch.family, this.ch.type, address === undefined ? flagsOrAddress : address);
      if (a instanceof Promise) return a.then((addr) => this.#send(owner, data, addr, flags, opts));
      return this.#send(owner, data, a, flags, opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Async send with batching: a promise, or undefined for the plain path. Never throws. */
  send(owner: object, data: Bytes, flags: unknown, opts: IoOptions | undefined): Promise<number> | undefined {
    try {
      checkBytes('send', 'data', data);
      const f = checkFlags('send', flags);
      if (this.#out.length === 0 && (f !== 0 || this.vlen === 0)) return undefined;
      return this.#send(owner, data, null, f, opts);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Resolves when every send queued before it is out (for sendmsg, sendmmsg, sendall); undefined when none is queued. */
  drain(owner: object): Promise<number> | undefined {
    if (this.#out.length === 0) return undefined;
    return this.#queue(owner, null, null, 0, 'send', undefined);
  }

  /** A sync send must not overtake queued ones: send them first, waiting per the socket's mode. */
  flushSync(syscall: string): void {
    if (this.#out.length === 0) return;
    this.ch.callSync(WRITE, opFlush, this, undefined, 0, syscall);
  }

  /** A try* send: the queue goes first, without waiting; false if some of it would block. */
  flushNow(): boolean {
    return this.#out.length === 0 || this.flush();
  }

  /**
   * A send when nothing is queued or pending goes at once, as the plain
   * call (a sequential `await sendto` loop pays nothing for batching); the
   * sends that follow in this iteration's microtasks queue behind it and
   * leave together in the flush. If it has to wait (EAGAIN, or the engine's
   * per-iteration budget), the queue waits for it.
   */
  #send(owner: object, data: Bytes, addr: Address | null, flags: number, opts: IoOptions | undefined): Promise<number> {
    if (this.#out.length > 0 || this.#inflight || this.#flushQueued || this.#waiting) return this.#queue(owner, data, addr, flags, addr === null ? 'send' : 'sendto', opts);
    this.#flushQueued = true;
    queueMicrotask(this.#flushTask);
    eagerSettled = false;
    const p = this.ch.call(owner, WRITE, opSendOne, data, addr, flags, addr === null ? 'send' : 'sendto', opts, addr ?? undefined);
    if (!eagerSettled) {
      this.#inflight = true;
      p.then(this.#eagerDone, this.#eagerDone);
    }
    return p;
  }
  readonly #eagerDone = (): void => {
    this.#inflight = false;
    this.#flushSoon();
  };

  #queue(owner: object, data: Bytes | null, addr: Address | null, flags: number, syscall: string, opts: IoOptions | undefined): Promise<number> {
    let signal: AbortSignal | undefined;
    try {
      signal = signalOf(syscall, opts);
    } catch (e) {
      return Promise.reject(e);
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    const it: Outgoing = { data, addr, flags, syscall, signal, resolve: undefined!, reject: undefined! };
    captured = it;
    const p = new Promise<number>(capture);
    captured = null;
    this.#out.push(it);
    this.#owner = owner;
    if (!this.#flushQueued && !this.#waiting) {
      this.#flushQueued = true;
      queueMicrotask(this.#flushTask);
    }
    return p;
  }

  /**
   * The flush, as one async call of the engine: it counts against the loop
   * iteration's budget (a sequential `await sendto` loop still lets the
   * loop turn) and waits for writability at EAGAIN, as a plain sendto does.
   */
  #flushSoon(): void {
    this.#flushQueued = false;
    if (this.#waiting || this.#inflight || this.#out.length === 0) return;
    this.#waiting = true;
    this.ch.call(this.#owner!, WRITE, opFlush, this, undefined, 0, 'sendto').then(this.#onFlushed, this.#onFlushFailed);
  }
  readonly #onFlushed = (): void => {
    this.#waiting = false;
    if (this.#out.length > 0) this.#flushSoon();
    else this.#owner = null;
  };
  readonly #onFlushFailed = (e: unknown): void => {
    this.#waiting = false;
    this.#failAll(e);
    this.#owner = null;
  };

  /** The wait failed (timeout, EAGAIN in non-blocking mode, EBADF): each queued call fails as its own would have. */
  #failAll(e: unknown): void {
    const q = this.#out;
    this.#out = [];
    for (const it of q) {
      if (it.data === null) it.resolve(0);
      else if (e instanceof SocketTimeoutError) it.reject(new SocketTimeoutError(it.syscall, it.addr ?? undefined));
      else if (e instanceof SocketError) it.reject(socketError(e.errno, it.syscall, it.addr ?? undefined));
      else it.reject(e);
    }
  }

  /**
   * Send what is queued, in order, never waiting: true when all of it is
   * out (or failed with its own error), false at EAGAIN.
   */
  flush(): boolean {
    const q = this.#out;
    const fd = this.ch.fd;
    const family = this.ch.family;
    let exposed: boolean | undefined;
    let i = 0;
    while (i < q.length) {
      const it = q[i];
      if (it.data === null) {
        it.resolve(0);
        i++;
        continue;
      }
      if (it.signal?.aborted) {
        it.reject(it.signal.reason);
        i++;
        continue;
      }
      if (fd < 0) {
        it.reject(socketError(EBADF, it.syscall, it.addr ?? undefined));
        i++;
        continue;
      }
      let run = 1;
      if (it.flags === 0) {
        const max = Math.min(q.length - i, Math.max(this.vlen, 1));
        while (run < max && q[i + run].data !== null && q[i + run].flags === 0 && !q[i + run].signal?.aborted) run++;
      }
      if (run >= 3 && (exposed ??= this.#exposed(fd))) run = 1;
      let r: number;
      if (run >= 3) run = this.#pack(i, run);
      if (run >= 3) {
        r = binding.sendmmsg(fd, this.#sbufs, this.#smeta!, this.#snames, DONTWAIT, run);
        if (r === NEG_EAGAIN) break;
        if (r < 0) {
          // sendmmsg reports an error only when it met it at the first message.
          it.reject(socketError(-r, it.syscall, it.addr ?? undefined));
          i++;
          continue;
        }
        // Datagrams go whole or not at all: each sent one's count is its length.
        for (let k = 0; k < r; k++) q[i + k].resolve(q[i + k].data!.byteLength);
        i += r;
        continue;
      }
      try {
        r = it.addr === null ? binding.send(fd, it.data, it.flags | DONTWAIT) : binding.sendto(fd, it.data, it.flags | DONTWAIT, it.addr, family);
      } catch (e) {
        it.reject(e); // a bad address, as the plain call would have thrown
        i++;
        continue;
      }
      if (r === NEG_EAGAIN) break;
      if (r < 0) it.reject(socketError(-r, it.syscall, it.addr ?? undefined));
      else it.resolve(r);
      i++;
    }
    if (i === q.length) this.#out = [];
    else q.splice(0, i);
    this.#sbufs.length = 0;
    return this.#out.length === 0;
  }

  /** Messages i .. i+run-1 into the sendmmsg arrays; returns how many could be packed (an address that does not pack ends the run). */
  #pack(i: number, run: number): number {
    const q = this.#out;
    if (this.#smeta === null || this.#smeta.length < 2 * this.vlen) {
      this.#smeta = new Int32Array(2 * Math.max(this.vlen, 1));
      this.#snames = Buffer.alloc(Math.max(this.vlen, 1) * NAME_SLOT);
    }
    const meta = this.#smeta;
    const names = this.#snames!;
    const bufs = this.#sbufs;
    bufs.length = 0;
    let last: unknown = undefined;
    let packed: Buffer | null = null;
    for (let k = 0; k < run; k++) {
      const it = q[i + k];
      bufs.push(it.data!);
      meta[2 * k] = it.data!.byteLength;
      if (it.addr === null) meta[2 * k + 1] = 0;
      else {
        if (it.addr !== last || packed === null) {
          try {
            packed = binding.packSockaddr(this.ch.family, it.addr);
          } catch {
            return k; // sent alone, it throws for the caller
          }
          last = it.addr;
        }
        packed.copy(names, k * NAME_SLOT);
        meta[2 * k + 1] = packed.length;
      }
    }
    return run;
  }

  /**
   * Whether the kernel can set a pending error on this socket (an ICMP
   * error: connected, or IP_RECVERR / IPV6_RECVERR), which sendmmsg would
   * drop. Connected: a MSG_PROBE send of nothing, which sends nothing
   * (ip_make_skb / ip6_make_skb return at MSG_PROBE) and says EDESTADDRREQ
   * only when unconnected. Checked once per flush of 3 or more messages.
   */
  #exposed(fd: number): boolean {
    if (binding.send(fd, EMPTY, MSG_PROBE | DONTWAIT) !== -EDESTADDRREQ) return true;
    try {
      if (binding.getsockopt(fd, SOL_IP, IP_RECVERR) !== 0) return true;
      if (this.ch.family === AF_INET6 && binding.getsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR) !== 0) return true;
    } catch {
      return true;
    }
    return false;
  }

  /**
   * close / detach: queued sends are sent if that needs no wait; those that
   * cannot be reject with EBADF and say why. Received datagrams still
   * queued are dropped, as the kernel drops its receive queue on close.
   */
  close(): void {
    if (this.#out.length > 0 && this.ch.fd >= 0) this.flush();
    const q = this.#out;
    this.#out = [];
    for (const it of q) {
      if (it.data === null) it.resolve(0);
      else {
        it.reject(
          new SocketError(EBADF, it.syscall, it.addr ?? undefined, `${it.syscall} EBADF: the socket was closed while this datagram waited in the batching queue for the socket to turn writable; it was not sent`),
        );
      }
    }
    this.#head = this.#count = 0;
    this.#owner = null;
  }
}

function kick(b: Batcher): void {
  b.kicked();
}

/** Set by opSendOne when its send completed (sent or failed), read right after the first attempt. */
let eagerSettled = false;
const opSendOne: Op<number, Bytes, Address | null> = (ch, data, addr, flags) => {
  const fd = ch.fdOr(addr === null ? 'send' : 'sendto');
  const r = addr === null ? binding.send(fd, data, flags | DONTWAIT) : binding.sendto(fd, data, flags | DONTWAIT, addr, ch.family);
  if (r === NEG_EAGAIN) return AGAIN;
  eagerSettled = true;
  if (r < 0) throw socketError(-r, addr === null ? 'send' : 'sendto', addr ?? undefined);
  return r;
};
const opRecvBatched: Op<Result, Batcher, Req> = (_ch, b, req) => b.fill(req);
const opFlush: Op<undefined, Batcher, undefined> = (_ch, b) => (b.flush() ? undefined : AGAIN);
