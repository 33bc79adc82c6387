// DESIGN.md "Modes": blocking (null), non-blocking (0) and timeout (> 0),
// for sync and async calls alike, on recv, recvfrom, recvInto, accept,
// connect, send and sendall; setdefaulttimeout; settimeout validation;
// AbortSignal on async calls.
import * as os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Socket,
  SocketError,
  SocketTimeoutError,
  socketpair,
  getdefaulttimeout,
  setdefaulttimeout,
  AF_INET,
  AF_UNIX,
  SOCK_STREAM,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  type Address,
} from '../lib/index';
import { b, cleanup, track, settled } from './helpers';
import { formatAddress } from '../lib/errors';
import { pyPeer, since } from './peer';

afterEach(() => {
  setdefaulttimeout(null);
  cleanup();
});

const { EAGAIN, EINPROGRESS, ETIMEDOUT, EBADF } = os.constants.errno;
const T = 0.15; // seconds: the timeout used by the timeout-mode tests
const MARGIN = 1500; // ms: generous upper margin for a loaded 2-core machine

function expectEagain(e: unknown, syscall: string): void {
  expect(e).toBeInstanceOf(SocketError);
  expect(e).not.toBeInstanceOf(SocketTimeoutError);
  expect((e as SocketError).code).toBe('EAGAIN');
  expect((e as SocketError).errno).toBe(EAGAIN);
  expect((e as SocketError).errno).toBe(11);
  expect((e as SocketError).syscall).toBe(syscall);
}

function expectTimeout(e: unknown, syscall: string, elapsed: number): void {
  expect(e).toBeInstanceOf(SocketTimeoutError);
  expect(e).toBeInstanceOf(SocketError);
  expect(e).toBeInstanceOf(Error);
  expect((e as SocketError).code).toBe('ETIMEDOUT');
  expect((e as SocketError).errno).toBe(ETIMEDOUT);
  expect((e as SocketError).syscall).toBe(syscall);
  // What timed out, and where when there was an address: 'connect timed out 127.0.0.1:80'.
  const where = (e as SocketError).address === undefined ? '' : ` ${formatAddress((e as SocketError).address)}`;
  expect((e as Error).message).toBe(`${syscall} timed out${where}`);
  expect(elapsed).toBeGreaterThanOrEqual(T * 1000);
  expect(elapsed).toBeLessThan(T * 1000 + MARGIN);
}

function catchSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an exception');
}

async function catchAsync(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}


/** A connected AF_UNIX stream pair. */
function pair(): [Socket, Socket] {
  return track(socketpair(AF_UNIX, SOCK_STREAM));
}

/** A TCP listener on 127.0.0.1 with an ephemeral port. */
function listener(backlog?: number): [Socket, Address] {
  const srv = track(new Socket(AF_INET, SOCK_STREAM));
  srv.bind(['127.0.0.1', 0]);
  srv.listen(backlog);
  return [srv, srv.getsockname()];
}

/**
 * A listener whose accept queue is full (backlog 0 holds one connection):
 * the kernel drops further SYNs, so a new connect stays pending until the
 * queue has room and the SYN is retransmitted (1 s later). Deterministic on
 * loopback.
 */
function fullListener(): [Socket, Address] {
  const [srv, addr] = listener(0);
  const filler = track(new Socket(AF_INET, SOCK_STREAM));
  filler.connectSync(addr);
  return [srv, addr];
}

/** Fill `s`'s send buffer until send(2) says EAGAIN; the byte count sent. */
function fill(s: Socket): number {
  const chunk = Buffer.alloc(65536, 0x61);
  let total = 0;
  for (;;) {
    const r = s.trySend(chunk);
    if (r === -EAGAIN) return total;
    expect(r).toBeGreaterThan(0);
    total += r;
  }
}

/** Read exactly `n` bytes (async). */
async function recvExactly(s: Socket, n: number): Promise<Buffer> {
  const out = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const r = await s.recvInto(out.subarray(got));
    if (r === 0) throw new Error(`EOF after ${got} of ${n} bytes`);
    got += r;
  }
  return out;
}

// ---- the table: every call, sync and async, in each mode ---------------------

interface Case {
  name: string;
  syscall: string;
  /** The socket in a state where the call cannot complete now. */
  make(): Socket;
  sync(s: Socket): unknown;
  async(s: Socket): Promise<unknown>;
}

