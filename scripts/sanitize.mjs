#!/usr/bin/env node
// The sanitizer build and its test run (issue 8, "the second build").
//
//   node scripts/sanitize.mjs build   (npm run build:sanitize)
//     cmake-js builds CMakeLists.txt with -DBSDSOCK_SANITIZE=ON into
//     build/sanitize/build/Release/bsdsock.node (under build/, so git ignores
//     it; `node-gyp rebuild` wipes it with the rest of build/). build/Release
//     (node-gyp's, what every normal run loads) is never touched.
//   node scripts/sanitize.mjs test [vitest args]   (npm run test:sanitize)
//     runs the whole vitest suite against that build: node-gyp-build loads
//     $BSDSOCK_PREBUILD/build/Release/*.node first when BSDSOCK_PREBUILD is
//     set (its <PACKAGE NAME>_PREBUILD override), so lib/binding.ts needs no
//     change; the ASan runtime is preloaded (node itself is not built with
//     it) and every sanitizer report is fatal.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'build', 'sanitize');
const addon = path.join(outDir, 'build', 'Release', 'bsdsock.node');
const [cmd, ...rest] = process.argv.slice(2);

function run(file, args, env = process.env) {
  const r = spawnSync(file, args, { cwd: root, stdio: 'inherit', env });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/** The runtime library of a compiler (`gcc -print-file-name=libasan.so`), or null. */
function runtimeLib(name) {
  for (const cc of [process.env.CC, 'gcc', 'cc'].filter(Boolean)) {
    const r = spawnSync(cc, [`-print-file-name=${name}`], { encoding: 'utf8' });
    const p = r.status === 0 ? r.stdout.trim() : '';
    if (p && path.isAbsolute(p) && fs.existsSync(p)) return p;
  }
  return null;
}

if (cmd === 'build') {
  // Node's own headers (node.h, uv.h) from the install that runs us, as
  // node-gyp finds them: cmake-js then downloads nothing.
  const prefix = path.resolve(process.execPath, '..', '..');
  const env = { ...process.env };
  if (fs.existsSync(path.join(prefix, 'include', 'node', 'node.h'))) env.npm_config_nodedir = prefix;
  const cmakeJs = path.join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
  process.exit(
    run(process.execPath, [cmakeJs, 'build', '--out', path.join(outDir, 'build'), '--config', 'Release',
      '--CDBSDSOCK_SANITIZE=ON', '--prefer-gnu', '--log-level', 'warn', ...rest], env),
  );
} else if (cmd === 'test') {
  if (!fs.existsSync(addon)) {
    console.error(`sanitize: ${path.relative(root, addon)} is missing: run npm run build:sanitize first`);
    process.exit(1);
  }
  const asan = runtimeLib('libasan.so');
  if (!asan) {
    console.error('sanitize: libasan.so not found (install gcc\'s libasan, e.g. apt-get install libasan8)');
    process.exit(1);
  }
  const env = {
    ...process.env,
    BSDSOCK_PREBUILD: outDir,
    // lib/binding.ts loads exactly this file (in workers and children too).
    BSDSOCK_BINARY: addon,
    LD_PRELOAD: [asan, process.env.LD_PRELOAD].filter(Boolean).join(':'),
    // Node and V8 keep memory until exit by design: leak reports would be noise.
    // V8 installs its own SIGSEGV handler (wasm traps), which ASan must allow.
    ASAN_OPTIONS: 'detect_leaks=0:allow_user_segv_handler=1:abort_on_error=1:' + (process.env.ASAN_OPTIONS ?? ''),
    UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1:' + (process.env.UBSAN_OPTIONS ?? ''),
  };
  // The tests load the addon through dist/ too (workers, child processes).
  const code = run('npm', ['run', 'build:ts'], process.env);
  if (code !== 0) process.exit(code);
  // Prove the override works before spending minutes on the suite.
  const which = spawnSync(process.execPath, ['-p', "require('./dist/binding.js').bindingPath"], { cwd: root, env, encoding: 'utf8' });
  if (which.status !== 0 || path.resolve(which.stdout.trim()) !== addon) {
    console.error(`sanitize: lib/binding.ts does not load ${addon}:\n${which.stdout}${which.stderr}`);
    process.exit(1);
  }
  console.log(`sanitize: vitest against ${path.relative(root, addon)}, ASan runtime ${asan}`);
  process.exit(run(path.join(root, 'node_modules', '.bin', 'vitest'), ['run', ...rest], env));
} else {
  console.error('usage: node scripts/sanitize.mjs build|test [args]');
  process.exit(2);
}
