// Native hardening (issue 8): hostile inputs end in TypeError / RangeError /
// SocketError, never a crash, a write into freed memory or a silent wrap.
// Each block names its item of issue 8.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { binding } from '../lib/binding';
import {
  Socket, SocketError, socketpair, ifNameindex, CMSG_LEN, CMSG_SPACE,
  AF_INET, AF_INET6, AF_UNIX, AF_PACKET, AF_VSOCK, AF_CAN, SOCK_DGRAM, SOCK_STREAM,
  SOL_SOCKET, SCM_RIGHTS, MSG_CTRUNC, MSG_DONTWAIT, VMADDR_CID_ANY, VMADDR_CID_LOCAL,
} from '../lib/index';
import { b, cleanup, rejection, track } from './helpers';

afterEach(cleanup);

/** Detach `ab` (its memory moves to a clone that nobody keeps). */
function detach(ab: ArrayBuffer): void {
  structuredClone(ab, { transfer: [ab] });
}

/** A resizable ArrayBuffer (ES2024; Node 20 has it, the TS lib here may not). */
function resizable(len: number): ArrayBuffer & { resize(n: number): void } {
  return new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer & { resize(n: number): void })(len, {
    maxByteLength: len,
  });
}

/** `values`, with element `at` replaced by a getter that runs `effect` then returns `value`. */
function withGetter<T>(values: T[], at: number, effect: () => void, value: T): T[] {
  const arr = values.slice();
  Object.defineProperty(arr, at, {
    get() {
      effect();
      return value;
    },
  });
  return arr;
}

/** A connected UDP pair on loopback with `count` datagrams queued at `rx`. */
function udpWith(count: number): [Socket, Socket] {
  const rx = track(new Socket(AF_INET, SOCK_DGRAM));
  rx.bind(['127.0.0.1', 0]);
  const tx = track(new Socket(AF_INET, SOCK_DGRAM));
  tx.connect(rx.getsockname() as never);
  for (let i = 0; i < count; i++) expect(tx.sendSync(b(`dgram ${i}`))).toBe(i < 10 ? 7 : 8);
  return [rx, tx];
}

