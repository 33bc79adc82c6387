/**
 * Addresses in Python's formats, and the host-name step before a syscall:
 * the native layer takes numeric hosts only, so names are resolved here
 * (asynchronously for async calls, synchronously for `...Sync` ones).
 * @module
 */
import { binding } from './binding';
import { AF_INET, AF_INET6 } from './constants.generated';
import type { AF_NETLINK, AF_PACKET, AF_UNIX, AF_VSOCK, SOCK_DGRAM, SOCK_RAW } from './constants.generated';
import { getaddrinfo, getaddrinfoSync, type AddrInfo } from './netdb';

/**
 * AF_INET: `[host, port]`; host `''` is any address, `'<broadcast>'` the broadcast address.
 * @group Addresses
 */
export type InetAddress = [host: string, port: number];
/**
 * AF_INET6: `[host, port, flowinfo?, scopeId?]`; host may carry a scope: `'fe80::1%lo'`.
 * @group Addresses
 */
export type Inet6Address = [host: string, port: number, flowinfo?: number, scopeId?: number];
/**
 * AF_UNIX: a path, or a Linux abstract name as bytes starting with `\0` (returned byte-exact).
 * @group Addresses
 */
export type UnixAddress = string | Buffer;
/**
 * AF_PACKET: `[ifname, proto, pkttype?, hatype?, addr?]`.
 * @group Addresses
 */
export type PacketAddress = [ifname: string, proto: number, pkttype?: number, hatype?: number, addr?: Buffer];
/**
 * AF_NETLINK: `[pid, groups]`.
 * @group Addresses
 */
export type NetlinkAddress = [pid: number, groups: number];
/**
 * AF_VSOCK: `[cid, port]`.
 * @group Addresses
 */
export type VsockAddress = [cid: number, port: number];
/**
 * Any socket address.
 * @group Addresses
 */
export type Address = InetAddress | Inet6Address | UnixAddress | PacketAddress | NetlinkAddress | VsockAddress;

/**
 * The address type of family `F`: what `getsockname()` returns and `bind()`
 * takes on a socket of that family. A family whose value is not known
 * statically (a `number`) gives {@link Address}.
 * ```ts
 * AddressOf<typeof AF_INET>;  // InetAddress
 * AddressOf<typeof AF_UNIX>;  // UnixAddress
 * AddressOf<number>;          // Address
 * ```
 * @group Addresses
 */
export type AddressOf<F extends number> = F extends typeof AF_INET
  ? InetAddress
  : F extends typeof AF_INET6
    ? Inet6Address
    : F extends typeof AF_UNIX
      ? UnixAddress
      : F extends typeof AF_PACKET
        ? PacketAddress
        : F extends typeof AF_NETLINK
          ? NetlinkAddress
          : F extends typeof AF_VSOCK
            ? VsockAddress
            : Address;

/**
 * The address `recvfrom()` returns on a socket of family `F` and type `T`:
 * never null for datagrams and raw packets of the INET, INET6, PACKET and
 * NETLINK families (the kernel always names the sender); `null` is possible
 * on a stream or SEQPACKET socket (connected: the kernel names nobody) and on
 * AF_UNIX datagram sockets (a sender that is not bound has no name). A type
 * not known statically (a `number`, or `SOCK_DGRAM | SOCK_NONBLOCK`) keeps
 * the `null`.
 * @group Addresses
 */
export type RecvfromAddressOf<F extends number, T extends number> = F extends
  | typeof AF_INET
  | typeof AF_INET6
  | typeof AF_PACKET
  | typeof AF_NETLINK
  ? T extends typeof SOCK_DGRAM | typeof SOCK_RAW
    ? AddressOf<F>
    : AddressOf<F> | null
  : AddressOf<F> | null;

/**
 * The host of an INET/INET6 address if it must be resolved first: what
 * Python's `setipaddr` does not take as it is. `''` (any), `'<broadcast>'`
 * and an address that inet_pton(3) parses for the socket's family are
 * numeric (an IPv6 one may carry a `%scope`, which the native layer reads).
 * Anything else, old IPv4 forms like `'127.1'` and an IPv6 address on an
 * AF_INET socket included, goes through getaddrinfo(3) restricted to the
 * socket's family, so `'::1'` on an AF_INET socket is GaiError
 * EAI_ADDRFAMILY, as in Python.
 */
function hostToResolve(family: number, address: unknown): string | undefined {
  if (family !== AF_INET && family !== AF_INET6) return undefined;
  if (!Array.isArray(address) || typeof address[0] !== 'string') return undefined;
  const host = address[0];
  // The host of the last numeric address seen: a server answering the peer
  // it just heard from sends to the same string again and again (the
  // address cache hands back the same tuple), so no inet_pton per datagram.
  if (host === lastNumeric[family === AF_INET ? 0 : 1]) return undefined;
  if (host === '' || host === '<broadcast>' || host.includes('\0')) return undefined;
  const pct = family === AF_INET ? -1 : host.indexOf('%');
  if (binding.inet_pton(family, pct >= 0 ? host.slice(0, pct) : host) === null) return host;
  lastNumeric[family === AF_INET ? 0 : 1] = host;
  return undefined;
}
const lastNumeric: [string | null, string | null] = [null, null];

/**
 * The given address with its host replaced by the first resolved one (port,
 * flowinfo, scope kept). A resolved IPv6 scope is used when the address
 * gives none (Python drops it; keeping it is what a link-local name needs).
 */
function withHost(address: unknown[], infos: AddrInfo[]): Address {
  const out = address.slice() as [string, number, ...unknown[]];
  const sa = infos[0][4] as [string, number, number?, number?];
  out[0] = sa[0];
  if (sa.length === 4 && sa[3] !== 0 && out[3] === undefined) {
    if (out[2] === undefined) out[2] = 0;
    out[3] = sa[3];
  }
  return out as Address;
}

// Like Python's setipaddr: getaddrinfo(host, NULL) with only the family as a
// hint; the socket type is not passed (SOCK_RAW / SOCK_SEQPACKET would make
// getaddrinfo fail with EAI_SOCKTYPE for no reason).

/** The address with its host name resolved (first getaddrinfo result), blocking. */
export function resolveAddressSync(family: number, type: number, address: unknown): Address {
  const host = hostToResolve(family, address);
  if (host === undefined) return address as Address;
  return withHost(address as unknown[], getaddrinfoSync(host, null, family));
}

/** The address with its host name resolved on the thread pool; numeric hosts pass through. */
export function resolveAddress(family: number, type: number, address: unknown): Address | Promise<Address> {
  const host = hostToResolve(family, address);
  if (host === undefined) return address as Address;
  return getaddrinfo(host, null, family).then((infos) => withHost(address as unknown[], infos));
}
