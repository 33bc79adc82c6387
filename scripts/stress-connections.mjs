#!/usr/bin/env node
// Stress: N concurrent TCP connections on loopback (default 10,000), all
// open at once, echoing through a bsdsock server. Part of `npm run stress`,
// not of `npm test`.
//
// The server (this process) accepts with bsdsock and echoes with the async
// API (`await recv` / `await sendall`), one loop per connection. The clients
// are node:net sockets in a child process, so each process needs only about
// N fds. Node cannot raise its own RLIMIT_NOFILE: when the soft limit is too
// low, the script runs itself again under `prlimit --nofile=H:H` (H the hard
// limit), and the client child inherits it.
//
// Each client connects (at most --parallel connects in flight), and once all
// N are connected every client sends --rounds messages of 64 bytes, one at a
// time, and checks each echo byte for byte. Then all close. Bounded: the run
// fails after --timeout seconds.
//
//   node scripts/stress-connections.mjs [--connections 10000] [--rounds 3] [--parallel 256] [--timeout 180]
//
// Prints the figures as text and, last, one JSON line.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const self = fileURLToPath(import.meta.url);
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const N = opt('connections', 10_000);
const ROUNDS = opt('rounds', 3);
const PARALLEL = opt('parallel', 256);
const TIMEOUT = opt('timeout', 180);
const MSG = 64;

function nofile() {
  const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const [soft, hard] = line.trim().split(/\s+/).slice(3, 5);
  return { soft: soft === 'unlimited' ? Infinity : Number(soft), hard: hard === 'unlimited' ? Infinity : Number(hard) };
}
const fdCount = () => fs.readdirSync('/proc/self/fd').length;

// ---- client role (child process) ------------------------------------------------

if (argv.includes('--client')) {
  const port = opt('port', 0);
  const socks = [];
  let failed = 0;
  const errors = new Map();
  const t0 = performance.now();
  let next = 0;
  await new Promise((resolveAll) => {
    let inFlight = 0;
    let done = 0;
    const launch = () => {
      while (inFlight < PARALLEL && next < N) {
        next++;
        inFlight++;
        const s = net.connect({ port, host: '127.0.0.1' });
        s.setNoDelay(true);
        const fin = (ok, e) => {
          inFlight--;
          done++;
          if (ok) socks.push(s);
          else {
            failed++;
            errors.set(e.code ?? e.message, (errors.get(e.code ?? e.message) ?? 0) + 1);
          }
          if (done === N) resolveAll();
          else launch();
        };
        s.once('connect', () => {
          s.removeAllListeners('error');
          s.on('error', (e) => errors.set(e.code ?? e.message, (errors.get(e.code ?? e.message) ?? 0) + 1));
          fin(true);
        });
        s.once('error', (e) => fin(false, e));
      }
    };
    launch();
  });
  const connectMs = performance.now() - t0;
  const clientFds = fdCount();
  process.send({ phase: 'connected', connected: socks.length, failed, connectMs });
  // wait for the server to say it holds them all
  await new Promise((r) => process.once('message', r));
  const t1 = performance.now();
  let bad = 0;
  const lat = [];
  await Promise.all(
    socks.map(
      (s, i) =>
        new Promise((resolve) => {
          let round = 0;
          let got = [];
          let have = 0;
          const msg = () => {
            const b = Buffer.alloc(MSG);
            b.writeUInt32BE(i, 0);
            b.writeUInt32BE(round, 4);
            b.fill(0x41 + (i % 26), 8);
            return b;
          };
          let sent = msg();
          let ts = performance.now();
          s.on('data', (d) => {
            got.push(d);
            have += d.length;
            if (have < MSG) return;
            const all = Buffer.concat(got);
            if (have !== MSG || !all.equals(sent)) bad++;
            lat.push(performance.now() - ts);
            got = [];
            have = 0;
            if (++round === ROUNDS) {
              s.end();
              resolve();
              return;
            }
            sent = msg();
            ts = performance.now();
            s.write(sent);
          });
          s.on('close', resolve);
          s.write(sent);
        }),
    ),
  );
  const echoMs = performance.now() - t1;
  lat.sort((a, b) => a - b);
  const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : NaN);
  for (const s of socks) s.destroy();
  process.send({ phase: 'done', echoMs, echoes: lat.length, bad, p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1] ?? NaN, clientFds, errors: Object.fromEntries(errors) });
  process.disconnect();
  process.exit(0);
}

// ---- server role -------------------------------------------------------------------

const need = N + 200;
const lim = nofile();
if (lim.soft < need && !argv.includes('--raised')) {
  if (lim.hard < need) {
    console.error(`RLIMIT_NOFILE hard limit ${lim.hard} < ${need} needed for ${N} connections: use --connections ${lim.hard - 200}`);
    process.exit(2);
  }
  const r = spawnSync('prlimit', [`--nofile=${lim.hard}:${lim.hard}`, process.execPath, self, ...argv, '--raised'], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const B = require('../dist/index.js');
const { SOL_SOCKET, SO_REUSEADDR } = B;

const killer = setTimeout(() => {
  console.error(`stress-connections: not done after ${TIMEOUT} s, giving up`);
  process.exit(1);
}, TIMEOUT * 1000);
killer.unref();

const fdList = () => {
  const out = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      out.push(`${fd}->${fs.readlinkSync(`/proc/self/fd/${fd}`)}`);
    } catch {
      /* readdir's own fd */
    }
  }
  return out;
};
const fds0 = fdList();
const fd0 = fdCount();
const rss0 = process.memoryUsage().rss;
const srv = new B.Socket(B.AF_INET, B.SOCK_STREAM);
srv.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
srv.bind(['127.0.0.1', 0]);
srv.listen(4096);
const port = srv.getsockname()[1];

