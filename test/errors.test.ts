// Errors: OS errors carry exact code / errno / syscall / address; bad input is
// a TypeError or RangeError before any syscall, never a crash.
import * as os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Socket,
  SocketError,
  SocketTimeoutError,
  GaiError,
  HostError,
  socketpair,
  AF_INET,
  AF_INET6,
  AF_UNIX,
  SOCK_STREAM,
  SOCK_DGRAM,
  SOL_SOCKET,
  SO_REUSEADDR,
  SO_RCVBUF,
  type Address,
  SocketStream,
} from '../lib/index';
import { binding } from '../lib/binding';
import { b, cleanup, track } from './helpers';

afterEach(cleanup);

const E = os.constants.errno;

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('no exception');
}
async function rejected(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('no rejection');
    },
    (e: unknown) => e,
  );
}

/** A TCP port that is bound but not listening: a connect to it is refused. */
function refusedAddr(family: number, host: string): Address {
  const s = track(new Socket(family, SOCK_STREAM));
  s.bind([host, 0]);
  return s.getsockname();
}

function expectOsError(e: unknown, code: string, syscall: string, address?: unknown): SocketError {
  expect(e).toBeInstanceOf(SocketError);
  expect(e).toBeInstanceOf(Error);
  expect(e).not.toBeInstanceOf(SocketTimeoutError);
  const se = e as SocketError;
  expect(se.name).toBe('SocketError');
  expect(se.code).toBe(code);
  expect(se.errno).toBe(E[code as keyof typeof E]);
  expect(se.syscall).toBe(syscall);
  if (address !== undefined) expect(se.address).toEqual(address);
  expect(se.message).toContain(code);
  expect(se.message).toContain(syscall);
  expect(se.stack).toContain('SocketError');
  return se;
}

describe.each([
  [AF_INET, '127.0.0.1', '127.0.0.1:'],
  [AF_INET6, '::1', '[::1]:'],
])('OS errors, family %i', (family, host, shown) => {
  it('ECONNREFUSED from connectSync, with the address', () => {
    const addr = refusedAddr(family, host);
    const port = (addr as [string, number])[1];
    const c = track(new Socket(family, SOCK_STREAM));
    const e = expectOsError(
      caught(() => c.connectSync([host, port])),
      'ECONNREFUSED',
      'connect',
      [host, port],
    );
    expect(e.errno).toBe(111);
    expect(e.message).toBe(`connect ECONNREFUSED: Connection refused ${shown}${port}`);
  });

  it('ECONNREFUSED from async connect (reported through the poll), with the address', async () => {
    const addr = refusedAddr(family, host);
    const port = (addr as [string, number])[1];
    const c = track(new Socket(family, SOCK_STREAM));
    expectOsError(await rejected(c.connect([host, port])), 'ECONNREFUSED', 'connect', [host, port]);
    // The socket can be closed cleanly afterwards.
    c.close();
  });

  it('connectEx returns ECONNREFUSED as a number', async () => {
    const addr = refusedAddr(family, host);
    expect(track(new Socket(family, SOCK_STREAM)).connectExSync(addr)).toBe(E.ECONNREFUSED);
    expect(await track(new Socket(family, SOCK_STREAM)).connectEx(addr)).toBe(E.ECONNREFUSED);
  });

  it('EADDRINUSE from bind, with the address', () => {
    const a = track(new Socket(family, SOCK_STREAM));
    a.bind([host, 0]);
    a.listen();
    const port = (a.getsockname() as [string, number])[1];
    const c = track(new Socket(family, SOCK_STREAM));
    const e = expectOsError(
      caught(() => c.bind([host, port])),
      'EADDRINUSE',
      'bind',
      [host, port],
    );
    expect(e.errno).toBe(98);
    expect(e.message).toBe(`bind EADDRINUSE: Address already in use ${shown}${port}`);
  });

  it('a connected UDP socket learns ECONNREFUSED (ICMP) in a pending async recv', async () => {
    const addr = refusedAddr(family, host); // a TCP bind: the UDP port of that number is probably free
    const r = track(new Socket(family, SOCK_DGRAM));
    r.bind([host, 0]);
    const udpAddr = r.getsockname();
    r.close(); // now nobody listens there
    void addr;
    const u = track(new Socket(family, SOCK_DGRAM));
    u.connectSync(udpAddr);
    const pending = u.recv(10);
    u.sendSync(b('anyone?'));
    expectOsError(await rejected(pending), 'ECONNREFUSED', 'recv');
    // The error is consumed: the socket works on.
    u.settimeout(0);
    expectOsError(caught(() => u.recvSync(10)), 'EAGAIN', 'recv');
  });
});