describe('item 3: getters that shrink, detach or transfer a buffer already converted', () => {
  it('tryRecvmmsg: a resizable meta shrunk by a buffers[] getter is a RangeError, no write', () => {
    const [rx] = udpWith(4);
    const rab = resizable(4 * 8);
    const meta = new Int32Array(rab); // length-tracking
    const bufs = withGetter([Buffer.alloc(64), Buffer.alloc(64), Buffer.alloc(64), Buffer.alloc(64)], 1, () => rab.resize(0), Buffer.alloc(64));
    expect(() => rx.tryRecvmmsg(bufs, meta, null)).toThrow(new RangeError('meta must hold 2 entries per message'));
    // Nothing was received: all four are still queued.
    const meta2 = new Int32Array(8);
    const bufs2 = [Buffer.alloc(64), Buffer.alloc(64), Buffer.alloc(64), Buffer.alloc(64)];
    expect(rx.tryRecvmmsg(bufs2, meta2, null)).toBe(4);
    expect([...meta2]).toEqual([7, 0, 7, 0, 7, 0, 7, 0]);
    expect(bufs2[3].subarray(0, 7)).toEqual(b('dgram 3'));
  });

  it('trySendmmsg: a resizable meta shrunk by a buffers[] getter is a RangeError, nothing sent', () => {
    const [rx, tx] = udpWith(0);
    const rab = resizable(3 * 8);
    const meta = new Int32Array(rab);
    meta.set([1, 0, 1, 0, 1, 0]);
    const bufs = withGetter([b('a'), b('b'), b('c')], 2, () => rab.resize(0), b('c'));
    expect(() => tx.trySendmmsg(bufs, meta, null, 3)).toThrow(new RangeError('meta must hold 2 entries per message'));
    expect(rx.tryRecvmmsg([Buffer.alloc(8)], new Int32Array(2), null)).toBe(-11); // EAGAIN: nothing sent
  });

  it('tryRecvmmsg: a buffer detached by a later getter is a TypeError, never a write into it', () => {
    const [rx] = udpWith(2);
    const first = new Uint8Array(64);
    const bufs = withGetter([first, new Uint8Array(64)], 1, () => detach(first.buffer), new Uint8Array(64));
    expect(() => rx.tryRecvmmsg(bufs, new Int32Array(4), null)).toThrow(
      new TypeError('The "buffers" argument must be a buffer that is not detached (its ArrayBuffer was transferred or detached)'),
    );
    expect(rx.recvSync(64)).toEqual(b('dgram 0'));
  });

  it('async recvmmsg: a buffer detached by a getter while waiting rejects with TypeError', async () => {
    const [rx, tx] = udpWith(0);
    const first = new Uint8Array(64);
    let reads = 0;
    const bufs = withGetter([first, new Uint8Array(64)], 1, () => {
      if (++reads === 2) detach(first.buffer); // the first attempt is EAGAIN; the second one would write
    }, new Uint8Array(64));
    const p = rx.recvmmsg(bufs);
    expect(tx.sendSync(b('late'))).toBe(4);
    const e = await rejection(p);
    expect(e).toBeInstanceOf(TypeError);
    expect((e as Error).message).toBe('The "buffers" argument must be a buffer that is not detached (its ArrayBuffer was transferred or detached)');
    expect(rx.recvSync(64)).toEqual(b('late'));
  });

  it('recvmsgInto: a buffer detached by the next buffer\'s getter is a TypeError (sync and async)', async () => {
    const [x, y] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    x.sendSync(b('payload'));
    const first = new Uint8Array(16);
    const bufs = withGetter([first, new Uint8Array(16)], 1, () => detach(first.buffer), new Uint8Array(16));
    expect(() => y.recvmsgIntoSync(bufs)).toThrow(/must be a buffer that is not detached/);
    const second = new Uint8Array(16);
    const bufs2 = withGetter([second, new Uint8Array(16)], 1, () => detach(second.buffer), new Uint8Array(16));
    await expect(y.recvmsgInto(bufs2)).rejects.toThrow(/must be a buffer that is not detached/);
    const [n, anc, flags] = y.recvmsgIntoSync([Buffer.alloc(16)]);
    expect([n, anc, flags]).toEqual([7, [], 0]);
  });

  it('a buffer detached before the call is a TypeError, not a 0-byte read that looks like EOF', async () => {
    const [x, y] = track(socketpair(AF_UNIX, SOCK_STREAM));
    x.sendSync(b('data'));
    const buf = new Uint8Array(8);
    detach(buf.buffer);
    expect(() => y.recvIntoSync(buf)).toThrow(new TypeError('The "buffer" argument must be a buffer that is not detached (its ArrayBuffer was transferred or detached)'));
    expect(() => y.recvmsgIntoSync([buf])).toThrow(TypeError);
    const ab = new ArrayBuffer(8);
    detach(ab);
    expect(() => x.sendSync(ab)).toThrow(/"data" argument must be a buffer that is not detached/);
    const dv = new DataView(new ArrayBuffer(8));
    detach(dv.buffer as ArrayBuffer);
    expect(() => y.recvIntoSync(dv)).toThrow(/"buffer" argument must be a buffer that is not detached/);
    expect(y.recvSync(8)).toEqual(b('data'));
  });

  it('sendmsg: ancillary data detached or shrunk by the next item\'s getter is never read', () => {
    const [x, y] = track(socketpair(AF_UNIX, SOCK_STREAM));
    // Detached: a TypeError, nothing sent.
    const fdbytes = new Uint8Array(new Int32Array([x.fileno()]).buffer);
    const anc = withGetter<unknown>([[SOL_SOCKET, SCM_RIGHTS, fdbytes], null], 1, () => detach(fdbytes.buffer as ArrayBuffer), [0, 0, b('')]);
    expect(() => x.sendmsgSync([b('x')], anc as never)).toThrow(/"ancillary data" argument must be a buffer that is not detached/);
    // Shrunk (a length-tracking view of a resizable buffer): the item is read
    // at its new length, 0, after every getter ran (level 0 is ignored by
    // AF_UNIX, so the byte goes through with no ancillary data).
    const rab = resizable(65535);
    const big = new Uint8Array(rab);
    const anc2 = withGetter<unknown>([[0, 0, big], null], 1, () => rab.resize(0), [0, 0, b('')]);
    expect(x.sendmsgSync([b('y')], anc2 as never)).toBe(1);
    const [data, got] = y.recvmsgSync(10, CMSG_SPACE(64));
    expect(data).toEqual(b('y'));
    expect(got).toEqual([]);
  });

  it('sendto: the data is read after the address, so an address getter cannot detach it under the syscall', () => {
    const [rx, tx] = udpWith(0);
    const data = new Uint8Array([1, 2, 3]);
    const addr = withGetter<unknown>(['127.0.0.1', 0], 1, () => detach(data.buffer), rx.getsockname()[1]);
    expect(() => binding.sendto(tx.fileno(), data, 0, addr, AF_INET)).toThrow(/"data" argument must be a buffer that is not detached/);
  });
});

