import { afterEach, describe, expect, it } from 'vitest';
import { Socket, AF_INET, AF_INET6, SOCK_STREAM, SOCK_DGRAM } from '../lib/index';
import { b, cleanup, track } from './helpers';

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
