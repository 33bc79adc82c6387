// node:net on several cores the Node way: node:cluster with N worker
// processes, each running the `on('data') -> write` echo server on the same
// port. Node's default cluster scheduling on Linux is round-robin: the primary
// accepts every connection and hands it to the next worker (node:net in
// Node 20 has no reusePort option).
//
//   net-cluster.mjs tcp <port> [workers=2]
//
// Prints READY <port> once every worker listens, and `CONNS <n0> <n1> ...`
// (connections per worker so far) whenever that changes. The driver counts
// the CPU of the primary and of every worker.
import cluster from 'node:cluster';
import net from 'node:net';
import { HOST, parseArgs, ready } from './common.mjs';

const { transport, address } = parseArgs();
if (transport !== 'tcp') throw new Error('net-cluster.mjs serves tcp only');

if (cluster.isPrimary) {
  const n = Number(process.argv[4] ?? 2);
  const counts = new Array(n).fill(0);
  let listening = 0;
  let scheduled = false;
  const report = () => {
    scheduled = false;
    process.stdout.write(`CONNS ${counts.join(' ')}\n`);
  };
  for (let i = 0; i < n; i++) {
    const w = cluster.fork({ BENCH_WORKER_INDEX: String(i) });
    w.on('message', (m) => {
      if (m !== 'conn') return;
      counts[i]++;
      if (!scheduled) { scheduled = true; setImmediate(report); }
    });
    w.on('listening', (addr) => {
      if (++listening === n) ready(addr.port);
    });
  }
  cluster.on('exit', (w, code, signal) => {
    if (!w.exitedAfterDisconnect) { console.error(`worker exited (${signal ?? code})`); process.exit(1); }
  });
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const server = net.createServer({ noDelay: true }, (socket) => {
    process.send('conn');
    socket.on('data', (data) => socket.write(data));
    socket.on('error', () => {}); // the load generator resets connections at exit
  });
  // Port 0 in cluster workers: every worker gets the same port, chosen once.
  server.listen(Number(address), HOST);
}
