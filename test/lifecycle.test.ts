// Lifetime of a socket: close (idempotent, rejects pending calls, never
// touches a reused fd number), use after close, detach (O_NONBLOCK matching
// the mode), adopting an fd, fromfd, dup, inheritance, `using`, GC, and no
// fd leaks over many open / close / accept / connect cycles.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Socket,
  SocketError,
  socketpair,
  fromfd,
  setdefaulttimeout,
  AF_INET,
  AF_INET6,
  AF_UNIX,
  SOCK_STREAM,
  SOCK_DGRAM,
  SOCK_SEQPACKET,
  IPPROTO_TCP,
  IPPROTO_UDP,
  SOL_SOCKET,
  SO_REUSEADDR,
  type Address,
} from '../lib/index';
import { binding } from '../lib/binding';
import { b, cleanup, track, settled } from './helpers';

afterEach(() => {
  setdefaulttimeout(null);
  cleanup();
});

const { EBADF, EAGAIN, ENOTSOCK } = os.constants.errno;
const O_NONBLOCK = 0o4000;

/** The f_flags of an fd from /proc/self/fdinfo. */
function fdFlags(fd: number): number {
  const m = /^flags:\s*([0-7]+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  return parseInt(m![1], 8);
}
function isOpen(fd: number): boolean {
  try {
    fs.readlinkSync(`/proc/self/fd/${fd}`);
    return true;
  } catch {
    return false;
  }
}
function procFdCount(): number {
  return fs.readdirSync('/proc/self/fd').length;
}


function expectEbadf(fn: () => unknown, syscall: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SocketError);
    expect((e as SocketError).code).toBe('EBADF');
    expect((e as SocketError).errno).toBe(EBADF);
    expect((e as SocketError).syscall).toBe(syscall);
    return;
  }
  throw new Error(`${syscall}: no EBADF`);
}

