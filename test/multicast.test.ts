// Multicast (IPv4 and IPv6 join / leave, loop, TTL / hop limit) and
// SO_BROADCAST on loopback, with python3 as the other member.
//
// The host's `lo` has no MULTICAST flag, and IPv6 multicast needs it plus a
// route, so everything here happens in a network namespace this file creates
// (`unshare -n`: a fresh namespace holding only its own `lo`) and nothing of
// the host's interfaces is touched. In it the python3 member runs, sets
// `ip link set lo up`, `ip link set lo multicast on` and `ip -6 route add
// local ff02::/16 dev lo table local` (a route through lo is refused for
// output unless it is of type local), creates the sockets this process uses
// and passes them over with SCM_RIGHTS: a socket stays in the namespace it was
// created in, so bsdsock works inside it from here. The python3 member obeys
// one JSON command per line on the control socket.
import { spawn, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Socket, socketpair, CMSG_SPACE, decodeAncdata, inetAton, inetNtoa, ipAddMembership, ipDropMembership, ipv6JoinGroup, ipv6LeaveGroup,
  AF_INET, AF_INET6, AF_UNIX, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, SO_BROADCAST, IPPROTO_IP, IPPROTO_IPV6,
  IP_MULTICAST_IF, IP_MULTICAST_TTL, IP_MULTICAST_LOOP, IP_MULTICAST_ALL, IP_RECVTTL,
  IPV6_MULTICAST_IF, IPV6_MULTICAST_HOPS, IPV6_MULTICAST_LOOP, IPV6_MULTICAST_ALL, SocketError,
} from '../lib/index';
import { b, cleanup, track } from './helpers';

const { EAGAIN } = os.constants.errno;

const MEMBER = String.raw`
from socket import *
import json, socket, struct
IP_RECVTTL = ${IP_RECVTTL}  # not in Python 3.11's socket module
ctl = socket.socket(fileno=3)
ctl.settimeout(None)
socks = {}
buf = b''
def commands():
    global buf
    while True:
        while b'\n' in buf:
            line, buf = buf.split(b'\n', 1)
            yield json.loads(line)
        chunk = ctl.recv(65536)
        if not chunk:
            return
        buf += chunk
def member(c):
    fam = c['family']
    s = socket.socket(fam, SOCK_DGRAM)
    s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
    if fam == AF_INET:
        s.setsockopt(IPPROTO_IP, IP_RECVTTL, 1)
        s.bind((c['bind'], c['port']))
        if 'group' in c:
            s.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, struct.pack('@4s4si', inet_aton(c['group']), inet_aton('0.0.0.0'), 1))
    else:
        s.setsockopt(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)
        s.bind(('::', c['port']))
        s.setsockopt(IPPROTO_IPV6, IPV6_JOIN_GROUP, inet_pton(AF_INET6, c['group']) + struct.pack('@I', 1))
    socks[c['id']] = s
    return {'port': s.getsockname()[1]}
def recv(c):
    s = socks[c['id']]
    s.settimeout(c['timeout'])
    data, anc, flags, addr = s.recvmsg(1000, 256)
    ttl = [struct.unpack('@i', d)[0] for l, t, d in anc if (l, t) in ((IPPROTO_IP, IP_TTL), (IPPROTO_IPV6, IPV6_HOPLIMIT))]
    return {'data': data.decode(), 'addr': list(addr[:2]), 'ttl': ttl}
def send(c):
    fam = c['family']
    s = socket.socket(fam, SOCK_DGRAM)
    if fam == AF_INET:
        s.bind(('127.0.0.1', 0))
        if c.get('broadcast'):
            s.setsockopt(SOL_SOCKET, SO_BROADCAST, 1)
        else:
            s.setsockopt(IPPROTO_IP, IP_MULTICAST_IF, inet_aton('127.0.0.1'))
            s.setsockopt(IPPROTO_IP, IP_MULTICAST_TTL, c.get('ttl', 1))
        s.sendto(c['data'].encode(), (c['to'], c['port']))
    else:
        s.bind(('::1', 0))
        s.setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_IF, 1)
        s.setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, c.get('ttl', 1))
        s.sendto(c['data'].encode(), (c['to'], c['port'], 0, 1))
    out = {'from': list(s.getsockname()[:2])}
    s.close()
    return out
for c in commands():
    op = c['op']
    try:
        if op == 'socket':
            s = socket.socket(c['family'], SOCK_DGRAM)
            socket.send_fds(ctl, [b'{"passed": true}\n'], [s.fileno()])
            s.close()
            continue
        out = {'member': member, 'recv': recv, 'send': send}[op](c) if op != 'close' else (socks.pop(c['id']).close() or {})
    except Exception as e:
        out = {'error': type(e).__name__, 'errno': getattr(e, 'errno', None), 'message': str(e)}
    ctl.sendall((json.dumps(out) + '\n').encode())
`;

