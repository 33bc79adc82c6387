// Datagram batching (setbatching): batched and unbatched runs compared
// datagram by datagram on real UDP sockets over 127.0.0.1 and ::1.
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Socket, socketpair, setdefaulttimeout, AF_INET, AF_INET6, AF_UNIX, SOCK_DGRAM, SOCK_STREAM,
  MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT, MSG_OOB, MSG_ERRQUEUE, SOL_SOCKET, SO_RCVBUF, SocketError, type Address,
  DefaultSelector, EVENT_READ,
} from '../lib/index';
import { binding } from '../lib/binding';
import { b, cleanup, rejection, track } from './helpers';

// A bug must fail a test, not block the file: sync calls give up after 5 s.
setdefaulttimeout(5);
afterEach(cleanup);

const { EAGAIN } = os.constants.errno;

const FAMILIES: Array<[string, number, string]> = [
  ['AF_INET', AF_INET, '127.0.0.1'],
  ['AF_INET6', AF_INET6, '::1'],
];

function udp(family: number, host: string): Socket {
  const s = track(new Socket(family, SOCK_DGRAM));
  s.bind([host, 0]);
  return s;
}

/** Counts calls of the native binding's functions while `fn` runs; the real calls still run. */
async function counting<T>(names: string[], fn: () => Promise<T> | T): Promise<[T, Record<string, number>]> {
  const table = binding as unknown as Record<string, (...args: unknown[]) => unknown>;
  const saved = names.map((n) => table[n]);
  const counts: Record<string, number> = {};
  names.forEach((n, i) => {
    counts[n] = 0;
    table[n] = (...args: unknown[]) => {
      counts[n]++;
      return saved[i](...args);
    };
  });
  try {
    return [await fn(), counts];
  } finally {
    names.forEach((n, i) => (table[n] = saved[i]));
  }
}

/** A datagram of `n` bytes whose content says which one it is. */
function datagram(i: number, n: number): Buffer {
  const d = Buffer.alloc(n);
  for (let k = 0; k < n; k++) d[k] = (i * 31 + k) & 0xff;
  return d;
}

// Mixed sizes (empty, 1, 64, an MTU, the largest UDP/IPv4 payload) and the
// receiving call and size for each: sizes below, at and above the datagram.
const SIZES = [0, 1, 64, 1500, 65507, 7, 3000, 64, 1, 100];
const READS: Array<[string, number]> = [
  ['recvfrom', 2048], // 0 bytes
  ['recvfromSync', 1],
  ['recv', 10], // 64 -> 10, the rest dropped
  ['recvfromInto', 1500],
  ['recvfrom', 65536],
  ['recvInto', 3], // 7 -> 3
  ['recvfromIntoSync', 0], // 0: the whole buffer (2048)
  ['recvSync', 64],
  ['recvIntoSync', 0],
  ['recvfrom', 50],
];

async function readOne(s: Socket, call: string, n: number): Promise<[string, Address | null]> {
  const buf = Buffer.alloc(n === 0 ? 2048 : n + 5, 0xee);
  switch (call) {
    case 'recvfrom': {
      const [d, a] = await s.recvfrom(n);
      return [d.toString('hex'), a];
    }
    case 'recvfromSync': {
      const [d, a] = s.recvfromSync(n);
      return [d.toString('hex'), a];
    }
    case 'recv':
      return [(await s.recv(n)).toString('hex'), null];
    case 'recvSync':
      return [s.recvSync(n).toString('hex'), null];
    case 'recvfromInto': {
      const [c, a] = await s.recvfromInto(buf, n);
      return [`${c}:${buf.toString('hex')}`, a];
    }
    case 'recvfromIntoSync': {
      const [c, a] = s.recvfromIntoSync(buf, n);
      return [`${c}:${buf.toString('hex')}`, a];
    }
    case 'recvInto': {
      const c = await s.recvInto(buf, n);
      return [`${c}:${buf.toString('hex')}`, null];
    }
    case 'recvIntoSync': {
      const c = s.recvIntoSync(buf, n);
      return [`${c}:${buf.toString('hex')}`, null];
    }
  }
  throw new Error(call);
}

