/**
 * The one loader of the native addon: a prebuilt binary from `prebuilds/` when
 * one matches this platform, else the local build (`build/Release`, then
 * `build/Debug`), found by node-gyp-build from the package root. No build path
 * is hard-coded anywhere else.
 * @internal
 * @module
 */
import * as path from 'node:path';

if (process.platform === 'win32') {
  throw new Error(
    'bsdsock supports POSIX systems (Linux first); Windows is not supported. ' +
      'Use node:net / node:dgram there.',
  );
}

/** A readiness watcher over one fd (uv_poll_t on this environment's loop). */
export interface NativePoller {
  start(events: number): void;
  stop(): void;
  weaken(): void;
  close(): void;
}

export type RawAddress = unknown;

/** The native binding table: one function per syscall, fd first. */
export interface Binding {
  openFdCount(): number;
  setErrorFactory(f: (errno: number, syscall: string, address?: unknown) => Error): void;
  strerror(errno: number): string;
  inet_pton(family: number, s: string): Buffer | null;
  inet_ntop(family: number, b: ArrayBufferView | ArrayBuffer): string;
  inet_aton(s: string): Buffer | null;
  packSockaddr(family: number, addr: unknown): Buffer;
  unpackSockaddr(b: ArrayBufferView | ArrayBuffer): unknown;
  socket(family: number, type: number, proto: number): number;
  socketpair(family: number, type: number, proto: number): [number, number];
  bind(fd: number, addr: unknown, family: number): void;
  listen(fd: number, backlog: number): void;
  accept(fd: number): [number, unknown] | number;
  connect(fd: number, addr: unknown, family: number): number;
  shutdown(fd: number, how: number): void;
  close(fd: number): void;
  getsockname(fd: number): unknown;
  getpeername(fd: number): unknown;
  getsockopt(fd: number, level: number, opt: number, buflen?: number): number | Buffer;
  setsockopt(fd: number, level: number, opt: number, value: unknown, optlen?: number): void;
  send(fd: number, data: ArrayBufferView | ArrayBuffer, flags: number): number;
  sendto(fd: number, data: ArrayBufferView | ArrayBuffer, flags: number, addr: unknown, family: number): number;
  recv_into(fd: number, buf: ArrayBufferView | ArrayBuffer, nbytes: number, flags: number): number;
  recvfrom_into(fd: number, buf: ArrayBufferView | ArrayBuffer, nbytes: number, flags: number): [number, unknown] | number;
  fcntl(fd: number, cmd: number, arg?: number): number;
  dup(fd: number): number;
  poll(fd: number, events: number, timeoutMs: number): number;
  detach(fd: number): void;
  adopt(fd: number): void;
  Poller: new (fd: number, cb: (status: number, events: number) => void) => NativePoller;
  UV_READABLE: number;
  UV_WRITABLE: number;
  constants: Record<string, number>;
  internal: Record<string, number>;
  // msg.cc
  sendmsg(fd: number, buffers: unknown[], ancdata: unknown[], flags: number, addr: unknown, family: number): number;
  recvmsg(fd: number, buffers: unknown[], ancbufsize: number, flags: number): unknown[] | number;
  recvmmsg(fd: number, buffers: unknown[], meta: Int32Array, names: Buffer | null, flags: number): number;
  sendmmsg(fd: number, buffers: unknown[], meta: Int32Array, names: Buffer | null, flags: number, count: number): number;
  sendfile(outFd: number, inFd: number, offset: number, count: number): number;
  CMSG_LEN(n: number): number;
  CMSG_SPACE(n: number): number;
  SOCKADDR_SLOT: number;
  // select.cc
  /** poll(2) over fds[i] / events[i]; fills revents[i]; returns the ready count (0: timeout). */
  poll_fds(fds: Int32Array, events: Int32Array, revents: Int32Array, timeoutMs: number): number;
  // netdb.cc
  setGaiErrorFactory(f: (errno: number, code: string, message: string, syscall: string, host?: string) => Error): void;
  getaddrinfo(host: string | null, port: string | null, family: number, type: number, proto: number, flags: number): unknown[];
  getaddrinfoAsync(host: string | null, port: string | null, family: number, type: number, proto: number, flags: number): Promise<unknown[]>;
  getnameinfo(family: number, address: unknown, flags: number): [string, string];
  getnameinfoAsync(family: number, address: unknown, flags: number): Promise<[string, string]>;
  /** [name, aliases, addresses, addrtype], or the h_errno value on failure. */
  gethostbyname_r(name: string): [string, string[], string[], number] | number;
  gethostbyname_rAsync(name: string): Promise<[string, string[], string[], number] | number>;
  gethostbyaddr_r(family: number, packed: Buffer): [string, string[], string[], number] | number;
  gethostbyaddr_rAsync(family: number, packed: Buffer): Promise<[string, string[], string[], number] | number>;
  hstrerror(herrno: number): string;
  getservbyname_r(name: string, proto: string | null): number | null;
  getservbyname_rAsync(name: string, proto: string | null): Promise<number | null>;
  getservbyport_r(port: number, proto: string | null): string | null;
  getservbyport_rAsync(port: number, proto: string | null): Promise<string | null>;
  getprotobyname_r(name: string): number | null;
  getprotobyname_rAsync(name: string): Promise<number | null>;
  gethostname(): string;
  if_nameindex(): [number, string][];
  if_nametoindex(name: string): number;
  if_indextoname(index: number): string;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = require('node-gyp-build') as (dir: string) => unknown;

/** The addon for this environment (each worker_thread loads its own instance). */
export const binding = load(path.join(__dirname, '..')) as Binding;
