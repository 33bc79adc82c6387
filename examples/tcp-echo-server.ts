/**
 * The connection-oriented (TCP) echo server of the seed text, the Node way:
 * one async handler per connection on the event loop instead of a thread per
 * connection (the thread-pool version is `threaded-echo-server`). Prints what
 * the listing's handler prints: `Connected from`, `Recv:`, `Echo:`,
 * `Disconnected from`.
 * @module
 */
import { Socket, AF_INET, AF_INET6, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, type Address } from 'bsdsock';
import { type Command, decodeUtf8, defaultHost, netOptions, parseCommand, portOption, pyRepr, pyStrRepr, runIfMain } from './common';

const net = netOptions(8881, 'bind to');
export const command: Command = {
  name: 'tcp-echo-server',
  summary: 'TCP echo server: many clients at once, one async handler each (accept / recv / sendall), until interrupted.',
  options: net.options,
  help: net.help,
};

/** The listing's `handle(new_sock, address)`, with awaits where Python blocks. */
export async function handle(newSock: Socket, address: Address): Promise<void> {
  console.log('Connected from', pyRepr(address));
  try {
    using sock = newSock;
    for (;;) {
      const received = await sock.recv(1024);
      if (received.length === 0) break;
      const s = decodeUtf8(received); // errors='replace'
      console.log(`Recv: ${pyStrRepr(s)}`);
      await sock.sendall(received);
      console.log(`Echo: ${pyStrRepr(s)}`);
    }
  } catch (e) {
    console.log(`Error from ${pyRepr(address)}: ${(e as Error).message}`);
  }
  console.log(`Disconnected from ${pyRepr(address)}`);
}

/**
 * Binds and listens as the listing does (backlog 5) and prints `Serving at (host, port)`.
 *
 * With SO_REUSEADDR, as `node:net` and `createServer` set it: a server
 * stopped with Ctrl-C leaves its connections in TIME_WAIT for a minute
 * (it closed them first), and without the option bind() would fail with
 * EADDRINUSE until they are gone. It never lets two servers listen on one
 * port (that is SO_REUSEPORT).
 */
export function listen(opts: { ipv6: boolean; host?: string; port: number; backlog?: number }): Socket {
  const sock = new Socket(opts.ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM);
  try {
    sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    sock.bind([opts.host ?? defaultHost(opts.ipv6), opts.port]);
    sock.listen(opts.backlog ?? 5);
  } catch (e) {
    sock.close();
    throw e;
  }
  console.log(`Serving at ${pyRepr(sock.getsockname())}`);
  return sock;
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseCommand(command, argv);
  if (opts === null) return;
  using servsock = listen({ ipv6: opts.ipv6 === true, host: opts.host as string | undefined, port: portOption(command, opts.port, 8881) });
  for (;;) {
    const [newSock, address] = await servsock.accept();
    void handle(newSock, address);
  }
}

runIfMain(module, main);
