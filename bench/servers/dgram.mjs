// UDP echo server with node:dgram: every 'message' is sent back to its sender.
import dgram from 'node:dgram';
import { HOST, parseArgs, ready } from './common.mjs';

const { transport, address } = parseArgs();
if (transport !== 'udp') throw new Error('dgram.mjs serves udp only');
const socket = dgram.createSocket('udp4');
socket.on('message', (msg, rinfo) => socket.send(msg, rinfo.port, rinfo.address));
socket.on('error', () => {});
socket.bind(Number(address), HOST, () => ready(socket.address().port));