const CASES: Case[] = [
  {
    name: 'recv',
    syscall: 'recv',
    make: () => pair()[0],
    sync: (s) => s.recvSync(10),
    async: (s) => s.recv(10),
  },
  {
    name: 'recvInto',
    syscall: 'recv',
    make: () => pair()[0],
    sync: (s) => s.recvIntoSync(Buffer.alloc(10)),
    async: (s) => s.recvInto(Buffer.alloc(10)),
  },
  {
    name: 'recvfrom',
    syscall: 'recvfrom',
    make: () => {
      const s = track(new Socket(AF_INET, SOCK_DGRAM));
      s.bind(['127.0.0.1', 0]);
      return s;
    },
    sync: (s) => s.recvfromSync(10),
    async: (s) => s.recvfrom(10),
  },
  {
    name: 'recvfromInto',
    syscall: 'recvfrom',
    make: () => pair()[0],
    sync: (s) => s.recvfromIntoSync(Buffer.alloc(10)),
    async: (s) => s.recvfromInto(Buffer.alloc(10)),
  },
  {
    name: 'accept',
    syscall: 'accept',
    make: () => listener()[0],
    sync: (s) => s.acceptSync(),
    async: (s) => s.accept(),
  },
  {
    name: 'send',
    syscall: 'send',
    make: () => {
      const s = pair()[0];
      fill(s);
      return s;
    },
    sync: (s) => s.sendSync(b('x')),
    async: (s) => s.send(b('x')),
  },
  {
    name: 'sendall',
    syscall: 'sendall',
    make: () => {
      const s = pair()[0];
      fill(s);
      return s;
    },
    sync: (s) => s.sendallSync(Buffer.alloc(1 << 20)),
    async: (s) => s.sendall(Buffer.alloc(1 << 20)),
  },
  {
    name: 'send (SOCK_DGRAM, peer queue full)',
    syscall: 'send',
    make: () => {
      const s = track(socketpair(AF_UNIX, SOCK_DGRAM))[0];
      fill(s);
      return s;
    },
    sync: (s) => s.sendSync(b('x')),
    async: (s) => s.send(b('x')),
  },
];

describe('non-blocking mode (timeout 0)', () => {
  it.each(CASES)('$name: sync raises EAGAIN at once', (c) => {
    const s = c.make();
    s.settimeout(0);
    expect(s.gettimeout()).toBe(0);
    expect(s.getblocking()).toBe(false);
    const t0 = performance.now();
    expectEagain(catchSync(() => c.sync(s)), c.syscall);
    expect(since(t0)).toBeLessThan(100);
  });
  it.each(CASES)('$name: async rejects with EAGAIN at once', async (c) => {
    const s = c.make();
    s.setblocking(false);
    expect(s.gettimeout()).toBe(0);
    const t0 = performance.now();
    expectEagain(await catchAsync(c.async(s)), c.syscall);
    expect(since(t0)).toBeLessThan(100);
  });

  it('SOCK_NONBLOCK in the type starts non-blocking, as in Python', () => {
    const s = track(new Socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK));
    expect(s.type).toBe(SOCK_STREAM);
    expect(s.gettimeout()).toBe(0);
    expect(s.getblocking()).toBe(false);
  });

  it('connect: sync raises EINPROGRESS; the connection then completes', async () => {
    const [srv, addr] = fullListener();
    const c = track(new Socket(AF_INET, SOCK_STREAM));
    c.settimeout(0);
    const e = catchSync(() => c.connectSync(addr)) as SocketError;
    expect(e).toBeInstanceOf(SocketError);
    expect(e.code).toBe('EINPROGRESS');
    expect(e.errno).toBe(EINPROGRESS);
    expect(e.syscall).toBe('connect');
    expect(e.address).toEqual(addr);
    expect(c.connectExSync(addr)).toBe(os.constants.errno.EALREADY);
    // Make room in the accept queue: the retransmitted SYN gets through.
    track(srv.acceptSync()[0]);
    const [conn] = await srv.accept();
    track(conn);
    expect(conn.getpeername()).toEqual(c.getsockname());
  });

  it('connect: async rejects with EINPROGRESS', async () => {
    const [, addr] = fullListener();
    const c = track(new Socket(AF_INET, SOCK_STREAM));
    c.settimeout(0);
    const e = (await catchAsync(c.connect(addr))) as SocketError;
    expect(e.code).toBe('EINPROGRESS');
    expect(e.errno).toBe(EINPROGRESS);
    expect(e.syscall).toBe('connect');
    expect(await c.connectEx(addr)).toBe(os.constants.errno.EALREADY);
  });
});

