/**
 * Group chat, version 3, written the way the texts' non-blocking section
 * writes servers in Python: one loop around a selector.
 *
 * ```python
 * sel = selectors.DefaultSelector()
 * sel.register(servsock, selectors.EVENT_READ, data=None)
 * while True:
 *     for key, mask in sel.select():
 *         ...accept, read or write, whichever is ready...
 * ```
 *
 * The protocol is chat-server's (examples/chat-server.ts): the first line is
 * the nickname, then `<NAME> text` to every other client, `/nick NEW`,
 * `/who`, `/quit`, join and leave notices. Every socket is non-blocking and
 * registered with `DefaultSelector`: the listener for EVENT_READ (a
 * connection to accept), each client for EVENT_READ, and for EVENT_WRITE too
 * while it has output the kernel has not taken yet. A client whose pending
 * output grows past `--max-queue` is dropped (`* NAME left (dropped: too
 * slow)`), so a client that never reads cannot stall the room.
 * @module
 */
import * as os from 'node:os';
import * as util from 'node:util';
import { DefaultSelector, EVENT_READ, EVENT_WRITE, type Socket, type Address, type SelectorKey } from 'bsdsock';
import { type Command, intOption, LineSplitter, netOptions, parseCommand, portOption, pyRepr, runIfMain } from './common';
import { listen } from './tcp-echo-server';

const { EAGAIN } = os.constants.errno;

const net = netOptions(8891, 'bind to');
export const command: Command = {
  name: 'chat-server-selector',
  summary: 'Chat version 3 written with a selector (one select loop, many clients): the same protocol as chat-server.',
  options: { ...net.options, 'max-queue': { type: 'string' } },
  help: [...net.help, "--max-queue BYTES  output a client may have waiting beyond the kernel's buffers before it is dropped (default: 262144)"],
};

