// Struct-valued socket options (lib/sockopt.ts): every pack is compared with
// Python's own struct.pack of the same values, every option is round-tripped
// through the kernel (set, then get), read back by python3 from the same fd,
// and its effect shown on real traffic where it has one (linger 0 = RST,
// membership errors, tcp_info counters).
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Socket, AF_INET, AF_INET6, SOCK_DGRAM, SOCK_STREAM, SO_RCVTIMEO, SO_SNDTIMEO, SO_KEEPALIVE,
  packLinger, unpackLinger, getLinger, setLinger, packTimeval, unpackTimeval, getTimeval, setTimeval,
  packIpMreqn, unpackIpMreqn, ipAddMembership, ipDropMembership, packIpv6Mreq, unpackIpv6Mreq, ipv6JoinGroup, ipv6LeaveGroup,
  unpackTcpInfo, getTcpInfo, TCP_INFO_SIZE, TIMEVAL_SIZE, SocketError,
} from '../lib/index';
import { b, cleanup, rejection, track } from './helpers';
import { pyPeer } from './peer';

afterEach(cleanup);

/** Runs python3 once and returns what it printed as JSON. */
function py(code: string): unknown {
  return JSON.parse(execFileSync('python3', ['-c', 'import json, socket, struct\n' + code], { encoding: 'utf8' }));
}

function tcpPair(): [Socket, Socket, Socket] {
  const srv = track(new Socket(AF_INET, SOCK_STREAM));
  srv.bind(['127.0.0.1', 0]);
  srv.listen();
  const cli = track(new Socket(AF_INET, SOCK_STREAM));
  cli.connectSync(srv.getsockname());
  const [conn] = srv.acceptSync();
  track(conn);
  return [srv, cli, conn];
}

describe('packing matches Python struct', () => {
  it('linger, timeval, ip_mreqn and ipv6_mreq, byte for byte', () => {
    const expected = py(`print(json.dumps([
      struct.pack('@ii', 1, 7).hex(), struct.pack('@ii', 0, 0).hex(),
      struct.pack('@ll', 1, 500000).hex(), struct.pack('@ll', 0, 0).hex(), struct.pack('@ll', 86400, 1).hex(),
      struct.pack('@4s4si', socket.inet_aton('224.1.2.3'), socket.inet_aton('127.0.0.1'), 1).hex(),
      struct.pack('@4s4si', socket.inet_aton('239.255.0.1'), socket.inet_aton('0.0.0.0'), 0).hex(),
      (socket.inet_pton(socket.AF_INET6, 'ff02::1:3') + struct.pack('@I', 1)).hex(),
      (socket.inet_pton(socket.AF_INET6, 'ff15::abcd') + struct.pack('@I', 4294967295)).hex(),
      struct.calcsize('@ll'),
    ]))`);
    expect([
      packLinger(true, 7).toString('hex'),
      packLinger(false).toString('hex'),
      packTimeval(1.5).toString('hex'),
      packTimeval(null).toString('hex'),
      packTimeval(86400.000001).toString('hex'),
      packIpMreqn('224.1.2.3', '127.0.0.1', 1).toString('hex'),
      packIpMreqn('239.255.0.1').toString('hex'),
      packIpv6Mreq('ff02::1:3', 1).toString('hex'),
      packIpv6Mreq('ff15::abcd', 0xffffffff).toString('hex'),
      TIMEVAL_SIZE,
    ]).toEqual(expected);
  });

  it('unpack inverts pack', () => {
    expect(unpackLinger(packLinger(true, 30))).toEqual({ onoff: true, seconds: 30 });
    expect(unpackTimeval(packTimeval(2.25))).toBe(2.25);
    expect(unpackTimeval(packTimeval(0.9999999))).toBe(1); // rounds to the microsecond, carrying
    expect(unpackIpMreqn(packIpMreqn('224.0.0.251', '10.0.0.1', 3))).toEqual({ multiaddr: '224.0.0.251', address: '10.0.0.1', ifindex: 3 });
    expect(unpackIpv6Mreq(packIpv6Mreq('ff02::fb', 2))).toEqual({ multiaddr: 'ff02::fb', ifindex: 2 });
  });

  it('bad values are TypeError / RangeError with the reason', () => {
    expect(() => packLinger(true, 2 ** 31)).toThrow('seconds out of range for a C int: 2147483648');
    expect(() => packLinger(true, 1.5)).toThrow('seconds must be an integer');
    expect(() => packTimeval(-1)).toThrow('seconds out of range: -1');
    expect(() => packTimeval(Infinity)).toThrow('seconds out of range: Infinity');
    expect(() => packIpv6Mreq('ff02::1', -1)).toThrow('ifindex out of range for a C unsigned int: -1');
    expect(() => packIpMreqn('not an address')).toThrow(/illegal IP address string|inet_aton/);
    expect(() => unpackLinger(Buffer.alloc(4))).toThrow('struct linger needs 8 bytes, got 4');
    expect(() => unpackTcpInfo(Buffer.alloc(3))).toThrow('struct tcp_info needs 8 bytes, got 3');
    const s = track(new Socket(AF_INET, SOCK_STREAM));
    expect(() => setTimeval(s, SO_KEEPALIVE, 1)).toThrow(`optname must be SO_RCVTIMEO or SO_SNDTIMEO, not ${SO_KEEPALIVE}`);
  });
});

