// End-to-end ping-pong with bsdsock on the client side, async/await style:
// `conns` connections, each sends `size` bytes and waits for the whole echo
// before the next. Same command line and output as `loadgen pingpong`.
import bsd from '../../dist/index.js';
import { parseArgs, Recorder } from './common.mjs';

const { Socket, AF_INET, AF_UNIX, SOCK_STREAM, IPPROTO_TCP, TCP_NODELAY } = bsd;
const opt = parseArgs();
const rec = new Recorder(opt);
const message = Buffer.alloc(opt.size, 'p');
const sockets = [];
let stopping = false;

async function run(sock) {
  const buf = Buffer.allocUnsafe(opt.size);
  try {
    for (;;) {
      const sentAt = process.hrtime.bigint();
      await sock.sendall(message);
      for (let got = 0; got < opt.size; ) {
        const n = await sock.recvInto(buf, opt.size - got === buf.length ? 0 : opt.size - got);
        if (n === 0) throw new Error('server closed the connection');
        got += n;
      }
      rec.record(Number(process.hrtime.bigint() - sentAt));
    }
  } catch (err) {
    if (stopping) return;
    process.stdout.write(JSON.stringify({ error: `${err.code ?? ''}: ${err.message}` }) + '\n');
    process.exit(1);
  }
}

for (let i = 0; i < opt.conns; i++) {
  const tcp = 'port' in opt.address;
  const sock = new Socket(tcp ? AF_INET : AF_UNIX, SOCK_STREAM);
  await sock.connect(tcp ? [opt.address.host, opt.address.port] : opt.address.path);
  if (tcp) sock.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  sockets.push(sock);
}
for (const s of sockets) run(s);

rec.start(() => {
  stopping = true;
  for (const s of sockets) s.close();
  process.exit(0);
});
