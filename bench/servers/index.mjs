// The registry of programs under test. bench/run.mjs runs every entry against
// every configuration whose transport it lists; add a server by adding an
// entry here (see bench/README.md, "Adding a server").
//
// Server entry:
//   name        short id, used by --filter and in results
//   label       what the table and chart show (short: the terminal table is
//               at most 100 columns wide)
//   calls       the exact calls the server makes per message, as a user would
//               write them: every report row names them
//   kind        the chart colour: 'c', 'node', 'bsdsock-async',
//               'bsdsock-ready', 'bsdsock-batch', 'bsdsock-stream'
//   transports  which configurations it serves: 'tcp' (TCP stream and
//               ping-pong), 'unix' (AF_UNIX stream), 'udp' (UDP echo)
//   argv(transport, address, config) -> [file, ...args]: the command to
//               start. address is '0' (tcp/udp: ephemeral port on 127.0.0.1)
//               or a socket path (unix). The program prints `READY
//               <port-or-path>` on stdout once it serves, and serves until
//               SIGTERM/SIGKILL.
//   role        'baseline' (rate ratios and CPU/base are relative to it:
//               node:net / node:dgram / node:cluster) or 'ceiling' (the C
//               server: CPU/C); omit for the contenders.
//   ceiling     optional name of the entry to use as C reference instead of
//               the configuration's 'ceiling' (the bsdsock mmsg server is
//               compared with the C recvmmsg/sendmmsg server)
//   configs     optional RegExp on configuration ids, to narrow further; a
//               configuration with `exclusive: true` (multi-worker) runs
//               only the entries whose `configs` match it.
//   processes   true when the server forks worker processes: CPU is summed
//               over the process and its descendants.
//
// Pair entry (end-to-end configurations, client and server both under test):
//   name, label, calls, kind, role   as above
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
  // ---- references -------------------------------------------------------------
  { name: 'c-epoll', label: 'C epoll', kind: 'c', transports: ['tcp', 'unix'], role: 'ceiling', argv: cServer(),
    calls: 'epoll_wait; recv(64 KiB) -> send until a short read' },
  { name: 'net-data', label: "net on('data') write", kind: 'node', transports: ['tcp', 'unix'], role: 'baseline',
    calls: "socket.on('data', (d) => socket.write(d))", argv: nodeServer('servers/net-data.mjs') },
  { name: 'net-pipe', label: 'net pipe', kind: 'node', transports: ['tcp', 'unix'],
    calls: 'socket.pipe(socket)', argv: nodeServer('servers/net-pipe.mjs') },
  { name: 'c-udp', label: 'C recvfrom/sendto', kind: 'c', transports: ['udp'], role: 'ceiling', argv: cServer('udp'),
    calls: 'epoll_wait; recvfrom -> sendto until EAGAIN' },
  { name: 'c-mmsg', label: 'C recvmmsg/sendmmsg', kind: 'c', transports: ['udp'], ceiling: 'c-mmsg', argv: cServer('mmsg'),
    calls: 'epoll_wait; recvmmsg(64) -> sendmmsg until a short batch' },
  { name: 'dgram', label: "dgram on('message') send", kind: 'node', transports: ['udp'], role: 'baseline',
    calls: "socket.on('message', (m, r) => socket.send(m, r.port, r.address))", argv: nodeServer('servers/dgram.mjs') },

  // ---- bsdsock, TCP and AF_UNIX stream ------------------------------------
  { name: 'bsdsock-async', label: 'await recvInto/sendall', kind: 'bsdsock-async', transports: ['tcp', 'unix'],
    calls: 'const n = await c.recvInto(buf); await c.sendall(buf.subarray(0, n))',
    argv: nodeServer('servers/bsdsock-async.mjs') },
  { name: 'bsdsock-async-recv', label: 'await recv/sendall', kind: 'bsdsock-async', transports: ['tcp', 'unix'],
    calls: 'const d = await c.recv(65536); await c.sendall(d)', argv: nodeServer('servers/bsdsock-async-recv.mjs') },
  { name: 'bsdsock-ready', label: 'onReadable tryRecvInto/trySend', kind: 'bsdsock-ready', transports: ['tcp', 'unix'],
    calls: 'c.onReadable(() => { n = c.tryRecvInto(buf); c.trySend(buf.subarray(0, n)) })',
    argv: nodeServer('servers/bsdsock-ready.mjs') },
  { name: 'bsdsock-makefile', label: "makefile('rwb') pipe", kind: 'bsdsock-stream', transports: ['tcp', 'unix'],
    calls: "const f = c.makefile('rwb'); f.pipe(f)", argv: nodeServer('servers/bsdsock-makefile.mjs') },

  // ---- bsdsock, UDP -----------------------------------------------------------
  { name: 'bsdsock-dgram-async', label: 'await recvfrom/sendto', kind: 'bsdsock-async', transports: ['udp'],
    calls: 'const [data, addr] = await s.recvfrom(2048); await s.sendto(data, addr)',
    argv: nodeServer('servers/bsdsock-dgram-async.mjs') },
  { name: 'bsdsock-dgram-batch', label: 'setbatching(64); await recvfrom/sendto', kind: 'bsdsock-async', transports: ['udp'],
    calls: 's.setbatching(64); const [data, addr] = await s.recvfrom(2048); await s.sendto(data, addr)',
    argv: nodeServer('servers/bsdsock-dgram-batch.mjs') },
  { name: 'bsdsock-dgram-ready', label: 'onReadable tryRecvfromInto/trySendto', kind: 'bsdsock-ready', transports: ['udp'],
    calls: 's.onReadable(() => { [n, addr] = s.tryRecvfromInto(buf); s.trySendto(buf.subarray(0, n), addr) })',
    argv: nodeServer('servers/bsdsock-dgram-ready.mjs') },
  { name: 'bsdsock-dgram-mmsg', label: 'onReadable tryRecvmmsg/trySendmmsg', kind: 'bsdsock-batch', transports: ['udp'],
    ceiling: 'c-mmsg', calls: 's.onReadable(() => { n = s.tryRecvmmsg(bufs, meta, names); s.trySendmmsg(bufs, meta, names, n) })',
    argv: nodeServer('servers/bsdsock-dgram-mmsg.mjs') },

  // ---- several cores (exclusive configuration tcp-reuseport-*) -----------------
  { name: 'net-cluster', label: 'cluster net', kind: 'node', transports: ['tcp'], configs: /reuseport/,
    role: 'baseline', processes: true,
    calls: "cluster.fork() x N; net.createServer(s => s.on('data', d => s.write(d))).listen(port)",
    argv: (transport, address, config) => [...nodeServer('servers/net-cluster.mjs')(transport, address), String(config.workers)] },
  { name: 'bsdsock-reuseport', label: 'threads reusePort', kind: 'bsdsock-async', transports: ['tcp'],
    configs: /reuseport/,
    calls: 'new Worker() x N; createServer(addr, { reusePort: true }); await recvInto/sendall',
    argv: (transport, address, config) => [...nodeServer('servers/bsdsock-reuseport.mjs')(transport, address), String(config.workers)] },
];

export const PAIRS = [
  { name: 'c-loadgen', label: 'C loadgen -> C epoll', kind: 'c', role: 'ceiling', server: 'c-epoll',
    calls: 'C epoll client and server', client: (args) => [LOADGEN, ...args] },
  { name: 'net-client', label: 'net client -> net server', kind: 'node', role: 'baseline', server: 'net-data',
    calls: "net.connect: write(msg), on('data') -> next write; server on('data') write",
    client: nodeClient('clients/net-pingpong.mjs') },
  { name: 'bsdsock-client', label: 'bsdsock client -> server', kind: 'bsdsock-async', server: 'bsdsock-async',
    calls: 'client: await sendall(msg); await recvInto(buf); server: await recvInto/sendall',
    client: nodeClient('clients/bsdsock-pingpong.mjs') },
];
