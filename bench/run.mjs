#!/usr/bin/env node
// bench/run.mjs: echo servers under one C load generator.
//
//   node bench/run.mjs [--quick] [--runs N] [--filter REGEX] [--json FILE] ...
//   (--help lists every option; bench/README.md explains the output)
//
// For every configuration (below) and every server that serves its transport
// (bench/servers/index.mjs), start the server, wait for `READY`, run the load
// generator, and sample the server's CPU time from /proc/<pid>/stat when the
// generator prints START and STOP (the measured window, after its warmup).
// Rounds of all (configuration, server) jobs run in a shuffled order so that
// drift on a noisy machine spreads over every server alike; ratios pair the
// runs of one round. `--readme` repeats that for the README rows (README_SET)
// a few times and reports each row's median and range over those full runs.
import { spawn, execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './build.mjs';
import { SERVERS, PAIRS, LOADGEN } from './servers/index.mjs';
import {
  summarize, textTable, markdownReport, chartSvg, chartBarsFromSummary, chartBarsFromClaims, machineInfo,
  aggregateClaims, claimsTable, claimsReport,
} from './report.mjs';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.join(BENCH, 'results');

// ---- configurations -------------------------------------------------------
// mode: loadgen mode; unit/opName: what `rate` and "CPU per op" count
// (stream counts MB, so its CPU per op is CPU µs per MB echoed).
// quick: part of --quick (together they cover every server kind once).
const stream = (transport, size, label, quick = false) => ({
  id: `${transport}-stream-${label}`, title: `${transport === 'tcp' ? 'TCP' : 'AF_UNIX'} stream, 1 conn, ${label.replace('k', ' KiB').replace(/^(\d+)$/, '$1 B')} chunks`,
  transport, mode: 'stream', size, conns: 1, unit: 'MB/s', opName: 'MB', quick,
});
const pingpong = (conns, quick = false, e2e = false) => ({
  id: `${e2e ? 'e2e' : 'tcp'}-pingpong-64x${conns}`,
  title: `${e2e ? 'End to end (client + server)' : 'TCP'} ping-pong 64 B x ${conns} conn${conns > 1 ? 's' : ''}`,
  transport: 'tcp', mode: 'pingpong', size: 64, conns, unit: 'round trips/s', opName: 'round trip', quick, e2e,
});
const udp = (size, quick = false) => ({
  id: `udp-${size}`, title: `UDP echo ${size} B, 32 in flight`,
  transport: 'udp', mode: 'udp', size, conns: 1, window: 32, unit: 'echoes/s', opName: 'echo', quick,
});

const CONFIGS = [
  stream('tcp', 64, '64'),
  stream('tcp', 1024, '1k'),
  stream('tcp', 16384, '16k'),
  stream('tcp', 65536, '64k'),
  pingpong(1),
  pingpong(50, true),
  stream('unix', 16384, '16k', true),
  udp(64, true),
  udp(1400),
  pingpong(50, true, true),
];

// The multi-worker configuration (SO_REUSEPORT threads vs node:cluster): it
// runs only the entries made for it (`exclusive`), and reports how the kernel
// (or cluster's round-robin) spread the connections over the workers.
const reuseport = (workers, quick = false) => ({
  id: 'tcp-reuseport-pingpong-64x50',
  title: `TCP ping-pong 64 B x 50 conns, ${workers} workers`,
  transport: 'tcp', mode: 'pingpong', size: 64, conns: 50, unit: 'round trips/s', opName: 'round trip', quick,
  workers, exclusive: true,
});
CONFIGS.push(reuseport(2, true));

// ---- the README rows --------------------------------------------------------
// `--readme` runs only these (configuration, server) jobs, `--full-runs` times
// (default 3), each a full run of ROUNDS paired shuffled rounds, and reports
// the median and range over the full runs: README.md's performance table.
// Chosen so that one full run takes at most 8 minutes on a 2-core machine:
// 41 jobs x 3 rounds x (2.5 s + about 0.9 s to check the machine is quiet,
// start and stop the programs) = 7.0 min, plus at most 30 s of waiting for
// a quiet machine and 10% re-runs of noisy runs.
const TCP_README = ['c-epoll', 'net-data', 'bsdsock-async', 'bsdsock-ready'];
const UDP_README = ['c-udp', 'c-mmsg', 'dgram', 'bsdsock-dgram-async', 'bsdsock-dgram-batch', 'bsdsock-dgram-ready', 'bsdsock-dgram-mmsg'];
const README_SET = {
  'tcp-pingpong-64x50': ['c-epoll', 'net-data', 'bsdsock-async', 'bsdsock-async-recv', 'bsdsock-ready', 'bsdsock-makefile'],
  'tcp-pingpong-64x1': ['c-epoll', 'net-data', 'bsdsock-async', 'bsdsock-async-recv'],
  'tcp-stream-16k': TCP_README,
  'tcp-stream-64k': TCP_README,
  'unix-stream-16k': TCP_README,
  'udp-64': UDP_README,
  'udp-1400': UDP_README,
  'e2e-pingpong-64x50': ['c-loadgen', 'net-client', 'bsdsock-client'],
  'tcp-reuseport-pingpong-64x50': ['net-cluster', 'bsdsock-reuseport'],
};
const README_DEFAULTS = { runs: 3, duration: 2, warmup: 0.5 };
const RUN_OVERHEAD_S = 0.9; // per run, on a quiet machine: the quiet check, start, stop

// ---- command line ---------------------------------------------------------

const HELP = `usage: node bench/run.mjs [options]
  --quick          short runs, a subset of configurations (under a minute)
  --runs N         rounds of every (configuration, server)  [3; quick 1; readme 3]
  --duration S     measured seconds per run                 [3; quick 1; readme 2]
  --warmup S       warmup seconds before measuring          [0.5; quick 0.25]
  --filter REGEX   only jobs whose "config-id/server-name" matches (the
                   baseline and C server of each selected configuration
                   always run too, for the ratios)
  --max-other PCT  noise limit, in % of a core used by other processes: wait
                   before a run while the machine is busier (10 s at most,
                   45 s in all), re-run a run once if its window was [25]
  --json FILE      write every run and the summary as JSON
  --out DIR        write results.md and chart.svg (--readme: readme.md,
                   readme-chart.svg, readme-runs.json) to DIR. Without it a
                   full run writes bench/results/, other runs write nothing
  --report         write the results even with --quick or --filter (needs --out)
  --list           print the jobs and exit
  --render FILE..  no runs: the table (and with --out, the results files)
                   from the --json FILE of an earlier invocation; the
                   readme-runs.json of --readme (several: their full runs
                   together) gives the README table
  --readme         the README rows: --full-runs full runs, median and range
                   per row (bench/results/readme.md unless --out)
  --full-runs N    full runs for --readme                   [3]
  --update-readme  with --readme (or --render of its runs): replace the table
                   between the bench markers in README.md
`;

function usage(msg) {
  process.stderr.write(`bench/run.mjs: ${msg}\n(node bench/run.mjs --help lists the options)\n`);
  process.exit(2);
}

function parseCli(argv) {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        quick: { type: 'boolean', default: false },
        runs: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        filter: { type: 'string' },
        'max-other': { type: 'string' },
        json: { type: 'string' },
        out: { type: 'string' },
        report: { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
        render: { type: 'string', multiple: true },
        readme: { type: 'boolean', default: false },
        'full-runs': { type: 'string' },
        'update-readme': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    usage(err.message);
  }
  // `--render a.json b.json` as well as `--render a.json --render b.json`.
  if (positionals.length && !values.render) usage(`unexpected argument '${positionals[0]}'`);
  if (positionals.length) values.render.push(...positionals);
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const number = (name, { integer = false } = {}) => {
    const v = values[name];
    if (v === undefined) return null;
    const n = Number(v);
    if (!(n > 0) || (integer && !Number.isInteger(n))) usage(`--${name} needs a positive ${integer ? 'integer' : 'number'}, got '${v}'`);
    return n;
  };
  let filter = null;
  if (values.filter !== undefined) {
    try { filter = new RegExp(values.filter); } catch (err) { usage(`--filter: ${err.message}`); }
  }
  const o = {
    argv, filter,
    quick: values.quick, readme: values.readme, list: values.list, report: values.report,
    runs: number('runs', { integer: true }), duration: number('duration'), warmup: number('warmup'),
    maxOther: number('max-other') ?? 25, fullRuns: number('full-runs', { integer: true }) ?? 3,
    json: values.json ?? null, out: values.out ?? null, render: values.render ?? null, updateReadme: values['update-readme'],
  };
  if (o.quick && o.readme) usage('--quick and --readme exclude each other');
  if (o.report && !o.out) usage('--report needs --out DIR (the committed results in bench/results/ are written by a full run only)');
  if (o.updateReadme && !o.readme && !o.render) usage('--update-readme needs --readme or --render');
  const defaults = o.quick ? { runs: 1, duration: 1, warmup: 0.25 } : o.readme ? README_DEFAULTS : { runs: 3, duration: 3, warmup: 0.5 };
  o.runs ??= defaults.runs;
  o.duration ??= defaults.duration;
  o.warmup ??= defaults.warmup;
  return o;
}

/** Whether a server entry runs in a configuration. */
function serves(entry, config) {
  if (config.exclusive) return !!entry.configs?.test(config.id);
  return entry.transports.includes(config.transport) && (!entry.configs || entry.configs.test(config.id));
}

/** (config, entry) pairs to run: entries serving the configuration, narrowed by
 * --quick, --readme and --filter, plus the references the chosen ones need. */
function selectJobs(opts) {
  const jobs = [];
  for (const config of CONFIGS) {
    if (opts.quick && !config.quick) continue;
    if (opts.readme && !README_SET[config.id]) continue;
    let entries = config.e2e ? PAIRS : SERVERS.filter((s) => serves(s, config));
    if (opts.readme) entries = entries.filter((e) => README_SET[config.id].includes(e.name));
    const chosen = entries.filter((e) => !opts.filter || opts.filter.test(`${config.id}/${e.name}`));
    if (chosen.length === 0) continue;
    const needed = (e) => chosen.includes(e) || e.role || chosen.some((c) => c.ceiling === e.name);
    for (const entry of entries) if (needed(entry)) jobs.push({ config, entry });
  }
  return jobs;
}

// ---- child processes ------------------------------------------------------

const live = new Set(); // every running child, for the finally blocks and SIGINT
const socketPaths = new Set();
let interrupted = false; // set by SIGINT/SIGTERM: start nothing new

/** A spawned program whose stdout is consumed line by line. */
class Child {
  constructor(argv, role) {
    if (interrupted) throw new Error('interrupted');
    this.role = role;
    this.argv = argv;
    this.proc = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], cwd: path.dirname(BENCH) });
    this.pid = this.proc.pid;
    this.lines = [];
    this.waiter = null;
    this.stderr = '';
    this.closed = false;
    this.exited = new Promise((resolve) => this.proc.on('exit', resolve));
    live.add(this);
    this.exited.then(() => live.delete(this));
    let partial = '';
    this.proc.stdout.setEncoding('utf8').on('data', (chunk) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop();
      this.lines.push(...parts);
      this.waiter?.check();
    });
    this.proc.stderr.setEncoding('utf8').on('data', (chunk) => { this.stderr = (this.stderr + chunk).slice(-2000); });
    this.proc.on('error', (err) => { this.stderr += String(err); });
    this.proc.on('close', (code, signal) => {
      this.closed = true;
      this.exitStatus = signal ?? code;
      this.waiter?.check();
    });
  }

  /** Resolves with the match of the next stdout line matching `re` (earlier
   * lines are consumed); rejects if the program exits first or at `deadline`
   * (a performance.now() time). `onLine` runs synchronously with the line. */
  nextLine(re, deadline, onLine = () => {}) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`timed out waiting for ${re}`)), Math.max(0, deadline - performance.now()));
      const done = (err, match) => {
        clearTimeout(timer);
        this.waiter = null;
        if (err) reject(new Error(`${this.name()}: ${err.message}${this.stderr ? `; stderr: ${this.stderr.trim().slice(-300)}` : ''}`));
        else resolve(match);
      };
      this.waiter = {
        check: () => {
          while (this.lines.length) {
            const line = this.lines.shift();
            const m = re.exec(line);
            if (m) { onLine(m); return done(null, m); }
          }
          if (this.closed) done(new Error(`exited (${this.exitStatus}) before ${re}`));
        },
      };
      this.waiter.check();
    });
  }

  name() {
    return `${this.role} ${path.basename(this.argv[this.argv[0] === process.execPath ? 1 : 0])}`;
  }

  /** SIGTERM, then SIGKILL after a grace period; resolves once it exited. */
  async kill(graceMs = 1000) {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const signal = (sig) => { try { process.kill(this.pid, sig); } catch { /* already gone */ } };
    signal('SIGTERM');
    const timeout = (ms) => new Promise((r) => setTimeout(r, ms, 'timeout'));
    if ((await Promise.race([this.exited, timeout(graceMs)])) === 'timeout') {
      signal('SIGKILL');
      await this.exited;
    }
  }
}

