// createConnection / createServer / hasDualstackIpv6 (lib/convenience.ts),
// on loopback. On this machine getaddrinfo('localhost', port, 0,
// SOCK_STREAM) is 127.0.0.1 only (/etc/hosts has no ::1 line), and
// getaddrinfo(null, port, 0, SOCK_STREAM) is [::1, 127.0.0.1]: the null host
// is what exercises the fall-through from one address to the next.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AF_INET,
  AF_INET6,
  CreateConnectionError,
  GaiError,
  IPPROTO_IPV6,
  IPV6_V6ONLY,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_REUSEADDR,
  SO_REUSEPORT,
  Socket,
  SocketError,
  SocketTimeoutError,
  createConnection,
  createConnectionSync,
  createServer,
  createServerSync,
  getaddrinfoSync,
  hasDualstackIpv6,
} from '../lib/index';
import { binding } from '../lib/binding';
import { b, cleanup, track, rejection } from './helpers';

afterEach(cleanup);

function listener(family: number, host: string, backlog?: number): [Socket, number] {
  const s = track(new Socket(family, SOCK_STREAM));
  s.bind([host, 0]);
  s.listen(backlog);
  return [s, (s.getsockname() as [string, number])[1]];
}

/** A port on which nothing listens, on 127.0.0.1 and ::1 alike: held by a bound, non-listening dual-stack socket. */
function refusingPort(): number {
  const s = track(new Socket(AF_INET6, SOCK_STREAM));
  s.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0);
  s.bind(['::', 0]);
  return (s.getsockname() as [string, number])[1];
}

/** Holds `port` on ::1 without listening, so a connect there is refused. */
function holdV6(port: number): void {
  track(new Socket(AF_INET6, SOCK_STREAM)).bind(['::1', port]);
}
function holdV4(port: number): void {
  track(new Socket(AF_INET, SOCK_STREAM)).bind(['127.0.0.1', port]);
}


