// Echo server with node:net, the way most people write it: echo every 'data'
// chunk with write(). noDelay as in every benchmark server (see README).
import net from 'node:net';
import { parseArgs, listenNet } from './common.mjs';

const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on('data', (data) => socket.write(data));
  socket.on('error', () => {}); // the load generator resets connections at exit
});
listenNet(server, parseArgs());