describe('timeout mode (timeout > 0)', () => {
  it.each(CASES)('$name: sync raises SocketTimeoutError after the timeout', (c) => {
    const s = c.make();
    s.settimeout(T);
    expect(s.gettimeout()).toBe(T);
    expect(s.getblocking()).toBe(true);
    const t0 = performance.now();
    const e = catchSync(() => c.sync(s));
    expectTimeout(e, c.syscall, since(t0));
  });
  it.each(CASES)('$name: async rejects with SocketTimeoutError after the timeout', async (c) => {
    const s = c.make();
    s.settimeout(T);
    const t0 = performance.now();
    const e = await catchAsync(c.async(s));
    expectTimeout(e, c.syscall, since(t0));
  });

  it('connect to a full backlog: sync SocketTimeoutError after the timeout, with the address', () => {
    const [, addr] = fullListener();
    const c = track(new Socket(AF_INET, SOCK_STREAM));
    c.settimeout(T);
    const t0 = performance.now();
    const e = catchSync(() => c.connectSync(addr)) as SocketError;
    expectTimeout(e, 'connect', since(t0));
    expect(e.address).toEqual(addr);
  });
  it('connect to a full backlog: async SocketTimeoutError after the timeout', async () => {
    const [, addr] = fullListener();
    const c = track(new Socket(AF_INET, SOCK_STREAM));
    c.settimeout(T);
    const t0 = performance.now();
    const e = (await catchAsync(c.connect(addr))) as SocketError;
    expectTimeout(e, 'connect', since(t0));
    expect(e.address).toEqual(addr);
  });
  it('connectEx returns EAGAIN on a timeout, as in Python', async () => {
    const [, addr] = fullListener();
    const c = track(new Socket(AF_INET, SOCK_STREAM));
    c.settimeout(T);
    expect(c.connectExSync(addr)).toBe(EAGAIN);
    const d = track(new Socket(AF_INET, SOCK_STREAM));
    d.settimeout(T);
    expect(await d.connectEx(addr)).toBe(EAGAIN);
  });

  it('the timeout bounds the whole sendall, not each send', async () => {
    const [a, p] = pair();
    fill(a);
    a.settimeout(0.3);
    // The reader drains a little at a time, so sends keep making progress,
    // but 8 MiB cannot get through before the deadline.
    const drain = setInterval(() => {
      p.tryRecvInto(Buffer.alloc(16384));
    }, 20);
    try {
      const t0 = performance.now();
      const e = await catchAsync(a.sendall(Buffer.alloc(8 << 20)));
      const ms = since(t0);
      expect(e).toBeInstanceOf(SocketTimeoutError);
      expect(ms).toBeGreaterThanOrEqual(300);
      expect(ms).toBeLessThan(300 + MARGIN);
    } finally {
      clearInterval(drain);
    }
  });

  it('a call that completes in time returns its value', async () => {
    const [a, p] = pair();
    a.settimeout(5);
    const pending = a.recv(10);
    expect(await settled(pending)).toBe(false);
    p.sendSync(b('in time'));
    expect(await pending).toEqual(b('in time'));
    p.sendSync(b('sync too'));
    expect(a.recvSync(10)).toEqual(b('sync too'));
  });
});