describe('item 4: no undefined behaviour on empty views, cmsgs walked by offsets', () => {
  // These two fail only under UBSan (npm run test:sanitize): memcpy(dst, NULL, 0).
  it('an empty ancillary item is sent', () => {
    const [x, y] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    expect(x.sendmsgSync([b('e')], [[0, 0, new Uint8Array(0)]])).toBe(1);
    expect(y.recvmsgSync(4, 64)).toEqual([b('e'), [], 0, null]);
  });

  it('an empty AF_PACKET hardware address and an empty sockaddr are fine', () => {
    const sll = binding.packSockaddr(AF_PACKET, ['lo', 0x0800, 0, 0, new Uint8Array(0)]);
    expect(sll.length).toBe(20);
    expect(binding.unpackSockaddr(sll)).toEqual(['lo', 0x0800, 0, 0, Buffer.alloc(0)]);
    expect(binding.unpackSockaddr(new Uint8Array(0))).toBe(null);
  });

  it('a truncated control buffer (MSG_CTRUNC) yields exactly the part that fits', () => {
    const [x, y] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    const fds = new Int32Array([x.fileno(), x.fileno(), x.fileno()]);
    x.sendmsgSync([b('f')], [[SOL_SOCKET, SCM_RIGHTS, new Uint8Array(fds.buffer)]]);
    // Room for the header and one fd only: the kernel keeps one, closes two.
    const [data, anc, flags] = y.recvmsgSync(4, CMSG_LEN(4));
    expect(data).toEqual(b('f'));
    expect(flags & MSG_CTRUNC).toBe(MSG_CTRUNC);
    expect(anc.length).toBe(1);
    expect(anc[0][0]).toBe(SOL_SOCKET);
    expect(anc[0][1]).toBe(SCM_RIGHTS);
    expect(anc[0][2].length).toBe(4);
    fs.closeSync(anc[0][2].readInt32LE(0));
    // A control buffer smaller than one header: nothing, and MSG_CTRUNC.
    x.sendmsgSync([b('g')], [[SOL_SOCKET, SCM_RIGHTS, new Uint8Array(new Int32Array([x.fileno()]).buffer)]]);
    const [d2, anc2, flags2] = y.recvmsgSync(4, 8);
    expect(d2).toEqual(b('g'));
    expect(anc2).toEqual([]);
    expect(flags2 & MSG_CTRUNC).toBe(MSG_CTRUNC);
  });
});

