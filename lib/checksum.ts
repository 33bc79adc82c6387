/**
 * The internet checksum of RFC 1071, the one IPv4 headers, ICMP, UDP and TCP
 * carry: so that users building packets for a raw socket need not write it.
 * Not a syscall: computed here, in JavaScript.
 * @module
 */
import type { Bytes } from './socket';

/**
 * The internet checksum (RFC 1071) of `data`: the ones' complement of the
 * ones' complement sum of its 16-bit big-endian words, an odd last byte
 * padded with a zero byte. Returns 0..0xffff, to be written big-endian into
 * the packet's checksum field (which must be zero while the sum is taken).
 *
 * A packet that holds its correct checksum sums to 0: `checksum(packet) === 0`
 * verifies a received IPv4 header or ICMP message. `initial` carries on a
 * sum: pass the ones' complement sum of a pseudo-header (UDP, TCP, ICMPv6)
 * as `~checksum(pseudoHeader) & 0xffff`.
 *
 * For ICMPv6 on a raw socket Linux fills the checksum in itself (RFC 3542);
 * for ICMP it is the sender's job.
 * @group Messages and fds
 */
export function checksum(data: Bytes, initial = 0): number {
  if (typeof data === 'string') throw new TypeError('data must be bytes, not a string: encode it first');
  let bytes: Uint8Array;
  if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
  else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  else throw new TypeError(`data must be a Buffer, TypedArray, DataView or ArrayBuffer, not ${data === null ? 'null' : typeof data}`);
  if (!Number.isInteger(initial) || initial < 0 || initial > 0xffff) {
    throw new RangeError(`initial must be an integer in 0..65535, not ${String(initial)}`);
  }
  // Every 16-bit word is added without folding: a double holds the sum
  // exactly up to 2**53, that is, for any buffer shorter than 2**37 bytes.
  let sum = initial;
  const n = bytes.length;
  const even = n & ~1;
  for (let i = 0; i < even; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
  if (n !== even) sum += bytes[n - 1] << 8;
  // Fold the carries back in (end-around carry), then complement.
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}
