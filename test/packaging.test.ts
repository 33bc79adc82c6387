// Packaging: the built package loads as ESM (dist/index.mjs) and as
// CommonJS (dist/index.js), through the package's own "exports" map too,
// and ships its type declarations.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as lib from '../lib/index';

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');

beforeAll(() => {
  const newest = Math.max(...fs.readdirSync(path.join(root, 'lib')).map((f) => fs.statSync(path.join(root, 'lib', f)).mtimeMs));
  const mtime = (f: string): number => (fs.existsSync(path.join(dist, f)) ? fs.statSync(path.join(dist, f)).mtimeMs : 0);
  // Stale when lib/ is newer than the build, or index.mjs older than index.js
  // (tsc was run without scripts/esm-entry.cjs).
  if (mtime('index.js') < newest || mtime('index.mjs') < mtime('index.js')) execFileSync('npm', ['run', 'build:ts'], { cwd: root, stdio: 'pipe' });
}, 120_000);

/** Runs node in a child; returns stdout, failing on any stderr or exit code. */
function node(args: string[], cwd = root): string {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

// A round trip over a socketpair plus a look at the module shape.
const BODY = `
  const [a, c] = socketpair();
  a.sendallSync(Buffer.from('packaged'));
  const got = c.recvSync(100).toString();
  a.close(); c.close();
  const s = new Socket(AF_INET, SOCK_DGRAM); s.bind(['127.0.0.1', 0]); const port = s.getsockname()[1]; s.close();
  console.log(JSON.stringify({ got, AF_INET, port: port > 0, timeoutError: new SocketTimeoutError('x') instanceof SocketError, fam: AddressFamily[2] }));
`;
const EXPECTED = { got: 'packaged', AF_INET: 2, port: true, timeoutError: true, fam: 'AF_INET' };

describe('packaging', () => {
  it('ESM: import { Socket } from dist/index.mjs', () => {
    const url = 'file://' + path.join(dist, 'index.mjs');
    const src = `import { Socket, socketpair, AF_INET, SOCK_DGRAM, SocketError, SocketTimeoutError, AddressFamily } from ${JSON.stringify(url)};\n${BODY}`;
    expect(JSON.parse(node(['--input-type=module', '-e', src]))).toEqual(EXPECTED);
  });

  it('ESM: the default export is the CommonJS module object', () => {
    const url = 'file://' + path.join(dist, 'index.mjs');
    const src = `import bsd, * as ns from ${JSON.stringify(url)};\nconsole.log(JSON.stringify([typeof bsd.Socket, ns.Socket === bsd.Socket, Object.keys(ns).length > 500]));`;
    expect(JSON.parse(node(['--input-type=module', '-e', src]))).toEqual(['function', true, true]);
  });

  it('CommonJS: require(dist/index.js)', () => {
    const src = `const { Socket, socketpair, AF_INET, SOCK_DGRAM, SocketError, SocketTimeoutError, AddressFamily } = require(${JSON.stringify(path.join(dist, 'index.js'))});\n${BODY}`;
    expect(JSON.parse(node(['-e', src]))).toEqual(EXPECTED);
  });

  it("by package name: 'bsdsock' resolves through package.json exports, import and require alike", () => {
    // A scratch dir with node_modules/bsdsock -> the package root.
    const tmp = fs.mkdtempSync(path.join(root, 'node_modules', '.bsdsock-pkg-test-'));
    try {
      fs.mkdirSync(path.join(tmp, 'node_modules'));
      fs.symlinkSync(root, path.join(tmp, 'node_modules', 'bsdsock'), 'dir');
      const esm = `import { Socket, socketpair, AF_INET, SOCK_DGRAM, SocketError, SocketTimeoutError, AddressFamily } from 'bsdsock';\n${BODY}`;
      fs.writeFileSync(path.join(tmp, 'esm.mjs'), esm);
      expect(JSON.parse(node([path.join(tmp, 'esm.mjs')], tmp))).toEqual(EXPECTED);
      const cjs = `const { Socket, socketpair, AF_INET, SOCK_DGRAM, SocketError, SocketTimeoutError, AddressFamily } = require('bsdsock');\n${BODY}`;
      fs.writeFileSync(path.join(tmp, 'cjs.cjs'), cjs);
      expect(JSON.parse(node([path.join(tmp, 'cjs.cjs')], tmp))).toEqual(EXPECTED);
      // ESM and CJS are one module instance: one class, one default timeout.
      const both = `import { createRequire } from 'node:module';\nimport { Socket, setdefaulttimeout } from 'bsdsock';\nconst req = createRequire(import.meta.url);\nsetdefaulttimeout(3);\nconsole.log(JSON.stringify([req('bsdsock').Socket === Socket, req('bsdsock').getdefaulttimeout()]));`;
      fs.writeFileSync(path.join(tmp, 'both.mjs'), both);
      expect(JSON.parse(node([path.join(tmp, 'both.mjs')], tmp))).toEqual([true, 3]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('type declarations exist for both entry points and name the public API', () => {
    const dts = fs.readFileSync(path.join(dist, 'index.d.ts'), 'utf8');
    for (const name of ['Socket', 'socketpair', 'fromfd', 'SocketError', 'SocketTimeoutError', 'inetPton', 'htons', 'AddressFamily', 'getdefaulttimeout']) {
      expect(dts, name).toContain(name);
    }
    expect(fs.readFileSync(path.join(dist, 'index.d.mts'), 'utf8')).toContain("from './index.js'");
    const sock = fs.readFileSync(path.join(dist, 'socket.d.ts'), 'utf8');
    expect(sock).toMatch(/recvInto\(buffer: Bytes/);
    expect(sock).toMatch(/recvSync\(bufsize: number/);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.types).toBe('./dist/index.d.ts');
    expect(pkg.exports['.'].import.types).toBe('./dist/index.d.mts');
    expect(pkg.exports['.'].require.types).toBe('./dist/index.d.ts');
    for (const f of [pkg.main, pkg.exports['.'].import.default, pkg.exports['.'].require.default]) {
      expect(fs.existsSync(path.join(root, f)), f).toBe(true);
    }
  });

  it('the ESM entry exports every name the CommonJS build has', () => {
    const cjs = Object.keys(require(path.join(dist, 'index.js'))).filter((n) => n !== 'default').sort();
    const url = 'file://' + path.join(dist, 'index.mjs');
    const esm = JSON.parse(node(['--input-type=module', '-e', `import * as ns from ${JSON.stringify(url)}; console.log(JSON.stringify(Object.keys(ns).filter((n) => n !== 'default').sort()));`]));
    expect(esm).toEqual(cjs);
    // And the built API is the source API.
    expect(cjs).toEqual(Object.keys(lib).filter((n) => n !== 'default').sort());
  });
});
