// Name and service resolution (lib/netdb.ts, native/netdb.cc) and the
// host-name step of Socket calls (lib/address.ts). Exact values are those of
// this machine: /etc/hosts maps localhost, vm and runsc to 127.0.0.1 only
// (no ::1 line), interfaces are lo(1), ifb0(2), ifb1(3), eth0(4), and the
// DNS server answers NXDOMAIN. test/differential.test.ts checks the same
// functions row by row against Python.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AF_INET,
  AF_INET6,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_NUMERICSERV,
  AI_PASSIVE,
  AI_V4MAPPED,
  EAI_ADDRFAMILY,
  EAI_NONAME,
  GaiError,
  HostError,
  IPPROTO_TCP,
  IPPROTO_UDP,
  NI_DGRAM,
  NI_NAMEREQD,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  SOCK_DGRAM,
  SOCK_STREAM,
  Socket,
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
  gethostname,
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
} from '../lib/index';
import { b, cleanup, track, rejection } from './helpers';

afterEach(cleanup);

// A lost DNS query is retried after 1 s instead of 5 (same answer, sooner).
process.env.RES_OPTIONS = 'timeout:1 attempts:3';

const LO = 1;

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an exception');
}

describe('getaddrinfo', () => {
  it('a name under .invalid is GaiError EAI_NONAME, sync and async', async () => {
    for (const e of [thrown(() => getaddrinfoSync('x.nonexistent.invalid', 80)), await rejection(getaddrinfo('x.nonexistent.invalid', 80))]) {
      expect(e).toBeInstanceOf(GaiError);
      const g = e as GaiError;
      expect(g.code).toBe('EAI_NONAME');
      expect(g.errno).toBe(EAI_NONAME);
      expect(g.errno).toBe(-2); // glibc's value, as Python's gaierror.errno
      expect(g.syscall).toBe('getaddrinfo');
      expect(g.hostname).toBe('x.nonexistent.invalid');
      expect(g.message).toBe('getaddrinfo EAI_NONAME: Name or service not known x.nonexistent.invalid');
    }
  });

  it('runs off the event loop: setImmediate and a timer fire while a batch of lookups is pending', async () => {
    // Each .invalid name is a DNS round trip on a pool thread (4 threads).
    const N = 32;
    let settled = 0;
    const lookups = Array.from({ length: N }, (_, i) =>
      getaddrinfo(`n${i}.nonexistent.invalid`, null).then(
        () => settled++,
        () => settled++,
      ),
    );
    const atImmediate = await new Promise<number>((resolve) => setImmediate(() => resolve(settled)));
    const atTimer = await new Promise<number>((resolve) => setTimeout(() => resolve(settled), 0));
    await Promise.all(lookups);
    expect(settled).toBe(N);
    expect(atImmediate).toBeLessThan(N);
    expect(atTimer).toBeLessThan(N);
  });

  it('localhost, numeric hosts, services and null ports give exact results', async () => {
    expect(getaddrinfoSync('localhost', 80, 0, SOCK_STREAM)).toEqual([[AF_INET, SOCK_STREAM, IPPROTO_TCP, '', ['127.0.0.1', 80]]]);
    expect(await getaddrinfo('localhost', 'http', 0, SOCK_STREAM)).toEqual([[AF_INET, SOCK_STREAM, IPPROTO_TCP, '', ['127.0.0.1', 80]]]);
    expect(getaddrinfoSync('::1', '80', 0, SOCK_DGRAM)).toEqual([[AF_INET6, SOCK_DGRAM, IPPROTO_UDP, '', ['::1', 80, 0, 0]]]);
    // Port null: port 0; all three socket types.
    expect(getaddrinfoSync('127.0.0.1', null).map((r) => r.slice(1, 3))).toEqual([[1, 6], [2, 17], [3, 0]]);
    expect(getaddrinfoSync('127.0.0.1', null)[0][4]).toEqual(['127.0.0.1', 0]);
    // Host null: the loopback addresses, IPv6 first; with AI_PASSIVE the wildcards, IPv4 first (glibc's order).
    expect(getaddrinfoSync(null, 80, 0, SOCK_STREAM).map((r) => r[4])).toEqual([['::1', 80, 0, 0], ['127.0.0.1', 80]]);
    expect(getaddrinfoSync(null, 80, 0, SOCK_STREAM, 0, AI_PASSIVE).map((r) => r[4])).toEqual([['0.0.0.0', 80], ['::', 80, 0, 0]]);
    // Host '': an empty name, EAI_NONAME, as in Python (not the wildcard; that is null + AI_PASSIVE).
    expect((thrown(() => getaddrinfoSync('', 80)) as GaiError).code).toBe('EAI_NONAME');
    expect(getaddrinfoSync('localhost', null, 0, SOCK_STREAM, 0, AI_CANONNAME)[0][3]).toBe('localhost');
    expect(getaddrinfoSync('localhost', 7, AF_INET6, SOCK_STREAM, 0, AI_V4MAPPED)[0][4]).toEqual(['::ffff:127.0.0.1', 7, 0, 0]);
    expect((thrown(() => getaddrinfoSync('localhost', 80, 0, 0, 0, AI_NUMERICHOST)) as GaiError).code).toBe('EAI_NONAME');
    expect((thrown(() => getaddrinfoSync('127.0.0.1', 'http', 0, 0, 0, AI_NUMERICSERV)) as GaiError).code).toBe('EAI_NONAME');
    expect((thrown(() => getaddrinfoSync('127.0.0.1', 'nosuchservice')) as GaiError).code).toBe('EAI_SERVICE');
    expect((thrown(() => getaddrinfoSync('localhost', 80, 12345)) as GaiError).code).toBe('EAI_FAMILY');
  });

  it('IPv6 scope ids: an interface name or number after % becomes scopeId', async () => {
    expect(getaddrinfoSync('fe80::1%lo', 80, 0, SOCK_STREAM)).toEqual([[AF_INET6, SOCK_STREAM, IPPROTO_TCP, '', ['fe80::1', 80, 0, LO]]]);
    expect((await getaddrinfo('fe80::1%4', 80, 0, SOCK_STREAM))[0][4]).toEqual(['fe80::1', 80, 0, 4]);
    expect((thrown(() => getaddrinfoSync('fe80::1%nosuchif', 80)) as GaiError).code).toBe('EAI_NONAME');
  });

  it('bad arguments are TypeError / RangeError before any call; the async form rejects', async () => {
    expect(thrown(() => getaddrinfoSync('localhost', 65536))).toBeInstanceOf(RangeError);
    expect(thrown(() => getaddrinfoSync('localhost', -1))).toBeInstanceOf(RangeError);
    expect(thrown(() => getaddrinfoSync('localhost', '70000'))).toBeInstanceOf(RangeError);
    expect(thrown(() => getaddrinfoSync('localhost', 1.5))).toBeInstanceOf(TypeError);
    expect(thrown(() => getaddrinfoSync(5 as never, 80))).toBeInstanceOf(TypeError);
    expect(thrown(() => getaddrinfoSync('local\0host', 80))).toBeInstanceOf(TypeError);
    expect(thrown(() => getaddrinfoSync('localhost', 80, 'x' as never))).toBeInstanceOf(TypeError);
    expect(thrown(() => getaddrinfoSync('localhost', {} as never))).toBeInstanceOf(TypeError);
    const p = getaddrinfo('localhost', 65536);
    expect(await rejection(p)).toBeInstanceOf(RangeError);
  });

  it('a non-ASCII name is IDNA-encoded first (as Python does)', () => {
    const e = thrown(() => getaddrinfoSync('bücher.invalid', 80)) as GaiError;
    expect(e.code).toBe('EAI_NONAME');
    expect(e.hostname).toBe('xn--bcher-kva.invalid');
  });
});