const MAX_LINE = 64 * 1024;
const NICK = /^[^\s/*<>][^\s<>]{0,31}$/u;

interface Client {
  sock: Socket;
  address: Address;
  nick: string | null;
  lines: LineSplitter;
  out: Buffer[];
  outBytes: number;
  alive: boolean;
}

/** What the selector's `data` holds: the listener's marker, or a client. */
type Data = 'listener' | Client;

/** The chat room around one selector. `run()` is the select loop. */
export class SelectorChatServer {
  readonly sel = new DefaultSelector<Data>();
  readonly #clients = new Set<Client>();
  readonly #buf = Buffer.allocUnsafe(65536);
  #notices: string[] = [];
  #stopped = false;

  constructor(
    readonly servsock: Socket,
    readonly maxQueue: number,
  ) {
    servsock.setblocking(false);
    this.sel.register(servsock, EVENT_READ, 'listener');
  }

  /** The select loop: wait for ready sockets, serve each, repeat until `stop()`. */
  async run(): Promise<void> {
    while (!this.#stopped) {
      for (const [key, mask] of await this.sel.select()) {
        if (key.data === 'listener') this.#accept();
        else this.#serve(key as SelectorKey<Client>, mask);
      }
      this.#flushNotices();
    }
  }

  /** Ends the loop (the selector's close wakes a waiting select) and closes every client. */
  stop(): void {
    this.#stopped = true;
    this.sel.close();
    for (const c of this.#clients) c.sock.close();
    this.#clients.clear();
  }

  #accept(): void {
    for (let i = 0; i < 64; i++) {
      const accepted = this.servsock.tryAccept();
      if (typeof accepted === 'number') {
        if (accepted !== -EAGAIN) console.log(`accept failed: ${util.getSystemErrorName(accepted)}`);
        return;
      }
      const [sock, address] = accepted;
      sock.setblocking(false);
      const c: Client = { sock, address, nick: null, lines: new LineSplitter(), out: [], outBytes: 0, alive: true };
      this.#clients.add(c);
      this.sel.register(sock, EVENT_READ, c);
      console.log('Connected from', pyRepr(address));
      this.#send(c, '* Welcome! Send your nickname.');
    }
  }

  #serve(key: SelectorKey<Client>, mask: number): void {
    const c = key.data;
    if (mask & EVENT_WRITE) this.#write(c);
    if (c.alive && mask & EVENT_READ) this.#read(c);
  }

  #read(c: Client): void {
    const n = c.sock.tryRecvInto(this.#buf);
    if (n === -EAGAIN) return;
    if (n < 0) return this.#drop(c, ` (${util.getSystemErrorName(n)})`);
    if (n === 0) {
      const last = c.lines.end(); // a last line without its newline still counts
      if (last !== '') this.#line(c, last);
      return this.#drop(c, '');
    }
    for (const line of c.lines.push(this.#buf.subarray(0, n))) {
      this.#line(c, line);
      if (!c.alive) return;
    }
    if (c.lines.pending > MAX_LINE) this.#drop(c, ' (dropped: line too long)');
  }

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
        if (!NICK.test(arg)) return this.#send(c, `* invalid nickname ${JSON.stringify(arg)}: 1 to 32 characters, no spaces, not starting with / or *`);
        if ([...this.#clients].some((o) => o.nick === arg && o !== c)) return this.#send(c, `* nickname ${arg} is taken, choose another`);
        const old = c.nick;
        c.nick = arg;
        if (old === null) this.#announce(`* ${arg} joined`);
        else if (old !== arg) this.#announce(`* ${old} is now known as ${arg}`);
        return;
      }
      case '/who':
        return this.#send(c, `* online: ${[...this.#clients].filter((o) => o.nick !== null).map((o) => o.nick).join(', ')}`);
      case '/quit':
        this.#send(c, '* bye');
        return this.#drop(c, '');
      default:
        return this.#send(c, `* unknown command ${cmd} (commands: /nick NAME, /who, /quit)`);
    }
  }

  #announce(text: string): void {
    console.log(text);
    this.#broadcast(text, null);
  }

  #broadcast(text: string, except: Client | null): void {
    const data = Buffer.from(text + '\n');
    for (const o of this.#clients) if (o !== except && o.nick !== null) this.#queue(o, data);
  }

  #send(c: Client, text: string): void {
    this.#queue(c, Buffer.from(text + '\n'));
  }

  /** Sends at once what the kernel takes; the rest waits for EVENT_WRITE. */
  #queue(c: Client, data: Buffer): void {
    if (!c.alive) return;
    const waiting = c.out.length > 0;
    c.out.push(data);
    c.outBytes += data.length;
    if (!waiting) this.#write(c);
    if (c.alive && c.outBytes > this.maxQueue) this.#drop(c, ' (dropped: too slow)');
  }

  /** As much of `c`'s queue as the kernel takes; EVENT_WRITE is watched while some is left. */
  #write(c: Client): void {
    while (c.alive && c.out.length > 0) {
      const data = c.out.length === 1 ? c.out[0] : Buffer.concat(c.out, c.outBytes);
      const w = c.sock.trySend(data);
      if (w < 0 && w !== -EAGAIN) return this.#drop(c, ` (${util.getSystemErrorName(w)})`);
      const sent = Math.max(w, 0);
      c.outBytes -= sent;
      c.out = sent === data.length ? [] : [data.subarray(sent)];
      if (sent < data.length) break;
    }
    if (!c.alive) return;
    const want = c.out.length > 0 ? EVENT_READ | EVENT_WRITE : EVENT_READ;
    if (this.sel.getKey(c.sock).events !== want) this.sel.modify(c.sock, want, c);
  }

  /** Unregisters and closes `c`; the others are told once the current line is done. */
  #drop(c: Client, why: string): void {
    if (!c.alive) return;
    c.alive = false;
    this.sel.unregister(c.sock); // before close, as the selectors docs ask
    c.sock.close();
    this.#clients.delete(c);
    c.out = [];
    c.outBytes = 0;
    console.log(`Disconnected from ${pyRepr(c.address)}`);
    if (c.nick !== null) this.#notices.push(`* ${c.nick} left${why}`);
  }

  #flushNotices(): void {
    // A notice may drop another client (too slow), which adds a notice: loop.
    while (this.#notices.length > 0) this.#announce(this.#notices.shift()!);
  }
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseCommand(command, argv);
  if (opts === null) return;
  const servsock = listen({
    ipv6: opts.ipv6 === true,
    host: opts.host as string | undefined,
    port: portOption(command, opts.port, 8891),
    backlog: 1024,
  });
  await new SelectorChatServer(servsock, intOption(command, 'max-queue', opts['max-queue'], 256 * 1024)).run();
}

runIfMain(module, main);
