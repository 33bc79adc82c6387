// The registry of programs under test. bench/run.mjs runs every entry against
// every configuration whose transport it lists; add a server by adding an
// entry here (see the commented bsdsock placeholders and bench/README.md).
//
// Server entry:
//   name        short id, used by --filter and in results
//   label       what the table and chart show
//   transports  which configurations it serves: 'tcp' (TCP stream and
//               ping-pong), 'unix' (AF_UNIX stream), 'udp' (UDP echo)
//   argv(transport, address) -> [file, ...args]: the command to start.
//               address is '0' (tcp/udp: ephemeral port on 127.0.0.1) or a
//               socket path (unix). The program prints `READY <port-or-path>`
//               on stdout once it serves, and serves until SIGTERM/SIGKILL.
//   role        'baseline' (ratios are relative to it: node:net / node:dgram)
//               or 'ceiling' (the C server); omit for the contenders.
//   configs     optional RegExp on configuration ids, to narrow further.
//
// Pair entry (end-to-end configurations, client and server both under test):
//   name, label, role   as above
//   server      name of the server entry to start
//   client(args) -> [file, ...args]: the client command; args is the
//               `loadgen pingpong` command line without the program
//               (pingpong <target> -s .. -c .. -d .. -W ..). The client prints
//               START, STOP and one JSON line exactly as bench/build/loadgen.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const LOADGEN = path.join(BENCH, 'build', 'loadgen');
export const ECHO_SERVER = path.join(BENCH, 'build', 'echo_server');

/** A Node program taking `<transport> <address>`. */
const nodeServer = (file) => (transport, address) =>
  [process.execPath, path.join(BENCH, file), transport, address];

/** The C server; UDP runs in `udp` (one datagram per call) or `mmsg` mode. */
const cServer = (udpMode) => (transport, address) =>
  [ECHO_SERVER, transport === 'udp' ? udpMode : transport, address];

/** A Node client taking the loadgen command line. */
const nodeClient = (file) => (args) => [process.execPath, path.join(BENCH, file), ...args];

export const SERVERS = [
  { name: 'c-epoll', label: 'C epoll', transports: ['tcp', 'unix'], role: 'ceiling', argv: cServer() },
  { name: 'net-data', label: "net on('data') write", transports: ['tcp', 'unix'], role: 'baseline',
    argv: nodeServer('servers/net-data.mjs') },
  { name: 'net-pipe', label: 'net pipe', transports: ['tcp', 'unix'], argv: nodeServer('servers/net-pipe.mjs') },
  { name: 'c-mmsg', label: 'C recvmmsg/sendmmsg', transports: ['udp'], role: 'ceiling', argv: cServer('mmsg') },
  { name: 'c-udp', label: 'C recvfrom/sendto', transports: ['udp'], argv: cServer('udp') },
  { name: 'dgram', label: 'dgram', transports: ['udp'], role: 'baseline', argv: nodeServer('servers/dgram.mjs') },

  // ---- bsdsock servers ------------------------------------------------------
  { name: 'bsdsock-async', label: 'bsdsock async recvInto/sendall', transports: ['tcp', 'unix'],
    argv: nodeServer('servers/bsdsock-async.mjs') },
  { name: 'bsdsock-ready', label: 'bsdsock readiness callbacks', transports: ['tcp', 'unix'],
    argv: nodeServer('servers/bsdsock-ready.mjs') },
  { name: 'bsdsock-makefile', label: 'bsdsock makefile() pipe', transports: ['tcp', 'unix'],
    argv: nodeServer('servers/bsdsock-makefile.mjs') },
  { name: 'bsdsock-dgram', label: 'bsdsock recvfrom/sendto', transports: ['udp'],
    argv: nodeServer('servers/bsdsock-dgram.mjs') },
  { name: 'bsdsock-dgram-mmsg', label: 'bsdsock recvmmsg/sendmmsg', transports: ['udp'],
    argv: nodeServer('servers/bsdsock-dgram-mmsg.mjs') },
];

export const PAIRS = [
  { name: 'c-loadgen', label: 'C loadgen -> C epoll', role: 'ceiling', server: 'c-epoll',
    client: (args) => [LOADGEN, ...args] },
  { name: 'net-client', label: 'net client -> net server', role: 'baseline', server: 'net-data',
    client: nodeClient('clients/net-pingpong.mjs') },

  { name: 'bsdsock-client', label: 'bsdsock client -> bsdsock server', server: 'bsdsock-async',
    client: nodeClient('clients/bsdsock-pingpong.mjs') },
];
