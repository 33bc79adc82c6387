/**
 * Socket options whose value is a C struct, with helpers so nobody packs
 * bytes by hand: `struct linger` (SO_LINGER), `struct timeval`
 * (SO_RCVTIMEO / SO_SNDTIMEO), `struct ip_mreqn` (IP_ADD_MEMBERSHIP /
 * IP_DROP_MEMBERSHIP), `struct ipv6_mreq` (IPV6_JOIN_GROUP /
 * IPV6_LEAVE_GROUP) and `struct tcp_info` (TCP_INFO, decoded by name).
 *
 * Each struct has a `pack...` / `unpack...` pair (pure: bytes in the host's
 * layout, as Python's `struct.pack('@...')` makes them) and get/set helpers
 * that are one getsockopt(2) / setsockopt(2) each. Layouts are Linux's
 * (x86_64, arm64, and the other LP64 ABIs; `long` is 4 bytes on 32-bit ones).
 * @module
 */
import * as os from 'node:os';
import { inetAton, inetNtoa, inetPton, inetNtop } from './inet';
import {
  AF_INET6, SOL_SOCKET, SO_LINGER, SO_RCVTIMEO, SO_SNDTIMEO, IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP,
  IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP, IPV6_JOIN_GROUP, IPV6_LEAVE_GROUP, TCP_INFO,
} from './constants.generated';
import type { Socket } from './socket';

const LE = os.endianness() === 'LE';
/** sizeof(long) (time_t, suseconds_t): 4 on the 32-bit ABIs, 8 on the 64-bit ones. */
const LONG = ['arm', 'ia32', 'mips', 'mipsel', 'ppc'].includes(process.arch) ? 4 : 8;

function view(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

function need(buf: Uint8Array, size: number, what: string): DataView {
  if (!(buf instanceof Uint8Array)) throw new TypeError(`${what} must be a Buffer or Uint8Array`);
  if (buf.length < size) throw new RangeError(`${what} needs ${size} bytes, got ${buf.length}`);
  return view(buf);
}

function int32(n: unknown, name: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`${name} must be an integer`);
  if (n < -0x80000000 || n > 0x7fffffff) throw new RangeError(`${name} out of range for a C int: ${n}`);
  return n;
}

function uint32(n: unknown, name: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`${name} must be an integer`);
  if (n < 0 || n > 0xffffffff) throw new RangeError(`${name} out of range for a C unsigned int: ${n}`);
  return n;
}

// ---- SO_LINGER: struct linger { int l_onoff; int l_linger; } ---------------

/**
 * `struct linger` (socket(7) SO_LINGER): whether close lingers, and for how many seconds.
 * @group Options
 */
export interface Linger {
  /** l_onoff: close(2) / shutdown(2) wait for unsent data (or reset at once with 0 seconds). */
  onoff: boolean;
  /** l_linger: the longest wait, in whole seconds. */
  seconds: number;
}

/**
 * sizeof(struct linger).
 * @group Options
 */
export const LINGER_SIZE = 8;

/**
 * Pack a `struct linger` (Python: `struct.pack('ii', onoff, seconds)`).
 * @group Options
 */
export function packLinger(onoff: boolean, seconds = 0): Buffer {
  const buf = Buffer.alloc(LINGER_SIZE);
  const v = view(buf);
  v.setInt32(0, onoff ? 1 : 0, LE);
  v.setInt32(4, int32(seconds, 'seconds'), LE);
  return buf;
}
/**
 * Unpack a `struct linger`.
 * @group Options
 */
export function unpackLinger(buf: Uint8Array): Linger {
  const v = need(buf, LINGER_SIZE, 'struct linger');
  return { onoff: v.getInt32(0, LE) !== 0, seconds: v.getInt32(4, LE) };
}
/**
 * getsockopt(SOL_SOCKET, SO_LINGER), decoded.
 * @group Options
 */
export function getLinger(sock: Socket): Linger {
  return unpackLinger(sock.getsockopt(SOL_SOCKET, SO_LINGER, LINGER_SIZE));
}
/**
 * setsockopt(SOL_SOCKET, SO_LINGER). `setLinger(sock, true, 0)` makes close
 * send a RST instead of a FIN (the "abortive close").
 * @group Options
 */
export function setLinger(sock: Socket, onoff: boolean, seconds = 0): void {
  sock.setsockopt(SOL_SOCKET, SO_LINGER, packLinger(onoff, seconds));
}

// ---- SO_RCVTIMEO / SO_SNDTIMEO: struct timeval --------------------------------

