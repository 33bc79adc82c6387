#!/usr/bin/env node
// bench/check.mjs: a self-check of the benchmark itself, about 30 s, no full
// run. `node bench/check.mjs` exits 0 when every check passes.
//
//  - the command line: usage errors (exit 2, a message, no stack) for a bad
//    --filter regex, a bad number, an unknown option, --report without --out;
//  - the job lists: the new servers are there, and the README rows fit the
//    time budget (<= 6.7 min per full run on a quiet machine, so that the
//    waits and re-runs fit in 8);
//  - the servers users write first really echo: bsdsock-async-recv (TCP)
//    and bsdsock-dgram-async / -batch (UDP) return exactly the bytes sent, to the
//    sender's address, checked with node:net / node:dgram as the peer;
//  - the multi-worker servers: 50 connections from the C load generator
//    reach both workers of bsdsock-reuseport and of net-cluster, and the
//    CONNS line counts all 50;
//  - rendering: the terminal table of a saved run is at most 100 columns,
//    flags busy rows, shows UDP loss and the spread; --render/--out write
//    where told and leave bench/results/ alone; the chart has a legend and
//    one colour per kind of server.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './build.mjs';
import { LOADGEN } from './servers/index.mjs';
import { KINDS, TERMINAL_WIDTH } from './report.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const RUN = path.join(BENCH, 'run.mjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-bench-check-'));
const children = new Set();
let failures = 0;

async function check(name, fn) {
  const t0 = performance.now();
  try {
    await fn();
    process.stdout.write(`ok   ${name} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  } catch (err) {
    failures++;
    process.stdout.write(`FAIL ${name}\n${String(err.stack ?? err).replace(/^/gm, '     ')}\n`);
  }
}

const run = (...args) => spawnSync(process.execPath, [RUN, ...args], { encoding: 'utf8', timeout: 60_000 });

/** Starts a server program, resolves with [child, READY value, waitLine] within
 * 15 s; waitLine(pred, ms) resolves with the first stdout line (before or
 * after the call) that satisfies pred, and rejects after ms. */
function startServer(file, ...args) {
  const child = spawn(process.execPath, [path.join(BENCH, 'servers', file), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  const lines = [];
  const waiters = new Set();
  const waitLine = (pred, ms) => new Promise((resolve, reject) => {
    const hit = lines.find(pred);
    if (hit !== undefined) return resolve(hit);
    const w = { pred, resolve, timer: setTimeout(() => { waiters.delete(w); reject(new Error(`no such line in ${ms} ms: ${lines.join(' | ')}`)); }, ms) };
    waiters.add(w);
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file}: no READY in 15 s; stderr: ${stderr}`)), 15_000);
    child.on('exit', (code) => reject(new Error(`${file} exited (${code}): ${stderr}`)));
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop();
      for (const l of parts) {
        lines.push(l);
        for (const w of waiters) if (w.pred(l)) { waiters.delete(w); clearTimeout(w.timer); w.resolve(l); }
        const m = /^READY (\S+)$/.exec(l);
        if (m) { clearTimeout(timer); resolve([child, m[1], waitLine]); }
      }
    });
  });
}

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}

// ---- command line -----------------------------------------------------------

await check('a bad --filter regex is a usage error', () => {
  const r = run('--filter', '(', '--list');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^bench\/run\.mjs: --filter: Invalid regular expression: \/\(\/: Unterminated group\n/);
  assert.doesNotMatch(r.stderr, /\n\s+at /); // no stack
});