/** One run: the sequence sent, then read back with READS; batching `vlen` on the receiver (0: off). */
async function run(family: number, host: string, vlen: number): Promise<Array<[string, Address | null]>> {
  const rx = udp(family, host);
  const tx = udp(family, host);
  rx.setsockopt(SOL_SOCKET, SO_RCVBUF, 1 << 20);
  rx.setbatching(vlen);
  const counts = SIZES.map((n, i) => tx.sendtoSync(datagram(i, n), rx.getsockname()));
  expect(counts).toEqual(SIZES);
  const out: Array<[string, Address | null]> = [];
  for (const [call, n] of READS) {
    const [got, from] = await readOne(rx, call, n);
    // Compared by length and digest; the sender's address (a new port each run) by name.
    const sum = createHash('sha256').update(got).digest('hex').slice(0, 16);
    out.push([`${got.length}/${sum}`, from === null ? null : JSON.stringify(from) === JSON.stringify(tx.getsockname()) ? (['sender', 0] as Address) : from]);
  }
  expect(rx.recvfromIntoSync.bind(rx, Buffer.alloc(1), 0, MSG_DONTWAIT)).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
  rx.close();
  tx.close();
  return out;
}

describe.each(FAMILIES)('batched receive on %s', (_name, family, host) => {
  it('gives exactly the unbatched results: bytes, truncation, counts, addresses, order', async () => {
    const plain = await run(family, host, 0);
    for (const vlen of [1, 3, 64]) expect(await run(family, host, vlen)).toEqual(plain);
    // Spot checks of the plain run itself: truncated to the caller's size, whole when it fits, the sender's address.
    const hex = (d: Buffer): string => { const h = d.toString('hex'); return `${h.length}/${createHash('sha256').update(h).digest('hex').slice(0, 16)}`; };
    expect(plain[2][0]).toBe(hex(datagram(2, 10)));
    expect(plain[4]).toEqual([hex(datagram(4, 65507)), ['sender', 0]]);
    expect(plain[0]).toEqual([hex(Buffer.alloc(0)), ['sender', 0]]);
  });

  it('serves a run of plain recvfrom calls from one recvmmsg', async () => {
    const rx = udp(family, host);
    const tx = udp(family, host);
    rx.setbatching(16);
    for (let i = 0; i < 5; i++) tx.sendtoSync(datagram(i, 20 + i), rx.getsockname());
    const [got, counts] = await counting(['recvmmsg_slab', 'recvfrom_into'], async () => {
      const out: Buffer[] = [];
      for (let i = 0; i < 5; i++) out.push((await rx.recvfrom(100))[0]);
      return out;
    });
    expect(got).toEqual([0, 1, 2, 3, 4].map((i) => datagram(i, 20 + i)));
    expect(counts).toEqual({ recvmmsg_slab: 1, recvfrom_into: 0 });
  });

  it('sync and async calls share one queue and one order', async () => {
    const rx = udp(family, host);
    const tx = udp(family, host);
    rx.setbatching(4);
    for (let i = 0; i < 10; i++) tx.sendtoSync(b(`d${i}`), rx.getsockname());
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      seen.push(rx.recvfromSync(10)[0].toString());
      seen.push((await rx.recvfrom(10))[0].toString());
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `d${i}`));
  });
});