describe('createConnection', () => {
  it("'localhost' reaches a server listening only on 127.0.0.1, async and sync", async () => {
    expect(getaddrinfoSync('localhost', 1, 0, SOCK_STREAM).map((r) => r[4][0])).toEqual(['127.0.0.1']);
    const [srv, port] = listener(AF_INET, '127.0.0.1');
    const a = track(await createConnection(['localhost', port]));
    expect(a.family).toBe(AF_INET);
    expect(a.getpeername()).toEqual(['127.0.0.1', port]);
    expect(a.gettimeout()).toBe(null); // the default timeout
    const [conn] = await srv.accept();
    track(conn);
    await a.sendall(b('ping'));
    expect(await conn.recv(10)).toEqual(b('ping'));
    const s = track(createConnectionSync(['localhost', String(port)], { timeout: 2.5 }));
    expect(s.getpeername()).toEqual(['127.0.0.1', port]);
    expect(s.gettimeout()).toBe(2.5); // kept on the returned socket, as in Python
    track(srv.acceptSync()[0]);
  });

  it("'localhost' to a server only on ::1: localhost is 127.0.0.1 only here, so the one attempt is refused", async () => {
    const [, port] = listener(AF_INET6, '::1');
    holdV4(port);
    const e = (await rejection(createConnection(['localhost', port]))) as CreateConnectionError;
    expect(e).toBeInstanceOf(CreateConnectionError);
    expect(e.errors.map((x) => [x.code, (x as SocketError).address])).toEqual([['ECONNREFUSED', ['127.0.0.1', port]]]);
  });

  it('host null tries ::1 then 127.0.0.1: reaches a server on either one only', async () => {
    const [srv4, p4] = listener(AF_INET, '127.0.0.1');
    holdV6(p4); // ::1:p4 refuses for sure
    const a = track(await createConnection([null, p4]));
    expect(a.family).toBe(AF_INET);
    expect(a.getpeername()).toEqual(['127.0.0.1', p4]);
    track((await srv4.accept())[0]);
    const s = track(createConnectionSync([null, p4]));
    expect(s.getpeername()).toEqual(['127.0.0.1', p4]);
    track(srv4.acceptSync()[0]);

    const [srv6, p6] = listener(AF_INET6, '::1');
    const c = track(await createConnection([null, p6]));
    expect(c.family).toBe(AF_INET6);
    expect(c.getpeername()).toEqual(['::1', p6, 0, 0]);
    track((await srv6.accept())[0]);
  });

  it('a closed port rejects with every attempt\'s error (ECONNREFUSED twice) and closes every socket', async () => {
    const port = refusingPort();
    const before = binding.openFdCount();
    for (const e of [
      (await rejection(createConnection([null, port]))) as CreateConnectionError,
      (() => {
        try {
          createConnectionSync([null, port]);
        } catch (err) {
          return err as CreateConnectionError;
        }
        throw new Error('expected an exception');
      })(),
    ]) {
      expect(e).toBeInstanceOf(CreateConnectionError);
      expect(e).toBeInstanceOf(AggregateError);
      expect(e.errors.map((x) => x.code)).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
      expect(e.errors.map((x) => (x as SocketError).address)).toEqual([['::1', port, 0, 0], ['127.0.0.1', port]]);
      expect(e.errors.every((x) => x instanceof SocketError && x.syscall === 'connect')).toBe(true);
      // The last attempt's code, as Python 3.11 raises by default.
      expect([e.code, e.errno, e.syscall]).toEqual(['ECONNREFUSED', 111, 'connect']);
      expect(e.message).toBe(`createConnection to [ null, ${port} ] failed: [::1]:${port} ECONNREFUSED, 127.0.0.1:${port} ECONNREFUSED`);
    }
    expect(binding.openFdCount()).toBe(before);
  });

  it('the timeout bounds each attempt (SocketTimeoutError ETIMEDOUT)', async () => {
    // backlog 0 with one connection pending: the kernel drops further SYNs.
    const [, port] = listener(AF_INET, '127.0.0.1', 0);
    track(createConnectionSync(['127.0.0.1', port]));
    const t0 = performance.now();
    const e = (await rejection(createConnection(['127.0.0.1', port], { timeout: 0.2 }))) as CreateConnectionError;
    const ms = performance.now() - t0;
    expect(e.errors).toHaveLength(1);
    expect(e.errors[0]).toBeInstanceOf(SocketTimeoutError);
    expect(e.code).toBe('ETIMEDOUT');
    expect(ms).toBeGreaterThanOrEqual(190);
    const s = (() => {
      try {
        createConnectionSync(['127.0.0.1', port], { timeout: 0.1 });
      } catch (err) {
        return err as CreateConnectionError;
      }
      throw new Error('expected an exception');
    })();
    expect(s.errors[0]).toBeInstanceOf(SocketTimeoutError);
  });

  it('sourceAddress: bound before connect; a bind of the wrong family is one failed attempt (GaiError), as in Python', async () => {
    const [srv, port] = listener(AF_INET, '127.0.0.1');
    const a = track(await createConnection(['127.0.0.1', port], { sourceAddress: ['127.0.0.1', 0] }));
    expect((a.getsockname() as [string, number])[0]).toBe('127.0.0.1');
    track((await srv.accept())[0]);
    holdV6(port);
    // null: ::1 first, where binding to '127.0.0.1' is EAI_ADDRFAMILY; then 127.0.0.1 connects.
    const c = track(await createConnection([null, port], { sourceAddress: ['127.0.0.1', 0] }));
    expect(c.getpeername()).toEqual(['127.0.0.1', port]);
    track((await srv.accept())[0]);
    const refused = refusingPort();
    const e = (await rejection(createConnection([null, refused], { sourceAddress: ['127.0.0.1', 0] }))) as CreateConnectionError;
    expect(e.errors[0]).toBeInstanceOf(GaiError);
    expect(e.errors.map((x) => x.code)).toEqual(['EAI_ADDRFAMILY', 'ECONNREFUSED']);
  });

  it('an aborted signal rejects with its reason and leaves no socket open', async () => {
    const before = binding.openFdCount();
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    expect(((await rejection(createConnection(['127.0.0.1', 9], { signal: ac.signal }))) as Error).message).toBe('stop');
    // Abort while an attempt waits (backlog full, so the connect would hang).
    const [, port] = listener(AF_INET, '127.0.0.1', 0);
    track(createConnectionSync(['127.0.0.1', port]));
    const ac2 = new AbortController();
    const p = createConnection(['127.0.0.1', port], { signal: ac2.signal });
    setTimeout(() => ac2.abort(new Error('later')), 20);
    expect(((await rejection(p)) as Error).message).toBe('later');
    expect(binding.openFdCount()).toBe(before + 2);
  });

  it('bad arguments throw before any call', async () => {
    expect(await rejection(createConnection('localhost:80' as never))).toBeInstanceOf(TypeError);
    expect(await rejection(createConnection(['localhost', 70000]))).toBeInstanceOf(RangeError);
    expect(() => createConnectionSync(['localhost', 1.5])).toThrow(TypeError);
  });
});