await check('bad numbers, unknown options, --report without --out are usage errors', () => {
  for (const [args, re] of [
    [['--runs', '0'], /--runs needs a positive integer, got '0'/],
    [['--duration', 'abc'], /--duration needs a positive number, got 'abc'/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--report', '--quick'], /--report needs --out DIR/],
    [['--quick', '--readme'], /--quick and --readme exclude each other/],
    [['stray'], /unexpected argument 'stray'/],
  ]) {
    const r = run(...args, '--list');
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});

await check('--list has the new servers; the README rows fit 8 minutes', () => {
  const all = run('--list');
  assert.equal(all.status, 0, all.stderr);
  for (const job of ['tcp-pingpong-64x50/bsdsock-async-recv', 'tcp-pingpong-64x1/bsdsock-async', 'udp-64/bsdsock-dgram-async',
    'udp-64/bsdsock-dgram-ready', 'udp-64/bsdsock-dgram-mmsg', 'udp-64/c-mmsg', 'udp-64/c-udp',
    'tcp-reuseport-pingpong-64x50/bsdsock-reuseport', 'tcp-reuseport-pingpong-64x50/net-cluster']) {
    assert.ok(all.stdout.split('\n').includes(job), `missing ${job}`);
  }
  assert.ok(!all.stdout.includes('tcp-reuseport-pingpong-64x50/net-data'), 'the reuseport configuration runs only its own servers');
  const readme = run('--readme', '--list');
  assert.equal(readme.status, 0, readme.stderr);
  const m = /^(\d+) jobs x (\d+) rounds: about ([\d.]+) min on a quiet machine per full run, 3 full runs$/m.exec(readme.stdout);
  assert.ok(m, readme.stdout);
  assert.ok(Number(m[3]) <= 6.7, `a README full run is estimated at ${m[3]} min`);
  // A filter on an mmsg server brings its C reference along.
  const mmsg = run('--filter', 'udp-64/bsdsock-dgram-mmsg', '--list');
  assert.deepEqual(mmsg.stdout.split('\n').filter((l) => l.includes('/')).sort(),
    ['udp-64/bsdsock-dgram-mmsg', 'udp-64/c-mmsg', 'udp-64/c-udp', 'udp-64/dgram']);
});

// ---- the servers users write first echo exactly ---------------------------------

await check('bsdsock-async-recv (await recv / sendall) echoes TCP bytes exactly', async () => {
  const [server, port] = await startServer('bsdsock-async-recv.mjs', 'tcp', '0');
  try {
    const payload = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7 + 3) & 0xff));
    const echoed = await new Promise((resolve, reject) => {
      const c = net.connect(Number(port), '127.0.0.1', () => c.end(payload));
      const parts = [];
      c.on('data', (d) => parts.push(d));
      c.on('end', () => resolve(Buffer.concat(parts)));
      c.on('error', reject);
      c.setTimeout(10_000, () => reject(new Error('no echo in 10 s')));
    });
    assert.equal(echoed.length, payload.length);
    assert.ok(echoed.equals(payload));
  } finally {
    await stop(server);
  }
});

