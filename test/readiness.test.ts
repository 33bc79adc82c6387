// The waiting engine (lib/readiness.ts, native/poll.cc) under abuse: an fd
// closed behind the socket's back, a shared file description made blocking
// by another holder, MSG_DONTWAIT in every mode, timeouts beyond setTimeout's
// range, and the keep-alive of the loop. Issue 8 items 1 and 5-7.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { spawn, execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { Socket, SocketError, SocketTimeoutError, socketpair, fromfd, AF_INET, AF_UNIX, SOCK_STREAM, SOCK_DGRAM, MSG_DONTWAIT, MSG_ERRQUEUE, SOL_SOCKET, SO_TYPE } from '../lib/index';
import { binding } from '../lib/binding';
import { b, cleanup, rejection, settled, track } from './helpers';

afterEach(cleanup);

const { EBADF, EBUSY, EAGAIN } = os.constants.errno;

/** A child that writes `data` into `sock`'s peer after `ms`: a peer that needs no event loop of ours. */
function sendLater(peer: Socket, data: string, ms: number): Promise<void> {
  const child = spawn(
    'python3',
    ['-c', `import socket,time; s=socket.socket(fileno=3); time.sleep(${ms / 1000}); s.send(${JSON.stringify(data)}.encode()); s.detach()`],
    { stdio: ['ignore', 'inherit', 'inherit', peer.fileno()] },
  );
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`python exited ${code}`))));
  });
}

/** Loop turns until `p` settles: > 0 means the event loop ran while the call waited. */
async function turnsUntil(p: Promise<unknown>): Promise<number> {
  let turns = 0;
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done) {
    await new Promise((r) => setImmediate(r));
    turns++;
  }
  return turns;
}

describe('an fd closed behind the socket\'s back (issue 8.1)', () => {
  it('wrapping an fd a live Socket owns is refused with EBUSY and the dup() advice', () => {
    const [a] = track(socketpair());
    const e = (() => {
      try {
        new Socket(undefined, undefined, undefined, a.fileno());
      } catch (err) {
        return err;
      }
      throw new Error('expected EBUSY');
    })();
    expect(e).toBeInstanceOf(SocketError);
    expect(e).toMatchObject({ code: 'EBUSY', errno: EBUSY, syscall: 'socket' });
    expect((e as Error).message).toMatch(/already owned by a live Socket.*dup\(\)/);
    // A duplicate is the way, and works.
    const d = track(fromfd(a.fileno(), AF_UNIX, SOCK_STREAM));
    expect(d.getsockopt(SOL_SOCKET, SO_TYPE)).toBe(SOCK_STREAM);
  });

  it('onReadable on a socket whose fd was closed with fs.closeSync is EBADF, not a libuv abort', () => {
    const [a, c] = track(socketpair());
    fs.closeSync(a.fileno());
    expect(() => a.onReadable(() => {})).toThrow(expect.objectContaining({ code: 'EBADF', errno: EBADF, syscall: 'onReadable' }));
    expect(() => a.onWritable(() => {})).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'onWritable' }));
    // close() reports the fd that is gone, as Python's close does; the socket is closed after it.
    expect(() => a.close()).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'close' }));
    expect(a.fileno()).toBe(-1);
    c.close();
  });

  it('an armed poll whose fd was closed behind its back: a new callback is EBADF', async () => {
    const [a, c] = track(socketpair());
    c.sendSync(b('x'));
    // A recv leaves the poll armed for the next one.
    const p = a.recv(10);
    expect(await p).toEqual(b('x'));
    const got = a.recv(10);
    c.sendSync(b('y'));
    expect(await got).toEqual(b('y'));
    fs.closeSync(a.fileno());
    expect(() => a.onReadable(() => {})).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(() => a.close()).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('a callback set on one direction, the fd closed behind the back, a callback on the other: EBADF, not a stack overflow', () => {
    const [a, c] = track(socketpair());
    a.onWritable(() => {});
    fs.closeSync(a.fileno());
    // Failing to arm used to clear the new callback by re-arming, which failed
    // again while the other direction's callback was set: endless recursion.
    expect(() => a.onReadable(() => {})).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'onReadable' }));
    expect(() => a.onWritable(null)).not.toThrow();
    expect(() => a.close()).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'close' }));
    c.close();
  });

  it('an async recv after the fd was closed behind the socket rejects with EBADF', async () => {
    const [a, c] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    fs.closeSync(a.fileno());
    const e = await rejection(a.recv(10));
    expect(e).toMatchObject({ code: 'EBADF', errno: EBADF, syscall: 'recv' });
    expect(() => a.close()).toThrow(expect.objectContaining({ code: 'EBADF' }));
    c.close();
  });

  it('the fd number reused by a new socket: the old socket gets EBADF, the new one works', async () => {
    const [a, c] = track(socketpair());
    c.sendSync(b('1'));
    expect(await a.recv(1)).toEqual(b('1'));
    const got = a.recv(10); // armed on the old fd
    c.sendSync(b('2'));
    expect(await got).toEqual(b('2'));
    const n = a.fileno();
    fs.closeSync(n);
    const [x, y] = track(socketpair());
    const reused = x.fileno() === n ? x : y.fileno() === n ? y : null;
    expect(reused, 'the lowest free fd number is reused').not.toBeNull();
    // The new socket is watched although libuv still held the old handle.
    const other = reused === x ? y : x;
    const p = reused!.recv(10);
    other.sendSync(b('new'));
    expect(await p).toEqual(b('new'));
    // The old socket's callback is refused: its fd is now someone else's.
    expect(() => a.onReadable(() => {})).toThrow(expect.objectContaining({ code: 'EBADF' }));
    // Closing or detaching the old socket leaves the number to its new owner.
    expect(() => a.detach()).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'detach' }));
    expect(a.fileno()).toBe(-1);
    const q = reused!.recv(10);
    other.sendSync(b('again'));
    expect(await q).toEqual(b('again'));
    c.close();
  });
});

