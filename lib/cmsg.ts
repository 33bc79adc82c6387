/**
 * Ancillary data (control messages, cmsg(3)) decoded and encoded, so nobody
 * packs C structs by hand around `recvmsg` / `sendmsg`.
 *
 * Receiving: turn the option on (e.g. `setsockopt(IPPROTO_IP, IP_PKTINFO,
 * 1)`), size the ancillary buffer with `CMSG_SPACE` (or {@link ANCBUFSIZE}),
 * and pass recvmsg's `ancdata` to {@link decodeAncdata}: each item comes back
 * as `{ name, level, type, value }` with `value` decoded. Sending: the
 * `cmsg...` functions return `[level, type, data]` items for `sendmsg`.
 *
 * | item | turned on by | value |
 * |---|---|---|
 * | SCM_RIGHTS | (always) | fds: `number[]` |
 * | SCM_CREDENTIALS | SO_PASSCRED | `struct ucred` {pid, uid, gid} |
 * | IP_PKTINFO | IP_PKTINFO | `struct in_pktinfo` {ifindex, specDst, addr} (addr: the datagram's destination) |
 * | IPV6_PKTINFO | IPV6_RECVPKTINFO | `struct in6_pktinfo` {addr, ifindex} |
 * | IP_TTL / IPV6_HOPLIMIT | IP_RECVTTL / IPV6_RECVHOPLIMIT | int |
 * | IP_TOS / IPV6_TCLASS | IP_RECVTOS / IPV6_RECVTCLASS | int (IP_TOS arrives as one byte) |
 * | SCM_TIMESTAMPNS | SO_TIMESTAMPNS | `struct timespec` {sec, nsec} |
 * | IP_RECVERR / IPV6_RECVERR | IP_RECVERR / IPV6_RECVERR, read with MSG_ERRQUEUE | `struct sock_extended_err` + offender address |
 *
 * Items are read by offset within each item's own data bytes (the native
 * recvmsg already walked the cmsg chain), never past their end; layouts are
 * Linux's, in host byte order.
 * @module
 */
import * as os from 'node:os';
import { binding } from './binding';
import { inetNtoa, inetAton, inetNtop, inetPton } from './inet';
import {
  AF_INET6, SOL_SOCKET, SCM_RIGHTS, SCM_CREDENTIALS, SCM_TIMESTAMPNS, IPPROTO_IP, IPPROTO_IPV6,
  IP_PKTINFO, IPV6_PKTINFO, IP_TTL, IPV6_HOPLIMIT, IP_TOS, IPV6_TCLASS, IP_RECVERR, IPV6_RECVERR,
} from './constants.generated';
import type { Address } from './address';
import type { AncData } from './socket';

const LE = os.endianness() === 'LE';
const LONG = ['arm', 'ia32', 'mips', 'mipsel', 'ppc'].includes(process.arch) ? 4 : 8;
const INT = 4;

function view(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}
function need(buf: Uint8Array, size: number, what: string): DataView {
  if (!(buf instanceof Uint8Array)) throw new TypeError(`${what} must be a Buffer or Uint8Array`);
  if (buf.length < size) throw new RangeError(`${what} needs ${size} bytes, got ${buf.length}`);
  return view(buf);
}
function int(n: unknown, name: string, min: number, max: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`${name} must be an integer`);
  if (n < min || n > max) throw new RangeError(`${name} out of range ${min}..${max}: ${n}`);
  return n;
}
function intItem(level: number, type: number, value: number, name: string, min: number, max: number): AncData {
  const buf = Buffer.alloc(INT);
  view(buf).setInt32(0, int(value, name, min, max), LE);
  return [level, type, buf];
}

// ---- SCM_RIGHTS ---------------------------------------------------------------

/**
 * An SCM_RIGHTS item passing `fds` (unix(7)); what `sendFds` sends.
 * @group Messages and fds
 */
