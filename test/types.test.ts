// Addresses typed by the socket's family (issue 10 item 7). The type
// assertions (expectTypeOf, @ts-expect-error) are checked by
// `npm run typecheck`, which `npm test` runs first; each one sits beside a
// real socket on loopback whose runtime value it describes.
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  Socket, socketpair, fromfd, createConnection, createConnectionSync, createServer, createServerSync,
  DefaultSelector, EVENT_READ, type SSLContext, type SSLSocket, type SocketOf, type InetStreamSocket,
  type Address, type InetAddress, type Inet6Address, type UnixAddress, type PacketAddress, type NetlinkAddress,
  type VsockAddress, type RecvmsgResult,
  AF_INET, AF_INET6, AF_UNIX, AF_LOCAL, AF_PACKET, AF_NETLINK, AF_VSOCK,
  SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, SOCK_NONBLOCK, IPPROTO_UDP,
} from '../lib/index';
import { binding } from '../lib/binding';
import { b, cleanup, track } from './helpers';

afterEach(cleanup);

/** A socket typed only as `Socket`: what a helper taking any socket sees. */
function describeSock(s: Socket): string {
  return `${s.family}/${s.type}`;
}

describe('addresses typed by family', () => {
  it('AF_INET stream: getsockname() is [string, number], accept() keeps the type, recvfrom() may say null', async () => {
    const srv = track(new Socket(AF_INET, SOCK_STREAM));
    expectTypeOf(srv).toEqualTypeOf<Socket<InetAddress, InetAddress | null>>();
    srv.bind(['127.0.0.1', 0]);
    srv.listen();
    const name = srv.getsockname();
    expectTypeOf(name).toEqualTypeOf<InetAddress>();
    const port = name[1];
    expectTypeOf(port).toEqualTypeOf<number>();
    expect(port).toBeGreaterThan(0);

    const cli = track(new Socket(AF_INET, SOCK_STREAM));
    const [, [conn, addr]] = await Promise.all([cli.connect(['127.0.0.1', port]), srv.accept()]);
    track(conn);
    expectTypeOf(conn).toEqualTypeOf<Socket<InetAddress, InetAddress | null>>();
    expectTypeOf(addr).toEqualTypeOf<InetAddress>();
    expect(addr).toEqual(cli.getsockname());
    expectTypeOf(cli.getpeername()).toEqualTypeOf<InetAddress>();
    expect(cli.getpeername()).toEqual(['127.0.0.1', port]);
    expectTypeOf(srv.acceptSync).returns.toEqualTypeOf<[Socket<InetAddress, InetAddress | null>, InetAddress]>();
    expectTypeOf(srv.tryAccept).returns.toEqualTypeOf<[Socket<InetAddress, InetAddress | null>, InetAddress] | number>();
    expectTypeOf(srv.connections).returns.toEqualTypeOf<AsyncGenerator<[Socket<InetAddress, InetAddress | null>, InetAddress], void, undefined>>();
    expectTypeOf(conn.dup).returns.toEqualTypeOf<Socket<InetAddress, InetAddress | null>>();

    // A connected stream: the kernel names nobody, so the address is null.
    await cli.sendall(b('tcp'));
    const [data, from] = await conn.recvfrom(16);
    expectTypeOf(from).toEqualTypeOf<InetAddress | null>();
    expect([data.toString(), from]).toEqual(['tcp', null]);
  });

  it('AF_INET datagram: recvfrom() and friends give a non-null address, usable by sendto() as it is', async () => {
    const rx = track(new Socket(AF_INET, SOCK_DGRAM));
    const tx = track(new Socket(AF_INET, SOCK_DGRAM));
    expectTypeOf(rx).toEqualTypeOf<Socket<InetAddress, InetAddress>>();
    rx.bind(['127.0.0.1', 0]);
    tx.bind(['127.0.0.1', 0]);
    await tx.sendto(b('one'), rx.getsockname());
    const [data, from] = await rx.recvfrom(16);
    expectTypeOf(from).toEqualTypeOf<InetAddress>();
    expect([data.toString(), from]).toEqual(['one', tx.getsockname()]);
    // The reply goes straight back: from is an InetAddress, no null check.
    rx.sendtoSync(b('two'), from);
    const [n, back] = tx.recvfromIntoSync(Buffer.alloc(16));
    expectTypeOf(back).toEqualTypeOf<InetAddress>();
    expect([n, back]).toEqual([3, rx.getsockname()]);

    expectTypeOf(rx.recvfromSync).returns.toEqualTypeOf<[Buffer, InetAddress]>();
    expectTypeOf(rx.recvfromInto).returns.toEqualTypeOf<Promise<[number, InetAddress]>>();
    expectTypeOf(rx.tryRecvfromInto).returns.toEqualTypeOf<[number, InetAddress] | number>();
    expectTypeOf(rx.recvmsg).returns.toEqualTypeOf<Promise<RecvmsgResult<Buffer, InetAddress>>>();
    expectTypeOf(rx.recvmsgIntoSync).returns.toEqualTypeOf<RecvmsgResult<number, InetAddress>>();
    expectTypeOf(rx.recvmmsg).returns.toEqualTypeOf<Promise<Array<[number, InetAddress]>>>();
    expectTypeOf(rx.datagrams).returns.toEqualTypeOf<AsyncGenerator<[Buffer, InetAddress], void, undefined>>();

    tx.sendtoSync(b('msg'), rx.getsockname());
    const [, , , msgFrom] = rx.recvmsgSync(16);
    expectTypeOf(msgFrom).toEqualTypeOf<InetAddress>();
    expect(msgFrom).toEqual(tx.getsockname());
  });

  it('AF_INET6: Inet6Address, non-null on a datagram socket', () => {
    const rx = track(new Socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP));
    const tx = track(new Socket(AF_INET6, SOCK_DGRAM));
    expectTypeOf(rx).toEqualTypeOf<Socket<Inet6Address, Inet6Address>>();
    rx.bind(['::1', 0]);
    tx.bind(['::1', 0]);
    const name = rx.getsockname();
    expectTypeOf(name).toEqualTypeOf<Inet6Address>();
    expectTypeOf(name[1]).toEqualTypeOf<number>();
    expect(name).toEqual(['::1', name[1], 0, 0]);
    tx.sendtoSync(b('six'), name);
    const [data, from] = rx.recvfromSync(16);
    expectTypeOf(from).toEqualTypeOf<Inet6Address>();
    expect([data.toString(), from]).toEqual(['six', tx.getsockname()]);
    const stream = track(new Socket(AF_INET6));
    expectTypeOf(stream).toEqualTypeOf<Socket<Inet6Address, Inet6Address | null>>();
  });

  it('AF_UNIX: UnixAddress; a datagram from an unbound sender has no address (null), so the type keeps null', () => {
    const [a, c] = track(socketpair());
    expectTypeOf(a).toEqualTypeOf<Socket<UnixAddress, UnixAddress | null>>();
    expectTypeOf(a.getsockname()).toEqualTypeOf<UnixAddress>();
    expect(a.getsockname()).toBe('');

    const [x, y] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    expectTypeOf(x).toEqualTypeOf<Socket<UnixAddress, UnixAddress | null>>();
    x.sendSync(b('unix'));
    const [data, from] = y.recvfromSync(16);
    expectTypeOf(from).toEqualTypeOf<UnixAddress | null>();
    expect([data.toString(), from]).toEqual(['unix', null]);

    expectTypeOf(track(new Socket(AF_LOCAL, SOCK_SEQPACKET))).toEqualTypeOf<Socket<UnixAddress, UnixAddress | null>>();
    expectTypeOf(track(new Socket(AF_UNIX, SOCK_DGRAM))).toEqualTypeOf<Socket<UnixAddress, UnixAddress | null>>();
  });

  it('AF_PACKET, AF_NETLINK, AF_VSOCK: their address types (types only: AF_PACKET needs CAP_NET_RAW)', () => {
    const packet = (): SocketOf<typeof AF_PACKET, typeof SOCK_RAW> => new Socket(AF_PACKET, SOCK_RAW);
    expectTypeOf(packet).returns.toEqualTypeOf<Socket<PacketAddress, PacketAddress>>();
    const cooked = () => new Socket(AF_PACKET, SOCK_DGRAM);
    expectTypeOf(cooked).returns.toEqualTypeOf<Socket<PacketAddress, PacketAddress>>();
    const netlink = () => new Socket(AF_NETLINK, SOCK_RAW);
    expectTypeOf(netlink).returns.toEqualTypeOf<Socket<NetlinkAddress, NetlinkAddress>>();
    const vsock = () => new Socket(AF_VSOCK, SOCK_STREAM);
    expectTypeOf(vsock).returns.toEqualTypeOf<Socket<VsockAddress, VsockAddress | null>>();
  });

  it('a family or type not known statically falls back to Address / Address | null', () => {
    const family: number = AF_INET; // say, read from a config
    const s = track(new Socket(family, SOCK_DGRAM));
    expectTypeOf(s).toEqualTypeOf<Socket<Address, Address | null>>();
    expectTypeOf(s).toEqualTypeOf<Socket>();
    s.bind(['127.0.0.1', 0]);
    expectTypeOf(s.getsockname()).toEqualTypeOf<Address>();
    expect((s.getsockname() as InetAddress)[0]).toBe('127.0.0.1');

    // A type with flags is a number: the address may be null.
    const nb = track(new Socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK));
    expectTypeOf(nb).toEqualTypeOf<Socket<InetAddress, InetAddress | null>>();
    expect(nb.gettimeout()).toBe(0);

    // Wrapping an fd without a family: the family is read from the fd.
    const fd = s.dup().detach();
    const wrapped = track(new Socket(undefined, undefined, undefined, fd));
    expectTypeOf(wrapped).toEqualTypeOf<Socket>();
    expect(wrapped.family).toBe(AF_INET);
    // With a family, fromfd and the constructor type it.
    const dup = track(fromfd(s.fileno(), AF_INET, SOCK_DGRAM));
    expectTypeOf(dup).toEqualTypeOf<Socket<InetAddress, InetAddress>>();
    expect(dup.getsockname()).toEqual(s.getsockname());

    // A union of families gives the union of their addresses.
    const v6 = process.env.BSDSOCK_TEST_V6 === '1';
    const either = track(new Socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM));
    expectTypeOf(either).toEqualTypeOf<Socket<InetAddress | Inet6Address, InetAddress | Inet6Address>>();
    expectTypeOf(either.getsockname()).toEqualTypeOf<InetAddress | Inet6Address>();

    // The defaults are AF_INET, SOCK_STREAM, as at runtime.
    const def = track(new Socket());
    expectTypeOf(def).toEqualTypeOf<Socket<InetAddress, InetAddress | null>>();
    expect([def.family, def.type]).toEqual([AF_INET, SOCK_STREAM]);
  });

  it('a typed socket passes where a Socket is expected: arrays, functions, track(), a selector', () => {
    const tcp = track(new Socket(AF_INET, SOCK_STREAM));
    const udp6 = track(new Socket(AF_INET6, SOCK_DGRAM));
    const [unix] = track(socketpair());
    const all: Socket[] = [tcp, udp6, unix];
    expect(all.map(describeSock)).toEqual([`${AF_INET}/${SOCK_STREAM}`, `${AF_INET6}/${SOCK_DGRAM}`, `${AF_UNIX}/${SOCK_STREAM}`]);
    const sel = new DefaultSelector<string>();
    try {
      const key = sel.register(udp6, EVENT_READ, 'udp6');
      expect(key.fileobj).toBe(udp6);
      expect(sel.getKey(udp6).data).toBe('udp6');
      sel.unregister(udp6);
    } finally {
      sel.close();
    }
  });

  it('a subclass of Socket compiles and works as before (its addresses are any Address)', () => {
    class Named extends Socket {
      label = 'named';
    }
    const s = track(new Named(AF_INET, SOCK_DGRAM));
    expectTypeOf(s.getsockname()).toEqualTypeOf<Address>();
    s.bind(['127.0.0.1', 0]);
    expect([s.label, s instanceof Socket, (s.getsockname() as InetAddress)[0]]).toEqual(['named', true, '127.0.0.1']);
  });

  it('createConnection / createServer: INET addresses', async () => {
    const srv = track(await createServer(['127.0.0.1', 0]));
    expectTypeOf(srv).toEqualTypeOf<Socket<InetAddress, InetAddress | null>>();
    const port = srv.getsockname()[1];
    const cli = track(await createConnection(['127.0.0.1', port]));
    expectTypeOf(cli).toEqualTypeOf<InetStreamSocket>();
    expectTypeOf(cli).toEqualTypeOf<Socket<InetAddress | Inet6Address, InetAddress | Inet6Address | null>>();
    const peerPort: number = cli.getpeername()[1];
    expect(peerPort).toBe(port);
    track((await srv.accept())[0]);

    const srv6 = track(createServerSync(['::1', 0], { family: AF_INET6 }));
    expectTypeOf(srv6).toEqualTypeOf<Socket<Inet6Address, Inet6Address | null>>();
    const cli6 = track(createConnectionSync(['::1', srv6.getsockname()[1]]));
    expectTypeOf(cli6).toEqualTypeOf<InetStreamSocket>();
    expect(cli6.getpeername()).toEqual(['::1', srv6.getsockname()[1], 0, 0]);
    track(srv6.acceptSync()[0]);
  });

  it('wrapSocket keeps the socket type (types only)', () => {
    const wrap = (ctx: SSLContext, s: Socket<InetAddress>) => ctx.wrapSocket(s, { serverHostname: 'localhost' });
    expectTypeOf(wrap).returns.toEqualTypeOf<SSLSocket<InetAddress>>();
    expectTypeOf<SSLSocket<InetAddress>['getpeername']>().returns.toEqualTypeOf<InetAddress>();
    expectTypeOf<SSLSocket<InetAddress>['socket']>().toEqualTypeOf<Socket<InetAddress>>();
  });

  it('wrong uses do not compile', () => {
    // Never called: each line is checked by tsc (an unused @ts-expect-error fails typecheck).
    const wrong = async (tcp: SocketOf<typeof AF_INET, typeof SOCK_STREAM>, unix: SocketOf<typeof AF_UNIX, typeof SOCK_DGRAM>, any: Socket): Promise<void> => {
      // @ts-expect-error an AF_INET port is a number
      const port: string = tcp.getsockname()[1];
      // @ts-expect-error a stream's recvfrom() address may be null
      const from: InetAddress = (await tcp.recvfrom(1))[1];
      // @ts-expect-error an AF_UNIX datagram may come from an unbound sender
      const ufrom: UnixAddress = unix.recvfromSync(1)[1];
      // @ts-expect-error an AF_UNIX address is not an AF_INET one
      const inet: InetAddress = unix.getsockname();
      // @ts-expect-error a socket of any family is not an AF_INET socket
      const typed: Socket<InetAddress> = any;
      void [port, from, ufrom, inet, typed];
    };
    expect(typeof wrong).toBe('function');
  });
});