describe('an fd closed behind the socket\'s back in the same tick (libuv#5130)', () => {
  it('a recv armed, then the fd closed before the loop polls: EBADF, not an abort', async () => {
    const [a, c] = track(socketpair());
    const p = a.recv(10); // the poll handle is started: libuv would hand the fd to epoll in this iteration's poll phase
    fs.closeSync(a.fileno());
    const e = await rejection(p);
    expect(e).toMatchObject({ code: 'EBADF', errno: EBADF, syscall: 'recv' });
    expect(() => a.close()).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'close' }));
    c.close();
  });

  it('close() of a socket whose fd number was reused does not close the new owner\'s fd', async () => {
    const [a, c] = track(socketpair());
    const n = a.fileno();
    fs.closeSync(n);
    const [x, y] = track(socketpair());
    const reused = x.fileno() === n ? x : y;
    const other = reused === x ? y : x;
    expect(reused.fileno()).toBe(n);
    const p = reused.recv(10); // armed on the number a thinks it owns
    expect(() => a.close()).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'close' }));
    other.sendSync(b('still mine'));
    expect(await p).toEqual(b('still mine'));
    c.close();
  });
});

describe('the socket\'s mode holds whatever the shared O_NONBLOCK says (issue 8.5)', () => {
  it('dup() then detach() of the duplicate: the original\'s async recv still waits on the loop', async () => {
    const [a, peer] = track(socketpair());
    const fd = a.dup().detach(); // clears O_NONBLOCK on the shared description
    try {
      const p = a.recv(10);
      const sent = sendLater(peer, 'late', 300);
      // Before the fix the recv blocked the thread for 300 ms: no turn ran.
      expect(await turnsUntil(p)).toBeGreaterThan(1);
      expect(await p).toEqual(b('late'));
      await sent;
    } finally {
      fs.closeSync(fd);
    }
  });

  it('dup() then detach(): recvSync honours the original\'s timeout', async () => {
    const [a, peer] = track(socketpair());
    const fd = a.dup().detach();
    try {
      a.settimeout(0.05);
      const t0 = performance.now();
      expect(() => a.recvSync(10)).toThrow(SocketTimeoutError);
      expect(performance.now() - t0).toBeLessThan(2000);
      a.settimeout(0);
      expect(() => a.recvSync(10)).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
    } finally {
      fs.closeSync(fd);
    }
    peer.close();
  });

  it('fromfd() of a blocking fd: async accept, connect and send never block the loop', async () => {
    const srv = track(new Socket(AF_UNIX, SOCK_STREAM));
    const path = `${os.tmpdir()}/bsdsock-nb-${process.pid}.sock`;
    fs.rmSync(path, { force: true });
    srv.bind(path);
    srv.listen(1);
    const fd = srv.dup().detach(); // the listener's description is now blocking
    try {
      const acc = srv.accept();
      expect(await settled(acc)).toBe(false); // no connection: it waits on the loop
      const cli = track(new Socket(AF_UNIX, SOCK_STREAM));
      const cfd = cli.dup().detach(); // the client's description too
      try {
        await cli.connect(path);
        const [conn] = await acc;
        track(conn);
        await cli.sendall(b('hello'));
        expect(await conn.recv(5)).toEqual(b('hello'));
      } finally {
        fs.closeSync(cfd);
      }
    } finally {
      fs.closeSync(fd);
      fs.rmSync(path, { force: true });
    }
  });
});