/**
 * sizeof(struct timeval) on this ABI.
 * @group Options
 */
export const TIMEVAL_SIZE = 2 * LONG;

/**
 * Pack a `struct timeval` of `seconds` (`null` or 0: no timeout), rounded to
 * the microsecond (Python: `struct.pack('@ll', sec, usec)`).
 * @group Options
 */
export function packTimeval(seconds: number | null): Buffer {
  const buf = Buffer.alloc(TIMEVAL_SIZE);
  if (seconds === null) return buf;
  if (typeof seconds !== 'number') throw new TypeError('seconds must be a number or null');
  if (!(seconds >= 0) || !Number.isFinite(seconds)) throw new RangeError(`seconds out of range: ${seconds}`);
  let sec = Math.floor(seconds);
  let usec = Math.round((seconds - sec) * 1e6);
  if (usec === 1e6) {
    sec += 1;
    usec = 0;
  }
  const v = view(buf);
  if (LONG === 8) {
    v.setBigInt64(0, BigInt(sec), LE);
    v.setBigInt64(8, BigInt(usec), LE);
  } else {
    v.setInt32(0, int32(sec, 'seconds'), LE);
    v.setInt32(4, usec, LE);
  }
  return buf;
}
/**
 * Unpack a `struct timeval` into seconds (0: no timeout).
 * @group Options
 */
export function unpackTimeval(buf: Uint8Array): number {
  const v = need(buf, TIMEVAL_SIZE, 'struct timeval');
  const [sec, usec] = LONG === 8 ? [Number(v.getBigInt64(0, LE)), Number(v.getBigInt64(8, LE))] : [v.getInt32(0, LE), v.getInt32(4, LE)];
  return sec + usec / 1e6;
}

function checkTimeoOpt(optname: number): void {
  if (optname !== SO_RCVTIMEO && optname !== SO_SNDTIMEO) throw new RangeError(`optname must be SO_RCVTIMEO or SO_SNDTIMEO, not ${optname}`);
}

/**
 * getsockopt(SOL_SOCKET, SO_RCVTIMEO or SO_SNDTIMEO) in seconds (0: none).
 * The kernel keeps it in jiffies, so what comes back may be rounded.
 * @group Options
 */
export function getTimeval(sock: Socket, optname: number): number {
  checkTimeoOpt(optname);
  return unpackTimeval(sock.getsockopt(SOL_SOCKET, optname, TIMEVAL_SIZE));
}
/**
 * setsockopt(SOL_SOCKET, SO_RCVTIMEO or SO_SNDTIMEO). These kernel timeouts
 * apply to blocking calls on the fd; bsdsock's own fds are non-blocking and
 * use `settimeout` instead, so this matters for an fd handed to other code
 * (`detach()`, a child process).
 * @group Options
 */
export function setTimeval(sock: Socket, optname: number, seconds: number | null): void {
  checkTimeoOpt(optname);
  sock.setsockopt(SOL_SOCKET, optname, packTimeval(seconds));
}

// ---- IP_ADD_MEMBERSHIP: struct ip_mreqn ---------------------------------------

/**
 * `struct ip_mreqn` (ip(7)): a multicast group and the local interface to join it on.
 * @group Options
 */
export interface IpMreqn {
  /** imr_multiaddr: the group, dotted quad. */
  multiaddr: string;
  /** imr_address: a local address of the interface ('0.0.0.0': any). */
  address: string;
  /** imr_ifindex: the interface index (0: any; takes precedence over address). */
  ifindex: number;
}

/**
 * sizeof(struct ip_mreqn).
 * @group Options
 */
export const IP_MREQN_SIZE = 12;

/**
 * Pack a `struct ip_mreqn` (Python: `struct.pack('@4s4si', inet_aton(group), inet_aton(addr), ifindex)`).
 * @group Options
 */
export function packIpMreqn(multiaddr: string, address = '0.0.0.0', ifindex = 0): Buffer {
  const buf = Buffer.alloc(IP_MREQN_SIZE);
  inetAton(multiaddr).copy(buf, 0);
  inetAton(address).copy(buf, 4);
  view(buf).setInt32(8, int32(ifindex, 'ifindex'), LE);
  return buf;
}
/**
 * Unpack a `struct ip_mreqn`.
 * @group Options
 */