describe('blocking mode (timeout null)', () => {
  it('async recv / recvInto / recvfrom wait on the event loop until data comes', async () => {
    const [a, p] = pair();
    expect(a.gettimeout()).toBeNull();
    expect(a.getblocking()).toBe(true);
    const r1 = a.recv(100);
    expect(await settled(r1)).toBe(false);
    p.sendSync(b('one'));
    expect(await r1).toEqual(b('one'));

    const buf = Buffer.alloc(8);
    const r2 = a.recvInto(buf, 3);
    expect(await settled(r2)).toBe(false);
    p.sendSync(b('twotwo'));
    expect(await r2).toBe(3);
    expect(buf.subarray(0, 3)).toEqual(b('two'));
    expect(await a.recv(100)).toEqual(b('two'));

    const u = track(new Socket(AF_INET, SOCK_DGRAM));
    u.bind(['127.0.0.1', 0]);
    const r3 = u.recvfrom(100);
    expect(await settled(r3)).toBe(false);
    const v = track(new Socket(AF_INET, SOCK_DGRAM));
    v.bind(['127.0.0.1', 0]);
    v.sendtoSync(b('three'), u.getsockname());
    expect(await r3).toEqual([b('three'), v.getsockname()]);
  });

  it('async accept waits until a client connects', async () => {
    const [srv, addr] = listener();
    const acc = srv.accept();
    expect(await settled(acc)).toBe(false);
    const c = track(new Socket(AF_INET, SOCK_STREAM));
    await c.connect(addr);
    const [conn, peer] = await acc;
    track(conn);
    expect(peer).toEqual(c.getsockname());
    expect(conn.getpeername()).toEqual(c.getsockname());
  });

  it('async connect to a full backlog waits until the queue has room', async () => {
    const [srv, addr] = fullListener();
    const c = track(new Socket(AF_INET, SOCK_STREAM));
    const conn = c.connect(addr);
    expect(await settled(conn)).toBe(false);
    track(srv.acceptSync()[0]); // room for one more: the SYN retransmit (~1 s) gets in
    await conn;
    expect(c.getpeername()).toEqual(addr);
  });

  it('async send / sendall wait until the peer reads', async () => {
    const [a, p] = pair();
    const filled = fill(a);
    const payload = Buffer.alloc(300_000, 0x62);
    const sa = a.sendall(payload);
    expect(await settled(sa)).toBe(false);
    const got = await recvExactly(p, filled + payload.length);
    await sa;
    expect(got.subarray(0, filled).every((x) => x === 0x61)).toBe(true);
    expect(got.subarray(filled).equals(payload)).toBe(true);
  });

  it('sync recv blocks the thread until another process sends', async () => {
    const [a, p] = pair();
    const peer = pyPeer(p.fileno(), 'time.sleep(0.2)\nsock.sendall(b"late data")\n');
    const t0 = performance.now();
    const got = a.recvSync(100);
    expect(since(t0)).toBeGreaterThanOrEqual(150);
    expect(got).toEqual(b('late data'));
    expect((await peer).code).toBe(0);
  });

  it('sync recvfromInto and recvIntoSync block likewise', async () => {
    const u = track(new Socket(AF_INET, SOCK_DGRAM));
    u.bind(['127.0.0.1', 0]);
    const port = (u.getsockname() as [string, number])[1];
    const [a, p] = pair();
    const peer = pyPeer(
      p.fileno(),
      `u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nu.bind(("127.0.0.1", 0))\n` +
        `print(u.getsockname()[1], flush=True)\ntime.sleep(0.2)\nu.sendto(b"dgram", ("127.0.0.1", ${port}))\n` +
        `time.sleep(0.2)\nsock.sendall(b"stream")\n`,
    );
    const buf = Buffer.alloc(64);
    const t0 = performance.now();
    const [n, from] = u.recvfromIntoSync(buf);
    expect(since(t0)).toBeGreaterThanOrEqual(150);
    expect(buf.subarray(0, n)).toEqual(b('dgram'));
    expect((from as [string, number])[0]).toBe('127.0.0.1');
    const m = a.recvIntoSync(buf, 6);
    expect(buf.subarray(0, m)).toEqual(b('stream'));
    const res = await peer;
    expect(res.code).toBe(0);
    expect((from as [string, number])[1]).toBe(Number(res.stdout.trim()));
  });

  it('sync accept blocks until another process connects', async () => {
    const [srv, addr] = listener();
    const port = (addr as [string, number])[1];
    const [, p] = pair();
    const peer = pyPeer(
      p.fileno(),
      `time.sleep(0.2)\nc = socket.create_connection(("127.0.0.1", ${port}))\nprint(c.getsockname()[1], flush=True)\nc.recv(1)\n`,
    );
    const t0 = performance.now();
    const [conn, from] = srv.acceptSync();
    track(conn);
    expect(since(t0)).toBeGreaterThanOrEqual(150);
    conn.close();
    const res = await peer;
    expect(res.code).toBe(0);
    expect(from).toEqual(['127.0.0.1', Number(res.stdout.trim())]);
  });

  it('sync connect to a full backlog blocks until another process accepts', async () => {
    const [srv, addr] = fullListener();
    const peer = pyPeer(srv.fileno(), 'time.sleep(0.2)\nc, a = sock.accept()\nc2, a2 = sock.accept()\nprint(a2[1], flush=True)\nc2.recv(1)\n');
    const c = track(new Socket(AF_INET, SOCK_STREAM));
    const t0 = performance.now();
    c.connectSync(addr);
    expect(since(t0)).toBeGreaterThanOrEqual(150);
    expect(c.getpeername()).toEqual(addr);
    c.close();
    const res = await peer;
    expect(res.code).toBe(0);
    expect(Number(res.stdout.trim())).toBeGreaterThan(0);
  });

  it('sync send and sendall block until another process reads', async () => {
    const [a, p] = pair();
    const filled = fill(a);
    const payload = Buffer.alloc(1 << 20, 0x63);
    const peer = pyPeer(
      p.fileno(),
      'time.sleep(0.2)\nn = 0\nwhile True:\n  d = sock.recv(65536)\n  if not d: break\n  n += len(d)\nprint(n, flush=True)\n',
    );
    p.close();
    const t0 = performance.now();
    expect(a.sendSync(b('x'))).toBe(1);
    expect(since(t0)).toBeGreaterThanOrEqual(150);
    a.sendallSync(payload);
    a.close();
    const res = await peer;
    expect(res.code).toBe(0);
    expect(Number(res.stdout.trim())).toBe(filled + 1 + payload.length);
  });
});

