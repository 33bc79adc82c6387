// End-to-end ping-pong with node:net on both sides: `conns` connections, each
// sends `size` bytes and waits for the whole echo before sending the next.
// Same command line and output as `loadgen pingpong` (see common.mjs).
import net from 'node:net';
import { parseArgs, Recorder } from './common.mjs';

const opt = parseArgs();
const rec = new Recorder(opt);
const message = Buffer.alloc(opt.size, 'p');
const sockets = [];

for (let i = 0; i < opt.conns; i++) {
  const socket = net.connect({ ...opt.address, noDelay: true });
  let got = 0;
  let sentAt = 0n;
  const send = () => {
    sentAt = process.hrtime.bigint();
    socket.write(message);
  };
  socket.on('connect', send);
  socket.on('data', (data) => {
    got += data.length;
    if (got < opt.size) return;
    got -= opt.size; // the server echoes exactly what we sent: got is now 0
    rec.record(Number(process.hrtime.bigint() - sentAt));
    send();
  });
  socket.on('error', (err) => {
    process.stdout.write(JSON.stringify({ error: `${err.code}: ${err.message}` }) + '\n');
    process.exit(1);
  });
  sockets.push(socket);
}

rec.start(() => {
  for (const s of sockets) s.destroy();
  process.exit(0);
});
