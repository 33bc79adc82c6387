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
// runs of one round.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './build.mjs';
import { SERVERS, PAIRS, LOADGEN } from './servers/index.mjs';
import { summarize, textTable, markdownReport, chartSvg, machineInfo } from './report.mjs';

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

// ---- command line ---------------------------------------------------------

const HELP = `usage: node bench/run.mjs [options]
  --quick          short runs, a subset of configurations (under a minute)
  --runs N         runs per (configuration, server)        [3; quick 1]
  --duration S     measured seconds per run                [3; quick 1]
  --warmup S       warmup seconds before measuring         [0.5; quick 0.25]
  --filter REGEX   only jobs whose "config-id/server-name" matches (the
                   baseline and C server of each selected configuration
                   always run too, for the ratios)
  --max-other PCT  noise limit, in % of a core used by other processes: wait
                   before a run while the machine is busier (10 s at most,
                   45 s in all), re-run a run once if its window was [25]
  --json FILE      write every run and the summary as JSON
  --report         write results/results.md and chart.svg even if --quick or --filter
  --list           print the jobs and exit
  --render FILE    no runs: print the table and write results.md and chart.svg
                   from a --json FILE of an earlier invocation
`;

function parseCli(argv) {
  const o = { argv, quick: false, runs: null, duration: null, warmup: null, filter: null, json: null, report: false, list: false, maxOther: 25, render: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) fail(`${a} needs a value`);
      return argv[++i];
    };
    const number = () => {
      const n = Number(value());
      if (!(n > 0)) fail(`${a} needs a positive number`);
      return n;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--runs') o.runs = Math.round(number());
    else if (a === '--duration') o.duration = number();
    else if (a === '--warmup') o.warmup = number();
    else if (a === '--filter') o.filter = new RegExp(value());
    else if (a === '--max-other') o.maxOther = number();
    else if (a === '--json') o.json = value();
    else if (a === '--report') o.report = true;
    else if (a === '--list') o.list = true;
    else if (a === '--render') o.render = value();
    else if (a === '-h' || a === '--help') { process.stdout.write(HELP); process.exit(0); }
    else fail(`unknown option ${a}`);
  }
  o.runs ??= o.quick ? 1 : 3;
  o.duration ??= o.quick ? 1 : 3;
  o.warmup ??= o.quick ? 0.25 : 0.5;
  return o;
}

function fail(msg) {
  process.stderr.write(`${msg}\n${HELP}`);
  process.exit(2);
}

