// The example programs as command-line tools (issue 10, items 6 and 11):
// output piped into `head -1`, the UDP client with no server, the chat client
// on a real pseudo-terminal (python3's pty module) with a line half typed
// when a message arrives, each command's help, the servers' `Serving at`
// line, and a server restarted on its port at once after Ctrl-C while its
// connection is in TIME_WAIT.
import { spawn, spawnSync, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Socket, AF_INET, SOCK_DGRAM, SOCK_STREAM } from '../lib/index';
import { usage } from '../examples/common';
import { command as udpClient } from '../examples/udp-echo-client';
import { command as tcpClient } from '../examples/tcp-echo-client';
import { command as chatClient } from '../examples/chat-client';
import { command as udpServer } from '../examples/udp-echo-server';
import { command as tcpServer } from '../examples/tcp-echo-server';
import { command as threaded } from '../examples/threaded-echo-server';
import { command as echoV1 } from '../examples/echo-v1';
import { command as echoV2 } from '../examples/echo-v2';
import { command as chatServer } from '../examples/chat-server';
import { BIN, ensureExamplesBuilt, LineClient, Proc, ROOT, startServer, stopAll, within } from './examples-helpers';

beforeAll(ensureExamplesBuilt, 120_000);
afterEach(stopAll);
afterAll(stopAll);

/** The exit of a child process, bounded: SIGKILL (by its pid) after `ms`. */
function exited(child: ChildProcess, ms = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

describe('output piped into head -1', () => {
  /**
   * Runs `bsdsock <args>` with its stdout piped into `head -1` (this process
   * keeps no end of that pipe); resolves with head's output once head has
   * exited, that is once the pipe has no reader left.
   */
  async function intoHead(args: string[]): Promise<{ proc: ChildProcessWithoutNullStreams; stderr: () => string; headOut: string }> {
    const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const head = spawn('head', ['-1'], { stdio: [proc.stdout, 'pipe', 'ignore'] });
    proc.stdout.destroy(); // head's copy of the read end is now the only one
    let headOut = '';
    head.stdout.setEncoding('utf8').on('data', (s: string) => (headOut += s));
    expect(await exited(head)).toEqual({ code: 0, signal: null });
    return { proc, stderr: () => stderr, headOut };
  }

  it('tcp-echo-client | head -1: the next line ends the client as SIGPIPE ends a C program, with no message', async () => {
    const { port } = await startServer(['tcp-echo-server', '--port', '0']);
    const { proc, stderr, headOut } = await intoHead(['tcp-echo-client', '--port', String(port), '--stdin']);
    expect(headOut).toBe(`Connected to server localhost:${port}\n`);
    proc.stdin.write('one\n'); // its SENT line meets the closed pipe
    expect(await exited(proc)).toEqual({ code: null, signal: 'SIGPIPE' });
    expect(stderr()).toBe('');
  });

  it('udp-echo-server | head -1: the first datagram ends it (SIGPIPE), though its thread blocks in recvfromSync', async () => {
    const { proc, stderr, headOut } = await intoHead(['udp-echo-server', '--port', '0']);
    const port = Number(/, (\d+)\)\n$/.exec(headOut)?.[1]);
    expect(headOut).toBe(`Serving at ('127.0.0.1', ${port})\n`);
    using c = new Socket(AF_INET, SOCK_DGRAM);
    c.sendtoSync(Buffer.from('ping'), ['127.0.0.1', port]);
    expect(await exited(proc)).toEqual({ code: null, signal: 'SIGPIPE' });
    expect(stderr()).toBe('');
  });

  // threaded-echo-server: the line is printed by a worker thread, which then
  // blocks in recvSync (process.exit() would wait for it forever).
  it.each([['echo-v1'], ['threaded-echo-server'], ['chat-server']])('%s | head -1: the first client ends it (SIGPIPE)', async (cmd) => {
    const { proc, stderr, headOut } = await intoHead([cmd, '--port', '0', ...(cmd === 'threaded-echo-server' ? ['--workers', '2'] : [])]);
    const port = Number(/, (\d+)\)\n$/.exec(headOut)?.[1]);
    expect(headOut).toBe(`Serving at ('127.0.0.1', ${port})\n`);
    const client = await LineClient.connect(port); // 'Connected from ...' meets the closed pipe
    expect(await exited(proc)).toEqual({ code: null, signal: 'SIGPIPE' });
    expect(stderr()).toBe('');
    await client.close();
  });

  it('a write error other than EPIPE still fails loudly', () => {
    // stdout on a read-only file: EBADF, a real error, not a reader gone.
    const file = `/tmp/bsdsock-cli-${process.pid}.txt`;
    fs.writeFileSync(file, '');
    const fd = fs.openSync(file, 'r');
    try {
      const r = spawnSync(process.execPath, [BIN, '--help'], { cwd: ROOT, stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', timeout: 10_000 });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/EBADF/);
    } finally {
      fs.closeSync(fd);
      fs.rmSync(file);
    }
  });
});

describe('udp-echo-client --timeout', () => {
  it('with no server: a clear message and status 1 after the timeout', async () => {
    // A bound socket that never answers: nothing else can take the port meanwhile.
    using silent = new Socket(AF_INET, SOCK_DGRAM);
    silent.bind(['127.0.0.1', 0]);
    const port = (silent.getsockname() as [string, number])[1];
    const started = Date.now();
    const client = new Proc(['udp-echo-client', '--port', String(port), '--timeout', '0.5']);
    expect(await client.exit()).toEqual({ code: 1, signal: null });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(500);
    expect(client.lines).toEqual([`SENT b'This is a bunch of lines, each' (30 of 30) to ('localhost', ${port})`]);
    expect(client.stderr).toBe(`error: no echo from ('localhost', ${port}) within 0.5 s: is udp-echo-server running there? (--timeout to wait longer)\n`);
    expect(silent.recvSync(1024).toString()).toBe('This is a bunch of lines, each');
  });

  it('defaults to 5 s, and rejects a timeout that is not a positive number', () => {
    expect(usage(udpClient)).toContain('-t, --timeout SEC  how long to wait for each echo (default: 5)\n');
    for (const bad of ['0', '-1', 'soon', '1e3']) {
      const r = spawnSync(process.execPath, [BIN, 'udp-echo-client', `--timeout=${bad}`], { cwd: ROOT, encoding: 'utf8', timeout: 10_000 });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: `bsdsock udp-echo-client: --timeout must be a positive number of seconds, not ${bad}\n` });
    }
  });
});

