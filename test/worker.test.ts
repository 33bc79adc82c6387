// worker_threads: the addon loads and works in a worker (its own instance
// data, its own loop), and a worker that exits with sockets open, pending
// async calls and active polls exits cleanly: its environment's cleanup hook
// closes the polls and the fds, nothing crashes, the main thread goes on.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Socket, socketpair, AF_INET, SOCK_STREAM } from '../lib/index';
import { b, cleanup, track } from './helpers';

afterEach(cleanup);

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist', 'index.js');

/** Rebuild dist/ when any lib/ file is newer than it (the worker imports dist). */
function ensureDist(): void {
  const newest = Math.max(...fs.readdirSync(path.join(root, 'lib')).map((f) => fs.statSync(path.join(root, 'lib', f)).mtimeMs));
  const built = fs.existsSync(dist) ? fs.statSync(dist).mtimeMs : 0;
  if (built < newest) {
    execFileSync('npm', ['run', 'build:ts'], { cwd: root, stdio: 'pipe' });
  }
}
beforeAll(() => {
  ensureDist();
}, 120_000);

function socketFdCount(): number {
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      /* gone */
    }
  }
  return n;
}

/**
 * The worker: echoes over a socketpair it makes itself, then leaves open a
 * listener with a pending accept, a pair with a pending recv, a readiness
 * callback, a timed-out-later recv, and one end of a pair whose other end it
 * hands to the main thread (detached). Then it exits the way it is told.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const bsd = require(workerData.dist);
(async () => {
  const [a, c] = bsd.socketpair();
  await a.sendall(Buffer.from('ping from worker'));
  const got = await c.recv(100);
  a.close(); c.close();

  const srv = new bsd.Socket(bsd.AF_INET, bsd.SOCK_STREAM);
  srv.bind(['127.0.0.1', 0]);
  srv.listen();
  srv.accept().catch(() => {});
  const [p, q] = bsd.socketpair();
  p.recv(10).catch(() => {});
  const [r, s] = bsd.socketpair(bsd.AF_UNIX, bsd.SOCK_DGRAM);
  r.onReadable(() => {});
  s.settimeout(30);
  s.recv(10).catch(() => {});
  const [mine, theirs] = bsd.socketpair();
  mine.recv(10).catch(() => {});
  const handed = theirs.detach();
  parentPort.postMessage({ got: got.toString(), port: srv.getsockname()[1], handed });
  if (workerData.how === 'exit') setImmediate(() => process.exit(0));
  if (workerData.how === 'throw') setImmediate(() => { throw new Error('worker dies'); });
  // 'terminate': the main thread calls worker.terminate(); 'stay': idle.
})().catch((e) => { parentPort.postMessage({ error: String(e && e.stack || e) }); });
`;

interface Ready {
  got: string;
  port: number;
  handed: number;
  error?: string;
}

async function runWorker(how: 'exit' | 'terminate' | 'throw'): Promise<{ ready: Ready; code: number; error?: Error }> {
  const w = new Worker(WORKER, { eval: true, workerData: { dist, how } });
  let error: Error | undefined;
  w.on('error', (e) => (error = e));
  // Listen for 'exit' from the start: when the worker ends, Node drains its
  // messages and emits 'exit' in the same tick, before any microtask runs.
  const exited = new Promise<number>((resolve) => w.once('exit', resolve));
  const ready = await Promise.race([
    new Promise<Ready>((resolve) => w.once('message', resolve)),
    exited.then((c) => Promise.reject(new Error(`worker exited (${c}) before it was ready`))),
  ]);
  if (ready.error) throw new Error(ready.error);
  // Adopt the end the worker handed over (the fd stays open until the
  // worker's environment is torn down, whichever way it exits).
  const handed = track(new Socket(undefined, undefined, undefined, ready.handed));
  if (how === 'terminate') await w.terminate();
  const code = await exited;
  // The worker's end of that pair was closed by its cleanup hook: EOF here.
  expect(await handed.recv(10)).toEqual(Buffer.alloc(0));
  return { ready, code, error };
}

describe('worker_threads', () => {
  it.each(['exit', 'terminate', 'throw'] as const)(
    'a worker using the addon exits (%s) with sockets open and calls pending: no leak, no crash',
    async (how) => {
      const before = socketFdCount();
      for (let i = 0; i < 3; i++) {
        const { ready, code, error } = await runWorker(how);
        expect(ready.got).toBe('ping from worker');
        if (how === 'exit') expect(code).toBe(0);
        if (how === 'terminate') expect(code).toBe(1); // Node's code for terminate()
        if (how === 'throw') {
          expect(code).toBe(1);
          expect(error?.message).toBe('worker dies');
        }
        // The worker's listener is closed: its port refuses connections.
        const c = track(new Socket(AF_INET, SOCK_STREAM));
        expect(c.connectExSync(['127.0.0.1', ready.port])).toBe(111);
        cleanup();
        expect(socketFdCount()).toBe(before);
      }
      // The main thread's own sockets still work.
      const [x, y] = track(socketpair());
      await x.sendall(b('main thread ok'));
      expect(await y.recv(100)).toEqual(b('main thread ok'));
    },
    60_000,
  );

  it('several workers at once, each with its own instance', async () => {
    const before = socketFdCount();
    const results = await Promise.all([runWorker('exit'), runWorker('terminate'), runWorker('exit'), runWorker('exit')]);
    for (const r of results) expect(r.ready.got).toBe('ping from worker');
    cleanup();
    expect(socketFdCount()).toBe(before);
  }, 60_000);

  it('a whole process whose workers exit with pending polls exits 0 (no abort at teardown)', () => {
    const script = `
      const { Worker } = require('node:worker_threads');
      const bsd = require(${JSON.stringify(dist)});
      const code = ${JSON.stringify(WORKER)};
      (async () => {
        // 'terminate' right after closing the handed end: the worker's poll
        // fires as it is being terminated (once an abort, see poll.cc OnPoll).
        for (let i = 0; i < 10; i++) {
          for (const how of ['exit', 'terminate']) {
            const w = new Worker(code, { eval: true, workerData: { dist: ${JSON.stringify(dist)}, how } });
            const exited = new Promise((r) => w.once('exit', r));
            const ready = await new Promise((r) => w.once('message', r));
            new bsd.Socket(undefined, undefined, undefined, ready.handed).close();
            if (how === 'terminate') await w.terminate();
            await exited;
          }
        }
        // The main thread, too, leaves a pending recv and exits.
        const [a, c] = bsd.socketpair();
        a.recv(1).catch(() => {});
        const w = new Worker(code, { eval: true, workerData: { dist: ${JSON.stringify(dist)}, how: 'stay' } });
        await new Promise((r) => w.once('message', r));
        console.log('done');
        process.exit(0);
      })();
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('done\n');
  }, 70_000);
});
