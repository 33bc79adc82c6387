#!/usr/bin/env node
// Stress: a ping-pong soak (default 60 s), part of `npm run stress`, not of
// `npm test`. Samples RSS and the fd count once a second and reports the
// first, last and highest sample: a leak shows as a last far above the first.
//
// Traffic, all bsdsock on loopback, in this one process:
//   - --pairs TCP connections (default 4), each a ping-pong of 64 bytes with
//     the async API (`await sendall` / `await recv`), checked byte for byte;
//   - one UDP pair doing the same with sendto / recvfrom;
//   - one AF_UNIX SOCK_SEQPACKET socketpair with sendmsg / recvmsg, passing
//     an fd with SCM_RIGHTS every 100th message (the received fd is closed);
//   - churn: a new TCP connection opened, used once and closed every 10 ms.
// Every call is bounded by a timeout (settimeout), the whole run by
// --seconds + 30 s.
//
//   node scripts/stress-soak.mjs [--seconds 60] [--pairs 4]
//
// Prints the figures as text and, last, one JSON line.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const B = require('../dist/index.js');
const { binding } = require('../dist/binding.js');

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const SECONDS = opt('seconds', 60);
const PAIRS = opt('pairs', 4);
const MSG = 64;
const T = 5; // seconds: no single call may take longer

const killer = setTimeout(() => {
  console.error(`stress-soak: not done after ${SECONDS + 30} s, giving up`);
  process.exit(1);
}, (SECONDS + 30) * 1000);
killer.unref();

const fdCount = () => fs.readdirSync('/proc/self/fd').length;
const mb = (x) => +(x / 2 ** 20).toFixed(1);
const samples = []; // { t, rss, fds, heap }
const counts = { tcp: 0, udp: 0, seqpacket: 0, fdsPassed: 0, churn: 0, bad: 0 };
const errors = new Map();
const err = (where, e) => errors.set(`${where} ${e.code ?? e.message}`, (errors.get(`${where} ${e.code ?? e.message}`) ?? 0) + 1);
let running = true;

function message(i, seq) {
  const b = Buffer.alloc(MSG, 0x30 + (seq % 64));
  b.writeUInt32BE(i, 0);
  b.writeUInt32BE(seq, 4);
  return b;
}