describe('item 9: every integer crossing into C is range-checked, never wrapped', () => {
  it('ancillary level / type: 2**40+1 and 2**33+1 are RangeErrors (not SOL_SOCKET / SCM_RIGHTS passing fd 0)', () => {
    const [x, y] = track(socketpair(AF_UNIX, SOCK_STREAM));
    const fd0 = new Uint8Array(new Int32Array([0]).buffer);
    expect(() => x.sendmsgSync([b('x')], [[2 ** 40 + 1, 2 ** 33 + 1, fd0]])).toThrow(
      new RangeError('The "ancillary data level" argument must be in the range -2147483648 to 2147483647, got 1099511627777'),
    );
    expect(() => x.sendmsgSync([b('x')], [[SOL_SOCKET, 2 ** 33 + 1, fd0]])).toThrow(
      new RangeError('The "ancillary data type" argument must be in the range -2147483648 to 2147483647, got 8589934593'),
    );
    expect(() => x.sendmsgSync([b('x')], [[NaN, SCM_RIGHTS, fd0]])).toThrow(new TypeError('The "ancillary data level" argument must be an integer, got NaN'));
    expect(() => x.sendmsgSync([b('x')], [[SOL_SOCKET, 1.7, fd0]])).toThrow(new TypeError('The "ancillary data type" argument must be an integer, got 1.7'));
    expect(() => x.sendmsgSync([b('x')], [['1' as never, SCM_RIGHTS, fd0]])).toThrow(new TypeError('The "ancillary data level" argument must be an integer'));
    expect(y.tryRecvInto(Buffer.alloc(4))).toBe(-11); // nothing was sent
  });

  it('socket / socketpair (native): family, type and proto out of the C int range are RangeErrors', () => {
    expect(() => binding.socket(AF_INET, 2 ** 32 + 1, 0)).toThrow(
      new RangeError('The "type" argument must be in the range -2147483648 to 2147483647, got 4294967297'),
    );
    expect(() => binding.socket(AF_INET, SOCK_STREAM, 2 ** 40 + 1)).toThrow(RangeError);
    expect(() => binding.socket(NaN, SOCK_STREAM, 0)).toThrow(new TypeError('The "family" argument must be an integer, got NaN'));
    expect(() => binding.socket(AF_INET, 1.7, 0)).toThrow(new TypeError('The "type" argument must be an integer, got 1.7'));
    expect(() => binding.socketpair(AF_UNIX, 2 ** 32 + 1, 0)).toThrow(RangeError);
    expect(() => binding.socketpair(AF_UNIX, SOCK_STREAM, -(2 ** 31) - 1)).toThrow(RangeError);
    expect(() => binding.listen(0, -(2 ** 31) - 1)).toThrow(
      new RangeError('The "backlog" argument must be in the range -2147483648 to 2147483647, got -2147483649'),
    );
    expect(() => binding.poll(0, 2 ** 16, 0)).toThrow(new RangeError('The "events" argument must be in the range -32768 to 32767, got 65536'));
    expect(binding.openFdCount()).toBe(0);
  });

  it('IPv6 scope ids: %4294967297 and %-1 are errors, not scope 1 / 4294967295', () => {
    const s = track(new Socket(AF_INET6, SOCK_DGRAM));
    expect(() => s.bind(['::1%4294967297', 0])).toThrow(new RangeError('IPv6 scope id must be 0-4294967295, got "4294967297"'));
    expect(() => s.bind(['::1%-1', 0])).toThrow(new RangeError('IPv6 scope id must be 0-4294967295, got "-1"'));
    expect(() => s.bind(['::1%99999999999999999999999', 0])).toThrow(RangeError);
    expect(() => s.bind(['::1%', 0])).toThrow(new TypeError('unknown IPv6 scope (interface): ""'));
    expect(binding.packSockaddr(AF_INET6, ['fe80::1%4294967295', 0]).readUInt32LE(24)).toBe(4294967295);
    expect(binding.packSockaddr(AF_INET6, ['fe80::1%lo', 0]).readUInt32LE(24)).toBe(ifNameindex().find(([, n]) => n === 'lo')![0]);
    expect(() => s.bind(['::1', 0, 0, 2 ** 32 + 1])).toThrow(RangeError);
    expect(() => s.bind(['::1', 2 ** 32 + 80])).toThrow(new RangeError('The "port" argument must be in the range 0 to 65535, got 4294967376'));
    s.bind(['::1', 0]);
    expect(s.getsockname()[0]).toBe('::1');
  });
});

