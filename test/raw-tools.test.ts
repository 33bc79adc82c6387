// The raw-socket tools: checksum() (RFC 1071), `bsdsock ping` and
// `bsdsock sniff`, run through the bin as a user runs them. The peers are
// the kernel's own ICMP responder (it answers only an echo request whose
// checksum is right), Python's socket module (the traffic sniff captures)
// and the kernel's IPv4 header checksums (checked by checksum()).
//
// They need CAP_NET_RAW (these tests run as root) and are skipped, saying
// so, only where socket(2) answers EPERM. The missing-capability messages
// are tested by dropping CAP_NET_RAW for a child (setpriv). Tests that need
// a loopback of their own run in a new network namespace (unshare -n, lo
// only: no other test's traffic, and sysctls of its own); they are skipped,
// saying so, where namespaces cannot be made.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Socket, checksum, AF_INET, SOCK_RAW, IPPROTO_ICMP } from '../lib/index';
import { BIN, ROOT, ensureExamplesBuilt, within } from './examples-helpers';

beforeAll(ensureExamplesBuilt, 120_000);

function hasCapNetRaw(): boolean {
  try {
    new Socket(AF_INET, SOCK_RAW, IPPROTO_ICMP).close();
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'EPERM') return false;
    throw e;
  }
}
const raw = hasCapNetRaw();
const RAW_NOTE = raw ? '' : ' (skipped: this process lacks CAP_NET_RAW)';

/** Whether this process can make a network namespace and bring its lo up. */
const netns = spawnSync('unshare', ['-n', 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'ignore' }).status === 0;
const NETNS_NOTE = netns ? '' : ' (skipped: unshare -n / ip link set lo up failed here)';

const setpriv = spawnSync('setpriv', ['--inh-caps=-net_raw', '--bounding-set=-net_raw', 'true'], { stdio: 'ignore' }).status === 0;

// ---- programs, their stdout as lines ----------------------------------------

const running = new Set<Program>();

/** A program whose stdout is read as lines; every wait is bounded. */
class Program {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  stderr = '';
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #onLine: (() => void)[] = [];

