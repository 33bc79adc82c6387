// Shared by the bsdsock benchmark servers: the listening / bound socket for
// the transport from argv, set up as a user would with the public API.
import fs from 'node:fs';
import bsd from '../../dist/index.js';
import { HOST, parseArgs, ready } from './common.mjs';

export { bsd };
const { Socket, AF_INET, AF_UNIX, SOCK_STREAM, SOCK_DGRAM, SOL_SOCKET, SO_REUSEADDR, IPPROTO_TCP, TCP_NODELAY } = bsd;

/** The listening stream socket (tcp or unix) or the bound UDP socket; prints READY. */
export function listen() {
  const { transport, address } = parseArgs();
  let sock;
  if (transport === 'unix') {
    fs.rmSync(address, { force: true });
    sock = new Socket(AF_UNIX, SOCK_STREAM);
    sock.bind(address);
  } else {
    sock = new Socket(AF_INET, transport === 'udp' ? SOCK_DGRAM : SOCK_STREAM);
    sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    sock.bind([HOST, Number(address)]);
  }
  if (transport !== 'udp') sock.listen(1024);
  ready(transport === 'unix' ? address : sock.getsockname()[1]);
  return { sock, transport };
}

/** TCP_NODELAY on accepted TCP connections, as every server in the benchmark. */
export function tune(conn, transport) {
  if (transport === 'tcp') conn.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
}