export function unpackIpMreqn(buf: Uint8Array): IpMreqn {
  const v = need(buf, IP_MREQN_SIZE, 'struct ip_mreqn');
  return { multiaddr: inetNtoa(buf.subarray(0, 4)), address: inetNtoa(buf.subarray(4, 8)), ifindex: v.getInt32(8, LE) };
}
/**
 * Join an IPv4 multicast group: setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP,
 * ip_mreqn). `ifindex` (or `address`) picks the interface; with neither the
 * kernel picks by route. Joining twice is EADDRINUSE.
 * @group Options
 */
export function ipAddMembership(sock: Socket, group: string, opts: { address?: string; ifindex?: number } = {}): void {
  sock.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, packIpMreqn(group, opts.address, opts.ifindex));
}
/**
 * Leave an IPv4 multicast group: IP_DROP_MEMBERSHIP (EADDRNOTAVAIL if not joined).
 * @group Options
 */
export function ipDropMembership(sock: Socket, group: string, opts: { address?: string; ifindex?: number } = {}): void {
  sock.setsockopt(IPPROTO_IP, IP_DROP_MEMBERSHIP, packIpMreqn(group, opts.address, opts.ifindex));
}

// ---- IPV6_JOIN_GROUP: struct ipv6_mreq ------------------------------------------

/**
 * `struct ipv6_mreq` (ipv6(7)): a multicast group and an interface index.
 * @group Options
 */
export interface Ipv6Mreq {
  /** ipv6mr_multiaddr: the group. */
  multiaddr: string;
  /** ipv6mr_interface: the interface index (0: the kernel picks). */
  ifindex: number;
}

/**
 * sizeof(struct ipv6_mreq).
 * @group Options
 */
export const IPV6_MREQ_SIZE = 20;

/**
 * Pack a `struct ipv6_mreq` (Python: `inet_pton(AF_INET6, group) + struct.pack('@I', ifindex)`).
 * @group Options
 */
export function packIpv6Mreq(multiaddr: string, ifindex = 0): Buffer {
  const buf = Buffer.alloc(IPV6_MREQ_SIZE);
  inetPton(AF_INET6, multiaddr).copy(buf, 0);
  view(buf).setUint32(16, uint32(ifindex, 'ifindex'), LE);
  return buf;
}
/**
 * Unpack a `struct ipv6_mreq`.
 * @group Options
 */
export function unpackIpv6Mreq(buf: Uint8Array): Ipv6Mreq {
  const v = need(buf, IPV6_MREQ_SIZE, 'struct ipv6_mreq');
  return { multiaddr: inetNtop(AF_INET6, buf.subarray(0, 16)), ifindex: v.getUint32(16, LE) };
}
/**
 * Join an IPv6 multicast group: setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, ipv6_mreq).
 * @group Options
 */
export function ipv6JoinGroup(sock: Socket, group: string, ifindex = 0): void {
  sock.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, packIpv6Mreq(group, ifindex));
}
/**
 * Leave an IPv6 multicast group: IPV6_LEAVE_GROUP.
 * @group Options
 */
export function ipv6LeaveGroup(sock: Socket, group: string, ifindex = 0): void {
  sock.setsockopt(IPPROTO_IPV6, IPV6_LEAVE_GROUP, packIpv6Mreq(group, ifindex));
}

// ---- TCP_INFO: struct tcp_info (linux/tcp.h) --------------------------------------

type U8 = 'u8';
type U16 = 'u16';
type U32 = 'u32';
type U64 = 'u64';
/** The fields of `struct tcp_info` in order: [name, C type, offset]. Bitfields are decoded apart. */
const TCP_INFO_FIELDS = [
  ['state', 'u8', 0], ['caState', 'u8', 1], ['retransmits', 'u8', 2], ['probes', 'u8', 3], ['backoff', 'u8', 4], ['options', 'u8', 5],
  ['rto', 'u32', 8], ['ato', 'u32', 12], ['sndMss', 'u32', 16], ['rcvMss', 'u32', 20],
  ['unacked', 'u32', 24], ['sacked', 'u32', 28], ['lost', 'u32', 32], ['retrans', 'u32', 36], ['fackets', 'u32', 40],
  ['lastDataSent', 'u32', 44], ['lastAckSent', 'u32', 48], ['lastDataRecv', 'u32', 52], ['lastAckRecv', 'u32', 56],
  ['pmtu', 'u32', 60], ['rcvSsthresh', 'u32', 64], ['rtt', 'u32', 68], ['rttvar', 'u32', 72], ['sndSsthresh', 'u32', 76],
  ['sndCwnd', 'u32', 80], ['advmss', 'u32', 84], ['reordering', 'u32', 88], ['rcvRtt', 'u32', 92], ['rcvSpace', 'u32', 96],
  ['totalRetrans', 'u32', 100], ['pacingRate', 'u64', 104], ['maxPacingRate', 'u64', 112], ['bytesAcked', 'u64', 120],
  ['bytesReceived', 'u64', 128], ['segsOut', 'u32', 136], ['segsIn', 'u32', 140], ['notsentBytes', 'u32', 144],
  ['minRtt', 'u32', 148], ['dataSegsIn', 'u32', 152], ['dataSegsOut', 'u32', 156], ['deliveryRate', 'u64', 160],
  ['busyTime', 'u64', 168], ['rwndLimited', 'u64', 176], ['sndbufLimited', 'u64', 184], ['delivered', 'u32', 192],
  ['deliveredCe', 'u32', 196], ['bytesSent', 'u64', 200], ['bytesRetrans', 'u64', 208], ['dsackDups', 'u32', 216],
  ['reordSeen', 'u32', 220], ['rcvOoopack', 'u32', 224], ['sndWnd', 'u32', 228], ['rcvWnd', 'u32', 232], ['rehash', 'u32', 236],
  ['totalRto', 'u16', 240], ['totalRtoRecoveries', 'u16', 242], ['totalRtoTime', 'u32', 244],
] as const satisfies ReadonlyArray<readonly [string, U8 | U16 | U32 | U64, number]>;