describe('setdefaulttimeout / settimeout', () => {
  it('the default timeout applies to sockets created after it is set', () => {
    expect(getdefaulttimeout()).toBeNull();
    const before = track(new Socket(AF_INET, SOCK_STREAM));
    setdefaulttimeout(2.5);
    expect(getdefaulttimeout()).toBe(2.5);
    const after = track(new Socket(AF_INET, SOCK_STREAM));
    const [x, y] = pair();
    expect(before.gettimeout()).toBeNull();
    expect(after.gettimeout()).toBe(2.5);
    expect(after.timeout).toBe(2.5);
    expect(x.gettimeout()).toBe(2.5);
    expect(y.gettimeout()).toBe(2.5);
    setdefaulttimeout(0);
    const nb = track(new Socket(AF_UNIX, SOCK_DGRAM));
    expect(nb.gettimeout()).toBe(0);
    expect(nb.getblocking()).toBe(false);
    setdefaulttimeout(null);
    expect(track(new Socket()).gettimeout()).toBeNull();
  });

  it('the default timeout applies to accepted sockets', async () => {
    const [srv, addr] = listener();
    setdefaulttimeout(T);
    const c = track(new Socket(AF_INET, SOCK_STREAM));
    await c.connect(addr);
    const [conn] = await srv.accept();
    track(conn);
    expect(conn.gettimeout()).toBe(T);
    const t0 = performance.now();
    expectTimeout(catchSync(() => conn.recvSync(1)), 'recv', since(t0));
  });

  it.each([
    [-1, RangeError],
    [-0.001, RangeError],
    [NaN, RangeError],
    [Infinity, RangeError],
    ['1', TypeError],
    [{}, TypeError],
  ])('settimeout(%s) throws %o and keeps the old timeout', (v, cls) => {
    const s = track(new Socket(AF_INET, SOCK_STREAM));
    s.settimeout(3);
    expect(() => s.settimeout(v as number)).toThrow(cls);
    expect(s.gettimeout()).toBe(3);
    expect(() => setdefaulttimeout(v as number)).toThrow(cls);
    expect(getdefaulttimeout()).toBeNull();
  });

  it('setblocking switches between null and 0', () => {
    const s = track(new Socket(AF_INET, SOCK_STREAM));
    s.settimeout(4);
    s.setblocking(false);
    expect(s.gettimeout()).toBe(0);
    s.setblocking(true);
    expect(s.gettimeout()).toBeNull();
    s.settimeout(0);
    expect(s.getblocking()).toBe(false);
  });
});

