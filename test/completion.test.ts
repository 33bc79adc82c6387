// Completion reads (native/poll.cc, lib/readiness.ts): while an async
// recvInto waits, native makes its recv(2) itself when the fd turns readable,
// before entering JS. These tests pin down that nothing is lost or misread:
// a buffer detached or shrunk during the wait, a reader that leaves (timeout,
// abort from another socket's callback in the same loop iteration).
import { afterEach, describe, expect, it } from 'vitest';
import { Socket, SocketTimeoutError, socketpair, AF_INET, AF_UNIX, SOCK_DGRAM, SOCK_STREAM } from '../lib/index';
import { binding } from '../lib/binding';
import { b, cleanup, track } from './helpers';

afterEach(cleanup);

function pair(): [Socket, Socket] {
  return track(socketpair(AF_UNIX, SOCK_STREAM));
}

/** Detach `ab` (its memory moves to a clone that nobody keeps). */
function detach(ab: ArrayBufferLike): void {
  structuredClone(ab, { transfer: [ab as ArrayBuffer] });
}

/** A resizable ArrayBuffer (ES2024; Node 20 has it, the TS lib here may not). */
function resizable(len: number): ArrayBuffer & { resize(n: number): void } {
  return new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer & { resize(n: number): void })(len, {
    maxByteLength: len,
  });
}

/** Count binding.recv_into calls while `fn` runs (the JS attempt; completion reads make none). */
async function countRecvInto(fn: () => Promise<void>): Promise<number> {
  const original = binding.recv_into;
  let calls = 0;
  binding.recv_into = (...args) => {
    calls++;
    return original(...args);
  };
  try {
    await fn();
  } finally {
    binding.recv_into = original;
  }
  return calls;
}

describe('completion reads', () => {
  it('a waiting recvInto is completed natively: exact bytes, and no recv_into call for it', async () => {
    const [a, peer] = pair();
    const buf = Buffer.alloc(64);
    const got: string[] = [];
    const calls = await countRecvInto(async () => {
      for (let i = 0; i < 20; i++) {
        const p = a.recvInto(buf); // nothing queued: the first attempt says EAGAIN, then it waits
        setImmediate(() => peer.sendSync(b(`msg-${i}`)));
        const n = await p;
        got.push(buf.subarray(0, n).toString());
      }
    });
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `msg-${i}`));
    // The first call's first attempt is the one recv_into of JS (EAGAIN);
    // after a short read the next call waits at once, and every read after a
    // wait is native's. Without completion reads this is 21.
    expect(calls).toBe(1);
  });

  it('a buffer detached while its recv waits is a TypeError, and the data stays in the socket', async () => {
    const [a, peer] = pair();
    const u8 = new Uint8Array(16);
    const p = a.recvInto(u8);
    await new Promise((r) => setImmediate(r)); // waiting now, buffer registered
    detach(u8.buffer);
    peer.sendSync(b('still here'));
    await expect(p).rejects.toThrow(TypeError);
    expect(a.recvSync(64)).toEqual(b('still here'));
  });

  it('a resizable buffer shrunk while its recv(nbytes) waits is a RangeError, and the data stays', async () => {
    const [a, peer] = pair();
    const rab = resizable(16);
    const u8 = new Uint8Array(rab); // length-tracking
    const p = a.recvInto(u8, 16);
    await new Promise((r) => setImmediate(r));
    rab.resize(4);
    peer.sendSync(b('0123456789'));
    await expect(p).rejects.toThrow(RangeError);
    expect(a.recvSync(64)).toEqual(b('0123456789'));
  });

  it('a resizable buffer shrunk while its recv (whole buffer) waits reads what now fits, the rest stays', async () => {
    const [a, peer] = pair();
    const rab = resizable(16);
    const u8 = new Uint8Array(rab);
    const p = a.recvInto(u8);
    await new Promise((r) => setImmediate(r));
    rab.resize(4);
    peer.sendSync(b('0123456789'));
    expect(await p).toBe(4);
    expect(Buffer.from(u8)).toEqual(b('0123'));
    expect(a.recvSync(64)).toEqual(b('456789'));
  });

  it('a recv that timed out leaves later data to the next reader (nothing read for nobody)', async () => {
    const [a, peer] = pair();
    a.settimeout(0.05);
    await expect(a.recvInto(Buffer.alloc(16))).rejects.toThrow(SocketTimeoutError);
    // The poll may stay armed after a wait (readiness.ts keeps it between calls).
    peer.sendSync(b('for later'));
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); // loop iterations with the fd readable
    a.settimeout(0); // lost data would be EAGAIN here, not a hang
    expect(a.recvSync(64)).toEqual(b('for later'));
  });

  it("a reader aborted by another socket's callback in the same iteration still gets its data", async () => {
    const [a, peerA] = pair();
    const [c, peerC] = pair();
    const ac = new AbortController();
    const buf = Buffer.alloc(32);
    const p = a.recvInto(buf, 0, 0, { signal: ac.signal });
    let fired = 0;
    c.onReadable(() => {
      fired++;
      ac.abort(new Error('aborted by c'));
      c.onReadable(null);
    });
    await new Promise((r) => setImmediate(r));
    // Both readable before the next poll phase, c first: its callback runs
    // before a's event in the dispatch, but a's read was already made.
    peerC.sendSync(b('x'));
    peerA.sendSync(b('for a'));
    const n = await p;
    expect(buf.subarray(0, n)).toEqual(b('for a'));
    expect(fired).toBe(1);
    expect(c.recvSync(8)).toEqual(b('x'));
  });

  it('a new buffer per call is registered each time and read into exactly', async () => {
    const [a, peer] = pair();
    for (let i = 0; i < 5; i++) {
      const buf = Buffer.alloc(8 + i);
      const p = a.recvInto(buf, 3);
      setImmediate(() => peer.sendSync(b(`ab${i}xyz`)));
      expect(await p).toBe(3);
      expect(buf.subarray(0, 3)).toEqual(b(`ab${i}`));
      expect(a.recvSync(16)).toEqual(b('xyz'));
    }
  });
});

describe('recv(n) and recvfrom(n) of more than a pool slice', () => {
  it('each result is its own copy of exactly the bytes received', async () => {
    const [a, peer] = pair();
    peer.sendSync(b('first'));
    const one = await a.recv(65536);
    peer.sendSync(b('second!'));
    const two = a.recvSync(8192);
    peer.sendSync(Buffer.alloc(9000, 0x61));
    const three = await a.recv(9000);
    expect(one).toEqual(b('first'));
    expect(two).toEqual(b('second!'));
    expect(three.length).toBeLessThanOrEqual(9000);
    expect(three.every((x) => x === 0x61)).toBe(true);
    expect(one).toEqual(b('first')); // not overwritten by the later reads
  });

  it('a waiting recvfrom(65536) on a datagram socket gets exactly its datagram, address included', async () => {
    const [u, v] = track([new Socket(AF_INET, SOCK_DGRAM), new Socket(AF_INET, SOCK_DGRAM)]);
    u.bind(['127.0.0.1', 0]);
    v.bind(['127.0.0.1', 0]);
    const p = u.recvfrom(65536);
    setImmediate(() => v.sendtoSync(b('dgram-1'), u.getsockname()));
    const [data, addr] = await p;
    expect(data).toEqual(b('dgram-1'));
    expect(addr).toEqual(v.getsockname());
    v.sendtoSync(b('dgram-2'), u.getsockname());
    const [again] = u.recvfromSync(65536);
    expect(again).toEqual(b('dgram-2'));
    expect(data).toEqual(b('dgram-1')); // not overwritten by the next read
  });
});