const SETUP = 'ip link set lo up && ip link set lo multicast on && ip -6 route add local ff02::/16 dev lo table local && exec python3 -c "$0"';

let child: ChildProcess;
let ctl: Socket;
let childErr = '';
let pending = Buffer.alloc(0);

/** One command to the python3 member in the namespace; its JSON reply, and any fds passed with it. */
async function ask(cmd: Record<string, unknown>): Promise<{ reply: Record<string, unknown>; fds: number[] }> {
  await ctl.sendall(b(JSON.stringify(cmd) + '\n'));
  const fds: number[] = [];
  for (let i = 0; i < 100 && !pending.includes(0x0a); i++) {
    const [data, anc] = await ctl.recvmsg(65536, CMSG_SPACE(16)).catch((e: Error) => {
      throw new Error(`${e.message}; the python3 member said: ${childErr}`);
    });
    for (const item of decodeAncdata(anc)) if (item.name === 'SCM_RIGHTS') fds.push(...item.value);
    if (data.length === 0) throw new Error(`the python3 member exited: ${childErr}`);
    pending = Buffer.concat([pending, data]);
  }
  const nl = pending.indexOf(0x0a);
  const reply = JSON.parse(pending.subarray(0, nl).toString()) as Record<string, unknown>;
  pending = pending.subarray(nl + 1);
  return { reply, fds };
}

/** A UDP socket created inside the namespace, wrapped as a bsdsock Socket. */
async function nsSocket(family: number): Promise<Socket> {
  const { reply, fds } = await ask({ op: 'socket', family });
  expect(reply).toEqual({ passed: true });
  expect(fds.length).toBe(1);
  const s = track(new Socket(undefined, undefined, undefined, fds[0]));
  expect([s.family, s.type]).toEqual([family, SOCK_DGRAM]);
  return s;
}

async function pyOk(cmd: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { reply } = await ask(cmd);
  expect(reply.error, `python3 member: ${JSON.stringify(cmd)} -> ${JSON.stringify(reply)}`).toBe(undefined);
  return reply;
}

beforeAll(async () => {
  const [mine, theirs] = socketpair(AF_UNIX, SOCK_STREAM);
  ctl = mine;
  ctl.settimeout(20);
  child = spawn('unshare', ['-n', 'sh', '-c', SETUP, MEMBER], { stdio: ['ignore', 'ignore', 'pipe', theirs.fileno()] });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (childErr += s));
  theirs.close();
  // The first answer proves the namespace was set up and the member runs.
  const { reply } = await ask({ op: 'member', id: 'probe', family: AF_INET, bind: '127.0.0.1', port: 0 });
  expect(reply.port, `${JSON.stringify(reply)} ${childErr}`).toBeTypeOf('number');
  await pyOk({ op: 'close', id: 'probe' });
}, 60_000);

afterAll(async () => {
  ctl?.close();
  if (child !== undefined && child.exitCode === null) {
    await new Promise((r) => child.on('close', r)); // EOF on the control socket ends it
  }
});
afterEach(cleanup);

/** What recv gives back now, without waiting: the datagram, or null on EAGAIN. */
function recvNow(s: Socket): string | null {
  const buf = Buffer.alloc(1000);
  const n = s.tryRecvInto(buf);
  if (n === -EAGAIN) return null;
  if (n < 0) throw new Error(`recv: ${n}`);
  return buf.subarray(0, n).toString();
}