describe('AbortSignal', () => {
  it('aborting a pending recv rejects with signal.reason; the socket keeps working', async () => {
    const [a, p] = pair();
    const ac = new AbortController();
    const pending = a.recv(100, 0, { signal: ac.signal });
    expect(await settled(pending)).toBe(false);
    const reason = new Error('stop it');
    ac.abort(reason);
    await expect(pending).rejects.toBe(reason);
    p.sendSync(b('after abort'));
    expect(await a.recv(100)).toEqual(b('after abort'));
    p.sendSync(b('sync'));
    expect(a.recvSync(100)).toEqual(b('sync'));
  });

  it('an already-aborted signal rejects without consuming data', async () => {
    const [a, p] = pair();
    const ac = new AbortController();
    ac.abort();
    await expect(a.recv(100, 0, { signal: ac.signal })).rejects.toBe(ac.signal.reason);
    p.sendSync(b('kept'));
    expect(await a.recv(100)).toEqual(b('kept'));
  });

  it('aborting one of two pending recvs leaves the other waiting', async () => {
    const [a, p] = pair();
    const ac = new AbortController();
    const first = a.recv(100, 0, { signal: ac.signal });
    const second = a.recv(100);
    ac.abort('gone');
    await expect(first).rejects.toBe('gone');
    expect(await settled(second)).toBe(false);
    p.sendSync(b('to the second'));
    expect(await second).toEqual(b('to the second'));
  });

  it('aborting a pending accept; the listener accepts afterwards', async () => {
    const [srv, addr] = listener();
    const ac = new AbortController();
    const pending = srv.accept({ signal: ac.signal });
    expect(await settled(pending)).toBe(false);
    ac.abort();
    const e = await catchAsync(pending);
    expect(e).toBe(ac.signal.reason);
    expect((e as Error).name).toBe('AbortError');
    const c = track(new Socket(AF_INET, SOCK_STREAM));
    await c.connect(addr);
    const [conn, peer] = await srv.accept();
    track(conn);
    expect(peer).toEqual(c.getsockname());
  });

  it('aborting a pending connect (full backlog) rejects with the reason; timeouts still work', async () => {
    const [, addr] = fullListener();
    const c = track(new Socket(AF_INET, SOCK_STREAM));
    const ac = new AbortController();
    const pending = c.connect(addr, { signal: ac.signal });
    expect(await settled(pending)).toBe(false);
    ac.abort(new Error('abort connect'));
    await expect(pending).rejects.toThrow('abort connect');
    // The socket is still usable: it can be closed, and other sockets are unaffected.
    expect(c.fileno()).toBeGreaterThanOrEqual(0);
    c.close();
    expect(c.fileno()).toBe(-1);
  });

  it('AbortSignal.timeout works with a blocking socket', async () => {
    const [a] = pair();
    const t0 = performance.now();
    const e = await catchAsync(a.recv(1, 0, { signal: AbortSignal.timeout(100) }));
    expect((e as Error).name).toBe('TimeoutError');
    expect(since(t0)).toBeGreaterThanOrEqual(90);
  });
});

describe('close while waiting', () => {
  it.each(['recv', 'recvfrom', 'accept', 'connect', 'send'] as const)('close() rejects a pending %s at once with EBADF', async (what) => {
    let s: Socket;
    let pending: Promise<unknown>;
    if (what === 'accept') {
      s = listener()[0];
      pending = s.accept();
    } else if (what === 'connect') {
      const [, addr] = fullListener();
      s = track(new Socket(AF_INET, SOCK_STREAM));
      pending = s.connect(addr);
    } else if (what === 'send') {
      s = pair()[0];
      fill(s);
      pending = s.sendall(Buffer.alloc(1 << 20));
    } else {
      s = pair()[0];
      pending = what === 'recv' ? s.recv(10) : s.recvfrom(10);
    }
    expect(await settled(pending)).toBe(false);
    const t0 = performance.now();
    s.close();
    const e = (await catchAsync(pending)) as SocketError;
    expect(since(t0)).toBeLessThan(100);
    expect(e).toBeInstanceOf(SocketError);
    expect(e.code).toBe('EBADF');
    expect(e.errno).toBe(EBADF);
    s.close(); // idempotent
  });
});
