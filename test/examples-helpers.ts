// Helpers of the examples' end-to-end tests (test/examples-*.test.ts): run a
// program through the `bsdsock` bin as a user would, read its stdout line by
// line, and wait for a given line instead of sleeping. Every wait is bounded.
import { spawn, execFileSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';

export const ROOT = path.join(__dirname, '..');
export const BIN = path.join(ROOT, 'bin', 'bsdsock.js');

/**
 * Compiles the examples (tsconfig.examples.json) when dist/examples is older
 * than examples/, so `npx vitest run test/examples-*.test.ts` works after an
 * edit. A lock directory keeps parallel test files from compiling at once.
 */
export function ensureExamplesBuilt(): void {
  const lock = path.join(ROOT, 'dist', '.examples-build.lock');
  const stale = (): boolean =>
    fs.readdirSync(path.join(ROOT, 'examples')).some((f) => {
      if (!f.endsWith('.ts')) return false;
      const out = path.join(ROOT, 'dist', 'examples', f.replace(/\.ts$/, '.js'));
      return !fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(path.join(ROOT, 'examples', f)).mtimeMs;
    });
  if (!fs.existsSync(path.join(ROOT, 'dist', 'index.d.ts'))) throw new Error('dist/ is not built: run npm run build:ts');
  const deadline = Date.now() + 60_000;
  while (stale()) {
    try {
      fs.mkdirSync(lock);
    } catch {
      if (Date.now() > deadline) throw new Error(`examples build lock ${lock} held for 60 s`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200); // another file is compiling
      continue;
    }
    try {
      if (stale()) execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.examples.json'], { cwd: ROOT, stdio: 'inherit' });
    } finally {
      fs.rmdirSync(lock);
    }
  }
}

interface Waiter {
  match: (line: string) => boolean;
  from: number;
  resolve: (line: string) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

const running = new Set<Proc>();

/** A program started with `node bin/bsdsock.js <args>`, stdout read as lines. */
export class Proc {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  stderr = '';
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #waiters: Waiter[] = [];
  #exited = false;

  constructor(readonly args: string[]) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(this);
    readline.createInterface({ input: this.child.stdout, crlfDelay: Infinity }).on('line', (line) => {
      this.lines.push(line);
      for (const w of [...this.#waiters]) this.#check(w);
    });
    this.child.stderr.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    this.closed = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.#exited = true;
        running.delete(this);
        for (const w of this.#waiters.splice(0)) {
          clearTimeout(w.timer);
          w.reject(this.#error(`exited (${code ?? signal}) before printing the line`));
        }
        resolve({ code, signal });
      });
    });
  }

  #error(what: string): Error {
    return new Error(`bsdsock ${this.args.join(' ')}: ${what}\nstdout:\n${this.lines.join('\n')}\nstderr:\n${this.stderr}`);
  }

  #check(w: Waiter): void {
    for (let i = w.from; i < this.lines.length; i++) {
      if (w.match(this.lines[i])) {
        clearTimeout(w.timer);
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(this.lines[i]);
        return;
      }
    }
  }

  /** The first line (from index `from` on) equal to `m` or matching it; rejects after `ms`. */
  waitFor(m: string | RegExp, opts: { from?: number; ms?: number } = {}): Promise<string> {
    const match = typeof m === 'string' ? (l: string) => l === m : (l: string) => m.test(l);
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        match,
        from: opts.from ?? 0,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          reject(this.#error(`no line ${String(m)} within ${opts.ms ?? 10_000} ms`));
        }, opts.ms ?? 10_000),
      };
      this.#waiters.push(w);
      this.#check(w);
      if (this.#exited && this.#waiters.includes(w)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        reject(this.#error('exited before printing the line'));
      }
    });
  }

  /** Lines equal to `m` / matching it, so far. */
  count(m: string | RegExp): number {
    return this.lines.filter((l) => (typeof m === 'string' ? l === m : m.test(l))).length;
  }

  write(text: string): void {
    this.child.stdin.write(text);
  }

  /** Waits (bounded) for the exit; kills with SIGKILL when it does not come. */
  async exit(ms = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    try {
      return await this.closed;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal` to this process (only to it: by its own pid) and waits for it to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.#exited) this.child.kill(signal);
    await this.exit(5_000);
  }
}

/** Starts a server program and waits for its `Serving at ...` line; returns it and its port. */
export async function startServer(args: string[]): Promise<{ proc: Proc; port: number; serving: string }> {
  const proc = new Proc(args);
  const serving = await proc.waitFor(/^Serving at /);
  const m = /(\d+)(?:, 0, 0)?\)$/.exec(serving) ?? /:(\d+)$/.exec(serving);
  if (m === null) throw new Error(`no port in ${JSON.stringify(serving)}`);
  return { proc, port: Number(m[1]), serving };
}

/** Kills every program still running (each by its own pid) and waits for it to be gone. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill('SIGKILL')));
}

/** A promise that rejects after `ms` with `what`, for bounding a wait. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    }),
  ]);
}

/** A node:net client in the test process that collects the lines it receives. */
export class LineClient {
  readonly sock: import('node:net').Socket;
  readonly lines: string[] = [];
  readonly closed: Promise<void>;
  #partial = '';
  #waiters: { match: (l: string[]) => boolean; resolve: () => void }[] = [];
  onLine?: (line: string) => void;

  constructor(sock: import('node:net').Socket) {
    this.sock = sock;
    sock.setEncoding('utf8'); // a StringDecoder: split characters are held back
    sock.on('data', (s: string) => {
      const parts = (this.#partial + s).split('\n');
      this.#partial = parts.pop()!;
      for (const l of parts) {
        this.lines.push(l);
        this.onLine?.(l);
      }
      this.#poke();
    });
    sock.on('error', () => undefined); // reported as a close
    this.closed = new Promise((resolve) => sock.on('close', () => {
      this.#poke();
      resolve();
    }));
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<LineClient> {
    const net = await import('node:net');
    const sock = net.connect(port, host);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', resolve);
      sock.once('error', reject);
    });
    return new LineClient(sock);
  }

  #poke(): void {
    for (const w of [...this.#waiters]) {
      if (w.match(this.lines)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  /** Resolves once `match(lines)` holds (checked on every arrival); rejects after `ms`. */
  until(match: (lines: string[]) => boolean, ms = 10_000, what = 'lines'): Promise<void> {
    if (match(this.lines)) return Promise.resolve();
    return within(new Promise<void>((resolve) => this.#waiters.push({ match, resolve })), ms, `${what} (got ${JSON.stringify(this.lines.slice(-5))})`);
  }

  /** Resolves once the line `line` has arrived. */
  waitFor(line: string, ms = 10_000): Promise<void> {
    return this.until((l) => l.includes(line), ms, `line ${JSON.stringify(line)}`);
  }

  write(text: string | Buffer): void {
    this.sock.write(text);
  }

  /** Closes the connection and waits until its fd is closed. */
  async close(): Promise<void> {
    this.sock.destroy();
    await this.closed;
  }
}
