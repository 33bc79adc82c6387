// Ancillary data decoded and encoded (lib/cmsg.ts), on real traffic over lo
// and AF_UNIX: python3 sends with socket options set (TTL, TOS, hop limit,
// traffic class) and we decode what arrives; we send with cmsg items and
// python3 receives and unpacks them with its own struct module; and every raw
// item we decoded is finally unpacked by Python's struct too and compared.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Socket, socketpair, CMSG_SPACE, decodeAncdata, decodeCmsg, ANCBUFSIZE,
  cmsgRights, cmsgCredentials, cmsgIpPktinfo, cmsgIpv6Pktinfo, cmsgIpTtl, cmsgIpTos, cmsgIpv6Hoplimit, cmsgIpv6Tclass,
  unpackUcred, unpackInPktinfo, unpackIn6Pktinfo, unpackInt, unpackTimespec, unpackSockExtendedErr, packUcred,
  AF_INET, AF_INET6, AF_UNIX, SOCK_DGRAM, SOL_SOCKET, SO_PASSCRED, SO_TIMESTAMPNS, IPPROTO_IP, IPPROTO_IPV6,
  IP_PKTINFO, IP_RECVTTL, IP_RECVTOS, IP_RECVERR, IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS, IPV6_RECVERR,
  MSG_ERRQUEUE, SCM_RIGHTS, type Cmsg,
} from '../lib/index';
import { b, cleanup, track } from './helpers';
import { pyPeer } from './peer';

afterEach(cleanup);

/** Runs python3 once (blocking) and returns what it printed as JSON. */
function py(code: string): unknown {
  return JSON.parse(execFileSync('python3', ['-c', 'import json, socket, struct\n' + code], { encoding: 'utf8' }));
}

/** Every raw item decoded by the tests, checked against Python's struct at the end. */
const seen: Array<{ name: string; hex: string; mine: unknown }> = [];
function record(items: Array<[number, number, Buffer]>, decoded: Cmsg[]): void {
  items.forEach(([, , data], i) => {
    const d = decoded[i];
    if (d.name !== null) seen.push({ name: d.name, hex: data.toString('hex'), mine: d.value });
  });
}
const byName = (list: Cmsg[]): Record<string, unknown> => Object.fromEntries(list.map((c) => [c.name, c.value]));

function udp(family: number, host: string): Socket {
  const s = track(new Socket(family, SOCK_DGRAM));
  s.bind(family === AF_INET6 ? [host, 0, 0, 0] : [host, 0]);
  return s;
}