describe('OS errors, other', () => {
  it('ENOTCONN from getpeername and send on an unconnected TCP socket', () => {
    const s = track(new Socket(AF_INET, SOCK_STREAM));
    expectOsError(
      caught(() => s.getpeername()),
      'ENOTCONN',
      'getpeername',
    );
    expectOsError(
      caught(() => s.shutdown(2)),
      'ENOTCONN',
      'shutdown',
    );
  });

  it('EPIPE from send to a closed peer (no SIGPIPE kills the process)', async () => {
    const [a, c] = socketpair();
    c.close();
    expectOsError(
      caught(() => a.sendSync(b('x'))),
      'EPIPE',
      'send',
    );
    expectOsError(await rejected(a.sendall(b('x'))), 'EPIPE', 'send');
    a.close();
  });

  it('EAFNOSUPPORT / EINVAL from socket(2), EINVAL from shutdown(2) and listen on UDP', () => {
    expectOsError(
      caught(() => new Socket(12345, SOCK_STREAM)),
      'EAFNOSUPPORT',
      'socket',
    );
    expectOsError(
      caught(() => new Socket(AF_INET, 12345)),
      'EINVAL',
      'socket',
    );
    const s = track(new Socket(AF_INET, SOCK_DGRAM));
    // 95 is EOPNOTSUPP and ENOTSUP on Linux; Python and libuv both name it ENOTSUP.
    const e = expectOsError(
      caught(() => s.listen()),
      'ENOTSUP',
      'listen',
    );
    expect(e.errno).toBe(E.EOPNOTSUPP);
    const [a] = track(socketpair());
    expectOsError(
      caught(() => a.shutdown(7)),
      'EINVAL',
      'shutdown',
    );
  });

  it('ENOPROTOOPT from getsockopt / setsockopt', () => {
    const s = track(new Socket(AF_INET, SOCK_STREAM));
    expectOsError(
      caught(() => s.getsockopt(SOL_SOCKET, 9999)),
      'ENOPROTOOPT',
      'getsockopt',
    );
    expectOsError(
      caught(() => s.setsockopt(SOL_SOCKET, 9999, 1)),
      'ENOPROTOOPT',
      'setsockopt',
    );
  });

  it('the error classes', () => {
    const e = new SocketError(E.ECONNRESET, 'recv');
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('ECONNRESET');
    expect(e.errno).toBe(104);
    expect(e.address).toBeUndefined();
    const t = new SocketTimeoutError('recv');
    expect(t).toBeInstanceOf(SocketError);
    expect(t).toBeInstanceOf(Error);
    expect(t.name).toBe('SocketTimeoutError');
    expect(t.code).toBe('ETIMEDOUT');
    expect(t.errno).toBe(E.ETIMEDOUT);
    expect(new GaiError(-2, 'EAI_NONAME', 'Name or service not known', 'getaddrinfo')).toBeInstanceOf(Error);
    expect(new HostError(1, 'HOST_NOT_FOUND', 'Unknown host', 'gethostbyname')).toBeInstanceOf(Error);
    // Every errno name round-trips.
    for (const [code, n] of Object.entries(E)) {
      const x = new SocketError(n, 'x');
      expect(x.errno).toBe(n);
      expect(E[x.code as keyof typeof E]).toBe(n);
      void code;
    }
  });
});

