/**
 * Connection conveniences: Python's `create_connection`, `create_server` and
 * `has_dualstack_ipv6` (socket.py). None of them is one syscall; each says
 * which calls it makes.
 * @module
 */
import { Socket, type SocketOf } from './socket';
import { GaiError, SocketError, formatAddress } from './errors';
import { argTypeError } from './args';
import { getaddrinfo, getaddrinfoSync } from './netdb';
import { resolveAddress, type Address } from './address';
import {
  AF_INET,
  AF_INET6,
  IPPROTO_IPV6,
  IPV6_V6ONLY,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_REUSEADDR,
  SO_REUSEPORT,
} from './constants.generated';

/**
 * Options of {@link createConnection}.
 * @group Socket
 */
export interface CreateConnectionOptions {
  /**
   * Timeout of each connect attempt in seconds (`null`: blocking), and the
   * timeout the returned socket keeps. Default: {@link getdefaulttimeout}.
   */
  timeout?: number | null;
  /** An address to bind to before connecting (`[host, port]`), as Python's `source_address`. */
  sourceAddress?: Address | null;
  /** Aborts the whole call (lookup or attempt): the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * What one attempt of {@link createConnection} can fail with (a bind to a host of another family is a GaiError).
 * @group Errors
 */
export type AttemptError = SocketError | GaiError;

/**
 * Every attempt of {@link createConnection} failed: an `AggregateError`
 * (as node:net's own multi-address connect rejects with) whose `errors` are
 * all attempts' errors in getaddrinfo order (what Python 3.11 gives with
 * `all_errors=True`), and whose `code` / `errno` / `syscall` are those of
 * the *last* attempt (the error Python 3.11 raises by default), so
 * `e.code === 'ECONNREFUSED'` works as with a single connect. The message
 * lists each address and its code. It is not a `SocketError` instance.
 * @group Errors
 */
export class CreateConnectionError extends AggregateError {
  /** One error per address tried, in getaddrinfo order. */
  declare readonly errors: AttemptError[];
  /** The last attempt's code (`'ECONNREFUSED'`, `'ETIMEDOUT'`, `'EAI_ADDRFAMILY'` ...). */
  readonly code: string;
  /** The last attempt's errno (a positive errno, or the EAI_* value for a GaiError). */
  readonly errno: number;
  /** The last attempt's failing call (`'connect'`, `'bind'`, `'getaddrinfo'` ...). */
  readonly syscall: string;
  /** The `[host, port]` asked for. */
  readonly address: unknown;