describe('randomized: batched and unbatched runs agree datagram by datagram', () => {
  /** A small seeded PRNG (mulberry32): the same sequence for every run. */
  function prng(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const CALLS = ['recvfrom', 'recvfromSync', 'recv', 'recvSync', 'recvfromInto', 'recvfromIntoSync', 'recvInto', 'recvIntoSync'];

  /** Bursts of 1..10 datagrams of random sizes, each followed by random reads (sizes, calls, MSG_PEEK) of at most what is outstanding. */
  async function script(family: number, host: string, vlen: number, seed: number): Promise<string[]> {
    const rnd = prng(seed);
    const rx = udp(family, host);
    const tx = udp(family, host);
    rx.setsockopt(SOL_SOCKET, SO_RCVBUF, 1 << 20);
    rx.setbatching(vlen);
    const log: string[] = [];
    let outstanding = 0;
    let next = 0;
    for (let burst = 0; burst < 40; burst++) {
      const n = 1 + Math.floor(rnd() * 10);
      for (let i = 0; i < n; i++) {
        const size = rnd() < 0.03 ? 65507 : Math.floor(rnd() * (rnd() < 0.5 ? 100 : 3000));
        tx.sendtoSync(datagram(next++, size), rx.getsockname());
        outstanding++;
      }
      // At most 4 left over: the kernel's receive buffer must never drop one.
      const reads = burst === 39 ? outstanding : Math.max(0, outstanding - 4) + Math.floor(rnd() * (Math.min(outstanding, 4) + 1));
      for (let r = 0; r < reads; r++) {
        const call = CALLS[Math.floor(rnd() * CALLS.length)];
        const size = [0, 1, 50, 1500, 9000, 65536][Math.floor(rnd() * 6)];
        if (rnd() < 0.15) {
          const [peek] = rx.recvfromSync(size, MSG_PEEK);
          log.push(`peek ${peek.length} ${createHash('sha256').update(peek).digest('hex').slice(0, 12)}`);
        }
        const [got, from] = await readOne(rx, call, size);
        if (from !== null) expect(from).toEqual(tx.getsockname());
        log.push(`${call} ${size} ${createHash('sha256').update(got).digest('hex').slice(0, 12)}`);
        outstanding--;
      }
    }
    expect(() => rx.recvSync(1, MSG_DONTWAIT)).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
    rx.close();
    tx.close();
    return log;
  }

  it.each(FAMILIES)('%s: 40 bursts, mixed calls, sizes and peeks', async (_n, family, host) => {
    for (const seed of [1, 2, 3]) {
      const plain = await script(family, host, 0, seed);
      expect(plain.length).toBeGreaterThan(150);
      for (const vlen of [2, 7, 64]) expect(await script(family, host, vlen, seed)).toEqual(plain);
    }
  });
});

describe('flags with batching', () => {
  it('MSG_PEEK shows the queue head, not a later datagram; MSG_TRUNC the real length', async () => {
    for (const vlen of [0, 8]) {
      const rx = udp(AF_INET, '127.0.0.1');
      const tx = udp(AF_INET, '127.0.0.1');
      rx.setbatching(vlen);
      for (const s of ['first', 'second-one', 'third']) tx.sendtoSync(b(s), rx.getsockname());
      expect((await rx.recvfrom(100))[0].toString()).toBe('first'); // batched: the rest now wait in the queue
      const [peek, from] = await rx.recvfrom(100, MSG_PEEK);
      expect(peek.toString()).toBe('second-one');
      expect(from).toEqual(tx.getsockname());
      expect(rx.recvSync(3, MSG_PEEK).toString()).toBe('sec');
      const buf = Buffer.alloc(4);
      expect(await rx.recvInto(buf, 4, MSG_TRUNC)).toBe(10); // the datagram's real length, 4 bytes copied
      expect(buf.toString()).toBe('seco');
      expect(rx.recvfromIntoSync(Buffer.alloc(2), 0, MSG_TRUNC)).toEqual([5, tx.getsockname()]);
      expect(rx.tryRecvfromInto(Buffer.alloc(10), 0, MSG_DONTWAIT)).toBe(-EAGAIN);
      rx.close();
      tx.close();
    }
  });

  it('flags the queue cannot emulate are refused while it holds datagrams; MSG_ERRQUEUE goes to the kernel', async () => {
    const rx = udp(AF_INET, '127.0.0.1');
    const tx = udp(AF_INET, '127.0.0.1');
    rx.setbatching(8);
    tx.sendtoSync(b('a'), rx.getsockname());
    tx.sendtoSync(b('b'), rx.getsockname());
    expect((await rx.recvfrom(10))[0].toString()).toBe('a');
    const e = (await rejection(rx.recv(10, MSG_OOB))) as SocketError;
    expect(e).toBeInstanceOf(SocketError);
    expect(e.code).toBe('EINVAL');
    expect(e.message).toMatch(/^recv EINVAL: flags 1 cannot be served from the batching queue, which holds 1 datagram/);
    // The error queue is another queue: the kernel's answer (empty: EAGAIN).
    expect(() => rx.recvSync(10, MSG_ERRQUEUE | MSG_DONTWAIT)).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
    expect(() => rx.recvmsgSync(10)).toThrow(/^recvmsg EINVAL: 1 datagram received by batching wait in the socket's queue/);
    await expect(rx.recvmmsg([Buffer.alloc(10)])).rejects.toThrow(/^recvmmsg EINVAL: 1 datagram received by batching/);
    expect(() => rx.tryRecvmmsg([Buffer.alloc(10)], new Int32Array(2), null)).toThrow(/^tryRecvmmsg EINVAL/);
    expect((await rx.recvfrom(10))[0].toString()).toBe('b');
    // Queue empty: recvmsg is the plain call again.
    tx.sendtoSync(b('c'), rx.getsockname());
    expect(rx.recvmsgSync(10)[0].toString()).toBe('c');
  });
});

describe('errors with batching', () => {
  /** A connected UDP socket whose peer sent `n` datagrams and is gone; then an ICMP port unreachable is pending. */
  function refusedPeer(vlen: number, n: number): Socket {
    const a = udp(AF_INET, '127.0.0.1');
    const p = udp(AF_INET, '127.0.0.1');
    a.connectSync(p.getsockname());
    for (let i = 0; i < n; i++) p.sendtoSync(b(`${i}`), a.getsockname());
    p.close();
    a.setbatching(vlen);
    return a;
  }
  function drain(a: Socket): string[] {
    const out: string[] = [];
    for (let i = 0; i < 6; i++) {
      try {
        out.push(a.recvfromSync(10)[0].toString());
      } catch (e) {
        out.push((e as SocketError).code);
        if ((e as SocketError).code === 'EAGAIN') break;
      }
    }
    return out;
  }

  it('a pending ECONNREFUSED reaches the same call as unbatched (the kernel reports it ahead of queued datagrams)', () => {
    const runs = [0, 8].map((vlen) => {
      const a = refusedPeer(vlen, 3);
      a.sendSync(b('z')); // to the closed port: ICMP, sk_err set
      a.settimeout(0);
      return drain(a);
    });
    expect(runs[0]).toEqual(['ECONNREFUSED', '0', '1', '2', 'EAGAIN']);
    expect(runs[1]).toEqual(runs[0]);
  });

  it('an error that arrives while datagrams wait in the queue goes to the first call after them, never lost', () => {
    const a = refusedPeer(8, 3);
    a.settimeout(0);
    expect(a.recvfromSync(10)[0].toString()).toBe('0'); // recvmmsg took all three
    a.sendSync(b('z')); // ICMP now
    // An unbatched reader that had read all three before the ICMP sees the same.
    expect(drain(a)).toEqual(['1', '2', 'ECONNREFUSED', 'EAGAIN']);
  });

  it('sends on a connected socket keep their own errors (no sendmmsg: it would drop them)', async () => {
    const results = [];
    for (const vlen of [0, 8]) {
      const a = refusedPeer(vlen, 0);
      const [r, counts] = await counting(['sendmmsg'], () => Promise.allSettled([1, 2, 3, 4].map((i) => a.send(b(`m${i}`)))));
      expect(counts.sendmmsg).toBe(0);
      results.push(r.map((x) => (x.status === 'fulfilled' ? x.value : (x.reason as SocketError).code)));
      a.close();
    }
    expect(results[0]).toEqual([2, 'ECONNREFUSED', 2, 'ECONNREFUSED']);
    expect(results[1]).toEqual(results[0]);
  });

  it('a bad address rejects its own sendto only', async () => {
    const rx = udp(AF_INET, '127.0.0.1');
    const tx = udp(AF_INET, '127.0.0.1');
    tx.setbatching(8);
    const to = rx.getsockname();
    const r = await Promise.allSettled([tx.sendto(b('a'), to), tx.sendto(b('b'), ['127.0.0.1', 70000] as Address), tx.sendto(b('c'), to), tx.sendto(b('d'), to)]);
    expect(r[0]).toEqual({ status: 'fulfilled', value: 1 });
    expect(r[1].status).toBe('rejected');
    expect(String((r[1] as PromiseRejectedResult).reason)).toMatch(/port/);
    expect(r.slice(2)).toEqual([{ status: 'fulfilled', value: 1 }, { status: 'fulfilled', value: 1 }]);
    expect([rx.recvSync(5), rx.recvSync(5), rx.recvSync(5)].map(String)).toEqual(['a', 'c', 'd']);
  });
});

describe('batched sends', () => {
  it.each(FAMILIES)('sendto calls of one iteration: the first at once, the rest in one sendmmsg, in order, each with its own count (%s)', async (_n, family, host) => {
    const rx = udp(family, host);
    const tx = udp(family, host);
    tx.setbatching(32);
    rx.settimeout(0);
    const to = rx.getsockname();
    const [counts, calls] = await counting(['sendmmsg', 'sendto'], async () => {
      const ps = SIZES.map((n, i) => tx.sendto(datagram(i, n), to));
      // Only the first has left yet (the plain call's sendto); the rest wait for the flush.
      expect(rx.recvSync(10)).toEqual(datagram(0, 0));
      expect(() => rx.recvSync(10)).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
      return Promise.all(ps);
    });
    expect(counts).toEqual(SIZES);
    expect(calls).toEqual({ sendmmsg: 1, sendto: 1 });
    rx.setsockopt(SOL_SOCKET, SO_RCVBUF, 1 << 20);
    for (let i = 1; i < SIZES.length; i++) {
      const [d, a] = rx.recvfromSync(65536);
      expect(d).toEqual(datagram(i, SIZES[i]));
      expect(a).toEqual(tx.getsockname());
    }
  });

  it('handlers resumed by one event coalesce their replies; an echo over batching equals the plain echo', async () => {
    const echoes: string[][] = [];
    for (const vlen of [0, 16]) {
      const srv = udp(AF_INET, '127.0.0.1');
      const cli = udp(AF_INET, '127.0.0.1');
      srv.setbatching(vlen);
      const handlers = Array.from({ length: 8 }, async () => {
        const [d, a] = await srv.recvfrom(100);
        return srv.sendto(Buffer.concat([b('re:'), d]), a!);
      });
      for (let i = 0; i < 8; i++) cli.sendtoSync(b(`q${i}`), srv.getsockname());
      const [sent, calls] = await counting(['sendmmsg'], () => Promise.all(handlers));
      expect(sent).toEqual([5, 5, 5, 5, 5, 5, 5, 5]);
      if (vlen > 0) expect(calls.sendmmsg).toBe(1);
      const got: string[] = [];
      for (let i = 0; i < 8; i++) got.push(cli.recvSync(100).toString());
      echoes.push(got);
      srv.close();
      cli.close();
    }
    expect(echoes[1]).toEqual(echoes[0]);
    expect(echoes[0]).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => `re:q${i}`));
  });

  it('a sync send, sendmsg or try* send never overtakes queued async sends: the unbatched order', async () => {
    const orders: string[][] = [];
    for (const vlen of [0, 8]) {
      const rx = udp(AF_INET, '127.0.0.1');
      const tx = udp(AF_INET, '127.0.0.1');
      tx.setbatching(vlen);
      const to = rx.getsockname();
      const p1 = tx.sendto(b('1'), to);
      expect(tx.sendtoSync(b('2'), to)).toBe(1);
      const p3 = tx.sendto(b('3'), to);
      expect(tx.trySendto(b('4'), to)).toBe(1);
      const p5 = tx.sendto(b('5'), to);
      const p6 = tx.sendmsg([b('6')], [], 0, to); // async: it resolves the address first (a microtask), so 7 goes before it
      const p7 = tx.sendto(b('7'), MSG_DONTWAIT, to);
      expect(await Promise.all([p1, p3, p5, p6, p7])).toEqual([1, 1, 1, 1, 1]);
      const got = [];
      for (let i = 0; i < 7; i++) got.push(rx.recvSync(5).toString());
      orders.push(got);
      rx.close();
      tx.close();
    }
    expect(orders[0]).toEqual(['1', '2', '3', '4', '5', '7', '6']);
    expect(orders[1]).toEqual(orders[0]);
  });

  it('a sequential await sendto loop costs one sendto each and still lets the event loop turn', async () => {
    const rx = udp(AF_INET, '127.0.0.1');
    const tx = udp(AF_INET, '127.0.0.1');
    tx.setbatching(8);
    let turned = false;
    setImmediate(() => (turned = true));
    const [, calls] = await counting(['sendto', 'sendmmsg'], async () => {
      for (let i = 0; i < 300; i++) await tx.sendto(b('x'), rx.getsockname());
    });
    expect(calls).toEqual({ sendto: 300, sendmmsg: 0 });
    expect(turned).toBe(true); // the engine's per-iteration budget holds for batched sends too
  });

  it('close() sends what is queued (nothing is dropped silently)', async () => {
    const rx = udp(AF_INET, '127.0.0.1');
    const tx = udp(AF_INET, '127.0.0.1');
    tx.setbatching(8);
    const to = rx.getsockname();
    const ps = ['x', 'y', 'z'].map((s) => tx.sendto(b(s), to));
    tx.close();
    expect(await Promise.all(ps)).toEqual([1, 1, 1]);
    expect([rx.recvSync(5), rx.recvSync(5), rx.recvSync(5)].map(String)).toEqual(['x', 'y', 'z']);
    const late = (await rejection(tx.sendto(b('w'), to))) as SocketError;
    expect(late.code).toBe('EBADF');
  });
});

