/**
 * Group chat, version 1 (the seed text's closing example): an echo server
 * that serves a single client at a time. It accepts one connection, echoes
 * until that client closes, and only then accepts the next; meanwhile other
 * clients wait in the listen queue. Blocking calls only (`acceptSync`,
 * `recvSync`, `sendallSync`): the simplest server there is.
 * @module
 */
import { decodeUtf8, type Command, netOptions, parseCommand, portOption, printSync, pyRepr, pyStrRepr, runIfMain } from './common';
import { listen } from './tcp-echo-server';

const net = netOptions(8884, 'bind to');
export const command: Command = {
  name: 'echo-v1',
  summary: 'Chat version 1: an echo server that serves a single client at a time (blocking accept / recv / sendall).',
  options: net.options,
  help: net.help,
};

export function main(argv: string[]): void {
  const opts = parseCommand(command, argv);
  if (opts === null) return;
  using servsock = listen({ ipv6: opts.ipv6 === true, host: opts.host as string | undefined, port: portOption(command, opts.port, 8884) });
  for (;;) {
    const [conn, address] = servsock.acceptSync();
    printSync('Connected from', pyRepr(address));
    try {
      using sock = conn;
      for (;;) {
        const received = sock.recvSync(1024);
        if (received.length === 0) break;
        printSync(`Recv: ${pyStrRepr(decodeUtf8(received))}`);
        sock.sendallSync(received);
      }
    } catch (e) {
      printSync(`Error from ${pyRepr(address)}: ${(e as Error).message}`);
    }
    printSync(`Disconnected from ${pyRepr(address)}`);
  }
}

runIfMain(module, main);
