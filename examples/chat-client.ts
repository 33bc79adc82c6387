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
  // On a terminal, readline edits the line being typed behind a '> ' prompt;
  // a line from the server is printed above it (see `print`), so it never
  // lands in the middle of what is being typed. Piped stdin: plain lines.
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const rl = readline.createInterface({ input: process.stdin, output: tty ? process.stdout : undefined, terminal: tty, prompt: '> ', crlfDelay: Infinity });
  let done = false;
  let typing = tty; // the prompt is on screen

  /**
   * Prints a line from the server. On a terminal: up to the prompt's first
   * row, clear it and what is typed (it may wrap over several rows), print
   * the line, and let readline redraw the prompt with the half-typed input
   * and the cursor where they were (`prompt(true)`).
   *
   * readline's redraw first moves up the rows its last redraw left the cursor
   * below the prompt (`prevRows`, not a documented property): the blank rows
   * written after the line are what it moves back over. That is usually the
   * cursor's row, but not after a paste: readline writes pasted text without
   * a redraw (Node 20, `kInsertString` when completion is off).
   */
  const print = (line: string): void => {
    if (!typing) return console.log(line);
    const rows = rl.getCursorPos().rows;
    const redrawUp = (rl as unknown as { prevRows?: number }).prevRows ?? 0;
    readline.moveCursor(process.stdout, 0, -rows);
    readline.cursorTo(process.stdout, 0);
    readline.clearScreenDown(process.stdout);
    process.stdout.write(`${line}\n${'\n'.repeat(redrawUp)}`);
    rl.prompt(true);
  };

  /** Takes the prompt and any half-typed input off the screen, for good. */
  const leavePrompt = (): void => {
    if (!typing) return;
    typing = false;
    readline.moveCursor(process.stdout, 0, -rl.getCursorPos().rows);
    readline.cursorTo(process.stdout, 0);
    readline.clearScreenDown(process.stdout);
  };
  rl.on('close', leavePrompt); // Ctrl-D, or finish()

  /** Stops both loops; `sock` is closed once the receive loop has ended. */
  const finish = (): void => {
    if (done) return;
    done = true;
    rl.close();
    process.stdin.destroy();
  };

  // Ctrl-C on a terminal (readline has it in raw mode, so no signal comes): leave.
  rl.on('SIGINT', () => {
    finish();
    sock.close();
  });

  // stdin -> server, one line at a time and in order.
  const send = (async () => {
    if (typeof opts.nick === 'string') await sock.sendall(Buffer.from(`${opts.nick}\n`, 'utf8'));
    if (typing) rl.prompt();
    for await (const line of rl) {
      if (done) break;
      await sock.sendall(Buffer.from(`${line}\n`, 'utf8'));
      if (typing) rl.prompt();
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
      for (const line of lines.push(chunk)) print(line);
    }
    const last = lines.end();
    if (last !== '') print(last);
    finish();
    console.log('Disconnected from server');
  } catch (e) {
    finish();
    if (sock.fileno() >= 0) console.log(`Connection lost: ${(e as Error).message}`);
    else console.log('Disconnected from server');
  } finally {
    finish();
    sock.close();
  }
  await send.catch(() => undefined); // a send cut short by the close
}

runIfMain(module, main);