  /** `tried[i]` is the sockaddr that attempt `i` was connecting to. */
  constructor(address: unknown, errors: AttemptError[], tried: unknown[]) {
    if (!Array.isArray(errors) || errors.length === 0) throw argTypeError('new CreateConnectionError', 'errors must be a non-empty array of errors');
    if (!Array.isArray(tried)) throw argTypeError('new CreateConnectionError', 'tried must be an array of addresses');
    const each = errors.map((e, i) => `${formatAddress(tried[i])} ${e.code}`).join(', ');
    super(errors, `createConnection to ${formatAddress(address)} failed: ${each}`);
    const last = errors[errors.length - 1];
    this.name = 'CreateConnectionError';
    this.code = last.code;
    this.errno = last.errno;
    this.syscall = last.syscall;
    this.address = address;
  }
}

/**
 * What {@link createConnection} returns: a TCP socket of AF_INET or AF_INET6
 * (whichever address connected), so its addresses are
 * `InetAddress | Inet6Address`: `[host, port, ...]`.
 * @group Socket
 */
export type InetStreamSocket = SocketOf<typeof AF_INET | typeof AF_INET6, typeof SOCK_STREAM>;

/**
 * A socket for one getaddrinfo(3) result of {@link createConnection}: asked
 * with AF_UNSPEC and SOCK_STREAM, getaddrinfo gives only AF_INET and
 * AF_INET6 results, so the socket's addresses are INET ones.
 */
function inetSocket(family: number, type: number, proto: number): InetStreamSocket {
  return new Socket(family, type, proto) as InetStreamSocket;
}

function checkHostPort(address: unknown, fn: string): [string | null, number | string | null] {
  if (!Array.isArray(address) || address.length !== 2) {
    throw new TypeError(`${fn}() address must be an array [host, port]`);
  }
  const [host, port] = address as [unknown, unknown];
  if (host !== null && typeof host !== 'string') throw new TypeError(`${fn}() host must be a string or null`);
  if (port !== null && typeof port !== 'string' && typeof port !== 'number') {
    throw new TypeError(`${fn}() port must be a number, a string or null`);
  }
  return [host, port];
}

/** Rejects with `signal.reason` as soon as it aborts, else settles as `p` does. */
function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/**
 * Connect a TCP socket to `[host, port]`, trying every address
 * getaddrinfo(3) gives for it (`getaddrinfo(host, port, 0, SOCK_STREAM)`)
 * in order: socket(2), bind(2) to `sourceAddress` if given, connect(2).
 * Not one syscall: Python's `socket.create_connection`.
 *
 * Each attempt gets the whole `timeout` (seconds; `null` blocking; default
 * the module default timeout) and the returned socket keeps it, as in
 * Python. The socket of a failed attempt is closed at once. When no address
 * connects, rejects with a {@link CreateConnectionError}: the last attempt's
 * code (as Python 3.11 raises by default) plus every attempt's error in
 * `errors` (Python's `all_errors=True`). A failed lookup rejects with its
 * {@link GaiError}, an abort with `signal.reason`.
 * @throws {@link CreateConnectionError} (a rejection) when no address
 * connects; {@link GaiError} when the name does not resolve.
 * @example
 * ```ts
 * const sock = await createConnection(['localhost', 8881], { timeout: 5 });
 * try {
 *   await sock.sendall(Buffer.from('hello\n'));
 *   console.log((await sock.recv(1024)).toString());
 * } finally {
 *   sock.close();
 * }
 * ```
 * @group Socket
 */
export async function createConnection(
  address: [host: string | null, port: number | string | null],
  options: CreateConnectionOptions = {},
): Promise<InetStreamSocket> {
  const [host, port] = checkHostPort(address, 'createConnection');
  const { timeout, sourceAddress, signal } = options;
  const infos = await abortable(getaddrinfo(host, port, 0, SOCK_STREAM), signal);
  const errors: AttemptError[] = [];
  const tried: unknown[] = [];
  for (const [family, type, proto, , sa] of infos) {
    const sock = inetSocket(family, type, proto);
    try {
      if (timeout !== undefined) sock.settimeout(timeout);
      if (sourceAddress) sock.bind(await abortable(Promise.resolve(resolveAddress(family, type, sourceAddress)), signal));
      await sock.connect(sa, { signal });
      return sock;
    } catch (e) {
      sock.close();
      if (!(e instanceof SocketError || e instanceof GaiError) || signal?.aborted) throw e;
      errors.push(e);
      tried.push(sa);
    }
  }
  if (errors.length === 0) throw new Error('getaddrinfo returns an empty list');
  throw new CreateConnectionError(address, errors, tried);
}

/**
 * createConnection, blocking the calling thread in each step. See {@link createConnection}.
 * @throws {@link CreateConnectionError} when no address connects; {@link GaiError}
 * when the name does not resolve.
 * @group Socket
 */
export function createConnectionSync(
  address: [host: string | null, port: number | string | null],
  options: Omit<CreateConnectionOptions, 'signal'> = {},
): InetStreamSocket {
  const [host, port] = checkHostPort(address, 'createConnectionSync');
  const { timeout, sourceAddress } = options;
  const infos = getaddrinfoSync(host, port, 0, SOCK_STREAM);
  const errors: AttemptError[] = [];
  const tried: unknown[] = [];
  for (const [family, type, proto, , sa] of infos) {
    const sock = inetSocket(family, type, proto);
    try {
      if (timeout !== undefined) sock.settimeout(timeout);
      if (sourceAddress) sock.bind(sourceAddress);
      sock.connectSync(sa);
      return sock;
    } catch (e) {
      sock.close();
      if (!(e instanceof SocketError || e instanceof GaiError)) throw e;
      errors.push(e);
      tried.push(sa);
    }
  }
  if (errors.length === 0) throw new Error('getaddrinfo returns an empty list');
  throw new CreateConnectionError(address, errors, tried);
}

/**
 * Options of {@link createServer}.
 * @group Socket
 */
export interface CreateServerOptions<F extends number = number> {
  /** AF_INET (default) or AF_INET6: the returned socket's addresses are typed by it. */
  family?: F;
  /** listen(2) backlog; default as `Socket.listen()` (min(SOMAXCONN, 128)). */
  backlog?: number;
  /** Set SO_REUSEPORT (Error where the platform lacks it). */
  reusePort?: boolean;
  /** Accept IPv4 and IPv6 on one AF_INET6 socket (IPV6_V6ONLY = 0). */
  dualstackIpv6?: boolean;
}

function checkServerOptions(options: CreateServerOptions): Required<Omit<CreateServerOptions, 'backlog'>> & { backlog?: number } {
  const { family = AF_INET, backlog, reusePort = false, dualstackIpv6 = false } = options;
  if (reusePort && SO_REUSEPORT === undefined) throw new Error('SO_REUSEPORT not supported on this platform');
  if (dualstackIpv6) {
    if (!hasDualstackIpv6()) throw new Error('dualstackIpv6 not supported on this platform');
    if (family !== AF_INET6) throw new RangeError('dualstackIpv6 requires the AF_INET6 family');
  }
  return { family, backlog, reusePort, dualstackIpv6 };
}

/** socket + setsockopts, before bind: the part of create_server that cannot block. */
function serverSocket(o: ReturnType<typeof checkServerOptions>): Socket {
  const sock = new Socket(o.family, SOCK_STREAM);
  try {
    // POSIX: restart a server at once on a port in TIME_WAIT. Python ignores
    // a failure here; so does this.
    try {
      sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    } catch (e) {
      if (!(e instanceof SocketError)) throw e;
    }
    if (o.reusePort) sock.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
    if (o.family === AF_INET6) sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, o.dualstackIpv6 ? 0 : 1);
  } catch (e) {
    sock.close();
    throw e;
  }
  return sock;
}