function onSigint() {
  if (interrupted) return;
  interrupted = true;
  process.stderr.write('\ninterrupted: stopping children\n');
  for (const c of live) { try { process.kill(c.pid, 'SIGTERM'); } catch { /* gone */ } }
  setTimeout(() => {
    for (const c of live) { try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ } }
    for (const p of socketPaths) fs.rmSync(p, { force: true });
    process.exit(130);
  }, 500);
}

// ---- one measurement ------------------------------------------------------

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** utime + stime of a process (all its threads), in seconds; 0 once it is gone. */
function cpuSeconds(pid) {
  let stat;
  try { stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return 0; }
  // Fields after "(comm)": state is field 3, utime 14, stime 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

/** A process and all its descendants (from /proc/<pid>/task/<tid>/children). */
function processTree(pid) {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    let tids = [];
    try { tids = fs.readdirSync(`/proc/${all[i]}/task`); } catch { continue; }
    for (const tid of tids) {
      try {
        const kids = fs.readFileSync(`/proc/${all[i]}/task/${tid}/children`, 'utf8').trim();
        if (kids) all.push(...kids.split(/\s+/).map(Number));
      } catch { /* gone */ }
    }
  }
  return all;
}

/** Machine-wide busy CPU seconds from /proc/stat, without the irq and softirq
 * columns (the loopback traffic we cause is mostly softirq). */
