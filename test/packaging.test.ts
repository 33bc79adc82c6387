// Packaging: the built package loads as ESM (dist/index.mjs) and as
// CommonJS (dist/index.js), through the package's own "exports" map too,
// and ships its type declarations.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  /** The indented example of README.md's Addresses section (addresses typed by family), dedented. */
  function readmeAddressesExample(): string {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const start = readme.indexOf('\n## Addresses\n');
    const m = /\n\n((?: {4}.*\n|\n)+)/.exec(readme.slice(start, readme.indexOf('\n## ', start + 1)));
    expect(m, 'an indented example in ## Addresses').not.toBeNull();
    return m![1].split('\n').map((l) => l.slice(4)).join('\n');
  }

  it('TypeScript (nodenext) accepts the default import that runs (import bsd from \'bsdsock\') and the README\'s addresses typed by family', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-default-'));
    try {
      fs.mkdirSync(path.join(dir, 'node_modules'));
      fs.symlinkSync(root, path.join(dir, 'node_modules', 'bsdsock'));
      fs.symlinkSync(path.join(root, 'node_modules', '@types'), path.join(dir, 'node_modules', '@types'));
      fs.writeFileSync(path.join(dir, 'package.json'), '{"type": "module"}');
      fs.writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: ['node'] } }),
      );
      fs.writeFileSync(
        path.join(dir, 'main.ts'),
        "import bsd from 'bsdsock';\nconst s: InstanceType<typeof bsd.Socket> = new bsd.Socket(bsd.AF_INET, bsd.SOCK_DGRAM);\nconst t: number | null = s.gettimeout();\ns.close();\n" +
          // Addresses typed by family through the shipped declarations (issue 10 item 7): no cast.
          "const u = new bsd.Socket(bsd.AF_INET, bsd.SOCK_DGRAM);\nconst port: number = u.getsockname()[1];\nu.close();\nexport { t, port };\n",
      );
      // README's example of addresses typed by family compiles as it is...
      const example = readmeAddressesExample();
      expect(example).toContain('const port: number = sock.getsockname()[1];');
      fs.writeFileSync(path.join(dir, 'addresses.mts'), example);
      const tsc = (): { stdout: string; stderr: string; status: number | null } => spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8' });
      const r = tsc();
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
      // ...and a wrong claim about it does not: the check is real.
      fs.writeFileSync(path.join(dir, 'addresses.mts'), example.replace('const port: number', 'const port: string'));
      expect(tsc().stdout).toContain("addresses.mts(5,7): error TS2322: Type 'number' is not assignable to type 'string'.");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

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