describe('MSG_DONTWAIT never waits, in any mode (issue 8.6)', () => {
  it('recvSync(n, MSG_DONTWAIT) in blocking mode is EAGAIN at once', async () => {
    const [a, peer] = track(socketpair());
    expect(a.gettimeout()).toBe(null);
    const later = sendLater(peer, 'x', 300);
    const t0 = performance.now();
    const e = (() => {
      try {
        a.recvSync(10, MSG_DONTWAIT);
      } catch (err) {
        return err;
      }
      throw new Error('expected EAGAIN');
    })();
    expect(e).toMatchObject({ code: 'EAGAIN', errno: EAGAIN, syscall: 'recv' });
    expect(e).not.toBeInstanceOf(SocketTimeoutError);
    expect(performance.now() - t0).toBeLessThan(250);
    await later;
    expect(a.recvSync(10, MSG_DONTWAIT)).toEqual(b('x'));
  });

  it('async recv / recvfrom / recvInto with MSG_DONTWAIT reject with EAGAIN in blocking and timeout modes', async () => {
    const [a] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    for (const t of [null, 5]) {
      a.settimeout(t);
      expect(await rejection(a.recv(10, MSG_DONTWAIT))).toMatchObject({ code: 'EAGAIN', syscall: 'recv' });
      expect(await rejection(a.recvfrom(10, MSG_DONTWAIT))).toMatchObject({ code: 'EAGAIN', syscall: 'recvfrom' });
      expect(await rejection(a.recvInto(Buffer.alloc(4), 0, MSG_DONTWAIT))).toMatchObject({ code: 'EAGAIN', syscall: 'recv' });
      expect(() => a.recvfromSync(10, MSG_DONTWAIT)).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
    }
  });
});

