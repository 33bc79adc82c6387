// Echo server with node:net using stream piping: socket.pipe(socket), which
// adds backpressure (pause when write() returns false, resume on 'drain').
import net from 'node:net';
import { parseArgs, listenNet } from './common.mjs';

const server = net.createServer({ noDelay: true }, (socket) => {
  socket.pipe(socket);
  socket.on('error', () => {});
});
listenNet(server, parseArgs());