describe('getnameinfo', () => {
  it('every NI_* flag, exact', async () => {
    expect(getnameinfoSync(['127.0.0.1', 80])).toEqual(['localhost', 'http']);
    expect(await getnameinfo(['127.0.0.1', 80], NI_NUMERICHOST | NI_NUMERICSERV)).toEqual(['127.0.0.1', '80']);
    expect(getnameinfoSync(['127.0.0.1', 80], NI_NUMERICSERV)).toEqual(['localhost', '80']);
    expect(getnameinfoSync(['127.0.0.1', 514])).toEqual(['localhost', 'shell']);
    expect(getnameinfoSync(['127.0.0.1', 514], NI_DGRAM)).toEqual(['localhost', 'syslog']);
    expect(getnameinfoSync(['192.0.2.99', 80])).toEqual(['192.0.2.99', 'http']);
    const e = await rejection(getnameinfo(['192.0.2.99', 80], NI_NAMEREQD));
    expect(e).toBeInstanceOf(GaiError);
    expect((e as GaiError).code).toBe('EAI_NONAME');
    expect((e as GaiError).syscall).toBe('getnameinfo');
    expect(getnameinfoSync(['fe80::1', 80, 0, LO], NI_NUMERICHOST)).toEqual(['fe80::1%lo', 'http']);
    expect(getnameinfoSync(['fe80::1%lo', 80], NI_NUMERICHOST)).toEqual(['fe80::1%lo', 'http']);
  });

  it('a name is not looked up: EAI_NONAME; bad arguments throw first', async () => {
    expect((await rejection(getnameinfo(['localhost', 80]))) as GaiError).toMatchObject({ code: 'EAI_NONAME', syscall: 'getaddrinfo' });
    expect(thrown(() => getnameinfoSync(['127.0.0.1', 65536]))).toBeInstanceOf(RangeError);
    expect(thrown(() => getnameinfoSync(['::1', 80, 0x100000, 0]))).toBeInstanceOf(RangeError);
    expect(thrown(() => getnameinfoSync(['127.0.0.1', 80, 0, 0]))).toBeInstanceOf(TypeError);
    expect(thrown(() => getnameinfoSync('127.0.0.1' as never))).toBeInstanceOf(TypeError);
  });
});

