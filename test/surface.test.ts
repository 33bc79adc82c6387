// Socket behaviours around the calls: argument errors that name the call,
// timeouts that say where, pending calls on close, aborted signals, the
// accept-before-listen hint, makefile's close rule, async iteration over
// connections and datagrams, and sendfile's errors.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Socket,
  SocketError,
  SocketTimeoutError,
  socketpair,
  fromfd,
  SSLContext,
  Purpose,
  AF_INET,
  AF_UNIX,
  SOCK_STREAM,
  SOCK_DGRAM,
  type Address,
} from '../lib/index';
import { binding } from '../lib/binding';
import { b, cleanup, rejection, track } from './helpers';

afterEach(cleanup);

const { EBADF, EINVAL } = os.constants.errno;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('argument errors name the call and carry Node\'s codes', () => {
  it('out-of-range integers are RangeError ERR_OUT_OF_RANGE, never wrapped (issue 8.9)', () => {
    expect(thrown(() => new Socket(AF_INET, 2 ** 32 + 1))).toMatchObject({
      name: 'RangeError',
      code: 'ERR_OUT_OF_RANGE',
      message: 'socket(): type must be an integer in -2147483648..2147483647, got 4294967297',
    });
    expect(thrown(() => socketpair(AF_UNIX, 2 ** 32 + 1))).toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    const s = track(new Socket(AF_INET, SOCK_STREAM));
    expect(thrown(() => s.listen(-(2 ** 31) - 1))).toMatchObject({
      name: 'RangeError',
      code: 'ERR_OUT_OF_RANGE',
      message: 'listen(): backlog must be an integer in -2147483648..2147483647, got -2147483649',
    });
    expect(thrown(() => s.listen(NaN))).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: 'listen(): backlog must be an integer, not NaN' });
    expect(thrown(() => s.settimeout(-1))).toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    expect(thrown(() => s.sendSync('text' as never))).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    expect((thrown(() => s.sendSync('text' as never)) as Error).message).toMatch(/^send\(\): data must be bytes .* not a string: encode it first/);
    s.bind(['127.0.0.1', 0]);
    s.listen(-5); // negative is 0, as in Python
  });

  it('flags are checked in every async and try* call, never coerced (a valueOf is not a flag)', async () => {
    const [a] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    const coercible = { valueOf: () => 0 };
    await expect(a.recv(10, 1n as never)).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: 'recv(): flags must be an integer, not 1n' });
    await expect(a.recvInto(Buffer.alloc(4), 0, coercible as never)).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    await expect(a.sendall(b('x'), Symbol('f') as never)).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    await expect(a.recvfrom(10, 2 ** 40)).rejects.toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    expect(thrown(() => a.tryRecvInto(Buffer.alloc(4), 0, coercible as never))).toMatchObject({ name: 'TypeError', message: 'tryRecvInto(): flags must be an integer, not an instance of Object' });
    expect(thrown(() => a.trySend(b('x'), 1.5))).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  });
});