export function cmsgRights(fds: number[]): AncData {
  if (!Array.isArray(fds)) throw new TypeError('fds must be an array of integers');
  const buf = Buffer.alloc(fds.length * INT);
  fds.forEach((fd, i) => view(buf).setInt32(i * INT, int(fd, `fds[${i}]`, 0, 0x7fffffff), LE));
  return [SOL_SOCKET, SCM_RIGHTS, buf];
}
/**
 * The fds of an SCM_RIGHTS item (an int array). They are the receiver's to close.
 * @group Messages and fds
 */
export function unpackRights(data: Uint8Array): number[] {
  const v = view(data);
  const fds: number[] = [];
  for (let off = 0; off + INT <= data.length; off += INT) fds.push(v.getInt32(off, LE));
  return fds;
}

// ---- SCM_CREDENTIALS: struct ucred ------------------------------------------------

/**
 * `struct ucred` (unix(7)): the sending process's credentials.
 * @group Messages and fds
 */
export interface Ucred {
  pid: number;
  uid: number;
  gid: number;
}
/**
 * sizeof(struct ucred).
 * @group Messages and fds
 */
export const UCRED_SIZE = 12;

/**
 * Pack a `struct ucred` (Python: `struct.pack('@iII', pid, uid, gid)`).
 * @group Messages and fds
 */
export function packUcred(cred: Ucred): Buffer {
  const buf = Buffer.alloc(UCRED_SIZE);
  const v = view(buf);
  v.setInt32(0, int(cred.pid, 'pid', 0, 0x7fffffff), LE);
  v.setUint32(4, int(cred.uid, 'uid', 0, 0xffffffff), LE);
  v.setUint32(8, int(cred.gid, 'gid', 0, 0xffffffff), LE);
  return buf;
}
/**
 * Unpack a `struct ucred`.
 * @group Messages and fds
 */
export function unpackUcred(data: Uint8Array): Ucred {
  const v = need(data, UCRED_SIZE, 'struct ucred');
  return { pid: v.getInt32(0, LE), uid: v.getUint32(4, LE), gid: v.getUint32(8, LE) };
}
/**
 * An SCM_CREDENTIALS item (AF_UNIX). Without it the kernel still attaches
 * the sender's real credentials when the receiver has SO_PASSCRED on; with
 * it, the sender claims these (checked: only a privileged process may claim
 * another pid or id).
 * @group Messages and fds
 */
export function cmsgCredentials(cred: Ucred): AncData {
  return [SOL_SOCKET, SCM_CREDENTIALS, packUcred(cred)];
}

// ---- IP_PKTINFO: struct in_pktinfo ------------------------------------------------

/**
 * `struct in_pktinfo` (ip(7)).
 * @group Messages and fds
 */
export interface InPktinfo {
  /** ipi_ifindex: the interface the datagram came in on (or, sending, goes out of; 0: by route). */
  ifindex: number;
  /** ipi_spec_dst: the local address (receiving: the routing destination; sending: the source address to use). */
  specDst: string;
  /** ipi_addr: the destination address in the datagram's header. */
  addr: string;
}
/**
 * sizeof(struct in_pktinfo).
 * @group Messages and fds
 */
export const IN_PKTINFO_SIZE = 12;

/**
 * Pack a `struct in_pktinfo` (Python: `struct.pack('@i4s4s', ifindex, inet_aton(spec_dst), inet_aton(addr))`).
 * @group Messages and fds
 */
export function packInPktinfo(p: { ifindex?: number; specDst?: string; addr?: string }): Buffer {
  const buf = Buffer.alloc(IN_PKTINFO_SIZE);
  view(buf).setInt32(0, int(p.ifindex ?? 0, 'ifindex', 0, 0x7fffffff), LE);
  inetAton(p.specDst ?? '0.0.0.0').copy(buf, 4);
  inetAton(p.addr ?? '0.0.0.0').copy(buf, 8);
  return buf;
}
/**
 * Unpack a `struct in_pktinfo`.
 * @group Messages and fds
 */
