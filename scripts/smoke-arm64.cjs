#!/usr/bin/env node
// Smoke test of a cross-built linux-arm64 binary on an x86_64 machine: Debian's
// arm64 node under qemu-user loads it (through BSDSOCK_BINARY, so nothing else
// can be picked up) and echoes over TCP on 127.0.0.1.
//
//   node scripts/smoke-arm64.cjs prebuilds/linux-arm64/bsdsock.glibc.node
//
// Needs qemu-user-static and an arm64 root holding Debian's nodejs and its
// libraries (default /opt/arm64-root, or BSDSOCK_ARM64_ROOT). On Debian 12:
//   apt-get install qemu-user-static g++-aarch64-linux-gnu
//   dpkg --add-architecture arm64 && apt-get update
//   cd "$(mktemp -d)" && apt-get download nodejs:arm64 libnode108:arm64 \
//     libbrotli1:arm64 libc-ares2:arm64 libc6:arm64 libicu72:arm64 \
//     libnghttp2-14:arm64 libssl3:arm64 libstdc++6:arm64 libgcc-s1:arm64 \
//     libuv1:arm64 zlib1g:arm64 node-acorn node-cjs-module-lexer node-undici
//   for f in *.deb; do dpkg -x "$f" /opt/arm64-root; done
// Debian 12's arm64 node is 18.20 (N-API 9); the addon needs N-API 8.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const binary = path.resolve(process.argv[2] ?? '');
const sysroot = process.env.BSDSOCK_ARM64_ROOT || '/opt/arm64-root';
const node = path.join(sysroot, 'usr', 'bin', 'nodejs');
const dist = path.join(__dirname, '..', 'dist', 'index.js');
for (const f of [binary, node, dist]) {
  if (!fs.existsSync(f)) {
    console.error(`smoke-arm64: ${f} does not exist (see the comment at the top of this script)`);
    process.exit(1);
  }
}

const program = `
const { Socket, AF_INET, SOCK_STREAM } = require(${JSON.stringify(dist)});
const { bindingPath } = require(${JSON.stringify(path.join(path.dirname(dist), 'binding.js'))});
(async () => {
  const srv = new Socket(AF_INET, SOCK_STREAM);
  srv.bind(['127.0.0.1', 0]);
  srv.listen();
  const cli = new Socket(AF_INET, SOCK_STREAM);
  const [, [conn]] = await Promise.all([cli.connect(srv.getsockname()), srv.accept()]);
  await cli.sendall(Buffer.from('arm64 echo'));
  await conn.sendall(await conn.recv(100));
  const back = (await cli.recv(100)).toString();
  cli.close(); conn.close(); srv.close();
  console.log(JSON.stringify({ arch: process.arch, node: process.version, bindingPath, back }));
})().catch((e) => { console.error(e); process.exit(1); });
`;
const t0 = Date.now();
const r = spawnSync('qemu-aarch64-static', ['-L', sysroot, node, '-e', program], {
  encoding: 'utf8',
  env: { ...process.env, BSDSOCK_BINARY: binary },
  timeout: 120_000,
});
if (r.error) {
  console.error(`smoke-arm64: ${r.error.message}`);
  process.exit(1);
}
let got;
try {
  got = JSON.parse(r.stdout);
} catch {
  got = null;
}
if (r.status !== 0 || !got || got.arch !== 'arm64' || got.bindingPath !== binary || got.back !== 'arm64 echo') {
  console.error(`smoke-arm64: failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  process.exit(1);
}
console.log(`smoke-arm64: ok in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${r.stdout.trim()}`);
