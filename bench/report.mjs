// Summaries and output formats for bench/run.mjs: medians and paired ratios,
// the text table (stdout, at most 100 columns), results.md, the README claims
// table (median and range over several full runs) and the hand-written SVG
// chart.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

// ---- statistics -----------------------------------------------------------

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const minOf = (xs) => (xs.length ? Math.min(...xs) : NaN);
const maxOf = (xs) => (xs.length ? Math.max(...xs) : NaN);

/** The per-run metrics that get a median and a min-max. */
export const METRICS = ['rate', 'cpuUs', 'srvCpuPct', 'cliCpuPct', 'otherCpuPct', 'mbPerCpuSec', 'p50', 'p99', 'lossPct'];

/** A rate ratio inside [NOISE_LO, NOISE_HI] is not told apart from 1.0 on these machines. */
export const NOISE_LO = 0.9;
export const NOISE_HI = 1.1;
export const isNoise = (ratio) => ratio >= NOISE_LO && ratio <= NOISE_HI;

const okRuns = (g) => g.runs.filter((r) => !r.error);

/**
 * Groups runs by (config, entry) and adds medians, min, max and the ratios to
 * the configuration's baseline (net / dgram) and to its C server (the
 * configuration's `ceiling` entry, or the one the entry names in `ceiling`:
 * the C recvmmsg/sendmmsg server for the bsdsock mmsg server).
 *
 * Ratios pair runs of the same round (minutes apart at most), so drift of
 * the machine between rounds cancels: `rate` is this rate / the reference's
 * rate (higher is better), `cpu` is this CPU per op / the reference's CPU per
 * op (lower is better: 1.27 = 27% more CPU than the reference for the same
 * work). Each is the median of the per-round ratios; min/max the extremes.
 * `busy` counts runs during whose window other processes used more than
 * `maxOther` percent of a core.
 */
export function summarize(configs, jobs, runs, { maxOther = 25 } = {}) {
  const groups = jobs.map(({ config, entry }) => {
    const mine = runs.filter((r) => r.config === config.id && r.entry === entry.name);
    const ok = mine.filter((r) => !r.error);
    const stat = (f) => Object.fromEntries(METRICS.map((k) => [k, f(ok.map((r) => r[k]).filter(Number.isFinite))]));
    return {
      config, entry, runs: mine, ok: ok.length,
      errors: mine.filter((r) => r.error).map((r) => r.error),
      busy: ok.filter((r) => r.otherCpuPct > maxOther).length,
      spread: lastSpread(ok),
      med: stat(median), min: stat(minOf), max: stat(maxOf),
    };
  });
  for (const g of groups) {
    const find = (pred) => groups.find((o) => o.config === g.config && pred(o.entry));
    const ratio = (ref) => {
      const pairs = ref ? okRuns(g).flatMap((mine) => okRuns(ref).filter((o) => o.round === mine.round).map((o) => [mine, o])) : [];
      if (pairs.length === 0) return null;
      const rates = pairs.map(([mine, o]) => mine.rate / o.rate);
      const cpus = pairs.map(([mine, o]) => mine.cpuUs / o.cpuUs);
      return {
        ref: ref.entry.name,
        rate: median(rates), rateMin: minOf(rates), rateMax: maxOf(rates),
        cpu: median(cpus), cpuMin: minOf(cpus), cpuMax: maxOf(cpus),
      };
    };
    g.vsBase = ratio(find((e) => e.role === 'baseline'));
    g.vsCeil = ratio(g.entry.ceiling ? find((e) => e.name === g.entry.ceiling) : find((e) => e.role === 'ceiling'));
  }
  // Keep configuration order, then registry order inside a configuration.
  const order = (g) => configs.indexOf(g.config) * 1000 + jobs.findIndex((j) => j.entry === g.entry);
  return groups.sort((a, b) => order(a) - order(b));
}

/** Connections per worker (multi-worker servers), from the median run. */
function lastSpread(ok) {
  const spreads = ok.map((r) => r.spread).filter(Array.isArray);
  return spreads.length ? spreads[spreads.length >> 1] : null;
}

// ---- formatting -----------------------------------------------------------

export const fmt = (x, digits = null) => {
  if (!Number.isFinite(x)) return '-';
  if (digits !== null) return x.toFixed(digits);
  const a = Math.abs(x);
  return a >= 1000 ? Math.round(x).toLocaleString('en-US') : a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
};
const range = (lo, hi, digits = null) => {
  const [a, b] = [fmt(lo, digits), fmt(hi, digits)];
  return Number.isFinite(lo) && a !== b ? `${a}-${b}` : '';
};

