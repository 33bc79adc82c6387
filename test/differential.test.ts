// Differential tests: bsdsock's resolution and address-text functions against
// Python's own `socket` module on this machine. One python3 run computes the
// whole table (JSON in on stdin, JSON out); each row is then compared with
// what bsdsock gives, sync and async. Where the two differ on purpose the row
// carries `diff`, saying why, and the test asserts bsdsock's value exactly.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  AF_UNSPEC,
  AI_ADDRCONFIG,
  AI_ALL,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_NUMERICSERV,
  AI_PASSIVE,
  AI_V4MAPPED,
  GaiError,
  HostError,
  NI_DGRAM,
  NI_NAMEREQD,
  NI_NOFQDN,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
  SocketError,
  getaddrinfo,
  getaddrinfoSync,
  getfqdn,
  getfqdnSync,
  gethostbyaddr,
  gethostbyaddrSync,
  gethostbyname,
  gethostbynameEx,
  gethostbynameExSync,
  gethostbynameSync,
  gethostnameSync,
  getnameinfo,
  getnameinfoSync,
  getprotobyname,
  getprotobynameSync,
  getservbyname,
  getservbynameSync,
  getservbyport,
  getservbyportSync,
  ifIndextoname,
  ifNameindex,
  ifNametoindex,
  inetAton,
  inetNtoa,
  inetNtop,
  inetPton,
} from '../lib/index';

// The DNS server here answers NXDOMAIN but now and then drops a query; the
// resolver's default 5 s retry would make a row slow. A shorter retry (the
// same answer, sooner) for this process and for Python's.
process.env.RES_OPTIONS = 'timeout:1 attempts:3';

// ---- the table ------------------------------------------------------------------

type Row = { fn: string; args: unknown[]; diff?: string };
const rows: Row[] = [];
const row = (fn: string, args: unknown[], diff?: string): void => {
  rows.push(diff === undefined ? { fn, args } : { fn, args, diff });
};

// Names from /etc/hosts and numeric forms: answered by the 'files' backend.
// 'nonexistent.invalid' and 'localhost.' go to the DNS server (whose answer
// is NXDOMAIN), as do AF_INET6 lookups of v4-only /etc/hosts names.
const HOSTS: (string | null)[] = [
  'localhost', '127.0.0.1', '::1', '', null, 'vm', 'runsc', 'LOCALHOST', '127.1', '0x7f.1', '01.2.3.4',
  '::ffff:1.2.3.4', 'fe80::1%lo', 'fe80::1%1', 'fe80::1%nosuchif', '<broadcast>', 'localhost.', 'nonexistent.invalid',
];
const PORTS: (string | number | null)[] = [null, 0, 80, 'http', '80', 'domain', 'nosuchservice', '-1', ' 80'];
for (const h of HOSTS) for (const p of PORTS) row('getaddrinfo', [h, p, 0, 0, 0, 0]);
const SHAPES: [number, number, number, number][] = [
  [AF_INET, 0, 0, 0], [AF_INET6, 0, 0, 0], [AF_UNSPEC, SOCK_STREAM, 0, 0], [AF_UNSPEC, SOCK_DGRAM, 0, 0],
  [AF_UNSPEC, SOCK_RAW, 0, 0], [AF_INET, SOCK_STREAM, 6, 0], [AF_INET, SOCK_DGRAM, 6, 0], [AF_UNIX, 0, 0, 0], [999, 0, 0, 0],
  [0, 999, 0, 0], [0, 0, 0, AI_PASSIVE], [0, 0, 0, AI_CANONNAME], [0, 0, 0, AI_NUMERICHOST], [0, 0, 0, AI_NUMERICSERV],
  [AF_INET6, 0, 0, AI_V4MAPPED], [AF_INET6, 0, 0, AI_V4MAPPED | AI_ALL], [0, 0, 0, AI_V4MAPPED | AI_ALL],
  [0, 0, 0, AI_ADDRCONFIG], [AF_INET6, 0, 0, AI_ADDRCONFIG | AI_V4MAPPED], [0, SOCK_STREAM, 0, AI_PASSIVE | AI_CANONNAME],
  [0, 0, 0, 0x7fff],
];
for (const h of ['localhost', '127.0.0.1', '::1', '', null, 'vm', 'fe80::1%lo', '127.1', 'nonexistent.invalid']) {
  for (const p of [80, 'http', null]) for (const [f, t, pr, fl] of SHAPES) row('getaddrinfo', [h, p, f, t, pr, fl]);
}
row('getaddrinfo', ['127.0.0.1', 70000, 0, 0, 0, 0], 'port 70000: glibc wraps it to 4464 for Python; bsdsock: RangeError');
row('getaddrinfo', ['127.0.0.1', '70000', 0, 0, 0, 0], "port '70000': glibc wraps it to 4464 for Python; bsdsock: RangeError");
row('getaddrinfo', ['127.0.0.1', -1, 0, 0, 0, 0], 'port -1: Python passes "-1" (EAI_SERVICE); bsdsock: RangeError before the call');