describe('IPv4 multicast on lo (224.1.2.3)', () => {
  const GROUP = '224.1.2.3';

  it('join: python3 sends to the group, both our members get it; after one leaves only the other does', async () => {
    const a = await nsSocket(AF_INET);
    const c = await nsSocket(AF_INET);
    for (const s of [a, c]) {
      s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
      // Only the groups this socket joined (the default 1 would deliver any group any socket joined).
      s.setsockopt(IPPROTO_IP, IP_MULTICAST_ALL, 0);
    }
    a.bind([GROUP, 0]);
    const port = (a.getsockname() as [string, number])[1];
    c.bind([GROUP, port]);
    ipAddMembership(a, GROUP, { ifindex: 1 });
    ipAddMembership(c, GROUP, { address: '127.0.0.1' });
    const sent = await pyOk({ op: 'send', family: AF_INET, to: GROUP, port, data: 'to the group' });
    a.settimeout(5);
    c.settimeout(5);
    expect(await a.recvfrom(100)).toEqual([b('to the group'), sent.from]);
    expect(await c.recvfrom(100)).toEqual([b('to the group'), sent.from]);

    ipDropMembership(a, GROUP, { ifindex: 1 });
    await pyOk({ op: 'send', family: AF_INET, to: GROUP, port, data: 'after a left' });
    expect((await c.recvfrom(100))[0]).toEqual(b('after a left'));
    // Both are delivered in the same softirq pass: had a still been a member, its copy would be there now.
    expect(recvNow(a)).toBe(null);
  });

  it('we send to the group: python3 receives with our IP_MULTICAST_TTL; loop and TTL options round-trip', async () => {
    const { port } = await pyOk({ op: 'member', id: 'm4', family: AF_INET, bind: GROUP, port: 0, group: GROUP });
    const tx = await nsSocket(AF_INET);
    tx.bind(['127.0.0.1', 0]);
    tx.setsockopt(IPPROTO_IP, IP_MULTICAST_IF, inetAton('127.0.0.1'));
    expect(inetNtoa(tx.getsockopt(IPPROTO_IP, IP_MULTICAST_IF, 4))).toBe('127.0.0.1');
    expect(tx.getsockopt(IPPROTO_IP, IP_MULTICAST_TTL)).toBe(1); // the default
    tx.setsockopt(IPPROTO_IP, IP_MULTICAST_TTL, 3);
    expect(tx.getsockopt(IPPROTO_IP, IP_MULTICAST_TTL)).toBe(3);
    expect(tx.getsockopt(IPPROTO_IP, IP_MULTICAST_LOOP)).toBe(1);
    expect(await tx.sendto(b('ttl 3'), [GROUP, port as number])).toBe(5);
    expect(await pyOk({ op: 'recv', id: 'm4', timeout: 5 })).toEqual({ data: 'ttl 3', addr: tx.getsockname(), ttl: [3] });

    // Our own member on the group gets our datagram too (loop). On lo,
    // IP_MULTICAST_LOOP 0 does not stop that: lo's transmit is itself a
    // loopback (the loop copy is for real interfaces), as measured here.
    const own = await nsSocket(AF_INET);
    own.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    own.bind([GROUP, port as number]);
    ipAddMembership(own, GROUP, { ifindex: 1 });
    own.settimeout(5);
    await tx.sendto(b('looped'), [GROUP, port as number]);
    expect(await own.recvfrom(100)).toEqual([b('looped'), tx.getsockname()]);
    tx.setsockopt(IPPROTO_IP, IP_MULTICAST_LOOP, 0);
    expect(tx.getsockopt(IPPROTO_IP, IP_MULTICAST_LOOP)).toBe(0);
    await tx.sendto(b('loop off'), [GROUP, port as number]);
    expect(await own.recvfrom(100)).toEqual([b('loop off'), tx.getsockname()]);
    expect(await pyOk({ op: 'recv', id: 'm4', timeout: 5 })).toMatchObject({ data: 'looped' });
    expect(await pyOk({ op: 'recv', id: 'm4', timeout: 5 })).toMatchObject({ data: 'loop off' });
    await pyOk({ op: 'close', id: 'm4' });
  });
});

