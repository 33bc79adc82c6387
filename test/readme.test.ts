// Every code example of README.md, run as a user runs it: the code blocks are
// read from README.md itself (no copy that could drift), written into a
// scratch project whose node_modules/bsdsock is this package, compiled with
// the README's own tsconfig.json where they are TypeScript, and run with
// `node FILE` against real peers (node:net, python3's socket module, each
// other). The only edits are the ports and paths, swapped for free ones, each
// of which must occur exactly once in its block.
import { spawn, spawnSync, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as vm from 'node:vm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Socket, AF_INET, SOCK_DGRAM, SOCK_STREAM } from '../lib/index';
import { BIN, ensureExamplesBuilt, ROOT } from './examples-helpers';

interface Block {
  lang: string;
  /** The file name on the block's first line (`// echo-server.mjs`), else `<heading> #<n>`. */
  name: string;
  heading: string;
  code: string;
}

/** The fenced code blocks of README.md (indented ones too, as in a list), in order. */
function readmeBlocks(): Block[] {
  const lines = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n');
  const blocks: Block[] = [];
  let heading = '';
  const perHeading = new Map<string, number>();
  for (let i = 0; i < lines.length; i++) {
    const h = /^#{1,4} (.+)$/.exec(lines[i]);
    if (h !== null) heading = h[1];
    const open = /^( *)```(\w*)$/.exec(lines[i]);
    if (open === null) continue;
    const [, indent, lang] = open;
    let j = i + 1;
    while (j < lines.length && lines[j] !== `${indent}\`\`\``) j++;
    if (j === lines.length) throw new Error(`README.md:${i + 1}: a code block that never ends`);
    const code = lines.slice(i + 1, j).map((l) => l.slice(indent.length)).join('\n') + '\n';
    const n = (perHeading.get(heading) ?? 0) + 1;
    perHeading.set(heading, n);
    const file = /^\/\/ ([\w.-]+\.(?:mjs|mts|json))\b/.exec(code);
    blocks.push({ lang, heading, code, name: file !== null ? file[1] : `${heading} #${n}` });
    i = j;
  }
  return blocks;
}

const blocks = readmeBlocks();

function block(name: string): string {
  const b = blocks.find((x) => x.name === name);
  if (b === undefined) throw new Error(`README.md has no block ${name}`);
  return b.code;
}

/** `code` with `from` replaced by `to`; `from` must occur exactly once. */
function swap(code: string, from: string, to: string | number): string {
  const parts = code.split(from);
  if (parts.length !== 2) throw new Error(`${JSON.stringify(from)} occurs ${parts.length - 1} times, not once, in:\n${code}`);
  return parts.join(String(to));
}

// ---- a user's project --------------------------------------------------------

let dir = '';
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

beforeAll(() => {
  ensureExamplesBuilt(); // dist/ (index.mjs, index.d.mts) must be there
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-readme-'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'bsdsock'));
  fs.symlinkSync(path.join(ROOT, 'node_modules', '@types'), path.join(dir, 'node_modules', '@types'));
}, 120_000);

const running = new Set<Program>();
afterEach(async () => {
  await Promise.all([...running].map((p) => p.kill()));
});
afterAll(async () => {
  await Promise.all([...running].map((p) => p.kill()));
  if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
});

/** Writes `code` to `file` in the project. */
function write(file: string, code: string): string {
  const p = path.join(dir, file);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, code);
  return p;
}

/** `node FILE args` in the project, stdout read as lines. */
class Program {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  stderr = '';
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #poke: (() => void)[] = [];