const NI_FLAGS = [0, NI_NUMERICHOST, NI_NUMERICSERV, NI_NUMERICHOST | NI_NUMERICSERV, NI_NAMEREQD, NI_NOFQDN, NI_DGRAM, -1];
const SOCKADDRS: unknown[][] = [
  ['127.0.0.1', 80], ['127.0.0.1', 0], ['127.0.0.1', 53], ['127.0.0.1', 514], ['::1', 80], ['::1', 80, 0, 0], ['::1', 22, 5, 0],
  ['192.0.2.99', 80], ['fe80::1', 80, 0, 1], ['fe80::1', 80, 0, 4], ['::ffff:127.0.0.1', 80], ['0.0.0.0', 0], ['127.1', 53],
  ['localhost', 80], ['', 80], ['fe80::1%1', 80, 0, 4],
];
for (const sa of SOCKADDRS) for (const f of NI_FLAGS) row('getnameinfo', [sa, f]);
for (const f of [0, NI_NUMERICHOST]) {
  row('getnameinfo', [['fe80::1%lo', 80], f], "'%lo' without a scopeId: Python resets the scope to 0 (losing it); bsdsock keeps scope 1");
  row('getnameinfo', [['127.0.0.1', 80, 0, 0], f], "IPv4 4-element sockaddr: Python OSError 'IPv4 sockaddr must be 2 tuple'; bsdsock TypeError (a bad argument)");
}
row('getnameinfo', [['127.0.0.1', 70000], 0], 'port 70000: Python wraps to 4464; bsdsock RangeError');
row('getnameinfo', [['::1', 80, 0x100000, 0], 0]);

for (const [s, p] of [['http', null], ['http', 'tcp'], ['http', 'udp'], ['domain', 'udp'], ['ssh', null], ['smtp', 'tcp'],
  ['https', null], ['ntp', 'udp'], ['nosuch', null], ['http', 'nosuchproto'], ['HTTP', null], ['www', 'tcp']] as [string, string | null][]) {
  row('getservbyname', p === null ? [s] : [s, p]);
}
for (const [n, p] of [[80, null], [80, 'udp'], [53, 'udp'], [22, null], [443, 'tcp'], [9999, null], [0, null], [65535, null], [65536, null], [-1, null]] as [number, string | null][]) {
  row('getservbyport', p === null ? [n] : [n, p]);
}
for (const p of ['tcp', 'udp', 'icmp', 'ipv6-icmp', 'TCP', 'ip', 'nosuch']) row('getprotobyname', [p]);

for (const h of ['localhost', '127.0.0.1', '', '<broadcast>', '255.255.255.255', '::1', 'vm', '127.1', '0x7f.1', '01.2.3.4', 'nonexistent.invalid']) {
  row('gethostbyname', [h]);
}
for (const h of ['localhost', '127.0.0.1', 'vm', 'runsc', '', 'nonexistent.invalid', '::1', '<broadcast>', '127.1']) row('gethostbyname_ex', [h]);
for (const h of ['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1', '', '192.0.2.99', 'nonexistent.invalid', 'vm', '<broadcast>', 'fe80::1%lo', '127.1']) {
  row('gethostbyaddr', [h]);
}
for (const h of ['', '127.0.0.1', '0.0.0.0', '::', 'localhost', 'vm', 'nonexistent.invalid', ' localhost ', '192.0.2.99', '::1']) row('getfqdn', [h]);
row('gethostname', []);
row('if_nameindex', []);
for (const n of ['lo', 'eth0', 'nosuchif']) row('if_nametoindex', [n]);
for (const i of [0, 1, 2, 3, 4, 99]) row('if_indextoname', [i]);

const PTON4 = ['1.2.3.4', '255.255.255.255', '0.0.0.0', '01.2.3.4', '1.2.3.04', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.4 ',
  ' 1.2.3.4', '', '1.2.3.-4', '0x1.2.3.4', '127.1', '1..2.3', '1.2.3.4\n'];
const PTON6 = ['::', '::1', '::ffff:1.2.3.4', '1::260.2.3.0', ':::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', 'fe80::1%lo', '0001:0002::',
  '00001::', '::ffff:01.2.3.4', '1::', 'g::', '1:2:3:4:5:6:1.2.3.4', '::1.2.3.4', '2001:0db8:0000:0000:0000:ff00:0042:8329',
  '1::2::3', '::ffff:1.2.3', '1:2:3:4:5:6:7::', '::FFFF:1.2.3.4', ''];
