// Python's selectors shape (lib/selectors.ts): the key table, the async
// select on the readiness callbacks, and selectSync on poll(2) over many fds
// (native/select.cc), and the chat server written with a selector
// (examples/chat-server-selector.ts). Peers are real: node:net clients,
// python3 processes.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Socket, socketpair, DefaultSelector, SelectorKeyError, EVENT_READ, EVENT_WRITE,
  AF_INET, AF_UNIX, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SO_ERROR, SO_RCVBUF,
} from '../lib/index';
import { binding } from '../lib/binding';
import { b, cleanup, rejection, settled, track } from './helpers';
import { pyPeer, since } from './peer';
import { ensureExamplesBuilt, LineClient, startServer, stopAll, within } from './examples-helpers';

afterEach(cleanup);

const selectors: DefaultSelector[] = [];
function selector<T = unknown>(): DefaultSelector<T> {
  const s = new DefaultSelector<T>();
  selectors.push(s as DefaultSelector);
  return s;
}
afterEach(() => {
  for (const s of selectors.splice(0)) s.close();
});

describe('the key table', () => {
  it('register returns a frozen key; getKey, getMap, modify and unregister follow Python', () => {
    const sel = selector<string>();
    const [x, y] = track(socketpair());
    const kx = sel.register(x, EVENT_READ, 'x-data');
    expect(kx).toEqual({ fileobj: x, fd: x.fileno(), events: EVENT_READ, data: 'x-data' });
    expect(Object.isFrozen(kx)).toBe(true);
    const ky = sel.register(y, EVENT_READ | EVENT_WRITE);
    expect(ky.data).toBe(undefined);
    expect(sel.getKey(x)).toBe(kx);
    expect(sel.getKey(y.fileno())).toBe(ky);
    expect([...sel.getMap().entries()]).toEqual([
      [x.fileno(), kx],
      [y.fileno(), ky],
    ]);
    const kx2 = sel.modify(x, EVENT_WRITE, 'new');
    expect(kx2).toEqual({ fileobj: x, fd: x.fileno(), events: EVENT_WRITE, data: 'new' });
    expect(kx2).not.toBe(kx);
    expect(sel.getKey(x)).toBe(kx2);
    expect(sel.unregister(x)).toBe(kx2);
    expect([...sel.getMap().keys()]).toEqual([y.fileno()]);
    expect(sel.unregister(y.fileno())).toBe(ky);
    expect(sel.getMap().size).toBe(0);
  });

  it('a socket not registered, or registered twice, is a SelectorKeyError (Python KeyError)', () => {
    const sel = selector();
    const [x, y] = track(socketpair());
    expect(() => sel.getKey(x)).toThrow(SelectorKeyError);
    expect(() => sel.getKey(x)).toThrow(/^<bsdsock\.Socket fd=\d+, family=AF_UNIX, type=SOCK_STREAM, proto=0.*> is not registered$/);
    expect(() => sel.getKey(12345)).toThrow('fd 12345 is not registered');
    expect(() => sel.unregister(y)).toThrow(/is not registered$/);
    expect(() => sel.modify(y, EVENT_READ)).toThrow(/is not registered$/);
    sel.register(x, EVENT_READ);
    let err: unknown;
    try {
      sel.register(x, EVENT_WRITE);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SelectorKeyError);
    expect((err as SelectorKeyError).message).toMatch(new RegExp(`\\(fd ${x.fileno()}\\) is already registered$`));
    expect((err as SelectorKeyError).fileobj).toBe(x);
  });

  it('bad events, a closed socket and a non-socket are refused before anything is registered', () => {
    const sel = selector();
    const [x] = track(socketpair());
    for (const ev of [0, 4, -1, 1.5, NaN]) expect(() => sel.register(x, ev)).toThrow(`Invalid events: ${ev} (EVENT_READ, EVENT_WRITE or both)`);
    expect(() => sel.register(x, '1' as unknown as number)).toThrow(RangeError);
    const closed = new Socket(AF_INET, SOCK_DGRAM);
    closed.close();
    expect(() => sel.register(closed, EVENT_READ)).toThrow('Invalid file descriptor: -1 (the socket is closed)');
    expect(() => sel.register({ fileno: () => 3 } as unknown as Socket, EVENT_READ)).toThrow('register() fileobj must be a bsdsock Socket');
    expect(sel.getMap().size).toBe(0);
    sel.register(x, EVENT_READ);
    expect(() => sel.modify(x, 8)).toThrow('Invalid events: 8');
    expect(sel.getKey(x).events).toBe(EVENT_READ);
  });

  it('close unregisters everything, keeps the sockets open, and makes the selector unusable', async () => {
    const sel = selector();
    const [x, y] = track(socketpair());
    sel.register(x, EVENT_READ);
    sel.close();
    sel.close(); // idempotent
    expect(() => sel.getMap()).toThrow('I/O operation on a closed selector');
    expect(() => sel.register(y, EVENT_READ)).toThrow('I/O operation on a closed selector');
    expect(() => sel.selectSync(0)).toThrow('I/O operation on a closed selector');
    expect(((await rejection(sel.select(0))) as Error).message).toBe('I/O operation on a closed selector');
    // x is still a working socket.
    y.sendallSync(b('still open'));
    expect(x.recvSync(100)).toEqual(b('still open'));
  });

  it('select timeouts: a string is a TypeError, NaN a RangeError', async () => {
    const sel = selector();
    expect(() => sel.selectSync('1' as unknown as number)).toThrow('timeout must be a number of seconds or null, not string');
    expect(((await rejection(sel.select(NaN))) as Error).message).toBe('timeout must not be NaN');
  });
});

