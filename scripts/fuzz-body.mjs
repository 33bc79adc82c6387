#!/usr/bin/env node
// The fuzz body: runs in a child process of scripts/fuzz.mjs, so that a
// crash (abort, SIGSEGV, a fatal error) or a hang is caught by the parent
// and reported with the seed and the last calls.
//
// Each round builds a pool of real sockets on loopback (AF_INET, AF_INET6,
// AF_UNIX; stream, dgram, seqpacket; connected pairs, listeners, unbound
// and closed sockets), then makes `--calls` calls of exported functions and
// Socket methods with random and hostile arguments, then closes everything
// and checks that no fd is left. Only TypeError, RangeError and the
// SocketError family (plus the signal's reason when one is passed, and the
// error a hostile argument throws itself) may come out; anything else is a
// finding. Before each call its description is written to the log file
// (`--log`), with a synchronous write, so the parent knows the last call
// when the process dies.
//
// Usage (normally through scripts/fuzz.mjs):
//   node --expose-gc scripts/fuzz-body.mjs --seed S --until EPOCH_MS --log F --findings F [--rounds N] [--calls N] [--skip item1,item5]
//   node --expose-gc scripts/fuzz-body.mjs --replay ROUNDSEED ...   (one round, as logged)
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import * as util from 'node:util';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const B = require('../dist/index.js');
const { binding } = require('../dist/binding.js');

// ---- arguments --------------------------------------------------------------

const argv = process.argv.slice(2);
function opt(name, dflt) {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
}
const SEED = Number(opt('seed', '1')) >>> 0;
const REPLAY = opt('replay', undefined);
const UNTIL = Number(opt('until', String(Date.now() + 10_000)));
const MAX_ROUNDS = REPLAY !== undefined ? 1 : Number(opt('rounds', '1e9'));
const CALLS = Number(opt('calls', '150'));
const SKIP = new Set((opt('skip', '') || '').split(',').filter(Boolean));
const LOG = opt('log', path.join(os.tmpdir(), `bsdsock-fuzz-${process.pid}.log`));
const FINDINGS = opt('findings', path.join(os.tmpdir(), `bsdsock-fuzz-${process.pid}.findings`));
const SAFE_DNS = opt('netns', '0') === '1';
// where each round makes its files (AF_UNIX paths, the sendfile source): the driver's work dir, removed at its end
const TMP = opt('tmp', os.tmpdir());
// --selftest abort|hang|throw: make call #3 of the first round die, spin or
// throw a wrong error class, so the tests can check that the driver catches
// and reports each
const SELFTEST = opt('selftest', undefined); // running in a private network namespace: no route off the box

// ---- the call log and the findings file (synchronous writes: they survive a crash)

const logFd = fs.openSync(LOG, 'w');
let logPos = 0;
let logLines = 0;
function log(line) {
  if (++logLines > 4000) {
    fs.ftruncateSync(logFd, 0);
    logPos = fs.writeSync(logFd, `round ${roundSeed} (continued)\n`, 0);
    logLines = 0;
  }
  logPos += fs.writeSync(logFd, line + '\n', logPos);
}
const findingsFd = fs.openSync(FINDINGS, 'a');
let current = ''; // the call being made, for findings reported by event handlers
let roundSeed = 0;
const reported = new Set();
/** The part of a finding's text that says what it is (paths, numbers and OpenSSL's hex prefixes vary). */
function dedupeText(kind, detail) {
  const m = /^(\w+) \(code (\w+)\)/.exec(detail);
  if (kind === 'wrong-error-class' && m) return `${m[1]} ${m[2]}`;
  return detail.replace(/'[^']*'/g, "'...'").replace(/[0-9A-F]{8,}/g, 'X').replace(/\d{4,}/g, 'N').slice(0, 120);
}