function machineBusySeconds() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , , , steal = 0] = f; // guest time is inside user
  return (user + nice + system + steal) / CLK_TCK;
}

/** Busy CPU of the machine (percent of one core) over the next `ms`. */
async function machineBusyPct(ms) {
  const before = machineBusySeconds();
  await new Promise((r) => setTimeout(r, ms));
  return ((machineBusySeconds() - before) / (ms / 1000)) * 100;
}

/** Before a run: while other work keeps the machine busy, wait (in 0.5 s
 * steps, at most `perRun` seconds and what is left of budget.seconds). */
async function waitForQuiet(maxPct, perRun, budget, onWait) {
  const until = performance.now() + Math.min(perRun, budget.seconds) * 1000;
  const t0 = performance.now();
  let busy;
  while ((busy = await machineBusyPct(300)) > maxPct && performance.now() < until && !interrupted) {
    onWait(busy);
    await new Promise((r) => setTimeout(r, 200));
  }
  budget.seconds = Math.max(0, budget.seconds - (performance.now() - t0) / 1000);
}

let pathSeq = 0;

/** Starts the server and the client, measures one window, stops both. */
async function runOne(config, entry, opts) {
  const serverEntry = entry.server ? SERVERS.find((s) => s.name === entry.server) : entry;
  if (!serverEntry) throw new Error(`pair ${entry.name}: no server named ${entry.server}`);
  const sockPath = config.transport === 'unix' ? path.join(os.tmpdir(), `bsdsock-bench-${process.pid}-${++pathSeq}.sock`) : null;
  if (sockPath) socketPaths.add(sockPath);
  const children = [];
  try {
    const server = new Child(serverEntry.argv(config.transport, sockPath ?? '0', config), 'server');
    children.push(server);
    const [, where] = await server.nextLine(/^READY (\S+)/, performance.now() + 15_000);
    // A forking server (node:cluster): its workers exist once it is READY.
    const serverPids = serverEntry.processes ? processTree(server.pid) : [server.pid];
    const serverCpu = () => serverPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const target = sockPath ? `unix:${where}` : `${config.transport}:127.0.0.1:${where}`;

    const args = [config.mode, target, '-s', config.size, '-c', config.conns, '-d', opts.duration, '-W', opts.warmup];
    if (config.window) args.push('-w', config.window);
    const client = new Child(entry.client ? entry.client(args.map(String)) : [LOADGEN, ...args.map(String)], 'client');
    children.push(client);

    // Sample inside the line callback: no event-loop turn between the line and the read.
    const deadline = performance.now() + (opts.warmup + opts.duration) * 1000 + 15_000;
    const sample = () => ({
      t: performance.now(), srv: serverCpu(), cli: cpuSeconds(client.pid), all: machineBusySeconds(),
    });
    let start, stop;
    await client.nextLine(/^START$/, deadline, () => { start = sample(); });
    await client.nextLine(/^STOP$/, deadline, () => { stop = sample(); });
    const [json] = await client.nextLine(/^\{.*\}$/, deadline);
    const r = JSON.parse(json);
    if (r.error) throw new Error(`client: ${r.error}`);
    if (!(r.ops > 0)) throw new Error('no echo in the measured window');
    if (server.closed) throw new Error(`server exited (${server.exitStatus}): ${server.stderr.trim().slice(-300)}`);
    // Multi-worker servers print `CONNS <per worker>` as connections arrive.
    const conns = server.lines.filter((l) => l.startsWith('CONNS ')).pop();
    const spread = conns ? conns.split(' ').slice(1).map(Number) : undefined;

    const window = (stop.t - start.t) / 1000;
    const mb = (r.mb_per_s * window);
    const ops = config.mode === 'stream' ? mb : r.ops_per_s * window; // stream: an "op" is a MB
    const srvCpu = stop.srv - start.srv;
    const cliCpu = stop.cli - start.cli;
    return {
      rate: config.mode === 'stream' ? r.mb_per_s : r.ops_per_s,
      cpuUs: ((config.e2e ? srvCpu + cliCpu : srvCpu) * 1e6) / ops,
      srvCpuPct: (srvCpu / window) * 100,
      cliCpuPct: (cliCpu / window) * 100,
      // CPU used by anything but the server and the client: noise from other work.
      otherCpuPct: Math.max(0, ((stop.all - start.all - srvCpu - cliCpu) / window) * 100),
      mbPerCpuSec: mb / srvCpu,
      p50: r.p50_us,
      p99: r.p99_us,
      lossPct: config.mode === 'udp' ? (100 * r.lost) / Math.max(1, r.ops + r.lost) : undefined,
      spread,
      window,
      srvCpu,
      cliCpu,
      loadgen: r,
    };
  } finally {
    await Promise.all(children.reverse().map((c) => c.kill()));
    if (sockPath) { fs.rmSync(sockPath, { force: true }); socketPaths.delete(sockPath); }
  }
}

