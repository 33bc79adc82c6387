/**
 * Address text <-> packed bytes and byte-order helpers: Python's
 * `inet_pton`, `inet_ntop`, `inet_aton`, `inet_ntoa`, `htons`, `htonl`,
 * `ntohs`, `ntohl`. The conversions are the C library's own (as in Python),
 * so what they accept is exactly what the platform's resolver accepts.
 * @module
 */
import * as os from 'node:os';
import { binding } from './binding';
import { SocketError } from './errors';
import { AF_INET } from './constants.generated';
import type { Bytes } from './socket';

const { EINVAL } = os.constants.errno;
const LITTLE = os.endianness() === 'LE';

function checkString(s: unknown, fn: string): asserts s is string {
  if (typeof s !== 'string') throw new TypeError(`${fn}() argument must be a string, not ${typeof s}`);
}

/**
 * inet_pton(3): text address of `family` (AF_INET or AF_INET6) to packed bytes (4 or 16).
 * @throws TypeError when `ipString` is not a string; {@link SocketError}
 * `EINVAL` when it is not an address of `family`; `EAFNOSUPPORT` for another
 * family.
 * @example
 * ```ts
 * inetPton(AF_INET6, '::1'); // 16 bytes, the last one 1
 * inetNtop(AF_INET, inetPton(AF_INET, '127.0.0.1')); // '127.0.0.1'
 * ```
 * @group Addresses
 */
export function inetPton(family: number, ipString: string): Buffer {
  checkString(ipString, 'inetPton');
  const b = binding.inet_pton(family, ipString);
  if (b === null) throw new SocketError(EINVAL, 'inet_pton', ipString, 'illegal IP address string passed to inet_pton');
  return b;
}

/**
 * inet_ntop(3): packed bytes (4 for AF_INET, 16 for AF_INET6) to the text form.
 * @throws RangeError when `packedIp` is not 4 (AF_INET) or 16 (AF_INET6) bytes long.
 * @group Addresses
 */
export function inetNtop(family: number, packedIp: Bytes): string {
  return binding.inet_ntop(family, packedIp);
}

/**
 * inet_aton(3): dotted IPv4 text (old forms like `'127.1'` too) to 4 packed bytes.
 * @throws TypeError when `ipString` is not a string; {@link SocketError}
 * `EINVAL` when it is not an IPv4 address.
 * @group Addresses
 */
export function inetAton(ipString: string): Buffer {
  checkString(ipString, 'inetAton');
  const b = binding.inet_aton(ipString);
  if (b === null) throw new SocketError(EINVAL, 'inet_aton', ipString, 'illegal IP address string passed to inet_aton');
  return b;
}

/**
 * inet_ntoa(3): 4 packed bytes to dotted IPv4 text.
 * @throws RangeError when `packedIp` is not 4 bytes long.
 * @group Addresses
 */
export function inetNtoa(packedIp: Bytes): string {
  if (packedIp === null || typeof packedIp !== 'object' || packedIp.byteLength !== 4) {
    throw new RangeError('packed IP wrong length for inetNtoa: 4 bytes expected');
  }
  return binding.inet_ntop(AF_INET, packedIp);
}

function checkUint(x: unknown, bits: 16 | 32, fn: string): number {
  if (typeof x !== 'number' || !Number.isInteger(x)) throw new TypeError(`${fn}() argument must be an integer`);
  const max = bits === 16 ? 0xffff : 0xffffffff;
  if (x < 0 || x > max) throw new RangeError(`${fn}(): ${x} is out of range 0-${max}`);
  return x;
}

function swap16(x: number): number {
  return LITTLE ? ((x & 0xff) << 8) | (x >>> 8) : x;
}
function swap32(x: number): number {
  if (!LITTLE) return x;
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

/**
 * Host to network byte order, 16 bits.
 * @group Addresses
 */
export function htons(x: number): number {
  return swap16(checkUint(x, 16, 'htons'));
}
/**
 * Network to host byte order, 16 bits.
 * @group Addresses
 */
export function ntohs(x: number): number {
  return swap16(checkUint(x, 16, 'ntohs'));
}
/**
 * Host to network byte order, 32 bits.
 * @group Addresses
 */
export function htonl(x: number): number {
  return swap32(checkUint(x, 32, 'htonl'));
}
/**
 * Network to host byte order, 32 bits.
 * @group Addresses
 */
export function ntohl(x: number): number {
  return swap32(checkUint(x, 32, 'ntohl'));
}
