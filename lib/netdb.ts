/**
 * Name and service resolution: Python's `getaddrinfo`, `getnameinfo`,
 * `gethostbyname`, `gethostbyname_ex`, `gethostbyaddr`, `gethostname`,
 * `getfqdn`, `getservbyname`, `getservbyport`, `getprotobyname` and the
 * `if_*` interface functions.
 *
 * Each lookup is async (the C call runs on the libuv thread pool, never on
 * the event loop) and has a `...Sync` twin that blocks the calling thread.
 * Only reentrant C calls are used (getaddrinfo, getnameinfo,
 * gethostbyname_r, gethostbyaddr_r, getservbyname_r, getservbyport_r,
 * getprotobyname_r), since pool threads run them concurrently.
 *
 * Where Python composes several C calls (its `setipaddr` step before
 * `gethostbyname_ex` / `gethostbyaddr`, or `getfqdn` in socket.py), this
 * module does the same composition once, as a generator of C calls that is
 * driven either synchronously or on the pool: the two twins cannot drift.
 *
 * Differences from Python, on purpose: a port outside 0..65535 is a
 * RangeError (Python hands `'%d'` to the C library, and glibc silently wraps
 * 70000 to 4464); "not found" from the services / protocols / interface
 * databases is a SocketError with `code` `'ENOENT'` / `'ENODEV'` and
 * Python's message (Python raises an OSError without errno there).
 * @module
 */
import * as os from 'node:os';
import { domainToASCII } from 'node:url';
import { binding } from './binding';
import { GaiError, HostError, SocketError } from './errors';
import { AF_INET, AF_INET6, AF_UNSPEC, AI_NUMERICHOST, AI_PASSIVE, SOCK_DGRAM } from './constants.generated';
import type { Address, InetAddress, Inet6Address } from './address';

binding.setGaiErrorFactory(
  (errno: number, code: string, message: string, syscall: string, host?: string) =>
    new GaiError(errno, code, message, syscall, host),
);

const { EAFNOSUPPORT, ENOENT, ENODEV, EINVAL } = os.constants.errno;

/**
 * One getaddrinfo result: `[family, type, proto, canonname, sockaddr]`, as in Python.
 * @group Resolution
 */
export type AddrInfo = [family: number, type: number, proto: number, canonname: string, sockaddr: Address];

/**
 * A gethostby* answer: `[hostname, aliases, addresses]`, as Python's `gethostbyname_ex`.
 * @group Resolution
 */
export type HostEntry = [hostname: string, aliaslist: string[], ipaddrlist: string[]];

// ---- argument checks (before any C call) -----------------------------------

/** A host name as the C resolver wants it: IDNA (punycode) when it is not ASCII, as Python encodes with 'idna'. */
function hostText(host: unknown, fn: string, what = 'host'): string {
  if (typeof host !== 'string') throw new TypeError(`${fn}() ${what} must be a string, not ${typeOf(host)}`);
  if (host.includes('\0')) throw new TypeError(`${fn}() ${what} must not contain NUL characters`);
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(host)) return host;
  const ascii = domainToASCII(host);
  if (ascii === '') throw new TypeError(`${fn}() ${what} is not a valid IDNA host name: ${JSON.stringify(host)}`);
  return ascii;
}

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function checkPort(port: unknown, fn: string): number {
  if (typeof port !== 'number' || !Number.isInteger(port)) throw new TypeError(`${fn}() port must be an integer, not ${typeOf(port)}`);
  if (port < 0 || port > 65535) throw new RangeError(`${fn}(): port must be 0-65535, got ${port}`);
  return port;
}