describe('async select', () => {
  it('resolves [] when the timeout expires, not before it', async () => {
    const sel = selector();
    const [x] = track(socketpair());
    sel.register(x, EVENT_READ);
    const t0 = performance.now();
    expect(await sel.select(0.05)).toEqual([]);
    expect(since(t0)).toBeGreaterThanOrEqual(50);
    // 0 and negative timeouts only poll.
    expect(await sel.select(0)).toEqual([]);
    expect(await sel.select(-1)).toEqual([]);
  });

  it('wakes for a TCP client from node:net: accept, then data, then EOF, as [key, EVENT_READ]', async () => {
    const sel = selector<string>();
    const srv = track(new Socket(AF_INET, SOCK_STREAM));
    srv.bind(['127.0.0.1', 0]);
    srv.listen();
    srv.setblocking(false);
    const lkey = sel.register(srv, EVENT_READ, 'listener');
    const pending = sel.select(5);
    expect(await settled(pending)).toBe(false); // nothing ready yet: it waits on the loop
    const port = (srv.getsockname() as [string, number])[1];
    const client = net.connect(port, '127.0.0.1');
    try {
      expect(await pending).toEqual([[lkey, EVENT_READ]]);
      const [conn] = srv.acceptSync();
      track(conn);
      conn.setblocking(false);
      const ckey = sel.register(conn, EVENT_READ, 'conn');
      client.write('hello selector');
      const ready = await sel.select(5);
      expect(ready).toEqual([[ckey, EVENT_READ]]);
      expect(conn.recvSync(100)).toEqual(b('hello selector'));
      client.end();
      expect(await sel.select(5)).toEqual([[ckey, EVENT_READ]]);
      expect(conn.recvSync(100)).toEqual(Buffer.alloc(0)); // EOF
      sel.unregister(conn);
    } finally {
      client.destroy();
    }
  });

  it('reports every socket ready at that moment together, events masked by the key', async () => {
    const sel = selector();
    const pairs = Array.from({ length: 5 }, () => track(socketpair()));
    const keys = pairs.map(([x], i) => sel.register(x, i === 4 ? EVENT_READ | EVENT_WRITE : EVENT_READ, i));
    // Only the 5th waits for writability too, and a socketpair end is writable at once.
    expect(await sel.select(0)).toEqual([[keys[4], EVENT_WRITE]]);
    sel.modify(pairs[4][0], EVENT_READ, 4);
    const pending = sel.select(5);
    expect(await settled(pending)).toBe(false);
    pairs[1][1].sendallSync(b('one'));
    pairs[3][1].sendallSync(b('three'));
    const ready = await pending;
    expect(ready.map(([k, ev]) => [k.data, ev])).toEqual([
      [1, EVENT_READ],
      [3, EVENT_READ],
    ]);
  });

  it('a registration made or modified while select waits is watched by that select', async () => {
    const sel = selector();
    const [x, y] = track(socketpair());
    const [u, v] = track(socketpair());
    sel.register(x, EVENT_READ, 'x');
    const pending = sel.select(5);
    expect(await settled(pending)).toBe(false);
    const ku = sel.register(u, EVENT_READ, 'u');
    v.sendallSync(b('late'));
    expect(await pending).toEqual([[ku, EVENT_READ]]);
    // modify: waiting for read only, then also for write while select waits.
    u.recvSync(100);
    const p2 = sel.select(5);
    expect(await settled(p2)).toBe(false);
    const kx = sel.modify(x, EVENT_READ | EVENT_WRITE, 'x2');
    expect(await p2).toEqual([[kx, EVENT_WRITE]]);
    y.close();
  });

  it('a non-blocking connect that is refused shows as writable, and SO_ERROR says ECONNREFUSED', async () => {
    const probe = track(new Socket(AF_INET, SOCK_STREAM));
    probe.bind(['127.0.0.1', 0]);
    const port = (probe.getsockname() as [string, number])[1];
    probe.close(); // nothing listens there now
    const sel = selector();
    const s = track(new Socket(AF_INET, SOCK_STREAM));
    s.setblocking(false);
    expect(s.connectExSync(['127.0.0.1', port])).toBe(115); // EINPROGRESS
    const key = sel.register(s, EVENT_WRITE);
    const ready = await sel.select(5);
    expect(ready.length).toBe(1);
    expect(ready[0][0]).toBe(key);
    expect(ready[0][1] & EVENT_WRITE).toBe(EVENT_WRITE);
    expect(s.getsockopt(SOL_SOCKET, SO_ERROR)).toBe(111); // ECONNREFUSED
  });

  it('only one select waits at a time; close resolves the waiting one with []; abort rejects it', async () => {
    const sel = selector();
    const [x] = track(socketpair());
    sel.register(x, EVENT_READ);
    const first = sel.select();
    expect(((await rejection(sel.select(1))) as Error).message).toBe('select() is already waiting on this selector');
    sel.close();
    expect(await first).toEqual([]);

    const sel2 = selector();
    sel2.register(x, EVENT_READ);
    const ac = new AbortController();
    const p = sel2.select(null, { signal: ac.signal });
    ac.abort(new Error('stop waiting'));
    expect(((await rejection(p)) as Error).message).toBe('stop waiting');
    // The selector is usable again after the abort.
    expect(await sel2.select(0)).toEqual([]);
  });

  it('a socket closed while registered is never reported (as with epoll) and does not break the others', async () => {
    const sel = selector();
    const [x, y] = track(socketpair());
    const [u, v] = track(socketpair());
    sel.register(x, EVENT_READ);
    const ku = sel.register(u, EVENT_READ);
    y.sendallSync(b('for x'));
    x.close();
    v.sendallSync(b('for u'));
    expect(await sel.select(5)).toEqual([[ku, EVENT_READ]]);
    expect(sel.selectSync(0)).toEqual([[ku, EVENT_READ]]);
  });

  it('a socket left readable after select does not disturb other waits, and is reported again by the next select', async () => {
    const sel = selector();
    const [x, y] = track(socketpair());
    const k = sel.register(x, EVENT_READ);
    y.sendallSync(b('data'));
    expect(await sel.select(1)).toEqual([[k, EVENT_READ]]);
    // The data stays unread. A wait on a second, idle, socket must time out
    // normally (the first socket's level-triggered readiness does not spin
    // the loop or leak into it).
    const [u] = track(socketpair());
    const sel2 = selector();
    sel2.register(u, EVENT_READ);
    let ticks = 0;
    const counter = setInterval(() => ticks++, 1);
    const t0 = performance.now();
    expect(await sel2.select(0.1)).toEqual([]);
    clearInterval(counter);
    expect(since(t0)).toBeGreaterThanOrEqual(100);
    expect(ticks).toBeGreaterThan(0);
    // The first selector still reports x when asked again.
    expect(await sel.select(1)).toEqual([[k, EVENT_READ]]);
  });
});

