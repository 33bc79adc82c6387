// Handing sockets to node:net / node:http by fd, and node:net peers.
import * as http from 'node:http';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Socket, socketpair, AF_INET, SOCK_STREAM, SOL_SOCKET, SO_RCVBUF, IPPROTO_TCP, TCP_NODELAY } from '../lib/index';
import { b, cleanup, track } from './helpers';

afterEach(cleanup);

describe('interop with node:net and node:http', () => {
  it('serves HTTP with node:http on a listening socket made (and tuned) by bsdsock', async () => {
    const lsock = new Socket(AF_INET, SOCK_STREAM);
    lsock.setsockopt(SOL_SOCKET, SO_RCVBUF, 65536);
    lsock.bind(['127.0.0.1', 0]);
    lsock.listen(16);
    const [, port] = lsock.getsockname() as [string, number];
    const fd = lsock.detach();
    expect(lsock.fileno()).toBe(-1);
    const server = http.createServer((req, res) => res.end(`hello ${req.url}`));
    await new Promise<void>((r) => server.listen({ fd }, r));
    try {
      // The client is bsdsock too, in blocking-free async style.
      const c = track(new Socket(AF_INET, SOCK_STREAM));
      await c.connect(['127.0.0.1', port]);
      await c.sendall(b('GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
      const parts: Buffer[] = [];
      for await (const chunk of c) parts.push(chunk);
      const text = Buffer.concat(parts).toString();
      expect(text.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
      expect(text.endsWith('\r\n\r\nhello /x')).toBe(true);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('hands a connected socket to net.Socket, options kept', async () => {
    const [x, y] = track(socketpair());
    x.setsockopt(SOL_SOCKET, SO_RCVBUF, 32768);
    const ns = new net.Socket({ fd: x.detach(), readable: true, writable: true });
    const got = new Promise<Buffer>((r) => ns.once('data', r));
    await y.sendall(b('to net'));
    expect(await got).toEqual(b('to net'));
    ns.write('from net');
    expect(await y.recv(100)).toEqual(b('from net'));
    await new Promise<void>((r) => ns.end(r));
    ns.destroy();
    expect((await y.recv(100)).length).toBe(0);
  });

  it('talks to a node:net server and client', async () => {
    const server = net.createServer((c) => c.pipe(c));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const c = track(new Socket(AF_INET, SOCK_STREAM));
      c.connectSync(['127.0.0.1', port]);
      c.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
      expect(c.getsockopt(IPPROTO_TCP, TCP_NODELAY)).toBe(1);
      await c.sendall(b('round trip'));
      expect(await c.recv(100)).toEqual(b('round trip'));
      c.close(); // server.close() waits for its connections to end
    } finally {
      await new Promise((r) => server.close(r));
    }
    const lsock = track(new Socket(AF_INET, SOCK_STREAM));
    lsock.bind(['127.0.0.1', 0]);
    lsock.listen();
    const [, lport] = lsock.getsockname() as [string, number];
    const client = net.connect(lport, '127.0.0.1');
    // Listen for 'connect' at once: it may fire before accept() resolves.
    const connected = new Promise<void>((r) => client.once('connect', r));
    const [conn, peer] = await lsock.accept();
    track(conn);
    await connected;
    expect(peer).toEqual(['127.0.0.1', client.localPort]);
    client.end('from node:net');
    const parts: Buffer[] = [];
    for await (const chunk of conn) parts.push(chunk);
    expect(Buffer.concat(parts)).toEqual(b('from node:net'));
    client.destroy();
  });
});

describe('readiness loops', () => {
  it('tryAccept / tryRecvInto / trySend serve an echo from onReadable callbacks', async () => {
    const srv = track(new Socket(AF_INET, SOCK_STREAM));
    srv.bind(['127.0.0.1', 0]);
    srv.listen();
    expect(srv.tryAccept()).toBe(-11); // -EAGAIN: nothing pending
    const buf = Buffer.alloc(1024);
    srv.onReadable(() => {
      for (let r = srv.tryAccept(); Array.isArray(r); r = srv.tryAccept()) {
        const conn = track(r[0]);
        conn.onReadable(() => {
          const n = conn.tryRecvInto(buf);
          if (n > 0) expect(conn.trySend(buf.subarray(0, n))).toBe(n);
          else if (n === 0) conn.close();
        });
      }
    });
    const clients = [track(new Socket(AF_INET, SOCK_STREAM)), track(new Socket(AF_INET, SOCK_STREAM))];
    await Promise.all(clients.map((c) => c.connect(srv.getsockname())));
    await Promise.all(clients.map((c, i) => c.sendall(b(`client ${i}`))));
    expect(await Promise.all(clients.map((c) => c.recv(100)))).toEqual([b('client 0'), b('client 1')]);
    srv.onReadable(null);
  });
});