describe('help and output styles', () => {
  it('only a server offers port 0 (any free port)', () => {
    for (const cmd of [udpServer, tcpServer, threaded, echoV1, echoV2, chatServer]) {
      expect(usage(cmd), cmd.name).toMatch(/^ {2}-p, --port PORT {4}port \(default: \d+; 0: any free port\)$/m);
    }
    for (const cmd of [udpClient, tcpClient, chatClient]) {
      expect(usage(cmd), cmd.name).toMatch(/^ {2}-p, --port PORT {4}port \(default: \d+\)$/m);
      expect(usage(cmd)).not.toContain('any free port');
    }
  });

  it('the UDP and the TCP servers print their address alike, as Python tuples', async () => {
    for (const [cmd, flags, tuple] of [
      ['udp-echo-server', [], (p: number) => `('127.0.0.1', ${p})`],
      ['tcp-echo-server', [], (p: number) => `('127.0.0.1', ${p})`],
      ['udp-echo-server', ['-6'], (p: number) => `('::1', ${p}, 0, 0)`],
      ['tcp-echo-server', ['-6'], (p: number) => `('::1', ${p}, 0, 0)`],
    ] as const) {
      const { proc, port, serving } = await startServer([cmd, ...flags, '--port', '0']);
      expect(serving).toBe(`Serving at ${tuple(port)}`);
      await proc.kill();
    }
  });
});