// ---- progress -------------------------------------------------------------

/** One stderr line, rewritten in place on a terminal (a plain log otherwise). */
function progress(total) {
  const t0 = performance.now();
  const tty = process.stderr.isTTY;
  let text = '';
  let jobStart = t0;
  let extra = '';
  const draw = () => {
    const now = performance.now();
    const line = `${text}  ${((now - jobStart) / 1000).toFixed(1)}s  (total ${((now - t0) / 1000).toFixed(0)}s)${extra}`;
    process.stderr.write(`\r${line.slice(0, (process.stderr.columns || 200) - 1)}\x1b[K`);
  };
  const timer = tty ? setInterval(draw, 250) : null;
  return {
    job(i, job, run, runs) {
      jobStart = performance.now();
      text = `[${i}/${total}] ${job.config.id}  ${job.entry.name}  run ${run}/${runs}`;
      if (tty) draw();
      else process.stderr.write(`${text}\n`);
    },
    status(msg) { extra = msg ? `  ${msg}` : ''; },
    note(msg) { process.stderr.write(`${tty ? '\r\x1b[K' : ''}${msg}\n`); },
    done() {
      if (timer) clearInterval(timer);
      if (tty) process.stderr.write('\r\x1b[K');
      process.stderr.write(`done in ${((performance.now() - t0) / 1000).toFixed(0)}s\n`);
    },
  };
}

