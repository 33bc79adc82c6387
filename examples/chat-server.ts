/**
 * Group chat, version 3: the chat server announced at the end of the seed
 * text. Line protocol (UTF-8 text, one message per `\n`-terminated line), so
 * any line-based TCP client (`nc`, a `net.Socket`, `bsdsock chat-client`)
 * can join:
 *
 * - the first line is the nickname (or `/nick NAME`); everyone, the newcomer
 *   included, gets `* NAME joined`;
 * - every other line goes to every other client as `<NAME> text`;
 * - `/nick NEW` renames (`* OLD is now known as NEW`), `/who` lists who is
 *   here (`* online: a, b`), `/quit` leaves; leaving, closing or dying
 *   gives `* NAME left` to the others.
 *
 * One thread, event-driven: readiness callbacks with `tryRecvInto` and
 * `trySend`, never a blocking or awaited send. A slow or dead client never
 * stalls the others: what the kernel does not take waits in that client's
 * own bounded queue, and a client whose queue overflows is dropped, with
 * `* NAME left (dropped: too slow)` to the others.
 * @module
 */
import * as os from 'node:os';
import * as util from 'node:util';
import type { Socket, Address } from 'bsdsock';
import { type Command, intOption, LineSplitter, netOptions, parseCommand, portOption, pyRepr, runIfMain } from './common';
import { listen } from './tcp-echo-server';

const { EAGAIN } = os.constants.errno;

const net = netOptions(8890, 'bind to');
export const command: Command = {
  name: 'chat-server',
  summary: 'Chat version 3: group chat server with nicknames, join/leave notices, /nick, /who, /quit; slow clients are dropped.',
  options: { ...net.options, 'max-queue': { type: 'string' } },
  help: [...net.help, '--max-queue BYTES  output a client may have waiting beyond the kernel\'s buffers before it is dropped (default: 262144)'],
};

/** Longest line accepted; a longer one gets its client dropped. */
const MAX_LINE = 64 * 1024;
const NICK = /^[^\s/*<>][^\s<>]{0,31}$/u;

interface Client {
  sock: Socket;
  address: Address;
  nick: string | null;
  lines: LineSplitter;
  /** Output not yet taken by the kernel, in order. */
  out: Buffer[];
  outBytes: number;
  /** Waiting for writability (the kernel's send buffer was full). */
  blocked: boolean;
  alive: boolean;
}

/** The chat room: every connected client, in the order they came. */
export class ChatServer {
  readonly #clients = new Set<Client>();
  readonly #dirty = new Set<Client>();
  readonly #notices: string[] = [];
  readonly #buf = Buffer.allocUnsafe(65536);
  readonly #maxQueue: number;