describe('servers restart at once after Ctrl-C (SO_REUSEADDR)', () => {
  /** Local ports of this machine's TCP sockets in TIME_WAIT (state 06 of /proc/net/tcp and tcp6). */
  function timeWaitPorts(): number[] {
    const ports: number[] = [];
    for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of fs.readFileSync(f, 'utf8').split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols[3] === '06') ports.push(parseInt(cols[1].split(':')[1], 16));
      }
    }
    return ports;
  }

  it.each([['tcp-echo-server'], ['echo-v1'], ['echo-v2'], ['chat-server'], ['threaded-echo-server']])('%s', async (cmd) => {
    const more = cmd === 'threaded-echo-server' ? ['--workers', '2'] : [];
    const { proc, port } = await startServer([cmd, '--port', '0', ...more]);
    // A client that has been served (the server has read all it sent: else
    // the kernel would reset the connection, not close it); when the server
    // goes, the client closes too.
    const client = await LineClient.connect(port);
    client.write('hello\n');
    await client.until((l) => l.includes('hello') || l.includes('* hello joined'), 10_000, 'the echo');
    client.sock.on('end', () => client.sock.end());
    await proc.kill('SIGINT'); // Ctrl-C: the kernel closes the server's side first
    expect(proc.child.signalCode).toBe('SIGINT');
    await within(client.closed, 10_000, 'the client closing');
    // The server's end of that connection is in TIME_WAIT on the port now
    // (for 60 s): a plain bind() there fails...
    expect(timeWaitPorts()).toContain(port);
    {
      using plain = new Socket(AF_INET, SOCK_STREAM);
      expect(() => plain.bind(['127.0.0.1', port])).toThrow(expect.objectContaining({ code: 'EADDRINUSE', syscall: 'bind' }));
    }
    // ...and the server, started again at once on the same port, serves.
    const again = await startServer([cmd, '--port', String(port), ...more]);
    expect(again.serving).toBe(`Serving at ('127.0.0.1', ${port})`);
    const c2 = await LineClient.connect(port);
    c2.write('again\n');
    await c2.until((l) => l.length > 0, 10_000, 'a line from the restarted server');
    await c2.close();
  });

  it('SO_REUSEADDR does not let a second server listen on a port in use', async () => {
    const { port } = await startServer(['tcp-echo-server', '--port', '0']);
    const second = new Proc(['echo-v2', '--port', String(port)]);
    expect(await second.exit()).toEqual({ code: 1, signal: null });
    expect(second.stderr).toMatch(/^error: bind EADDRINUSE/);
  });
});

// ---- chat-client on a terminal ----------------------------------------------

/**
 * Runs a command on a pseudo-terminal of 40 columns (python3's pty module):
 * what is written to this process's stdin is typed on it, and everything the
 * program writes to the terminal comes out on stdout, byte for byte.
 */
const PTY_PY = `
import fcntl, os, pty, select, struct, sys, termios
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 40, 0, 0))
fds = [fd, 0]
while True:
    r, _, _ = select.select(fds, [], [])
    if fd in r:
        try:
            data = os.read(fd, 65536)
        except OSError:  # EIO: the program has exited
            data = b''
        if not data:
            break
        os.write(1, data)
    if 0 in r:
        data = os.read(0, 65536)
        if data:
            os.write(fd, data)
        else:
            fds.remove(0)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
`;

/**
 * The screen of a terminal `width` columns wide, fed with what a program
 * writes: text, CR, LF, and the cursor and erase sequences readline uses
 * (CSI n G, A, B, C, D, J, K). Enough to see what a user sees.
 */
class Screen {
  rows: string[][] = [[]];
  row = 0;
  col = 0;
  constructor(readonly width: number) {}