function shuffle(xs) {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

// ---- main -----------------------------------------------------------------

async function main() {
  const opts = parseCli(process.argv.slice(2));
  if (opts.render) return render(opts.render, opts);
  const jobs = selectJobs(opts);
  if (opts.list) {
    for (const j of jobs) process.stdout.write(`${j.config.id}/${j.entry.name}\n`);
    const minutes = (jobs.length * opts.runs * (opts.warmup + opts.duration + RUN_OVERHEAD_S)) / 60;
    process.stdout.write(`${jobs.length} jobs x ${opts.runs} rounds: about ${minutes.toFixed(1)} min on a quiet machine` +
      `${opts.readme ? ` per full run, ${opts.fullRuns} full runs` : ''}\n`);
    return;
  }
  if (jobs.length === 0) usage('no job matches');
  ensureBuilt();
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const machine = machineInfo();
  const options = { ...opts, filter: opts.filter?.source ?? null };

  if (!opts.readme) {
    const runs = await fullRun(jobs, opts);
    if (!runs) return; // interrupted: onSigint exits once the children are gone
    const summary = summarize(CONFIGS, jobs, runs, opts);
    process.stdout.write(textTable(summary, opts));
    if (opts.json) writeJson(opts.json, { machine, options, configs: CONFIGS, runs, summary: brief(summary) });
    const out = opts.out ?? (!opts.quick && !opts.filter ? RESULTS : null);
    if (out && (opts.report || opts.out || out === RESULTS)) writeResults(out, summary, machine, options);
    if (runs.some((r) => r.error)) process.exitCode = 1;
    return;
  }

  // --readme: N full runs of the README rows, each saved as soon as it is done.
  const out = opts.out ?? RESULTS;
  fs.mkdirSync(out, { recursive: true });
  const fullRuns = [];
  for (let f = 1; f <= opts.fullRuns; f++) {
    process.stderr.write(`full run ${f}/${opts.fullRuns}\n`);
    const runs = await fullRun(jobs, opts);
    if (!runs) return;
    fullRuns.push({ machine: { ...machine, date: new Date().toISOString() }, runs });
    writeJson(path.join(out, 'readme-runs.json'), { machine, options, configs: CONFIGS, fullRuns });
  }
  writeClaims(out, fullRuns.map((fr) => summarize(CONFIGS, jobs, fr.runs, opts)), machine, options);
  if (fullRuns.some((fr) => fr.runs.some((r) => r.error))) process.exitCode = 1;
}

/** Rounds of every job: each round visits the configurations in a shuffled
 * order and runs the servers of one configuration back to back (shuffled
 * too), so a server and its references run minutes apart at most and
 * summarize() pairs them by round. Returns the runs, or null if interrupted. */
async function fullRun(jobs, opts) {
  const runs = [];
  const total = jobs.length * opts.runs;
  const bar = progress(total);
  // A run disturbed by other work on the machine is re-run once, within a
  // budget of 10% more runs, and waiting for quiet is bounded too, so that a
  // busy machine does not stretch a full run by more than about a minute.
  let retryBudget = Math.ceil(total / 10);
  const waitBudget = { seconds: opts.quick ? 5 : opts.readme ? 30 : 45 };
  let n = 0;
  const byConfig = [...new Set(jobs.map((j) => j.config))].map((c) => jobs.filter((j) => j.config === c));
  for (let round = 1; round <= opts.runs; round++) {
    for (const job of shuffle(byConfig).flatMap(shuffle)) {
      if (interrupted) return null;
      bar.job(++n, job, round, opts.runs);
      const base = { config: job.config.id, entry: job.entry.name, round };
      let run;
      const t0 = performance.now();
      for (let attempt = 1; ; attempt++) {
        await waitForQuiet(opts.maxOther, 10, waitBudget, (busy) => bar.status(`waiting for a quiet machine (busy ${busy.toFixed(0)}%)`));
        bar.status('');
        try {
          run = { ...base, attempt, ...(await runOne(job.config, job.entry, opts)) };
        } catch (err) {
          bar.note(`FAILED ${job.config.id}/${job.entry.name}: ${err.message}`);
          run = { ...base, attempt, error: err.message };
        }
        if (run.error || run.otherCpuPct <= opts.maxOther || attempt > 1 || retryBudget === 0) break;
        retryBudget--;
        bar.note(`noisy (other processes ${run.otherCpuPct.toFixed(0)}% CPU): re-running ${job.config.id}/${job.entry.name}`);
      }
      run.wallS = (performance.now() - t0) / 1000; // with waits and re-runs, for the time budget
      runs.push(run);
    }
  }
  bar.done();
  return runs;
}

const brief = (summary) => summary.map(({ config, entry, runs: _runs, ...rest }) => ({ config: config.id, entry: entry.name, ...rest }));

function writeJson(file, data) {
  fs.writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  process.stderr.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}

function writeResults(dir, summary, machine, options) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'results.md'), markdownReport(summary, machine, options));
  fs.writeFileSync(path.join(dir, 'chart.svg'), chartSvg(chartBarsFromSummary(summary), {
    title: 'Echo rate relative to node:net / node:dgram / node:cluster', whiskers: 'lowest and highest round',
  }));
  process.stderr.write(`wrote ${path.relative(process.cwd(), dir) || '.'}/results.md and chart.svg\n`);
}

