// Summaries and output formats for bench/run.mjs: medians and ratios, the text
// table (stdout), results.md and the hand-written SVG chart.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

// ---- statistics -----------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The per-run metrics that get a median and a min-max. */
export const METRICS = ['rate', 'cpuUs', 'srvCpuPct', 'cliCpuPct', 'otherCpuPct', 'mbPerCpuSec', 'p50', 'p99', 'lossPct'];

/**
 * Groups runs by (config, entry) and adds medians, min, max and the ratios to
 * the configuration's baseline (net / dgram) and ceiling (C). Every ratio is
 * "higher is better": rate / ref rate, and ref CPU per op / CPU per op.
 * A ratio is the median of per-round ratios (a run against its reference's
 * run of the same round, which ran minutes apart at most), so drift of the
 * machine between rounds cancels; min/max are the extreme rounds.
 */
const okRuns = (g) => g.runs.filter((r) => !r.error);

export function summarize(configs, jobs, runs) {
  const groups = jobs.map(({ config, entry }) => {
    const mine = runs.filter((r) => r.config === config.id && r.entry === entry.name);
    const ok = mine.filter((r) => !r.error);
    const stat = (f) => Object.fromEntries(METRICS.map((k) => [k, f(ok.map((r) => r[k]).filter(Number.isFinite))]));
    return {
      config, entry, runs: mine, ok: ok.length,
      errors: mine.filter((r) => r.error).map((r) => r.error),
      med: stat(median),
      min: stat((xs) => (xs.length ? Math.min(...xs) : NaN)),
      max: stat((xs) => (xs.length ? Math.max(...xs) : NaN)),
    };
  });
  for (const g of groups) {
    const ref = (role) => groups.find((o) => o.config === g.config && o.entry.role === role);
    const ratio = (ref) => {
      const pairs = ref ? okRuns(g).flatMap((mine) => okRuns(ref).filter((o) => o.round === mine.round).map((o) => [mine, o])) : [];
      if (pairs.length === 0) return null;
      const rates = pairs.map(([mine, o]) => mine.rate / o.rate);
      return {
        rate: median(rates), rateMin: Math.min(...rates), rateMax: Math.max(...rates),
        cpu: median(pairs.map(([mine, o]) => o.cpuUs / mine.cpuUs)),
      };
    };
    g.vsBase = ratio(ref('baseline'));
    g.vsCeil = ratio(ref('ceiling'));
  }
  // Keep configuration order, then registry order inside a configuration.
  const order = (g) => configs.indexOf(g.config) * 1000 + jobs.findIndex((j) => j.entry === g.entry);
  return groups.sort((a, b) => order(a) - order(b));
}

// ---- tables ---------------------------------------------------------------

const fmt = (x, digits = null) => {
  if (!Number.isFinite(x)) return '-';
  if (digits !== null) return x.toFixed(digits);
  const a = Math.abs(x);
  return a >= 1000 ? Math.round(x).toLocaleString('en-US') : a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
};

const HEADERS = ['server', 'rate', 'min-max', 'srv CPU%', 'cli CPU%', 'other%', 'CPU µs/op', 'MB/CPU-s',
  'p50 µs', 'p99 µs', 'x base', 'x base CPU', 'x C', 'x C CPU'];

/** One row of cells per (config, entry) group; shared by text and markdown. */
function row(g) {
  if (!g.ok) {
    const why = (g.errors[0] ?? 'no run').split('\n')[0].slice(0, 60);
    return Object.assign([g.entry.label, `FAILED (${why})`, ...Array(HEADERS.length - 2).fill('')], { failed: true });
  }
  const { med, min, max } = g;
  const pp = g.config.mode === 'pingpong';
  return [
    g.entry.label + (g.entry.role ? ` (${g.entry.role === 'baseline' ? 'base' : 'C'})` : ''),
    fmt(med.rate),
    g.ok > 1 ? `${fmt(min.rate)}-${fmt(max.rate)}` : '',
    fmt(med.srvCpuPct, 0),
    fmt(med.cliCpuPct, 0),
    fmt(med.otherCpuPct, 0),
    fmt(med.cpuUs),
    fmt(med.mbPerCpuSec),
    pp ? fmt(med.p50) : '',
    pp ? fmt(med.p99) : '',
    g.vsBase ? fmt(g.vsBase.rate, 2) : '-',
    g.vsBase ? fmt(g.vsBase.cpu, 2) : '-',
    g.vsCeil ? fmt(g.vsCeil.rate, 2) : '-',
    g.vsCeil ? fmt(g.vsCeil.cpu, 2) : '-',
  ];
}

/** Groups summaries by configuration: [[config, groups[]], ...]. */
function byConfig(summary) {
  const map = new Map();
  for (const g of summary) map.set(g.config, [...(map.get(g.config) ?? []), g]);
  return [...map];
}

export const configHeading = (c) =>
  `${c.title}  (rate: ${c.unit}; CPU per ${c.opName}${c.e2e ? ', client + server' : ', server'})`;