/** Groups summaries by configuration: [[config, groups[]], ...]. */
function byConfig(summary) {
  const map = new Map();
  for (const g of summary) map.set(g.config, [...(map.get(g.config) ?? []), g]);
  return [...map];
}

export const configHeading = (c) =>
  `${c.title}  (rate: ${c.unit}; CPU per ${c.opName}${c.e2e ? ', client + server' : ', server'})`;

const roleTag = (e) => (e.role === 'baseline' ? ' (base)' : e.role === 'ceiling' ? ' (C)' : '');
const BUSY = '!';
const spreadText = (s) => (s ? s.join('/') : '');

/**
 * The columns of one configuration's table. Every table has rate, the ratio
 * to net/dgram with its per-round range, CPU per op and CPU relative to C;
 * ping-pong adds p50/p99, UDP the loss, stream MB per CPU-second, a
 * multi-worker configuration the spread of connections. `short` columns are
 * the terminal's (<= 100 columns); the markdown report has them all.
 */
function columns(config, short) {
  const pp = config.mode === 'pingpong';
  const udp = config.mode === 'udp';
  const st = config.mode === 'stream';
  const cols = [
    { h: 'server', f: (g) => (g.busy ? BUSY : '') + g.entry.label + roleTag(g.entry), left: true },
    ...(short ? [] : [{ h: 'calls', f: (g) => `\`${g.entry.calls}\``, left: true }]),
    { h: 'rate', f: (g) => fmt(g.med.rate) },
    ...(short ? [] : [{ h: 'min-max', f: (g) => (g.ok > 1 ? range(g.min.rate, g.max.rate) : '') }]),
    { h: 'x base', f: (g) => (g.vsBase ? fmt(g.vsBase.rate, 2) : '-') },
    { h: 'rounds', f: (g) => (g.vsBase ? range(g.vsBase.rateMin, g.vsBase.rateMax, 2) : '') },
    { h: 'µs/op', f: (g) => fmt(g.med.cpuUs) },
    ...(short ? [] : [{ h: 'CPU/base', f: (g) => (g.vsBase ? fmt(g.vsBase.cpu, 2) : '-') }]),
    { h: 'CPU/C', f: (g) => (g.vsCeil ? fmt(g.vsCeil.cpu, 2) : '-') },
    ...(pp ? [{ h: 'p50 µs', f: (g) => fmt(g.med.p50) }, { h: 'p99 µs', f: (g) => fmt(g.med.p99) }] : []),
    ...(udp ? [{ h: 'loss%', f: (g) => fmt(g.med.lossPct, 2) }] : []),
    ...(st ? [{ h: 'MB/CPU-s', f: (g) => fmt(g.med.mbPerCpuSec) }] : []),
    ...(config.workers ? [{ h: 'spread', f: (g) => spreadText(g.spread) }] : []),
    ...(short ? [] : [{ h: 'srv CPU%', f: (g) => fmt(g.med.srvCpuPct, 0) }]),
    { h: 'cli%', f: (g) => fmt(g.med.cliCpuPct, 0) },
    { h: 'oth%', f: (g) => fmt(g.med.otherCpuPct, 0) },
  ];
  return cols;
}

function failedText(g) {
  return `FAILED (${(g.errors[0] ?? 'no run').split('\n')[0].slice(0, 60)})`;
}

export const TERMINAL_WIDTH = 100;

export function textTable(summary, { maxOther = 25 } = {}) {
  const out = [];
  for (const [config, groups] of byConfig(summary)) {
    const cols = columns(config, true);
    const cells = groups.map((g) => (g.ok ? cols.map((c) => String(c.f(g))) : null));
    const widths = cols.map((c, i) => Math.max(c.h.length, ...cells.filter(Boolean).map((r) => r[i].length)));
    // The server label gives way first if the row would be wider than the terminal.
    const over = widths.reduce((a, b) => a + b, 0) + 2 * (cols.length - 1) - TERMINAL_WIDTH;
    if (over > 0) widths[0] = Math.max(12, widths[0] - over);
    const line = (r) => r.map((cell, i) => {
      const s = cell.length > widths[i] ? `${cell.slice(0, widths[i] - 1)}~` : cell;
      return cols[i].left ? s.padEnd(widths[i]) : s.padStart(widths[i]);
    }).join('  ').trimEnd();
    out.push('', `== ${config.title}  [${config.id}]`, `   rate: ${config.unit}; µs/op: ${config.e2e ? 'client + server' : 'server'} CPU per ${config.opName}`);
    out.push(line(cols.map((c) => c.h)));
    groups.forEach((g, i) => out.push(cells[i] ? line(cells[i]) : `${g.entry.label.padEnd(widths[0])}  ${failedText(g)}`.slice(0, TERMINAL_WIDTH)));
  }
  out.push('', ...legendLines(summary, maxOther));
  return out.join('\n') + '\n';
}