  #line(r: number): string[] {
    while (this.rows.length <= r) this.rows.push([]);
    return this.rows[r];
  }

  feed(s: string): void {
    for (let i = 0; i < s.length; i++) {
      const ch = s[i];
      if (ch === '\r') this.col = 0;
      else if (ch === '\n') this.row++;
      else if (ch === '\x1b' && s[i + 1] === '[') {
        const m = /^\x1b\[(\d*)([A-Za-z])/.exec(s.slice(i));
        if (m === null) throw new Error(`unknown escape ${JSON.stringify(s.slice(i, i + 8))}`);
        i += m[0].length - 1;
        const n = m[1] === '' ? null : Number(m[1]);
        const line = this.#line(this.row);
        switch (m[2]) {
          case 'G': this.col = (n ?? 1) - 1; break;
          case 'A': this.row = Math.max(0, this.row - (n ?? 1)); break;
          case 'B': this.row += n ?? 1; break;
          case 'C': this.col += n ?? 1; break;
          case 'D': this.col = Math.max(0, this.col - (n ?? 1)); break;
          case 'K':
            if ((n ?? 0) === 0) line.length = Math.min(line.length, this.col);
            else if (n === 1) line.fill(' ', 0, this.col + 1);
            else line.length = 0;
            break;
          case 'J':
            if ((n ?? 0) !== 0) throw new Error(`CSI ${n}J`);
            line.length = Math.min(line.length, this.col);
            this.rows.length = Math.min(this.rows.length, this.row + 1);
            break;
          default:
            throw new Error(`unknown escape ${JSON.stringify(m[0])}`);
        }
      } else {
        if (this.col >= this.width) {
          // Deferred wrap, as xterm does: the cursor stays on the last column until the next character.
          this.row++;
          this.col = 0;
        }
        const line = this.#line(this.row);
        while (line.length < this.col) line.push(' ');
        line[this.col++] = ch;
      }
    }
  }

  /** The screen's rows, trailing blanks trimmed, trailing empty rows dropped. */
  text(): string[] {
    const out = this.rows.map((r) => r.join('').trimEnd());
    while (out.length > 0 && out.at(-1) === '') out.pop();
    return out;
  }
}

/** `bsdsock <args>` on a pseudo-terminal, its screen modelled as it is drawn. */
class Terminal {
  readonly child: ChildProcessWithoutNullStreams;
  readonly screen = new Screen(40);
  raw = '';
  stderr = '';
  readonly #changed: (() => void)[] = [];

  constructor(args: string[]) {
    this.child = spawn('python3', ['-c', PTY_PY, process.execPath, BIN, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8').on('data', (s: string) => {
      this.raw += s;
      this.screen.feed(s);
      for (const f of this.#changed.splice(0)) f();
    });
    this.child.stderr.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
  }

  /** Resolves once the screen shows `rows` with the cursor at `cursor` ([row, column]); rejects after 10 s. */
  shows(rows: string[], cursor: [number, number]): Promise<void> {
    const { screen } = this;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#changed.splice(this.#changed.indexOf(check), 1);
        const now = `${JSON.stringify(screen.text())}, cursor ${screen.row},${screen.col}`;
        reject(new Error(`screen ${JSON.stringify(rows)}, cursor ${cursor} not within 10 s: shows ${now}; raw ${JSON.stringify(this.raw.slice(-300))}; stderr ${this.stderr}`));
      }, 10_000);
      const check = (): void => {
        if (JSON.stringify(screen.text()) === JSON.stringify(rows) && screen.row === cursor[0] && screen.col === cursor[1]) {
          clearTimeout(timer);
          resolve();
        } else this.#changed.push(check);
      };
      check();
    });
  }

  /** Keys typed on the terminal. */
  type(keys: string): void {
    this.child.stdin.write(keys);
  }

  exit(): ReturnType<typeof exited> {
    return exited(this.child);
  }

  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await exited(this.child);
  }
}

