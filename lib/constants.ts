/**
 * Every `AF_*`, `SOCK_*`, `SOL_*`, `SO_*`, `IPPROTO_*`, `IP_*`, `IPV6_*`,
 * `TCP_*`, `MSG_*`, `SHUT_*`, `AI_*`, `NI_*`, `EAI_*`, `SCM_*` ... constant the
 * platform defines, by name and in {@link constants}. A constant the platform
 * lacks is absent from `constants` (and its named export is `undefined`).
 * @module
 */
import { binding } from './binding';
import { argTypeError, describe } from './args';

export * from './constants.generated';

/**
 * All socket constants this platform defines, by name (frozen).
 * @example
 * ```ts
 * constants.AF_INET6; // 10 on Linux
 * 'SO_REUSEPORT' in constants; // false where the platform lacks it
 * ```
 * @group Constants
 */
export const constants: Readonly<Record<string, number>> = Object.freeze({ ...binding.constants });

/**
 * Names back for numbers, for printing: Python's IntEnum. `AddressFamily[2] === 'AF_INET'`.
 * @group Constants
 */
export type NameTable = Readonly<Record<string, number> & Record<number, string>>;

function table(prefix: string, prefer: string[] = []): NameTable {
  const t: Record<string | number, string | number> = {};
  const names = Object.keys(constants).filter((n) => n.startsWith(prefix));
  // Aliases share a value (AF_UNIX = AF_LOCAL): the preferred or first name wins.
  for (const n of [...prefer, ...names]) {
    if (!(n in constants)) continue;
    t[n] = constants[n];
    if (!(constants[n] in t)) t[constants[n]] = n;
  }
  return Object.freeze(t) as NameTable;
}

/**
 * Address families: `AddressFamily.AF_INET === 2`, `AddressFamily[2] === 'AF_INET'`.
 * @group Constants
 */
export const AddressFamily = table('AF_', ['AF_UNSPEC', 'AF_UNIX', 'AF_INET', 'AF_INET6', 'AF_PACKET', 'AF_NETLINK']);

/**
 * Socket types: `SocketKind.SOCK_STREAM === 1`, `SocketKind[1] === 'SOCK_STREAM'`.
 * @group Constants
 */
export const SocketKind = table('SOCK_', ['SOCK_STREAM', 'SOCK_DGRAM', 'SOCK_RAW', 'SOCK_RDM', 'SOCK_SEQPACKET']);

/**
 * A name for a family number, or the number as a string when it has none.
 * @group Constants
 */
export function familyName(family: number): string {
  if (typeof family !== 'number') throw argTypeError('familyName', `family must be a number, not ${describe(family)}`);
  return (AddressFamily as Record<number, string>)[family] ?? String(family);
}

/**
 * A name for a socket type number, or the number as a string when it has none.
 * @group Constants
 */
export function kindName(type: number): string {
  if (typeof type !== 'number') throw argTypeError('kindName', `type must be a number, not ${describe(type)}`);
  return (SocketKind as Record<number, string>)[type] ?? String(type);
}