  constructor(cmd: string, args: string[]) {
    this.child = spawn(cmd, args, { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(this);
    readline.createInterface({ input: this.child.stdout }).on('line', (l) => {
      this.lines.push(l);
      this.#wake();
    });
    this.child.stderr.setEncoding('utf8').on('data', (s: string) => {
      this.stderr += s;
      this.#wake();
    });
    this.closed = new Promise((resolve) =>
      this.child.on('close', (code, signal) => {
        running.delete(this);
        this.#wake();
        resolve({ code, signal });
      }),
    );
  }

  static node(file: string, ...args: string[]): Program {
    return new Program(process.execPath, [file, ...args]);
  }

  #wake(): void {
    for (const f of this.#poke.splice(0)) f();
  }

  /** Resolves once `ok()` holds (checked on every output); rejects after `ms`. */
  until<T>(ok: () => T | undefined, what: string, ms = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms\nstdout: ${this.lines.join('\n')}\nstderr: ${this.stderr}`)), ms);
      const check = (): void => {
        const v = ok();
        if (v !== undefined) {
          clearTimeout(timer);
          resolve(v);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          clearTimeout(timer);
          reject(new Error(`${what}: exited (${this.child.exitCode ?? this.child.signalCode})\nstdout: ${this.lines.join('\n')}\nstderr: ${this.stderr}`));
        } else this.#poke.push(check);
      };
      check();
    });
  }

  /** The first capture group of the first stdout line matching `re`. */
  line(re: RegExp): Promise<string> {
    return this.until(() => this.lines.map((l) => re.exec(l)?.[1]).find((v) => v !== undefined), `a line ${re}`);
  }

  /** Waits (bounded) for the exit; SIGKILL by pid if it does not come. */
  async exit(ms = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    try {
      const r = await this.closed;
      return { ...r, stdout: this.lines.map((l) => l + '\n').join(''), stderr: this.stderr };
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.closed;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}

/** A server block started on a free port: the port it prints, from `re`. */
async function serve(file: string, code: string, re: RegExp): Promise<{ server: Program; port: number }> {
  write(file, code);
  const server = Program.node(file);
  return { server, port: Number(await server.line(re)) };
}

/** A node:net client: sends `data`, resolves with all it receives until `until(received)` holds. */
function netExchange(port: number, data: Buffer, until: (got: Buffer) => boolean): Promise<{ got: Buffer; sock: net.Socket }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    sock.on('connect', () => sock.write(data));
    sock.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (until(got)) resolve({ got, sock });
    });
    sock.on('error', reject);
  });
}

// ---- the tests -------------------------------------------------------------------

describe('README.md', () => {
  it('every example in it is run here', () => {
    // A block added to the README without a test here fails this.
    expect(blocks.filter((b) => ['js', 'ts', 'json'].includes(b.lang)).map((b) => b.name)).toEqual([
      'echo-server.mjs',
      'echo-client.mts',
      'tsconfig.json',
      'udp-echo-server.mjs',
      'udp-client.mjs',
      'upper-server.mjs',
      'greeting.mjs',
      'selector-echo.mjs',
      'pktinfo.mjs',
    ]);
    expect(blocks.filter((b) => b.lang === 'sh').map((b) => b.name)).toEqual([
      'Install and the two commands #1', // npm install bsdsock: the packaging test installs the tarball
      'Install and the two commands #2', // npm install / npm test / npm run bench: what runs this suite
      'A first example #4', // the bsdsock commands: below
      'More examples #4', // the python3 SEQPACKET client: below
      'Reliability #1', // npm run fuzz (test/fuzz.test.ts runs the fuzzer) / npm run stress (a tool, run by hand)
    ]);
    // The rest are not code (the layout tree).
    expect(blocks.filter((b) => !['js', 'ts', 'json', 'sh'].includes(b.lang)).map((b) => [b.lang, b.heading])).toEqual([['', 'Layout']]);
  });
});

describe('A first example', () => {
  it('the echo server serves node:net and python3 clients, and outlives a client that resets', async () => {
    const { server, port } = await serve('echo-server.mjs', swap(block('echo-server.mjs'), '8881', 0), /^echo server on \[ '127\.0\.0\.1', (\d+) \]$/);
    expect(server.lines).toEqual([`echo server on [ '127.0.0.1', ${port} ]`]);

    const text = Buffer.from('hello £€\n'.repeat(300)); // more than one recvInto(1024)
    const a = await netExchange(port, text, (got) => got.length >= text.length);
    expect(a.got).toEqual(text);
    // This client resets its connection (RST) while the server waits in recvInto.
    const clientPort = a.sock.localPort;
    a.sock.resetAndDestroy();
    expect(await server.until(() => (server.stderr.includes('\n') ? server.stderr : undefined), 'the reset reported')).toBe(`127.0.0.1:${clientPort}: ECONNRESET\n`);
    expect(server.alive).toBe(true);

    const py = execFileSync('python3', ['-c', `import socket\ns = socket.create_connection(('127.0.0.1', ${port}))\ns.sendall(b'from python')\nprint(s.recv(100))\ns.close()`], { encoding: 'utf8', timeout: 10_000 });
    expect(py).toBe("b'from python'\n");
    expect(server.alive).toBe(true);
    expect(server.stderr).toBe(`127.0.0.1:${clientPort}: ECONNRESET\n`);
  });

  it('the TypeScript client compiles with the README tsconfig.json and runs on this Node', async () => {
    const { port } = await serve('echo-server.mjs', swap(block('echo-server.mjs'), '8881', 0), /^echo server on \[ '127\.0\.0\.1', (\d+) \]$/);
    write('client/echo-client.mts', swap(block('echo-client.mts'), '8881', port));
    write('client/tsconfig.json', block('tsconfig.json'));
    const tsc = spawnSync(process.execPath, [TSC, '-p', 'client'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
    const js = fs.readFileSync(path.join(dir, 'client', 'echo-client.mjs'), 'utf8');
    expect(js).not.toMatch(/^\s*using /m); // target ES2022: try/finally, no `using` left
    expect(await Program.node('client/echo-client.mjs').exit()).toEqual({ code: 0, signal: null, stdout: 'hello\n', stderr: '' });
  }, 150_000);

  it('where `using` works, as the README says: tsc for target ESNext leaves it, and plain JavaScript has it from Node 24 on', async () => {
    const { port } = await serve('echo-server.mjs', swap(block('echo-server.mjs'), '8881', 0), /^echo server on \[ '127\.0\.0\.1', (\d+) \]$/);
    write('esnext/echo-client.mts', swap(block('echo-client.mts'), '8881', port));
    const config = swap(block('tsconfig.json'), '"target": "ES2022"', '"target": "ESNext"');
    write('esnext/tsconfig.json', config);
    const tsc = spawnSync(process.execPath, [TSC, '-p', 'esnext'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(fs.readFileSync(path.join(dir, 'esnext', 'echo-client.mjs'), 'utf8')).toMatch(/^ {4}using sock = new Socket\(AF_INET, SOCK_STREAM\);$/m);
    const native = await Program.node('esnext/echo-client.mjs').exit();
    const major = Number(process.versions.node.split('.')[0]);
    if (major < 24) {
      expect(native.code).toBe(1);
      expect(native.stderr).toMatch(/^SyntaxError: /m);
      expect(() => new vm.Script('{ using x = null; }')).toThrow(SyntaxError);
    } else {
      expect(native).toEqual({ code: 0, signal: null, stdout: 'hello\n', stderr: '' });
      expect(() => new vm.Script('{ using x = null; }')).not.toThrow();
    }
  }, 150_000);

  it('the bsdsock commands it lists exist, with the options shown', () => {
    const commands = block('A first example #4')
      .split('\n')
      .filter((l) => l.startsWith('npx bsdsock '))
      .flatMap((l) => [l.split('#')[0], ...(/# .*(npx bsdsock [^;]+)$/.exec(l)?.slice(1) ?? [])])
      .map((l) => l.trim().split(/\s+/).slice(2));
    expect(commands).toEqual([
      ['udp-echo-server'],
      ['tcp-echo-server'],
      ['threaded-echo-server'],
      ['chat-server'],
      ['chat-client', '--nick', 'alice'],
      ['tls-echo-server', '--cert', 'cert.pem', '--key', 'key.pem'],
      ['ping', '-c', '3', '127.0.0.1'],
      ['sniff', '-i', 'lo', '-c', '10'],
      ['reuseport-echo-server', '--workers', '4'],
    ]);
    for (const argv of commands) {
      // With --help each prints its usage, after checking the options given.
      const r = spawnSync(process.execPath, [BIN, ...argv, '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 10_000 });
      expect({ status: r.status, stderr: r.stderr, first: r.stdout.split('\n')[0] }).toEqual({ status: 0, stderr: '', first: `Usage: bsdsock ${argv[0]} [options]${argv[0] === 'ping' ? ' HOST' : ''}` });
    }
  });
});

describe('More examples', () => {
  it('UDP: the server echoes python3\'s datagrams, and the client gets its reply from it', async () => {
    const { server, port } = await serve('udp-echo-server.mjs', swap(block('udp-echo-server.mjs'), '8883', 0), /^UDP echo server on \[ '127\.0\.0\.1', (\d+) \]$/);
    expect(server.lines).toEqual([`UDP echo server on [ '127.0.0.1', ${port} ]`]);
    const py = execFileSync(
      'python3',
      ['-c', `import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.settimeout(5)\nfor d in (b'one', b'two \\xc2\\xa3', b''):\n    s.sendto(d, ('127.0.0.1', ${port}))\n    print(s.recvfrom(100))`],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(py).toBe([`(b'one', ('127.0.0.1', ${port}))`, `(b'two \\xc2\\xa3', ('127.0.0.1', ${port}))`, `(b'', ('127.0.0.1', ${port}))`, ''].join('\n'));
    write('udp-client.mjs', swap(block('udp-client.mjs'), '8883', port));
    expect(await Program.node('udp-client.mjs').exit()).toEqual({ code: 0, signal: null, stdout: `ping from 127.0.0.1:${port}\n`, stderr: '' });
  });

  it('UDP: with no server the client says so after its 2 s timeout', async () => {
    using silent = new Socket(AF_INET, SOCK_DGRAM); // takes the datagram, never answers
    silent.bind(['127.0.0.1', 0]);
    const port = (silent.getsockname() as [string, number])[1];
    write('udp-client-alone.mjs', swap(block('udp-client.mjs'), '8883', port));
    const started = Date.now();
    expect(await Program.node('udp-client-alone.mjs').exit()).toEqual({ code: 0, signal: null, stdout: 'no reply within 2 s\n', stderr: '' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(silent.recvSync(100)).toEqual(Buffer.from('ping'));
  });

  it('AF_UNIX SOCK_SEQPACKET: the python3 client of the README gets one reply per message, twice over', async () => {
    const sockPath = path.join(dir, 'upper.sock');
    fs.writeFileSync(sockPath, 'left by an earlier run'); // the server removes it
    write('upper-server.mjs', swap(block('upper-server.mjs'), '/tmp/upper.sock', sockPath));
    const server = Program.node('upper-server.mjs');
    expect(await server.line(/^listening on (.+)$/)).toBe(sockPath);
    const client = swap(block('More examples #4'), '/tmp/upper.sock', sockPath);
    for (let i = 0; i < 2; i++) {
      const r = spawnSync('bash', ['-c', client], { cwd: dir, encoding: 'utf8', timeout: 10_000 });
      expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: "b'HELLO' b'WORLD'\n", stderr: '' });
    }
    expect(server.alive).toBe(true);
    expect(server.stderr).toBe('');
  });

  it('err.code: a greeting, ECONNREFUSED, and ETIMEDOUT from a server that says nothing', async () => {
    write('greeting.mjs', block('greeting.mjs'));
    const servers: net.Server[] = [];
    const listen = (onConn: (s: net.Socket) => void): Promise<number> =>
      new Promise((resolve) => {
        const srv = net.createServer(onConn).listen(0, '127.0.0.1', () => resolve((srv.address() as net.AddressInfo).port));
        servers.push(srv);
      });
    const held: net.Socket[] = [];
    try {
      const greeter = await listen((s) => s.end('hello from node:net'));
      expect(await Program.node('greeting.mjs', String(greeter)).exit()).toEqual({ code: 0, signal: null, stdout: 'hello from node:net\n', stderr: '' });

      using closed = new Socket(AF_INET, SOCK_STREAM); // bound, not listening: connect is refused
      closed.bind(['127.0.0.1', 0]);
      const refused = (closed.getsockname() as [string, number])[1];
      expect(await Program.node('greeting.mjs', String(refused)).exit()).toEqual({ code: 0, signal: null, stdout: `nothing listens on 127.0.0.1:${refused}\n`, stderr: '' });

      const silent = await listen((s) => void held.push(s));
      const started = Date.now();
      expect(await Program.node('greeting.mjs', String(silent)).exit()).toEqual({ code: 0, signal: null, stdout: `127.0.0.1:${silent} said nothing for 2 s\n`, stderr: '' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    } finally {
      for (const s of held) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    }
  });
});

describe('Selectors, ancillary data and options', () => {
  it('the selector echo server serves two python3 clients at once', async () => {
    const { server, port } = await serve('selector-echo.mjs', swap(block('selector-echo.mjs'), '8886', 0), /^selector echo server on \[ '127\.0\.0\.1', (\d+) \]$/);
    const py = execFileSync(
      'python3',
      ['-c', `import socket\na = socket.create_connection(('127.0.0.1', ${port}))\nb = socket.create_connection(('127.0.0.1', ${port}))\na.sendall(b'one'); b.sendall(b'two')\nprint(a.recv(100), b.recv(100))\na.close(); b.close()`],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(py).toBe("b'one' b'two'\n");
    expect(server.alive).toBe(true);
  });

  it('pktinfo: the datagram\'s destination address, and the TTL the sender set for it', async () => {
    write('pktinfo.mjs', block('pktinfo.mjs'));
    const r = await Program.node('pktinfo.mjs').exit();
    expect(r).toEqual({ code: 0, signal: null, stdout: 'hi sent to 127.0.0.1 on interface 1\nttl 5\n', stderr: '' });
  });
});