for (const s of PTON4) row('inet_pton', [AF_INET, s]);
for (const s of PTON6) row('inet_pton', [AF_INET6, s]);
row('inet_pton', [AF_UNIX, '1.2.3.4']);
for (const hex of ['01020304', 'ffffffff', '00000000', '7f000001', '010203', '0102030405']) row('inet_ntop', [AF_INET, hex]);
for (const hex of ['00000000000000000000000000000001', '00000000000000000000ffff01020304', '20010db8000000000000ff0000428329',
  '00010000000000000000000000000000', '00000000000000000000000001020304', 'fe800000000000000000000000000001', '0001000200030004000500060007000800',
  '000100020003000400050006000700']) row('inet_ntop', [AF_INET6, hex]);
for (const s of ['127.1', '1.2.3', '0x7f.1', '1.2.3.4 junk', '1.2.3.4junk', '', '256.1.1.1', '1.2.3.4.5', '017.0.0.1', '4294967295',
  '4294967296', '1.16777215', '1.2.3.4', ' 1.2.3.4']) row('inet_aton', [s]);
for (const hex of ['01020304', 'ffffffff', '7f000001']) row('inet_ntoa', [hex]);
row('inet_ntoa', ['010203'], "wrong length: Python OSError 'packed IP wrong length for inet_ntoa'; bsdsock RangeError");

// ---- Python's side ------------------------------------------------------------------

const PY = String.raw`
import json, socket, sys
def norm(x):
    if isinstance(x, (list, tuple)): return [norm(v) for v in x]
    if isinstance(x, bytes): return x.hex()
    if isinstance(x, int): return int(x)
    return x
FN = {
  'getaddrinfo': lambda h, p, f, t, pr, fl: socket.getaddrinfo(h, p, f, t, pr, fl),
  'getnameinfo': lambda sa, f: socket.getnameinfo(tuple(sa), f),
  'getservbyname': socket.getservbyname, 'getservbyport': socket.getservbyport,
  'getprotobyname': socket.getprotobyname, 'gethostbyname': socket.gethostbyname,
  'gethostbyname_ex': socket.gethostbyname_ex, 'gethostbyaddr': socket.gethostbyaddr,
  'getfqdn': socket.getfqdn, 'gethostname': socket.gethostname, 'if_nameindex': socket.if_nameindex,
  'if_nametoindex': socket.if_nametoindex, 'if_indextoname': socket.if_indextoname,
  'inet_pton': socket.inet_pton, 'inet_ntop': lambda f, h: socket.inet_ntop(f, bytes.fromhex(h)),
  'inet_aton': socket.inet_aton, 'inet_ntoa': lambda h: socket.inet_ntoa(bytes.fromhex(h)),
}
out = []
for r in json.load(sys.stdin):
    try:
        out.append({'ok': norm(FN[r['fn']](*r['args']))})
    except socket.gaierror as e:
        out.append({'err': 'gaierror', 'errno': e.errno})
    except socket.herror as e:
        out.append({'err': 'herror', 'errno': e.errno})
    except OSError as e:
        out.append({'err': 'OSError', 'errno': e.errno, 'msg': None if e.errno is not None else str(e)})
    except (ValueError, OverflowError) as e:
        out.append({'err': 'ValueError'})
    except TypeError as e:
        out.append({'err': 'TypeError'})
print(json.dumps(out))
`;

// ---- bsdsock's side ------------------------------------------------------------------

type Outcome = { ok: unknown } | { err: string; errno?: number | null; msg?: string | null };

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const SYNC: Record<string, (...a: any[]) => unknown> = {
  getaddrinfo: getaddrinfoSync,
  getnameinfo: getnameinfoSync,
  getservbyname: getservbynameSync,
  getservbyport: getservbyportSync,
  getprotobyname: getprotobynameSync,
  gethostbyname: gethostbynameSync,
  gethostbyname_ex: gethostbynameExSync,
  gethostbyaddr: gethostbyaddrSync,
  getfqdn: getfqdnSync,
  gethostname: gethostnameSync,
  if_nameindex: ifNameindex,
  if_nametoindex: ifNametoindex,
  if_indextoname: ifIndextoname,
  inet_pton: (f: number, s: string) => inetPton(f, s).toString('hex'),
  inet_ntop: (f: number, h: string) => inetNtop(f, hex(h)),
  inet_aton: (s: string) => inetAton(s).toString('hex'),
  inet_ntoa: (h: string) => inetNtoa(hex(h)),
};
const ASYNC: Record<string, (...a: any[]) => Promise<unknown>> = {
  getaddrinfo,
  getnameinfo,
  getservbyname,
  getservbyport,
  getprotobyname,
  gethostbyname,
  gethostbyname_ex: gethostbynameEx,
  gethostbyaddr,
  getfqdn,
};

