// worker.terminate() in the middle of socket traffic and of name lookups
// never takes the process down (issue 8, item 2). A call that is running when
// the worker's environment starts to die can no longer throw into JS; before
// NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS (binding.gyp), node-addon-api
// rethrew such an error from its own catch block: std::terminate, "terminate
// called after throwing an instance of 'Napi::Error'", 2 runs out of 3.
//
// Each case runs in a child process, so an abort is a failed assertion with
// its stderr, not a dead test runner.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist', 'index.js');

/** Rebuild dist/ when any lib/ file is newer than it (the child imports dist). */
beforeAll(() => {
  const newest = Math.max(...fs.readdirSync(path.join(root, 'lib')).map((f) => fs.statSync(path.join(root, 'lib', f)).mtimeMs));
  const built = fs.existsSync(dist) ? fs.statSync(dist).mtimeMs : 0;
  if (built < newest) execFileSync('npm', ['run', 'build:ts'], { cwd: root, stdio: 'pipe' });
}, 120_000);

/**
 * The worker: 'traffic' runs five endless async loops on loopback (TCP
 * sendall / recvInto of 64 KiB, UDP sendto / recvfrom, socketpair
 * make-send-recv-close); 'lookup' runs eight endless getaddrinfo('localhost')
 * loops on the thread pool. After `after` completed operations it tells the
 * main thread, which terminates it at once: operations are in flight then.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const bsd = require(workerData.dist);
let n = 0;
const tick = () => { if (++n === workerData.after) parentPort.postMessage('go'); };
const fail = (e) => parentPort.postMessage(String((e && e.stack) || e));
if (workerData.kind === 'traffic') {
  (async () => {
    const srv = new bsd.Socket(bsd.AF_INET, bsd.SOCK_STREAM);
    srv.bind(['127.0.0.1', 0]);
    srv.listen();
    const c = new bsd.Socket(bsd.AF_INET, bsd.SOCK_STREAM);
    const [[s]] = await Promise.all([srv.accept(), c.connect(srv.getsockname())]);
    const u1 = new bsd.Socket(bsd.AF_INET, bsd.SOCK_DGRAM);
    u1.bind(['127.0.0.1', 0]);
    const u2 = new bsd.Socket(bsd.AF_INET, bsd.SOCK_DGRAM);
    u2.bind(['127.0.0.1', 0]);
    const out = Buffer.alloc(65536, 7);
    await Promise.all([
      (async () => { for (;;) { await c.sendall(out); tick(); } })(),
      (async () => { const b = Buffer.alloc(65536); for (;;) { await s.recvInto(b); tick(); } })(),
      (async () => { for (;;) await u1.sendto(out.subarray(0, 1000), u2.getsockname()); })(),
      (async () => { for (;;) { await u2.recvfrom(2000); tick(); } })(),
      (async () => {
        for (;;) {
          const [a, b] = bsd.socketpair();
          await a.sendall(Buffer.from('x'));
          await b.recv(1);
          a.close();
          b.close();
          tick();
        }
      })(),
    ]);
  })().catch(fail);
} else {
  for (let k = 0; k < 8; k++) (async () => { for (;;) { await bsd.getaddrinfo('localhost', 80); tick(); } })().catch(fail);
}
`;

/** The parent: 30 workers in a row, each terminated mid-work; then its own sockets must still work and nothing may be left open. */
const PARENT = `
const { Worker } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const [dist, kind, count] = process.argv.slice(1);
const bsd = require(dist);
const { binding } = require(path.join(path.dirname(dist), 'binding.js'));
const socketFds = () => fs.readdirSync('/proc/self/fd').filter((fd) => {
  try { return fs.readlinkSync('/proc/self/fd/' + fd).startsWith('socket:'); } catch { return false; }
}).length;
(async () => {
  const before = socketFds();
  const codes = [];
  for (let i = 0; i < Number(count); i++) {
    const w = new Worker(${JSON.stringify(WORKER)}, { eval: true, workerData: { dist, kind, after: 1 + ((i * 7) % 23) } });
    const exited = new Promise((r) => w.once('exit', r));
    const msg = await Promise.race([new Promise((r) => w.once('message', r)), exited.then((c) => 'exited ' + c)]);
    if (msg !== 'go') throw new Error('worker ' + i + ': ' + msg);
    await w.terminate();
    codes.push(await exited);
  }
  const [a, b] = bsd.socketpair();
  await a.sendall(Buffer.from('main alive'));
  const got = (await b.recv(100)).toString();
  a.close();
  b.close();
  console.log(JSON.stringify({ codes: [...new Set(codes)], got, openFdCount: binding.openFdCount(), leaked: socketFds() - before }));
})().catch((e) => { console.error(e && e.stack || e); process.exit(2); });
`;

function run(kind: 'traffic' | 'lookup'): void {
  const r = spawnSync(process.execPath, ['-e', PARENT, dist, kind, '30'], { encoding: 'utf8', timeout: 90_000 });
  expect(r.stderr).toBe('');
  expect(r.signal).toBeNull();
  expect(r.status).toBe(0);
  // Every worker ended by terminate() (exit code 1), none by a crash.
  expect(JSON.parse(r.stdout)).toEqual({ codes: [1], got: 'main alive', openFdCount: 0, leaked: 0 });
}

describe('worker.terminate() never kills the process', () => {
  it('30 workers in a row terminated mid-traffic (TCP, UDP, socketpair async loops)', () => run('traffic'), 100_000);
  it('30 workers in a row terminated mid-lookup (getaddrinfo loops on the thread pool)', () => run('lookup'), 100_000);
});