/**
 * A listening TCP socket bound to `address`: socket(2), setsockopt(2)
 * SO_REUSEADDR (POSIX), SO_REUSEPORT if `reusePort`, IPV6_V6ONLY (0 with
 * `dualstackIpv6`, else 1, for AF_INET6), bind(2), listen(2). Not one
 * syscall: Python's `socket.create_server`. A host name in `address` is
 * resolved on the thread pool. The socket is closed if any step fails.
 * @throws {@link SocketError} (a rejection) from a failed step, e.g.
 * `EADDRINUSE` from bind(2).
 * @example
 * ```ts
 * const srv = await createServer(['127.0.0.1', 0]);
 * const port = srv.getsockname()[1];
 * const [conn] = await srv.accept();
 * ```
 * @group Socket
 */
export function createServer<F extends number = typeof AF_INET>(address: Address, options?: CreateServerOptions<F>): Promise<SocketOf<F, typeof SOCK_STREAM>>;
export async function createServer(address: Address, options: CreateServerOptions = {}): Promise<Socket> {
  const o = checkServerOptions(options);
  const sock = serverSocket(o);
  try {
    sock.bind(await resolveAddress(o.family, SOCK_STREAM, address));
    sock.listen(o.backlog);
  } catch (e) {
    sock.close();
    throw e;
  }
  return sock;
}

/**
 * createServer, resolving a host name on this thread. See {@link createServer}.
 * @throws {@link SocketError} from a failed step, e.g. `EADDRINUSE` from bind(2).
 * @group Socket
 */
export function createServerSync<F extends number = typeof AF_INET>(address: Address, options?: CreateServerOptions<F>): SocketOf<F, typeof SOCK_STREAM>;
export function createServerSync(address: Address, options: CreateServerOptions = {}): Socket {
  const o = checkServerOptions(options);
  const sock = serverSocket(o);
  try {
    sock.bind(address);
    sock.listen(o.backlog);
  } catch (e) {
    sock.close();
    throw e;
  }
  return sock;
}

/**
 * Whether one AF_INET6 socket can accept IPv4 and IPv6 connections: socket(2)
 * AF_INET6 and setsockopt(2) IPV6_V6ONLY = 0 on it (then close). Not one
 * syscall: Python's `socket.has_dualstack_ipv6()`.
 * @group Socket
 */
export function hasDualstackIpv6(): boolean {
  if (AF_INET6 === undefined || IPPROTO_IPV6 === undefined || IPV6_V6ONLY === undefined) return false;
  let sock: Socket | undefined;
  try {
    sock = new Socket(AF_INET6, SOCK_STREAM);
    sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0);
    return true;
  } catch (e) {
    if (e instanceof SocketError) return false;
    throw e;
  } finally {
    sock?.close();
  }
}
