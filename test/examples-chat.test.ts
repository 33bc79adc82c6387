// The group chat of the seed text's closing section, in its three versions:
// echo-v1 (one client at a time), echo-v2 (many at once, event-driven) and
// the chat server with the terminal chat client. Servers and terminal clients
// run as programs (the `bsdsock` bin); crowds of clients are node:net sockets
// in this process; a client that never reads is a bsdsock socket.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Socket, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_RCVBUF } from '../lib/index';
import { ensureExamplesBuilt, LineClient, Proc, startServer, stopAll, within } from './examples-helpers';

beforeAll(ensureExamplesBuilt, 120_000);
afterEach(stopAll);
afterAll(stopAll);

/** How long "nothing happens" is watched for, where the absence of an echo is the point. */
const QUIET_MS = 300;
const quiet = (): Promise<void> => new Promise((r) => setTimeout(r, QUIET_MS));

describe('echo-v1', () => {
  it('serves a single client at a time: the second waits until the first closes', async () => {
    const { proc: server, port } = await startServer(['echo-v1', '--port', '0']);
    const a = await LineClient.connect(port);
    const b = await LineClient.connect(port);
    const events: string[] = [];
    b.onLine = (l) => events.push(`b: ${l}`);
    try {
      a.write('from a £\n');
      b.write('from b €\n');
      await a.waitFor('from a £');
      await quiet(); // b's echo must not come while a is connected
      expect(b.lines).toEqual([]);
      expect(server.count(/^Connected from /)).toBe(1);
      events.push('a closed');
      await a.close();
      await b.waitFor('from b €');
      expect(events).toEqual(['a closed', 'b: from b €']);
      expect(server.lines.slice(0, 4)).toEqual([
        `Serving at ('127.0.0.1', ${port})`,
        expect.stringMatching(/^Connected from \('127\.0\.0\.1', \d+\)$/),
        "Recv: 'from a £\\n'",
        expect.stringMatching(/^Disconnected from /),
      ]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('echo-v2', () => {
  it('serves many clients at once', async () => {
    const { port } = await startServer(['echo-v2', '--port', '0']);
    const clients = await Promise.all(Array.from({ length: 10 }, () => LineClient.connect(port)));
    try {
      // Every client is echoed while all of them stay connected, twice over.
      for (const round of [1, 2]) {
        clients.forEach((c, i) => c.write(`round ${round} client ${i}\n`));
        await within(Promise.all(clients.map((c, i) => c.waitFor(`round ${round} client ${i}`))), 10_000, `round ${round}`);
      }
      clients.forEach((c, i) => expect(c.lines).toEqual([`round 1 client ${i}`, `round 2 client ${i}`]));
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('keeps echoing a large stream in order (backpressure when the echo cannot be sent)', async () => {
    const { port } = await startServer(['echo-v2', '--port', '0']);
    const c = await LineClient.connect(port);
    try {
      const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 97)}`);
      c.write(lines.join('\n') + '\n');
      await c.until((l) => l.length >= lines.length, 20_000, 'the whole echo');
      expect(c.lines).toEqual(lines);
    } finally {
      await c.close();
    }
  });
});

describe('chat-server with chat-client', () => {
  it('three clients: messages in order with names, /who, /nick, join and leave notices, SIGKILL, EOF and /quit', async () => {
    const { proc: server, port } = await startServer(['chat-server', '--port', '0']);
    const join = async (nick: string, others: Proc[]): Promise<Proc> => {
      const p = new Proc(['chat-client', '--port', String(port), '--nick', nick]);
      await p.waitFor(`* ${nick} joined`);
      for (const o of others) await o.waitFor(`* ${nick} joined`);
      return p;
    };
    const alice = await join('alice', []);
    const bob = await join('bob', [alice]);
    const carol = await join('carol', [alice, bob]);

    alice.write('hello from alice\nsecond line\n');
    alice.write('third: £€ ✓\n');
    for (const p of [bob, carol]) await p.waitFor('<alice> third: £€ ✓');
    bob.write('/who\n');
    await bob.waitFor('* online: alice, bob, carol');
    carol.write('/nick caroline\n');
    for (const p of [alice, bob, carol]) await p.waitFor('* carol is now known as caroline');
    carol.write('hi all\n');
    for (const p of [alice, bob]) await p.waitFor('<caroline> hi all');

    // A client killed outright: the others are told and go on.
    await carol.kill('SIGKILL');
    for (const p of [alice, bob]) await p.waitFor('* caroline left');
    bob.write('still here\n');
    await alice.waitFor('<bob> still here');

    // End of input: alice's client shuts down its side, the server says goodbye.
    alice.child.stdin.end();
    await bob.waitFor('* alice left');
    expect(await alice.exit()).toEqual({ code: 0, signal: null });
    bob.write('/quit\n');
    expect(await bob.exit()).toEqual({ code: 0, signal: null });

    const welcome = (nick: string): string[] => [`Connected to localhost:${port}`, '* Welcome! Send your nickname.', `* ${nick} joined`];
    expect(alice.lines).toEqual([
      ...welcome('alice'),
      '* bob joined',
      '* carol joined',
      '* carol is now known as caroline',
      '<caroline> hi all',
      '* caroline left',
      '<bob> still here',
      'Disconnected from server',
    ]);
    expect(bob.lines).toEqual([
      ...welcome('bob'),
      '* carol joined',
      '<alice> hello from alice',
      '<alice> second line',
      '<alice> third: £€ ✓',
      '* online: alice, bob, carol',
      '* carol is now known as caroline',
      '<caroline> hi all',
      '* caroline left',
      '* alice left',
      '* bye',
      'Disconnected from server',
    ]);
    expect(carol.lines).toEqual([
      ...welcome('carol'),
      '<alice> hello from alice',
      '<alice> second line',
      '<alice> third: £€ ✓',
      '* carol is now known as caroline',
    ]);
    await server.waitFor('* bob left');
    expect(server.lines.filter((l) => l.startsWith('*'))).toEqual([
      '* alice joined',
      '* bob joined',
      '* carol joined',
      '* carol is now known as caroline',
      '* caroline left',
      '* alice left',
      '* bob left',
    ]);
  }, 60_000);

  it('any line client can join: nicknames taken or invalid, unknown commands, lines split mid-character', async () => {
    const { port } = await startServer(['chat-server', '--port', '0']);
    const a = await LineClient.connect(port);
    const b = await LineClient.connect(port);
    try {
      a.write('ann\n');
      await a.waitFor('* ann joined');
      b.write('ann\n');
      await b.waitFor('* nickname ann is taken, choose another');
      b.write('/nick two words\n');
      await b.waitFor('* invalid nickname "two words": 1 to 32 characters, no spaces, not starting with / or *');
      b.write('/nick ben\n');
      await a.waitFor('* ben joined');
      b.write('/dance\n');
      await b.waitFor('* unknown command /dance (commands: /nick NAME, /who, /quit)');
      // '€' is e2 82 ac: sent in three writes, with a \r\n line end.
      const bytes = Buffer.from('price: 5€\r\n', 'utf8');
      const cut = bytes.indexOf(0x82);
      for (const part of [bytes.subarray(0, cut), bytes.subarray(cut, cut + 1), bytes.subarray(cut + 1)]) {
        await new Promise<void>((r) => b.sock.write(part, () => r()));
      }
      await a.waitFor('<ben> price: 5€');
      expect(a.lines).toEqual(['* Welcome! Send your nickname.', '* ann joined', '* ben joined', '<ben> price: 5€']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('200 clients each sending 20 lines: every line reaches every other client once, in order', async () => {
    const N = 200;
    const LINES = 20;
    const { port } = await startServer(['chat-server', '--port', '0']);
    const clients: LineClient[] = [];
    try {
      for (let i = 0; i < N; i += 50) {
        clients.push(...(await Promise.all(Array.from({ length: Math.min(50, N - i) }, () => LineClient.connect(port)))));
      }
      clients.forEach((c, i) => c.write(`c${i}\n`));
      await within(Promise.all(clients.map((c, i) => c.waitFor(`* c${i} joined`, 30_000))), 30_000, 'all joined');
      // Everyone has joined before anyone speaks: every message is for all 199 others.
      const isMsg = (l: string): boolean => l.startsWith('<');
      const count = new Map<LineClient, number>();
      for (const c of clients) {
        count.set(c, 0);
        c.onLine = (l) => isMsg(l) && count.set(c, count.get(c)! + 1);
      }
      clients.forEach((c, i) => c.write(Array.from({ length: LINES }, (_, j) => `m ${i} ${j}\n`).join('')));
      await within(
        Promise.all(clients.map((c) => c.until(() => count.get(c)! >= (N - 1) * LINES, 60_000, 'all messages'))),
        60_000,
        'every message delivered',
      );
      // 796,000 lines to check: plain comparisons, one expect at the end.
      const wrong: string[] = [];
      clients.forEach((c, i) => {
        const next = new Array<number>(N).fill(0);
        for (const l of c.lines) {
          if (!isMsg(l)) continue;
          const m = /^<c(\d+)> m (\d+) (\d+)$/.exec(l);
          const [from, sender, j] = m === null ? [-1, -2, -1] : [Number(m[1]), Number(m[2]), Number(m[3])];
          // From its sender, never echoed back, in order, nothing lost or repeated.
          if (from !== sender || from === i || j !== next[from]) wrong.push(`c${i} got ${JSON.stringify(l)}`);
          else next[from]++;
        }
        next.forEach((n, k) => k !== i && n !== LINES && wrong.push(`c${i} got ${n} lines from c${k}`));
      });
      expect(wrong.slice(0, 10)).toEqual([]);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  }, 120_000);

  it('a client that never reads is dropped with a notice; the others keep receiving everything', async () => {
    const { proc: server, port } = await startServer(['chat-server', '--port', '0', '--max-queue', '131072']);
    const slow = new Socket(AF_INET, SOCK_STREAM);
    const clients: LineClient[] = [];
    try {
      slow.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096);
      await slow.connect(['127.0.0.1', port]);
      await slow.sendall(Buffer.from('slow\n'));
      await server.waitFor('* slow joined');
      const fast = await LineClient.connect(port);
      const sender = await LineClient.connect(port);
      clients.push(fast, sender);
      fast.write('fast\n');
      await fast.waitFor('* fast joined');
      sender.write('sender\n');
      await fast.waitFor('* sender joined');
      // More than the kernel's buffers (auto-tuned up to 4 MiB) and the queue hold.
      const lines = Array.from({ length: 60_000 }, (_, i) => `${i} ${'.'.repeat(100)}`);
      sender.write(lines.join('\n') + '\n');
      await fast.until((l) => l.filter((x) => x.startsWith('<')).length >= lines.length, 30_000, 'every line at the fast client');
      await fast.waitFor('* slow left (dropped: too slow)');
      await sender.waitFor('* slow left (dropped: too slow)');
      expect(fast.lines.filter((x) => x.startsWith('<'))).toEqual(lines.map((l) => `<sender> ${l}`));
      expect(fast.lines.filter((x) => x.startsWith('* slow left'))).toEqual(['* slow left (dropped: too slow)']);
      // The dropped client gets what the kernel held, then the end of the stream.
      slow.settimeout(10);
      let got = 0;
      for (let i = 0; i < 10_000; i++) {
        const chunk = await slow.recv(65536);
        if (chunk.length === 0) break;
        got += chunk.length;
      }
      expect(got).toBeGreaterThan(0);
      expect(got).toBeLessThan(lines.length * 110);
    } finally {
      slow.close();
      await Promise.all(clients.map((c) => c.close()));
    }
  }, 60_000);
});