// Python's OSError without an errno (e.g. 'service/proto not found') is a
// SocketError here with this errno and the same message.
const NO_ERRNO_IN_PYTHON: Record<string, number> = {
  'service/proto not found': 2, // ENOENT
  'port/proto not found': 2,
  'protocol not found': 2,
  'no interface with this name': 19, // ENODEV
  'wildcard resolved to multiple address': 22, // EINVAL
  'address family mismatched': 97, // EAFNOSUPPORT
  'illegal IP address string passed to inet_pton': 22,
  'illegal IP address string passed to inet_aton': 22,
};

function outcome(f: () => unknown): Outcome {
  try {
    return { ok: f() };
  } catch (e) {
    return errOutcome(e);
  }
}
async function outcomeAsync(f: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: await f() };
  } catch (e) {
    return errOutcome(e);
  }
}
function errOutcome(e: unknown): Outcome {
  if (e instanceof GaiError) return { err: 'gaierror', errno: e.errno };
  if (e instanceof HostError) return { err: 'herror', errno: e.errno };
  if (e instanceof SocketError) {
    const known = NO_ERRNO_IN_PYTHON[e.message];
    if (known !== undefined) {
      expect(e.errno).toBe(known);
      return { err: 'OSError', errno: null, msg: e.message };
    }
    return { err: 'OSError', errno: e.errno, msg: null };
  }
  if (e instanceof RangeError) return { err: 'ValueError' };
  if (e instanceof TypeError) return { err: 'TypeError' };
  throw e;
}

let python: Outcome[] = [];
beforeAll(() => {
  const out = execFileSync('python3', ['-c', PY], {
    input: JSON.stringify(rows),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, RES_OPTIONS: process.env.RES_OPTIONS },
  });
  python = JSON.parse(out) as Outcome[];
  expect(python.length).toBe(rows.length);
});

const byFn = new Map<string, number[]>();
rows.forEach((r, i) => byFn.set(r.fn, [...(byFn.get(r.fn) ?? []), i]));

// The bsdsock result of each row that differs on purpose.
const EXPECTED_DIFF: Record<number, Outcome> = {};
rows.forEach((r, i) => {
  if (r.diff === undefined) return;
  if (r.fn === 'getnameinfo' && (r.args[0] as unknown[])[0] === 'fe80::1%lo') {
    EXPECTED_DIFF[i] = { ok: ['fe80::1%lo', 'http'] };
  } else if (r.fn === 'getnameinfo' && (r.args[0] as unknown[]).length === 4) {
    EXPECTED_DIFF[i] = { err: 'TypeError' };
  } else {
    EXPECTED_DIFF[i] = { err: 'ValueError' };
  }
});

describe.each([...byFn.keys()])('%s matches Python', (fn) => {
  const idx = byFn.get(fn)!;
  it(`sync: ${idx.length} rows`, () => {
    for (const i of idx) {
      const r = rows[i];
      const ours = outcome(() => SYNC[fn](...r.args));
      const want = r.diff === undefined ? python[i] : EXPECTED_DIFF[i];
      expect(ours, `${fn}(${JSON.stringify(r.args)})${r.diff ? ` [differs on purpose: ${r.diff}]` : ''}`).toEqual(want);
      if (r.diff !== undefined) expect(ours, `${r.diff}: Python's value`).not.toEqual(python[i]);
    }
  });
  if (ASYNC[fn] !== undefined) {
    it(`async: ${idx.length} rows, on the thread pool`, async () => {
      const ours = await Promise.all(idx.map((i) => outcomeAsync(() => ASYNC[fn](...rows[i].args))));
      idx.forEach((i, k) => {
        const r = rows[i];
        const want = r.diff === undefined ? python[i] : EXPECTED_DIFF[i];
        expect(ours[k], `${fn}(${JSON.stringify(r.args)}) async`).toEqual(want);
      });
    });
  }
});

it('the table exercises success and failure of every function', () => {
  for (const [fn, idx] of byFn) {
    // These never fail (getfqdn returns the name itself when the lookup fails).
    if (fn === 'gethostname' || fn === 'if_nameindex' || fn === 'getfqdn') continue;
    expect(idx.some((i) => 'ok' in python[i]), `${fn}: a row that succeeds`).toBe(true);
    expect(idx.some((i) => 'err' in python[i]), `${fn}: a row that fails`).toBe(true);
  }
});