/** What the columns mean and which calls each server makes, for the terminal. */
function legendLines(summary, maxOther) {
  const lines = [
    'x base: rate / net (dgram for UDP) rate, median of per-round ratios; rounds: lowest-highest',
    'round. µs/op: server CPU per op. CPU/C: this CPU per op / the C server\'s (lower is better).',
    `${BUSY}: other processes used more than ${maxOther}% of a core during a window of that row (busy).`,
    'servers and the calls they make:',
  ];
  const seen = new Set();
  for (const g of summary) {
    if (seen.has(g.entry.name)) continue;
    seen.add(g.entry.name);
    lines.push(...wrap(`  ${g.entry.label}: ${g.entry.calls}`, '      '));
  }
  return lines;
}

/** Splits a line at spaces so that no piece is longer than the terminal. */
function wrap(text, indent) {
  const out = [];
  let line = '';
  for (const word of text.split(/(?<= )/)) {
    if (line && (line + word).trimEnd().length > TERMINAL_WIDTH) {
      out.push(line.trimEnd());
      line = indent + word;
    } else line += word;
  }
  out.push(line.trimEnd());
  return out;
}

const mdCell = (s) => String(s).replace(/\|/g, '\\|');

export function markdownTables(summary) {
  const out = [];
  for (const [config, groups] of byConfig(summary)) {
    const cols = columns(config, false);
    out.push(`### ${configHeading(config)}`, '');
    out.push(`| ${cols.map((c) => c.h).join(' | ')} |`, `|${cols.map((c) => (c.left ? '---' : '---:')).join('|')}|`);
    for (const g of groups) {
      const cells = g.ok ? cols.map((c) => c.f(g)) : [g.entry.label, failedText(g), ...Array(cols.length - 2).fill('')];
      out.push(`| ${cells.map(mdCell).join(' | ')} |`);
    }
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

const machineLine = (m) => `${m.cpu}, nproc ${m.nproc}, ${m.kernel}, Node ${m.node.replace(/^v/, '')}`;

export function markdownReport(summary, machine, options) {
  const maxOther = options.maxOther ?? 25;
  return [
    '# bsdsock echo benchmark results',
    '',
    `Generated by \`node bench/run.mjs ${(options.argv ?? []).join(' ')}\` (see bench/README.md for the columns).`,
    '',
    `- machine: ${machineLine(machine)}`,
    `- date: ${machine.date}`,
    `- ${options.runs} round${options.runs === 1 ? '' : 's'} of every (configuration, server), ${options.duration} s measured after ${options.warmup} s warmup, order shuffled`,
    '',
    '"x base" is the rate relative to node:net (`net on(\'data\') write`), node:dgram for UDP, net client -> net server',
    'end to end, node:cluster for the multi-worker configuration: the median of per-round ratios, "rounds" the',
    'lowest and highest round. "CPU/base" and "CPU/C" are this server\'s CPU per op divided by the baseline\'s and',
    'by the C server\'s of the same round (lower is better; C is recvfrom/sendto for UDP, and recvmmsg/sendmmsg for',
    'the mmsg servers). Every row names the calls its server makes.',
    `Noise: other processes used a median ${fmt(median(summary.flatMap((g) => g.runs.map((r) => r.otherCpuPct)).filter(Number.isFinite)), 0)}% of a core during the measured windows (column oth%);`,
    `rows marked ${BUSY} had a window with more than ${maxOther}%.`,
    '',
    '![ratio to net/dgram](chart.svg)',
    '',
    markdownTables(summary),
  ].join('\n');
}

// ---- the README claims: median and range over full runs --------------------

/**
 * One row per (configuration, server) of the README set, aggregated over
 * `summaries` (one per full run): the median over the full runs of each
 * run's paired ratio / median, and the lowest and highest full run.
 */
export function aggregateClaims(summaries) {
  const rows = new Map();
  for (const summary of summaries) {
    for (const g of summary) {
      const key = `${g.config.id}/${g.entry.name}`;
      if (!rows.has(key)) rows.set(key, { config: g.config, entry: g.entry, runs: [] });
      if (g.ok) rows.get(key).runs.push(g);
    }
  }
  const agg = (xs) => {
    const v = xs.filter(Number.isFinite);
    return { med: median(v), min: minOf(v), max: maxOf(v), n: v.length };
  };
  return [...rows.values()].map((r) => ({
    ...r,
    fullRuns: r.runs.length,
    busy: r.runs.reduce((n, g) => n + g.busy, 0),
    rate: agg(r.runs.map((g) => g.vsBase?.rate)),
    cpuUs: agg(r.runs.map((g) => g.med.cpuUs)),
    cpuVsBase: agg(r.runs.map((g) => g.vsBase?.cpu)),
    cpuVsC: agg(r.runs.map((g) => g.vsCeil?.cpu)),
    mbPerCpuSec: agg(r.runs.map((g) => g.med.mbPerCpuSec)),
    p50: agg(r.runs.map((g) => g.med.p50)),
    p99: agg(r.runs.map((g) => g.med.p99)),
    lossPct: agg(r.runs.map((g) => g.med.lossPct)),
    spread: r.runs.map((g) => g.spread).find(Boolean) ?? null,
  }));
}

const withRange = (a, digits, suffix = '') =>
  !Number.isFinite(a.med) ? '-' : `${fmt(a.med, digits)}${suffix}${a.max > a.min ? ` (${fmt(a.min, digits)}-${fmt(a.max, digits)})` : ''}`;

/** The README's performance table (markdown) from aggregateClaims(). */
export function claimsTable(rows, { fullRuns, maxOther = 25 }) {
  const unit = (c) => (c.mode === 'stream' ? 'µs/MB' : c.mode === 'udp' ? 'µs/echo' : 'µs/round trip');
  const out = [
    '| configuration | server: the calls it makes | rate vs net/dgram | server CPU per op | CPU vs C | p50 / p99 µs |',
    '|---|---|---:|---:|---:|---:|',
  ];
  let noise = 0;
  for (const r of rows) {
    const e = r.entry;
    let rate;
    if (e.role === 'baseline') rate = '1 (baseline)';
    else {
      rate = `${withRange(r.rate, 2, 'x')}`;
      if (isNoise(r.rate.med)) { rate += ' noise'; noise++; }
    }
    const cpuVsC = r.cpuVsC.med === 1 && r.cpuVsC.max === 1 ? '1 (C)' : withRange(r.cpuVsC, 2, 'x');
    const lat = r.config.mode === 'pingpong' && !r.config.e2e ? `${fmt(r.p50.med)} / ${fmt(r.p99.med)}` : '';
    const name = `${r.busy ? `${BUSY} ` : ''}${e.label}: \`${e.calls}\``;
    out.push(`| ${r.config.title} | ${mdCell(name)} | ${rate} | ${withRange(r.cpuUs, null, ` ${unit(r.config)}`)} | ${cpuVsC} | ${lat} |`);
  }
  const notes = [
    '',
    `Median of ${fullRuns} full runs (\`npm run bench -- --readme\`), in parentheses the lowest and highest`,
    'full run; each full run pairs every server with its references round by round (shuffled order).',
    'Rate vs net/dgram: higher is better; "noise" marks a ratio between 0.9x and 1.1x, which these',
    'machines do not tell apart from 1.0. CPU vs C: server CPU per op / the C server\'s of the same round',
    '(C recvfrom/sendto for UDP, C recvmmsg/sendmmsg for the mmsg row; end to end: client + server).',
  ];
  if (rows.some((r) => r.busy)) notes.push(`${BUSY}: measured while other processes used more than ${maxOther}% of a core in some window.`);
  return { markdown: out.join('\n') + '\n' + notes.join('\n') + '\n', noise };
}

export function claimsReport(rows, { machine, fullRuns, options, maxOther }) {
  const { markdown } = claimsTable(rows, { fullRuns, maxOther });
  return [
    '# bsdsock README claims',
    '',
    `Generated by \`node bench/run.mjs ${(options.argv ?? []).join(' ')}\` (see bench/README.md).`,
    '',
    `- machine: ${machineLine(machine)}`,
    `- date: ${machine.date}`,
    `- ${fullRuns} full runs of ${options.runs} rounds each, ${options.duration} s measured after ${options.warmup} s warmup`,
    '',
    '![ratio to net/dgram](readme-chart.svg)',
    '',
    markdown,
  ].join('\n');
}

// ---- chart ----------------------------------------------------------------

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A fixed colour per kind of server, the same in every group and every chart. */
export const KINDS = {
  c: { color: '#7f7f7f', legend: 'C (epoll)' },
  node: { color: '#f28e2b', legend: 'node:net / node:dgram / node:cluster' },
  'bsdsock-async': { color: '#4e79a7', legend: 'bsdsock async/await (recv, recvInto, recvfrom)' },
  'bsdsock-ready': { color: '#59a14f', legend: 'bsdsock readiness callbacks (onReadable + try*)' },
  'bsdsock-batch': { color: '#b07aa1', legend: 'bsdsock batches (tryRecvmmsg / trySendmmsg)' },
  'bsdsock-stream': { color: '#76b7b2', legend: 'bsdsock makefile() stream' },
};

/** Bars from a summary: the rate ratio to the baseline, whiskers at the extreme rounds. */
export const chartBarsFromSummary = (summary) =>
  summary.filter((g) => g.vsBase).map((g) => ({ config: g.config, entry: g.entry, ratio: g.vsBase.rate, lo: g.vsBase.rateMin, hi: g.vsBase.rateMax }));

/** Bars from aggregateClaims(): median over full runs, whiskers at the extreme full runs. */
export const chartBarsFromClaims = (rows) =>
  rows.filter((r) => Number.isFinite(r.rate.med)).map((r) => ({ config: r.config, entry: r.entry, ratio: r.rate.med, lo: r.rate.min, hi: r.rate.max }));

/**
 * Horizontal bars: for each configuration, each server's rate relative to
 * the baseline, whiskers from `lo` to `hi`, a dashed line at 1.0, a legend of
 * the server kinds.
 */
export function chartSvg(bars, { title, whiskers }) {
  const groups = [];
  for (const b of bars) {
    const last = groups[groups.length - 1];
    if (last && last[0] === b.config) last[1].push(b);
    else groups.push([b.config, [b]]);
  }
  const usedKinds = Object.keys(KINDS).filter((k) => bars.some((b) => b.entry.kind === k));
  const bar = 16, gap = 4, head = 22, groupGap = 12;
  const left = 300, plotW = 480, right = 60, legendRow = 16;
  const top = 40 + usedKinds.length * legendRow + 10;
  const maxRatio = Math.max(2, ...bars.map((b) => b.hi).filter(Number.isFinite));
  const xMax = Math.ceil(maxRatio * 2) / 2;
  const x = (r) => left + (Math.min(r, xMax) / xMax) * plotW;
  const height = top + groups.reduce((h, [, gs]) => h + head + gs.length * (bar + gap) + groupGap, 0) + 30;
  const width = left + plotW + right;
  const color = (b) => KINDS[b.entry.kind]?.color ?? '#000';

  const legend = usedKinds.map((k, i) => {
    const y = 36 + i * legendRow;
    return `<rect x="8" y="${y}" width="12" height="12" fill="${KINDS[k].color}"/><text x="26" y="${y + 10}" font-size="11">${esc(KINDS[k].legend)}</text>`;
  });
  const el = []; // bars and labels; the grid goes under them
  let y = top;
  for (const [config, gs] of groups) {
    el.push(`<text x="8" y="${y + 15}" font-size="12" font-weight="bold">${esc(config.title)}</text>`);
    y += head;
    for (const b of gs) {
      const cy = y + bar / 2;
      el.push(`<text x="${left - 6}" y="${cy + 4}" font-size="11" text-anchor="end">${esc(b.entry.label)}</text>`);
      el.push(`<rect x="${left}" y="${y}" width="${(x(b.ratio) - left).toFixed(1)}" height="${bar}" fill="${color(b)}"/>`);
      if (b.hi > b.lo) {
        el.push(`<line x1="${x(b.lo).toFixed(1)}" x2="${x(b.hi).toFixed(1)}" y1="${cy}" y2="${cy}" stroke="#333"/>`);
      }
      el.push(`<text x="${(Math.max(x(b.ratio), x(b.hi || 0)) + 4).toFixed(1)}" y="${cy + 4}" font-size="11">${b.ratio.toFixed(2)}x</text>`);
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
    `<text x="8" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text x="8" y="${top - 8}" font-size="10" fill="#555">${esc(`bars: median; whiskers: ${whiskers}; dashed line: 1.0 (the baseline)`)}</text>`,
    ...legend,
    ...grid,
    ...el,
    `<line x1="${x(1)}" x2="${x(1)}" y1="${top - 4}" y2="${y}" stroke="#000" stroke-dasharray="4 3"/>`,
    '</svg>',
    '',
  ].join('\n');
}
