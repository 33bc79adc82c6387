#!/usr/bin/env node
// The seeded fuzzer's driver: `npm run fuzz -- --seconds N --seed S`.
//
// Runs the fuzz body (scripts/fuzz-body.mjs) in child processes, so a crash
// (abort, SIGSEGV, a fatal error) or a hang is caught here and reported with
// the round seed that replays it and the last calls the child logged before
// it died. After a crash or a hang a new child goes on with the next seed
// until the time is up, so one known crash does not hide the others.
//
// The children run in a private network namespace with only loopback up
// (`unshare -n`, when this user may) so no packet can leave the machine
// whatever the fuzzer passes; without it, host arguments are restricted to
// forms that never reach DNS.
//
// Options:
//   --seconds N    total time (default 60)
//   --seed S       the seed (default: from the clock, printed)
//   --rounds N     stop after N rounds (default: no limit)
//   --calls N      calls per round (default 150)
//   --skip LIST    leave out the actions of known crashes: item1 (fd closed
//                  behind the socket's back), item5 (detach of a shared fd)
//   --hang-ms N    a child that logs nothing for this long is a hang (default 15000)
//   --json FILE    also write the summary JSON there
//   --no-netns     do not use a network namespace
//   --replay RS    run the one round RS (as printed) and report
//
// Prints the findings as text and, last, one JSON line:
//   {"seed":..,"seconds":..,"children":..,"rounds":..,"findings":[..],"soft":[..]}
// Exit status 0 when no finding (soft ones, accidental TypeErrors from the
// JS engine, do not count), 1 otherwise.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const body = path.join(here, 'fuzz-body.mjs');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const flag = (name) => argv.includes(`--${name}`);

const seconds = Number(opt('seconds', '60'));
const seed = Number(opt('seed', String(Date.now() % 2 ** 32))) >>> 0;
const maxRounds = Number(opt('rounds', 'Infinity'));
const calls = opt('calls', '150');
const skip = opt('skip', '');
const hangMs = Number(opt('hang-ms', '15000'));
const jsonOut = opt('json', undefined);
const replay = opt('replay', undefined);
const SOFT = new Set(['accidental-js-error', 'warning']);

function netnsWorks() {
  if (flag('no-netns')) return false;
  const r = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' });
  return r.status === 0;
}
const netns = netnsWorks();

// The body runs the built dist/: say so when it is older than lib/.
function staleDist() {
  const root = path.join(here, '..');
  const newest = (dir, ext) => {
    let t = 0;
    for (const f of fs.readdirSync(path.join(root, dir))) if (f.endsWith(ext)) t = Math.max(t, fs.statSync(path.join(root, dir, f)).mtimeMs);
    return t;
  };
  try {
    return newest('lib', '.ts') > newest('dist', '.js');
  } catch {
    return true;
  }
}
if (staleDist()) console.log('warning: dist/ is older than lib/ (or missing): the fuzzer runs dist/, run `npm run build:ts` first');