  constructor(
    readonly servsock: Socket,
    opts: { maxQueue: number },
  ) {
    this.#maxQueue = opts.maxQueue;
    servsock.onReadable(() => this.#accept());
  }

  #accept(): void {
    for (let i = 0; i < 64; i++) {
      // tryAccept: a negative errno instead of an exception when nothing is pending.
      const accepted = this.servsock.tryAccept();
      if (typeof accepted === 'number') {
        if (accepted !== -EAGAIN) console.log(`accept failed: ${util.getSystemErrorName(accepted)}`);
        break;
      }
      const [sock, address] = accepted;
      const c: Client = { sock, address, nick: null, lines: new LineSplitter(), out: [], outBytes: 0, blocked: false, alive: true };
      this.#clients.add(c);
      console.log('Connected from', pyRepr(address));
      this.#queue(c, Buffer.from('* Welcome! Send your nickname.\n'));
      sock.onReadable(() => this.#read(c));
    }
    this.#flush();
  }

  #read(c: Client): void {
    // At most 16 reads per wakeup, so one busy client cannot starve the rest.
    for (let i = 0; i < 16 && c.alive; i++) {
      const n = c.sock.tryRecvInto(this.#buf);
      if (n === -EAGAIN) break;
      if (n < 0) {
        this.#drop(c, ` (${util.getSystemErrorName(n)})`);
        break;
      }
      if (n === 0) {
        const last = c.lines.end(); // a last line without its newline still counts
        if (last !== '') this.#line(c, last);
        this.#drop(c, '');
        break;
      }
      for (const line of c.lines.push(this.#buf.subarray(0, n))) {
        this.#line(c, line);
        if (!c.alive) break;
      }
      if (c.alive && c.lines.pending > MAX_LINE) this.#drop(c, ' (dropped: line too long)');
      this.#flush(); // after each read: a queue grows by at most one read's worth
      if (n < this.#buf.length) break; // a short read: drained
    }
    this.#flush(); // the notices of a drop above
  }

  /** One line from `c`: a nickname, a command, or a message for the others. */
  #line(c: Client, line: string): void {
    if (c.nick === null && !line.startsWith('/')) line = `/nick ${line}`;
    if (!line.startsWith('/')) {
      if (line !== '') this.#broadcast(`<${c.nick}> ${line}`, c);
      return;
    }
    const [cmd, ...rest] = line.trim().split(/\s+/u);
    const arg = rest.join(' ');
    switch (cmd) {
      case '/nick': {
        if (!NICK.test(arg)) return this.#tell(c, `* invalid nickname ${JSON.stringify(arg)}: 1 to 32 characters, no spaces, not starting with / or *`);
        if ([...this.#clients].some((o) => o.nick === arg && o !== c)) return this.#tell(c, `* nickname ${arg} is taken, choose another`);
        const old = c.nick;
        c.nick = arg;
        if (old === null) this.#announce(`* ${arg} joined`);
        else if (old !== arg) this.#announce(`* ${old} is now known as ${arg}`);
        return;
      }
      case '/who':
        return this.#tell(c, `* online: ${[...this.#clients].filter((o) => o.nick !== null).map((o) => o.nick).join(', ')}`);
      case '/quit':
        this.#tell(c, '* bye');
        this.#flushClient(c);
        return this.#drop(c, '');
      default:
        return this.#tell(c, `* unknown command ${cmd} (commands: /nick NAME, /who, /quit)`);
    }
  }

  #tell(c: Client, text: string): void {
    this.#queue(c, Buffer.from(text + '\n'));
  }

  /** A line for everyone who has joined (and the server's log). */
  #announce(text: string): void {
    console.log(text);
    this.#broadcast(text, null);
  }

  /** `text` to every joined client but `except`; the bytes are built once and shared. */
  #broadcast(text: string, except: Client | null): void {
    const data = Buffer.from(text + '\n');
    for (const o of this.#clients) if (o !== except && o.nick !== null) this.#queue(o, data);
  }

  #queue(c: Client, data: Buffer): void {
    if (!c.alive) return;
    c.out.push(data);
    c.outBytes += data.length;
    this.#dirty.add(c);
  }

  /** Closes `c` at once (its queued output is discarded) and tells the others. */
  #drop(c: Client, why: string): void {
    if (!c.alive) return;
    c.alive = false;
    c.sock.close(); // also stops its readiness callbacks
    this.#clients.delete(c);
    this.#dirty.delete(c);
    c.out = [];
    console.log(`Disconnected from ${pyRepr(c.address)}`);
    // Told after the current line is done, not in the middle of a broadcast.
    if (c.nick !== null) this.#notices.push(`* ${c.nick} left${why}`);
  }

  /** Sends the pending notices, then whatever each client has queued. */
  #flush(): void {
    while (this.#notices.length > 0) this.#announce(this.#notices.shift()!);
    for (const c of this.#dirty) {
      this.#dirty.delete(c);
      if (!c.blocked) this.#flushClient(c);
      // What the kernel would not take stays queued, up to the bound.
      if (c.alive && c.outBytes > this.#maxQueue) this.#drop(c, ' (dropped: too slow)');
    }
    if (this.#notices.length > 0) this.#flush(); // a send failed: tell about it too
  }

  /** As much of `c`'s queue as the kernel takes now; waits for writability for the rest. */
  #flushClient(c: Client): void {
    while (c.alive && c.out.length > 0) {
      const data = c.out.length === 1 ? c.out[0] : Buffer.concat(c.out, c.outBytes);
      const w = c.sock.trySend(data);
      if (w < 0 && w !== -EAGAIN) return this.#drop(c, ` (${util.getSystemErrorName(w)})`);
      const sent = Math.max(w, 0);
      c.outBytes -= sent;
      c.out = sent === data.length ? [] : [data.subarray(sent)];
      if (sent < data.length) {
        if (!c.blocked) {
          c.blocked = true;
          c.sock.onWritable(() => {
            this.#flushClient(c);
            this.#flush();
          });
        }
        return;
      }
    }
    if (c.blocked && c.alive) {
      c.blocked = false;
      c.sock.onWritable(null);
    }
  }
}

export function main(argv: string[]): void {
  const opts = parseCommand(command, argv);
  if (opts === null) return;
  const servsock = listen({
    ipv6: opts.ipv6 === true,
    host: opts.host as string | undefined,
    port: portOption(command, opts.port, 8890),
    backlog: 1024,
  });
  new ChatServer(servsock, {
    maxQueue: intOption(command, 'max-queue', opts['max-queue'], 256 * 1024),
  });
}

runIfMain(module, main);