function finding(kind, detail, call = current) {
  const what = dedupeText(kind, String(detail));
  // an event-handler finding is caused by some earlier call: one report per message
  const where = kind === 'uncaught-exception' || kind === 'unhandled-rejection' || kind === 'timeout-overflow' ? '' : call.replace(/^#\S+ /, '').replace(/\(.*/, '');
  const key = `${kind}|${where}|${what}`;
  if (reported.has(key)) return;
  reported.add(key);
  fs.writeSync(findingsFd, JSON.stringify({ kind, detail: String(detail).slice(0, 2000), call, roundSeed }) + '\n');
}

// ---- seeded randomness --------------------------------------------------------

function mulberry32(a) {
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function mix(a, b) {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}
let R = mulberry32(1);
const rnd = () => R();
const int = (n) => Math.floor(rnd() * n);
const chance = (p) => rnd() < p;
const pick = (arr) => arr[int(arr.length)];

// ---- hostile values ---------------------------------------------------------------
// Every generator returns [value, description]; the description never runs
// user code (getters, proxies), so logging cannot change what is tested.

class UserThrow extends Error {
  constructor(where) {
    super(`thrown by the fuzzer's own ${where}`);
    this.name = 'UserThrow';
  }
}

const detach = (ab) => {
  if (ab.byteLength !== 0 || !ab.detached) structuredClone(ab, { transfer: [ab] });
};

const NUMS = [
  [0, '0'], [-0, '-0'], [1, '1'], [-1, '-1'], [NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'],
  [2 ** 31, '2**31'], [2 ** 31 - 1, '2**31-1'], [-(2 ** 31), '-2**31'], [-(2 ** 31) - 1, '-2**31-1'],
  [2 ** 32, '2**32'], [2 ** 32 + 1, '2**32+1'], [2 ** 33 + 1, '2**33+1'], [2 ** 40 + 1, '2**40+1'], [2 ** 53, '2**53'],
  [-(2 ** 53), '-2**53'], [2 ** 64, '2**64'], [1.5, '1.5'], [1.7, '1.7'], [-0.5, '-0.5'], [1e308, '1e308'],
  [Number.MIN_VALUE, 'MIN_VALUE'], [65535, '65535'], [65536, '65536'], [4294967295, '2**32-1'], [255, '255'], [1024, '1024'],
];
const STRINGS = [
  ['', "''"], ['a', "'a'"], ['\0', "'\\0'"], ['127.0.0.1\0junk', "'127.0.0.1\\0junk'"], ['x'.repeat(70000), "'x'*70000"],
  ['\ud800', "'\\ud800'"], ['é', "'é'"], ['%', "'%'"], ['-1', "'-1'"], ['1e3', "'1e3'"], ['rw', "'rw'"], ['b', "'b'"],
];

function throwingObject() {
  return [
    { valueOf() { throw new UserThrow('valueOf'); }, toString() { throw new UserThrow('toString'); }, [Symbol.toPrimitive]() { throw new UserThrow('toPrimitive'); } },
    '{throwing valueOf/toString}',
  ];
}

function throwingProxy() {
  const h = {};
  for (const trap of ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'apply']) {
    h[trap] = () => {
      throw new UserThrow(`proxy ${trap}`);
    };
  }
  return [new Proxy(pick([{}, [], function () {}]), h), 'Proxy{throws}'];
}

function revokedProxy() {
  const { proxy, revoke } = Proxy.revocable([], {});
  revoke();
  return [proxy, 'Proxy{revoked}'];
}

// (A huge length would make any JS that coerces the proxy to a string, like
// `type & x`, loop for minutes: that is the argument's doing, not the
// library's. Huge sparse arrays are tried where arrays are expected.)
function lyingArrayProxy() {
  const len = pick([1e5, -1, NaN, 1.5]);
  return [new Proxy([Buffer.alloc(4)], { get: (t, p) => (p === 'length' ? len : t[p]) }), `Proxy[length=${len}]`];
}

function hostileBytes() {
  switch (int(11)) {
    case 0: {
      const u = new Uint8Array(int(64) + 1);
      detach(u.buffer);
      return [u, 'Uint8Array(detached)'];
    }
    case 1: {
      const ab = new ArrayBuffer(32);
      detach(ab);
      return [ab, 'ArrayBuffer(detached)'];
    }
    case 2: {
      const ab = new ArrayBuffer(64, { maxByteLength: 128 });
      const u = new Uint8Array(ab); // length-tracking
      ab.resize(pick([0, 3, 128]));
      return [u, `Uint8Array(resizable, resized to ${ab.byteLength})`];
    }
    case 3: {
      const ab = new ArrayBuffer(64, { maxByteLength: 128 });
      const u = new Uint8Array(ab, 8, 32); // fixed length, goes out of bounds on shrink
      ab.resize(pick([0, 16]));
      return [u, `Uint8Array(resizable, out of bounds after resize to ${ab.byteLength})`];
    }
    case 4:
      return [new SharedArrayBuffer(16), 'SharedArrayBuffer(16)'];
    case 5:
      return [new Float64Array(3), 'Float64Array(3)'];
    case 6:
      return [new DataView(new ArrayBuffer(20), 4, 8), 'DataView(8)'];
    case 7:
      return [Buffer.alloc(0), 'Buffer(0)'];
    case 8:
      return [new Uint8Array(new SharedArrayBuffer(32)), 'Uint8Array(shared 32)'];
    case 9: {
      const ab = new ArrayBuffer(16, { maxByteLength: 64 });
      return [ab, 'ArrayBuffer(resizable 16)'];
    }
    default:
      return [Buffer.alloc(1 << 20), 'Buffer(1MiB)'];
  }
}

/** A hostile value of any type. */
function hostile() {
  switch (int(14)) {
    case 0:
    case 1:
    case 2:
      return pick(NUMS);
    case 3:
      return pick(STRINGS);
    case 4:
      return pick([[undefined, 'undefined'], [null, 'null'], [true, 'true'], [false, 'false']]);
    case 5:
      return pick([[0n, '0n'], [1n, '1n'], [2n ** 64n + 1n, '2n**64n+1n'], [-1n, '-1n']]);
    case 6:
      return [Symbol('fuzz'), 'Symbol()'];
    case 7:
      return throwingObject();
    case 8:
      return pick([throwingProxy, revokedProxy, lyingArrayProxy])();
    case 9:
    case 10:
      return hostileBytes();
    case 11:
      return pick([[{}, '{}'], [[], '[]'], [[1, 2], '[1,2]'], [() => {}, '()=>{}'], [new Date(0), 'Date'], [/x/, '/x/'], [new Map(), 'Map']]);
    case 12:
      return [{ valueOf: () => 3, toString: () => '3' }, '{valueOf:3}'];
    default:
      return [Object.create(null), 'Object.create(null)'];
  }
}

// ---- plausible values, by argument kind -----------------------------------------

const C = B.constants;
const FLAGS = [0, 0, 0, 0, C.MSG_PEEK, C.MSG_DONTWAIT, C.MSG_TRUNC, C.MSG_WAITALL, C.MSG_OOB, C.MSG_ERRQUEUE, C.MSG_PEEK | C.MSG_TRUNC, C.MSG_DONTWAIT | C.MSG_PEEK, C.MSG_CMSG_CLOEXEC].filter((x) => x !== undefined);

function gSize() {
  const n = pick([0, 1, 7, 64, 1024, 65536, int(3000)]);
  return [n, String(n)];
}
function gFlags() {
  const f = pick(FLAGS);
  return [f, String(f)];
}
function gBuf() {
  const n = int(2048);
  switch (int(8)) {
    case 0:
      return [new Uint8Array(n), `Uint8Array(${n})`];
    case 1:
      return [new DataView(new ArrayBuffer(n + 8), 8), `DataView(${n})`];
    case 2:
      return [new ArrayBuffer(n), `ArrayBuffer(${n})`];
    case 3:
      return [new Uint16Array(n >> 1), `Uint16Array(${n >> 1})`];
    case 4: {
      const ab = new ArrayBuffer(n, { maxByteLength: 4096 });
      return [new Uint8Array(ab), `Uint8Array(resizable ${n})`];
    }
    case 5:
      return [Buffer.alloc(n).subarray(int(8)), `Buffer(${n}).subarray`];
    default:
      return [Buffer.alloc(n), `Buffer(${n})`];
  }
}
function gData() {
  const n = chance(0.05) ? 200_000 : int(1500);
  const [b, d] = gBuf();
  if (b.byteLength === 0) return [Buffer.alloc(n, 0x61), `Buffer(${n})`];
  return [b, d];
}
function gTimeout() {
  return pick([[null, 'null'], [0, '0'], [0.001, '0.001'], [0.01, '0.01'], [0.05, '0.05'], [2 ** 31, '2**31'], [1e9, '1e9'], [-1, '-1'], [NaN, 'NaN'], [Infinity, 'Infinity']]);
}
function gOpts() {
  switch (int(6)) {
    case 0: {
      const ms = pick([1, 5, 20]);
      return [{ signal: AbortSignal.timeout(ms) }, `{signal: timeout(${ms})}`];
    }
    case 1:
      return [{ signal: AbortSignal.abort(new UserThrow('abort reason')) }, '{signal: aborted}'];
    case 2: {
      const ac = new AbortController();
      queueMicrotask(() => ac.abort());
      return [{ signal: ac.signal }, '{signal: aborted in a microtask}'];
    }
    case 3:
      return [{}, '{}'];
    case 4:
      return [{ signal: pick([{}, null, 5, { aborted: false }]) }, '{signal: not a signal}'];
    default:
      return [undefined, 'undefined'];
  }
}

// Host strings: numeric loopback, or forms that fail before any DNS query
// (an empty label, a label over 63 bytes, a NUL), so no name ever leaves
// the box even without the private network namespace.
const HOSTS4 = ['127.0.0.1', '127.0.0.2', '', '127.0.0.1\0junk', '127.1', '0x7f.1', 'x'.repeat(70000), 'a..b', '::1', '\ud800'];
const HOSTS6 = ['::1', '::1%lo', '::1%1', '::1%4294967297', '::1%-1', '::1%', '::1\0x', '::ffff:127.0.0.1', '', 'fe80::1%lo', 'x'.repeat(70000), '127.0.0.1', '::1%' + 'l'.repeat(100)];

function gHost(family) {
  const h = family === C.AF_INET6 ? pick(HOSTS6) : pick(HOSTS4);
  return [h, h.length > 60 ? `'${h.slice(0, 8)}'*${h.length}` : JSON.stringify(h)];
}
function gPort(peer) {
  if (chance(0.5) && Array.isArray(peer)) return [peer[1], String(peer[1])];
  return pick([[0, '0'], [1, '1'], [65535, '65535'], [65536, '65536'], [-1, '-1'], [NaN, 'NaN'], [1.5, '1.5'], [2 ** 32 + 80, '2**32+80']]);
}

let tmpDir = '';
function gUnixPath() {
  switch (int(8)) {
    case 0:
      return [Buffer.from('\0fuzz-' + int(1e6)), 'abstract'];
    case 1:
      return [Buffer.concat([Buffer.from(tmpDir + '/'), Buffer.from([0xff, 0xfe, 0x80])]), 'Buffer(tmp/\\xff\\xfe\\x80)'];
    case 2:
      return [path.join(tmpDir, 'p' + int(1000)), 'tmp path'];
    case 3:
      return ['/' + 'd'.repeat(200), "'/d'*200"];
    case 4:
      return [Buffer.alloc(0), 'Buffer(0)'];
    case 5:
      return [Buffer.from(path.join(tmpDir, 'n\0ul')), 'path with NUL'];
    case 6:
      return [Buffer.alloc(108, 0x61), 'Buffer(108 x a)'];
    default:
      return [path.join(tmpDir, 'q\u00e9' + int(100)), 'tmp path (utf8)'];
  }
}

/** An address for the socket's family: the peer's, a variant of it, or a hostile one. */
function gAddr(e) {
  const fam = e.s.family;
  if (chance(0.15)) return hostile();
  if (fam === C.AF_UNIX) {
    if (e.peer !== undefined && chance(0.5)) return [e.peer, 'peer'];
    return gUnixPath();
  }
  if (fam === C.AF_INET || fam === C.AF_INET6) {
    if (e.peer !== undefined && chance(0.4)) return [e.peer, `peer ${JSON.stringify(e.peer)}`];
    const [h, hd] = gHost(fam);
    const [p, pd] = gPort(e.peer);
    const parts = [h, p];
    const ds = [hd, pd];
    if (fam === C.AF_INET6 && chance(0.6)) {
      const [f, fd] = chance(0.5) ? [0, '0'] : pick(NUMS);
      const [sc, sd] = chance(0.5) ? [0, '0'] : pick(NUMS);
      parts.push(f, sc);
      ds.push(fd, sd);
    }
    if (chance(0.1)) {
      const [x, xd] = hostile();
      const at = int(parts.length);
      // a hostile string as the host could be a name that goes to DNS: only in the private namespace
      if (SAFE_DNS || at !== 0 || typeof x !== 'string') {
        parts[at] = x;
        ds.push(`(one item replaced by ${xd})`);
      }
    }
    return [parts, `[${ds.join(', ')}]`];
  }
  return [['lo', 0], "['lo', 0]"];
}

/**
 * An array of buffers; sometimes one element is a getter that, when read,
 * shrinks, detaches or transfers another element's (or `victim`'s) memory,
 * empties the array, or throws: the "convert, then pin" class.
 */
function gBufArray(victims = []) {
  const n = 1 + int(4);
  const items = [];
  const ds = [];
  for (let i = 0; i < n; i++) {
    if (chance(0.3)) {
      const ab = new ArrayBuffer(64, { maxByteLength: 256 });
      const view = chance(0.5) ? new Uint8Array(ab) : new Uint8Array(ab, 0, 64);
      items.push(view);
      ds.push('U8(resizable 64)');
    } else if (chance(0.1)) {
      const [h, hd] = hostile();
      items.push(h);
      ds.push(hd);
    } else if (chance(0.003)) {
      const sparse = [];
      // 2**32-1 blocks the loop for ~10 min (fuzz-findings.md F8): rarely, so the run goes on finding other things
      sparse.length = chance(0.15) ? 2 ** 32 - 1 : 1e6;
      return [sparse, `sparse array of length ${sparse.length}`];
    } else {
      const u = new Uint8Array(16 + int(512));
      items.push(u);
      ds.push(`U8(${u.length})`);
    }
  }
  const arr = items.slice();
  if (chance(0.4)) {
    const k = int(n);
    const effect = int(6);
    const targets = [...items, ...victims].filter((x) => x && typeof x === 'object' && !util.types.isProxy(x) && (ArrayBuffer.isView(x) || x instanceof ArrayBuffer));
    const t = targets.length ? pick(targets) : undefined;
    Object.defineProperty(arr, k, {
      enumerable: true,
      configurable: true,
      get() {
        const ab = t === undefined ? undefined : ArrayBuffer.isView(t) ? t.buffer : t;
        try {
          if (effect === 0 && ab?.resizable) ab.resize(0);
          else if (effect === 1 && ab !== undefined && !(ab instanceof SharedArrayBuffer)) detach(ab);
          else if (effect === 2) arr.length = 0;
          else if (effect === 3) throw new UserThrow('array getter');
          else if (effect === 4) arr.push(new Uint8Array(8), new Uint8Array(8));
          else if (ab?.resizable) ab.resize(ab.maxByteLength);
        } catch (e) {
          if (e instanceof UserThrow) throw e;
        }
        return items[k];
      },
    });
    ds[k] += `[getter: ${['shrinks', 'detaches', 'empties the array', 'throws', 'grows the array', 'grows'][effect]} ${effect <= 1 || effect === 5 ? 'a buffer' : ''}]`;
  }
  return [arr, `[${ds.join(', ')}]`];
}

function gAncdata(e) {
  const items = [];
  const ds = [];
  const n = int(3);
  for (let i = 0; i < n; i++) {
    switch (int(6)) {
      case 0: {
        const fds = Buffer.alloc(4 * (1 + int(2)));
        for (let j = 0; j < fds.length / 4; j++) fds.writeInt32LE(pick(poolFds()), 4 * j);
        items.push([C.SOL_SOCKET, C.SCM_RIGHTS, fds]);
        ds.push('[SOL_SOCKET, SCM_RIGHTS, pool fds]');
        break;
      }
      case 1: {
        const cred = Buffer.alloc(12);
        cred.writeInt32LE(process.pid, 0);
        items.push([C.SOL_SOCKET, C.SCM_CREDENTIALS, cred]);
        ds.push('[SOL_SOCKET, SCM_CREDENTIALS, own creds]');
        break;
      }
      case 2: {
        const [lv, lvd] = pick(NUMS);
        const [ty, tyd] = pick(NUMS);
        const fds = Buffer.alloc(4);
        fds.writeInt32LE(pick(poolFds()), 0);
        items.push([lv, ty, fds]);
        ds.push(`[${lvd}, ${tyd}, fd bytes]`);
        break;
      }
      case 3: {
        const ab = new ArrayBuffer(16, { maxByteLength: 64 });
        items.push([C.SOL_SOCKET, C.SCM_RIGHTS, new Uint8Array(ab)]);
        ds.push('[SOL_SOCKET, SCM_RIGHTS, U8(resizable 16 zero bytes)]');
        break;
      }
      case 4: {
        const [h, hd] = hostile();
        items.push(h);
        ds.push(hd);
        break;
      }
      default: {
        const [h, hd] = hostileBytes();
        items.push([C.SOL_SOCKET, C.SCM_RIGHTS, h]);
        ds.push(`[SOL_SOCKET, SCM_RIGHTS, ${hd}]`);
      }
    }
  }
  if (items.length >= 2 && chance(0.5)) {
    // the next item's getter shrinks or detaches the previous item's data
    const prev = items[0];
    const arr = items.slice();
    const eff = int(2);
    Object.defineProperty(arr, 1, {
      enumerable: true,
      get() {
        const d = Array.isArray(prev) ? prev[2] : undefined;
        const ab = d && ArrayBuffer.isView(d) ? d.buffer : undefined;
        if (ab && eff === 0 && ab.resizable) ab.resize(0);
        else if (ab && eff === 1 && !(ab instanceof SharedArrayBuffer)) detach(ab);
        return items[1];
      },
    });
    ds[1] += `[getter: ${eff === 0 ? 'shrinks' : 'detaches'} item 0's data]`;
    return [arr, `[${ds.join(', ')}]`];
  }
  return [items, `[${ds.join(', ')}]`];
}

function gMeta(n) {
  switch (int(5)) {
    case 0: {
      const ab = new ArrayBuffer(8 * n, { maxByteLength: 8 * n + 64 });
      return [new Int32Array(ab), `Int32Array(resizable ${2 * n})`];
    }
    case 1:
      return [new Int32Array(int(2 * n + 1)), 'Int32Array(short)'];
    case 2:
      return hostile();
    default: {
      const m = new Int32Array(2 * n);
      for (let i = 0; i < n; i++) m[2 * i] = pick([0, 1, 16, 64, 100000, -1, 2 ** 31 - 1]);
      return [m, `Int32Array(${2 * n})`];
    }
  }
}

function gNames(n) {
  switch (int(4)) {
    case 0:
      return [null, 'null'];
    case 1:
      return [Buffer.alloc(int(n * 128 + 1)), 'Buffer(short)'];
    case 2:
      return hostile();
    default:
      return [Buffer.alloc(n * 128), `Buffer(${n * 128})`];
  }
}

// ---- the pool ---------------------------------------------------------------------

let pool = []; // { s, kind, peer?, shared? }
let extra = []; // other sockets / streams / TLS sockets made by calls, closed at round end
let rawFds = []; // fds that left the library (detach, SCM_RIGHTS, recvFds)
let pending = []; // { p, call, settled }

function poolFds() {
  const fds = pool.map((e) => e.s.fileno()).filter((fd) => fd >= 0);
  return fds.length ? fds : [0];
}

function addPair(kind, a, b, peerOfA, peerOfB) {
  pool.push({ s: a, kind: kind + '.a', peer: peerOfA });
  pool.push({ s: b, kind: kind + '.b', peer: peerOfB });
}

function buildPool() {
  for (const [fam, host, name] of [
    [C.AF_INET, '127.0.0.1', 'tcp4'],
    [C.AF_INET6, '::1', 'tcp6'],
  ]) {
    const l = new B.Socket(fam, C.SOCK_STREAM);
    pool.push({ s: l, kind: name + '.listen' });
    l.bind([host, 0]);
    l.listen(8);
    const c = new B.Socket(fam, C.SOCK_STREAM);
    pool.push({ s: c, kind: name + '.client', peer: l.getsockname() });
    c.connectSync(l.getsockname());
    const [a] = l.acceptSync();
    pool.push({ s: a, kind: name + '.accepted', peer: c.getsockname() });
    pool[pool.length - 3].peer = l.getsockname();
  }
  for (const [fam, host, name] of [
    [C.AF_INET, '127.0.0.1', 'udp4'],
    [C.AF_INET6, '::1', 'udp6'],
  ]) {
    const a = new B.Socket(fam, C.SOCK_DGRAM);
    const b = new B.Socket(fam, C.SOCK_DGRAM);
    a.bind([host, 0]);
    b.bind([host, 0]);
    a.connectSync(b.getsockname());
    if (chance(0.7)) b.connectSync(a.getsockname());
    addPair(name, a, b, b.getsockname(), a.getsockname());
  }
  for (const [type, name] of [
    [C.SOCK_STREAM, 'unix-stream'],
    [C.SOCK_DGRAM, 'unix-dgram'],
    [C.SOCK_SEQPACKET, 'unix-seqpacket'],
  ]) {
    const [a, b] = B.socketpair(C.AF_UNIX, type);
    addPair(name, a, b);
  }
  const ul = new B.Socket(C.AF_UNIX, C.SOCK_STREAM);
  pool.push({ s: ul, kind: 'unix.listen' });
  const upath = path.join(tmpDir, `l${int(1e9)}.sock`);
  ul.bind(upath);
  ul.listen(4);
  pool[pool.length - 1].peer = upath;
  const ud = new B.Socket(C.AF_UNIX, C.SOCK_DGRAM);
  const dpath = Buffer.from(`\0bsdsock-fuzz-${process.pid}-${int(1e9)}`);
  ud.bind(dpath);
  pool.push({ s: ud, kind: 'unix.dgram-abstract', peer: dpath });
  const uc = new B.Socket(C.AF_UNIX, C.SOCK_STREAM);
  pool.push({ s: uc, kind: 'unix.unconnected', peer: upath });
  pool.push({ s: new B.Socket(C.AF_INET, C.SOCK_STREAM), kind: 'tcp4.fresh', peer: pool[0].peer });
  pool.push({ s: new B.Socket(C.AF_INET6, C.SOCK_DGRAM), kind: 'udp6.fresh', peer: pool.find((e) => e.kind === 'udp6.a').peer });
  const closed = new B.Socket(C.AF_INET, C.SOCK_DGRAM);
  closed.close();
  pool.push({ s: closed, kind: 'closed' });
  for (const e of pool) {
    if (e.s.fileno() >= 0) e.s.settimeout(pick([0, 0, 0.002, 0.01, null]));
  }
}

// ---- checking what comes out --------------------------------------------------

const JS_ACCIDENT = /Cannot read propert|is not a function|is not iterable|Cannot convert|Cannot mix BigInt|is not a constructor|Invalid array length|Maximum call stack|Array buffer allocation failed|undefined is not|null is not|Cannot destructure|Cannot create property|Invalid typed array length|out of bounds|Invalid DataView/;

function checkError(e, callDesc, signal) {
  if (util.types.isProxy(e)) {
    finding('wrong-error-class', 'a Proxy (the argument itself?) was thrown', callDesc);
    return;
  }
  if (e instanceof UserThrow) return;
  if (signal !== undefined && e === signal.reason) return;
  if (e instanceof B.SocketError || e instanceof B.GaiError || e instanceof B.HostError) {
    if (typeof e.code !== 'string' || !Number.isInteger(e.errno) || typeof e.syscall !== 'string') {
      finding('malformed-error', `${e.name} code=${String(e.code)} errno=${String(e.errno)} syscall=${String(e.syscall)}: ${e.message}`, callDesc);
    }
    return;
  }
  if (e instanceof B.CreateConnectionError) return;
  // a SocketStream is a node:stream Duplex: misuse (a write to an 'r' stream) is node's own ERR_STREAM_*
  if (/SocketStream|makefile/.test(callDesc) && typeof e?.code === 'string' && e.code.startsWith('ERR_STREAM_')) return;
  if (e instanceof TypeError || e instanceof RangeError) {
    if (JS_ACCIDENT.test(e.message)) finding('accidental-js-error', `${e.name}: ${e.message}`, callDesc);
    return;
  }
  const name = e?.constructor?.name ?? typeof e;
  finding('wrong-error-class', `${name}${e?.code ? ` (code ${e.code})` : ''}: ${e?.message ?? String(e)}`, callDesc);
}

/** Closes fds that came back in ancillary data, so none is left open. */
function takeFds(anc) {
  if (!Array.isArray(anc)) return;
  for (const item of anc) {
    if (!Array.isArray(item) || item[0] !== C.SOL_SOCKET || item[1] !== C.SCM_RIGHTS || !Buffer.isBuffer(item[2])) continue;
    for (let off = 0; off + 4 <= item[2].length; off += 4) rawFds.push(item[2].readInt32LE(off));
  }
}

function errName(e) {
  try {
    return util.types.isProxy(e) ? 'a Proxy' : `${e?.constructor?.name}: ${e?.message}`;
  } catch {
    return 'an error';
  }
}

function takeResult(v) {
  if (util.types.isProxy(v) || (Array.isArray(v) && v.some((x) => util.types.isProxy(x)))) return;
  if (v instanceof B.Socket) extra.push(v);
  else if (v instanceof B.SocketStream) {
    const call = current;
    v.on('error', (e) => checkError(e, `${call} (stream 'error' event)`));
    extra.push(v);
  } else if (v instanceof B.SSLSocket) extra.push(v);
  else if (Array.isArray(v)) {
    if (v[0] instanceof B.Socket) extra.push(v[0]);
    if (v[1] instanceof B.Socket) extra.push(v[1]);
    if (v.length === 4 && Array.isArray(v[1])) {
      if (v[1].every((x) => typeof x === 'number')) rawFds.push(...v[1]); // recvFds
      else takeFds(v[1]); // recvmsg
    }
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Make one call: sync result or throw checked at once, async ones given a moment and then kept pending. */
async function invoke(desc, fn, signal) {
  current = desc;
  log(desc);
  let r;
  const before = binding.openFdCount();
  try {
    r = fn();
  } catch (e) {
    // a call that throws must not leave an fd it opened behind
    const after = binding.openFdCount();
    if (after > before) {
      leakedByCall = true;
      finding('fd-leak', `the call threw (${errName(e)}) and left ${after - before} fd(s) open that bsdsock opened`, desc);
    }
    checkError(e, desc, signal);
    stats.threw++;
    return;
  }
  if (util.types.isProxy(r)) return;
  if (util.types.isPromise(r)) {
    const rec = { p: r, call: desc, settled: false };
    stats.async++;
    r.then(
      (v) => {
        rec.settled = true;
        stats.resolved++;
        takeResult(v);
      },
      (e) => {
        rec.settled = true;
        stats.rejected++;
        checkError(e, desc, signal);
      },
    );
    const wait = pick([0, 0, 1, 5, 20]);
    if (wait > 0) await Promise.race([r.catch(() => {}), sleep(wait)]);
    else await null;
    if (!rec.settled) pending.push(rec);
  } else {
    stats.returned++;
    takeResult(r);
  }
}
// what the calls did: returned / threw (sync), resolved / rejected (async)
const stats = { returned: 0, threw: 0, async: 0, resolved: 0, rejected: 0 };

// ---- what can be called -------------------------------------------------------------

/** Keep a Sync call from blocking for long: sync calls get a short timeout (the async ones keep theirs). */
function shortTimeout(s) {
  const t = s.gettimeout();
  if (t === null || t > 0.02) s.settimeout(pick([0, 0.001, 0.005]));
}

// Arguments: each is a generator; with probability 0.2 a hostile value replaces it.
const A = {
  size: () => gSize(),
  flags: () => gFlags(),
  buf: () => gBuf(),
  data: () => gData(),
  opts: () => gOpts(),
  addr: (e) => gAddr(e),
  bufs: () => gBufArray(),
  anc: (e) => gAncdata(e),
  timeout: () => gTimeout(),
  bool: () => pick([[true, 'true'], [false, 'false']]),
  backlog: () => pick([[0, '0'], [5, '5'], [-1, '-1'], [-(2 ** 31) - 1, '-2**31-1'], [2 ** 31, '2**31']]),
  how: () => pick([[C.SHUT_RD, 'SHUT_RD'], [C.SHUT_WR, 'SHUT_WR'], [C.SHUT_RDWR, 'SHUT_RDWR'], [3, '3']]),
  level: () =>
    pick([[C.SOL_SOCKET, 'SOL_SOCKET'], [C.IPPROTO_TCP, 'IPPROTO_TCP'], [C.IPPROTO_IP, 'IPPROTO_IP'], [C.IPPROTO_IPV6, 'IPPROTO_IPV6'], [C.SOL_SOCKET, 'SOL_SOCKET']]),
  optname: () =>
    pick([
      [C.SO_REUSEADDR, 'SO_REUSEADDR'], [C.SO_RCVBUF, 'SO_RCVBUF'], [C.SO_SNDBUF, 'SO_SNDBUF'], [C.SO_LINGER, 'SO_LINGER'],
      [C.SO_RCVTIMEO, 'SO_RCVTIMEO'], [C.SO_ERROR, 'SO_ERROR'], [C.SO_TYPE, 'SO_TYPE'], [C.TCP_NODELAY, 'TCP_NODELAY'],
      [C.IP_TTL, 'IP_TTL'], [C.IPV6_V6ONLY, 'IPV6_V6ONLY'], [C.SO_PASSCRED, 'SO_PASSCRED'], [C.SO_PEERCRED, 'SO_PEERCRED'],
      [C.SO_KEEPALIVE, 'SO_KEEPALIVE'], [C.IP_OPTIONS, 'IP_OPTIONS'], [C.TCP_INFO, 'TCP_INFO'],
    ].filter((x) => x[0] !== undefined)),
  optval: () =>
    pick([[1, '1'], [0, '0'], [true, 'true'], [Buffer.alloc(4, 1), 'Buffer(4)'], [Buffer.alloc(0), 'Buffer(0)'], [Buffer.alloc(8), 'Buffer(8)'], [Buffer.alloc(5000), 'Buffer(5000)'], [null, 'null']]),
  buflen: () => pick([[undefined, 'undefined'], [4, '4'], [0, '0'], [104, '104'], [1024, '1024'], [100000, '100000']]),
  file: () => {
    const fd = fileFds.length ? pick(fileFds) : 0;
    return pick([[fd, 'file fd'], [{ fd }, '{fd}'], [pick(poolFds()), 'a socket fd']]);
  },
  cb: (e) => {
    if (chance(0.3)) return [null, 'null'];
    let n = 0;
    const s = e.s;
    const scratch = Buffer.alloc(256);
    const self = () => {
      s.tryRecvInto(scratch);
      if (++n > 10) {
        s.onReadable(null);
        s.onWritable(null);
      }
    };
    return [self, 'callback'];
  },
  mode: () => pick([['r', "'r'"], ['w', "'w'"], ['rw', "'rw'"], ['rwb', "'rwb'"], ['bb', "'bb'"], ['x', "'x'"]]),
  mfopts: () => pick([[{}, '{}'], [{ encoding: 'utf8' }, '{encoding}'], [{ highWaterMark: 0 }, '{hwm 0}'], [{ highWaterMark: 2 ** 53 }, '{hwm 2**53}'], [{ encoding: 'nope' }, '{encoding: nope}']]),
};
A.messages = (e) => {
  const n = int(4);
  const msgs = [];
  const ds = [];
  for (let i = 0; i < n; i++) {
    const [d, dd] = gData();
    if (chance(0.5)) {
      const [a, ad] = gAddr(e);
      msgs.push([d, a]);
      ds.push(`[${dd}, ${ad}]`);
    } else {
      msgs.push([d]);
      ds.push(`[${dd}]`);
    }
  }
  if (chance(0.1)) return hostile();
  return [msgs, `[${ds.join(', ')}]`];
};
A.count = () => pick([[0, '0'], [1, '1'], [4, '4'], [100, '100'], [-1, '-1'], [2 ** 31, '2**31']]);
A.offset = () => pick([[0, '0'], [1, '1'], [1e6, '1e6'], [-1, '-1'], [2 ** 53, '2**53']]);
A.sfcount = () => pick([[undefined, 'undefined'], [10, '10'], [0, '0'], [2 ** 40, '2**40'], [-5, '-5']]);

let fileFds = [];

/** Socket methods: name, argument kinds, sync (true: give it a short timeout first). */
const METHODS = [
  ['accept', ['opts']], ['acceptSync', [], true], ['tryAccept', []],
  ['bind', ['addr']], ['listen', ['backlog']], ['getsockname', []], ['getpeername', []], ['shutdown', ['how']],
  ['getsockopt', ['level', 'optname', 'buflen']], ['setsockopt', ['level', 'optname', 'optval', 'buflen']],
  ['settimeout', ['timeout']], ['gettimeout', []], ['setblocking', ['bool']], ['getblocking', []],
  ['getInheritable', []], ['setInheritable', ['bool']], ['fileno', []], ['toString', []],
  ['connect', ['addr', 'opts']], ['connectSync', ['addr'], true], ['connectEx', ['addr', 'opts']], ['connectExSync', ['addr'], true],
  ['recv', ['size', 'flags', 'opts']], ['recvSync', ['size', 'flags'], true],
  ['recvInto', ['buf', 'size', 'flags', 'opts']], ['recvIntoSync', ['buf', 'size', 'flags'], true],
  ['recvfrom', ['size', 'flags', 'opts']], ['recvfromSync', ['size', 'flags'], true],
  ['recvfromInto', ['buf', 'size', 'flags', 'opts']], ['recvfromIntoSync', ['buf', 'size', 'flags'], true],
  ['send', ['data', 'flags', 'opts']], ['sendSync', ['data', 'flags'], true],
  ['sendall', ['data', 'flags', 'opts']], ['sendallSync', ['data', 'flags'], true],
  ['sendto', ['data', 'addr']], ['sendto', ['data', 'flags', 'addr', 'opts']], ['sendtoSync', ['data', 'addr'], true], ['sendtoSync', ['data', 'flags', 'addr'], true],
  ['sendmsg', ['bufs', 'anc', 'flags', 'addr', 'opts']], ['sendmsgSync', ['bufs', 'anc', 'flags'], true],
  ['recvmsg', ['size', 'size', 'flags', 'opts']], ['recvmsgSync', ['size', 'size', 'flags'], true],
  ['recvmsgInto', ['bufs', 'size', 'flags', 'opts']], ['recvmsgIntoSync', ['bufs', 'size', 'flags'], true],
  ['recvmmsg', ['bufs', 'flags', 'opts']], ['sendmmsg', ['messages', 'flags', 'opts']],
  ['tryRecvInto', ['buf', 'size', 'flags']], ['trySend', ['data', 'flags']], ['tryRecvfromInto', ['buf', 'size', 'flags']], ['trySendto', ['data', 'addr', 'flags']],
  ['tryRecvmmsg', ['MMSG']], ['trySendmmsg', ['MMSG']],
  ['sendfile', ['file', 'offset', 'sfcount', 'opts']], ['sendfileSync', ['file', 'offset', 'sfcount'], true],
  ['makefile', ['mode', 'mfopts']], ['onReadable', ['cb']], ['onWritable', ['cb']],
];

/** A Socket method call on a pool socket. */
async function callMethod(e, idx) {
  const [name, kinds, sync] = pick(METHODS);
  const s = e.s;
  let args = [];
  let ds = [];
  let signal;
  if (kinds[0] === 'MMSG') {
    // tryRecvmmsg(buffers, meta, names, flags) / trySendmmsg(buffers, meta, names, count, flags):
    // meta may be a resizable Int32Array that a buffers[] getter shrinks.
    const [meta, md] = gMeta(4);
    const [bufs, bd] = gBufArray(ArrayBuffer.isView(meta) ? [meta] : []);
    const [names, nd] = gNames(4);
    args = [bufs, meta, names];
    ds = [bd, md, nd];
    if (name === 'trySendmmsg') {
      const [c, cd] = chance(0.8) ? [1 + int(4), 'n'] : pick(NUMS);
      args.push(c);
      ds.push(cd);
    }
    const [f, fd] = gFlags();
    args.push(f);
    ds.push(fd);
  } else {
    for (const k of kinds) {
      const own = !chance(0.2);
      const [v, d] = own ? A[k](e) : hostile();
      if (own && k === 'opts' && v !== undefined && v.signal instanceof AbortSignal) signal = v.signal;
      args.push(v);
      ds.push(d);
    }
    // sometimes fewer or more arguments than declared
    if (chance(0.05) && args.length > 0) {
      args.pop();
      ds.pop();
    } else if (chance(0.03)) {
      const [v, d] = hostile();
      args.push(v);
      ds.push(d);
    }
  }
  if (sync && s.fileno() >= 0) shortTimeout(s);
  const desc = `#${idx} ${e.kind}(t=${s.gettimeout()}).${name}(${ds.join(', ')})`;
  await invoke(desc, () => s[name](...args), signal);
}

/** Module functions (lib/index.ts exports) and constructors. */
const FUNCS = [
  ['new Socket', () => {
    const a = [];
    const d = [];
    for (let i = 0; i < 3; i++) {
      const [v, vd] = chance(0.5) ? pick([[C.AF_INET, 'AF_INET'], [C.AF_INET6, 'AF_INET6'], [C.AF_UNIX, 'AF_UNIX'], [C.SOCK_STREAM, 'SOCK_STREAM'], [C.SOCK_DGRAM, 'SOCK_DGRAM'], [0, '0']]) : hostile();
      a.push(v);
      d.push(vd);
    }
    // a fileno argument, never a live fd (that is the 'twin' action)
    if (chance(0.3)) {
      const [v, vd] = chance(0.5) ? pick([[-1, '-1'], [2 ** 31 - 1, '2**31-1'], [1e6, '1e6'], [2 ** 32 + 3, '2**32+3'], [NaN, 'NaN'], [1.5, '1.5']]) : hostile();
      if (!(Number.isInteger(v) && v >= 0 && v < 65536)) {
        a.push(v);
        d.push(vd);
      }
    }
    return [() => closeNow(new B.Socket(...a)), `new Socket(${d.join(', ')})`];
  }],
  ['socketpair', () => {
    const [f, fd] = chance(0.6) ? [C.AF_UNIX, 'AF_UNIX'] : hostile();
    const [t, td] = chance(0.6) ? pick([[C.SOCK_STREAM, 'SOCK_STREAM'], [C.SOCK_DGRAM, 'SOCK_DGRAM'], [C.SOCK_SEQPACKET, 'SOCK_SEQPACKET'], [2 ** 32 + 1, '2**32+1']]) : hostile();
    const [p, pd] = chance(0.7) ? [0, '0'] : hostile();
    return [() => closeNow(B.socketpair(f, t, p)), `socketpair(${fd}, ${td}, ${pd})`];
  }],
  ['fromfd', () => {
    const [fdv, fdd] = chance(0.6) ? [pick(poolFds()), 'a pool fd'] : hostile();
    const [f, fd] = chance(0.6) ? [C.AF_INET, 'AF_INET'] : hostile();
    const [t, td] = chance(0.6) ? [C.SOCK_STREAM, 'SOCK_STREAM'] : hostile();
    return [() => closeNow(B.fromfd(fdv, f, t)), `fromfd(${fdd}, ${fd}, ${td}) then close`];
  }],
  ['setdefaulttimeout', () => {
    const [t, td] = chance(0.5) ? gTimeout() : hostile();
    return [() => {
      try {
        B.setdefaulttimeout(t);
      } finally {
        B.setdefaulttimeout(null);
      }
    }, `setdefaulttimeout(${td})`];
  }],
  ['inet', () => {
    const which = pick(['inetPton', 'inetNtop', 'inetAton', 'inetNtoa', 'htons', 'htonl', 'ntohs', 'ntohl', 'CMSG_LEN', 'CMSG_SPACE', 'familyName', 'kindName']);
    const args = [];
    const ds = [];
    const n = which === 'inetPton' || which === 'inetNtop' ? 2 : 1;
    for (let i = 0; i < n; i++) {
      let v;
      if (n === 2 && i === 0 && chance(0.7)) v = pick([[C.AF_INET, 'AF_INET'], [C.AF_INET6, 'AF_INET6']]);
      else if (which.startsWith('inetP') || which === 'inetAton') v = chance(0.6) ? pick([['127.0.0.1', "'127.0.0.1'"], ['::1', "'::1'"], ['1.2.3', "'1.2.3'"], ['::1%lo', "'::1%lo'"]]) : hostile();
      else if (which.startsWith('inetN')) v = chance(0.5) ? pick([[Buffer.alloc(4), 'Buffer(4)'], [Buffer.alloc(16), 'Buffer(16)'], [Buffer.alloc(5), 'Buffer(5)']]) : chance(0.5) ? hostileBytes() : hostile();
      else v = hostile();
      args.push(v[0]);
      ds.push(v[1]);
    }
    return [() => B[which](...args), `${which}(${ds.join(', ')})`];
  }],
  ['netdb', () => {
    const which = pick(['getaddrinfo', 'getnameinfo', 'gethostbyname', 'gethostbynameEx', 'gethostbyaddr', 'gethostname', 'getfqdn', 'getservbyname', 'getservbyport', 'getprotobyname', 'ifNameindex', 'ifNametoindex', 'ifIndextoname']);
    const sync = chance(0.5) && !which.startsWith('if') ? 'Sync' : '';
    let args = [];
    let ds = [];
    const h = (fam) => (chance(0.8) ? gHost(fam) : hostile());
    switch (which) {
      case 'getaddrinfo': {
        const [host, hd] = h(chance(0.5) ? C.AF_INET : C.AF_INET6);
        const [port, pd] = chance(0.7) ? pick([[null, 'null'], [80, '80'], ['http', "'http'"], ['70000', "'70000'"], [70000, '70000'], ['ht\0tp', "'ht\\0tp'"]]) : hostile();
        args = [host, port];
        ds = [hd, pd];
        for (const g of [() => pick([[0, '0'], [C.AF_INET, 'AF_INET'], [C.AF_INET6, 'AF_INET6'], [C.AF_UNIX, 'AF_UNIX']]), () => pick([[0, '0'], [C.SOCK_STREAM, 'SOCK_STREAM'], [C.SOCK_RAW, 'SOCK_RAW']]), () => [0, '0'], () => pick([[0, '0'], [C.AI_CANONNAME, 'AI_CANONNAME'], [C.AI_NUMERICHOST, 'AI_NUMERICHOST'], [C.AI_PASSIVE, 'AI_PASSIVE']])]) {
          if (chance(0.6)) {
            const [v, d] = chance(0.75) ? g() : hostile();
            args.push(v);
            ds.push(d);
          } else break;
        }
        // without a private network namespace, a family-less lookup of a name could reach DNS: numeric only
        break;
      }
      case 'getnameinfo': {
        const v6 = chance(0.4);
        const host = v6 && SAFE_DNS ? '::1' : '127.0.0.1';
        const [port, pd] = chance(0.7) ? [int(70000), 'port'] : hostile();
        let sa = v6 ? [host, port, 0, pick([0, 1, 2 ** 32 + 1])] : [host, port];
        let sd = `['${host}', ${typeof port === 'number' ? port : 'hostile'}${v6 ? `, 0, ${sa[3]}` : ''}]`;
        if (chance(0.2)) [sa, sd] = hostile();
        const [fl, fld] = chance(0.7) ? pick([[0, '0'], [C.NI_NUMERICHOST, 'NI_NUMERICHOST'], [C.NI_NUMERICSERV, 'NI_NUMERICSERV'], [C.NI_NAMEREQD, 'NI_NAMEREQD']]) : hostile();
        args = [sa, fl];
        ds = [sd, fld];
        break;
      }
      case 'gethostbyname':
      case 'gethostbynameEx': {
        const [v, d] = chance(0.2) ? [SAFE_DNS ? 'localhost' : '127.0.0.1', 'a safe name'] : h(C.AF_INET);
        args = [v];
        ds = [d];
        break;
      }
      case 'gethostbyaddr': {
        const [v, d] = chance(0.5) ? [SAFE_DNS ? pick(['127.0.0.1', '::1']) : '127.0.0.1', 'loopback'] : chance(0.5) ? pick([['x'.repeat(70000), "'x'*70000"], ['a..b', "'a..b'"], ['127.0.0.1\0x', "'127.0.0.1\\0x'"]]) : hostile();
        if (typeof v === 'string' && !SAFE_DNS && !/^127\.0\.0\.1$|^x+$|^a\.\.b$|\0/.test(v)) break;
        args = [v];
        ds = [d];
        break;
      }
      case 'getfqdn': {
        const [v, d] = chance(0.5) ? pick([['', "''"], ['127.0.0.1', "'127.0.0.1'"], ['a..b', "'a..b'"]]) : chance(0.5) ? pick([[undefined, 'undefined'], [5, '5'], [Symbol('x'), 'Symbol']]) : throwingObject();
        args = [v];
        ds = [d];
        break;
      }
      case 'getservbyname':
      case 'getservbyport':
      case 'getprotobyname':
      case 'ifNametoindex':
      case 'ifIndextoname': {
        const first = which === 'getservbyport' || which === 'ifIndextoname' ? pick([[80, '80'], [1, '1'], [70000, '70000']]) : pick([['http', "'http'"], ['tcp', "'tcp'"], ['lo', "'lo'"], ['ht\0tp', "'ht\\0tp'"]]);
        const [v, d] = chance(0.6) ? first : hostile();
        args = [v];
        ds = [d];
        if (which.startsWith('getserv') && chance(0.6)) {
          const [p, pd] = chance(0.6) ? pick([['tcp', "'tcp'"], ['udp', "'udp'"], [null, 'null'], ['t\0cp', "'t\\0cp'"]]) : hostile();
          args.push(p);
          ds.push(pd);
        }
        break;
      }
      default:
        break;
    }
    // a host that is a string of letters would go to DNS: only with the private namespace
    if (!SAFE_DNS && which !== 'getservbyname' && which !== 'getservbyport' && which !== 'getprotobyname' && !which.startsWith('if') && typeof args[0] === 'string' && /[g-wyzG-WYZ]/.test(args[0].replace(/^x+$/, '')) && !args[0].includes('\0') && !/\.\./.test(args[0])) {
      return [() => undefined, `(skipped ${which}: a name lookup needs the private network namespace)`];
    }
    return [() => B[which + sync](...args), `${which}${sync}(${ds.join(', ')})`];
  }],
  ['sendFds', (e) => {
    const sync = chance(0.5) ? 'Sync' : '';
    const [bufs, bd] = chance(0.8) ? [[Buffer.from('x')], '[x]'] : gBufArray();
    const [fds, fdd] = chance(0.6) ? [[pick(poolFds())], '[pool fd]'] : chance(0.5) ? pick([[[-1], '[-1]'], [[2 ** 31], '[2**31]'], [[1.5], '[1.5]'], [['3'], "['3']"], [[], '[]']]) : hostile();
    if (sync) shortTimeout(e.s);
    const opts = sync ? [] : [0, undefined, { signal: AbortSignal.timeout(20) }];
    return [() => B['sendFds' + sync](e.s, bufs, fds, ...opts), `sendFds${sync}(${e.kind}, ${bd}, ${fdd})`];
  }],
  ['recvFds', (e) => {
    const sync = chance(0.5) ? 'Sync' : '';
    const [n, nd] = chance(0.7) ? [64, '64'] : hostile();
    const [m, md] = chance(0.7) ? [pick([1, 4, 300]), 'maxfds'] : hostile();
    if (sync) shortTimeout(e.s);
    return [() => B['recvFds' + sync](e.s, n, m), `recvFds${sync}(${e.kind}, ${nd}, ${md})`];
  }],
  ['createConnection', () => {
    const sync = chance(0.5) ? 'Sync' : '';
    const l = pool.find((x) => x.kind === pick(['tcp4.listen', 'tcp6.listen']));
    let la = ['127.0.0.1', 1];
    try {
      if (l) la = l.s.getsockname();
    } catch {
      /* closed by an earlier call */
    }
    let addr = [la[0], la[1]];
    let ad = JSON.stringify(addr);
    if (chance(0.3)) [addr, ad] = hostile();
    else if (chance(0.3)) {
      const [hh, hd] = gHost(C.AF_INET);
      addr = [hh, la[1]];
      ad = `[${hd}, port]`;
    }
    const o = {};
    const od = [];
    if (chance(0.5)) {
      const [t, td] = chance(0.6) ? [pick([0.01, 0.05, 0]), 'short'] : hostile();
      o.timeout = t;
      od.push(`timeout: ${td}`);
    } else o.timeout = 0.05;
    if (chance(0.3)) {
      const [sa, sd] = chance(0.5) ? [['127.0.0.1', 0], "['127.0.0.1', 0]"] : hostile();
      o.sourceAddress = sa;
      od.push(`sourceAddress: ${sd}`);
    }
    if (!sync) o.signal = AbortSignal.timeout(100);
    const opts = chance(0.1) ? hostile() : [o, `{${od.join(', ')}}`];
    // without our options the timeout is the default (blocking): a full backlog would block a Sync call for good
    if (sync && opts[0] !== o) return [() => undefined, '(skipped createConnectionSync without a timeout)'];
    if (!sync && opts[0] !== o) return [() => undefined, '(skipped createConnection without a signal)'];
    return [() => B['createConnection' + sync](addr, opts[0]), `createConnection${sync}(${ad}, ${opts[1]})`, o.signal];
  }],
  ['createServer', () => {
    const sync = chance(0.5) ? 'Sync' : '';
    const v6 = chance(0.3);
    let addr = [v6 ? '::1' : '127.0.0.1', 0];
    let ad = JSON.stringify(addr);
    if (chance(0.3)) [addr, ad] = hostile();
    const o = {};
    const od = [];
    if (v6) o.family = C.AF_INET6;
    if (chance(0.3)) {
      const [f, fd] = hostile();
      o.family = f;
      od.push(`family: ${fd}`);
    }
    if (chance(0.3)) {
      const [b, bd] = chance(0.5) ? A.backlog() : hostile();
      o.backlog = b;
      od.push(`backlog: ${bd}`);
    }
    if (chance(0.2)) o.reusePort = true;
    if (chance(0.2)) {
      o.dualstackIpv6 = true;
      od.push('dualstackIpv6');
    }
    return [() => B['createServer' + sync](addr, o), `createServer${sync}(${ad}, {${od.join(', ')}})`];
  }],
  ['tls', (e) => {
    const which = pick(['ctx', 'ctx', 'load', 'verify', 'alpn', 'wrap']);
    const [p, pd] = chance(0.7) ? pick([[B.Purpose.SERVER_AUTH, 'SERVER_AUTH'], [B.Purpose.CLIENT_AUTH, 'CLIENT_AUTH']]) : hostile();
    if (which === 'ctx') return [() => B.createDefaultContext(p), `createDefaultContext(${pd})`];
    const ctx = new B.SSLContext(B.Purpose.SERVER_AUTH);
    if (which === 'load') {
      const [f, fd] = chance(0.5) ? [path.join(tmpDir, 'nonexistent.pem'), 'a missing file'] : hostile();
      return [() => ctx.loadCertChain(f), `SSLContext.loadCertChain(${fd})`];
    }
    if (which === 'verify') {
      const [o, od] = chance(0.5) ? pick([[{ cadata: 'junk' }, "{cadata: 'junk'}"], [{ cafile: path.join(tmpDir, 'missing.pem') }, '{cafile: missing}']]) : hostile();
      return [() => ctx.loadVerifyLocations(o), `SSLContext.loadVerifyLocations(${od})`];
    }
    if (which === 'alpn') {
      const [o, od] = chance(0.5) ? [['h2', 'x'.repeat(300)], "['h2', 'x'*300]"] : hostile();
      return [() => ctx.setAlpnProtocols(o), `SSLContext.setAlpnProtocols(${od})`];
    }
    ctx.checkHostname = chance(0.5);
    ctx.verifyMode = chance(0.5) ? B.CERT_NONE : B.CERT_REQUIRED;
    const [o, od] = chance(0.7) ? pick([[{ serverHostname: 'localhost' }, '{serverHostname}'], [{ serverSide: true }, '{serverSide}'], [{}, '{}']]) : hostile();
    const meth = pick(['recv', 'recv', 'sendall', 'sendall', 'recvInto', 'send', 'getpeercert', 'version', 'cipher', 'selectedAlpnProtocol', 'getpeername', 'getsockname', 'fileno', 'doHandshake', 'connect']);
    const [x, xd] = chance(0.5) ? (meth.startsWith('send') ? gData() : meth === 'recvInto' ? gBuf() : meth === 'connect' ? gAddr(e) : gSize()) : hostile();
    return [() => {
      const t = ctx.wrapSocket(e.s, o);
      extra.push(t);
      return t[meth](x);
    }, `SSLContext.wrapSocket(${e.kind}, ${od}).${meth}(${xd})`];
  }],
  ['hasDualstackIpv6', () => [() => B.hasDualstackIpv6(), 'hasDualstackIpv6()']],
  ['getdefaulttimeout', () => [() => B.getdefaulttimeout(), 'getdefaulttimeout()']],
  ['errors', () => {
    // the error classes' constructors: SocketError asks the native strerror() for any errno
    const which = pick(['SocketError', 'SocketTimeoutError', 'GaiError', 'HostError', 'CreateConnectionError']);
    const args = [];
    const ds = [];
    for (let i = 0; i < 5; i++) {
      const [v, d] = i === 0 && chance(0.5) ? pick([[104, '104'], [0, '0'], [-1, '-1'], [2 ** 31, '2**31'], [NaN, 'NaN'], [1e6, '1e6']]) : hostile();
      args.push(v);
      ds.push(d);
    }
    return [() => new B[which](...args), `new ${which}(${ds.join(', ')})`];
  }],
  ['stream', (e) => {
    // a SocketStream made directly, then written with a hostile chunk
    const [m, md] = chance(0.7) ? A.mode() : hostile();
    const [o, od] = chance(0.7) ? A.mfopts() : hostile();
    const [c, cd] = chance(0.5) ? gData() : hostile();
    return [() => {
      const st = new B.SocketStream(e.s, m, o);
      st.on('error', (err) => checkError(err, `new SocketStream(${e.kind}, ${md}, ${od}).write(${cd}) ('error' event)`));
      extra.push(st);
      st.write(c);
      if (chance(0.5)) st.read(1);
      return undefined;
    }, `new SocketStream(${e.kind}, ${md}, ${od}).write(${cd})`];
  }],
  ['socket getters', (e) => {
    const which = pick(['family', 'type', 'proto', 'timeout', 'inspect', 'iterator', 'dispose', 'asyncDispose']);
    const s = e.s;
    if (which === 'inspect') return [() => util.inspect(s), `util.inspect(${e.kind})`];
    if (which === 'iterator') return [() => s[Symbol.asyncIterator]().next(), `${e.kind}[Symbol.asyncIterator]().next()`];
    if (which === 'dispose') return [() => s[Symbol.dispose](), `${e.kind}[Symbol.dispose]()`];
    if (which === 'asyncDispose') return [() => s[Symbol.asyncDispose](), `${e.kind}[Symbol.asyncDispose]()`];
    return [() => s[which], `${e.kind}.${which}`];
  }],
];

function closeNow(x) {
  if (Array.isArray(x)) for (const s of x) s?.close?.();
  else x?.close?.();
  return x;
}

// ---- actions that change the pool (some are known crashes: --skip item1,item5) ---

async function poolAction(idx) {
  const e = pick(pool);
  const s = e.s;
  const a = pick(['close', 'dup', 'detach', 'twin', 'closeBehind', 'gc', 'pump']);
  if (a === 'close') {
    await invoke(`#${idx} ${e.kind}.close()`, () => s.close());
  } else if (a === 'dup') {
    await invoke(`#${idx} ${e.kind}.dup()`, () => {
      const d = s.dup();
      e.shared = true;
      pool.push({ s: d, kind: e.kind + '.dup', peer: e.peer, shared: true });
      return undefined;
    });
  } else if (a === 'detach') {
    // detach of a socket whose file description is shared clears O_NONBLOCK under the other holder (issue 8 item 5)
    if (SKIP.has('item5') && e.shared && s.gettimeout() !== 0) return;
    await invoke(`#${idx} ${e.kind}(t=${s.gettimeout()}${e.shared ? ', shared' : ''}).detach() then fs.closeSync(fd)`, () => {
      const fd = s.detach();
      if (fd >= 0) rawFds.push(fd);
    });
  } else if (a === 'twin') {
    // a second Socket on the same fd number, closed: the first one's fd is gone (issue 8 item 1)
    if (SKIP.has('item1') || s.fileno() < 0) return;
    const fd = s.fileno();
    await invoke(`#${idx} new Socket(undefined, undefined, undefined, ${e.kind}.fileno()).close()`, () => new B.Socket(undefined, undefined, undefined, fd).close());
    e.dead = true;
    poolHadDeadFds = true;
  } else if (a === 'closeBehind') {
    if (SKIP.has('item1') || s.fileno() < 0) return;
    const fd = s.fileno();
    await invoke(`#${idx} fs.closeSync(${e.kind}.fileno())`, () => {
      try {
        fs.closeSync(fd);
      } catch {
        /* closed already, by an earlier call */
      }
    });
    e.dead = true;
    poolHadDeadFds = true;
  } else if (a === 'gc') {
    await invoke(`#${idx} gc()`, () => globalThis.gc?.());
  } else {
    // move data so that receives have something to read
    const peerE = pool.find((x) => x !== e && x.kind.split('.')[0] === e.kind.split('.')[0] && x.s.fileno() >= 0);
    await invoke(`#${idx} ${e.kind}.trySend(Buffer(64)) / sendto peer`, () => {
      if (s.fileno() < 0) return;
      if (e.kind.startsWith('udp') && e.peer) s.trySendto(Buffer.alloc(64, 0x62), e.peer);
      else s.trySend(Buffer.alloc(64, 0x62));
      if (peerE && chance(0.5)) peerE.s.trySend(Buffer.alloc(32, 0x63));
    });
  }
}

async function selftest(i) {
  if (SELFTEST === 'abort') await invoke(`#${i} selftest: process.abort()`, () => process.abort());
  else if (SELFTEST === 'hang') await invoke(`#${i} selftest: for (;;) {}`, () => {
    for (;;);
  });
  else await invoke(`#${i} selftest: throw new Error('plain')`, () => {
    throw new Error('plain');
  });
}

// ---- one round --------------------------------------------------------------------

async function round(rs) {
  roundSeed = rs;
  R = mulberry32(rs);
  log(`round ${rs} (replay: node --expose-gc scripts/fuzz-body.mjs --replay ${rs})`);
  tmpDir = fs.mkdtempSync(path.join(TMP, 'round-'));
  const filePath = path.join(tmpDir, 'data.bin');
  fs.writeFileSync(filePath, Buffer.alloc(100_000, 0x66));
  fileFds = [fs.openSync(filePath, 'r')];
  current = `#setup round ${rs}`;
  try {
    buildPool();
  } catch (e) {
    finding('harness', `pool setup failed: ${e?.stack ?? e}`);
  }
  for (let i = 0; i < CALLS; i++) {
    if (SELFTEST !== undefined && i === 3) await selftest(i);
    const e = pick(pool);
    const r = rnd();
    if (r < 0.62) await callMethod(e, i);
    else if (r < 0.9) {
      const [, make] = pick(FUNCS);
      let fn;
      let desc;
      let signal;
      try {
        [fn, desc, signal] = make(e);
      } catch (err) {
        finding('harness', `argument generator failed: ${err?.stack ?? err}`);
        continue;
      }
      await invoke(`#${i} ${desc}`, fn, signal);
    } else await poolAction(i);
  }
  await teardown();
}

async function teardown() {
  current = `#teardown round ${roundSeed}`;
  log(current);
  for (const e of pool) {
    // its fd number was closed behind its back and may be reused by now: leave it
    // (its number is no longer its own; the GC closes it later: issue 8 item 1)
    if (e.dead) continue;
    try {
      e.s.close();
    } catch (err) {
      checkError(err, `${e.kind}.close() at teardown`);
    }
  }
  const deadline = Date.now() + 3000;
  while (pending.some((p) => !p.settled) && Date.now() < deadline) await sleep(5);
  for (const x of extra) {
    try {
      if (x instanceof B.SocketStream) x.destroy();
      else x.close();
    } catch {
      /* */
    }
  }
  // a second chance for what the extras held (TLS over a pool socket)
  const d2 = Date.now() + 1000;
  while (pending.some((p) => !p.settled) && Date.now() < d2) await sleep(5);
  // (after an fd was closed behind a socket's back, its number may have been reused by any
  // other socket of the round: what then never settles says nothing new about item 1)
  for (const p of poolHadDeadFds ? [] : pending) {
    if (!p.settled) finding('never-settles', 'the promise did not settle within 4 s of closing every socket (and every SSLSocket / stream made)', p.call);
  }
  for (const fd of rawFds) {
    try {
      fs.closeSync(fd);
    } catch {
      /* */
    }
  }
  for (const fd of fileFds) fs.closeSync(fd);
  pool = [];
  extra = [];
  rawFds = [];
  pending = [];
  fs.rmSync(tmpDir, { recursive: true, force: true });
  const open = binding.openFdCount();
  if (open > openAtStart && !poolHadDeadFds && !leakedByCall) {
    const what = [];
    for (const fd of socketFds()) {
      if (socketsAtStart.has(fd)) continue;
      try {
        const t = B.fromfd(fd, C.AF_UNSPEC, 0);
        let name = '';
        try {
          name = JSON.stringify(t.getsockname());
        } catch {
          /* */
        }
        what.push(`fd ${fd}: family ${t.getsockopt(C.SOL_SOCKET, C.SO_DOMAIN)}, type ${t.getsockopt(C.SOL_SOCKET, C.SO_TYPE)}, name ${name}`);
        t.close();
      } catch (e) {
        what.push(`fd ${fd}: ${e.message}`);
      }
    }
    finding('fd-leak', `fds opened by bsdsock in this round still open after it (not from a call that threw): ${what.join('; ').replace(/\d+/g, 'N')}`);
  }
  socketsAtStart = new Set(socketFds());
}
let poolHadDeadFds = false;
let leakedByCall = false;
let openAtStart = 0;
function socketFds() {
  const out = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) out.push(Number(fd));
    } catch {
      /* the fd of readdir itself */
    }
  }
  return out;
}
let socketsAtStart = new Set();

// ---- process-level traps ------------------------------------------------------------

process.on('uncaughtException', (e) => {
  // a hostile callback (a Proxy of a function) throwing from onReadable is the caller's own exception
  if (e instanceof UserThrow) return;
  finding('uncaught-exception', `${e?.constructor?.name}: ${e?.message ?? e}\n${e?.stack ?? ''}`);
});
process.on('unhandledRejection', (e) => {
  finding('unhandled-rejection', `${e?.constructor?.name}: ${e?.message ?? e}`);
});
process.on('warning', (w) => {
  if (w.name === 'TimeoutOverflowWarning') finding('timeout-overflow', `${w.name}: ${w.message} (issue 8 item 7)`);
  else if (w.name !== 'ExperimentalWarning') finding('warning', `${w.name}: ${w.message}`);
});

// ---- main -----------------------------------------------------------------------------

const t0 = Date.now();
let rounds = 0;
while (rounds < MAX_ROUNDS && (REPLAY !== undefined || Date.now() < UNTIL)) {
  const rs = REPLAY !== undefined ? Number(REPLAY) >>> 0 : mix(SEED, rounds);
  poolHadDeadFds = false;
  leakedByCall = false;
  openAtStart = binding.openFdCount();
  try {
    await round(rs);
  } catch (e) {
    finding('harness', `round failed: ${e?.stack ?? e}`);
    await teardown().catch(() => {});
  }
  rounds++;
  fs.writeSync(findingsFd, JSON.stringify({ kind: 'round', roundSeed: rs, stats }) + '\n');
  for (const k of Object.keys(stats)) stats[k] = 0;
}
log(`done ${rounds} rounds`);
fs.writeSync(findingsFd, JSON.stringify({ kind: 'done', ms: Date.now() - t0 }) + '\n');
process.exit(0);
