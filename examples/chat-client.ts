/**
 * The terminal client of the chat server: sends each line typed on stdin and,
 * at the same time, prints every line that arrives (receiving never waits for
 * input: the receive loop and the stdin loop are two async loops on one
 * socket). Exits on end of input (Ctrl-D: the write side is shut down and the
 * server's last lines are still printed) or when the server closes.
 * @module
 */
import * as readline from 'node:readline';
import { Socket, AF_INET, AF_INET6, SOCK_STREAM, SHUT_WR } from 'bsdsock';
import { type Command, defaultHost, LineSplitter, netOptions, parseCommand, portOption, runIfMain } from './common';

const net = netOptions(8890, 'connect to');
export const command: Command = {
  name: 'chat-client',
  summary: 'Chat client: sends the lines typed on stdin and prints what the chat server sends, both at once.',
  options: { ...net.options, nick: { type: 'string', short: 'n' } },
  help: [...net.help, '-n, --nick NAME    join with this nickname (else the first line typed is the nickname)'],
};

/** After end of input, how long to wait for the server to close before leaving anyway. */
const LINGER_MS = 5000;

export async function main(argv: string[]): Promise<void> {
  const opts = parseCommand(command, argv);
  if (opts === null) return;
  const ipv6 = opts.ipv6 === true;
  const host = (opts.host as string | undefined) ?? defaultHost(ipv6);
  const port = portOption(command, opts.port, 8890);

  const sock = new Socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM);
  try {
    await sock.connect([host, port]);
  } catch (e) {
    sock.close();
    throw e;
  }
  console.log(`Connected to ${host}:${port}`);
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  let done = false;

  /** Stops both loops; `sock` is closed once the receive loop has ended. */
  const finish = (): void => {
    if (done) return;
    done = true;
    rl.close();
    process.stdin.destroy();
  };

  // stdin -> server, one line at a time and in order.
  const send = (async () => {
    if (typeof opts.nick === 'string') await sock.sendall(Buffer.from(`${opts.nick}\n`, 'utf8'));
    for await (const line of rl) {
      if (done) break;
      await sock.sendall(Buffer.from(`${line}\n`, 'utf8'));
    }
    if (!done) {
      // End of input: say so to the server and keep printing until it closes.
      sock.shutdown(SHUT_WR);
      setTimeout(() => sock.close(), LINGER_MS).unref();
    }
  })();

  // server -> stdout.
  const lines = new LineSplitter();
  try {
    for await (const chunk of sock) {
      for (const line of lines.push(chunk)) console.log(line);
    }
    const last = lines.end();
    if (last !== '') console.log(last);
    console.log('Disconnected from server');
  } catch (e) {
    if (sock.fileno() >= 0) console.log(`Connection lost: ${(e as Error).message}`);
    else console.log('Disconnected from server');
  } finally {
    finish();
    sock.close();
  }
  await send.catch(() => undefined); // a send cut short by the close
}

runIfMain(module, main);