describe('gethostbyname family', () => {
  it('gethostbyname: IPv4 text; "" and "<broadcast>" as in Python', async () => {
    expect(await gethostbyname('localhost')).toBe('127.0.0.1');
    expect(gethostbynameSync('vm')).toBe('127.0.0.1');
    expect(gethostbynameSync('')).toBe('0.0.0.0');
    expect(gethostbynameSync('<broadcast>')).toBe('255.255.255.255');
    expect(gethostbynameSync('127.1')).toBe('127.0.0.1');
    const e = await rejection(gethostbyname('::1'));
    expect(e).toBeInstanceOf(GaiError);
    expect((e as GaiError).errno).toBe(EAI_ADDRFAMILY);
  });

  it('gethostbynameEx and gethostbyaddr: [name, aliases, addresses]; HostError with h_errno', async () => {
    expect(await gethostbynameEx('vm')).toEqual(['vm', [], ['127.0.0.1']]);
    expect(gethostbynameExSync('127.0.0.1')).toEqual(['127.0.0.1', [], ['127.0.0.1']]);
    expect(await gethostbyaddr('127.0.0.1')).toEqual(['localhost', [], ['127.0.0.1']]);
    expect(gethostbyaddrSync('runsc')).toEqual(['localhost', [], ['127.0.0.1']]);
    for (const e of [await rejection(gethostbyaddr('::1')), thrown(() => gethostbyaddrSync('::1'))]) {
      expect(e).toBeInstanceOf(HostError);
      expect(e).toMatchObject({ code: 'HOST_NOT_FOUND', errno: 1, syscall: 'gethostbyaddr_r', message: 'gethostbyaddr_r HOST_NOT_FOUND: Unknown host' });
    }
    expect(await rejection(gethostbynameEx(''))).toMatchObject({ name: 'HostError', code: 'NO_RECOVERY', errno: 3 });
    // The name must first resolve (Python's setipaddr): an unknown one is a GaiError.
    expect(await rejection(gethostbynameEx('x.nonexistent.invalid'))).toMatchObject({ name: 'GaiError', code: 'EAI_NONAME' });
    const w = thrown(() => gethostbyaddrSync('')) as SocketError;
    expect(w).toBeInstanceOf(SocketError);
    expect(w.message).toBe('wildcard resolved to multiple address');
  });

  it('gethostname and getfqdn', async () => {
    expect(await gethostname()).toBe(os.hostname());
    expect(gethostnameSync()).toBe(os.hostname());
    // vm -> 127.0.0.1 -> 'localhost' (the first /etc/hosts name of 127.0.0.1); no alias has a dot.
    expect(await getfqdn()).toBe('localhost');
    expect(getfqdnSync('0.0.0.0')).toBe('localhost');
    expect(getfqdnSync('192.0.2.99')).toBe('192.0.2.99');
    expect(await getfqdn(' x.nonexistent.invalid ')).toBe('x.nonexistent.invalid');
  });
});