describe('bad input: TypeError / RangeError before any syscall, never a crash', () => {
  it('a string as data is a TypeError telling to encode it', async () => {
    const [a, c] = track(socketpair());
    const msg = /encode it first/;
    expect(() => a.sendSync('hello' as never)).toThrow(TypeError);
    expect(() => a.sendSync('hello' as never)).toThrow(msg);
    expect(() => a.sendallSync('hello' as never)).toThrow(msg);
    expect(() => a.sendtoSync('hello' as never, '')).toThrow(msg);
    expect(() => a.trySend('hello' as never)).toThrow(msg);
    await expect(a.send('hello' as never)).rejects.toThrow(msg);
    await expect(a.sendall('hello' as never)).rejects.toThrow(msg);
    await expect(a.sendto('hello' as never, '')).rejects.toThrow(msg);
    // Nothing was sent.
    c.settimeout(0);
    expect(() => c.recvSync(10)).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
  });

  it('other non-bytes data is a TypeError', async () => {
    const [a] = track(socketpair());
    for (const v of [123, null, undefined, {}, [1, 2], true]) {
      expect(() => a.sendSync(v as never)).toThrow(TypeError);
      await expect(a.send(v as never)).rejects.toThrow(TypeError);
      expect(() => a.recvIntoSync(v as never)).toThrow(TypeError);
    }
  });

  it('every bytes type is accepted: Buffer, TypedArrays, DataView, ArrayBuffer', () => {
    const [a, c] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    const ab = new ArrayBuffer(8);
    new Uint8Array(ab).set([1, 2, 3, 4, 5, 6, 7, 8]);
    const views = [
      Buffer.from([1, 2]),
      new Uint8Array(ab, 2, 3),
      new Uint16Array([0x0201]),
      new Float64Array([0]),
      new DataView(ab, 6, 2),
      ab,
    ];
    const expected = [[1, 2], [3, 4, 5], [1, 2], [0, 0, 0, 0, 0, 0, 0, 0], [7, 8], [1, 2, 3, 4, 5, 6, 7, 8]];
    views.forEach((v, i) => {
      expect(a.sendSync(v)).toBe(expected[i].length);
      expect([...c.recvSync(100)]).toEqual(expected[i]);
    });
    // recvInto into an offset view writes at its offset only.
    const big = new Uint8Array(10);
    a.sendSync(b('xyz'));
    expect(c.recvIntoSync(new DataView(big.buffer, 4, 3))).toBe(3);
    expect([...big]).toEqual([0, 0, 0, 0, 0x78, 0x79, 0x7a, 0, 0, 0]);
  });

  it('sizes: negative, non-integer, larger than the buffer', async () => {
    const [a] = track(socketpair());
    expect(() => a.recvSync(-1)).toThrow(RangeError);
    await expect(a.recv(-1)).rejects.toThrow(RangeError);
    expect(() => a.recvfromSync(-5)).toThrow(RangeError);
    expect(() => a.recvSync(1.5)).toThrow(TypeError);
    expect(() => a.recvSync('10' as never)).toThrow(TypeError);
    const buf = Buffer.alloc(8);
    expect(() => a.recvIntoSync(buf, 9)).toThrow(RangeError);
    expect(() => a.recvIntoSync(buf, 9)).toThrow(/buffer too small/);
    await expect(a.recvInto(buf, 9)).rejects.toThrow(RangeError);
    expect(() => a.recvIntoSync(buf, -1)).toThrow(RangeError);
    expect(() => a.recvfromIntoSync(buf, 100)).toThrow(RangeError);
    await expect(a.recvfromInto(buf, 100)).rejects.toThrow(RangeError);
    expect(() => a.recvIntoSync(new Uint8Array(new ArrayBuffer(16), 12), 5)).toThrow(RangeError);
    expect(() => a.recvIntoSync(buf, 2 ** 53)).toThrow(RangeError);
    expect(() => a.tryRecvInto(buf, 9)).toThrow(RangeError);
    expect(() => a.recvSync(2 ** 53)).toThrow(RangeError);
  });

  it('flags of the wrong type', () => {
    const [a] = track(socketpair());
    expect(() => a.recvSync(10, 'x' as never)).toThrow(TypeError);
    expect(() => a.sendSync(b('x'), {} as never)).toThrow(TypeError);
    expect(() => a.sendtoSync(b('x'), 'x' as never, '')).toThrow(TypeError);
  });

  it.each([
    [AF_INET, ['127.0.0.1', 65536], RangeError],
    [AF_INET, ['127.0.0.1', -1], RangeError],
    [AF_INET, ['127.0.0.1', 2 ** 32], RangeError],
    [AF_INET, ['127.0.0.1', 1.5], TypeError],
    [AF_INET, ['127.0.0.1', '80'], TypeError],
    [AF_INET, ['127.0.0.1', NaN], TypeError],
    [AF_INET, ['127.0.0.1'], TypeError],
    [AF_INET, ['127.0.0.1', 80, 0], TypeError],
    [AF_INET, [127, 80], TypeError],
    [AF_INET, 80, TypeError],
    [AF_INET, '127.0.0.1', TypeError],
    [AF_INET, null, TypeError],
    [AF_INET6, ['::1', 65536], RangeError],
    [AF_INET6, ['::1', 0, 0x100000], RangeError],
    [AF_INET6, ['::1', 0, -1], RangeError],
    [AF_INET6, ['::1', 0, 0, -1], RangeError],
    [AF_INET6, ['::1', 0, 0, 2 ** 32], RangeError],
    [AF_INET6, ['::1', 0, 0, 0, 0], TypeError],
    [AF_INET6, 7, TypeError],
    [AF_UNIX, 7, TypeError],
    [AF_UNIX, ['/tmp/x'], TypeError],
    [AF_UNIX, '/tmp/a\0b', TypeError],
    [AF_UNIX, '/' + 'x'.repeat(108), RangeError],
    [AF_UNIX, Buffer.alloc(109), RangeError],
  ] as [number, unknown, ErrorConstructor][])('family %i, address %j: %o', async (family, addr, cls) => {
    const type = family === AF_UNIX ? SOCK_DGRAM : SOCK_STREAM;
    const s = track(new Socket(family, type));
    const before = s.getsockname();
    expect(() => s.bind(addr as Address)).toThrow(cls);
    expect(() => s.connectSync(addr as Address)).toThrow(cls);
    await expect(s.connect(addr as Address)).rejects.toThrow(cls);
    const u = track(new Socket(family, SOCK_DGRAM));
    expect(() => u.sendtoSync(b('x'), addr as Address)).toThrow(cls);
    await expect(u.sendto(b('x'), addr as Address)).rejects.toThrow(cls);
    // No syscall happened: still unbound, unconnected.
    expect(s.getsockname()).toEqual(before);
    expect(() => s.getpeername()).toThrow(SocketError);
  });

  it('the flowinfo limit is inclusive: 0xfffff is fine', () => {
    const s = track(new Socket(AF_INET6, SOCK_DGRAM));
    s.bind(['::1', 0, 0xfffff, 0]);
    expect((s.getsockname() as unknown[])[0]).toBe('::1');
  });

  it('ports 0 and 65535 are in range', () => {
    const s = track(new Socket(AF_INET, SOCK_DGRAM));
    s.bind(['127.0.0.1', 0]);
    expect((s.getsockname() as [string, number])[1]).toBeGreaterThan(0);
    const t = track(new Socket(AF_INET, SOCK_DGRAM));
    t.connectSync(['127.0.0.1', 65535]);
    expect(t.getpeername()).toEqual(['127.0.0.1', 65535]);
  });

  it('socket options of the wrong type or size', () => {
    const s = track(new Socket(AF_INET, SOCK_STREAM));
    expect(() => s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 'yes' as never)).toThrow(TypeError);
    expect(() => s.setsockopt(SOL_SOCKET, SO_REUSEADDR, {} as never)).toThrow(TypeError);
    expect(() => s.setsockopt(SOL_SOCKET, SO_REUSEADDR, null as never, -1)).toThrow(RangeError);
    expect(() => s.getsockopt(SOL_SOCKET, SO_RCVBUF, 0)).toThrow(RangeError);
    expect(() => s.getsockopt(SOL_SOCKET, SO_RCVBUF, 1025)).toThrow(RangeError);
    expect(() => s.getsockopt(SOL_SOCKET, SO_RCVBUF, -1)).toThrow(RangeError);
    expect(() => s.getsockopt('1' as never, SO_RCVBUF)).toThrow(TypeError);
    s.setsockopt(SOL_SOCKET, SO_REUSEADDR, true);
    expect(s.getsockopt(SOL_SOCKET, SO_REUSEADDR)).toBe(1);
    expect(s.getsockopt(SOL_SOCKET, SO_REUSEADDR, 4)).toEqual(Buffer.from([1, 0, 0, 0]));
  });

  it('constructor arguments of the wrong type', () => {
    expect(() => new Socket('AF_INET' as never)).toThrow(TypeError);
    expect(() => new Socket(AF_INET, SOCK_STREAM, 'tcp' as never)).toThrow(TypeError);
    expect(() => new Socket(AF_INET, SOCK_STREAM, 0, 'x' as never)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: 'socket(): fd must be an integer, not "x"' }));
    expect(() => new Socket(AF_INET, SOCK_STREAM, 0, -1)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }));
    expect(() => socketpair(AF_INET6)).toThrow(expect.objectContaining({ code: 'ENOTSUP', errno: E.EOPNOTSUPP, syscall: 'socketpair' }));
  });

  it('listen and shutdown arguments of the wrong type', () => {
    const s = track(new Socket(AF_INET, SOCK_STREAM));
    expect(() => s.listen('5' as never)).toThrow(TypeError);
    expect(() => s.listen(1.5)).toThrow(TypeError);
    expect(() => s.shutdown('x' as never)).toThrow(TypeError);
  });

  it('the native layer checks its arguments too (no crash on garbage)', () => {
    const garbage: unknown[] = [undefined, null, 'x', {}, [], Symbol('s'), 1n, -1, 2 ** 40, NaN, () => 0];
    const fns: [string, (v: unknown) => unknown][] = [
      ['recv_into fd', (v) => binding.recv_into(v as number, Buffer.alloc(1), 0, 0)],
      ['recv_into buf', (v) => binding.recv_into(0, v as Buffer, 0, 0)],
      ['send data', (v) => binding.send(-1, v as Buffer, 0)],
      ['bind addr', (v) => binding.bind(-1, v, AF_INET)],
      ['bind family', (v) => binding.bind(-1, ['127.0.0.1', 0], v as number)],
      ['poll', (v) => binding.poll(v as number, 1, 0)],
      ['fcntl cmd', (v) => binding.fcntl(0, v as number)],
      ['pollOpen', (v) => binding.pollOpen(v as number)],
      ['pollStart', (v) => binding.pollStart(v as number, 1)],
      ['pollClose', (v) => binding.pollClose(v as number)],
    ];
    for (const [name, fn] of fns) {
      for (const v of garbage) {
        try {
          const r = fn(v);
          // Only a negative errno is an acceptable non-throwing result.
          if (typeof r === 'number') expect(r, name).toBeLessThan(0);
        } catch (e) {
          expect(e, `${name}(${String(v)})`).toBeInstanceOf(Error);
        }
      }
    }
  });
});