describe('the typed constants', () => {
  it("are typed as Linux's values, and the addon's values are those", () => {
    expectTypeOf<typeof AF_UNIX>().toEqualTypeOf<1>();
    expectTypeOf<typeof AF_LOCAL>().toEqualTypeOf<1>();
    expectTypeOf<typeof AF_INET>().toEqualTypeOf<2>();
    expectTypeOf<typeof AF_INET6>().toEqualTypeOf<10>();
    expectTypeOf<typeof AF_NETLINK>().toEqualTypeOf<16>();
    expectTypeOf<typeof AF_PACKET>().toEqualTypeOf<17>();
    expectTypeOf<typeof AF_VSOCK>().toEqualTypeOf<40>();
    expectTypeOf<typeof SOCK_STREAM>().toEqualTypeOf<1>();
    expectTypeOf<typeof SOCK_DGRAM>().toEqualTypeOf<2>();
    expectTypeOf<typeof SOCK_RAW>().toEqualTypeOf<3>();
    expectTypeOf<typeof SOCK_SEQPACKET>().toEqualTypeOf<5>();
    const c = binding.constants as Record<string, number>;
    const declared: Record<string, number> = {
      AF_UNIX: 1, AF_LOCAL: 1, AF_INET: 2, AF_INET6: 10, AF_NETLINK: 16, AF_PACKET: 17, AF_VSOCK: 40,
      SOCK_STREAM: 1, SOCK_DGRAM: 2, SOCK_RAW: 3, SOCK_SEQPACKET: 5,
    };
    for (const [name, value] of Object.entries(declared)) expect(c[name], name).toBe(value);
    expect([AF_UNIX, AF_LOCAL, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, AF_VSOCK]).toEqual([1, 1, 2, 10, 16, 17, 40]);
    expect([SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET]).toEqual([1, 2, 3, 5]);
  });

  it('widen to number in a variable, so a variable can hold another family', () => {
    let family = AF_INET;
    expectTypeOf(family).toEqualTypeOf<number>();
    family = AF_INET6;
    const kinds = [SOCK_STREAM];
    kinds.push(SOCK_DGRAM);
    expect([family, kinds]).toEqual([10, [1, 2]]);
  });
});
