/**
 * bsdsock: the whole BSD socket API for Node.js, the way Python's `socket`
 * module exposes it. See README.md for the mode table and address formats.
 * @document ../docs/constants.md
 * @module bsdsock
 */
import { Socket as SocketClass, type SocketConstructor } from './socket';
import type { Address } from './address';

export { socketpair, fromfd, getdefaulttimeout, setdefaulttimeout } from './socket';
export type { Bytes, IoOptions, AncData, RecvmsgResult } from './socket';
/**
 * A BSD socket: Python's `socket.socket(family, type, proto, fileno)`.
 *
 * Methods named like the syscall are one syscall (plus, in blocking and
 * timeout modes, the wait for readiness). Methods that are more than one
 * syscall (`sendall`, `connectEx`, `dup`) say so.
 *
 * Addresses are typed by the socket's family: `new Socket(AF_INET, SOCK_DGRAM)`
 * is a `Socket<InetAddress, InetAddress>`, so `getsockname()[1]` is a
 * `number` and `recvfrom()`'s address is never null (see {@link SocketOf}).
 * A socket whose family is not known statically is a `Socket`, whose
 * addresses are any {@link Address}; every typed socket is assignable to it.
 * (The class is exported with the constructor type {@link SocketConstructor},
 * which picks these types from `new Socket(family, type)`'s arguments.)
 * @typeParam A - The address type of the socket's family ({@link AddressOf}):
 * what `getsockname`, `getpeername` and `accept` return. (`bind`, `connect`
 * and `sendto` take any {@link Address}, so a helper typed with `Address`
 * works with every socket; the wrong family is a TypeError at runtime.)
 * @typeParam From - The address `recvfrom`, `recvfromInto`, `recvmsg` and
 * `recvmmsg` return ({@link RecvfromAddressOf}): `A` on datagram and raw
 * sockets of the INET, INET6, PACKET and NETLINK families, else `A | null`.
 * @example A TCP echo server on the event loop (one task per connection; a
 * client that resets ends only its own task):
 * ```ts
 * import { Socket, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR } from 'bsdsock';
 *
 * const srv = new Socket(AF_INET, SOCK_STREAM);
 * srv.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
 * srv.bind(['127.0.0.1', 8881]);
 * srv.listen();
 * for (;;) {
 *   const [conn, addr] = await srv.accept();
 *   (async () => {
 *     const buf = Buffer.alloc(4096);
 *     try {
 *       for (let n; (n = await conn.recvInto(buf)) > 0; ) await conn.sendall(buf.subarray(0, n));
 *     } catch (err) {
 *       console.error(addr, (err as NodeJS.ErrnoException).code); // e.g. ECONNRESET
 *     } finally {
 *       conn.close();
 *     }
 *   })();
 * }
 * ```
 * @example The same calls, blocking (a script or a worker thread), with a timeout:
 * ```ts
 * const s = new Socket(AF_INET, SOCK_STREAM);
 * s.settimeout(5); // seconds; SocketTimeoutError after that
 * s.connectSync(['127.0.0.1', 8881]);
 * s.sendallSync(Buffer.from('hello'));
 * console.log(s.recvSync(1024).toString());
 * s.close();
 * ```
 * @example A UDP socket:
 * ```ts
 * const u = new Socket(AF_INET, SOCK_DGRAM);
 * u.bind(['127.0.0.1', 0]);
 * await u.sendto(Buffer.from('ping'), ['127.0.0.1', 9999]);
 * const [data, from] = await u.recvfrom(2048);
 * ```
 * @class
 * @group Socket
 */
export const Socket: SocketConstructor = SocketClass;
/**
 * A socket whose addresses are `A` and whose received ones are `From`: the
 * instance type of {@link Socket} (the value), documented there.
 * @group Socket
 */
export type Socket<A extends Address = Address, From extends A | null = A | null> = SocketClass<A, From>;
export type { SocketOf, SocketConstructor } from './socket';
export { SocketStream } from './makefile';
export type { MakefileOptions } from './makefile';
export { SSLContext, SSLSocket, Purpose, createDefaultContext, CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED } from './tls';
export type { WrapOptions } from './tls';
export { CMSG_LEN, CMSG_SPACE, sendFds, sendFdsSync, recvFds, recvFdsSync } from './msg';
export type { RecvFdsResult } from './msg';
export { checksum } from './checksum';
export type { Address, InetAddress, Inet6Address, UnixAddress, PacketAddress, NetlinkAddress, VsockAddress, AddressOf, RecvfromAddressOf } from './address';
export { SocketError, SocketTimeoutError, SSLError, GaiError, HostError } from './errors';
export { inetPton, inetNtop, inetAton, inetNtoa, htons, htonl, ntohs, ntohl } from './inet';
export {
  getaddrinfo,
  getaddrinfoSync,
  getnameinfo,
  getnameinfoSync,
  gethostbyname,
  gethostbynameSync,
  gethostbynameEx,
  gethostbynameExSync,
  gethostbyaddr,
  gethostbyaddrSync,
  gethostname,
  gethostnameSync,
  getfqdn,
  getfqdnSync,
  getservbyname,
  getservbynameSync,
  getservbyport,
  getservbyportSync,
  getprotobyname,
  getprotobynameSync,
  ifNameindex,
  ifNametoindex,
  ifIndextoname,
} from './netdb';
export type { AddrInfo, HostEntry } from './netdb';
export { createConnection, createConnectionSync, createServer, createServerSync, hasDualstackIpv6, CreateConnectionError } from './convenience';
export type { CreateConnectionOptions, CreateServerOptions, AttemptError, InetStreamSocket } from './convenience';
export { constants, AddressFamily, SocketKind, familyName, kindName } from './constants';
export * from './constants.generated';
export { DefaultSelector, SelectorKeyError, EVENT_READ, EVENT_WRITE } from './selectors';
export type { SelectorKey, SelectOptions } from './selectors';
export {
  packLinger, unpackLinger, getLinger, setLinger, LINGER_SIZE,
  packTimeval, unpackTimeval, getTimeval, setTimeval, TIMEVAL_SIZE,
  packIpMreqn, unpackIpMreqn, ipAddMembership, ipDropMembership, IP_MREQN_SIZE,
  packIpv6Mreq, unpackIpv6Mreq, ipv6JoinGroup, ipv6LeaveGroup, IPV6_MREQ_SIZE,
  unpackTcpInfo, getTcpInfo, TCP_INFO_SIZE,
} from './sockopt';
export type { Linger, IpMreqn, Ipv6Mreq, TcpInfo } from './sockopt';
export {
  decodeAncdata, decodeCmsg, ANCBUFSIZE,
  cmsgRights, unpackRights, cmsgCredentials, packUcred, unpackUcred, UCRED_SIZE,
  cmsgIpPktinfo, packInPktinfo, unpackInPktinfo, IN_PKTINFO_SIZE, cmsgIpv6Pktinfo, packIn6Pktinfo, unpackIn6Pktinfo, IN6_PKTINFO_SIZE,
  unpackInt, cmsgIpTtl, cmsgIpv6Hoplimit, cmsgIpTos, cmsgIpv6Tclass,
  unpackTimespec, unpackSockExtendedErr, SOCK_EXTENDED_ERR_SIZE,
} from './cmsg';
export type { Cmsg, Ucred, InPktinfo, In6Pktinfo, Timespec, SockExtendedErr } from './cmsg';