describe('round trips through the kernel', () => {
  it('SO_LINGER and SO_RCVTIMEO / SO_SNDTIMEO: set, get back, and python3 reads the same values from the fd', async () => {
    const s = track(new Socket(AF_INET, SOCK_STREAM));
    expect(getLinger(s)).toEqual({ onoff: false, seconds: 0 });
    setLinger(s, true, 9);
    expect(getLinger(s)).toEqual({ onoff: true, seconds: 9 });
    expect(getTimeval(s, SO_RCVTIMEO)).toBe(0);
    setTimeval(s, SO_RCVTIMEO, 1.5);
    setTimeval(s, SO_SNDTIMEO, 0.5); // kept in jiffies: 0.5 and 1.5 s are exact at HZ 100, 250, 300 and 1000
    expect(getTimeval(s, SO_RCVTIMEO)).toBe(1.5);
    expect(getTimeval(s, SO_SNDTIMEO)).toBe(0.5);
    const r = await pyPeer(
      s.fileno(),
      [
        'import struct',
        'l = struct.unpack("@ii", sock.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8))',
        'r = struct.unpack("@ll", sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, 16))',
        'w = struct.unpack("@ll", sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, 16))',
        'print(l, r, w)',
        'sock.detach()',
      ].join('\n'),
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('(1, 9) (1, 500000) (0, 500000)\n');
    setTimeval(s, SO_RCVTIMEO, null);
    expect(getTimeval(s, SO_RCVTIMEO)).toBe(0);
    // Linux clears only the flag when l_onoff is 0 and keeps the old time (sock_setsockopt).
    setLinger(s, false);
    expect(getLinger(s)).toEqual({ onoff: false, seconds: 9 });
  });

  it('SO_LINGER on with 0 seconds: close resets the connection (the peer gets ECONNRESET)', async () => {
    const [, cli, conn] = tcpPair();
    await cli.sendall(b('x'));
    setLinger(cli, true, 0);
    cli.close();
    expect(await conn.recv(10)).toEqual(b('x'));
    const e = (await rejection(conn.recv(10))) as SocketError;
    expect(e).toBeInstanceOf(SocketError);
    expect(e.code).toBe('ECONNRESET');
  });

  it('IP_ADD_MEMBERSHIP / IP_DROP_MEMBERSHIP (ip_mreqn on lo): join, join again is EADDRINUSE, drop, drop again is EADDRNOTAVAIL', () => {
    const s = track(new Socket(AF_INET, SOCK_DGRAM));
    ipAddMembership(s, '224.1.2.3', { ifindex: 1 });
    expect(() => ipAddMembership(s, '224.1.2.3', { ifindex: 1 })).toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
    ipAddMembership(s, '224.1.2.4', { address: '127.0.0.1' });
    ipDropMembership(s, '224.1.2.3', { ifindex: 1 });
    expect(() => ipDropMembership(s, '224.1.2.3', { ifindex: 1 })).toThrow(expect.objectContaining({ code: 'EADDRNOTAVAIL' }));
    ipDropMembership(s, '224.1.2.4', { address: '127.0.0.1' });
    // Not a multicast address: the kernel refuses it.
    expect(() => ipAddMembership(s, '127.0.0.1', { ifindex: 1 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('IPV6_JOIN_GROUP / IPV6_LEAVE_GROUP (ipv6_mreq on lo): join, join again, leave, leave again', () => {
    const s = track(new Socket(AF_INET6, SOCK_DGRAM));
    ipv6JoinGroup(s, 'ff02::1:3', 1);
    expect(() => ipv6JoinGroup(s, 'ff02::1:3', 1)).toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
    ipv6LeaveGroup(s, 'ff02::1:3', 1);
    expect(() => ipv6LeaveGroup(s, 'ff02::1:3', 1)).toThrow(expect.objectContaining({ code: 'EADDRNOTAVAIL' }));
    expect(() => ipv6JoinGroup(s, '::1', 1)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});

describe('TCP_INFO', () => {
  it('decodes struct tcp_info by name, field for field as Python unpacks the same bytes, with the counters of real traffic', async () => {
    const [, cli, conn] = tcpPair();
    const payload = Buffer.alloc(1000, 0x61);
    await cli.sendall(payload);
    let got = 0;
    while (got < payload.length) got += (await conn.recv(4096)).length;
    await conn.sendall(b('ok'));
    expect(await cli.recv(10)).toEqual(b('ok'));

    const raw = cli.getsockopt(6, 11, TCP_INFO_SIZE); // IPPROTO_TCP, TCP_INFO
    expect(raw.length).toBe(TCP_INFO_SIZE);
    const info = unpackTcpInfo(raw);
    const fmt = '@8B24I4Q6I4Q2I2Q6I2HI';
    const names = [
      'state', 'caState', 'retransmits', 'probes', 'backoff', 'options', 'wscale', 'flags',
      'rto', 'ato', 'sndMss', 'rcvMss', 'unacked', 'sacked', 'lost', 'retrans', 'fackets',
      'lastDataSent', 'lastAckSent', 'lastDataRecv', 'lastAckRecv', 'pmtu', 'rcvSsthresh', 'rtt', 'rttvar',
      'sndSsthresh', 'sndCwnd', 'advmss', 'reordering', 'rcvRtt', 'rcvSpace', 'totalRetrans',
      'pacingRate', 'maxPacingRate', 'bytesAcked', 'bytesReceived', 'segsOut', 'segsIn', 'notsentBytes', 'minRtt',
      'dataSegsIn', 'dataSegsOut', 'deliveryRate', 'busyTime', 'rwndLimited', 'sndbufLimited', 'delivered', 'deliveredCe',
      'bytesSent', 'bytesRetrans', 'dsackDups', 'reordSeen', 'rcvOoopack', 'sndWnd', 'rcvWnd', 'rehash',
      'totalRto', 'totalRtoRecoveries', 'totalRtoTime',
    ];
    const values = py(`v = struct.unpack('${fmt}', bytes.fromhex('${raw.toString('hex')}'))\nassert struct.calcsize('${fmt}') == ${TCP_INFO_SIZE}\nprint(json.dumps([str(x) for x in v]))`) as string[];
    expect(values.length).toBe(names.length);
    const mine = info as unknown as Record<string, number | bigint>;
    names.forEach((n, i) => {
      if (n === 'wscale') {
        expect([info.sndWscale, info.rcvWscale]).toEqual([Number(values[i]) & 0xf, Number(values[i]) >> 4]);
      } else if (n === 'flags') {
        expect([info.deliveryRateAppLimited, info.fastopenClientFail]).toEqual([Number(values[i]) & 1, (Number(values[i]) >> 1) & 3]);
      } else {
        expect([n, String(mine[n])]).toEqual([n, values[i]]);
      }
    });
    // What the traffic above must show.
    expect(info.state).toBe(1); // TCP_ESTABLISHED
    expect(info.bytesSent).toBe(1000n);
    expect(info.bytesReceived).toBe(2n);
    expect(info.dataSegsIn).toBeGreaterThanOrEqual(1);
    expect(info.sndMss).toBeGreaterThan(0);
    expect(info.rtt).toBeGreaterThan(0);
    expect(getTcpInfo(conn).bytesReceived).toBe(1000n);
    expect(getTcpInfo(conn).bytesSent).toBe(2n);
  });

  it('a listening socket is in TCP_LISTEN; a shorter struct from an older kernel decodes the fields it holds', () => {
    const srv = track(new Socket(AF_INET, SOCK_STREAM));
    srv.bind(['127.0.0.1', 0]);
    srv.listen();
    expect(getTcpInfo(srv).state).toBe(10); // TCP_LISTEN
    const short = unpackTcpInfo(srv.getsockopt(6, 11, 104));
    expect(short.totalRetrans).toBe(0);
    expect('pacingRate' in short).toBe(false);
  });
});