describe('selectSync (poll(2) over many fds)', () => {
  it('blocks until a python3 peer in another process sends, then reports that socket', async () => {
    const sel = selector();
    const [x, peerEnd] = track(socketpair());
    const [u] = track(socketpair());
    sel.register(u, EVENT_READ, 'idle');
    const kx = sel.register(x, EVENT_READ, 'x');
    const child = pyPeer(peerEnd.fileno(), "sock.sendall(b'from python')\n");
    const t0 = performance.now();
    const ready = sel.selectSync(10);
    expect(since(t0)).toBeLessThan(10_000);
    expect(ready).toEqual([[kx, EVENT_READ]]);
    expect(x.recvSync(100)).toEqual(b('from python'));
    expect((await child).code).toBe(0);
  });

  it('returns [] after the timeout, not before it; 0 only polls', () => {
    const sel = selector();
    const [x] = track(socketpair());
    sel.register(x, EVENT_READ);
    const t0 = performance.now();
    expect(sel.selectSync(0.05)).toEqual([]);
    expect(since(t0)).toBeGreaterThanOrEqual(50);
    expect(sel.selectSync(0)).toEqual([]);
  });

  it('UDP datagrams from python3 wake the right one of many sockets', async () => {
    const sel = selector<number>();
    const socks = Array.from({ length: 20 }, () => {
      const s = track(new Socket(AF_INET, SOCK_DGRAM));
      s.bind(['127.0.0.1', 0]);
      return s;
    });
    socks.forEach((s, i) => sel.register(s, EVENT_READ, i));
    const port = (socks[13].getsockname() as [string, number])[1];
    const [, end] = track(socketpair(AF_UNIX, SOCK_STREAM));
    const child = pyPeer(
      end.fileno(),
      `u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nu.sendto(b'to 13', ('127.0.0.1', ${port}))\nu.close()\n`,
    );
    expect((await child).code).toBe(0);
    const ready = sel.selectSync(5);
    expect(ready.map(([k, ev]) => [k.data, ev])).toEqual([[13, EVENT_READ]]);
    expect(socks[13].recvfromSync(100)[0]).toEqual(b('to 13'));
  });

  it('the native poll_fds checks its arguments (TypeError / RangeError, never a crash)', () => {
    const fds = new Int32Array([0]);
    expect(() => binding.poll_fds([0] as unknown as Int32Array, fds, fds, 0)).toThrow('fds must be an Int32Array');
    expect(() => binding.poll_fds(fds, new Uint32Array(1) as unknown as Int32Array, fds, 0)).toThrow('events must be an Int32Array');
    expect(() => binding.poll_fds(new Int32Array(2), new Int32Array(1), new Int32Array(2), 0)).toThrow(
      'poll_fds: events and revents must be at least as long as fds',
    );
    expect(() => binding.poll_fds(fds, new Int32Array([0x10000]), new Int32Array(1), 0)).toThrow('poll_fds: events out of range for short');
    expect(() => binding.poll_fds(fds, new Int32Array(1), new Int32Array(1), '5' as unknown as number)).toThrow('timeoutMs must be a number');
    // A negative fd is skipped by poll(2): nothing ready, revents 0.
    const rev = new Int32Array([7]);
    expect(binding.poll_fds(new Int32Array([-1]), new Int32Array([1]), rev, 0)).toBe(0);
    expect(rev[0]).toBe(0);
  });
  it('in a worker thread: selectSync blocks that thread only, until the main thread sends', async () => {
    // The worker imports dist/: rebuild it when lib/ is newer.
    const root = path.join(__dirname, '..');
    const dist = path.join(root, 'dist', 'index.js');
    const newest = Math.max(...fs.readdirSync(path.join(root, 'lib')).map((f) => fs.statSync(path.join(root, 'lib', f)).mtimeMs));
    if (!fs.existsSync(dist) || fs.statSync(dist).mtimeMs < newest) execFileSync('npm', ['run', 'build:ts'], { cwd: root, stdio: 'pipe' });
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const bsd = require(workerData.dist);
      const sel = new bsd.DefaultSelector();
      const socks = [0, 1, 2].map((i) => {
        const s = new bsd.Socket(bsd.AF_INET, bsd.SOCK_DGRAM);
        s.bind(['127.0.0.1', 0]);
        sel.register(s, bsd.EVENT_READ, i);
        return s;
      });
      parentPort.postMessage(socks.map((s) => s.getsockname()[1]));
      const ready = sel.selectSync(20);
      const out = ready.map(([k, ev]) => [k.data, ev, k.fileobj.recvfromSync(100)[0].toString()]);
      sel.close();
      for (const s of socks) s.close();
      parentPort.postMessage(out);
    `;
    const worker = new Worker(code, { eval: true, workerData: { dist } });
    const messages: unknown[] = [];
    const next = (): Promise<unknown> =>
      new Promise((resolve, reject) => {
        if (messages.length > 0) return resolve(messages.shift());
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    const ports = (await next()) as number[];
    // The worker is now (or soon) blocked in poll(2); this thread's loop runs on.
    const tx = track(new Socket(AF_INET, SOCK_DGRAM));
    await tx.sendto(b('to the worker'), ['127.0.0.1', ports[1]]);
    expect(await next()).toEqual([[1, EVENT_READ, 'to the worker']]);
    expect(await new Promise((r) => worker.once('exit', r))).toBe(0);
  }, 60_000);
});

describe('examples/chat-server-selector.ts, run through the bsdsock bin with real clients', () => {
  beforeAll(ensureExamplesBuilt, 120_000);
  afterEach(stopAll);
  afterAll(stopAll);

  it('join, messages with names, /who, /nick, unknown commands, taken nicknames, /quit and EOF', async () => {
    const { proc: server, port, serving } = await startServer(['chat-server-selector', '--port', '0']);
    expect(serving).toBe(`Serving at ('127.0.0.1', ${port})`);
    const a = await LineClient.connect(port);
    const b = await LineClient.connect(port);
    const c = await LineClient.connect(port);
    try {
      a.write('ann\n');
      await a.waitFor('* ann joined');
      b.write('ann\n');
      await b.waitFor('* nickname ann is taken, choose another');
      b.write('ben\n');
      await a.waitFor('* ben joined');
      c.write('/nick cy\n');
      await b.waitFor('* cy joined');
      a.write('hello from ann\n');
      await b.waitFor('<ann> hello from ann');
      await c.waitFor('<ann> hello from ann');
      b.write('/who\n');
      await b.waitFor('* online: ann, ben, cy');
      c.write('/nick cyril\n');
      await a.waitFor('* cy is now known as cyril');
      c.write('/dance\n');
      await c.waitFor('* unknown command /dance (commands: /nick NAME, /who, /quit)');
      c.write('/quit\n');
      await c.waitFor('* bye');
      await c.closed; // the server closed it
      await a.waitFor('* cyril left');
      await b.waitFor('* cyril left');
      b.sock.end(); // EOF
      await a.waitFor('* ben left');
      expect(a.lines).toEqual([
        '* Welcome! Send your nickname.',
        '* ann joined',
        '* ben joined',
        '* cy joined',
        '* cy is now known as cyril',
        '* cyril left',
        '* ben left',
      ]);
      expect(b.lines).toEqual([
        '* Welcome! Send your nickname.',
        '* nickname ann is taken, choose another',
        '* ben joined',
        '* cy joined',
        '<ann> hello from ann',
        '* online: ann, ben, cy',
        '* cy is now known as cyril',
        '* cyril left',
      ]);
      await server.waitFor('* ben left');
      expect(server.lines.filter((l) => l.startsWith('*'))).toEqual([
        '* ann joined',
        '* ben joined',
        '* cy joined',
        '* cy is now known as cyril',
        '* cyril left',
        '* ben left',
      ]);
      expect(server.count(/^Connected from \('127\.0\.0\.1', \d+\)$/)).toBe(3);
      expect(server.count(/^Disconnected from \('127\.0\.0\.1', \d+\)$/)).toBe(2);
    } finally {
      await Promise.all([a, b, c].map((x) => x.close()));
    }
  });

  it('a python3 client joins and talks with a node:net client', async () => {
    const { port } = await startServer(['chat-server-selector', '--port', '0']);
    const n = await LineClient.connect(port);
    n.write('node\n');
    await n.waitFor('* node joined');
    const py = spawn('python3', ['-c', [
      'import socket',
      `s = socket.create_connection(("127.0.0.1", ${port}))`,
      'f = s.makefile("rwb")',
      'f.write(b"py\\n"); f.flush()',
      'while True:',
      '    line = f.readline().decode()',
      '    print(line, end="", flush=True)',
      '    if line.startswith("<node>"): break',
      'f.write("price: 5\\u20ac\\n".encode()); f.flush()',
      's.shutdown(socket.SHUT_WR)',
      'print(f.read().decode(), end="")',
    ].join('\n')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    py.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    py.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const exited = new Promise<number | null>((r) => py.on('close', r));
    try {
      await n.waitFor('* py joined', 20_000);
      n.write('hi python\n');
      await n.waitFor('<py> price: 5€');
      await n.waitFor('* py left');
      expect(await within(exited, 20_000, 'python exit')).toBe(0);
      expect(err).toBe('');
      expect(out).toBe('* Welcome! Send your nickname.\n* py joined\n<node> hi python\n');
    } finally {
      py.kill('SIGKILL');
      await n.close();
    }
  }, 30_000);

  it('100 clients each sending 10 lines: every line reaches every other client once, in order', async () => {
    const N = 100;
    const LINES = 10;
    const { port } = await startServer(['chat-server-selector', '--port', '0']);
    const clients: LineClient[] = [];
    try {
      for (let i = 0; i < N; i += 50) clients.push(...(await Promise.all(Array.from({ length: 50 }, () => LineClient.connect(port)))));
      clients.forEach((c, i) => c.write(`c${i}\n`));
      await within(Promise.all(clients.map((c, i) => c.waitFor(`* c${i} joined`, 30_000))), 30_000, 'all joined');
      const isMsg = (l: string): boolean => l.startsWith('<');
      const count = new Map<LineClient, number>();
      for (const c of clients) {
        count.set(c, 0);
        c.onLine = (l) => isMsg(l) && count.set(c, count.get(c)! + 1);
      }
      clients.forEach((c, i) => c.write(Array.from({ length: LINES }, (_, j) => `m ${i} ${j}\n`).join('')));
      await within(Promise.all(clients.map((c) => c.until(() => count.get(c)! >= (N - 1) * LINES, 60_000, 'all messages'))), 60_000, 'every message');
      const wrong: string[] = [];
      clients.forEach((c, i) => {
        const next = new Array<number>(N).fill(0);
        for (const l of c.lines) {
          if (!isMsg(l)) continue;
          const m = /^<c(\d+)> m (\d+) (\d+)$/.exec(l);
          const [from, sender, j] = m === null ? [-1, -2, -1] : [Number(m[1]), Number(m[2]), Number(m[3])];
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

  it('a client that never reads is dropped with a notice; the others receive everything', async () => {
    const { port } = await startServer(['chat-server-selector', '--port', '0', '--max-queue', '131072']);
    const slow = new Socket(AF_INET, SOCK_STREAM);
    const clients: LineClient[] = [];
    try {
      slow.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096);
      await slow.connect(['127.0.0.1', port]);
      await slow.sendall(Buffer.from('slow\n'));
      const fast = await LineClient.connect(port);
      const sender = await LineClient.connect(port);
      clients.push(fast, sender);
      fast.write('fast\n');
      await fast.waitFor('* fast joined');
      sender.write('sender\n');
      await fast.waitFor('* sender joined');
      const lines = Array.from({ length: 60_000 }, (_, i) => `${i} ${'.'.repeat(100)}`);
      sender.write(lines.join('\n') + '\n');
      await fast.until((l) => l.filter((x) => x.startsWith('<')).length >= lines.length, 30_000, 'every line at the fast client');
      await fast.waitFor('* slow left (dropped: too slow)');
      expect(fast.lines.filter((x) => x.startsWith('<'))).toEqual(lines.map((l) => `<sender> ${l}`));
      expect(fast.lines.filter((x) => x.startsWith('* slow left'))).toEqual(['* slow left (dropped: too slow)']);
    } finally {
      slow.close();
      await Promise.all(clients.map((c) => c.close()));
    }
  }, 60_000);
});