describe('readiness with datagrams in the queue', () => {
  function filled(): [Socket, Socket] {
    const rx = udp(AF_INET, '127.0.0.1');
    const tx = udp(AF_INET, '127.0.0.1');
    rx.setbatching(8);
    for (const s of ['a', 'b', 'c']) tx.sendtoSync(b(s), rx.getsockname());
    expect(rx.recvfromSync(5)[0].toString()).toBe('a'); // b and c now wait in the queue; the fd is not readable
    expect(binding.poll(rx.fileno(), binding.internal.POLLIN, 0)).toBe(0);
    return [rx, tx];
  }

  it('try* calls serve the queue, then the kernel', () => {
    const [rx, tx] = filled();
    const buf = Buffer.alloc(5);
    expect(rx.tryRecvfromInto(buf)).toEqual([1, tx.getsockname()]);
    expect(buf.subarray(0, 1).toString()).toBe('b');
    expect(rx.tryRecvInto(buf)).toBe(1);
    expect(buf.subarray(0, 1).toString()).toBe('c');
    expect(rx.tryRecvInto(buf)).toBe(-EAGAIN);
    expect(rx._batched()).toBe(0);
  });

  it('onReadable fires while the queue holds datagrams, level-triggered', async () => {
    const [rx] = filled();
    const got: string[] = [];
    await new Promise<void>((done) => {
      rx.onReadable(() => {
        const buf = Buffer.alloc(5);
        const r = rx.tryRecvInto(buf); // one per callback: it must fire again for the next
        if (r > 0) got.push(buf.subarray(0, r).toString());
        if (got.length === 2) {
          rx.onReadable(null);
          done();
        }
      });
    });
    expect(got).toEqual(['b', 'c']);
  });

  it('an async recvfrom waiting when a sync call fills the queue is served from it', async () => {
    const rx = udp(AF_INET, '127.0.0.1');
    const tx = udp(AF_INET, '127.0.0.1');
    rx.setbatching(8);
    const waiting = rx.recvfrom(10); // queue and kernel empty: it waits for readability
    for (const s of ['1', '2', '3']) tx.sendtoSync(b(s), rx.getsockname());
    expect(rx.recvfromSync(10)[0].toString()).toBe('1'); // takes all three from the kernel
    expect((await waiting)[0].toString()).toBe('2'); // woken with the fd unreadable
    expect((await rx.recvfrom(10))[0].toString()).toBe('3');
  });

  it('setbatching(0) keeps serving what is queued first', async () => {
    const [rx, tx] = filled();
    rx.setbatching(0);
    expect(rx.getbatching()).toBe(0);
    tx.sendtoSync(b('d'), rx.getsockname());
    const got = [];
    for (let i = 0; i < 3; i++) got.push((await rx.recvfrom(5))[0].toString());
    expect(got).toEqual(['b', 'c', 'd']);
  });

  it('close() drops queued received datagrams, as the kernel drops its queue', async () => {
    const [rx] = filled();
    expect(rx._batched()).toBe(2);
    rx.close();
    expect(rx._batched()).toBe(0);
    expect(((await rejection(rx.recvfrom(5))) as SocketError).code).toBe('EBADF');
  });
});