describe('services, protocols, interfaces', () => {
  it('getservbyname / getservbyport / getprotobyname', async () => {
    expect(await getservbyname('http')).toBe(80);
    expect(getservbynameSync('domain', 'udp')).toBe(53);
    expect(await getservbyport(22)).toBe('ssh');
    expect(getservbyportSync(53, 'udp')).toBe('domain');
    expect(await getprotobyname('tcp')).toBe(IPPROTO_TCP);
    expect(getprotobynameSync('udp')).toBe(IPPROTO_UDP);
    expect(await rejection(getservbyname('nosuch'))).toMatchObject({ name: 'SocketError', code: 'ENOENT', message: 'service/proto not found' });
    expect(thrown(() => getservbyportSync(9999))).toMatchObject({ code: 'ENOENT', message: 'port/proto not found' });
    expect(thrown(() => getprotobynameSync('nosuch'))).toMatchObject({ code: 'ENOENT', message: 'protocol not found' });
    expect(thrown(() => getservbyportSync(65536))).toBeInstanceOf(RangeError);
    expect(await rejection(getservbyport(-1))).toBeInstanceOf(RangeError);
  });

  it('ifNameindex / ifNametoindex / ifIndextoname', () => {
    const all = ifNameindex();
    expect(all[0]).toEqual([LO, 'lo']);
    for (const [i, name] of all) {
      expect(ifNametoindex(name)).toBe(i);
      expect(ifIndextoname(i)).toBe(name);
    }
    expect(thrown(() => ifNametoindex('nosuchif'))).toMatchObject({ code: 'ENODEV', message: 'no interface with this name' });
    expect(thrown(() => ifIndextoname(999))).toMatchObject({ code: 'ENXIO', syscall: 'if_indextoname' });
    expect(thrown(() => ifIndextoname(-1))).toBeInstanceOf(RangeError);
  });
});

