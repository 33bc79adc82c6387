// Builds the C programs (echo_server, loadgen) into bench/build/ with `cc -O2`
// when a binary is missing or older than its source. `node bench/build.mjs`
// builds by hand; bench/run.mjs calls ensureBuilt() first.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const PROGRAMS = ['echo_server', 'loadgen'];

const mtime = (file) => {
  try { return fs.statSync(file).mtimeMs; } catch { return -1; }
};

export function ensureBuilt({ force = false, log = (msg) => process.stderr.write(msg + '\n') } = {}) {
  fs.mkdirSync(path.join(BENCH, 'build'), { recursive: true });
  for (const name of PROGRAMS) {
    const src = path.join(BENCH, 'c', `${name}.c`);
    const bin = path.join(BENCH, 'build', name);
    if (!force && mtime(bin) >= mtime(src)) continue;
    const cmd = ['-O2', '-Wall', '-Wextra', '-o', bin, src];
    log(`cc ${cmd.join(' ')}`);
    execFileSync(process.env.CC || 'cc', cmd, { stdio: 'inherit' });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureBuilt({ force: process.argv.includes('--force') });
}