describe('timeouts beyond setTimeout\'s range (issue 8.7)', () => {
  it('a 30-day timeout waits without a TimeoutOverflowWarning and without spinning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w.name);
    };
    process.on('warning', onWarning);
    try {
      const [a, peer] = track(socketpair());
      a.settimeout(30 * 86400);
      const p = a.recv(10);
      const cpu0 = process.cpuUsage();
      // 20 loop turns of 5 ms: a timer overflowing to 1 ms would fire ~100 times.
      for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5));
      const cpu = process.cpuUsage(cpu0);
      expect(await settled(p)).toBe(false);
      expect(warnings).toEqual([]);
      expect(cpu.user + cpu.system).toBeLessThan(200_000); // µs: far from a spinning core
      peer.sendSync(b('ok'));
      expect(await p).toEqual(b('ok'));
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('keep-alive: only a waiting call or a callback keeps the process alive', () => {
  it('a script whose socket is left armed after a recv exits by itself', async () => {
    const code = `
      const { socketpair } = require(${JSON.stringify(`${process.cwd()}/dist/index.js`)});
      const [a, b] = socketpair();
      b.sendSync(Buffer.from('x'));
      a.recv(10).then(async (d) => {
        // the poll stays armed for the next recv, which never comes
        b.sendSync(Buffer.from('y'));
        process.stdout.write('got ' + d + '\\n');
      });`;
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill(), 10_000);
    const status = await new Promise((r) => child.on('exit', (c, s) => r(s ?? c)));
    clearTimeout(timer);
    expect(status).toBe(0);
    expect(out).toBe('got x\n');
  });

  it('a pending recv keeps the process alive until its data comes', async () => {
    const code = `
      const { socketpair } = require(${JSON.stringify(`${process.cwd()}/dist/index.js`)});
      const [a, b] = socketpair();
      a.recv(10).then((d) => process.stdout.write('got ' + d + '\\n'));
      setTimeout(() => b.sendSync(Buffer.from('late')), 200).unref();
      const t = setTimeout(() => {}, 100); // the loop turns once more, then only the recv holds it
    `;
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill(), 10_000);
    const status = await new Promise((r) => child.on('exit', (c, s) => r(s ?? c)));
    clearTimeout(timer);
    expect(status).toBe(0);
    expect(out).toBe('got late\n');
  });
});

describe('a loop of calls that always complete at once does not starve the event loop', () => {
  it('150 queued datagrams read with await recvfrom(): immediates still run', async () => {
    const r = track(new Socket(AF_INET, SOCK_DGRAM));
    r.bind(['127.0.0.1', 0]);
    const w = track(new Socket(AF_INET, SOCK_DGRAM));
    for (let i = 0; i < 150; i++) w.sendtoSync(b(String(i)), r.getsockname());
    let turns = 0;
    let done = false;
    const tick = (): void => {
      turns++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    for (let i = 0; i < 150; i++) expect(String((await r.recvfrom(16))[0])).toBe(String(i));
    done = true;
    // Before the budget every recvfrom resolved in a microtask: no immediate ran.
    expect(turns).toBeGreaterThanOrEqual(2);
  });
});

describe('MSG_ERRQUEUE never waits on a blocking socket', () => {
  it('an empty error queue is EAGAIN at once (sync and async), with a timeout a SocketTimeoutError: as Python', async () => {
    const python = execFileSync('python3', ['-c', [
      'import socket',
      "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0))",
      'try: s.recvmsg(64, 512, socket.MSG_ERRQUEUE)',
      'except OSError as e: print(type(e).__name__, e.errno)',
      's.settimeout(0.05)',
      'try: s.recvmsg(64, 512, socket.MSG_ERRQUEUE)',
      'except OSError as e: print(type(e).__name__)',
      's.close()',
    ].join('\n')], { encoding: 'utf8' });
    expect(python).toBe(`BlockingIOError ${EAGAIN}\nTimeoutError\n`);
    const u = track(new Socket(AF_INET, SOCK_DGRAM));
    u.bind(['127.0.0.1', 0]);
    expect(u.gettimeout()).toBe(null);
    expect(() => u.recvmsgSync(64, 512, MSG_ERRQUEUE)).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
    await expect(u.recvmsg(64, 512, MSG_ERRQUEUE)).rejects.toMatchObject({ code: 'EAGAIN' });
    expect(() => u.recvSync(64, MSG_ERRQUEUE)).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
    u.settimeout(0.05);
    expect(() => u.recvmsgSync(64, 512, MSG_ERRQUEUE)).toThrow(SocketTimeoutError);
    await expect(u.recvmsg(64, 512, MSG_ERRQUEUE)).rejects.toBeInstanceOf(SocketTimeoutError);
  });
});