describe('createServer and hasDualstackIpv6', () => {
  it('hasDualstackIpv6 agrees with Python', () => {
    const py = execFileSync('python3', ['-c', 'import socket; print(socket.has_dualstack_ipv6())'], { encoding: 'utf8' }).trim();
    expect(py).toBe('True');
    expect(hasDualstackIpv6()).toBe(true);
  });

  it('dualstackIpv6 accepts an IPv4 and an IPv6 client on one socket', async () => {
    const srv = track(await createServer(['', 0], { family: AF_INET6, dualstackIpv6: true }));
    expect(srv.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY)).toBe(0);
    expect(srv.getsockopt(SOL_SOCKET, SO_REUSEADDR)).toBe(1);
    const port = (srv.getsockname() as [string, number])[1];
    expect(srv.getsockname()).toEqual(['::', port, 0, 0]);

    const c4 = track(new Socket(AF_INET, SOCK_STREAM));
    const [[conn4, peer4]] = await Promise.all([srv.accept(), c4.connect(['127.0.0.1', port])]);
    track(conn4);
    expect(peer4).toEqual(['::ffff:127.0.0.1', (c4.getsockname() as [string, number])[1], 0, 0]);

    const c6 = track(new Socket(AF_INET6, SOCK_STREAM));
    const [[conn6, peer6]] = await Promise.all([srv.accept(), c6.connect(['::1', port])]);
    track(conn6);
    expect(peer6).toEqual(['::1', (c6.getsockname() as [string, number])[1], 0, 0]);
    await c4.sendall(b('four'));
    expect(await conn4.recv(10)).toEqual(b('four'));
  });

  it('defaults: AF_INET, SO_REUSEADDR; AF_INET6 without dualstack is V6ONLY; reusePort; backlog; names resolved', async () => {
    const s4 = track(createServerSync(['localhost', 0]));
    expect(s4.family).toBe(AF_INET);
    expect((s4.getsockname() as [string, number])[0]).toBe('127.0.0.1');
    expect(s4.getsockopt(SOL_SOCKET, SO_REUSEADDR)).toBe(1);
    expect(s4.getsockopt(SOL_SOCKET, SO_REUSEPORT)).toBe(0);
    const s6 = track(await createServer(['::1', 0], { family: AF_INET6, reusePort: true, backlog: 5 }));
    expect(s6.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY)).toBe(1);
    expect(s6.getsockopt(SOL_SOCKET, SO_REUSEPORT)).toBe(1);
    // reusePort: a second server on the same port.
    const port = (s6.getsockname() as [string, number])[1];
    const twin = track(await createServer(['::1', port], { family: AF_INET6, reusePort: true }));
    expect(twin.getsockname()).toEqual(['::1', port, 0, 0]);
  });

  it('errors: dualstack needs AF_INET6; a failed bind closes the socket', async () => {
    expect(await rejection(createServer(['', 0], { dualstackIpv6: true }))).toBeInstanceOf(RangeError);
    const [, port] = listener(AF_INET, '127.0.0.1');
    const before = binding.openFdCount();
    const e = (await rejection(createServer(['127.0.0.1', port]))) as SocketError;
    expect(e).toBeInstanceOf(SocketError);
    expect([e.code, e.syscall]).toEqual(['EADDRINUSE', 'bind']);
    expect(() => createServerSync(['127.0.0.1', port])).toThrow(SocketError);
    expect(binding.openFdCount()).toBe(before);
  });
});