/**
 * The size of `struct tcp_info` as this module knows it (Linux 6.7+); older kernels return less.
 * @group Options
 */
export const TCP_INFO_SIZE = 248;

/**
 * `struct tcp_info` (tcp(7) TCP_INFO, linux/tcp.h), field names camelCased
 * without `tcpi_`. Times are microseconds (rtt, rto) or milliseconds
 * (last*); 64-bit counters are bigint. A field the kernel did not return
 * (an older kernel's shorter struct) is absent.
 * @group Options
 */
export interface TcpInfo {
  /** tcpi_state (u8): TCP state (TCP_ESTABLISHED 1, TCP_LISTEN 10, ...). */
  state: number;
  /** tcpi_ca_state (u8): Congestion-control state. */
  caState: number;
  /** tcpi_retransmits (u8) */
  retransmits: number;
  /** tcpi_probes (u8) */
  probes: number;
  /** tcpi_backoff (u8) */
  backoff: number;
  /** tcpi_options (u8) */
  options: number;
  /** tcpi_rto (u32): Retransmission timeout, microseconds. */
  rto?: number;
  /** tcpi_ato (u32): Delayed-ACK timeout, microseconds. */
  ato?: number;
  /** tcpi_snd_mss (u32) */
  sndMss?: number;
  /** tcpi_rcv_mss (u32) */
  rcvMss?: number;
  /** tcpi_unacked (u32) */
  unacked?: number;
  /** tcpi_sacked (u32) */
  sacked?: number;
  /** tcpi_lost (u32) */
  lost?: number;
  /** tcpi_retrans (u32) */
  retrans?: number;
  /** tcpi_fackets (u32) */
  fackets?: number;
  /** tcpi_last_data_sent (u32): Milliseconds since data was last sent. */
  lastDataSent?: number;
  /** tcpi_last_ack_sent (u32) */
  lastAckSent?: number;
  /** tcpi_last_data_recv (u32): Milliseconds since data was last received. */
  lastDataRecv?: number;
  /** tcpi_last_ack_recv (u32): Milliseconds since an ACK was last received. */
  lastAckRecv?: number;
  /** tcpi_pmtu (u32) */
  pmtu?: number;
  /** tcpi_rcv_ssthresh (u32) */
  rcvSsthresh?: number;
  /** tcpi_rtt (u32): Smoothed round-trip time, microseconds. */
  rtt?: number;
  /** tcpi_rttvar (u32): Round-trip time variance, microseconds. */
  rttvar?: number;
  /** tcpi_snd_ssthresh (u32) */
  sndSsthresh?: number;
  /** tcpi_snd_cwnd (u32): Congestion window, segments. */
  sndCwnd?: number;
  /** tcpi_advmss (u32) */
  advmss?: number;
  /** tcpi_reordering (u32) */
  reordering?: number;
  /** tcpi_rcv_rtt (u32) */
  rcvRtt?: number;
  /** tcpi_rcv_space (u32) */
  rcvSpace?: number;
  /** tcpi_total_retrans (u32) */
  totalRetrans?: number;
  /** tcpi_pacing_rate (u64): Bytes per second. */
  pacingRate?: bigint;
  /** tcpi_max_pacing_rate (u64) */
  maxPacingRate?: bigint;
  /** tcpi_bytes_acked (u64): Bytes acknowledged by the peer (RFC 4898 tcpEStatsAppHCThruOctetsAcked). */
  bytesAcked?: bigint;
  /** tcpi_bytes_received (u64): Bytes received (RFC 4898 tcpEStatsAppHCThruOctetsReceived). */
  bytesReceived?: bigint;
  /** tcpi_segs_out (u32) */
  segsOut?: number;
  /** tcpi_segs_in (u32) */
  segsIn?: number;
  /** tcpi_notsent_bytes (u32) */
  notsentBytes?: number;
  /** tcpi_min_rtt (u32): Minimum RTT seen, microseconds. */
  minRtt?: number;
  /** tcpi_data_segs_in (u32) */
  dataSegsIn?: number;
  /** tcpi_data_segs_out (u32) */
  dataSegsOut?: number;
  /** tcpi_delivery_rate (u64): Bytes per second. */
  deliveryRate?: bigint;
  /** tcpi_busy_time (u64) */
  busyTime?: bigint;
  /** tcpi_rwnd_limited (u64) */
  rwndLimited?: bigint;
  /** tcpi_sndbuf_limited (u64) */
  sndbufLimited?: bigint;
  /** tcpi_delivered (u32) */
  delivered?: number;
  /** tcpi_delivered_ce (u32) */
  deliveredCe?: number;
  /** tcpi_bytes_sent (u64): Data bytes sent, retransmissions included. */
  bytesSent?: bigint;
  /** tcpi_bytes_retrans (u64) */
  bytesRetrans?: bigint;
  /** tcpi_dsack_dups (u32) */
  dsackDups?: number;
  /** tcpi_reord_seen (u32) */
  reordSeen?: number;
  /** tcpi_rcv_ooopack (u32) */
  rcvOoopack?: number;
  /** tcpi_snd_wnd (u32): The peer's advertised receive window, bytes. */
  sndWnd?: number;
  /** tcpi_rcv_wnd (u32): The advertised receive window, bytes. */
  rcvWnd?: number;
  /** tcpi_rehash (u32) */
  rehash?: number;
  /** tcpi_total_rto (u16) */
  totalRto?: number;
  /** tcpi_total_rto_recoveries (u16) */
  totalRtoRecoveries?: number;
  /** tcpi_total_rto_time (u32) */
  totalRtoTime?: number;
  /** The 4-bit tcpi_snd_wscale bitfield: the window scale we send with. */
  sndWscale: number;
  /** The 4-bit tcpi_rcv_wscale bitfield. */
  rcvWscale: number;
  /** The 1-bit tcpi_delivery_rate_app_limited bitfield. */
  deliveryRateAppLimited: number;
  /** The 2-bit tcpi_fastopen_client_fail bitfield. */
  fastopenClientFail: number;
}

