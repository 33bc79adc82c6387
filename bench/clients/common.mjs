// Shared by the end-to-end ping-pong clients (net-pingpong.mjs and
// bsdsock-pingpong.mjs): the load generator's command line, its START/STOP timeline
// and its JSON result line, so the driver treats a client like bench/build/loadgen.
//
//   <client> pingpong tcp:HOST:PORT|unix:PATH [-s size] [-c conns] [-d secs] [-W warmup]

/** Parses the loadgen command line (pingpong mode only). */
export function parseArgs(argv = process.argv.slice(2)) {
  const [mode, target, ...rest] = argv;
  const opt = { mode, target, size: 64, conns: 1, duration: 5, warmup: 0.5 };
  const flags = { s: 'size', c: 'conns', d: 'duration', W: 'warmup' };
  for (let i = 0; i < rest.length; i += 2) {
    const key = flags[rest[i]?.replace(/^-/, '')];
    if (!key || rest[i + 1] === undefined) usage();
    opt[key] = Number(rest[i + 1]);
  }
  if (mode !== 'pingpong' || !target) usage();
  const m = /^(tcp):(.+):(\d+)$/.exec(target) ?? /^(unix):(.+)$/.exec(target);
  if (!m) usage();
  opt.address = m[1] === 'tcp' ? { host: m[2], port: Number(m[3]) } : { path: m[2] };
  return opt;
}

function usage() {
  console.error('usage: pingpong tcp:HOST:PORT|unix:PATH [-s size] [-c conns] [-d secs] [-W warmup]');
  process.exit(2);
}

/**
 * Round-trip bookkeeping. Call record(ns) for every completed round trip;
 * it counts only inside the measured window. start() schedules the
 * warmup -> START -> STOP timeline and calls onDone() after printing the result.
 */
export class Recorder {
  constructor(opt) {
    this.opt = opt;
    this.measuring = false;
    this.latencies = [];
  }

  record(ns) {
    if (this.measuring) this.latencies.push(ns);
  }

  start(onDone) {
    setTimeout(() => {
      this.latencies = [];
      this.measuring = true;
      this.t0 = process.hrtime.bigint();
      process.stdout.write('START\n');
      setTimeout(() => {
        this.measuring = false;
        const seconds = Number(process.hrtime.bigint() - this.t0) / 1e9;
        process.stdout.write('STOP\n');
        process.stdout.write(JSON.stringify(this.result(seconds)) + '\n', onDone);
      }, this.opt.duration * 1000);
    }, this.opt.warmup * 1000);
  }

  result(seconds) {
    const { opt } = this;
    const lat = Float64Array.from(this.latencies).sort();
    const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] / 1000 : 0);
    const ops = lat.length;
    return {
      mode: opt.mode, target: opt.target, size: opt.size, conns: opt.conns, seconds,
      ops, bytes: ops * opt.size, lost: 0,
      ops_per_s: ops / seconds, mb_per_s: (ops * opt.size) / 1e6 / seconds,
      p50_us: pct(0.5), p99_us: pct(0.99),
    };
  }
}