/** (config, entry) pairs to run: entries serving the transport, filtered. */
function selectJobs(opts) {
  const jobs = [];
  for (const config of CONFIGS) {
    if (opts.quick && !config.quick) continue;
    const entries = config.e2e
      ? PAIRS
      : SERVERS.filter((s) => s.transports.includes(config.transport) && (!s.configs || s.configs.test(config.id)));
    const chosen = entries.filter((e) => !opts.filter || opts.filter.test(`${config.id}/${e.name}`));
    if (chosen.length === 0) continue;
    for (const entry of entries) {
      if (chosen.includes(entry) || entry.role) jobs.push({ config, entry });
    }
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

/** utime + stime of a process (all its threads), in seconds. */
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state is field 3, utime 14, stime 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
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
    const server = new Child(serverEntry.argv(config.transport, sockPath ?? '0'), 'server');
    children.push(server);
    const [, where] = await server.nextLine(/^READY (\S+)/, performance.now() + 10_000);
    const target = sockPath ? `unix:${where}` : `${config.transport}:127.0.0.1:${where}`;

    const args = [config.mode, target, '-s', config.size, '-c', config.conns, '-d', opts.duration, '-W', opts.warmup];
    if (config.window) args.push('-w', config.window);
    const client = new Child(entry.client ? entry.client(args.map(String)) : [LOADGEN, ...args.map(String)], 'client');
    children.push(client);

    // Sample inside the line callback: no event-loop turn between the line and the read.
    const deadline = performance.now() + (opts.warmup + opts.duration) * 1000 + 15_000;
    const sample = () => ({
      t: performance.now(), srv: cpuSeconds(server.pid), cli: cpuSeconds(client.pid), all: machineBusySeconds(),
    });
    let start, stop;
    await client.nextLine(/^START$/, deadline, () => { start = sample(); });
    await client.nextLine(/^STOP$/, deadline, () => { stop = sample(); });
    const [json] = await client.nextLine(/^\{.*\}$/, deadline);
    const r = JSON.parse(json);
    if (r.error) throw new Error(`client: ${r.error}`);
    if (!(r.ops > 0)) throw new Error('no echo in the measured window');
    if (server.closed) throw new Error(`server exited (${server.exitStatus}): ${server.stderr.trim().slice(-300)}`);

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
  const jobs = selectJobs(opts);
  if (opts.list) {
    for (const j of jobs) process.stdout.write(`${j.config.id}/${j.entry.name}\n`);
    return;
  }
  if (opts.render) return render(opts.render);
  if (jobs.length === 0) fail('no job matches');
  ensureBuilt();
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  const runs = [];
  const total = jobs.length * opts.runs;
  const bar = progress(total);
  // A run disturbed by other work on the machine is re-run once, within a
  // budget of 10% more runs, and waiting for quiet is bounded too, so that a
  // busy machine keeps the full run under 15 minutes.
  let retryBudget = Math.ceil(total / 10);
  const waitBudget = { seconds: opts.quick ? 5 : 45 };
  let n = 0;
  // Each round visits the configurations in a shuffled order and runs the
  // servers of one configuration back to back (shuffled too): a server and its
  // references run minutes apart at most, and summarize() pairs them by round.
  const byConfig = [...new Set(jobs.map((j) => j.config))].map((c) => jobs.filter((j) => j.config === c));
  for (let round = 1; round <= opts.runs; round++) {
    for (const job of shuffle(byConfig).flatMap(shuffle)) {
      if (interrupted) return; // onSigint exits once the children are gone
      bar.job(++n, job, round, opts.runs);
      const base = { config: job.config.id, entry: job.entry.name, round };
      let run;
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
      runs.push(run);
    }
  }
  bar.done();

  const summary = summarize(CONFIGS, jobs, runs);
  process.stdout.write(textTable(summary));
  const machine = machineInfo();
  if (opts.json) {
    const brief = summary.map(({ config, entry, runs: _runs, ...rest }) => ({ config: config.id, entry: entry.name, ...rest }));
    const options = { ...opts, filter: opts.filter?.source ?? null };
    fs.writeFileSync(opts.json, JSON.stringify({ machine, options, configs: CONFIGS, runs, summary: brief }, null, 2) + '\n');
    process.stderr.write(`wrote ${opts.json}\n`);
  }
  if (opts.report || (!opts.quick && !opts.filter)) writeResults(summary, machine, opts);
  if (runs.some((r) => r.error)) process.exitCode = 1;
}

function writeResults(summary, machine, opts) {
  fs.mkdirSync(RESULTS, { recursive: true });
  const entryOrder = [...SERVERS, ...PAIRS].map((e) => e.name);
  fs.writeFileSync(path.join(RESULTS, 'results.md'), markdownReport(summary, machine, opts));
  fs.writeFileSync(path.join(RESULTS, 'chart.svg'), chartSvg(summary, entryOrder));
  process.stderr.write(`wrote ${path.relative(process.cwd(), RESULTS)}/results.md and chart.svg\n`);
}

/** Re-renders the outputs of an earlier --json file with the current code. */
function render(file) {
  const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
  const entries = [...SERVERS, ...PAIRS];
  const seen = new Set(saved.runs.map((r) => `${r.config}/${r.entry}`));
  const jobs = [];
  for (const config of CONFIGS) {
    for (const entry of entries) if (seen.has(`${config.id}/${entry.name}`)) jobs.push({ config, entry });
  }
  const summary = summarize(CONFIGS, jobs, saved.runs);
  process.stdout.write(textTable(summary));
  writeResults(summary, saved.machine, saved.options);
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  for (const c of live) { try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ } }
  for (const p of socketPaths) fs.rmSync(p, { force: true });
  process.exit(1);
});