describe('item 10: a host with an embedded NUL', () => {
  it('is a TypeError for bind, connect and sendto, on IPv4 and IPv6', async () => {
    const s4 = track(new Socket(AF_INET, SOCK_DGRAM));
    expect(() => s4.bind(['127.0.0.1\0junk', 0])).toThrow(new TypeError('AF_INET address host must not contain NUL bytes'));
    expect(() => s4.connectSync(['127.0.0.1\0', 9])).toThrow(new TypeError('AF_INET address host must not contain NUL bytes'));
    await expect(s4.connect(['127.0.0.1\0', 9])).rejects.toThrow(new TypeError('AF_INET address host must not contain NUL bytes'));
    expect(() => s4.sendtoSync(b('x'), ['127.0.0.1\0junk', 9])).toThrow(new TypeError('AF_INET address host must not contain NUL bytes'));
    await expect(s4.sendto(b('x'), ['127.0.0.1\0junk', 9])).rejects.toThrow(new TypeError('AF_INET address host must not contain NUL bytes'));
    const s6 = track(new Socket(AF_INET6, SOCK_DGRAM));
    expect(() => s6.bind(['::1\0junk', 0])).toThrow(new TypeError('AF_INET6 address host must not contain NUL bytes'));
    // Still unbound: the NUL did not bind 127.0.0.1.
    expect(s4.getsockname()).toEqual(['0.0.0.0', 0]);
  });
});

describe('item 11: an AF_UNIX path that is not UTF-8', () => {
  it('comes back from getsockname / getpeername / recvfrom as the same bytes, in a Buffer', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-h-'));
    const raw = Buffer.concat([Buffer.from(dir + '/s-'), Buffer.from([0xff, 0xfe, 0x80])]);
    const txPath = Buffer.concat([Buffer.from(dir + '/t-'), Buffer.from([0xc0, 0xaf])]); // overlong: not UTF-8
    const okPath = path.join(dir, 'é-ok');
    try {
      const srv = track(new Socket(AF_UNIX, SOCK_DGRAM));
      srv.bind(raw);
      expect(srv.getsockname()).toEqual(raw);
      const tx = track(new Socket(AF_UNIX, SOCK_DGRAM));
      tx.bind(txPath);
      tx.connect(srv.getsockname() as never);
      expect(tx.getpeername()).toEqual(raw);
      tx.sendSync(b('hi'));
      const [data, from] = srv.recvfromSync(10);
      expect(data).toEqual(b('hi'));
      expect(from).toEqual(txPath);
      // The returned Buffer reaches the socket again.
      srv.sendtoSync(b('back'), from as Buffer);
      expect(tx.recvSync(10)).toEqual(b('back'));
      // Valid UTF-8 stays a string.
      const ok = track(new Socket(AF_UNIX, SOCK_DGRAM));
      ok.bind(okPath);
      expect(ok.getsockname()).toBe(okPath);
    } finally {
      cleanup();
      fs.rmSync(dir, { recursive: true });
    }
  });
});

describe('item 12: addresses of families without a parser are SocketErrors', () => {
  it('AF_VSOCK addresses are [cid, port]; bind gives a SocketError or binds, never a plain Error', () => {
    const packed = binding.packSockaddr(AF_VSOCK, [VMADDR_CID_LOCAL, 1234]);
    expect(binding.unpackSockaddr(packed)).toEqual([VMADDR_CID_LOCAL, 1234]);
    expect(() => binding.packSockaddr(AF_VSOCK, ['x', 1])).toThrow(new TypeError('The "cid" argument must be an integer'));
    expect(() => binding.packSockaddr(AF_VSOCK, [1])).toThrow(new TypeError('AF_VSOCK address must be [cid, port]'));
    expect(() => binding.packSockaddr(AF_VSOCK, [-1, 1])).toThrow(RangeError);
    let s: Socket;
    try {
      s = track(new Socket(AF_VSOCK, SOCK_STREAM));
    } catch (e) {
      // No vsock transport in this kernel: socket() itself says so.
      expect(e).toBeInstanceOf(SocketError);
      expect((e as SocketError).code).toBe('EAFNOSUPPORT');
      return;
    }
    try {
      s.bind([VMADDR_CID_ANY, 0x7fff0001]);
      expect(s.getsockname()).toEqual([expect.any(Number), 0x7fff0001]);
    } catch (e) {
      expect(e).toBeInstanceOf(SocketError);
      expect((e as SocketError).syscall).toBe('bind');
    }
    expect(() => s.bind(['x', 1] as never)).toThrow(new TypeError('The "cid" argument must be an integer'));
  });

  it('a family with no address format (AF_CAN here) is SocketError EAFNOSUPPORT from getsockaddrarg', () => {
    const s = track(new Socket(AF_INET, SOCK_DGRAM));
    let err: unknown;
    try {
      binding.bind(s.fileno(), [1, 2], AF_CAN);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SocketError);
    expect(err).toMatchObject({ code: 'EAFNOSUPPORT', syscall: 'getsockaddrarg' });
  });
});