function mix(a, b) {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-fuzzrun-'));
const start = Date.now();
const until = start + seconds * 1000;
const findings = [];
const seen = new Set();
let children = 0;
const stats = {}; // call outcomes of the completed rounds
let rounds = 0;

/** The part of a finding's text that says what it is (paths, numbers and OpenSSL's hex prefixes vary). */
function dedupeText(kind, detail) {
  const m = /^(\w+) \(code (\w+)\)/.exec(detail);
  if (kind === 'wrong-error-class' && m) return `${m[1]} ${m[2]}`;
  return detail.replace(/'[^']*'/g, "'...'").replace(/[0-9A-F]{8,}/g, 'X').replace(/\d{4,}/g, 'N').slice(0, 120);
}

function add(f) {
  const what = dedupeText(f.kind, f.detail ?? '');
  const where = /^(uncaught-exception|unhandled-rejection|timeout-overflow)$/.test(f.kind) ? '' : (f.call ?? '').replace(/^#\S+ /, '').replace(/\(.*/, '').replace(/\d+/g, 'N');
  const key = `${f.kind}|${where}|${what}`;
  if (seen.has(key)) return;
  seen.add(key);
  findings.push(f);
}

/** The round being run and the last calls, from a child's log. */
function lastCalls(logFile, n = 8) {
  let text = '';
  try {
    text = fs.readFileSync(logFile, 'utf8');
  } catch {
    return { round: undefined, calls: [] };
  }
  const lines = text.split('\n').filter(Boolean);
  let round;
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^round (\d+)/.exec(lines[i]);
    if (m) {
      round = Number(m[1]);
      break;
    }
  }
  return { round, calls: lines.slice(-n).map((l) => (l.length > 400 ? l.slice(0, 400) + '...' : l)) };
}

/** Runs one child until it exits or hangs; returns how it ended. */
function runChild(childSeed) {
  const log = path.join(work, `c${children}.log`);
  const find = path.join(work, `c${children}.findings`);
  const args = ['--expose-gc', body, '--seed', String(childSeed), '--until', String(until), '--log', log, '--findings', find, '--calls', calls, '--netns', netns ? '1' : '0', '--tmp', work];
  if (Number.isFinite(maxRounds)) args.push('--rounds', String(Math.max(1, maxRounds - rounds)));
  if (skip) args.push('--skip', skip);
  if (replay !== undefined) args.push('--replay', replay);
  if (opt('selftest', undefined) !== undefined) args.push('--selftest', opt('selftest'));
  const cmd = netns ? 'unshare' : process.execPath;
  const cmdArgs = netns ? ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, ...args] : args;
  const child = spawn(cmd, cmdArgs, { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  children++;
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d.toString()).slice(-8000);
  });
  let lastSize = -1;
  let lastChange = Date.now();
  let hung = false;
  const watch = setInterval(() => {
    let size = 0;
    let bytes = 0;
    try {
      const st = fs.statSync(log);
      bytes = st.size;
      size = st.size * 1e6 + st.mtimeMs; // a truncated log still changes
    } catch {
      /* not yet */
    }
    // before the first line (loading, building the pool on a busy machine) the limit is longer
    const limit = bytes === 0 ? Math.max(hangMs, 30_000) : hangMs;
    if (size !== lastSize) {
      lastSize = size;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > limit) {
      hung = true;
      child.kill('SIGKILL');
    }
  }, 250);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearInterval(watch);
      let done = false;
      let text = '';
      try {
        text = fs.readFileSync(find, 'utf8');
      } catch {
        /* none */
      }
      for (const line of text.split('\n').filter(Boolean)) {
        const f = JSON.parse(line);
        if (f.kind === 'done') done = true;
        else if (f.kind === 'round') {
          rounds++;
          for (const k of Object.keys(f.stats ?? {})) stats[k] = (stats[k] ?? 0) + f.stats[k];
        }
        else add(f);
      }
      const { round, calls: last } = lastCalls(log);
      if (!done) {
        rounds++; // the round it died in counts, so --rounds bounds a run that keeps crashing
        const errLines = stderr.split('\n').filter((l) => l.trim() !== '');
        const why =
          errLines.find((l) => /Assertion|FATAL|Fatal|terminate called|Segmentation|AddressSanitizer|runtime error|Error:/.test(l)) ??
          errLines.find((l) => !/^-----|^\(node:|^\(Use `node|^Timeout duration/.test(l)) ??
          (signal === 'SIGABRT' ? '(nothing on stderr: libuv aborts without a message, as in uv__epoll_ctl_prep)' : '(nothing on stderr)');
        add({
          kind: hung ? 'hang' : 'crash',
          detail: hung ? `no call logged for ${hangMs} ms (the event loop or a sync call is blocked)` : `exit code ${code}, signal ${signal}: ${why.slice(0, 300)}`,
          call: last[last.length - 1] ?? '',
          roundSeed: round,
          lastCalls: last,
          stderr: stderr.slice(-1500),
          replay: round === undefined ? undefined : `node scripts/fuzz.mjs --replay ${round}`,
        });
      }
      resolve({ done });
    });
  });
}

let k = 0;
do {
  const { done } = await runChild(mix(seed, k++));
  if (replay !== undefined) break;
  if (done && Date.now() >= until) break;
} while (Date.now() < until && rounds < maxRounds);

fs.rmSync(work, { recursive: true, force: true });
const hard = findings.filter((f) => !SOFT.has(f.kind));
const soft = findings.filter((f) => SOFT.has(f.kind));
const elapsed = (Date.now() - start) / 1000;

console.log(`bsdsock fuzz: seed ${seed}, ${elapsed.toFixed(1)} s, ${children} child process(es), ${rounds} round(s) completed x ${calls} calls, network namespace: ${netns ? 'yes' : 'no'}${skip ? `, skipping ${skip}` : ''}`);
// Grouped by what happened: the first three in full, then the other calls it happened in.
const groups = new Map();
for (const f of hard) {
  const g = `${f.kind}|${dedupeText(f.kind, f.detail)}`;
  if (!groups.has(g)) groups.set(g, []);
  groups.get(g).push(f);
}
for (const list of groups.values()) {
  for (const f of list.slice(0, 3)) {
    console.log(`\n[${f.kind}] ${f.detail.split('\n')[0]}\n  call:  ${f.call}\n  round: ${f.roundSeed}${f.replay ? `  (replay: ${f.replay})` : ''}`);
    if (f.lastCalls) console.log('  last calls:\n    ' + f.lastCalls.join('\n    '));
  }
  if (list.length > 3) {
    console.log(`\n  ... and ${list.length - 3} more [${list[0].kind}] like it, in:`);
    for (const f of list.slice(3)) console.log(`    ${f.call.slice(0, 160)}  (round ${f.roundSeed})`);
  }
}
if (soft.length) {
  console.log(`\n${soft.length} soft finding(s) (TypeErrors the JS engine threw, not the library's own checks):`);
  for (const f of soft) console.log(`  ${f.detail.split('\n')[0]}  <- ${f.call}`);
}
if (stats.returned !== undefined) {
  console.log(
    `\ncalls of the completed rounds: ${stats.returned} returned, ${stats.threw} threw (sync); ` +
      `${stats.resolved} resolved, ${stats.rejected} rejected of ${stats.async} async (the rest pending until close)`,
  );
}
console.log(hard.length === 0 ? '\nno findings' : `\n${hard.length} finding(s)`);
const summary = { seed, seconds: elapsed, children, rounds, calls: Number(calls), netns, skip, stats, findings: hard, soft };
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(summary, null, 1));
console.log(JSON.stringify(summary));
process.exit(hard.length === 0 ? 0 : 1);