function checkInt(v: unknown, name: string, fn: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${fn}() ${name} must be an integer, not ${typeOf(v)}`);
  if (v < -0x80000000 || v > 0x7fffffff) throw new RangeError(`${fn}() ${name} must be a 32-bit integer, got ${v}`);
  return v;
}

function gaiArgs(
  host: unknown,
  port: unknown,
  family: unknown,
  type: unknown,
  proto: unknown,
  flags: unknown,
): [string | null, string | null, number, number, number, number] {
  const fn = 'getaddrinfo';
  const h = host === null || host === undefined ? null : hostText(host, fn);
  let p: string | null;
  if (port === null || port === undefined) p = null;
  else if (typeof port === 'number') p = String(checkPort(port, fn));
  else if (typeof port === 'string') {
    if (port.includes('\0')) throw new TypeError(`${fn}() port must not contain NUL characters`);
    // A decimal port past 65535 would be wrapped by glibc (70000 -> 4464).
    if (/^\d+$/.test(port) && Number(port) > 65535) throw new RangeError(`${fn}(): port must be 0-65535, got ${port}`);
    p = port;
  } else throw new TypeError(`${fn}() port must be an integer, a string or null, not ${typeOf(port)}`);
  return [h, p, checkInt(family, 'family', fn), checkInt(type, 'type', fn), checkInt(proto, 'proto', fn), checkInt(flags, 'flags', fn)];
}

// ---- one composition, two drivers -----------------------------------------

/**
 * A C call of the binding table: the sync binding is `name`, the pool one
 * `name + 'Async'`.
 */
interface Call {
  name:
    | 'getaddrinfo'
    | 'getnameinfo'
    | 'gethostbyname_r'
    | 'gethostbyaddr_r'
    | 'getservbyname_r'
    | 'getservbyport_r'
    | 'getprotobyname_r';
  args: unknown[];
}
type Steps<T> = Generator<Call, T, unknown>;

function* call(name: Call['name'], ...args: unknown[]): Generator<Call, unknown, unknown> {
  return yield { name, args };
}

type AnyFn = (...a: unknown[]) => unknown;
const table = binding as unknown as Record<string, AnyFn>;

/** Drives the steps on this thread: every C call blocks. */
function runSync<T>(steps: Steps<T>): T {
  let r = steps.next();
  while (!r.done) {
    let v: unknown;
    try {
      v = table[r.value.name](...r.value.args);
    } catch (e) {
      r = steps.throw(e);
      continue;
    }
    r = steps.next(v);
  }
  return r.value;
}

/** Drives the steps with every C call on the libuv thread pool. */
async function runAsync<T>(steps: Steps<T>): Promise<T> {
  let r = steps.next();
  while (!r.done) {
    let v: unknown;
    try {
      v = await table[`${r.value.name}Async`](...r.value.args);
    } catch (e) {
      r = steps.throw(e);
      continue;
    }
    r = steps.next(v);
  }
  return r.value;
}

/** Runs `make` (argument checks included) so that an argument error rejects rather than throws. */
function runAsyncChecked<T>(make: () => Steps<T>): Promise<T> {
  try {
    return runAsync(make());
  } catch (e) {
    return Promise.reject(e);
  }
}

// ---- getaddrinfo / getnameinfo ------------------------------------------------

function* gaiSteps(
  host: string | null,
  port: string | null,
  family: number,
  type: number,
  proto: number,
  flags: number,
): Steps<AddrInfo[]> {
  return (yield* call('getaddrinfo', host, port, family, type, proto, flags)) as AddrInfo[];
}

/**
 * getaddrinfo(3), on the thread pool: the socket addresses for `host` and
 * `port`, `[family, type, proto, canonname, sockaddr][]`.
 * Python: `socket.getaddrinfo(host, port, family=0, type=0, proto=0, flags=0)`.
 *
 * `host` `null` is the C NULL (the loopback addresses, or the wildcard ones
 * with AI_PASSIVE); `''` is an empty name, which glibc rejects with
 * EAI_NONAME, exactly as in Python. `port` is a number (0..65535, else
 * RangeError), a service name or numeric string (`'http'`, `'80'`), or
 * `null` (port 0 in the results). A non-ASCII host is IDNA-encoded first, as
 * Python does. Every `AI_*` flag is passed to the C call as given.
 * Rejects with {@link GaiError} (`code` `'EAI_NONAME'` ...); EAI_SYSTEM
 * becomes the {@link SocketError} of errno.
 * @throws {@link GaiError} (a rejection) when the lookup fails; TypeError /
 * RangeError (a rejection too) for a bad argument.
 * @example
 * ```ts
 * for (const [family, type, proto, , sockaddr] of await getaddrinfo('localhost', 80, 0, SOCK_STREAM)) {
 *   console.log(AddressFamily[family], sockaddr); // AF_INET [ '127.0.0.1', 80 ] ...
 * }
 * ```
 * @group Resolution
 */
export function getaddrinfo(
  host: string | null | undefined,
  port: string | number | null | undefined,
  family = 0,
  type = 0,
  proto = 0,
  flags = 0,
): Promise<AddrInfo[]> {
  return runAsyncChecked(() => gaiSteps(...gaiArgs(host, port, family, type, proto, flags)));
}

/**
 * getaddrinfo(3), blocking the calling thread. See {@link getaddrinfo}.
 * @throws {@link GaiError} when the lookup fails; TypeError / RangeError for a bad argument.
 * @group Resolution
 */
export function getaddrinfoSync(
  host: string | null | undefined,
  port: string | number | null | undefined,
  family = 0,
  type = 0,
  proto = 0,
  flags = 0,
): AddrInfo[] {
  return runSync(gaiSteps(...gaiArgs(host, port, family, type, proto, flags)));
}

function* nameinfoSteps(sockaddr: unknown, flags: unknown): Steps<[string, string]> {
  const fn = 'getnameinfo';
  if (!Array.isArray(sockaddr)) throw new TypeError(`${fn}() argument 1 must be an array [host, port, flowinfo?, scopeId?], not ${typeOf(sockaddr)}`);
  if (sockaddr.length < 2 || sockaddr.length > 4) throw new TypeError(`${fn}(): illegal sockaddr argument (2 to 4 elements, got ${sockaddr.length})`);
  const host = hostText(sockaddr[0], fn);
  const port = checkPort(sockaddr[1], fn);
  const flowinfo = sockaddr[2] === undefined ? 0 : checkInt(sockaddr[2], 'flowinfo', fn);
  if (flowinfo < 0 || flowinfo > 0xfffff) throw new RangeError(`${fn}(): flowinfo must be 0-1048575, got ${flowinfo}`);
  const scopeId = sockaddr[3] === undefined ? undefined : checkUint32(sockaddr[3], 'scopeId', fn);
  const f = checkInt(flags, 'flags', fn);
  // As CPython: the host must be numeric (AI_NUMERICHOST: no name lookup);
  // getaddrinfo parses it (old IPv4 forms and '%scope' included).
  const infos = (yield* call('getaddrinfo', host, String(port), AF_UNSPEC, SOCK_DGRAM, 0, AI_NUMERICHOST)) as AddrInfo[];
  if (infos.length !== 1) throw new SocketError(EINVAL, fn, sockaddr, 'sockaddr resolved to multiple addresses');
  const [fam, , , , sa] = infos[0];
  let addr: InetAddress | Inet6Address;
  if (fam === AF_INET) {
    if (sockaddr.length !== 2) throw new TypeError(`${fn}(): IPv4 sockaddr must be 2 elements [host, port]`);
    addr = sa as InetAddress;
  } else {
    const a = sa as [string, number, number, number];
    // Python overwrites the scope with the tuple's (0 when absent), losing a
    // '%lo' suffix; here an explicit scopeId wins and a suffix is kept.
    addr = [a[0], a[1], flowinfo, scopeId ?? a[3]];
  }
  return (yield* call('getnameinfo', fam, addr, f)) as [string, string];
}

function checkUint32(v: unknown, name: string, fn: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`${fn}() ${name} must be an integer, not ${typeOf(v)}`);
  if (v < 0 || v > 0xffffffff) throw new RangeError(`${fn}(): ${name} must be 0-4294967295, got ${v}`);
  return v;
}

/**
 * getnameinfo(3), on the thread pool: `[host, service]` for a numeric
 * `[host, port]` / `[host, port, flowinfo, scopeId]` address, with any
 * `NI_*` flags (NI_NUMERICHOST, NI_NUMERICSERV, NI_NAMEREQD, NI_NOFQDN,
 * NI_DGRAM, ...). The host is parsed with getaddrinfo(AI_NUMERICHOST) first,
 * as CPython does: a name is GaiError EAI_NONAME, never looked up.
 * Python: `socket.getnameinfo(sockaddr, flags)`.
 * @throws {@link GaiError} (a rejection) when the lookup fails.
 * @group Resolution
 */
export function getnameinfo(sockaddr: InetAddress | Inet6Address, flags = 0): Promise<[host: string, port: string]> {
  return runAsyncChecked(() => nameinfoSteps(sockaddr, flags));
}

/**
 * getnameinfo(3), blocking the calling thread. See {@link getnameinfo}.
 * @throws {@link GaiError} when the lookup fails.
 * @group Resolution
 */
export function getnameinfoSync(sockaddr: InetAddress | Inet6Address, flags = 0): [host: string, port: string] {
  return runSync(nameinfoSteps(sockaddr, flags));
}

// ---- the gethostby* family ----------------------------------------------------------

/** Python's `setipaddr`: the one address `name` stands for, `[family, text address]`. */
function* setipaddr(name: string, af: number, fn: string): Steps<[number, string]> {
  if (name === '') {
    // The wildcard address of `af`, from the C library.
    const infos = (yield* call('getaddrinfo', null, '0', af, SOCK_DGRAM, 0, AI_PASSIVE)) as AddrInfo[];
    if (infos.length !== 1) throw new SocketError(EINVAL, fn, name, 'wildcard resolved to multiple address');
    return [infos[0][0], (infos[0][4] as InetAddress)[0]];
  }
  if (name === '255.255.255.255' || name === '<broadcast>') {
    if (af !== AF_INET && af !== AF_UNSPEC) throw new SocketError(EAFNOSUPPORT, fn, name, 'address family mismatched');
    return [AF_INET, '255.255.255.255'];
  }
  // A numeric address is not looked up (strict inet_pton forms only; a
  // '%scope' goes to getaddrinfo, which knows interface names).
  if ((af === AF_UNSPEC || af === AF_INET) && binding.inet_pton(AF_INET, name) !== null) return [AF_INET, name];
  if ((af === AF_UNSPEC || af === AF_INET6) && !name.includes('%')) {
    const b = binding.inet_pton(AF_INET6, name);
    if (b !== null) return [AF_INET6, binding.inet_ntop(AF_INET6, b)];
  }
  const infos = (yield* call('getaddrinfo', name, null, af, 0, 0, 0)) as AddrInfo[];
  return [infos[0][0], (infos[0][4] as InetAddress)[0]];
}

const HERRNO_NAMES: Record<number, string> = {
  [-1]: 'NETDB_INTERNAL',
  1: 'HOST_NOT_FOUND',
  2: 'TRY_AGAIN',
  3: 'NO_RECOVERY',
  4: 'NO_DATA',
};

/** Python's `gethost_common`: a hostent answer, or the HostError of its h_errno. */
function hostEntry(r: unknown, af: number, syscall: string): HostEntry {
  if (typeof r === 'number') {
    throw new HostError(r, HERRNO_NAMES[r] ?? `HERRNO_${r}`, binding.hstrerror(r), syscall);
  }
  const [name, aliases, addrs, addrtype] = r as [string, string[], string[], number];
  if (addrtype !== af) throw new SocketError(EAFNOSUPPORT, syscall);
  return [name, aliases, addrs];
}

function* hostbynameSteps(hostname: unknown): Steps<string> {
  const name = hostText(hostname, 'gethostbyname', 'hostname');
  return (yield* setipaddr(name, AF_INET, 'gethostbyname'))[1];
}

function* hostbynameExSteps(hostname: unknown): Steps<HostEntry> {
  const name = hostText(hostname, 'gethostbynameEx', 'hostname');
  const [af] = yield* setipaddr(name, AF_INET, 'gethostbyname_r');
  return hostEntry(yield* call('gethostbyname_r', name), af, 'gethostbyname_r');
}

function* hostbyaddrSteps(ipAddress: unknown): Steps<HostEntry> {
  const name = hostText(ipAddress, 'gethostbyaddr', 'ip_address');
  const [af, text] = yield* setipaddr(name, AF_UNSPEC, 'gethostbyaddr_r');
  const packed = binding.inet_pton(af, text.replace(/%.*$/, ''))!;
  return hostEntry(yield* call('gethostbyaddr_r', af, packed), af, 'gethostbyaddr_r');
}

/**
 * The IPv4 address of `hostname` as text. Like CPython, this is
 * getaddrinfo(3) with AF_INET (the one thread-safe way), not gethostbyname(3);
 * `''` is `'0.0.0.0'` and `'<broadcast>'` is `'255.255.255.255'`. Runs on the
 * thread pool; rejects with {@link GaiError}.
 * Python: `socket.gethostbyname(hostname)`.
 * @throws {@link GaiError} (a rejection) when the name does not resolve.
 * @group Resolution
 */
export function gethostbyname(hostname: string): Promise<string> {
  return runAsyncChecked(() => hostbynameSteps(hostname));
}
/**
 * gethostbyname, blocking the calling thread. See {@link gethostbyname}.
 * @throws {@link GaiError} when the name does not resolve.
 * @group Resolution
 */
export function gethostbynameSync(hostname: string): string {
  return runSync(hostbynameSteps(hostname));
}

/**
 * `[hostname, aliases, addresses]` of `hostname` (IPv4): gethostbyname_r(3)
 * after checking, as CPython does, that getaddrinfo(3) knows the name (so
 * an unknown name is a {@link GaiError}; a gethostbyname_r failure is a
 * {@link HostError} with h_errno). Runs on the thread pool.
 * Python: `socket.gethostbyname_ex(hostname)`.
 * @throws {@link GaiError} (a rejection) when the name does not resolve.
 * @group Resolution
 */
export function gethostbynameEx(hostname: string): Promise<HostEntry> {
  return runAsyncChecked(() => hostbynameExSteps(hostname));
}
/**
 * gethostbyname_ex, blocking the calling thread. See {@link gethostbynameEx}.
 * @throws {@link GaiError} when the name does not resolve.
 * @group Resolution
 */
export function gethostbynameExSync(hostname: string): HostEntry {
  return runSync(hostbynameExSteps(hostname));
}

/**
 * `[hostname, aliases, addresses]` for an address (a name is resolved to its
 * first address first, with getaddrinfo(3)): gethostbyaddr_r(3), IPv4 or
 * IPv6. Unknown address: {@link HostError} `HOST_NOT_FOUND`. Runs on the
 * thread pool. Python: `socket.gethostbyaddr(ip_address)`.
 * @throws {@link HostError} (a rejection) when the address has no name.
 * @group Resolution
 */
export function gethostbyaddr(ipAddress: string): Promise<HostEntry> {
  return runAsyncChecked(() => hostbyaddrSteps(ipAddress));
}
/**
 * gethostbyaddr, blocking the calling thread. See {@link gethostbyaddr}.
 * @throws {@link HostError} when the address has no name; {@link GaiError} when
 * `ipAddress` is neither an address nor a resolvable name.
 * @group Resolution
 */
export function gethostbyaddrSync(ipAddress: string): HostEntry {
  return runSync(hostbyaddrSteps(ipAddress));
}

/**
 * gethostname(2): this machine's host name. No lookup and no I/O; the async
 * form only keeps the module's shape (it resolves at once).
 * Python: `socket.gethostname()`.
 * @group Resolution
 */
export async function gethostname(): Promise<string> {
  return binding.gethostname();
}
/**
 * gethostname(2). See {@link gethostname}.
 * @group Resolution
 */
export function gethostnameSync(): string {
  return binding.gethostname();
}

function* fqdnSteps(name: unknown): Steps<string> {
  if (typeof name !== 'string') throw new TypeError(`getfqdn() name must be a string, not ${typeOf(name)}`);
  let n = name.trim();
  if (n === '' || n === '0.0.0.0' || n === '::') n = binding.gethostname();
  let entry: HostEntry;
  try {
    entry = yield* hostbyaddrSteps(n);
  } catch (e) {
    if (e instanceof SocketError || e instanceof GaiError || e instanceof HostError) return n;
    throw e;
  }
  const [hostname, aliases] = entry;
  return [hostname, ...aliases].find((a) => a.includes('.')) ?? hostname;
}

/**
 * A fully qualified domain name for `name` (default: this host). Not one C
 * call: Python's recipe from socket.py, gethostname(2) then gethostbyaddr
 * (getaddrinfo(3) + gethostbyaddr_r(3)); the first of the host name and its
 * aliases that contains a dot, else the host name; `name` itself when the
 * lookup fails. Runs on the thread pool. Python: `socket.getfqdn(name='')`.
 * @group Resolution
 */
export function getfqdn(name = ''): Promise<string> {
  return runAsyncChecked(() => fqdnSteps(name));
}
/**
 * getfqdn, blocking the calling thread. See {@link getfqdn}.
 * @group Resolution
 */
export function getfqdnSync(name = ''): string {
  return runSync(fqdnSteps(name));
}

// ---- services and protocols -------------------------------------------------------

function optProto(p: unknown, fn: string): string | null {
  if (p === undefined || p === null) return null;
  return hostText(p, fn, 'protocolname');
}

function* servbynameSteps(servicename: unknown, protocolname: unknown): Steps<number> {
  const name = hostText(servicename, 'getservbyname', 'servicename');
  const proto = optProto(protocolname, 'getservbyname');
  const r = yield* call('getservbyname_r', name, proto);
  if (r === null) throw new SocketError(ENOENT, 'getservbyname_r', undefined, 'service/proto not found');
  return r as number;
}

function* servbyportSteps(port: unknown, protocolname: unknown): Steps<string> {
  const p = checkPort(port, 'getservbyport');
  const proto = optProto(protocolname, 'getservbyport');
  const r = yield* call('getservbyport_r', p, proto);
  if (r === null) throw new SocketError(ENOENT, 'getservbyport_r', undefined, 'port/proto not found');
  return r as string;
}

function* protobynameSteps(protocolname: unknown): Steps<number> {
  const name = hostText(protocolname, 'getprotobyname', 'protocolname');
  const r = yield* call('getprotobyname_r', name);
  if (r === null) throw new SocketError(ENOENT, 'getprotobyname_r', undefined, 'protocol not found');
  return r as number;
}

/**
 * getservbyname_r(3), on the thread pool: the port of a service name
 * (`'http'` -> 80), for `protocolname` (`'tcp'`, `'udp'`) or any. Not found:
 * SocketError `ENOENT` "service/proto not found".
 * Python: `socket.getservbyname(servicename, protocolname=None)`.
 * @throws {@link SocketError} `ENOENT` (a rejection) when the service is not known.
 * @group Resolution
 */
export function getservbyname(servicename: string, protocolname?: string | null): Promise<number> {
  return runAsyncChecked(() => servbynameSteps(servicename, protocolname));
}
/**
 * getservbyname_r(3), blocking the calling thread. See {@link getservbyname}.
 * @throws {@link SocketError} `ENOENT` when the service is not known.
 * @group Resolution
 */
export function getservbynameSync(servicename: string, protocolname?: string | null): number {
  return runSync(servbynameSteps(servicename, protocolname));
}

/**
 * getservbyport_r(3), on the thread pool: the service name of a port
 * (80 -> `'http'`). Port outside 0..65535: RangeError. Not found:
 * SocketError `ENOENT` "port/proto not found".
 * Python: `socket.getservbyport(port, protocolname=None)`.
 * @throws {@link SocketError} `ENOENT` (a rejection) when no service has this port;
 * RangeError (a rejection) for a port outside 0-65535.
 * @group Resolution
 */
export function getservbyport(port: number, protocolname?: string | null): Promise<string> {
  return runAsyncChecked(() => servbyportSteps(port, protocolname));
}
/**
 * getservbyport_r(3), blocking the calling thread. See {@link getservbyport}.
 * @throws {@link SocketError} `ENOENT` when no service has this port; RangeError
 * for a port outside 0-65535.
 * @group Resolution
 */
export function getservbyportSync(port: number, protocolname?: string | null): string {
  return runSync(servbyportSteps(port, protocolname));
}

/**
 * getprotobyname_r(3), on the thread pool: the number of a protocol name
 * (`'tcp'` -> 6). Not found: SocketError `ENOENT` "protocol not found".
 * Python: `socket.getprotobyname(protocolname)`.
 * @throws {@link SocketError} `ENOENT` (a rejection) when the protocol is not known.
 * @group Resolution
 */
export function getprotobyname(protocolname: string): Promise<number> {
  return runAsyncChecked(() => protobynameSteps(protocolname));
}
/**
 * getprotobyname_r(3), blocking the calling thread. See {@link getprotobyname}.
 * @throws {@link SocketError} `ENOENT` when the protocol is not known.
 * @group Resolution
 */
export function getprotobynameSync(protocolname: string): number {
  return runSync(protobynameSteps(protocolname));
}

// ---- network interfaces (synchronous: kernel queries, no resolver) -------------

/**
 * if_nameindex(3): every network interface, `[index, name][]`.
 * Python: `socket.if_nameindex()`.
 * @group Resolution
 */
export function ifNameindex(): [index: number, name: string][] {
  return binding.if_nameindex();
}

/**
 * if_nametoindex(3): the index of interface `ifname`. Unknown name:
 * SocketError `ENODEV` "no interface with this name".
 * Python: `socket.if_nametoindex(if_name)`.
 * @throws {@link SocketError} `ENODEV` when there is no interface with this name.
 * @group Resolution
 */
export function ifNametoindex(ifname: string): number {
  const name = hostText(ifname, 'ifNametoindex', 'ifname');
  const i = binding.if_nametoindex(name);
  if (i === 0) throw new SocketError(ENODEV, 'if_nametoindex', name, 'no interface with this name');
  return i;
}

/**
 * if_indextoname(3): the name of interface number `ifindex`. Unknown index:
 * SocketError `ENXIO`, as in Python. Python: `socket.if_indextoname(if_index)`.
 * @throws {@link SocketError} `ENXIO` when no interface has this index.
 * @group Resolution
 */
export function ifIndextoname(ifindex: number): string {
  checkUint32(ifindex, 'ifindex', 'ifIndextoname');
  return binding.if_indextoname(ifindex);
}