describe('IPv6 multicast on lo (ff02::1:3, link-local, interface 1)', () => {
  const GROUP = 'ff02::1:3';

  it('join: python3 sends to the group, we receive; after leaving, only the member still joined does', async () => {
    const a = await nsSocket(AF_INET6);
    const c = await nsSocket(AF_INET6);
    for (const s of [a, c]) {
      s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
      s.setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0);
    }
    a.bind(['::', 0, 0, 0]);
    const port = (a.getsockname() as [string, number])[1];
    c.bind(['::', port, 0, 0]);
    ipv6JoinGroup(a, GROUP, 1);
    ipv6JoinGroup(c, GROUP, 1);
    const sent = await pyOk({ op: 'send', family: AF_INET6, to: GROUP, port, data: 'six' });
    a.settimeout(5);
    c.settimeout(5);
    const [data, from] = await a.recvfrom(100);
    expect([data, (from as unknown[]).slice(0, 2)]).toEqual([b('six'), sent.from]);
    expect((await c.recvfrom(100))[0]).toEqual(b('six'));
    ipv6LeaveGroup(a, GROUP, 1);
    await pyOk({ op: 'send', family: AF_INET6, to: GROUP, port, data: 'after leave' });
    expect((await c.recvfrom(100))[0]).toEqual(b('after leave'));
    expect(recvNow(a)).toBe(null);
  });

  it('we send to the group: python3 receives with our IPV6_MULTICAST_HOPS; the options round-trip', async () => {
    const { port } = await pyOk({ op: 'member', id: 'm6', family: AF_INET6, port: 0, group: GROUP });
    const tx = await nsSocket(AF_INET6);
    tx.bind(['::1', 0, 0, 0]);
    tx.setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_IF, 1);
    expect(tx.getsockopt(IPPROTO_IPV6, IPV6_MULTICAST_IF)).toBe(1);
    expect(tx.getsockopt(IPPROTO_IPV6, IPV6_MULTICAST_HOPS)).toBe(1);
    tx.setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 4);
    expect(tx.getsockopt(IPPROTO_IPV6, IPV6_MULTICAST_HOPS)).toBe(4);
    tx.setsockopt(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 1);
    expect(tx.getsockopt(IPPROTO_IPV6, IPV6_MULTICAST_LOOP)).toBe(1);
    expect(await tx.sendto(b('hops 4'), [GROUP, port as number, 0, 1])).toBe(6);
    const got = await pyOk({ op: 'recv', id: 'm6', timeout: 5 });
    expect(got).toEqual({ data: 'hops 4', addr: ['::1', (tx.getsockname() as [string, number])[1]], ttl: [4] });
    await pyOk({ op: 'close', id: 'm6' });
  });
});

describe('SO_BROADCAST (127.255.255.255, lo\'s broadcast route)', () => {
  it('refused without SO_BROADCAST (EACCES); with it python3 receives; and we receive python3\'s broadcast', async () => {
    const { port } = await pyOk({ op: 'member', id: 'bc', family: AF_INET, bind: '', port: 0 });
    const tx = await nsSocket(AF_INET);
    tx.bind(['127.0.0.1', 0]);
    expect(tx.getsockopt(SOL_SOCKET, SO_BROADCAST)).toBe(0);
    let err: unknown;
    try {
      tx.sendtoSync(b('no'), ['127.255.255.255', port as number]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SocketError);
    expect((err as SocketError).code).toBe('EACCES');
    tx.setsockopt(SOL_SOCKET, SO_BROADCAST, 1);
    expect(tx.getsockopt(SOL_SOCKET, SO_BROADCAST)).toBe(1);
    expect(await tx.sendto(b('to all'), ['127.255.255.255', port as number])).toBe(6);
    expect(await pyOk({ op: 'recv', id: 'bc', timeout: 5 })).toEqual({ data: 'to all', addr: tx.getsockname(), ttl: [64] });
    await pyOk({ op: 'close', id: 'bc' });

    const rx = await nsSocket(AF_INET);
    rx.bind(['0.0.0.0', 0]); // inside the namespace: its lo is the only interface
    const rport = (rx.getsockname() as [string, number])[1];
    const sent = await pyOk({ op: 'send', family: AF_INET, broadcast: true, to: '127.255.255.255', port: rport, data: 'from python' });
    rx.settimeout(5);
    expect(await rx.recvfrom(100)).toEqual([b('from python'), sent.from]);
  });
});