export function textTable(summary) {
  const out = [];
  for (const [config, groups] of byConfig(summary)) {
    const rows = [HEADERS, ...groups.map(row)];
    const aligned = rows.filter((r) => !r.failed); // a failure message spans the row
    const widths = HEADERS.map((_, i) => Math.max(...aligned.map((r) => String(r[i]).length)));
    out.push(`\n== ${configHeading(config)}  [${config.id}]`);
    for (const r of rows) {
      const cells = r.failed ? r.slice(0, 2) : r;
      out.push(cells.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  ').trimEnd());
    }
  }
  return out.join('\n') + '\n';
}

export function markdownTables(summary) {
  const out = [];
  for (const [config, groups] of byConfig(summary)) {
    out.push(`### ${configHeading(config)}`, '');
    out.push(`| ${HEADERS.join(' | ')} |`, `|${HEADERS.map((_, i) => (i ? '---:' : '---')).join('|')}|`);
    for (const g of groups) out.push(`| ${row(g).join(' | ')} |`);
    out.push('');
  }
  return out.join('\n');
}

// ---- machine info ---------------------------------------------------------

export function machineInfo() {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  let nproc;
  try { nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()); } catch { nproc = os.cpus().length; }
  return {
    nproc,
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    date: new Date().toISOString(),
  };
}

export function markdownReport(summary, machine, options) {
  return [
    '# bsdsock echo benchmark results',
    '',
    `Generated by \`node bench/run.mjs ${options.argv.join(' ')}\` (see bench/README.md for the columns).`,
    '',
    `- CPU: ${machine.cpu}, nproc ${machine.nproc}`,
    `- kernel: ${machine.kernel}`,
    `- node: ${machine.node}`,
    `- date: ${machine.date}`,
    `- ${options.runs} runs per (configuration, server), ${options.duration} s measured after ${options.warmup} s warmup, order shuffled`,
    '',
    '"x base" is relative to node:net (`net on(\'data\') write`), node:dgram for UDP, net client -> net server end to end;',
    '"x C" to the C server (epoll; recvmmsg/sendmmsg for UDP; C loadgen -> C epoll end to end).',
    'Every ratio is higher-is-better (rate ratio, and reference CPU per op / this CPU per op), the median of per-round ratios.',
    `Noise: other processes used a median ${fmt(median(summary.flatMap((g) => g.runs.map((r) => r.otherCpuPct)).filter(Number.isFinite)), 0)}% of a core during the measured windows (column other%).`,
    '',
    '![ratio to net/dgram](chart.svg)',
    '',
    markdownTables(summary),
  ].join('\n');
}

// ---- chart ----------------------------------------------------------------

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/**
 * Horizontal bars: for each configuration, each entry's rate relative to the
 * baseline (median of rounds, whiskers: extreme rounds), a dashed line at 1.0.
 */
export function chartSvg(summary, entryOrder) {
  const groups = byConfig(summary).map(([c, gs]) => [c, gs.filter((g) => g.vsBase)]).filter(([, gs]) => gs.length);
  const bar = 16, gap = 4, head = 22, groupGap = 12;
  const left = 260, plotW = 520, right = 60, top = 40;
  const maxRatio = Math.max(2, ...groups.flatMap(([, gs]) => gs.map((g) => g.vsBase.rateMax)).filter(Number.isFinite));
  const xMax = Math.ceil(maxRatio * 2) / 2;
  const x = (r) => left + (Math.min(r, xMax) / xMax) * plotW;
  const height = top + groups.reduce((h, [, gs]) => h + head + gs.length * (bar + gap) + groupGap, 0) + 30;
  const width = left + plotW + right;
  const color = (g) => PALETTE[Math.max(0, entryOrder.indexOf(g.entry.name)) % PALETTE.length];

  const el = []; // bars and labels; the grid goes under them
  let y = top;
  for (const [config, gs] of groups) {
    el.push(`<text x="8" y="${y + 15}" font-size="12" font-weight="bold">${esc(config.title)}</text>`);
    y += head;
    for (const g of gs) {
      const { rate, rateMin, rateMax } = g.vsBase;
      const cy = y + bar / 2;
      el.push(`<text x="${left - 6}" y="${cy + 4}" font-size="11" text-anchor="end">${esc(g.entry.label)}</text>`);
      el.push(`<rect x="${left}" y="${y}" width="${(x(rate) - left).toFixed(1)}" height="${bar}" fill="${color(g)}"/>`);
      if (rateMax > rateMin) {
        el.push(`<line x1="${x(rateMin).toFixed(1)}" x2="${x(rateMax).toFixed(1)}" y1="${cy}" y2="${cy}" stroke="#333"/>`);
      }
      el.push(`<text x="${(Math.max(x(rate), x(rateMax || 0)) + 4).toFixed(1)}" y="${cy + 4}" font-size="11">${rate.toFixed(2)}x</text>`);
      y += bar + gap;
    }
    y += groupGap;
  }
  const grid = []; // axis ticks every 0.5
  for (let t = 0; t <= xMax + 1e-9; t += 0.5) {
    grid.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${top}" y2="${y}" stroke="#ddd" stroke-width="0.5"/>`);
    grid.push(`<text x="${x(t)}" y="${y + 14}" font-size="10" text-anchor="middle">${t.toFixed(1)}</text>`);
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="8" y="20" font-size="14" font-weight="bold">Echo rate relative to node:net / node:dgram (median of rounds; whiskers: lowest and highest round)</text>`,
    ...grid,
    ...el,
    `<line x1="${x(1)}" x2="${x(1)}" y1="${top - 4}" y2="${y}" stroke="#000" stroke-dasharray="4 3"/>`,
    '</svg>',
    '',
  ].join('\n');
}