describe('setbatching arguments', () => {
  it('takes 0..1024 and says so otherwise', () => {
    const s = udp(AF_INET, '127.0.0.1');
    expect(s.getbatching()).toBe(0);
    s.setbatching(1024);
    expect(s.getbatching()).toBe(1024);
    s.setbatching(0);
    expect(s.getbatching()).toBe(0);
    expect(() => s.setbatching(1025)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE', message: 'setbatching(): n must be an integer in 0..1024, got 1025' }));
    expect(() => s.setbatching(-1)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => s.setbatching(1.5)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: 'setbatching(): n must be an integer, not 1.5' }));
    expect(() => s.setbatching('8' as unknown as number)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('refuses stream and AF_UNIX sockets, and a closed one', () => {
    const t = track(new Socket(AF_INET, SOCK_STREAM));
    expect(() => t.setbatching(8)).toThrow(expect.objectContaining({ code: 'EINVAL', message: 'setbatching EINVAL: batching is for SOCK_DGRAM sockets, not SOCK_STREAM' }));
    const [u] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    expect(() => u.setbatching(8)).toThrow(expect.objectContaining({ code: 'EAFNOSUPPORT' }));
    expect(() => u.setbatching(8)).toThrow(/AF_UNIX one up to the sender's SO_SNDBUF/);
    u.setbatching(0); // off is always fine
    const c = new Socket(AF_INET, SOCK_DGRAM);
    c.close();
    expect(() => c.setbatching(8)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('bad receive arguments throw what the plain calls throw', async () => {
    const s = udp(AF_INET, '127.0.0.1');
    const plain = udp(AF_INET, '127.0.0.1');
    s.setbatching(8);
    const t = udp(AF_INET, '127.0.0.1');
    t.sendtoSync(b('q'), s.getsockname());
    await s.recvfrom(1); // nothing queued now; then one more so the queue is not empty
    t.sendtoSync(b('r'), s.getsockname());
    t.sendtoSync(b('s'), s.getsockname());
    await s.recvfrom(1);
    expect(s._batched()).toBe(1);
    const msg = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    for (const [buf, n] of [[Buffer.alloc(4), 5], [Buffer.alloc(4), -1], ['str', 0], [Buffer.alloc(4), 1.5]] as Array<[Buffer, number]>) {
      expect(msg(() => s.recvIntoSync(buf, n))).toBe(msg(() => plain.recvIntoSync(buf, n)));
      expect(String(await rejection(s.recvfromInto(buf, n)))).toBe(String(await rejection(plain.recvfromInto(buf, n))));
    }
    expect(String(await rejection(s.recvfrom(-1)))).toBe(String(await rejection(plain.recvfrom(-1))));
    expect(s._batched()).toBe(1);
  });
});

describe('selectors and batching', () => {
  it('a selector sees datagrams waiting in the batching queue (sync and async select)', async () => {
    const rx = track(new Socket(AF_INET, SOCK_DGRAM));
    rx.bind(['127.0.0.1', 0]);
    const tx = track(new Socket(AF_INET, SOCK_DGRAM));
    tx.bind(['127.0.0.1', 0]);
    rx.setbatching(8);
    for (const s of ['a', 'b', 'c']) tx.sendtoSync(b(s), rx.getsockname());
    expect(rx.recvfromSync(5)[0].toString()).toBe('a');
    const sel = new DefaultSelector();
    sel.register(rx, EVENT_READ, 'rx');
    expect(sel.selectSync(5).map(([k, ev]) => [k.data, ev])).toEqual([['rx', EVENT_READ]]);
    expect(rx.recvSync(5).toString()).toBe('b');
    expect((await sel.select(5)).map(([k, ev]) => [k.data, ev])).toEqual([['rx', EVENT_READ]]);
    expect(rx.recvSync(5).toString()).toBe('c');
    expect(sel.selectSync(0)).toEqual([]);
    const waiting = sel.select(5);
    for (const s of ['d', 'e']) tx.sendtoSync(b(s), rx.getsockname());
    expect(rx.recvSync(5).toString()).toBe('d');
    expect((await waiting).map(([k, ev]) => [k.data, ev])).toEqual([['rx', EVENT_READ]]);
    expect(rx.recvSync(5).toString()).toBe('e');
    sel.close();
  });
});