// The tarball a user installs: `npm pack`, then `npm install <tarball>` into a
// fresh project with the compiler hidden (CC/CXX pointing nowhere, PATH with
// node alone: no g++, cc, make, python3) and no network (--offline: the
// dependencies come from npm's cache). It must load the prebuilt binary,
// compile nothing, and echo over loopback.
describe('the packed tarball, installed without a compiler', () => {
  let work = '';
  let project = '';
  let installed = '';
  let tarball = '';
  let packed: { files: { path: string }[] } = { files: [] };
  let env: NodeJS.ProcessEnv = {};

  /** npm's own CLI script, run with this node (no npm on the hidden PATH). */
  const npmCli = ((): string => {
    const fromNpm = process.env.npm_execpath;
    if (fromNpm && fromNpm.endsWith('npm-cli.js')) return fromNpm;
    return path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  })();

  function run(cmd: string, args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}) {
    return spawnSync(cmd, args, { cwd, env: { ...env, ...extra }, encoding: 'utf8', timeout: 120_000 });
  }

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-tarball-'));
    // What `prepack` runs (scripts/prebuild.cjs: the prebuilt binary, rebuilt
    // only when native/ changed), then pack. --ignore-scripts: the dist/
    // build that `prepare` would redo is fresh (the beforeAll above), and a
    // rebuild here would rewrite dist/ under test files running beside us.
    const pre = spawnSync(process.execPath, [path.join(root, 'scripts', 'prebuild.cjs')], { cwd: root, encoding: 'utf8' });
    expect(pre.status, pre.stdout + pre.stderr).toBe(0);
    const pack = spawnSync(process.execPath, [npmCli, 'pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, encoding: 'utf8' });
    expect(pack.status, pack.stderr).toBe(0);
    packed = JSON.parse(pack.stdout)[0];
    tarball = path.join(work, (packed as unknown as { filename: string }).filename);

    // node (and sh, for npm's install script) alone on PATH.
    const bin = path.join(work, 'bin');
    fs.mkdirSync(bin);
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
    env = { PATH: bin, HOME: process.env.HOME, TMPDIR: os.tmpdir(), CC: '/nonexistent/cc', CXX: '/nonexistent/c++' };
    if (process.env.npm_config_cache) env.npm_config_cache = process.env.npm_config_cache;

    // A project depending on the tarball, with a lockfile so that `npm ci
    // --offline` takes bsdsock's dependencies from npm's cache (where this
    // checkout's own `npm ci` put them) and asks no registry.
    project = path.join(work, 'app');
    fs.mkdirSync(project);
    const spec = `file:../${path.basename(tarball)}`;
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const rootLock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
    const lock = {
      name: 'app',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'app', version: '1.0.0', dependencies: { bsdsock: spec } },
        'node_modules/bsdsock': { version: pkg.version, resolved: spec, hasInstallScript: true, os: pkg.os, engines: pkg.engines, dependencies: pkg.dependencies },
      } as Record<string, Record<string, unknown>>,
    };
    for (const dep of Object.keys(pkg.dependencies)) {
      const entry = { ...rootLock.packages[`node_modules/${dep}`] };
      entry.resolved ??= `https://registry.npmjs.org/${dep}/-/${dep}-${entry.version}.tgz`;
      lock.packages[`node_modules/${dep}`] = entry;
    }
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { bsdsock: spec } }));
    fs.writeFileSync(path.join(project, 'package-lock.json'), JSON.stringify(lock));
    const inst = run(process.execPath, [npmCli, 'ci', '--offline', '--no-audit', '--no-fund', '--foreground-scripts'], project);
    expect(inst.status, inst.stdout + inst.stderr).toBe(0);
    // The install script ran and found the prebuilt binary (a compile would have failed).
    expect(inst.stdout).toContain('> node-gyp-build');
    installed = path.join(project, 'node_modules', 'bsdsock');
  }, 180_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('the compiler really is hidden', () => {
    for (const tool of ['g++', 'c++', 'cc', 'gcc', 'make', 'python3']) {
      const r = run(tool, ['--version'], work);
      expect((r.error as NodeJS.ErrnoException | undefined)?.code, tool).toBe('ENOENT');
    }
    expect(env.CC).toBe('/nonexistent/cc');
  });

  it('the tarball holds the prebuilt binary, LICENSE, lib/ beside the maps, and nothing of build/ or test/', () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toContain(`prebuilds/linux-x64/bsdsock.glibc.node`);
    expect(files).toContain('LICENSE');
    expect(files).toContain('lib/socket.ts');
    expect(files).toContain('dist/socket.js.map');
    expect(files).toContain('dist/socket.d.ts.map');
    expect(files.filter((f) => /^(build|test|docs|bench|scripts)\//.test(f))).toEqual([]);
    // Every other platform's binary would be one no test here ran.
    expect(files.filter((f) => f.startsWith('prebuilds/'))).toEqual(['prebuilds/linux-x64/bsdsock.glibc.node']);
    expect(fs.readFileSync(path.join(installed, 'LICENSE'), 'utf8')).toContain('Copyright (c) 2026 the bsdsock developers');
    const pkg = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
    expect(pkg.os).toEqual(['linux']);
    expect(pkg.license).toBe('MIT');
    expect(pkg.keywords).toContain('socket');
  });

  it('installed with nothing compiled: no build/ directory', () => {
    expect(fs.existsSync(path.join(installed, 'build'))).toBe(false);
    expect(fs.existsSync(path.join(installed, 'prebuilds', 'linux-x64', 'bsdsock.glibc.node'))).toBe(true);
  });

  const ECHO = `
    import { Socket, AF_INET, SOCK_STREAM } from 'bsdsock';
    const srv = new Socket(AF_INET, SOCK_STREAM);
    srv.bind(['127.0.0.1', 0]);
    srv.listen();
    const cli = new Socket(AF_INET, SOCK_STREAM);
    const [, [conn]] = await Promise.all([cli.connect(srv.getsockname()), srv.accept()]);
    await cli.sendall(Buffer.from('from the tarball'));
    await conn.sendall(await conn.recv(100));
    console.log((await cli.recv(100)).toString());
    cli.close(); conn.close(); srv.close();
  `;

  it('the installed package loads and echoes over TCP on 127.0.0.1 (ESM and CommonJS)', () => {
    fs.writeFileSync(path.join(project, 'echo.mjs'), ECHO);
    const r = run(process.execPath, ['echo.mjs'], project);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('from the tarball\n');
    const cjs = run(process.execPath, ['-e', "const [a, b] = require('bsdsock').socketpair(); a.sendallSync(Buffer.from('cjs')); console.log(b.recvSync(10).toString()); a.close(); b.close();"], project);
    expect(cjs.stderr).toBe('');
    expect(cjs.stdout).toBe('cjs\n');
  });

  it('a stack trace (with source maps) lands in the shipped lib/*.ts', () => {
    const r = run(process.execPath, ['--enable-source-maps', '-e', "require('bsdsock').inetPton(2, 'not an address')"], project);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('illegal IP address string passed to inet_pton');
    const m = /\((\/[^()]*node_modules\/bsdsock\/lib\/inet\.ts):(\d+):\d+\)/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const line = fs.readFileSync(m![1], 'utf8').split('\n')[Number(m![2]) - 1];
    expect(line).toContain("throw new SocketError(EINVAL, 'inet_pton'");
    // Go-to-definition: the declaration map points at the shipped source too.
    const map = JSON.parse(fs.readFileSync(path.join(installed, 'dist', 'socket.d.ts.map'), 'utf8'));
    expect(map.sources).toEqual(['../lib/socket.ts']);
    expect(fs.existsSync(path.join(installed, 'dist', map.sources[0]))).toBe(true);
  });

  describe('with no binary for this platform', () => {
    // What a user on a platform with no prebuild sees when the install script
    // did not run (npm --ignore-scripts, pnpm): no prebuilds/ match, no build/.
    const moved = (): string => path.join(work, 'prebuilds-elsewhere');
    beforeAll(() => fs.renameSync(path.join(installed, 'prebuilds'), moved()));
    afterAll(() => fs.renameSync(moved(), path.join(installed, 'prebuilds')));

    it('the error says what happened and the command that fixes it', () => {
      const r = run(process.execPath, ['-e', "require('bsdsock')"], project);
      expect(r.status).toBe(1);
      const first = r.stderr.split('\n').find((l) => l.startsWith('Error: '));
      expect(first).toContain(`Error: bsdsock: no native addon for linux-${process.arch}, glibc `);
      expect(first).toContain(`Node ${process.versions.node} (N-API ${process.versions.napi})`);
      expect(first).toContain(`No prebuilt binary in ${path.join(installed, 'prebuilds')} matches this platform`);
      expect(first).toContain(`${path.join(installed, 'build', 'Release', 'bsdsock.node')} does not exist`);
      expect(first).toContain("the package's install script did not run (npm --ignore-scripts or npm's allowScripts, pnpm without approving its build) or failed");
      expect(first).toContain('Fix: run `npm rebuild bsdsock` (pnpm: `pnpm approve-builds`, then `pnpm rebuild bsdsock`)');
      expect(first).not.toContain('No native build was found');
    });

    it('BSDSOCK_BINARY loads that exact file', () => {
      const file = path.join(moved(), 'linux-x64', 'bsdsock.glibc.node');
      const r = run(process.execPath, ['echo.mjs'], project, { BSDSOCK_BINARY: file });
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('from the tarball\n');
      // A relative path is taken from the current directory.
      const rel = run(process.execPath, ['echo.mjs'], project, { BSDSOCK_BINARY: path.relative(project, file) });
      expect(rel.stdout).toBe('from the tarball\n');
    });

    it('a BSDSOCK_BINARY that cannot be loaded is an error naming it, with no fallback', () => {
      fs.renameSync(moved(), path.join(installed, 'prebuilds')); // a loadable prebuild is there again...
      try {
        const r = run(process.execPath, ['-e', "require('bsdsock')"], project, { BSDSOCK_BINARY: '/nonexistent/bsdsock.node' });
        expect(r.status).toBe(1);
        expect(r.stderr).toContain(
          `Error: bsdsock: cannot load the native addon /nonexistent/bsdsock.node (from BSDSOCK_BINARY) on linux-${process.arch}, glibc `,
        );
        expect(r.stderr).toContain("Cannot find module '/nonexistent/bsdsock.node'");
      } finally {
        fs.renameSync(path.join(installed, 'prebuilds'), moved());
      }
    });
  });
});

