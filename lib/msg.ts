/**
 * Ancillary-data helpers: Python's `CMSG_LEN`, `CMSG_SPACE`, `send_fds` and
 * `recv_fds` (the last two built on sendmsg/recvmsg with SCM_RIGHTS).
 * @module
 */
import { binding } from './binding';
import { SOL_SOCKET, SCM_RIGHTS } from './constants.generated';
import type { Address } from './address';
import { cmsgRights, unpackRights } from './cmsg';
import { checkInt } from './args';
import type { Bytes, IoOptions, Socket } from './socket';

/**
 * CMSG_LEN(3): the cmsg_len of an item carrying `length` bytes of data.
 * @group Messages and fds
 */
export function CMSG_LEN(length: number): number {
  return binding.CMSG_LEN(length);
}
/**
 * CMSG_SPACE(3): the buffer space an item of `length` data bytes takes, padding included.
 * @group Messages and fds
 */
export function CMSG_SPACE(length: number): number {
  return binding.CMSG_SPACE(length);
}

const INT = 4;


/**
 * Send `fds` over an AF_UNIX socket with `buffers` (at least one byte must go
 * with them): sendmsg(2) with an SCM_RIGHTS item. Python's `socket.send_fds`.
 * @throws {@link SocketError} (a rejection) from sendmsg(2), e.g. `EBADF` for
 * a closed fd in `fds`; RangeError for an fd that is not a non-negative integer.
 * @example Hand an open socket to another process over an AF_UNIX socket:
 * ```ts
 * await sendFds(unixSock, [Buffer.from('x')], [conn.fileno()]);
 * // in the other process:
 * const [data, [fd]] = await recvFds(unixSock, 1, 1);
 * const conn = new Socket(undefined, undefined, undefined, fd);
 * ```
 * @group Messages and fds
 */
export function sendFds(sock: Socket, buffers: Bytes[], fds: number[], flags = 0, address?: Address, opts?: IoOptions): Promise<number> {
  return sock.sendmsg(buffers, [cmsgRights(fds)], flags, address, opts);
}

/**
 * {@link sendFds}, blocking per the socket's mode.
 * @throws {@link SocketError} from sendmsg(2); RangeError for an fd that is not a
 * non-negative integer.
 * @group Messages and fds
 */
export function sendFdsSync(sock: Socket, buffers: Bytes[], fds: number[], flags = 0, address?: Address): number {
  return sock.sendmsgSync(buffers, [cmsgRights(fds)], flags, address);
}

/**
 * What {@link recvFds} returns: `[data, fds, msgFlags, address]`.
 * @group Messages and fds
 */
export type RecvFdsResult = [Buffer, number[], number, Address | null];

function unpackFds(result: [Buffer, Array<[number, number, Buffer]>, number, Address | null]): RecvFdsResult {
  const [data, anc, flags, addr] = result;
  const fds: number[] = [];
  for (const [level, type, bytes] of anc) {
    if (level !== SOL_SOCKET || type !== SCM_RIGHTS) continue;
    fds.push(...unpackRights(bytes));
  }
  return [data, fds, flags, addr];
}

/**
 * Receive up to `maxfds` fds and up to `bufsize` bytes: recvmsg(2) with room
 * for one SCM_RIGHTS item. The fds are close-on-exec and now the caller's to
 * close (or to wrap: `new Socket(undefined, undefined, undefined, fd)`).
 * Python's `socket.recv_fds`.
 * @throws {@link SocketError} (a rejection) from recvmsg(2).
 * @group Messages and fds
 */
export async function recvFds(sock: Socket, bufsize: number, maxfds: number, flags = 0, opts?: IoOptions): Promise<RecvFdsResult> {
  return unpackFds(await sock.recvmsg(bufsize, CMSG_SPACE(checkMaxfds('recvFds', maxfds) * INT), flags, opts));
}

/**
 * {@link recvFds}, blocking per the socket's mode.
 * @group Messages and fds
 */
export function recvFdsSync(sock: Socket, bufsize: number, maxfds: number, flags = 0): RecvFdsResult {
  return unpackFds(sock.recvmsgSync(bufsize, CMSG_SPACE(checkMaxfds('recvFdsSync', maxfds) * INT), flags));
}

/** SCM_MAX_FD (253) fds fit one message on Linux; more would only grow the buffer. */
function checkMaxfds(call: string, maxfds: unknown): number {
  return checkInt(call, 'maxfds', maxfds, 0, 253);
}