export function unpackInPktinfo(data: Uint8Array): InPktinfo {
  const v = need(data, IN_PKTINFO_SIZE, 'struct in_pktinfo');
  return { ifindex: v.getInt32(0, LE), specDst: inetNtoa(data.subarray(4, 8)), addr: inetNtoa(data.subarray(8, 12)) };
}
/**
 * An IP_PKTINFO item for sendmsg: send from `specDst` (a local address)
 * and/or out of interface `ifindex`, whatever the socket is bound to.
 * @group Messages and fds
 */
export function cmsgIpPktinfo(p: { ifindex?: number; specDst?: string }): AncData {
  return [IPPROTO_IP, IP_PKTINFO, packInPktinfo(p)];
}

// ---- IPV6_PKTINFO: struct in6_pktinfo -------------------------------------------------

/**
 * `struct in6_pktinfo` (ipv6(7), RFC 3542).
 * @group Messages and fds
 */
export interface In6Pktinfo {
  /** ipi6_addr: receiving, the datagram's destination; sending, the source address to use. */
  addr: string;
  /** ipi6_ifindex: the interface. */
  ifindex: number;
}
/**
 * sizeof(struct in6_pktinfo).
 * @group Messages and fds
 */
export const IN6_PKTINFO_SIZE = 20;

/**
 * Pack a `struct in6_pktinfo` (Python: `inet_pton(AF_INET6, addr) + struct.pack('@i', ifindex)`).
 * @group Messages and fds
 */
export function packIn6Pktinfo(p: { addr?: string; ifindex?: number }): Buffer {
  const buf = Buffer.alloc(IN6_PKTINFO_SIZE);
  inetPton(AF_INET6, p.addr ?? '::').copy(buf, 0);
  view(buf).setInt32(16, int(p.ifindex ?? 0, 'ifindex', 0, 0x7fffffff), LE);
  return buf;
}
/**
 * Unpack a `struct in6_pktinfo`.
 * @group Messages and fds
 */
export function unpackIn6Pktinfo(data: Uint8Array): In6Pktinfo {
  const v = need(data, IN6_PKTINFO_SIZE, 'struct in6_pktinfo');
  return { addr: inetNtop(AF_INET6, data.subarray(0, 16)), ifindex: v.getInt32(16, LE) };
}
/**
 * An IPV6_PKTINFO item for sendmsg: the source address and/or outgoing interface of this datagram.
 * @group Messages and fds
 */
export function cmsgIpv6Pktinfo(p: { addr?: string; ifindex?: number }): AncData {
  return [IPPROTO_IPV6, IPV6_PKTINFO, packIn6Pktinfo(p)];
}

// ---- int items: TTL, hop limit, TOS, traffic class --------------------------------------

/**
 * An int item (IP_TTL, IPV6_HOPLIMIT, IPV6_TCLASS): 4 bytes. IP_TOS also arrives as 1 byte (IP_RECVTOS).
 * @group Messages and fds
 */
export function unpackInt(data: Uint8Array): number {
  if (data.length === 1) return data[0];
  return need(data, INT, 'an int item').getInt32(0, LE);
}
/**
 * An IP_TTL item for sendmsg: this datagram's TTL (1..255).
 * @group Messages and fds
 */
export function cmsgIpTtl(ttl: number): AncData {
  return intItem(IPPROTO_IP, IP_TTL, ttl, 'ttl', 1, 255);
}
/**
 * An IPV6_HOPLIMIT item for sendmsg: this datagram's hop limit (-1: the default, 0..255).
 * @group Messages and fds
 */
export function cmsgIpv6Hoplimit(hops: number): AncData {
  return intItem(IPPROTO_IPV6, IPV6_HOPLIMIT, hops, 'hop limit', -1, 255);
}
/**
 * An IP_TOS item for sendmsg: this datagram's TOS byte (0..255).
 * @group Messages and fds
 */