describe('close', () => {
  it('is idempotent; fileno() is -1 after it', () => {
    const s = new Socket(AF_INET, SOCK_STREAM);
    const fd = s.fileno();
    expect(fd).toBeGreaterThanOrEqual(0);
    expect(isOpen(fd)).toBe(true);
    s.close();
    expect(s.fileno()).toBe(-1);
    expect(isOpen(fd)).toBe(false);
    s.close();
    s.close();
    expect(s.fileno()).toBe(-1);
    expect(String(s)).toBe('<bsdsock.Socket [closed] family=AF_INET, type=SOCK_STREAM, proto=0>');
  });

  it('every call after close throws EBADF (sync) or rejects with EBADF (async)', async () => {
    const [s] = socketpair();
    s.close();
    expectEbadf(() => s.recvSync(1), 'recv');
    expectEbadf(() => s.recvIntoSync(Buffer.alloc(1)), 'recv');
    expectEbadf(() => s.recvfromSync(1), 'recvfrom');
    expectEbadf(() => s.sendSync(b('x')), 'send');
    expectEbadf(() => s.sendallSync(b('x')), 'send');
    expectEbadf(() => s.sendtoSync(b('x'), ''), 'sendto');
    expectEbadf(() => s.acceptSync(), 'accept');
    expectEbadf(() => s.connectSync(''), 'connect');
    expectEbadf(() => s.bind(''), 'bind');
    expectEbadf(() => s.listen(), 'listen');
    expectEbadf(() => s.getsockname(), 'getsockname');
    expectEbadf(() => s.getpeername(), 'getpeername');
    expectEbadf(() => s.getsockopt(SOL_SOCKET, SO_REUSEADDR), 'getsockopt');
    expectEbadf(() => s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1), 'setsockopt');
    expectEbadf(() => s.shutdown(2), 'shutdown');
    expectEbadf(() => s.dup(), 'dup');
    expectEbadf(() => s.getInheritable(), 'fcntl');
    for (const p of [s.recv(1), s.recvInto(Buffer.alloc(1)), s.recvfrom(1), s.send(b('x')), s.sendall(b('x')), s.accept(), s.connect('')]) {
      const e = await p.then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(SocketError);
      expect((e as SocketError).code).toBe('EBADF');
    }
    expect(s.tryRecvInto(Buffer.alloc(1))).toBe(-EBADF);
    expect(s.trySend(b('x'))).toBe(-EBADF);
    expect(s.detach()).toBe(-1);
  });

  it('close() with a pending recv, then a new socket on the same fd number: the old object never reads it', async () => {
    const [a, ap] = track(socketpair());
    const oldFd = a.fileno();
    const pending = a.recv(100);
    expect(await settled(pending)).toBe(false);
    let settledAt = '';
    pending.then(
      () => (settledAt = 'resolved'),
      (e: SocketError) => (settledAt = e.code),
    );
    a.close();
    await new Promise((r) => setImmediate(r));
    expect(settledAt).toBe('EBADF');

    // The lowest free fd number is handed out again: one of the new pair gets it.
    const [x, y] = track(socketpair());
    const bsock = x.fileno() === oldFd ? x : y.fileno() === oldFd ? y : null;
    expect(bsock, `fd ${oldFd} was not reused (got ${x.fileno()}, ${y.fileno()})`).not.toBeNull();
    const bpeer = bsock === x ? y : x;
    const got = bsock!.recv(100);
    bpeer.sendSync(b('for the new socket'));
    expect(await got).toEqual(b('for the new socket'));
    // The old socket is really closed: its peer sees EPIPE, not the new socket.
    expect(() => ap.sendSync(b('to nobody'))).toThrow(expect.objectContaining({ code: 'EPIPE', syscall: 'send' }));
    await new Promise((r) => setImmediate(r));
    expect(a.fileno()).toBe(-1);
    expect(settledAt).toBe('EBADF');
    bpeer.sendSync(b('second'));
    expect(bsock!.recvSync(100)).toEqual(b('second'));
  });

  it('close() with a pending accept, then a new listener on the same fd number', async () => {
    const l1 = track(new Socket(AF_INET, SOCK_STREAM));
    l1.bind(['127.0.0.1', 0]);
    l1.listen();
    const oldFd = l1.fileno();
    const pending = l1.accept();
    expect(await settled(pending)).toBe(false);
    l1.close();
    await expect(pending).rejects.toMatchObject({ code: 'EBADF', errno: EBADF });
    const l2 = track(new Socket(AF_INET, SOCK_STREAM));
    expect(l2.fileno()).toBe(oldFd);
    l2.bind(['127.0.0.1', 0]);
    l2.listen();
    const acc = l2.accept();
    const c = track(new Socket(AF_INET, SOCK_STREAM));
    await c.connect(l2.getsockname());
    const [conn, peer] = await acc;
    track(conn);
    expect(peer).toEqual(c.getsockname());
  });

  it('the garbage collector closes a forgotten socket but not one with a pending call', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    let fdForgotten = -1;
    (() => {
      const s = new Socket(AF_INET, SOCK_DGRAM);
      fdForgotten = s.fileno();
    })();
    const [ap, pending, fdPending] = (() => {
      const [x, y] = socketpair();
      return [y, x.recv(100), x.fileno()] as const;
    })();
    track(ap);
    for (let i = 0; i < 100 && isOpen(fdForgotten); i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(isOpen(fdForgotten)).toBe(false);
    expect(isOpen(fdPending)).toBe(true);
    ap.sendSync(b('still alive'));
    expect(await pending).toEqual(b('still alive'));
    // Once its call is done, that one is collectable too.
    for (let i = 0; i < 100 && isOpen(fdPending); i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(isOpen(fdPending)).toBe(false);
  });
});

