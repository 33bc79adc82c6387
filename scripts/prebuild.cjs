#!/usr/bin/env node
// Makes the prebuilt binaries the packed tarball ships (npm's `prepack` runs
// this): prebuildify, N-API, stripped, tagged by libc, so one file serves every
// Node >= 20 on one platform/arch/libc:
//   prebuilds/linux-x64/bsdsock.glibc.node
// node-gyp-build (lib/binding.ts) loads it at run time; the install script
// (`node-gyp-build`) then finds it and compiles nothing.
//
// The host's binary is rebuilt only when it is missing or older than
// native/* or binding.gyp. When build/Release/bsdsock.node is up
// to date (npm install just built it), it is copied and stripped instead of
// compiled again: the same binding.gyp, the same flags prebuildify uses.
//
//   node scripts/prebuild.cjs            the host's binary (linux-x64 here)
//   node scripts/prebuild.cjs --force    rebuild even when up to date
//   BSDSOCK_PREBUILD_ARM64=1 node scripts/prebuild.cjs
//        also linux-arm64, cross-built with Debian's g++-aarch64-linux-gnu
//        and smoke-tested under qemu-user with Debian's arm64 node
//        (scripts/smoke-arm64.cjs); the pack fails if the smoke test fails.
//
// Without BSDSOCK_PREBUILD_ARM64=1 the tarball ships the host's binary only:
// any other prebuilds/<platform>-<arch>/ left over is removed, so a binary no
// test ran never ships by accident.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const force = process.argv.includes('--force');
const arm64 = process.env.BSDSOCK_PREBUILD_ARM64 === '1';

function newestSource() {
  const files = [path.join(root, 'binding.gyp')];
  for (const f of fs.readdirSync(path.join(root, 'native'))) files.push(path.join(root, 'native', f));
  return Math.max(...files.map((f) => fs.statSync(f).mtimeMs));
}

const fresh = (f) => fs.existsSync(f) && fs.statSync(f).mtimeMs >= newestSource();
const libc = process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl';
const prebuilt = (arch) => path.join(root, 'prebuilds', `${process.platform}-${arch}`, `bsdsock.${libc}.node`);

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    console.error(`prebuild: ${cmd} ${args.join(' ')} exited with ${r.status}`);
    process.exit(r.status ?? 1);
  }
}

/** build/Release/bsdsock.node when it is a plain, up-to-date release build for this arch. */
function reusableLocalBuild() {
  const file = path.join(root, 'build', 'Release', 'bsdsock.node');
  if (!fresh(file)) return null;
  try {
    const config = fs.readFileSync(path.join(root, 'build', 'config.gypi'), 'utf8');
    if (!config.includes(`"target_arch": "${process.arch}"`)) return null;
  } catch {
    return null;
  }
  // Never ship a sanitizer or coverage build.
  const bytes = fs.readFileSync(file);
  for (const marker of ['__asan_', '__ubsan_', '__tsan_', '__gcov_', '__llvm_profile']) if (bytes.includes(marker)) return null;
  return file;
}

function build(arch, env) {
  const out = prebuilt(arch);
  if (!force && fresh(out)) {
    console.log(`prebuild: ${path.relative(root, out)} is up to date`);
    return out;
  }
  const local = arch === process.arch && !force ? reusableLocalBuild() : null;
  if (local) {
    console.log(`prebuild: ${path.relative(root, out)} from ${path.relative(root, local)} (up to date), stripped`);
    // A new inode, renamed into place: a process that has the old file
    // loaded (or a hard link to it) never sees it change under it.
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    fs.copyFileSync(local, tmp);
    run('strip', ['--strip-all', tmp]);
    fs.renameSync(tmp, out);
    return out;
  }
  console.log(`prebuild: building ${path.relative(root, out)} with prebuildify`);
  const bin = require.resolve('prebuildify/bin.js', { paths: [root] });
  // Build against this node's own headers (N-API: any Node >= 20 loads the
  // result), so no header download is needed: prebuildify's default target
  // is the newest Node it knows, whose headers node-gyp would fetch.
  const nodedir = process.env.npm_config_nodedir || path.join(path.dirname(process.execPath), '..');
  const headers = fs.existsSync(path.join(nodedir, 'include', 'node', 'node_api.h')) ? { npm_config_nodedir: nodedir } : {};
  run(process.execPath, [bin, '--napi', '--strip', '--tag-libc', '--arch', arch, '--target', process.versions.node], { ...headers, ...env });
  if (!fs.existsSync(out)) {
    console.error(`prebuild: prebuildify did not write ${out}`);
    process.exit(1);
  }
  return out;
}

if (process.platform === 'win32') {
  console.error('prebuild: bsdsock does not build on Windows');
  process.exit(1);
}

const keep = new Set([path.dirname(build(process.arch, {}))]);
if (arm64 && process.arch !== 'arm64') {
  const out = build('arm64', {
    CC: 'aarch64-linux-gnu-gcc',
    CXX: 'aarch64-linux-gnu-g++',
    PREBUILD_STRIP_BIN: 'aarch64-linux-gnu-strip',
  });
  run(process.execPath, [path.join(__dirname, 'smoke-arm64.cjs'), out]);
  keep.add(path.dirname(out));
}
for (const d of fs.readdirSync(path.join(root, 'prebuilds'))) {
  const dir = path.join(root, 'prebuilds', d);
  if (keep.has(dir)) continue;
  console.log(`prebuild: removing ${path.relative(root, dir)} (not built and tested by this run)`);
  fs.rmSync(dir, { recursive: true, force: true });
}