export function cmsgIpTos(tos: number): AncData {
  return intItem(IPPROTO_IP, IP_TOS, tos, 'tos', 0, 255);
}
/**
 * An IPV6_TCLASS item for sendmsg: this datagram's traffic class (-1: the default, 0..255).
 * @group Messages and fds
 */
export function cmsgIpv6Tclass(tclass: number): AncData {
  return intItem(IPPROTO_IPV6, IPV6_TCLASS, tclass, 'traffic class', -1, 255);
}

// ---- SCM_TIMESTAMPNS: struct timespec ----------------------------------------------------

/**
 * `struct timespec`: a CLOCK_REALTIME time.
 * @group Messages and fds
 */
export interface Timespec {
  sec: number;
  nsec: number;
}
/**
 * Unpack a `struct timespec` (SCM_TIMESTAMPNS: when the datagram arrived, socket(7) SO_TIMESTAMPNS).
 * @group Messages and fds
 */
export function unpackTimespec(data: Uint8Array): Timespec {
  const v = need(data, 2 * LONG, 'struct timespec');
  if (LONG === 8) return { sec: Number(v.getBigInt64(0, LE)), nsec: Number(v.getBigInt64(8, LE)) };
  return { sec: v.getInt32(0, LE), nsec: v.getInt32(4, LE) };
}

// ---- IP_RECVERR: struct sock_extended_err + offender ----------------------------------------

/**
 * `struct sock_extended_err` (ip(7) IP_RECVERR, linux/errqueue.h) and the address after it.
 * @group Messages and fds
 */
export interface SockExtendedErr {
  /** ee_errno: the error (ECONNREFUSED for a port unreachable, EMSGSIZE, ...). */
  errno: number;
  /** Its name, as SocketError's `code` ('ECONNREFUSED'), or '' if unknown. */
  code: string;
  /** ee_origin: SO_EE_ORIGIN_LOCAL 1, _ICMP 2, _ICMP6 3, _TXSTATUS 4, ... */
  origin: number;
  /** ee_type / ee_code: the ICMP type and code for the ICMP origins. */
  type: number;
  icmpCode: number;
  /** ee_info: e.g. the path MTU for EMSGSIZE. */
  info: number;
  /** ee_data. */
  data: number;
  /** SO_EE_OFFENDER: the address of the node that reported the error (the ICMP sender), or null. */
  offender: Address | null;
}
/**
 * sizeof(struct sock_extended_err).
 * @group Messages and fds
 */
export const SOCK_EXTENDED_ERR_SIZE = 16;

const errnoNames = new Map<number, string>(Object.entries(os.constants.errno).map(([k, v]) => [v, k]));

/**
 * Unpack an IP_RECVERR / IPV6_RECVERR item: the error and its offender address.
 * @group Messages and fds
 */
export function unpackSockExtendedErr(data: Uint8Array): SockExtendedErr {
  const v = need(data, SOCK_EXTENDED_ERR_SIZE, 'struct sock_extended_err');
  const errno = v.getUint32(0, LE);
  let offender: Address | null = null;
  // The offender sockaddr follows the struct; ss_family 0 (AF_UNSPEC) means none.
  if (data.length >= SOCK_EXTENDED_ERR_SIZE + 2 && v.getUint16(SOCK_EXTENDED_ERR_SIZE, LE) !== 0) {
    offender = binding.unpackSockaddr(data.subarray(SOCK_EXTENDED_ERR_SIZE)) as Address;
  }
  return {
    errno,
    code: errnoNames.get(errno) ?? '',
    origin: v.getUint8(4),
    type: v.getUint8(5),
    icmpCode: v.getUint8(6),
    info: v.getUint32(8, LE),
    data: v.getUint32(12, LE),
    offender,
  };
}

// ---- decoding a whole ancdata list ---------------------------------------------------------

/**
 * One decoded ancillary item: `name` says what `value` is.
 * @group Messages and fds
 */