describe('receiving: options on, python3 sends, the items decoded', () => {
  it('IPv4: IP_PKTINFO (the destination address), IP_TTL, IP_TOS and SCM_TIMESTAMPNS', async () => {
    const rx = udp(AF_INET, '127.0.0.5');
    rx.setsockopt(IPPROTO_IP, IP_PKTINFO, 1);
    rx.setsockopt(IPPROTO_IP, IP_RECVTTL, 1);
    rx.setsockopt(IPPROTO_IP, IP_RECVTOS, 1);
    rx.setsockopt(SOL_SOCKET, SO_TIMESTAMPNS, 1);
    const port = (rx.getsockname() as [string, number])[1];
    const t0 = Date.now();
    const from = py(`s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.9', 0))
s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 17)
s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0x28)
s.sendto(b'v4', ('127.0.0.5', ${port}))
print(json.dumps(list(s.getsockname())))`);
    const t1 = Date.now();
    const [data, anc, flags, addr] = await rx.recvmsg(100, ANCBUFSIZE);
    expect([data, flags, addr]).toEqual([b('v4'), 0, from]);
    const items = decodeAncdata(anc);
    record(anc, items);
    expect(items.map((c) => c.name).sort()).toEqual(['IP_PKTINFO', 'IP_TOS', 'IP_TTL', 'SCM_TIMESTAMPNS']);
    const v = byName(items);
    expect(v.IP_PKTINFO).toEqual({ ifindex: 1, specDst: '127.0.0.5', addr: '127.0.0.5' });
    expect(v.IP_TTL).toBe(17);
    expect(v.IP_TOS).toBe(0x28);
    const ts = v.SCM_TIMESTAMPNS as { sec: number; nsec: number };
    const ms = ts.sec * 1000 + ts.nsec / 1e6;
    expect(ts.nsec).toBeGreaterThanOrEqual(0);
    expect(ts.nsec).toBeLessThan(1e9);
    expect(ms).toBeGreaterThanOrEqual(t0 - 1);
    expect(ms).toBeLessThanOrEqual(t1 + 1);
  });

  it('IPv6: IPV6_PKTINFO, IPV6_HOPLIMIT and IPV6_TCLASS', async () => {
    const rx = udp(AF_INET6, '::1');
    rx.setsockopt(IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
    rx.setsockopt(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
    rx.setsockopt(IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
    const port = (rx.getsockname() as [string, number])[1];
    py(`s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 33)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, 0x48)
s.sendto(b'v6', ('::1', ${port}))
print('null')`);
    const [data, anc] = await rx.recvmsg(100, ANCBUFSIZE);
    expect(data).toEqual(b('v6'));
    const items = decodeAncdata(anc);
    record(anc, items);
    expect(byName(items)).toEqual({ IPV6_PKTINFO: { addr: '::1', ifindex: 1 }, IPV6_HOPLIMIT: 33, IPV6_TCLASS: 0x48 });
  });

  it('SCM_CREDENTIALS with SO_PASSCRED: the kernel attaches the sender\'s pid, uid and gid (ours, then a python3 child\'s)', async () => {
    const [x, y] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    y.setsockopt(SOL_SOCKET, SO_PASSCRED, 1);
    await x.sendmsg([b('me')]);
    const [data, anc] = await y.recvmsg(10, CMSG_SPACE(12));
    expect(data).toEqual(b('me'));
    const items = decodeAncdata(anc);
    record(anc, items);
    expect(items).toEqual([{ name: 'SCM_CREDENTIALS', level: SOL_SOCKET, type: 2, value: { pid: process.pid, uid: process.getuid!(), gid: process.getgid!() } }]);

    const child = await pyPeer(x.fileno(), 'sock.send(b"py")\nprint(os.getpid())\n');
    expect(child.code).toBe(0);
    const [d2, anc2] = y.recvmsgSync(10, CMSG_SPACE(12));
    expect(d2).toEqual(b('py'));
    expect(decodeAncdata(anc2)[0].value).toEqual({ pid: Number(child.stdout.trim()), uid: process.getuid!(), gid: process.getgid!() });
  });

  it('SCM_RIGHTS: cmsgRights sends an fd, decodeAncdata gives it back (a new fd on the same socket)', async () => {
    const [x, y] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    const [u, v] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    await x.sendmsg([b('fd')], [cmsgRights([u.fileno()])]);
    const [, anc] = await y.recvmsg(10, CMSG_SPACE(4));
    const items = decodeAncdata(anc);
    expect(items.length).toBe(1);
    expect(items[0].name).toBe('SCM_RIGHTS');
    const fds = items[0].value as number[];
    expect(fds.length).toBe(1);
    expect(fds[0]).not.toBe(u.fileno());
    const got = track(new Socket(undefined, undefined, undefined, fds[0]));
    got.sendSync(b('through the passed fd'));
    expect(v.recvSync(100)).toEqual(b('through the passed fd'));
    expect(items[0].type).toBe(SCM_RIGHTS);
  });

  it('IP_RECVERR: a port unreachable on lo comes back on the error queue (MSG_ERRQUEUE) with the ICMP offender', () => {
    const probe = udp(AF_INET, '127.0.0.1');
    const port = (probe.getsockname() as [string, number])[1];
    probe.close(); // nobody listens there now
    const s = udp(AF_INET, '127.0.0.1');
    s.setsockopt(IPPROTO_IP, IP_RECVERR, 1);
    s.settimeout(5);
    s.connectSync(['127.0.0.1', port]);
    s.sendSync(b('lost'));
    const [data, anc, flags, addr] = s.recvmsgSync(100, ANCBUFSIZE, MSG_ERRQUEUE);
    expect(data).toEqual(b('lost')); // the datagram that failed
    expect(flags & MSG_ERRQUEUE).toBe(MSG_ERRQUEUE);
    expect(addr).toEqual(['127.0.0.1', port]);
    const items = decodeAncdata(anc);
    record(anc, items);
    expect(items).toEqual([
      {
        name: 'IP_RECVERR', level: IPPROTO_IP, type: IP_RECVERR,
        value: { errno: 111, code: 'ECONNREFUSED', origin: 2, type: 3, icmpCode: 3, info: 0, data: 0, offender: ['127.0.0.1', 0] },
      },
    ]);
  });

  it('IPV6_RECVERR: the ICMPv6 port unreachable, origin SO_EE_ORIGIN_ICMP6', () => {
    const probe = udp(AF_INET6, '::1');
    const port = (probe.getsockname() as [string, number])[1];
    probe.close();
    const s = udp(AF_INET6, '::1');
    s.setsockopt(IPPROTO_IPV6, IPV6_RECVERR, 1);
    s.settimeout(5);
    s.connectSync(['::1', port, 0, 0]);
    s.sendSync(b('lost6'));
    const [data, anc] = s.recvmsgSync(100, ANCBUFSIZE, MSG_ERRQUEUE);
    expect(data).toEqual(b('lost6'));
    const items = decodeAncdata(anc);
    record(anc, items);
    expect(items.map((c) => [c.name, c.value])).toEqual([
      ['IPV6_RECVERR', { errno: 111, code: 'ECONNREFUSED', origin: 3, type: 1, icmpCode: 4, info: 0, data: 0, offender: ['::1', 0, 0, 0] }],
    ]);
  });
});

describe('sending: cmsg items from us, python3 receives and unpacks them', () => {
  it('IP_TTL, IP_TOS and IP_PKTINFO (the source address) per datagram', async () => {
    const rx = udp(AF_INET, '127.0.0.6');
    rx.setsockopt(IPPROTO_IP, IP_RECVTTL, 1);
    rx.setsockopt(IPPROTO_IP, IP_RECVTOS, 1);
    const tx = udp(AF_INET, '127.0.0.1');
    const n = await tx.sendmsg([b('ttl5')], [cmsgIpTtl(5), cmsgIpTos(0x10), cmsgIpPktinfo({ specDst: '127.0.0.7' })], 0, rx.getsockname());
    expect(n).toBe(4);
    const r = await pyPeer(
      rx.fileno(),
      [
        'import json, struct',
        'data, anc, flags, addr = sock.recvmsg(100, 1024)',
        'out = {"data": data.decode(), "addr": addr[0]}',
        'for level, typ, d in anc:',
        '    if typ == socket.IP_TTL: out["ttl"] = struct.unpack("@i", d)[0]',
        '    if typ == socket.IP_TOS: out["tos"] = d[0]',
        'print(json.dumps(out))',
      ].join('\n'),
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ data: 'ttl5', addr: '127.0.0.7', ttl: 5, tos: 0x10 });
  });

  it('IPV6_HOPLIMIT, IPV6_TCLASS and IPV6_PKTINFO per datagram', async () => {
    const rx = udp(AF_INET6, '::1');
    rx.setsockopt(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
    rx.setsockopt(IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
    rx.setsockopt(IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
    const tx = track(new Socket(AF_INET6, SOCK_DGRAM));
    await tx.sendmsg([b('hop7')], [cmsgIpv6Hoplimit(7), cmsgIpv6Tclass(0x20), cmsgIpv6Pktinfo({ addr: '::1', ifindex: 1 })], 0, rx.getsockname());
    const r = await pyPeer(
      rx.fileno(),
      [
        'import json, struct',
        'data, anc, flags, addr = sock.recvmsg(100, 1024)',
        'out = {"data": data.decode(), "addr": addr[0]}',
        'for level, typ, d in anc:',
        '    if typ == socket.IPV6_HOPLIMIT: out["hops"] = struct.unpack("@i", d)[0]',
        '    if typ == socket.IPV6_TCLASS: out["tclass"] = struct.unpack("@i", d)[0]',
        '    if typ == socket.IPV6_PKTINFO: out["pktinfo"] = [socket.inet_ntop(socket.AF_INET6, d[:16]), struct.unpack("@i", d[16:20])[0]]',
        'print(json.dumps(out))',
      ].join('\n'),
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ data: 'hop7', addr: '::1', hops: 7, tclass: 0x20, pktinfo: ['::1', 1] });
  });

  it('SCM_CREDENTIALS claimed by the sender ; python3 unpacks struct ucred', async () => {
    const [x, y] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    y.setsockopt(SOL_SOCKET, SO_PASSCRED, 1);
    await x.sendmsg([b('cred')], [cmsgCredentials({ pid: process.pid, uid: process.getuid!(), gid: process.getgid!() })]);
    const r = await pyPeer(
      y.fileno(),
      'import json, struct\ndata, anc, flags, addr = sock.recvmsg(10, 64)\nprint(json.dumps([data.decode()] + [list(struct.unpack("@iII", d)) for l, t, d in anc]))\n',
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(['cred', [process.pid, process.getuid!(), process.getgid!()]]);
    // Another process's pid: only a privileged sender (CAP_SYS_ADMIN) may claim it (scm_check_creds).
    const other = x.sendmsg([b('pid1')], [cmsgCredentials({ pid: 1, uid: 0, gid: 0 })]);
    if (process.getuid!() === 0) {
      expect(await other).toBe(4);
      const [d, anc] = await y.recvmsg(10, CMSG_SPACE(12));
      expect([d, decodeAncdata(anc)[0].value]).toEqual([b('pid1'), { pid: 1, uid: 0, gid: 0 }]);
    } else {
      await expect(other).rejects.toMatchObject({ code: 'EPERM' });
    }
    // A pid that does not exist (above any pid_max) is refused even for root.
    await expect(x.sendmsg([b('lie')], [cmsgCredentials({ pid: 0x7ffffff0, uid: 0, gid: 0 })])).rejects.toMatchObject({
      code: process.getuid!() === 0 ? 'ESRCH' : 'EPERM',
    });
  });
});

describe('the decoders against Python struct, and bad input', () => {
  it('every raw item decoded above is unpacked the same way by Python', () => {
    const names = [...new Set(seen.map((s) => s.name))].sort();
    expect(names).toEqual([
      'IPV6_HOPLIMIT', 'IPV6_PKTINFO', 'IPV6_RECVERR', 'IPV6_TCLASS', 'IP_PKTINFO', 'IP_RECVERR', 'IP_TOS', 'IP_TTL', 'SCM_CREDENTIALS', 'SCM_TIMESTAMPNS',
    ]);
    const theirs = py(`items = json.loads(${JSON.stringify(JSON.stringify(seen.map((s) => [s.name, s.hex])))})
def addr(d):
    fam = struct.unpack('@H', d[:2])[0]
    if fam == socket.AF_INET: return [socket.inet_ntoa(d[4:8]), struct.unpack('!H', d[2:4])[0]]
    if fam == socket.AF_INET6: return [socket.inet_ntop(socket.AF_INET6, d[8:24]), struct.unpack('!H', d[2:4])[0], struct.unpack('!I', d[4:8])[0], struct.unpack('@I', d[24:28])[0]]
    return None
out = []
for name, h in items:
    d = bytes.fromhex(h)
    if name == 'IP_PKTINFO':
        i, spec, a = struct.unpack('@i4s4s', d); v = {'ifindex': i, 'specDst': socket.inet_ntoa(spec), 'addr': socket.inet_ntoa(a)}
    elif name == 'IPV6_PKTINFO':
        a, i = struct.unpack('@16si', d); v = {'addr': socket.inet_ntop(socket.AF_INET6, a), 'ifindex': i}
    elif name == 'IP_TOS':
        v = d[0]
    elif name in ('IP_TTL', 'IPV6_HOPLIMIT', 'IPV6_TCLASS'):
        v = struct.unpack('@i', d)[0]
    elif name == 'SCM_CREDENTIALS':
        p, u, g = struct.unpack('@iII', d); v = {'pid': p, 'uid': u, 'gid': g}
    elif name == 'SCM_TIMESTAMPNS':
        s, ns = struct.unpack('@ll', d); v = {'sec': s, 'nsec': ns}
    else:
        e, o, t, c, pad, info, data = struct.unpack('@IBBBBII', d[:16])
        v = {'errno': e, 'origin': o, 'type': t, 'icmpCode': c, 'info': info, 'data': data, 'offender': addr(d[16:])}
    out.append(v)
print(json.dumps(out))`) as unknown[];
    const mine = seen.map((s) => {
      if (s.name.endsWith('RECVERR')) {
        const { code: _code, ...rest } = s.mine as Record<string, unknown>;
        return rest;
      }
      return s.mine;
    });
    expect(mine).toEqual(theirs);
  });

  it('an item it does not know is returned raw; short items are RangeErrors naming the struct', () => {
    const raw = Buffer.from([1, 2, 3]);
    expect(decodeCmsg(IPPROTO_IP, 9999, raw)).toEqual({ name: null, level: IPPROTO_IP, type: 9999, value: raw });
    expect(() => unpackUcred(Buffer.alloc(11))).toThrow('struct ucred needs 12 bytes, got 11');
    expect(() => unpackInPktinfo(Buffer.alloc(4))).toThrow('struct in_pktinfo needs 12 bytes, got 4');
    expect(() => unpackIn6Pktinfo(Buffer.alloc(19))).toThrow('struct in6_pktinfo needs 20 bytes, got 19');
    expect(() => unpackTimespec(Buffer.alloc(8))).toThrow('struct timespec needs 16 bytes, got 8');
    expect(() => unpackSockExtendedErr(Buffer.alloc(15))).toThrow('struct sock_extended_err needs 16 bytes, got 15');
    expect(() => unpackInt(Buffer.alloc(2))).toThrow('an int item needs 4 bytes, got 2');
    expect(() => cmsgIpTtl(0)).toThrow('ttl out of range 1..255: 0');
    expect(() => cmsgIpTos(256)).toThrow('tos out of range 0..255: 256');
    expect(() => cmsgRights([3, -1])).toThrow('fds[1] out of range 0..2147483647: -1');
    expect(() => packUcred({ pid: 1.5, uid: 0, gid: 0 })).toThrow('pid must be an integer');
    expect(() => cmsgIpv6Pktinfo({ addr: 'nope' })).toThrow('illegal IP address string passed to inet_pton');
  });
});
