/**
 * Addresses in Python's formats, and the host-name step before a syscall:
 * the native layer takes numeric hosts only, so names are resolved here
 * (asynchronously for async calls, synchronously for `...Sync` ones).
 * @module
 */
import { isIP } from 'node:net';
import { AF_INET, AF_INET6 } from './constants.generated';
import { getaddrinfo, getaddrinfoSync, type AddrInfo } from './netdb';

/** AF_INET: `[host, port]`; host `''` is any address, `'<broadcast>'` the broadcast address. */
export type InetAddress = [host: string, port: number];
/** AF_INET6: `[host, port, flowinfo?, scopeId?]`; host may carry a scope: `'fe80::1%lo'`. */
export type Inet6Address = [host: string, port: number, flowinfo?: number, scopeId?: number];
/** AF_UNIX: a path, or a Linux abstract name as bytes starting with `\0` (returned byte-exact). */
export type UnixAddress = string | Buffer;
/** AF_PACKET: `[ifname, proto, pkttype?, hatype?, addr?]`. */
export type PacketAddress = [ifname: string, proto: number, pkttype?: number, hatype?: number, addr?: Buffer];
/** AF_NETLINK: `[pid, groups]`. */
export type NetlinkAddress = [pid: number, groups: number];
/** Any socket address. */
export type Address = InetAddress | Inet6Address | UnixAddress | PacketAddress | NetlinkAddress;

/** The host of an INET/INET6 address if it is a name that must be resolved first. */
function hostToResolve(family: number, address: unknown): string | undefined {
  if (family !== AF_INET && family !== AF_INET6) return undefined;
  if (!Array.isArray(address) || typeof address[0] !== 'string') return undefined;
  const host = address[0];
  if (host === '' || host === '<broadcast>') return undefined;
  const pct = host.indexOf('%');
  if (isIP(pct >= 0 ? host.slice(0, pct) : host) !== 0) return undefined;
  return host;
}

/** The given address with its host replaced by the first resolved one (port, flowinfo, scope kept). */
function withHost(address: unknown[], infos: AddrInfo[]): Address {
  const out = address.slice() as [string, number, ...unknown[]];
  out[0] = (infos[0][4] as [string, number])[0];
  return out as Address;
}

/** The address with its host name resolved (first getaddrinfo result), blocking. */
export function resolveAddressSync(family: number, type: number, address: unknown): Address {
  const host = hostToResolve(family, address);
  if (host === undefined) return address as Address;
  return withHost(address as unknown[], getaddrinfoSync(host, null, family, type));
}

/** The address with its host name resolved on the thread pool; numeric hosts pass through. */
export function resolveAddress(family: number, type: number, address: unknown): Address | Promise<Address> {
  const host = hostToResolve(family, address);
  if (host === undefined) return address as Address;
  return getaddrinfo(host, null, family, type).then((infos) => withHost(address as unknown[], infos));
}