let open = 0;
let maxOpen = 0;
let accepted = 0;
let echoedBytes = 0;
const serverErrors = new Map();
const conns = new Set();

async function echo(conn) {
  try {
    for (;;) {
      const d = await conn.recv(4096);
      if (d.length === 0) break;
      echoedBytes += d.length;
      await conn.sendall(d);
    }
  } catch (e) {
    serverErrors.set(e.code ?? e.message, (serverErrors.get(e.code ?? e.message) ?? 0) + 1);
  } finally {
    conn.close();
    conns.delete(conn);
    open--;
  }
}

let accepting = true;
const acceptLoop = (async () => {
  while (accepting) {
    let conn;
    try {
      [conn] = await srv.accept();
    } catch (e) {
      if (!accepting) break;
      serverErrors.set(`accept ${e.code}`, (serverErrors.get(`accept ${e.code}`) ?? 0) + 1);
      if (e.code === 'EMFILE' || e.code === 'ENFILE') await new Promise((r) => setTimeout(r, 10));
      continue;
    }
    accepted++;
    open++;
    if (open > maxOpen) maxOpen = open;
    conns.add(conn);
    echo(conn);
  }
})();

const child = spawn(process.execPath, [self, '--client', '--port', String(port), '--connections', String(N), '--rounds', String(ROUNDS), '--parallel', String(PARALLEL)], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const childClosed = new Promise((r) => child.once('close', r));
const fromChild = (phase) =>
  new Promise((resolve, reject) => {
    const onMsg = (m) => {
      if (m.phase === phase) {
        child.off('message', onMsg);
        resolve(m);
      }
    };
    child.on('message', onMsg);
    child.once('exit', (code) => reject(new Error(`client exited with ${code} before '${phase}'`)));
  });

const t0 = performance.now();
const c = await fromChild('connected');
// every connected client must also be accepted here before the echo starts
const waitStart = performance.now();
while (accepted < c.connected && performance.now() - waitStart < 30_000) await new Promise((r) => setTimeout(r, 20));
const heldAtOnce = open;
const serverFdsAtPeak = fdCount();
const rssAtPeak = process.memoryUsage().rss;
child.send('go');
const d = await fromChild('done');
// wait for every server loop to see EOF and close
const closeStart = performance.now();
while (open > 0 && performance.now() - closeStart < 30_000) await new Promise((r) => setTimeout(r, 20));
accepting = false;
srv.close();
await acceptLoop;
const totalMs = performance.now() - t0;
const leftOpen = open;
await childClosed; // exit, and its IPC channel and pipes closed
const fdEnd = fdCount();
// (spawn opens /dev/null for the child's stdin once and keeps it: count sockets)
const fdsLeft = fdList().filter((f) => !fds0.includes(f) && !f.endsWith('/dev/null'));

const ok = c.connected === N && heldAtOnce === N && d.bad === 0 && d.echoes === N * ROUNDS && leftOpen === 0 && fdsLeft.length === 0;
const result = {
  test: 'stress-connections',
  ok,
  connections: N,
  connected: c.connected,
  connectFailed: c.failed,
  heldAtOnce,
  maxOpen,
  rounds: ROUNDS,
  echoes: d.echoes,
  badEchoes: d.bad,
  echoedBytes,
  connectMs: Math.round(c.connectMs),
  echoMs: Math.round(d.echoMs),
  latencyMs: { p50: +d.p50.toFixed(2), p99: +d.p99.toFixed(2), max: +d.max.toFixed(2) },
  totalMs: Math.round(totalMs),
  serverFds: { before: fd0, peak: serverFdsAtPeak, after: fdEnd, new: fdsLeft },
  serverRssMB: { before: +(rss0 / 2 ** 20).toFixed(1), peak: +(rssAtPeak / 2 ** 20).toFixed(1), after: +(process.memoryUsage().rss / 2 ** 20).toFixed(1) },
  rlimitNofile: nofile().soft,
  serverErrors: Object.fromEntries(serverErrors),
  clientErrors: d.errors,
};
console.log(
  `stress-connections: ${c.connected}/${N} connected in ${result.connectMs} ms, ${heldAtOnce} held open at once by the bsdsock server ` +
    `(${serverFdsAtPeak} fds, ${result.serverRssMB.peak} MB RSS), ${d.echoes} echoes of ${MSG} B in ${result.echoMs} ms ` +
    `(p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms), ${d.bad} wrong; fds ${fd0} -> ${fdEnd} after close (${fdsLeft.length ? `left: ${fdsLeft.join(', ')}` : 'no socket left'}): ${ok ? 'OK' : 'FAILED'}`,
);
console.log(JSON.stringify(result));
process.exit(ok ? 0 : 1);
