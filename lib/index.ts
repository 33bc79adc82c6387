/**
 * bsdsock: the whole BSD socket API for Node.js, the way Python's `socket`
 * module exposes it. See README.md for the mode table and address formats.
 * @document ../docs/constants.md
 * @module bsdsock
 */
import { Socket as SocketClass, type SocketConstructor } from './socket';
import type { Address } from './address';

export { socketpair, fromfd, getdefaulttimeout, setdefaulttimeout } from './socket';
export type { Bytes, IoOptions, AncData, RecvmsgResult, SocketOf, SocketConstructor } from './socket';
/**
 * The Socket class, exported with a constructor type that types each
 * socket's addresses by the family and type given ({@link SocketConstructor}):
 * a class's own constructor cannot choose its instance type by its arguments.
 * @class
 * @group Socket
 */
export const Socket: SocketConstructor = SocketClass;
/**
 * A socket whose addresses are `A`, received ones `From` (see the class).
 * @group Socket
 */
export type Socket<A extends Address = Address, From extends A | null = A | null> = SocketClass<A, From>;
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