describe('options and message arrays of the wrong shape are TypeErrors naming the call (fuzzer soft findings)', () => {
  it('a signal that is not an AbortSignal, or options that are not an object', async () => {
    const [a, c] = socketpair(AF_UNIX, SOCK_STREAM);
    try {
      for (const opts of [{ signal: {} }, { signal: null }, { signal: 5 }, { signal: { aborted: false } }]) {
        const e = (await a.recv(8, 0, opts as never).catch((x: unknown) => x)) as TypeError & { code: string };
        expect(e).toBeInstanceOf(TypeError);
        expect(e.code).toBe('ERR_INVALID_ARG_TYPE');
        expect(e.message).toMatch(/^recv\(\): options\.signal must be an AbortSignal, not /);
      }
      await expect(a.recvInto(Buffer.alloc(4), 0, 0, null as never)).rejects.toThrow('recv(): options must be an object, not null');
      await expect(a.sendall(b('x'), 0, { signal: 1 } as never)).rejects.toThrow('sendall(): options.signal must be an AbortSignal, not 1');
      await expect(a.accept({ signal: {} } as never)).rejects.toThrow(/^accept\(\): options\.signal must be an AbortSignal/);
      c.settimeout(0);
      expect(() => c.recvSync(8)).toThrow(expect.objectContaining({ code: 'EAGAIN' })); // nothing was sent
    } finally {
      a.close();
      c.close();
    }
  });

  it('sendmmsg messages that are not [data, address?] pairs, and a Proxy whose length is -1', async () => {
    const u = new Socket(AF_INET, SOCK_DGRAM);
    try {
      await expect(u.sendmmsg([1, 2] as never)).rejects.toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: 'sendmmsg(): messages[0] must be [data, address?]' }));
      const bad = new Proxy([] as unknown[], { get: (t, k) => (k === 'length' ? -1 : Reflect.get(t, k)) });
      await expect(u.sendmmsg(bad as never)).rejects.toThrow(/^sendmmsg\(\): at most 1024 messages, got -1$/);
      await expect(u.recvmmsg(bad as never)).rejects.toThrow(/^recvmmsg\(\): at most 1024 buffers, got -1$/);
    } finally {
      u.close();
    }
  });

  it('makefile with a mode that is not a string, or null options', () => {
    const [a, c] = socketpair(AF_UNIX, SOCK_STREAM);
    try {
      expect(() => a.makefile(5 as never)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: "makefile(): mode must be a string such as 'rb' or 'rw', not number" }));
      expect(() => a.makefile('rb', null as never)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: 'makefile(): options must be an object, not null' }));
      expect(() => new SocketStream(a, undefined as never)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: "new SocketStream(): mode must be a string such as 'rb' or 'rw', not undefined" }));
      expect(() => new SocketStream(a, 'rb', null as never)).toThrow(expect.objectContaining({ name: 'TypeError', message: 'new SocketStream(): options must be an object, not null' }));
    } finally {
      a.close();
      c.close();
    }
  });
});