export type Cmsg =
  | { name: 'SCM_RIGHTS'; level: number; type: number; value: number[] }
  | { name: 'SCM_CREDENTIALS'; level: number; type: number; value: Ucred }
  | { name: 'IP_PKTINFO'; level: number; type: number; value: InPktinfo }
  | { name: 'IPV6_PKTINFO'; level: number; type: number; value: In6Pktinfo }
  | { name: 'IP_TTL' | 'IPV6_HOPLIMIT' | 'IP_TOS' | 'IPV6_TCLASS'; level: number; type: number; value: number }
  | { name: 'SCM_TIMESTAMPNS'; level: number; type: number; value: Timespec }
  | { name: 'IP_RECVERR' | 'IPV6_RECVERR'; level: number; type: number; value: SockExtendedErr }
  /** An item this module does not decode: its raw bytes. */
  | { name: null; level: number; type: number; value: Buffer };

/**
 * Decode one `[level, type, data]` item of recvmsg's ancdata.
 * @group Messages and fds
 */
export function decodeCmsg(level: number, type: number, data: Buffer): Cmsg {
  if (level === SOL_SOCKET) {
    if (type === SCM_RIGHTS) return { name: 'SCM_RIGHTS', level, type, value: unpackRights(data) };
    if (type === SCM_CREDENTIALS) return { name: 'SCM_CREDENTIALS', level, type, value: unpackUcred(data) };
    if (type === SCM_TIMESTAMPNS) return { name: 'SCM_TIMESTAMPNS', level, type, value: unpackTimespec(data) };
  } else if (level === IPPROTO_IP) {
    if (type === IP_PKTINFO) return { name: 'IP_PKTINFO', level, type, value: unpackInPktinfo(data) };
    if (type === IP_TTL) return { name: 'IP_TTL', level, type, value: unpackInt(data) };
    if (type === IP_TOS) return { name: 'IP_TOS', level, type, value: unpackInt(data) };
    if (type === IP_RECVERR) return { name: 'IP_RECVERR', level, type, value: unpackSockExtendedErr(data) };
  } else if (level === IPPROTO_IPV6) {
    if (type === IPV6_PKTINFO) return { name: 'IPV6_PKTINFO', level, type, value: unpackIn6Pktinfo(data) };
    if (type === IPV6_HOPLIMIT) return { name: 'IPV6_HOPLIMIT', level, type, value: unpackInt(data) };
    if (type === IPV6_TCLASS) return { name: 'IPV6_TCLASS', level, type, value: unpackInt(data) };
    if (type === IPV6_RECVERR) return { name: 'IPV6_RECVERR', level, type, value: unpackSockExtendedErr(data) };
  }
  return { name: null, level, type, value: data };
}

/**
 * Decode every item of recvmsg's ancdata, in order.
 * @group Messages and fds
 */
export function decodeAncdata(ancdata: Array<[number, number, Buffer]>): Cmsg[] {
  return ancdata.map(([level, type, data]) => decodeCmsg(level, type, data));
}

// CMSG_SPACE(3) from the binding, not from msg.ts, so that msg.ts can import this module.
const CMSG_SPACE = (n: number): number => binding.CMSG_SPACE(n);

/**
 * An ancillary buffer size with room for one of each item this module
 * decodes (a few hundred bytes): pass it as recvmsg's `ancbufsize` when
 * several options are on. SCM_RIGHTS needs `CMSG_SPACE(4 * maxfds)` on top.
 * @group Messages and fds
 */
export const ANCBUFSIZE: number =
  CMSG_SPACE(UCRED_SIZE) + CMSG_SPACE(IN_PKTINFO_SIZE) + CMSG_SPACE(IN6_PKTINFO_SIZE) + 4 * CMSG_SPACE(INT) +
  CMSG_SPACE(2 * LONG) + CMSG_SPACE(SOCK_EXTENDED_ERR_SIZE + 128);
