/**
 * The one loader of the native addon. No build path is hard-coded anywhere
 * else. Which file it loads, first match wins:
 *
 * 1. `BSDSOCK_BINARY=/path/to/bsdsock.node` in the environment: that exact
 *    file and nothing else (a sanitizer or debug build, a binary built
 *    elsewhere). A relative path is taken from the current directory. If it
 *    cannot be loaded, the error says so; there is no fallback.
 * 2. The local build, `build/Release/bsdsock.node` then `build/Debug/`
 *    (made by `npm install` from source, `npm rebuild bsdsock`,
 *    `npx node-gyp rebuild`).
 * 3. A prebuilt binary shipped in the package, `prebuilds/<platform>-<arch>/`
 *    (prebuildify, N-API: one per platform, arch and libc), found by
 *    node-gyp-build. node-gyp-build's own `BSDSOCK_PREBUILD=<dir>` (a package
 *    directory to look in instead) works too.
 *
 * When none loads, the error names the platform and the command that fixes
 * it, instead of node-gyp-build's "No native build was found".
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
  /** The peer's address, the new fd in `result[0]`; or -errno. */
  accept(fd: number): unknown;
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
  /** The sender's address (null if none), the count in `result[0]`; or -errno. */
  recvfrom_into(fd: number, buf: ArrayBufferView | ArrayBuffer, nbytes: number, flags: number): unknown;
  /** Where recvfrom_into and accept leave their count / fd. */
  result: Int32Array;
  fcntl(fd: number, cmd: number, arg?: number): number;
  dup(fd: number): number;
  poll(fd: number, events: number, timeoutMs: number): number;
  detach(fd: number): void;
  /** Take ownership of a foreign fd: 0, -EBUSY if a live Socket owns it already, or -errno. */
  adopt(fd: number): number;
  /** st_ino of the fd, or -errno. */
  fdIno(fd: number): number;
  // poll.cc: the readiness handles (see lib/readiness.ts for the protocol)
  pollSetup(dispatch: (count: number) => void): [Int32Array, Uint8Array];
  pollInto(id: number, buffer: Uint8Array | null, nbytes: number): void;
  pollOpen(fd: number): number;
  pollStart(id: number, events: number, verify?: boolean): number;
  pollClose(id: number): void;
  pollRef(on: boolean): void;
  UV_READABLE: number;
  UV_WRITABLE: number;
  constants: Record<string, number>;
  internal: Record<string, number>;
  // msg.cc
  sendmsg(fd: number, buffers: unknown[], ancdata: unknown[], flags: number, addr: unknown, family: number): number;
  recvmsg(fd: number, buffers: unknown[], ancbufsize: number, flags: number): unknown[] | number;
  recvmmsg(fd: number, buffers: unknown[], meta: Int32Array, names: Buffer | null, flags: number): number;
  recvmmsg_slab(fd: number, slab: Uint8Array, slot: number, vlen: number, meta: Int32Array, names: Buffer | null, flags: number): number;
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
const nodeGypBuild = require('node-gyp-build') as { resolve(dir: string): string };

/** The package root: dist/.. (built) or lib/.. (tests run the sources). */
const root = path.join(__dirname, '..');

function libc(): string {
  // What node-gyp-build matches prebuilds against (LIBC overrides it there too).
  if (process.env.LIBC) return process.env.LIBC;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime ? `glibc ${report.header.glibcVersionRuntime}` : 'musl or another libc';
}

function target(): string {
  return `${process.platform}-${process.arch}, ${libc()}, Node ${process.versions.node} (N-API ${process.versions.napi})`;
}

function loadFile(file: string, what: string): Binding {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file) as Binding;
  } catch (err) {
    throw new Error(`bsdsock: cannot load the native addon ${file} (${what}) on ${target()}: ${(err as Error).message}`, { cause: err });
  }
}

function load(): { binding: Binding; file: string } {
  const env = process.env.BSDSOCK_BINARY;
  if (env) {
    const file = path.resolve(env);
    return { binding: loadFile(file, 'from BSDSOCK_BINARY'), file };
  }
  let file: string;
  try {
    file = nodeGypBuild.resolve(root);
  } catch (err) {
    if (!/No native build was found/.test((err as Error).message)) throw err;
    throw new Error(
      `bsdsock: no native addon for ${target()}. ` +
        `No prebuilt binary in ${path.join(root, 'prebuilds')} matches this platform, and it was not built from ` +
        `source (${path.join(root, 'build', 'Release', 'bsdsock.node')} does not exist): the package's install script ` +
        `did not run (npm --ignore-scripts or npm's allowScripts, pnpm without approving its build) or failed. ` +
        `Fix: run \`npm rebuild bsdsock\` (pnpm: \`pnpm approve-builds\`, then \`pnpm rebuild bsdsock\`), ` +
        `which builds it with node-gyp: that needs a C++ compiler, make and Python 3. ` +
        `Or point BSDSOCK_BINARY at a built bsdsock.node.`,
      { cause: err },
    );
  }
  return { binding: loadFile(file, path.relative(root, file)), file };
}

const loaded = load();

/**
 * The addon's own exports object, one per environment (each worker_thread
 * loads its own instance). State that every copy of this library in the
 * environment must share (the CommonJS and the ESM build, a bundled one)
 * lives on it: see readiness.ts.
 */
export const addon: object = loaded.binding;

/**
 * The addon's functions, in a fast-mode object. The exports object itself
 * is in dictionary mode (its ~70 properties are set one at a time), so every
 * `binding.send` from optimized code was a LoadIC call: ~150 instructions,
 * six per TCP round trip (callgrind). A spread copy's loads are inlined.
 */
export const binding: Binding = { ...(loaded.binding as Binding) };

/** The absolute path of the .node file that {@link binding} came from. */
export const bindingPath: string = loaded.file;