  constructor(cmd: string, args: string[]) {
    this.child = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin!.on('error', () => undefined);
    running.add(this);
    readline.createInterface({ input: this.child.stdout!, crlfDelay: Infinity }).on('line', (l) => {
      this.lines.push(l);
      for (const f of [...this.#onLine]) f();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    this.closed = new Promise((resolve) =>
      this.child.on('close', (code, signal) => {
        running.delete(this);
        for (const f of [...this.#onLine]) f();
        resolve({ code, signal });
      }),
    );
  }

  /** A `bsdsock` command, optionally behind a wrapper (setpriv, unshare ...). */
  static bsdsock(args: string[], wrapper: string[] = []): Program {
    return wrapper.length === 0 ? new Program(process.execPath, [BIN, ...args]) : new Program(wrapper[0], [...wrapper.slice(1), process.execPath, BIN, ...args]);
  }

  /** The first line matching `re`; rejects after `ms` or when the program exits first. */
  waitFor(re: RegExp, ms = 10_000): Promise<string> {
    return within(
      new Promise<string>((resolve, reject) => {
        const check = (): void => {
          const l = this.lines.find((x) => re.test(x));
          if (l !== undefined) {
            this.#onLine.splice(this.#onLine.indexOf(check), 1);
            resolve(l);
          } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
            this.#onLine.splice(this.#onLine.indexOf(check), 1);
            reject(new Error(`exited before ${re}: ${this.lines.join('\n')}\n${this.stderr}`));
          }
        };
        this.#onLine.push(check);
        check();
      }),
      ms,
      `${this.child.spawnargs.join(' ')}: line ${re}`,
    );
  }

  /** Waits (bounded) for the exit; SIGKILL (this process only, by pid) if it does not come. */
  async exit(ms = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    try {
      return await this.closed;
    } finally {
      clearTimeout(timer);
    }
  }
}

afterEach(async () => {
  await Promise.all(
    [...running].map((p) => {
      p.child.kill('SIGKILL');
      return p.closed;
    }),
  );
});

/** Runs `script` in a new network namespace with lo up; then execs bsdsock with `args`. */
function inNetns(setup: string, args: string[], dropNetRaw = false): Program {
  const node = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const drop = dropNetRaw ? 'setpriv --inh-caps=-net_raw --bounding-set=-net_raw ' : '';
  // unshare and sh exec: the child's pid is the program's, for nsenter -t.
  return new Program('unshare', ['-n', 'sh', '-c', `ip link set lo up && ${setup}${setup ? ' && ' : ''}exec ${drop}${node}`]);
}

/** Runs python3 `code` (with `args`), inside the network namespace of `pid` if given; resolves to its stdout lines. */
function python(code: string, args: string[] = [], pid?: number): Program {
  const py = ['python3', '-c', code, ...args];
  return pid === undefined ? new Program(py[0], py.slice(1)) : new Program('nsenter', ['-t', String(pid), '-n', ...py]);
}

// ---- checksum() ------------------------------------------------------------------

describe('checksum (RFC 1071)', () => {
  it("gives RFC 1071's worked example, and 0 over data that holds its checksum", () => {
    // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2, the checksum is its complement.
    const data = Buffer.from('0001f203f4f5f6f7', 'hex');
    expect(checksum(data)).toBe(0x220d);
    const withSum = Buffer.concat([data, Buffer.from([0x22, 0x0d])]);
    expect(checksum(withSum)).toBe(0);
    expect(checksum(Buffer.alloc(0))).toBe(0xffff);
    expect(checksum(Buffer.from([0xff, 0xff]))).toBe(0);
    // An odd last byte is the high byte of a word padded with zero.
    expect(checksum(Buffer.from([0x12]))).toBe(~0x1200 & 0xffff);
    expect(checksum(Buffer.from([0x00, 0x01, 0x02]))).toBe(~(0x0001 + 0x0200) & 0xffff);
  });

  it('reads any byte view at its offset, and carries on a sum with `initial`', () => {
    const bytes = Buffer.from('45000073000040004011b861c0a80001c0a800c7', 'hex'); // an IPv4 header (Wikipedia's example), checksum b861
    expect(checksum(bytes)).toBe(0);
    const zeroed = Buffer.from(bytes);
    zeroed.writeUInt16BE(0, 10);
    expect(checksum(zeroed)).toBe(0xb861);
    const big = new Uint8Array(64);
    big.set(zeroed, 7);
    const view = big.subarray(7, 7 + zeroed.length);
    expect(checksum(view)).toBe(0xb861);
    expect(checksum(new DataView(big.buffer, 7, zeroed.length))).toBe(0xb861);
    expect(checksum(zeroed.buffer.slice(zeroed.byteOffset, zeroed.byteOffset + zeroed.length))).toBe(0xb861);
    // A sum in two parts: the folded sum of the first part (~checksum) as `initial` of the second.
    expect(checksum(zeroed.subarray(10), ~checksum(zeroed.subarray(0, 10)) & 0xffff)).toBe(0xb861);
  });

  it('rejects what is not bytes, and a bad initial sum', () => {
    expect(() => checksum('abc' as never)).toThrow(new TypeError('data must be bytes, not a string: encode it first'));
    expect(() => checksum(null as never)).toThrow(new TypeError('data must be a Buffer, TypedArray, DataView or ArrayBuffer, not null'));
    expect(() => checksum([1, 2] as never)).toThrow(new TypeError('data must be a Buffer, TypedArray, DataView or ArrayBuffer, not object'));
    expect(() => checksum(Buffer.alloc(2), 0x10000)).toThrow(new RangeError('initial must be an integer in 0..65535, not 65536'));
    expect(() => checksum(Buffer.alloc(2), 1.5)).toThrow(new RangeError('initial must be an integer in 0..65535, not 1.5'));
  });

  it("agrees with a Python RFC 1071 on 300 random buffers (lengths 0..1500, and 1 MiB)", async () => {
    let seed = 12345;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
    const bufs: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      const b = Buffer.alloc(i < 10 ? i : rand() % 1501);
      for (let j = 0; j < b.length; j++) b[j] = rand() & 0xff;
      bufs.push(b);
    }
    bufs.push(Buffer.alloc(1 << 20, 0xab));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-checksum-'));
    const file = path.join(dir, 'vectors.hex');
    fs.writeFileSync(file, bufs.map((b) => b.toString('hex')).join('\n') + '\n');
    try {
      const py = python(
        `import sys
def cs(b):
    if len(b) % 2: b += b'\\0'
    s = sum(int.from_bytes(b[i:i + 2], 'big') for i in range(0, len(b), 2))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
for line in open(sys.argv[1]): print(cs(bytes.fromhex(line.strip())))`,
        [file],
      );
      expect(await py.exit()).toEqual({ code: 0, signal: null });
      expect(py.lines.map(Number)).toEqual(bufs.map((b) => checksum(b)));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- ping ------------------------------------------------------------------------

/** The lines of a successful run: header, `count` replies in order, the summary. */
function expectPingOutput(lines: string[], o: { host: string; addr: string; size: number; count: number; ipv6: boolean; verbose?: string }): void {
  const head = o.ipv6 ? `PING ${o.host} (${o.addr}) ${o.size} data bytes` : `PING ${o.host} (${o.addr}) ${o.size}(${o.size + 28}) bytes of data.`;
  const out = [...lines];
  if (o.verbose !== undefined) expect(out.shift()).toBe(o.verbose);
  expect(out.shift()).toBe(head);
  const times: number[] = [];
  for (let seq = 1; seq <= o.count; seq++) {
    const line = out.shift()!;
    const m = new RegExp(`^${o.size + 8} bytes from ${o.addr.replace(/\./g, '\\.')}: icmp_seq=${seq} ttl=64 time=(\\d+(?:\\.\\d+)?) ms$`).exec(line);
    expect(m, line).not.toBeNull();
    times.push(Number(m![1]));
  }
  expect(out.shift()).toBe('');
  expect(out.shift()).toBe(`--- ${o.host} ping statistics ---`);
  expect(out.shift()).toMatch(new RegExp(`^${o.count} packets transmitted, ${o.count} received, 0% packet loss, time \\d+ms$`));
  const rtt = /^rtt min\/avg\/max\/mdev = (\d+\.\d{3})\/(\d+\.\d{3})\/(\d+\.\d{3})\/(\d+\.\d{3}) ms$/.exec(out.shift()!);
  expect(rtt).not.toBeNull();
  const [min, avg, max] = rtt!.slice(1, 4).map(Number);
  // The summary is of the times printed (each rounded as ping rounds it).
  expect(Math.abs(min - Math.min(...times))).toBeLessThan(0.051);
  expect(Math.abs(max - Math.max(...times))).toBeLessThan(0.51);
  expect(min).toBeLessThanOrEqual(avg);
  expect(avg).toBeLessThanOrEqual(max);
  expect(out).toEqual([]);
}

describe.skipIf(!raw)(`bsdsock ping${RAW_NOTE}`, () => {
  it('pings 127.0.0.1 on a raw ICMP socket: replies in order, TTL, times, the summary', async () => {
    const p = Program.bsdsock(['ping', '-c', '3', '-i', '0.05', '-v', '127.0.0.1']);
    expect(await p.exit()).toEqual({ code: 0, signal: null });
    expect(p.stderr).toBe('');
    expectPingOutput(p.lines, { host: '127.0.0.1', addr: '127.0.0.1', size: 56, count: 3, ipv6: false, verbose: 'socket: AF_INET, SOCK_RAW, IPPROTO_ICMP' });
  });

  it("an odd-sized request (ICMP length 65): the kernel answers only if checksum() padded the last byte right", async () => {
    const p = Program.bsdsock(['ping', '-c', '2', '-i', '0.05', '-s', '57', 'localhost']);
    expect(await p.exit()).toEqual({ code: 0, signal: null });
    expectPingOutput(p.lines, { host: 'localhost', addr: '127.0.0.1', size: 57, count: 2, ipv6: false });
  });

  it('pings ::1 over ICMPv6 (-6), hop limit from IPV6_RECVHOPLIMIT', async () => {
    const p = Program.bsdsock(['ping', '-6', '-c', '2', '-i', '0.05', '-s', '1000', '-v', '::1']);
    expect(await p.exit()).toEqual({ code: 0, signal: null });
    expectPingOutput(p.lines, { host: '::1', addr: '::1', size: 1000, count: 2, ipv6: true, verbose: 'socket: AF_INET6, SOCK_RAW, IPPROTO_ICMPV6' });
  });

  it('Ctrl-C (SIGINT) stops it and prints the summary, as ping does', async () => {
    const p = Program.bsdsock(['ping', '-i', '0.05', '127.0.0.1']);
    await p.waitFor(/icmp_seq=3 /);
    p.child.kill('SIGINT');
    expect(await p.exit()).toEqual({ code: 0, signal: null });
    const stats = p.lines.indexOf('--- 127.0.0.1 ping statistics ---');
    expect(stats).toBeGreaterThan(3);
    const m = /^(\d+) packets transmitted, (\d+) received, /.exec(p.lines[stats + 1]);
    const replies = p.lines.filter((l) => / bytes from 127\.0\.0\.1: icmp_seq=\d+ /.test(l)).length;
    expect(Number(m![2])).toBe(replies);
    expect(Number(m![1]) - replies).toBeLessThanOrEqual(1); // one request may be out when the signal comes
    expect(p.lines[stats + 2]).toMatch(/^rtt min\/avg\/max\/mdev = /);
  });

  it('rejects bad usage with status 2', async () => {
    for (const [args, err] of [
      [[], 'a HOST is required'],
      [['-c', '0', '127.0.0.1'], '-c must be a positive integer, not 0'],
      [['-i', '0.001', '127.0.0.1'], '-i must be at least 0.01 seconds, not 0.001'],
      [['-s', '70000', '127.0.0.1'], '-s must be an integer in 0..65507, not 70000'],
      [['127.0.0.1', '::1'], 'one HOST only, not 127.0.0.1 ::1'],
    ] as const) {
      const p = Program.bsdsock(['ping', ...args]);
      expect(await p.exit()).toEqual({ code: 2, signal: null });
      expect(p.stderr).toBe(`bsdsock ping: ${err}\nTry 'bsdsock ping --help'.\n`);
    }
  });
});

describe.skipIf(!raw || !netns)(`bsdsock ping in a network namespace of its own${RAW_NOTE}${NETNS_NOTE}`, () => {
  it('without CAP_NET_RAW uses the unprivileged ICMP socket (SOCK_DGRAM) where ping_group_range allows it, IPv4 and IPv6', async () => {
    const v4 = inNetns('sysctl -q -w net.ipv4.ping_group_range="0 0"', ['ping', '-v', '-c', '2', '-i', '0.05', '127.0.0.1'], true);
    expect(await v4.exit()).toEqual({ code: 0, signal: null });
    expect(v4.stderr).toBe('');
    expectPingOutput(v4.lines, { host: '127.0.0.1', addr: '127.0.0.1', size: 56, count: 2, ipv6: false, verbose: 'socket: AF_INET, SOCK_DGRAM (the unprivileged ICMP socket), IPPROTO_ICMP' });
    const v6 = inNetns('sysctl -q -w net.ipv4.ping_group_range="0 0"', ['ping', '-6', '-v', '-c', '2', '-i', '0.05', '::1'], true);
    expect(await v6.exit()).toEqual({ code: 0, signal: null });
    expectPingOutput(v6.lines, { host: '::1', addr: '::1', size: 56, count: 2, ipv6: true, verbose: 'socket: AF_INET6, SOCK_DGRAM (the unprivileged ICMP socket), IPPROTO_ICMPV6' });
  });

  it('without CAP_NET_RAW and outside ping_group_range: a clear EPERM / EACCES message, status 2', async () => {
    const p = inNetns('sysctl -q -w net.ipv4.ping_group_range="1 0"', ['ping', '-c', '1', '127.0.0.1'], true);
    expect(await p.exit()).toEqual({ code: 2, signal: null });
    expect(p.lines).toEqual([]);
    expect(p.stderr).toBe(
      'bsdsock ping: 127.0.0.1: socket(AF_INET, SOCK_RAW, IPPROTO_ICMP): EPERM (Operation not permitted): ' +
        'raw sockets need CAP_NET_RAW (run as root, or setcap cap_net_raw+ep on node); ' +
        'the unprivileged ICMP socket (AF_INET, SOCK_DGRAM, IPPROTO_ICMP) failed too: EACCES (Permission denied): ' +
        'group 0 is outside net.ipv4.ping_group_range (1 0); allow it with sysctl -w net.ipv4.ping_group_range="0 0"\n',
    );
  });

  it('no reply (the namespace ignores echo requests): 100% packet loss, status 1', async () => {
    const p = inNetns('sysctl -q -w net.ipv4.icmp_echo_ignore_all=1', ['ping', '-c', '2', '-i', '0.05', '-W', '0.3', '127.0.0.1']);
    expect(await p.exit()).toEqual({ code: 1, signal: null });
    expect(p.lines.slice(0, 4)).toEqual(['PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.', '', '--- 127.0.0.1 ping statistics ---', expect.stringMatching(/^2 packets transmitted, 0 received, 100% packet loss, time \d+ms$/)]);
    expect(p.lines).toHaveLength(4);
  });
});

describe.skipIf(!raw || !setpriv)(`without CAP_NET_RAW (setpriv drops it for the child)${RAW_NOTE}`, () => {
  const drop = ['setpriv', '--inh-caps=-net_raw', '--bounding-set=-net_raw'];

  it('ping: EPERM for SOCK_RAW, and the reason the ICMP socket failed too', async () => {
    const range = fs.readFileSync('/proc/sys/net/ipv4/ping_group_range', 'utf8').trim().split(/\s+/).map(Number);
    const p = Program.bsdsock(['ping', '-c', '1', '127.0.0.1'], drop);
    if (range[0] <= 0 && 0 <= range[1]) {
      // This host lets group 0 use ICMP sockets: ping works without the capability.
      expect(await p.exit()).toEqual({ code: 0, signal: null });
      return;
    }
    expect(await p.exit()).toEqual({ code: 2, signal: null });
    expect(p.stderr).toMatch(
      /^bsdsock ping: 127\.0\.0\.1: socket\(AF_INET, SOCK_RAW, IPPROTO_ICMP\): EPERM \(Operation not permitted\): raw sockets need CAP_NET_RAW .*: group 0 is outside net\.ipv4\.ping_group_range \(\d+ \d+\).*\n$/,
    );
  });

  it('sniff: EPERM, saying that capturing needs CAP_NET_RAW', async () => {
    const p = Program.bsdsock(['sniff', '-c', '1'], drop);
    expect(await p.exit()).toEqual({ code: 2, signal: null });
    expect(p.lines).toEqual([]);
    expect(p.stderr).toBe('bsdsock sniff: socket(AF_PACKET, SOCK_RAW, ETH_P_ALL): EPERM (Operation not permitted): capturing packets needs CAP_NET_RAW (run as root, or setcap cap_net_raw+ep on node)\n');
  });
});

// ---- sniff -----------------------------------------------------------------------

/** Splits sniff's output into frames: each a `#n ...` line and its indented layer lines. */
function frames(lines: string[]): string[][] {
  const out: string[][] = [];
  for (const l of lines) {
    if (l.startsWith('#')) out.push([l]);
    else if (l.startsWith('  ') && out.length > 0) out.at(-1)!.push(l.slice(2));
  }
  return out;
}

const ETH_IPV4 = 'Ethernet 00:00:00:00:00:00 > 00:00:00:00:00:00, type 0x0800 (IPv4)';
const ETH_IPV6 = 'Ethernet 00:00:00:00:00:00 > 00:00:00:00:00:00, type 0x86dd (IPv6)';
const ipv4Line = (proto: string, length: number): RegExp =>
  new RegExp(`^IPv4 127\\.0\\.0\\.1 > 127\\.0\\.0\\.1, proto ${proto}, ttl 64, tos 0x00, id \\d+, flags \\[DF\\], offset 0, length ${length}, header 20, checksum 0x[0-9a-f]{4} ok$`);

// Python: a UDP receiver on a free port and a sender bound to another;
// prints both ports, waits for a line on stdin, then sends the datagram
// every 100 ms (a packet socket may drop frames when lo is busy) until it
// is killed.
const PY_UDP = `
import socket, sys, time
fam, host = (socket.AF_INET6, '::1') if sys.argv[1] == '6' else (socket.AF_INET, '127.0.0.1')
rx = socket.socket(fam, socket.SOCK_DGRAM); rx.bind((host, 0))
tx = socket.socket(fam, socket.SOCK_DGRAM); tx.bind((host, 0))
print(rx.getsockname()[1], tx.getsockname()[1], flush=True)
sys.stdin.readline()  # the test says go once sniff is capturing
for i in range(100):
    tx.sendto(b'hello, sniff \\xc2\\xa3', (host, rx.getsockname()[1]))
    time.sleep(0.1)
`;

describe.skipIf(!raw)(`bsdsock sniff${RAW_NOTE}`, () => {
  it("captures Python's UDP datagram on lo: Ethernet, IPv4 (header checksum verified), UDP, data", async () => {
    const py = python(PY_UDP, ['4']);
    const [rxPort, txPort] = (await py.waitFor(/^\d+ \d+$/)).split(' ').map(Number);
    const sniff = Program.bsdsock(['sniff', '-i', 'lo', '-c', '1', '--port', String(rxPort)]);
    expect(await sniff.waitFor(/^Capturing on /)).toBe(`Capturing on lo, TCP / UDP port ${rxPort}`);
    py.child.stdin!.write('go\n');
    expect(await sniff.exit()).toEqual({ code: 0, signal: null });
    const [f] = frames(sniff.lines);
    expect(f).toEqual([
      '#1 lo in, 57 bytes',
      ETH_IPV4,
      expect.stringMatching(ipv4Line('17 \\(UDP\\)', 43)),
      expect.stringMatching(new RegExp(`^UDP ${txPort} > ${rxPort}, length 23, checksum 0x[0-9a-f]{4}$`)),
      "data 15 bytes b'hello, sniff \\xc2\\xa3'",
    ]);
    expect(sniff.lines.at(-1)).toMatch(/^1 frame captured, \d+ dropped by the kernel$/);
  });

  it('Ctrl-C (SIGINT) ends the capture with its count', async () => {
    const sniff = Program.bsdsock(['sniff', '-i', 'lo', '--port', '1']); // tcpmux: nothing on lo uses it
    await sniff.waitFor(/^Capturing on lo, TCP \/ UDP port 1$/);
    sniff.child.kill('SIGINT');
    expect(await sniff.exit()).toEqual({ code: 0, signal: null });
    expect(sniff.lines).toEqual(['Capturing on lo, TCP / UDP port 1', expect.stringMatching(/^0 frames captured, \d+ dropped by the kernel$/)]);
  });

  it('names a missing interface', async () => {
    const p = Program.bsdsock(['sniff', '-i', 'nosuchif0', '-c', '1']);
    expect(await p.exit()).toEqual({ code: 2, signal: null });
    expect(p.stderr).toBe('bsdsock sniff: no interface named "nosuchif0" (ENODEV)\n');
  });
});

describe.skipIf(!raw || !netns)(`bsdsock sniff on a loopback of its own (network namespace)${RAW_NOTE}${NETNS_NOTE}`, () => {
  it("sees bsdsock ping's ICMP and ICMPv6 echo requests and the kernel's replies", async () => {
    const sniff = inNetns('', ['sniff', '-i', 'lo', '-c', '4']);
    await sniff.waitFor(/^Capturing on lo$/);
    const ns = ['nsenter', '-t', String(sniff.child.pid), '-n'];
    const v6 = Program.bsdsock(['ping', '-6', '-c', '1', '::1'], ns);
    expect(await v6.exit()).toEqual({ code: 0, signal: null });
    const v4 = Program.bsdsock(['ping', '-c', '1', '-s', '4', '127.0.0.1'], ns);
    expect(await v4.exit()).toEqual({ code: 0, signal: null });
    expect(await sniff.exit()).toEqual({ code: 0, signal: null });
    // nsenter execs the program: its pid is ping's, and ping's identifier is pid & 0xffff.
    const [id6, id4] = [v6.child.pid! & 0xffff, v4.child.pid! & 0xffff];
    const data56 = String.raw`b'\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFG'`;
    const data4 = String.raw`b'\x10\x11\x12\x13'`;
    const f = frames(sniff.lines);
    expect(f.map((x) => x.filter((l) => !l.startsWith('IPv'))).map((x) => x.join(' | '))).toEqual([
      `#1 lo in, 118 bytes | ${ETH_IPV6} | ICMPv6 type 128 (echo request), code 0, id ${id6}, seq 1, length 64 | data 56 bytes ${data56}`,
      `#2 lo in, 118 bytes | ${ETH_IPV6} | ICMPv6 type 129 (echo reply), code 0, id ${id6}, seq 1, length 64 | data 56 bytes ${data56}`,
      `#3 lo in, 46 bytes | ${ETH_IPV4} | ICMP type 8 (echo request), code 0, id ${id4}, seq 1, length 12 | data 4 bytes ${data4}`,
      `#4 lo in, 46 bytes | ${ETH_IPV4} | ICMP type 0 (echo reply), code 0, id ${id4}, seq 1, length 12 | data 4 bytes ${data4}`,
    ]);
    expect(f[0][2]).toMatch(/^IPv6 ::1 > ::1, next header 58 \(ICMPv6\), hop limit 64, class 0x00, flow \d+, payload length 64$/);
    expect(f[2][2]).toMatch(ipv4Line('1 \\(ICMP\\)', 32));
    // The reply's IPv4 header: no DF (the kernel's ICMP reply), its checksum verified too.
    expect(f[3][2]).toMatch(/^IPv4 127\.0\.0\.1 > 127\.0\.0\.1, proto 1 \(ICMP\), ttl 64, tos 0x00, id \d+, flags \[none\], offset 0, length 32, header 20, checksum 0x[0-9a-f]{4} ok$/);
  });

  it("IPv6 UDP from Python: the IPv6 header's fields", async () => {
    const sniff = inNetns('', ['sniff', '-i', 'lo', '-c', '1', '--port', '5353']);
    await sniff.waitFor(/^Capturing on lo/);
    const py = python(PY_UDP.replace('rx.bind((host, 0))', 'rx.bind((host, 5353))'), ['6'], sniff.child.pid);
    const [, txPort] = (await py.waitFor(/^\d+ \d+$/)).split(' ').map(Number);
    py.child.stdin!.write('go\n');
    expect(await sniff.exit()).toEqual({ code: 0, signal: null });
    expect(frames(sniff.lines)).toEqual([
      [
        '#1 lo in, 77 bytes',
        ETH_IPV6,
        expect.stringMatching(/^IPv6 ::1 > ::1, next header 17 \(UDP\), hop limit 64, class 0x00, flow \d+, payload length 23$/),
        expect.stringMatching(new RegExp(`^UDP ${txPort} > 5353, length 23, checksum 0x[0-9a-f]{4}$`)),
        "data 15 bytes b'hello, sniff \\xc2\\xa3'",
      ],
    ]);
    expect(sniff.lines.at(-1)).toBe('1 frame captured, 0 dropped by the kernel');
  });

  it("a TCP handshake and one segment between Python's sockets: flags, sequence numbers, payload", async () => {
    const sniff = inNetns('', ['sniff', '-i', 'lo', '-c', '5', '--port', '8881']);
    await sniff.waitFor(/^Capturing on lo/);
    const py = python(
      `import socket
l = socket.socket(); l.bind(('127.0.0.1', 8881)); l.listen()
c = socket.create_connection(('127.0.0.1', 8881)); a, _ = l.accept()
c.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n')
assert a.recv(100) == b'GET / HTTP/1.0\\r\\n\\r\\n'
print(c.getsockname()[1], flush=True)
import sys; sys.stdin.read()`,
      [],
      sniff.child.pid,
    );
    const client = Number(await py.waitFor(/^\d+$/));
    expect(await sniff.exit()).toEqual({ code: 0, signal: null });
    const f = frames(sniff.lines);
    expect(f.map((x) => x.slice(0, 2))).toEqual([
      ['#1 lo in, 74 bytes', ETH_IPV4],
      ['#2 lo in, 74 bytes', ETH_IPV4],
      ['#3 lo in, 66 bytes', ETH_IPV4],
      ['#4 lo in, 84 bytes', ETH_IPV4],
      ['#5 lo in, 66 bytes', ETH_IPV4],
    ]);
    expect(f.map((x) => x[2])).toEqual([ipv4Line('6 \\(TCP\\)', 60), ipv4Line('6 \\(TCP\\)', 60), ipv4Line('6 \\(TCP\\)', 52), ipv4Line('6 \\(TCP\\)', 70), ipv4Line('6 \\(TCP\\)', 52)].map((re) => expect.stringMatching(re)));
    const tcp = f.map((x) => /^TCP (\d+) > (\d+), flags \[([^\]]+)\], seq (\d+), ack (\d+), win \d+, header (\d+), length (\d+)$/.exec(x[3])!);
    expect(tcp.map((m) => [Number(m[1]), Number(m[2]), m[3], Number(m[6]), Number(m[7])])).toEqual([
      [client, 8881, 'S', 40, 0],
      [8881, client, 'S.', 40, 0],
      [client, 8881, '.', 32, 0],
      [client, 8881, 'P.', 32, 18],
      [8881, client, '.', 32, 0],
    ]);
    const seq = tcp.map((m) => Number(m[4]));
    const ack = tcp.map((m) => Number(m[5]));
    // The SYN-ACK acknowledges the SYN's sequence number + 1, and so on.
    expect(ack[1]).toBe((seq[0] + 1) % 2 ** 32);
    expect([seq[2], ack[2]]).toEqual([ack[1], (seq[1] + 1) % 2 ** 32]);
    expect(seq[3]).toBe(seq[2]);
    expect(ack[4]).toBe((seq[3] + 18) % 2 ** 32);
    expect(f[3][4]).toBe("data 18 bytes b'GET / HTTP/1.0\\r\\n\\r\\n'");
    expect(sniff.lines.at(-1)).toBe('5 frames captured, 0 dropped by the kernel');
  });
});