// bsdsock-dgram-batch: the same loop with setbatching(64) on.
for (const file of ['bsdsock-dgram-async.mjs', 'bsdsock-dgram-batch.mjs']) {
await check(`${file.slice(0, -4)} (await recvfrom / sendto) echoes each datagram to its sender`, async () => {
  const [server, port] = await startServer(file, 'udp', '0');
  const sock = dgram.createSocket('udp4');
  try {
    await new Promise((resolve) => sock.bind(0, '127.0.0.1', resolve));
    const sent = [Buffer.from('hello'), Buffer.alloc(1400, 0xab), Buffer.from([0, 1, 2, 255])];
    const got = [];
    const done = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${got.length} echoes in 5 s`)), 5000);
      sock.on('message', (msg, rinfo) => {
        got.push([msg, rinfo]);
        if (got.length === sent.length) { clearTimeout(timer); resolve(); }
      });
    });
    for (const d of sent) sock.send(d, Number(port), '127.0.0.1');
    await done;
    // One at a time on loopback: the order is kept.
    got.forEach(([msg, rinfo], i) => {
      assert.ok(msg.equals(sent[i]), `datagram ${i}`);
      assert.equal(rinfo.address, '127.0.0.1');
      assert.equal(rinfo.port, Number(port));
    });
  } finally {
    sock.close();
    await stop(server);
  }
});
}

// ---- multi-worker servers: the connections reach every worker -------------------

ensureBuilt({ log: () => {} });
for (const file of ['bsdsock-reuseport.mjs', 'net-cluster.mjs']) {
  await check(`${file}: 50 connections reach both workers`, async () => {
    const [server, port, waitLine] = await startServer(file, 'tcp', '0', '2');
    try {
      const loadgen = spawn(LOADGEN, ['pingpong', `tcp:127.0.0.1:${port}`, '-s', '64', '-c', '50', '-d', '0.5', '-W', '0.2'],
        { stdio: ['ignore', 'pipe', 'inherit'] });
      children.add(loadgen);
      let stdout = '';
      loadgen.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
      const code = await new Promise((resolve) => loadgen.on('close', resolve)); // 'close': stdout read to the end
      children.delete(loadgen);
      assert.equal(code, 0, stdout);
      const result = JSON.parse(stdout.trim().split('\n').pop());
      assert.equal(result.error, undefined);
      assert.ok(result.ops > 0);
      // The counts arrive as connections are accepted: wait for the line that counts all 50.
      const sum = (l) => l.split(' ').slice(1).reduce((a, n) => a + Number(n), 0);
      const conns = await waitLine((l) => l.startsWith('CONNS ') && sum(l) === 50, 5000);
      const counts = conns.split(' ').slice(1).map(Number);
      assert.equal(counts.length, 2);
      assert.equal(counts[0] + counts[1], 50);
      assert.ok(counts.every((n) => n > 0), `spread ${counts.join('/')}`);
    } finally {
      await stop(server);
    }
  });
}

// ---- rendering ----------------------------------------------------------------------

/** A saved run with wide numbers, a busy row and UDP loss, as run.mjs --json writes. */
function syntheticRuns() {
  const runs = [];
  const add = (config, entry, round, rate, cpuUs, extra = {}) => runs.push({
    config, entry, round, attempt: 1, rate, cpuUs, srvCpuPct: 99, cliCpuPct: 100, otherCpuPct: 3,
    mbPerCpuSec: 1234.5, p50: 12345.6, p99: 123456.7, window: 2, ...extra,
  });
  for (const round of [1, 2, 3]) {
    add('tcp-pingpong-64x50', 'c-epoll', round, 1234567, 5.79);
    add('tcp-pingpong-64x50', 'net-data', round, 1034567, 8.86);
    add('tcp-pingpong-64x50', 'bsdsock-async-recv', round, 1134567 + round * 1000, 7.37, round === 2 ? { otherCpuPct: 80 } : {});
    add('tcp-pingpong-64x50', 'bsdsock-ready', round, 1334567, 6.98);
    add('udp-1400', 'c-udp', round, 234567, 3.72, { lossPct: 0 });
    add('udp-1400', 'c-mmsg', round, 934567, 1.2, { lossPct: 0 });
    add('udp-1400', 'dgram', round, 134567, 9.06, { lossPct: 1.25 });
    add('udp-1400', 'bsdsock-dgram-ready', round, 200000, 5.56, { lossPct: 0.5 });
    add('udp-1400', 'bsdsock-dgram-mmsg', round, 900000, 1.3, { lossPct: 0 });
    add('tcp-reuseport-pingpong-64x50', 'net-cluster', round, 40000, 20, { spread: [25, 25] });
    add('tcp-reuseport-pingpong-64x50', 'bsdsock-reuseport', round, 60000, 12, { spread: [23, 27] });
  }
  return runs;
}

await check('the terminal table fits 100 columns, flags busy rows, shows loss and spread', () => {
  const file = path.join(tmp, 'synthetic.json');
  fs.writeFileSync(file, JSON.stringify({ machine: { cpu: 'x', nproc: 2, kernel: 'k', node: 'v20', date: new Date().toISOString() },
    options: { argv: [], runs: 3, duration: 2, warmup: 0.5, maxOther: 25 }, runs: syntheticRuns() }));
  const before = fs.statSync(path.join(BENCH, 'results', 'results.md')).mtimeMs;
  const out = path.join(tmp, 'out');
  const r = run('--render', file, '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const wide = r.stdout.split('\n').filter((l) => [...l].length > TERMINAL_WIDTH);
  assert.deepEqual(wide, []);
  assert.match(r.stdout, /^!await recv\/sendall +1,136,567 +1\.10 +7\.37 +1\.27 /m); // busy flag, ratios (rounds within 1.10)
  assert.match(r.stdout, /^ *server .* loss% /m);
  assert.match(r.stdout, /^dgram on\('message'\) send \(base\) .* 1\.25 /m);
  assert.match(r.stdout, /^onReadable tryRecvmmsg\/trySendmmsg .* 1\.08 /m); // CPU vs the C mmsg server: 1.3 / 1.2
  assert.match(r.stdout, /^threads reusePort .* 23\/27 /m);
  assert.equal(fs.statSync(path.join(BENCH, 'results', 'results.md')).mtimeMs, before, 'bench/results/ untouched');
  const md = fs.readFileSync(path.join(out, 'results.md'), 'utf8');
  assert.match(md, /\| !await recv\/sendall \| `const d = await c\.recv\(65536\); await c\.sendall\(d\)` \|/);
  const svg = fs.readFileSync(path.join(out, 'chart.svg'), 'utf8');
  for (const k of ['c', 'node', 'bsdsock-async', 'bsdsock-ready', 'bsdsock-batch']) {
    assert.ok(svg.includes(`fill="${KINDS[k].color}"/><text x="26"`), `legend for ${k}`);
  }
  // One colour per kind: both node baselines are orange, in different groups.
  const barColour = (label) => new RegExp(`>${label.replace(/[()]/g, '\\$&')}</text>\\n<rect [^>]* fill="(#[0-9a-f]+)"`).exec(svg)?.[1];
  assert.equal(barColour("net on('data') write"), KINDS.node.color);
  assert.equal(barColour("dgram on('message') send"), KINDS.node.color);
  assert.equal(barColour('cluster net'), KINDS.node.color);
});

await check('--readme aggregation: median and range over full runs, noise flagged', () => {
  const runs = syntheticRuns();
  // Three full runs whose ratios differ: the row's cell is their median and range.
  const scale = [1, 1.05, 0.95];
  const fullRuns = scale.map((k) => ({ runs: runs.map((r) => (r.entry === 'bsdsock-async-recv' ? { ...r, rate: r.rate * k } : r)) }));
  const file = path.join(tmp, 'readme-runs.json');
  fs.writeFileSync(file, JSON.stringify({ machine: { cpu: 'x', nproc: 2, kernel: 'k', node: 'v20', date: new Date().toISOString() },
    options: { argv: ['--readme'], runs: 3, duration: 2, warmup: 0.5, maxOther: 25 }, fullRuns }));
  const out = path.join(tmp, 'readme-out');
  const r = run('--render', file, '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const md = fs.readFileSync(path.join(out, 'readme.md'), 'utf8');
  // 1,135,567 / 1,034,567 = 1.0976 (median run); x0.95 = 1.0427; x1.05 = 1.1525.
  assert.match(md, /\| ! await recv\/sendall: `const d = await c\.recv\(65536\); await c\.sendall\(d\)` \| 1\.10x \(1\.04-1\.15\) noise \|/);
  assert.match(md, /\| onReadable tryRecvInto\/trySend: .* \| 1\.29x \| 6\.98 µs\/round trip \| 1\.21x \| 12,346 \/ 123,457 \|/);
  assert.ok(fs.existsSync(path.join(out, 'readme-chart.svg')));
});

for (const c of children) c.kill('SIGKILL');
fs.rmSync(tmp, { recursive: true, force: true });
process.stdout.write(failures ? `${failures} check(s) failed\n` : 'all checks passed\n');
process.exitCode = failures ? 1 : 0;