describe('Socket calls resolve host names as Python does', () => {
  function server(family: number, host: string): [Socket, number] {
    const s = track(new Socket(family, SOCK_STREAM));
    s.bind([host, 0]);
    s.listen();
    return [s, (s.getsockname() as [string, number])[1]];
  }

  it("AF_INET: 'localhost' and '127.1' reach 127.0.0.1 (async connect, sync connect, bind)", async () => {
    const [srv, port] = server(AF_INET, '127.0.0.1');
    const a = track(new Socket(AF_INET, SOCK_STREAM));
    await a.connect(['localhost', port]);
    expect(a.getpeername()).toEqual(['127.0.0.1', port]);
    const c = track(new Socket(AF_INET, SOCK_STREAM));
    c.connectSync(['127.1', port]);
    expect(c.getpeername()).toEqual(['127.0.0.1', port]);
    track((await srv.accept())[0]);
    track(srv.acceptSync()[0]);
    const u = track(new Socket(AF_INET, SOCK_DGRAM));
    u.bind(['localhost', 0]);
    expect((u.getsockname() as [string, number])[0]).toBe('127.0.0.1');
    expect(await u.sendto(b('hi'), ['localhost', (u.getsockname() as [string, number])[1]])).toBe(2);
    expect((await u.recvfrom(10))[0]).toEqual(b('hi'));
  });

  it("AF_INET with '::1' is GaiError EAI_ADDRFAMILY; AF_INET6 with 'localhost' (v4-only here) EAI_NONAME", async () => {
    const s4 = track(new Socket(AF_INET, SOCK_STREAM));
    expect(await rejection(s4.connect(['::1', 9]))).toMatchObject({ name: 'GaiError', code: 'EAI_ADDRFAMILY' });
    expect(thrown(() => s4.connectSync(['::1', 9]))).toMatchObject({ name: 'GaiError', code: 'EAI_ADDRFAMILY' });
    const s6 = track(new Socket(AF_INET6, SOCK_STREAM));
    expect(thrown(() => s6.bind(['localhost', 0]))).toMatchObject({ name: 'GaiError', code: 'EAI_NONAME' });
  });

  it('AF_INET6 numeric hosts with a %scope pass through; a v6 server is reached by ::1', async () => {
    const [srv, port] = server(AF_INET6, '::1');
    const c = track(new Socket(AF_INET6, SOCK_STREAM));
    await c.connect(['::1', port]);
    expect(c.getpeername()).toEqual(['::1', port, 0, 0]);
    track((await srv.accept())[0]);
    const u = track(new Socket(AF_INET6, SOCK_DGRAM));
    // eth0 (index 4) has a link-local address, so a UDP connect has a route.
    u.connectSync(['fe80::1%eth0', 9]);
    expect(u.getpeername()).toEqual(['fe80::1', 9, 0, 4]);
  });
});

describe('worker_threads', () => {
  // Workers load dist/ (compiled lib/); rebuilt here when lib/ is newer.
  const root = path.join(__dirname, '..');
  const dist = path.join(root, 'dist', 'index.js');
  function ensureDist(): void {
    const newest = Math.max(...fs.readdirSync(path.join(root, 'lib')).map((f) => fs.statSync(path.join(root, 'lib', f)).mtimeMs));
    if (!fs.existsSync(dist) || fs.statSync(dist).mtimeMs < newest) execFileSync('npm', ['run', 'build:ts'], { cwd: root, stdio: 'pipe' });
  }

  it('lookups run in workers; a worker terminated with lookups pending on the pool does not crash the process', () => {
    ensureDist();
    // In a child process, so that a crash is an exit status, not a dead test runner.
    const main = `
      const { Worker } = require('node:worker_threads');
      const code = \`
        const m = require(${JSON.stringify(dist)});
        for (let i = 0; i < 40; i++) m.getaddrinfo('w' + i + '.nonexistent.invalid', 80).catch(() => {});
        m.gethostbynameEx('localhost').then((r) => require('node:worker_threads').parentPort.postMessage(r));
      \`;
      let exited = 0;
      for (let k = 0; k < 4; k++) {
        const w = new Worker(code, { eval: true });
        w.on('message', (m) => { console.log(JSON.stringify(m)); w.terminate(); });
        w.on('exit', () => { if (++exited === 4) console.log('done'); });
      }
    `;
    const r = spawnSync(process.execPath, ['-e', main], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([...Array(4).fill('["localhost",[],["127.0.0.1"]]'), 'done']);
  }, 60_000);
});