const README = path.join(path.dirname(BENCH), 'README.md');
const README_BEGIN = '<!-- bench-table:begin (written by node bench/run.mjs --readme --update-readme) -->';
const README_END = '<!-- bench-table:end -->';

/** The README claims from several full runs: terminal, readme.md, chart, and README.md. */
function writeClaims(dir, summaries, machine, options) {
  const rows = aggregateClaims(summaries);
  const fullRuns = summaries.length;
  const { markdown, noise } = claimsTable(rows, { fullRuns, maxOther: options.maxOther });
  process.stdout.write(`\n${markdown}`);
  if (noise) process.stdout.write(`${noise} row(s) within 0.9-1.1x of the baseline: noise, not a difference\n`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'readme.md'), claimsReport(rows, { machine, fullRuns, options, maxOther: options.maxOther }));
  fs.writeFileSync(path.join(dir, 'readme-chart.svg'), chartSvg(chartBarsFromClaims(rows), {
    title: 'Echo rate relative to node:net / node:dgram / node:cluster', whiskers: `lowest and highest of ${fullRuns} full runs`,
  }));
  process.stderr.write(`wrote ${path.relative(process.cwd(), dir) || '.'}/readme.md and readme-chart.svg\n`);
  if (!options.updateReadme) return;
  const text = fs.readFileSync(README, 'utf8');
  const i = text.indexOf(README_BEGIN);
  const j = text.indexOf(README_END);
  if (i < 0 || j < i) throw new Error(`README.md has no ${README_BEGIN} ... ${README_END} section`);
  const rel = path.relative(path.dirname(README), dir).split(path.sep).join('/');
  const section = [
    README_BEGIN,
    `${fullRuns} full runs on ${machine.cpu} (nproc ${machine.nproc}), ${machine.kernel}, Node ${machine.node.replace(/^v/, '')},`,
    `${machine.date.slice(0, 16).replace('T', ' ')} UTC; every run in [${rel}/readme.md](${rel}/readme.md).`,
    '',
    `![echo rate relative to node:net / node:dgram](${rel}/readme-chart.svg)`,
    '',
    markdown.trimEnd(),
    README_END,
  ].join('\n');
  fs.writeFileSync(README, text.slice(0, i) + section + text.slice(j + README_END.length));
  process.stderr.write('updated the performance table in README.md\n');
}

