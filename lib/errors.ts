/**
 * The error classes (Python's `OSError`, `socket.timeout`, `socket.gaierror`,
 * `socket.herror`) and the one helper that turns an errno into an error. The
 * native layer throws through the same helper (it is registered below).
 * @module
 */
import * as os from 'node:os';
import * as util from 'node:util';
import { binding } from './binding';
import { argTypeError, describe } from './args';

const errnoNames = new Map<number, string>();
for (const [name, value] of Object.entries(os.constants.errno)) {
  if (!errnoNames.has(value)) errnoNames.set(value, name);
}

/** The errno name (`'ECONNREFUSED'`) for a positive errno value. */
export function errnoCode(errno: number): string {
  const name = util.getSystemErrorName(-errno);
  if (!name.startsWith('Unknown')) return name;
  return errnoNames.get(errno) ?? `E${errno}`;
}

/** Formats an address the way it is printed in messages: `127.0.0.1:80`, `[::1]:80`, a path. */
export function formatAddress(address: unknown): string {
  try {
    return formatAddressOf(address);
  } catch {
    return '<address>'; // a revoked Proxy, say: the message must still be made
  }
}

function formatAddressOf(address: unknown): string {
  if (Array.isArray(address) && typeof address[0] === 'string' && typeof address[1] === 'number') {
    return address[0].includes(':') ? `[${address[0]}]:${address[1]}` : `${address[0]}:${address[1]}`;
  }
  if (typeof address === 'string') return address;
  if (Buffer.isBuffer(address)) return JSON.stringify(address.toString('latin1'));
  return util.inspect(address);
}

/** An error class's constructor argument of the wrong type: TypeError naming the class (the error must not fail obscurely). */
function need(cls: string, what: string, v: unknown, type: 'integer' | 'string', optional = false): void {
  if (optional && v === undefined) return;
  if (type === 'integer' ? typeof v === 'number' && Number.isInteger(v) : typeof v === 'string') return;
  throw argTypeError(`new ${cls}`, `${what} must be ${type === 'integer' ? 'an integer' : 'a string'}, not ${describe(v)}`);
}

/**
 * An OS error from a socket call: Python's `OSError`. `code` is the errno name
 * (`'ECONNREFUSED'`), `errno` the positive C value (equal to
 * `os.constants.errno[code]`), `syscall` the call that failed, and `address`
 * the address involved, when there was one.
 * @example
 * ```ts
 * try {
 *   await sock.connect(['127.0.0.1', 1]);
 * } catch (err) {
 *   if (err instanceof SocketError && err.code === 'ECONNREFUSED') console.log('nobody listens');
 *   else throw err;
 * }
 * ```
 * @group Errors
 */
export class SocketError extends Error {
  /** The errno name, e.g. `'ECONNREFUSED'`. */
  readonly code: string;
  /** The positive C errno value, equal to `os.constants.errno[code]`. */
  readonly errno: number;
  /** The call that failed, e.g. `'connect'`. */
  readonly syscall: string;
  /** The address involved, when there was one (as given, host names resolved). */
  readonly address?: unknown;

  constructor(errno: number, syscall: string, address?: unknown, message?: string) {
    need('SocketError', 'errno', errno, 'integer');
    need('SocketError', 'syscall', syscall, 'string');
    need('SocketError', 'message', message, 'string', true);
    const code = errnoCode(errno);
    const where = address === undefined ? '' : ` ${formatAddress(address)}`;
    super(message ?? `${syscall} ${code}: ${binding.strerror(errno)}${where}`);
    this.name = 'SocketError';
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
    if (address !== undefined) this.address = address;
  }
}

/**
 * An operation did not complete before the socket's timeout: Python's
 * `socket.timeout` (`TimeoutError`). `code` is `'ETIMEDOUT'`; the message
 * says what timed out and where: `connect timed out 127.0.0.1:49545`.
 * @group Errors
 */
export class SocketTimeoutError extends SocketError {
  constructor(syscall: string, address?: unknown) {
    need('SocketTimeoutError', 'syscall', syscall, 'string');
    super(os.constants.errno.ETIMEDOUT, syscall, address, `${syscall} timed out${address === undefined ? '' : ` ${formatAddress(address)}`}`);
    this.name = 'SocketTimeoutError';
  }
}

