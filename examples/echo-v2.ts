/**
 * Group chat, version 2: an echo server that serves many clients at once on
 * one thread, event-driven like a select()/epoll server in C. It uses the
 * readiness callbacks (`onReadable` / `onWritable`) with the non-throwing
 * `tryRecvInto` / `trySend`, one shared read buffer, and backpressure: while
 * a client's echo cannot be sent, that client is not read from.
 * @module
 */
import * as os from 'node:os';
import * as util from 'node:util';
import { SocketError, type Socket, type Address } from 'bsdsock';
import { decodeUtf8, type Command, netOptions, parseCommand, portOption, pyRepr, pyStrRepr, runIfMain } from './common';
import { listen } from './tcp-echo-server';

const { EAGAIN } = os.constants.errno;

const net = netOptions(8885, 'bind to');
export const command: Command = {
  name: 'echo-v2',
  summary: 'Chat version 2: an echo server for many clients at once, event-driven (onReadable / onWritable, tryRecvInto / trySend).',
  options: net.options,
  help: net.help,
};

// One read buffer for every client: each chunk is echoed (or copied) before
// the callback returns.
const buf = Buffer.allocUnsafe(65536);

/** Echoes everything `sock` sends until it closes. */
function serve(sock: Socket, address: Address): void {
  console.log('Connected from', pyRepr(address));
  let pending: Buffer | null = null; // echo bytes the kernel has not taken yet

  const close = (errno?: number): void => {
    sock.close(); // also drops the readiness callbacks
    if (errno !== undefined) console.log(`Error from ${pyRepr(address)}: ${util.getSystemErrorName(errno)}`);
    console.log(`Disconnected from ${pyRepr(address)}`);
  };

  const writable = (): void => {
    const w = sock.trySend(pending!);
    if (w === -EAGAIN) return;
    if (w < 0) return close(w);
    pending = w < pending!.length ? pending!.subarray(w) : null;
    if (pending === null) {
      sock.onWritable(null);
      sock.onReadable(readable);
    }
  };

  const readable = (): void => {
    // At most 16 reads per wakeup, so one busy client cannot starve the rest.
    for (let i = 0; i < 16; i++) {
      const n = sock.tryRecvInto(buf);
      if (n === -EAGAIN) return;
      if (n < 0) return close(n);
      if (n === 0) return close();
      const data = buf.subarray(0, n);
      console.log(`Recv: ${pyStrRepr(decodeUtf8(data))}`);
      const w = sock.trySend(data);
      if (w < 0 && w !== -EAGAIN) return close(w);
      if (w < n) {
        // The peer is not reading its echoes: keep the rest, stop reading.
        pending = Buffer.from(data.subarray(Math.max(w, 0)));
        sock.onReadable(null);
        sock.onWritable(writable);
        return;
      }
      if (n < buf.length) return; // a short read: the socket is drained
    }
  };

  sock.onReadable(readable);
}

export function main(argv: string[]): void {
  const opts = parseCommand(command, argv);
  if (opts === null) return;
  const servsock = listen({ ipv6: opts.ipv6 === true, host: opts.host as string | undefined, port: portOption(command, opts.port, 8885), backlog: 128 });
  servsock.onReadable(() => {
    // tryAccept: a negative errno instead of an exception when nothing is pending.
    for (let i = 0; i < 64; i++) {
      const r = servsock.tryAccept();
      if (typeof r === 'number') {
        if (r === -EAGAIN) return;
        throw new SocketError(-r, 'accept');
      }
      serve(r[0], r[1]);
    }
  });
}

runIfMain(module, main);