/** Re-renders the outputs of earlier --json files (or --readme's readme-runs.json) with the current code. */
function render(files, opts) {
  const saved = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
  const entries = [...SERVERS, ...PAIRS];
  const jobsOf = (runs) => {
    const seen = new Set(runs.map((r) => `${r.config}/${r.entry}`));
    const jobs = [];
    for (const config of CONFIGS) {
      for (const entry of entries) if (seen.has(`${config.id}/${entry.name}`)) jobs.push({ config, entry });
    }
    return jobs;
  };
  const fullRuns = saved.flatMap((s) => s.fullRuns ?? []);
  const options = { ...saved[0].options, maxOther: saved[0].options?.maxOther ?? opts.maxOther, updateReadme: opts.updateReadme };
  if (fullRuns.length) {
    const summaries = fullRuns.map((fr) => summarize(CONFIGS, jobsOf(fr.runs), fr.runs, options));
    if (!opts.out && !opts.updateReadme) {
      process.stdout.write(claimsTable(aggregateClaims(summaries), { fullRuns: summaries.length, maxOther: options.maxOther }).markdown);
      return;
    }
    return writeClaims(opts.out ?? RESULTS, summaries, saved[0].machine, options);
  }
  if (opts.updateReadme) usage('--update-readme: these files hold no --readme full runs');
  if (saved.length > 1) usage('--render: several files only for the full runs of --readme');
  const summary = summarize(CONFIGS, jobsOf(saved[0].runs), saved[0].runs, options);
  process.stdout.write(textTable(summary, options));
  if (opts.out) writeResults(opts.out, summary, saved[0].machine, options);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  for (const c of live) { try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ } }
  for (const p of socketPaths) fs.rmSync(p, { force: true });
  process.exit(1);
});