describe('errors of pending and finished calls', () => {
  it('recvInto into a buffer whose ArrayBuffer was detached is a TypeError, not a 0 that reads as EOF (issue 8.8)', async () => {
    const [a, c] = track(socketpair());
    c.sendSync(b('data'));
    const buf = new Uint8Array(16);
    structuredClone(buf.buffer, { transfer: [buf.buffer] }); // detaches buf's ArrayBuffer
    expect(buf.byteLength).toBe(0);
    await expect(a.recvInto(buf)).rejects.toMatchObject({ name: 'TypeError', message: expect.stringMatching(/not detached/) });
    expect(() => a.recvIntoSync(buf)).toThrow(/not detached/);
    expect(await a.recv(16)).toEqual(b('data')); // nothing was consumed
  });

  it('a timeout says what timed out and where', async () => {
    const [a] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    a.settimeout(0.01);
    const e = await rejection(a.recv(1));
    expect(e).toBeInstanceOf(SocketTimeoutError);
    expect(e).toMatchObject({ code: 'ETIMEDOUT', syscall: 'recv', message: 'recv timed out' });
  });

  it('a call pending when close() runs rejects with EBADF naming its own syscall', async () => {
    const [a] = track(socketpair());
    const r = a.recv(10);
    const f = a.recvfrom(10);
    a.close();
    expect(await rejection(r)).toMatchObject({ code: 'EBADF', errno: EBADF, syscall: 'recv' });
    expect(await rejection(f)).toMatchObject({ code: 'EBADF', syscall: 'recvfrom' });
  });

  it('an already aborted signal rejects even when data is ready (as fetch and events.once do)', async () => {
    const [a, c] = track(socketpair());
    c.sendSync(b('ready'));
    const reason = new Error('stop');
    const e = await rejection(a.recv(10, 0, { signal: AbortSignal.abort(reason) }));
    expect(e).toBe(reason);
    expect(await a.recv(10)).toEqual(b('ready')); // nothing was consumed
    await expect(a.sendall(b('x'), 0, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('accept before listen hints that the socket is not listening', async () => {
    const s = track(new Socket(AF_INET, SOCK_STREAM));
    s.bind(['127.0.0.1', 0]);
    const e = await rejection(s.accept());
    expect(e).toBeInstanceOf(SocketError);
    expect(e).toMatchObject({ code: 'EINVAL', errno: EINVAL, syscall: 'accept' });
    expect((e as Error).message).toBe('accept EINVAL: the socket is not listening (call listen() first)');
  });

  it('sendfile of a bad file fd is a SocketError, not node:fs\'s error (issue 8.12)', async () => {
    const [a] = track(socketpair());
    const e = await rejection(a.sendfile(987654));
    expect(e).toBeInstanceOf(SocketError);
    expect(e).toMatchObject({ code: 'EBADF', errno: EBADF, syscall: 'sendfile' });
    expect(thrown(() => a.sendfileSync(987654))).toBeInstanceOf(SocketError);
  });
});

describe('makefile: the fd closes when the socket and every stream from it are closed (Python\'s rule)', () => {
  it('close() after makefile() leaves the fd to the stream, which closes it at its end', async () => {
    const [a, c] = track(socketpair());
    const fd = a.fileno();
    const f = a.makefile('rw');
    a.close();
    expect(a.fileno()).toBe(fd); // still open for the stream
    f.write(b('ping'));
    expect(await c.recv(4)).toEqual(b('ping'));
    c.sendSync(b('pong'));
    const [chunk] = (await new Promise((r) => f.once('data', (d) => r([d])))) as [Buffer];
    expect(chunk).toEqual(b('pong'));
    const closed = new Promise((r) => f.once('close', r));
    f.destroy();
    await closed;
    expect(a.fileno()).toBe(-1);
    expect(fs.existsSync(`/proc/self/fd/${fd}`) && fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:') && binding.openFdCount() > 2).toBe(false);
  });

  it('the 3-line echo server (makefile piped to itself) leaks no fd per connection', async () => {
    const before = binding.openFdCount();
    for (let i = 0; i < 5; i++) {
      const [a, c] = socketpair();
      const f = a.makefile('rw');
      a.close();
      f.pipe(f);
      const closed = new Promise((r) => f.once('close', r));
      await c.sendall(b(`hello ${i}`));
      expect(await c.recv(64)).toEqual(b(`hello ${i}`));
      c.shutdown(1); // EOF: the stream ends both ways and closes
      await closed;
      expect(await c.recv(64)).toEqual(Buffer.alloc(0));
      c.close();
      expect(a.fileno()).toBe(-1);
    }
    expect(binding.openFdCount()).toBe(before);
  });
});

describe('async iteration beyond stream chunks', () => {
  it('for await of listener.connections() accepts until the listener is closed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-conns-'));
    const where = path.join(dir, 's');
    const srv = track(new Socket(AF_UNIX, SOCK_STREAM));
    srv.bind(where);
    srv.listen();
    const seen: string[] = [];
    const loop = (async () => {
      for await (const [conn] of srv.connections()) {
        seen.push((await conn.recv(10)).toString());
        conn.close();
        if (seen.length === 3) srv.close();
      }
      return 'ended';
    })();
    for (let i = 0; i < 3; i++) {
      const c = track(new Socket(AF_UNIX, SOCK_STREAM));
      await c.connect(where);
      await c.sendall(b(`c${i}`));
    }
    expect(await loop).toBe('ended');
    expect(seen).toEqual(['c0', 'c1', 'c2']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('for await of sock.datagrams(n) yields [data, address] until the socket is closed', async () => {
    const s = track(new Socket(AF_INET, SOCK_DGRAM));
    s.bind(['127.0.0.1', 0]);
    const c = track(new Socket(AF_INET, SOCK_DGRAM));
    c.bind(['127.0.0.1', 0]);
    const got: Array<[string, Address | null]> = [];
    const loop = (async () => {
      for await (const [data, addr] of s.datagrams(16)) {
        got.push([data.toString(), addr]);
        if (got.length === 2) s.close();
      }
    })();
    c.sendtoSync(b('one'), s.getsockname());
    c.sendtoSync(b('two'), s.getsockname());
    await loop;
    expect(got).toEqual([
      ['one', c.getsockname()],
      ['two', c.getsockname()],
    ]);
  });
});

describe('fuzzer findings (F8, F10, F12 of fuzz-findings.md)', () => {
  it('a sparse array of 2**32-1 buffers is refused at once, before any walk over it', () => {
    const [a] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    const huge = new Array(2 ** 32 - 1);
    const t0 = performance.now();
    expect(thrown(() => a.sendmsgSync(huge))).toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE', message: 'sendmsg(): at most 1024 buffers, got 4294967295' });
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('fromfd with a bad family, type or proto leaks no duplicate fd', () => {
    const [a] = track(socketpair());
    const before = binding.openFdCount();
    for (const bad of [Symbol('x'), 1n, '1', 1.5, 2 ** 40]) {
      expect(() => fromfd(a.fileno(), bad as never, SOCK_STREAM)).toThrow(/fromfd\(\): family must be an integer/);
      expect(() => fromfd(a.fileno(), AF_UNIX, bad as never)).toThrow(/fromfd\(\): type must be an integer/);
    }
    expect(binding.openFdCount()).toBe(before);
  });

  it('certificate files: a missing one is a SocketError ENOENT naming it, a number is refused (not read as an fd)', () => {
    const ctx = new SSLContext(Purpose.SERVER_AUTH);
    expect(thrown(() => ctx.loadCertChain('/nonexistent/cert.pem'))).toMatchObject({ name: 'SocketError', code: 'ENOENT', syscall: 'open', address: '/nonexistent/cert.pem' });
    expect(thrown(() => ctx.loadVerifyLocations({ cafile: '/nonexistent/ca.pem' }))).toBeInstanceOf(SocketError);
    expect(thrown(() => ctx.loadCertChain(0 as never))).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: 'loadCertChain(): certfile must be a path string' });
  });

  it('a TLS socket used before connect() is a SocketError ENOTCONN', async () => {
    const ctx = new SSLContext(Purpose.SERVER_AUTH);
    const s = track(new Socket(AF_INET, SOCK_STREAM));
    const t = ctx.wrapSocket(s, { serverHostname: 'localhost' });
    expect(await rejection(t.recv(1))).toMatchObject({ name: 'SocketError', code: 'ENOTCONN', syscall: 'recv' });
  });
});