describe('item 13: thread-safe strerror, no leak when JS throws', () => {
  it('strerror goes through strerror_r: the same text as before for known and unknown errnos', () => {
    expect(binding.strerror(104)).toBe('Connection reset by peer');
    expect(binding.strerror(123456)).toBe('Unknown error 123456');
  });

  it('if_nameindex: an Array.prototype setter that throws is propagated, and the call works after', () => {
    const before = ifNameindex();
    Object.defineProperty(Array.prototype, '0', {
      configurable: true,
      set() {
        throw new Error('setter says no');
      },
    });
    let err: unknown;
    try {
      binding.if_nameindex();
    } catch (e) {
      err = e;
    } finally {
      delete (Array.prototype as unknown as Record<string, unknown>)['0'];
    }
    expect(err).toEqual(new Error('setter says no'));
    expect(ifNameindex()).toEqual(before);
  });
});

describe('recvmmsg_slab (batching): every argument checked before the syscall', () => {
  it('a slab too small, a detached slab, a wrong meta or names: JS errors, never a write', () => {
    const u = track(new Socket(AF_INET, SOCK_DGRAM));
    u.bind(['127.0.0.1', 0]);
    const fd = u.fileno();
    const meta = new Int32Array(8);
    const names = Buffer.alloc(4 * 128);
    expect(() => binding.recvmmsg_slab(fd, new Uint8Array(100), 64, 4, meta, names, 0)).toThrow(new RangeError('slab must hold vlen slots'));
    const slab = new Uint8Array(256);
    structuredClone(slab.buffer, { transfer: [slab.buffer] });
    expect(() => binding.recvmmsg_slab(fd, slab, 64, 4, meta, names, 0)).toThrow(
      new TypeError('The "slab" argument must be a buffer that is not detached (its ArrayBuffer was transferred or detached)'),
    );
    expect(() => binding.recvmmsg_slab(fd, new Uint8Array(256), 64, 4, new Int16Array(8) as never, names, 0)).toThrow(TypeError);
    expect(() => binding.recvmmsg_slab(fd, new Uint8Array(256), 64, 4, new Int32Array(6), names, 0)).toThrow(
      new RangeError('meta must hold 2 entries per message'),
    );
    expect(() => binding.recvmmsg_slab(fd, new Uint8Array(256), 64, 4, meta, Buffer.alloc(100), 0)).toThrow(RangeError);
    expect(() => binding.recvmmsg_slab(fd, new Uint8Array(256), 0, 4, meta, names, 0)).toThrow(RangeError);
    expect(() => binding.recvmmsg_slab(fd, new Uint8Array(256), 64, 2 ** 40, meta, names, 0)).toThrow(RangeError);
    expect(() => binding.recvmmsg_slab(fd, new Uint8Array(256), NaN, 4, meta, names, 0)).toThrow(TypeError);
    expect(binding.recvmmsg_slab(fd, new Uint8Array(256), 64, 4, meta, names, MSG_DONTWAIT)).toBe(-os.constants.errno.EAGAIN);
  });
});
