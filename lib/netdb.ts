/**
 * Name and service resolution: Python's `getaddrinfo` and friends. Each
 * function is async (resolution runs on the libuv thread pool, never on the
 * event loop) and has a `...Sync` twin.
 * @module
 */
import { binding } from './binding';
import { GaiError } from './errors';
import type { Address } from './address';

binding.setGaiErrorFactory(
  (errno: number, code: string, message: string, syscall: string, host?: string) =>
    new GaiError(errno, code, message, syscall, host),
);

/** One getaddrinfo result: `[family, type, proto, canonname, sockaddr]`, as in Python. */
export type AddrInfo = [family: number, type: number, proto: number, canonname: string, sockaddr: Address];

function gaiArgs(host: string | null | undefined, port: string | number | null | undefined): [string | null, string | null] {
  if (host !== null && host !== undefined && typeof host !== 'string') {
    throw new TypeError(`getaddrinfo() host must be a string or null, not ${typeof host}`);
  }
  let p: string | null;
  if (port === null || port === undefined) p = null;
  else if (typeof port === 'number') {
    if (!Number.isInteger(port)) throw new TypeError('getaddrinfo() port must be an integer, a string or null');
    p = String(port);
  } else if (typeof port === 'string') p = port;
  else throw new TypeError(`getaddrinfo() port must be an integer, a string or null, not ${typeof port}`);
  return [host ?? null, p];
}

/**
 * getaddrinfo(3): translate a host and port into the socket addresses to use.
 * Runs on the thread pool. Rejects with {@link GaiError} (`code` `'EAI_NONAME'` ...).
 * Python: `socket.getaddrinfo(host, port, family=0, type=0, proto=0, flags=0)`.
 */
export async function getaddrinfo(
  host: string | null | undefined,
  port: string | number | null | undefined,
  family = 0,
  type = 0,
  proto = 0,
  flags = 0,
): Promise<AddrInfo[]> {
  const [h, p] = gaiArgs(host, port);
  return (await binding.getaddrinfoAsync(h, p, family, type, proto, flags)) as AddrInfo[];
}

/** getaddrinfo(3), blocking the calling thread. See {@link getaddrinfo}. */
export function getaddrinfoSync(
  host: string | null | undefined,
  port: string | number | null | undefined,
  family = 0,
  type = 0,
  proto = 0,
  flags = 0,
): AddrInfo[] {
  const [h, p] = gaiArgs(host, port);
  return binding.getaddrinfo(h, p, family, type, proto, flags) as AddrInfo[];
}
