// bsdsock on several cores: N worker_threads, each with its own listening
// socket from `createServer([host, port], { reusePort: true })` on the same
// port, so the kernel spreads incoming connections over the listeners
// (SO_REUSEPORT hashes each connection to one of them). Each worker serves its
// connections with the plain async loop: `await recvInto(buf)` then
// `await sendall(...)`.
//
//   bsdsock-reuseport.mjs tcp <port> [workers=2]
//
// Prints READY <port> once every worker listens, and `CONNS <n0> <n1> ...`
// (connections accepted per worker so far) whenever that changes: the driver
// reports the spread from the last such line.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import bsd from '../../dist/index.js';
import { HOST, parseArgs, ready } from './common.mjs';

const { IPPROTO_TCP, TCP_NODELAY } = bsd;

if (isMainThread) {
  const { transport, address } = parseArgs();
  if (transport !== 'tcp') throw new Error('bsdsock-reuseport.mjs serves tcp only');
  const n = Number(process.argv[4] ?? 2);
  const counts = new Array(n).fill(0);
  let scheduled = false;
  const report = () => {
    scheduled = false;
    process.stdout.write(`CONNS ${counts.join(' ')}\n`);
  };
  const start = (index, port) => new Promise((resolve, reject) => {
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { index, port } });
    w.on('error', (err) => { console.error(err); process.exit(1); });
    w.on('message', (m) => {
      if (m.port !== undefined) resolve(m.port);
      else if (m === 'conn') {
        counts[index]++;
        if (!scheduled) { scheduled = true; setImmediate(report); }
      }
    });
    w.on('exit', (code) => reject(new Error(`worker ${index} exited (${code})`)));
  });
  // The first listener takes an ephemeral port; the others bind that port.
  const port = await start(0, Number(address));
  await Promise.all(Array.from({ length: n - 1 }, (_, i) => start(i + 1, port)));
  ready(port);
} else {
  const sock = await bsd.createServer([HOST, workerData.port], { reusePort: true, backlog: 1024 });
  parentPort.postMessage({ port: sock.getsockname()[1] });

  const serve = async (conn) => {
    conn.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
    const buf = Buffer.allocUnsafe(65536);
    try {
      for (;;) {
        const n = await conn.recvInto(buf);
        if (n === 0) break;
        await conn.sendall(n === buf.length ? buf : buf.subarray(0, n));
      }
    } catch {
      // the load generator resets its connections at exit
    }
    conn.close();
  };
  for (;;) {
    const [conn] = await sock.accept();
    parentPort.postMessage('conn');
    serve(conn);
  }
}