// `npm run docs`: README as the front page, the API in the issue's groups,
// one page for all constants with this platform's values, no warnings
// (typedoc.json treats warnings as errors; the output is checked here too).
describe('npm run docs', () => {
  let out = '';
  let log = '';
  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-docs-'));
    const gen = spawnSync(process.execPath, [path.join(root, 'scripts', 'docs-constants.cjs')], { cwd: root, encoding: 'utf8' });
    expect(gen.status, gen.stderr).toBe(0);
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--out', out], { cwd: root, encoding: 'utf8', timeout: 150_000 });
    log = r.stdout + r.stderr;
    expect(r.status, log).toBe(0);
  }, 180_000);
  afterAll(() => {
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });
  const text = (f: string): string => fs.readFileSync(path.join(out, f), 'utf8').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

  it('no warnings', () => {
    expect(log).not.toMatch(/warning|error/i);
    expect(log).toContain('html generated at');
  });

  it('the README is the front page', () => {
    expect(text('index.html')).toContain("The whole BSD socket API for Node.js, the way Python's socket module gives it to Python");
  });

  it('the API is grouped, in this order', () => {
    const html = fs.readFileSync(path.join(out, 'modules.html'), 'utf8');
    const groups = [...html.matchAll(/<h2[^>]*>(.*?)<\/h2>/g)].map((m) => m[1].replace(/<[^>]+>/g, '').trim());
    expect(groups).toEqual(['Socket', 'Addresses', 'Resolution', 'Messages and fds', 'Selectors', 'Options', 'TLS', 'Errors', 'Constants']);
  });

  it('one page for all constants, with their values here; not one page each', () => {
    const pages: string[] = [];
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (e.name.endsWith('.html')) pages.push(path.relative(out, path.join(d, e.name)));
      }
    };
    walk(out);
    // One page per class, interface and function, none per constant (there are 640+).
    expect(pages.length).toBeLessThan(200);
    expect(pages.filter((p) => /\bAF_INET|SO_REUSEADDR|IPPROTO_TCP/.test(p))).toEqual([]);
    const page = text('documents/Constants.html');
    for (const name of ['AF_INET', 'AF_INET6', 'SOCK_STREAM', 'SO_REUSEADDR', 'IPPROTO_TCP', 'MSG_PEEK', 'EAI_NONAME']) {
      const v = lib.constants[name];
      expect(page, name).toContain(` ${name} ${v} ${v < 0 ? '' : `0x${v.toString(16)} `}`);
    }
    expect(page).toContain(`${Object.keys(lib.constants).length} of `);
  });

  it('@example and @throws are rendered on the main entry points', () => {
    expect(text('classes/Socket.html')).toContain('Example: A TCP echo server on the event loop');
    expect(text('functions/createConnection.html')).toMatch(/Throws .*CreateConnectionError/);
    expect(text('functions/getaddrinfo.html')).toMatch(/Throws .*GaiError/);
    expect(text('functions/inetPton.html')).toContain('Example inetPton ( AF_INET6');
  });
});