describe('chat-client on a terminal', () => {
  it('prints an incoming line above the prompt, keeping the half-typed input and the cursor', async () => {
    const { port } = await startServer(['chat-server', '--port', '0']);
    const bob = await LineClient.connect(port);
    bob.write('bob\n');
    await bob.waitFor('* bob joined');

    const term = new Terminal(['chat-client', '--nick', 'alice', '--host', '127.0.0.1', '--port', String(port)]);
    const shows = term.shows.bind(term);
    const type = term.type.bind(term);
    const { screen } = term;

    try {
      const top = [`Connected to 127.0.0.1:${port}`, '* Welcome! Send your nickname.', '* alice joined'];
      await shows([...top, '>'], [3, 2]);
      await bob.waitFor('* alice joined');

      // Half a line typed, then a message arrives: it goes above the prompt.
      type('hel');
      await shows([...top, '> hel'], [3, 5]);
      bob.write('hi alice\n');
      await shows([...top, '<bob> hi alice', '> hel'], [4, 5]);
      // The cursor moved back into the input: still where it was after the redraw.
      type('\x1b[D\x1b[D'); // left, left
      await shows([...top, '<bob> hi alice', '> hel'], [4, 3]);
      bob.write('still there?\n');
      await shows([...top, '<bob> hi alice', '<bob> still there?', '> hel'], [5, 3]);
      // The rest typed: readline kept the half line, so the whole line goes out.
      type('\x1b[C\x1b[C' + 'lo\r');
      await bob.waitFor('<alice> hello');
      await shows([...top, '<bob> hi alice', '<bob> still there?', '> hello', '>'], [6, 2]);

      // An input that wraps over two rows (2 + 50 characters on 40 columns).
      const long = 'x'.repeat(50);
      type(long);
      await shows([...top, '<bob> hi alice', '<bob> still there?', '> hello', `> ${long.slice(0, 38)}`, long.slice(38)], [7, 12]);
      bob.write('wrapped\n');
      await shows([...top, '<bob> hi alice', '<bob> still there?', '> hello', '<bob> wrapped', `> ${long.slice(0, 38)}`, long.slice(38)], [8, 12]);
      type('\r');
      await bob.waitFor(`<alice> ${long}`);
      const wrapped = [...top, '<bob> hi alice', '<bob> still there?', '> hello', '<bob> wrapped', `> ${long.slice(0, 38)}`, long.slice(38)];

      // The same typed key by key (readline redraws as the input wraps; a
      // paste above is written without a redraw).
      const keyed = 'y'.repeat(45);
      for (let i = 1; i <= keyed.length; i++) {
        type('y');
        await shows([...wrapped, `> ${keyed.slice(0, Math.min(i, 38))}`, ...(i > 38 ? [keyed.slice(38, i)] : [])], i < 38 ? [9, 2 + i] : [10, i - 38]);
      }
      bob.write('keyed\n');
      await shows([...wrapped, '<bob> keyed', `> ${keyed.slice(0, 38)}`, keyed.slice(38)], [11, 7]);
      type('\r');
      await bob.waitFor(`<alice> ${keyed}`);

      // Ctrl-D on an empty line: the prompt goes, the server closes, the client exits.
      type('\x04');
      expect(await term.exit()).toEqual({ code: 0, signal: null });
      expect(screen.text()).toEqual([...wrapped, '<bob> keyed', `> ${keyed.slice(0, 38)}`, keyed.slice(38), 'Disconnected from server']);
      await bob.waitFor('* alice left');
    } finally {
      await term.kill();
      await bob.close();
    }
  });

  it('Ctrl-C leaves: the half-typed line is not sent, the prompt goes, status 0', async () => {
    const { port } = await startServer(['chat-server', '--port', '0']);
    const bob = await LineClient.connect(port);
    bob.write('bob\n');
    await bob.waitFor('* bob joined');
    const term = new Terminal(['chat-client', '--nick', 'alice', '--host', '127.0.0.1', '--port', String(port)]);
    try {
      const top = [`Connected to 127.0.0.1:${port}`, '* Welcome! Send your nickname.', '* alice joined'];
      await term.shows([...top, '>'], [3, 2]);
      term.type('not sent');
      await term.shows([...top, '> not sent'], [3, 10]);
      term.type('\x03');
      expect(await term.exit()).toEqual({ code: 0, signal: null });
      expect(term.screen.text()).toEqual([...top, 'Disconnected from server']);
      await bob.waitFor('* alice left');
      expect(bob.lines).toEqual(['* Welcome! Send your nickname.', '* bob joined', '* alice joined', '* alice left']);
    } finally {
      await term.kill();
      await bob.close();
    }
  });
});
