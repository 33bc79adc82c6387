import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Socket, socketpair, AF_INET, AF_INET6, AF_UNIX, SOCK_STREAM, SOCK_DGRAM } from '../lib/index';
import { b, cleanup, track } from './helpers';
import { pyPeer } from './peer';

afterEach(cleanup);

describe.each([
  [AF_INET, '127.0.0.1'],
  [AF_INET6, '::1'],
])('family %i on %s', (family, host) => {
  it('TCP echo, async', async () => {
    const srv = track(new Socket(family, SOCK_STREAM));
    srv.bind([host, 0]);
    srv.listen();
    const port = (srv.getsockname() as [string, number])[1];
    const cli = track(new Socket(family, SOCK_STREAM));
    const [[conn, peer]] = await Promise.all([srv.accept(), cli.connect([host, port])]);
    track(conn);
    expect(peer[0]).toBe(host);
    expect(peer[1]).toBe((cli.getsockname() as [string, number])[1]);
    await cli.sendall(b('hello, world'));
    const got = await conn.recv(1024);
    await conn.sendall(got);
    expect(await cli.recv(1024)).toEqual(b('hello, world'));
    cli.shutdown(1);
    expect((await conn.recv(10)).length).toBe(0);
  });

  it('UDP echo, sync', () => {
    const srv = track(new Socket(family, SOCK_DGRAM));
    srv.bind([host, 0]);
    const addr = srv.getsockname();
    const cli = track(new Socket(family, SOCK_DGRAM));
    expect(cli.sendtoSync(b('ping'), addr)).toBe(4);
    const [data, from] = srv.recvfromSync(100);
    expect(data).toEqual(b('ping'));
    const cliPort = (cli.getsockname() as [string, number])[1];
    expect(from).toEqual(family === AF_INET ? [host, cliPort] : [host, cliPort, 0, 0]);
    srv.sendtoSync(data, from!);
    const [back, from2] = cli.recvfromSync(100);
    expect(back).toEqual(b('ping'));
    expect(from2).toEqual(addr);
  });
});

// ---- large transfers: 8 MiB each way, content verified --------------------------
const BIG = 8 << 20;
/** 8 MiB that no short period would fake: a byte pattern mixed with the offset. */
function pattern(n: number): Buffer {
  const buf = Buffer.alloc(n);
  for (let i = 0; i < n; i++) buf[i] = (i * 31 + (i >>> 13) + (i >>> 21)) & 0xff;
  return buf;
}

async function recvAllInto(s: Socket, n: number): Promise<Buffer> {
  const out = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    const r = await s.recvInto(out.subarray(got), Math.min(n - got, 65536));
    if (r === 0) throw new Error(`EOF after ${got} of ${n}`);
    got += r;
  }
  return out;
}

describe.each([
  ['AF_INET', AF_INET, '127.0.0.1'],
  ['AF_INET6', AF_INET6, '::1'],
  ['AF_UNIX', AF_UNIX, ''],
])('8 MiB echo over %s', (_, family, host) => {
  async function connected(): Promise<[Socket, Socket]> {
    if (family === AF_UNIX) return track(socketpair(AF_UNIX, SOCK_STREAM));
    const srv = track(new Socket(family, SOCK_STREAM));
    srv.bind([host, 0]);
    srv.listen();
    const cli = track(new Socket(family, SOCK_STREAM));
    const [[conn]] = await Promise.all([srv.accept(), cli.connect(srv.getsockname())]);
    track(conn);
    return [cli, conn];
  }

  it('async: sendall and recvInto on both ends at once', async () => {
    const [cli, conn] = await connected();
    const data = pattern(BIG);
    // The echo side: read chunks and send each back, until EOF.
    const echo = (async () => {
      const chunk = Buffer.alloc(65536);
      let total = 0;
      for (;;) {
        const n = await conn.recvInto(chunk);
        if (n === 0) break;
        await conn.sendall(chunk.subarray(0, n));
        total += n;
      }
      conn.shutdown(1);
      return total;
    })();
    const [, back] = await Promise.all([cli.sendall(data).then(() => cli.shutdown(1)), recvAllInto(cli, BIG)]);
    expect(await echo).toBe(BIG);
    expect(back.equals(data)).toBe(true);
    expect((await cli.recv(10)).length).toBe(0);
  }, 60_000);

  it('sync: sendallSync and recvIntoSync against a peer process', async () => {
    const [cli, conn] = await connected();
    // The peer (python3) gets the connection's fd: it reads all of it, prints
    // its sha256, then sends it all back.
    const peer = pyPeer(
      conn.fileno(),
      'chunks = []\nwhile True:\n  d = sock.recv(1 << 16)\n  if not d: break\n  chunks.append(d)\n' +
        'data = b"".join(chunks)\nprint(len(data), hashlib.sha256(data).hexdigest(), flush=True)\nsock.sendall(data)\nsock.close()\n',
    );
    conn.close();
    const data = pattern(BIG);
    cli.sendallSync(data);
    cli.shutdown(1);
    const back = Buffer.alloc(BIG);
    let got = 0;
    while (got < BIG) {
      const n = cli.recvIntoSync(back.subarray(got));
      expect(n).toBeGreaterThan(0);
      got += n;
    }
    expect(cli.recvSync(10).length).toBe(0);
    const res = await peer;
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe(`${BIG} ${createHash('sha256').update(data).digest('hex')}`);
    expect(back.equals(data)).toBe(true);
  }, 60_000);
});

describe('addresses as tuples', () => {
  it('IPv4/IPv6 addresses are frozen tuples, the same object for the same peer, and sendto reuses them', () => {
    const srv = track(new Socket(AF_INET, SOCK_DGRAM));
    srv.bind(['127.0.0.1', 0]);
    const cli = track(new Socket(AF_INET, SOCK_DGRAM));
    cli.bind(['127.0.0.1', 0]);
    const other = track(new Socket(AF_INET, SOCK_DGRAM));
    other.bind(['127.0.0.1', 0]);
    const to = srv.getsockname();
    cli.sendtoSync(b('1'), to);
    other.sendtoSync(b('2'), to);
    cli.sendtoSync(b('3'), to);
    const [, a1] = srv.recvfromSync(10);
    const [, a2] = srv.recvfromSync(10);
    const [, a3] = srv.recvfromSync(10);
    expect(Object.isFrozen(a1)).toBe(true);
    expect(a3).toBe(a1); // same peer, same tuple
    expect(a2).not.toBe(a1);
    expect(a1).toEqual(cli.getsockname());
    expect(a2).toEqual(other.getsockname());
    expect(() => {
      (a1 as [string, number])[1] = 1;
    }).toThrow(TypeError);
    // Replies go to the right peers through the cached sockaddrs.
    srv.sendtoSync(b('to cli'), a1!);
    srv.sendtoSync(b('to other'), a2!);
    expect(cli.recvSync(10)).toEqual(b('to cli'));
    expect(other.recvSync(10)).toEqual(b('to other'));
    // A caller's own (mutable) array is parsed every time.
    const mine: [string, number] = ['127.0.0.1', (other.getsockname() as [string, number])[1]];
    srv.sendtoSync(b('x'), mine);
    mine[1] = (cli.getsockname() as [string, number])[1];
    srv.sendtoSync(b('y'), mine);
    expect(other.recvSync(10)).toEqual(b('x'));
    expect(cli.recvSync(10)).toEqual(b('y'));
  });
});