describe('detach and adopting an fd', () => {
  it.each([
    ['blocking', null, 0],
    ['timeout', 2, 0],
    ['non-blocking', 0, O_NONBLOCK],
  ] as const)('detach() in %s mode: the fd stays open with O_NONBLOCK = %s', (_, timeout, flag) => {
    const s = new Socket(AF_INET, SOCK_STREAM);
    const fd0 = s.fileno();
    expect(fdFlags(fd0) & O_NONBLOCK).toBe(O_NONBLOCK); // always non-blocking inside bsdsock
    s.settimeout(timeout);
    const fd = s.detach();
    expect(fd).toBe(fd0);
    expect(s.fileno()).toBe(-1);
    expect(isOpen(fd)).toBe(true);
    expect(fdFlags(fd) & O_NONBLOCK).toBe(flag);
    // Not the library's any more: closing s does nothing to it.
    s.close();
    expect(isOpen(fd)).toBe(true);
    // Adopted again: family/type/proto read from the fd, O_NONBLOCK set again.
    const t = new Socket(undefined, undefined, undefined, fd);
    expect(t.fileno()).toBe(fd);
    expect(t.family).toBe(AF_INET);
    expect(t.type).toBe(SOCK_STREAM);
    expect(t.proto).toBe(IPPROTO_TCP);
    expect(fdFlags(fd) & O_NONBLOCK).toBe(O_NONBLOCK);
    t.close();
    expect(isOpen(fd)).toBe(false);
  });

  it('new Socket(undefined, undefined, undefined, fd) detects family, type and protocol', () => {
    const cases: [number, number, number, Address][] = [
      [AF_INET, SOCK_DGRAM, IPPROTO_UDP, ['127.0.0.1', 0]],
      [AF_INET6, SOCK_STREAM, IPPROTO_TCP, ['::1', 0]],
      [AF_UNIX, SOCK_SEQPACKET, 0, ''],
    ];
    for (const [family, type, proto, addr] of cases) {
      const s = new Socket(family, type);
      s.bind(addr);
      const name = s.getsockname();
      const fd = s.detach();
      const t = track(new Socket(undefined, undefined, undefined, fd));
      expect([t.family, t.type, t.proto]).toEqual([family, type, proto]);
      expect(t.getsockname()).toEqual(name);
    }
  });

  it('a detached connected socket keeps working when adopted again', async () => {
    const [a, c] = track(socketpair());
    a.sendSync(b('before'));
    const fd = c.detach();
    const c2 = track(new Socket(undefined, undefined, undefined, fd));
    expect(c2.recvSync(100)).toEqual(b('before'));
    a.sendSync(b('after'));
    expect(await c2.recv(100)).toEqual(b('after'));
  });

  it('adopting an fd that is not a socket is ENOTSOCK; a closed fd is EBADF', () => {
    const fd = fs.openSync('/dev/null', 'r');
    try {
      expect(() => new Socket(undefined, undefined, undefined, fd)).toThrow(expect.objectContaining({ code: 'ENOTSOCK', errno: ENOTSOCK }));
    } finally {
      fs.closeSync(fd);
    }
    expect(() => new Socket(undefined, undefined, undefined, fd)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(() => new Socket(undefined, undefined, undefined, -1)).toThrow(RangeError);
    expect(() => new Socket(undefined, undefined, undefined, 1.5)).toThrow(TypeError); // as Python: not an integer
  });
});

describe('fromfd and dup', () => {
  it('fromfd duplicates: both work, closing one leaves the other', async () => {
    const [a, c] = track(socketpair());
    const d = track(fromfd(c.fileno(), AF_UNIX, SOCK_STREAM));
    expect(d.fileno()).not.toBe(c.fileno());
    expect(d.family).toBe(AF_UNIX);
    expect(d.type).toBe(SOCK_STREAM);
    a.sendSync(b('via dup'));
    expect(await d.recv(100)).toEqual(b('via dup'));
    c.close();
    a.sendSync(b('still'));
    expect(d.recvSync(100)).toEqual(b('still'));
    d.sendSync(b('back'));
    expect(a.recvSync(100)).toEqual(b('back'));
  });

  it('dup() gives a new fd on the same socket, close-on-exec, with the same timeout (as Python)', () => {
    const s = track(new Socket(AF_INET, SOCK_DGRAM));
    s.bind(['127.0.0.1', 0]);
    s.settimeout(1.5);
    const d = track(s.dup());
    expect(d.fileno()).not.toBe(s.fileno());
    expect(d.getsockname()).toEqual(s.getsockname());
    expect([d.family, d.type, d.proto]).toEqual([s.family, s.type, s.proto]);
    expect(d.getInheritable()).toBe(false);
    expect(d.gettimeout()).toBe(1.5);
    s.settimeout(0);
    expect(track(s.dup()).gettimeout()).toBe(0);
    s.close();
    const t = track(new Socket(AF_INET, SOCK_DGRAM));
    t.sendtoSync(b('to the dup'), d.getsockname());
    d.settimeout(0);
    expect(d.recvSync(100)).toEqual(b('to the dup'));
    try {
      d.recvSync(100);
      expect.unreachable();
    } catch (e) {
      expect((e as SocketError).errno).toBe(EAGAIN);
    }
  });
});

describe('inheritance', () => {
  it('sockets start non-inheritable (FD_CLOEXEC); setInheritable toggles it', () => {
    const s = track(new Socket(AF_INET, SOCK_STREAM));
    expect(s.getInheritable()).toBe(false);
    s.setInheritable(true);
    expect(s.getInheritable()).toBe(true);
    s.setInheritable(false);
    expect(s.getInheritable()).toBe(false);
    const [a, c] = track(socketpair());
    expect(a.getInheritable()).toBe(false);
    expect(c.getInheritable()).toBe(false);
  });

  it('accepted sockets are non-inheritable and non-blocking underneath', async () => {
    const srv = track(new Socket(AF_INET, SOCK_STREAM));
    srv.bind(['127.0.0.1', 0]);
    srv.listen();
    const c = track(new Socket(AF_INET, SOCK_STREAM));
    await c.connect(srv.getsockname());
    const [conn] = await srv.accept();
    track(conn);
    expect(conn.getInheritable()).toBe(false);
    expect(fdFlags(conn.fileno()) & O_NONBLOCK).toBe(O_NONBLOCK);
    expect(conn.gettimeout()).toBeNull();
  });
});

describe('using / Symbol.dispose', () => {
  it('using closes at the end of the block', () => {
    let fd = -1;
    let outer: Socket;
    {
      using s = new Socket(AF_INET, SOCK_STREAM);
      fd = s.fileno();
      outer = s;
      expect(isOpen(fd)).toBe(true);
    }
    expect(outer.fileno()).toBe(-1);
    expect(isOpen(fd)).toBe(false);
  });

  it('await using closes too, also when the block throws', async () => {
    let fd = -1;
    await expect(
      (async () => {
        await using s = new Socket(AF_UNIX, SOCK_DGRAM);
        fd = s.fileno();
        throw new Error('inside');
      })(),
    ).rejects.toThrow('inside');
    expect(isOpen(fd)).toBe(false);
  });
});

describe('readiness callbacks', () => {
  it('an exception thrown in onReadable is an uncaughtException; the process goes on', () => {
    const script = `
      const bsd = require(${JSON.stringify(require.resolve('../dist/index.js'))});
      const [a, c] = bsd.socketpair();
      process.on('uncaughtException', (e) => {
        console.log('uncaught: ' + e.message);
        a.onReadable(null);
        console.log('data: ' + a.recvSync(10).toString());
        a.close(); c.close();
      });
      a.onReadable(() => { throw new Error('boom in callback'); });
      c.sendSync(Buffer.from('xyz'));
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('uncaught: boom in callback\ndata: xyz\n');
  });
});

describe('no leaks', () => {
  it('200 cycles of socket / bind / listen / accept / connect / close leave /proc/self/fd as it was', async () => {
    const srv = new Socket(AF_INET, SOCK_STREAM);
    srv.bind(['127.0.0.1', 0]);
    srv.listen();
    const addr = srv.getsockname();
    const before = procFdCount();
    const tracked = binding.openFdCount();
    for (let i = 0; i < 200; i++) {
      const c = new Socket(AF_INET, SOCK_STREAM);
      if (i % 2 === 0) {
        const [[conn]] = await Promise.all([srv.accept(), c.connect(addr)]);
        await c.sendall(b('x'));
        expect(await conn.recv(1)).toEqual(b('x'));
        conn.close();
      } else {
        c.connectSync(addr);
        const [conn] = srv.acceptSync();
        const d = conn.dup();
        d.close();
        conn.close();
      }
      c.close();
      const [p, q] = socketpair(AF_UNIX, SOCK_DGRAM);
      const r = p.recv(1);
      p.close();
      await r.catch(() => undefined);
      q.close();
    }
    expect(binding.openFdCount()).toBe(tracked);
    expect(procFdCount()).toBe(before);
    srv.close();
  });
});