/**
 * Decode the bytes of a `struct tcp_info` (as many fields as `buf` holds; at least the first 8 bytes).
 * @group Options
 */
export function unpackTcpInfo(buf: Uint8Array): TcpInfo {
  const v = need(buf, 8, 'struct tcp_info');
  const out: Record<string, number | bigint> = {};
  for (const [name, type, off] of TCP_INFO_FIELDS) {
    const size = type === 'u8' ? 1 : type === 'u16' ? 2 : type === 'u32' ? 4 : 8;
    if (off + size > buf.length) break;
    out[name] = type === 'u8' ? v.getUint8(off) : type === 'u16' ? v.getUint16(off, LE) : type === 'u32' ? v.getUint32(off, LE) : v.getBigUint64(off, LE);
  }
  // GCC allocates bitfields from the low bit on little-endian targets, from the high bit on big-endian ones.
  const w = v.getUint8(6);
  const f = v.getUint8(7);
  out.sndWscale = LE ? w & 0xf : w >> 4;
  out.rcvWscale = LE ? w >> 4 : w & 0xf;
  out.deliveryRateAppLimited = LE ? f & 1 : f >> 7;
  out.fastopenClientFail = LE ? (f >> 1) & 3 : (f >> 5) & 3;
  return out as unknown as TcpInfo;
}

/**
 * getsockopt(IPPROTO_TCP, TCP_INFO), decoded. TCP sockets only (Linux).
 * @group Options
 */
export function getTcpInfo(sock: Socket): TcpInfo {
  return unpackTcpInfo(sock.getsockopt(IPPROTO_TCP, TCP_INFO, TCP_INFO_SIZE));
}