/** Reads exactly n bytes from a stream socket. */
async function recvExactly(s, n) {
  const parts = [];
  let have = 0;
  while (have < n) {
    const d = await s.recv(n - have);
    if (d.length === 0) throw new Error('EOF');
    parts.push(d);
    have += d.length;
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

const srv = new B.Socket(B.AF_INET, B.SOCK_STREAM);
srv.bind(['127.0.0.1', 0]);
srv.listen(128);
srv.settimeout(T);
const addr = srv.getsockname();

// The server: accept, then echo each connection until EOF.
const serverLoop = (async () => {
  while (running) {
    let c;
    try {
      [c] = await srv.accept();
    } catch (e) {
      if (running) err('accept', e);
      continue;
    }
    c.settimeout(T);
    (async () => {
      try {
        for (;;) {
          const d = await c.recv(4096);
          if (d.length === 0) break;
          await c.sendall(d);
        }
      } catch (e) {
        err('echo', e);
      } finally {
        c.close();
      }
    })();
  }
})();

async function tcpClient(i) {
  const c = new B.Socket(B.AF_INET, B.SOCK_STREAM);
  c.settimeout(T);
  try {
    await c.connect(addr);
    for (let seq = 0; running; seq++) {
      const m = message(i, seq);
      await c.sendall(m);
      const back = await recvExactly(c, MSG);
      if (!back.equals(m)) counts.bad++;
      counts.tcp++;
    }
  } catch (e) {
    err('tcp', e);
  } finally {
    c.close();
  }
}

async function udpPingPong() {
  const a = new B.Socket(B.AF_INET, B.SOCK_DGRAM);
  const b = new B.Socket(B.AF_INET, B.SOCK_DGRAM);
  a.bind(['127.0.0.1', 0]);
  b.bind(['127.0.0.1', 0]);
  a.settimeout(T);
  b.settimeout(T);
  const aAddr = a.getsockname();
  const bAddr = b.getsockname();
  const echo = (async () => {
    try {
      while (running) {
        const [d, from] = await b.recvfrom(2048);
        if (d.length === 0 && !running) break;
        await b.sendto(d, from);
      }
    } catch (e) {
      if (running) err('udp echo', e);
    }
  })();
  try {
    for (let seq = 0; running; seq++) {
      const m = message(1000, seq);
      await a.sendto(m, bAddr);
      const [back, from] = await a.recvfrom(2048);
      if (!back.equals(m) || from[1] !== bAddr[1]) counts.bad++;
      counts.udp++;
    }
  } catch (e) {
    err('udp', e);
  }
  await b.sendto(Buffer.alloc(0), bAddr).catch(() => {}); // wake the echo loop
  b.close(); // rejects a pending recvfrom at once
  await echo;
  a.close();
  void aAddr;
}

async function seqpacketPingPong() {
  const [a, b] = B.socketpair(B.AF_UNIX, B.SOCK_SEQPACKET);
  a.settimeout(T);
  b.settimeout(T);
  const echo = (async () => {
    try {
      for (;;) {
        const [d, anc] = await b.recvmsg(2048, B.CMSG_SPACE(4));
        if (d.length === 0) break;
        for (const [level, type, data] of anc) {
          if (level === B.SOL_SOCKET && type === B.SCM_RIGHTS) {
            for (let o = 0; o + 4 <= data.length; o += 4) fs.closeSync(data.readInt32LE(o));
          }
        }
        await b.sendmsg([d]);
      }
    } catch (e) {
      err('seqpacket echo', e);
    }
  })();
  try {
    for (let seq = 0; running; seq++) {
      const m = message(2000, seq);
      const anc = seq % 100 === 0 ? [[B.SOL_SOCKET, B.SCM_RIGHTS, Buffer.from(new Int32Array([a.fileno()]).buffer)]] : [];
      await a.sendmsg([m], anc);
      if (anc.length) counts.fdsPassed++;
      const [back] = await a.recvmsg(2048);
      if (!back.equals(m)) counts.bad++;
      counts.seqpacket++;
    }
  } catch (e) {
    err('seqpacket', e);
  }
  a.shutdown(B.SHUT_WR);
  await echo;
  a.close();
  b.close();
}

async function churn() {
  while (running) {
    const c = new B.Socket(B.AF_INET, B.SOCK_STREAM);
    c.settimeout(T);
    try {
      await c.connect(addr);
      const m = message(3000, counts.churn);
      await c.sendall(m);
      if (!(await recvExactly(c, MSG)).equals(m)) counts.bad++;
      counts.churn++;
    } catch (e) {
      err('churn', e);
    } finally {
      c.close();
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

const t0 = performance.now();
const sample = () => {
  const m = process.memoryUsage();
  samples.push({ t: Math.round((performance.now() - t0) / 1000), rss: m.rss, heap: m.heapUsed, fds: fdCount(), bsdsockFds: binding.openFdCount() });
};
sample();
const sampler = setInterval(sample, 1000);
const stop = new Promise((r) => setTimeout(r, SECONDS * 1000)).then(() => {
  running = false;
});

const work = [];
for (let i = 0; i < PAIRS; i++) work.push(tcpClient(i));
work.push(udpPingPong(), seqpacketPingPong(), churn());
await stop;
await Promise.all(work);
clearInterval(sampler);
sample();
// the server: no more connections; closing the listener rejects the pending accept
srv.close();
await serverLoop;
await new Promise((r) => setTimeout(r, 100)); // the echo loops see EOF and close
const end = { fds: fdCount(), bsdsockFds: binding.openFdCount() };

const first = samples[0];
const last = samples[samples.length - 1];
const max = (k) => Math.max(...samples.map((s) => s[k]));
// RSS grows in the first seconds (JIT, heap and malloc arenas warming up): also report from 10 s on
const warm = samples[Math.min(10, samples.length - 1)];
const elapsed = (performance.now() - t0) / 1000;
const roundTrips = counts.tcp + counts.udp + counts.seqpacket + counts.churn;
const ok = counts.bad === 0 && errors.size === 0 && end.bsdsockFds === 0 && last.fds <= first.fds + 2;
const result = {
  test: 'stress-soak',
  ok,
  seconds: +elapsed.toFixed(1),
  roundTrips,
  perSecond: Math.round(roundTrips / elapsed),
  counts,
  rssMB: { first: mb(first.rss), last: mb(last.rss), max: mb(max('rss')), afterWarmup: mb(warm.rss), every10s: samples.filter((x, i) => i % 10 === 0).map((x) => mb(x.rss)) },
  heapMB: { first: mb(first.heap), last: mb(last.heap), max: mb(max('heap')) },
  fds: { first: first.fds, last: last.fds, max: max('fds'), afterClose: end.fds },
  bsdsockFdsAfterClose: end.bsdsockFds,
  samples: samples.length,
  errors: Object.fromEntries(errors),
};
console.log(
  `stress-soak: ${result.seconds} s, ${roundTrips} round trips (${result.perSecond}/s: tcp ${counts.tcp}, udp ${counts.udp}, ` +
    `seqpacket ${counts.seqpacket} with ${counts.fdsPassed} fds passed, ${counts.churn} connections opened and closed), ${counts.bad} wrong; ` +
    `RSS first/last/max ${result.rssMB.first}/${result.rssMB.last}/${result.rssMB.max} MB (${result.rssMB.afterWarmup} at ${warm.t} s), fds first/last/max ${first.fds}/${last.fds}/${result.fds.max}, ` +
    `after close ${end.fds} (bsdsock: ${end.bsdsockFds}): ${ok ? 'OK' : 'FAILED'}`,
);
console.log(JSON.stringify(result));
process.exit(ok ? 0 : 1);