/**
 * A TLS protocol or certificate error: Python's `ssl.SSLError`, a
 * {@link SocketError} (OSError) too. `code` is OpenSSL's or node:tls's
 * (`'DEPTH_ZERO_SELF_SIGNED_CERT'`, `'ERR_SSL_WRONG_VERSION_NUMBER'`,
 * `'ERR_TLS_CERT_ALTNAME_INVALID'`), `errno` EPROTO, `cause` the node:tls
 * error.
 * @group Errors
 */
export class SSLError extends SocketError {
  /** OpenSSL's short reason (`'wrong version number'`), when it gave one: Python's `SSLError.reason`. */
  readonly reason?: string;
  constructor(message: string, syscall: string, code: string | undefined, cause: unknown) {
    need('SSLError', 'message', message, 'string');
    need('SSLError', 'code', code, 'string', true);
    super(os.constants.errno.EPROTO, syscall, undefined, message);
    this.name = 'SSLError';
    if (code !== undefined) (this as { code: string }).code = code;
    (this as { cause?: unknown }).cause = cause;
    const reason = (cause as { reason?: unknown } | null)?.reason;
    if (typeof reason === 'string') this.reason = reason;
  }
}

/**
 * An error of node:tls (or node:fs, for certificate files) as this library's
 * class: an errno name becomes a {@link SocketError}, anything else an
 * {@link SSLError}; one of ours passes through.
 * @internal
 */
export function tlsError(e: unknown, syscall: string, address?: unknown): SocketError {
  if (e instanceof SocketError) return e;
  const err = e as NodeJS.ErrnoException;
  const errno = typeof err?.code === 'string' ? (os.constants.errno as Record<string, number>)[err.code] : undefined;
  if (errno !== undefined) {
    const s = socketError(errno, syscall, address);
    (s as { cause?: unknown }).cause = e;
    return s;
  }
  return new SSLError(err instanceof Error ? err.message : String(e), syscall, typeof err?.code === 'string' ? err.code : undefined, e);
}

/**
 * An address-resolution error from getaddrinfo / getnameinfo: Python's
 * `socket.gaierror`. `code` is the EAI_* name (`'EAI_NONAME'`), `errno` its
 * numeric value on this platform (negative on glibc, as in Python).
 * @group Errors
 */
export class GaiError extends Error {
  /** The EAI_* name, e.g. `'EAI_NONAME'`. */
  readonly code: string;
  /** The EAI_* value on this platform (negative on glibc, as Python reports it). */
  readonly errno: number;
  /** `'getaddrinfo'` or `'getnameinfo'`. */
  readonly syscall: string;
  /** The host that was looked up, when there was one. */
  readonly hostname?: string;

  constructor(errno: number, code: string, message: string, syscall: string, hostname?: string) {
    checkLookupError('GaiError', errno, code, message, syscall);
    need('GaiError', 'hostname', hostname, 'string', true);
    super(`${syscall} ${code}: ${message}${hostname === undefined ? '' : ` ${hostname}`}`);
    this.name = 'GaiError';
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
    if (hostname !== undefined) this.hostname = hostname;
  }
}

/**
 * A host lookup error from the gethostby* family: Python's `socket.herror`.
 * `errno` is the h_errno value, `code` its name (`'HOST_NOT_FOUND'`).
 * @group Errors
 */
export class HostError extends Error {
  /** The h_errno name, e.g. `'HOST_NOT_FOUND'`. */
  readonly code: string;
  /** The h_errno value. */
  readonly errno: number;
  /** The call that failed, e.g. `'gethostbyname'`. */
  readonly syscall: string;

  constructor(errno: number, code: string, message: string, syscall: string) {
    checkLookupError('HostError', errno, code, message, syscall);
    super(`${syscall} ${code}: ${message}`);
    this.name = 'HostError';
    this.code = code;
    this.errno = errno;
    this.syscall = syscall;
  }
}

/** GaiError's and HostError's arguments (need). */
function checkLookupError(cls: string, errno: unknown, code: unknown, message: unknown, syscall: unknown): void {
  need(cls, 'errno', errno, 'integer');
  need(cls, 'code', code, 'string');
  need(cls, 'message', message, 'string');
  need(cls, 'syscall', syscall, 'string');
}

/** The one errno -> error helper, for TypeScript and (registered) C++ alike. */
export function socketError(errno: number, syscall: string, address?: unknown): SocketError {
  return new SocketError(errno, syscall, address);
}

binding.setErrorFactory(socketError);