describe('constructors and helpers given the wrong types: TypeErrors naming them (fuzzer soft findings)', () => {
  const typeError = (message: RegExp) => expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: expect.stringMatching(message) });

  it('the error classes check their arguments', () => {
    expect(() => new SocketError(Symbol() as never, 'x')).toThrow(typeError(/^new SocketError\(\): errno must be an integer, not Symbol\(\)$/));
    expect(() => new SocketError(1, {} as never)).toThrow(typeError(/^new SocketError\(\): syscall must be a string/));
    expect(() => new SocketError(1, 'x', undefined, 5 as never)).toThrow(typeError(/^new SocketError\(\): message must be a string, not 5$/));
    expect(() => new SocketTimeoutError(Symbol() as never)).toThrow(typeError(/^new SocketTimeoutError\(\): syscall must be a string/));
    expect(() => new GaiError(NaN, 'EAI_NONAME', 'm', 'getaddrinfo')).toThrow(typeError(/^new GaiError\(\): errno must be an integer, not NaN$/));
    expect(() => new GaiError(-2, 'EAI_NONAME', 'm', 'getaddrinfo', 5 as never)).toThrow(typeError(/hostname must be a string/));
    expect(() => new HostError(1, Symbol() as never, 'm', 'gethostbyname')).toThrow(typeError(/^new HostError\(\): code must be a string/));
    const revoked = Proxy.revocable([], {});
    revoked.revoke();
    expect(new SocketError(111, 'connect', revoked.proxy).message).toBe('connect ECONNREFUSED: Connection refused <address>');
    expect(new SocketError(111, 'connect', ['127.0.0.1', 1]).message).toBe('connect ECONNREFUSED: Connection refused 127.0.0.1:1');
  });

  it('familyName / kindName / recvFds / TLS options', async () => {
    const lib = await import('../lib/index');
    expect(() => lib.familyName(Object.create(null))).toThrow(typeError(/^familyName\(\): family must be a number/));
    expect(() => lib.kindName('1' as never)).toThrow(typeError(/^kindName\(\): type must be a number, not "1"$/));
    expect(lib.familyName(AF_INET)).toBe('AF_INET');
    const [a, c] = socketpair(AF_UNIX, SOCK_STREAM);
    try {
      expect(() => lib.recvFdsSync(a, 8, Symbol() as never)).toThrow(typeError(/^recvFdsSync\(\): maxfds must be an integer, not Symbol\(\)$/));
      expect(() => lib.recvFdsSync(a, 8, 254)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }));
      await expect(lib.recvFds(a, 8, -1n as never)).rejects.toThrow(typeError(/^recvFds\(\): maxfds must be an integer, not -1n$/));
      const ctx = lib.createDefaultContext();
      expect(() => ctx.setAlpnProtocols(65535 as never)).toThrow(typeError(/^setAlpnProtocols\(\): protocols must be an array of strings, not 65535$/));
      expect(() => ctx.wrapSocket(a, null as never)).toThrow(typeError(/^wrapSocket\(\): options must be an object, not null$/));
      expect(() => lib.createDefaultContext(undefined, null as never)).toThrow(typeError(/^createDefaultContext\(\): options must be an object/));
      expect(() => lib.createDefaultContext(Object.create(null))).toThrow(/^unknown purpose an instance of Object: use Purpose/);
    } finally {
      a.close();
      c.close();
    }
  });
});
