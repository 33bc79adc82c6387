import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Socket, socketpair, sendFds, recvFds, recvFdsSync, sendFdsSync, CMSG_LEN, CMSG_SPACE,
  AF_INET, AF_UNIX, SOCK_DGRAM, SOCK_STREAM, SOL_SOCKET, SCM_RIGHTS, MSG_CTRUNC,
} from '../lib/index';
import { b, cleanup, track } from './helpers';

afterEach(cleanup);

describe('sendmsg / recvmsg', () => {
  it('gathers buffers into one message and scatters it back', async () => {
    const [x, y] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    expect(await x.sendmsg([b('abc'), new Uint8Array([0x64, 0x65]), b('f')])).toBe(6);
    const one = Buffer.alloc(2);
    const two = Buffer.alloc(10);
    const [n, anc, flags, addr] = await y.recvmsgInto([one, two]);
    expect(n).toBe(6);
    expect(one).toEqual(b('ab'));
    expect(two.subarray(0, 4)).toEqual(b('cdef'));
    expect(anc).toEqual([]);
    expect(flags).toBe(0);
    expect(addr).toBe(null); // an unnamed socketpair peer: Python's None
  });

  it('recvmsg returns data, ancdata, flags and the sender address', () => {
    const rx = track(new Socket(AF_INET, SOCK_DGRAM));
    rx.bind(['127.0.0.1', 0]);
    const tx = track(new Socket(AF_INET, SOCK_DGRAM));
    tx.bind(['127.0.0.1', 0]);
    expect(tx.sendmsgSync([b('hello')], [], 0, rx.getsockname())).toBe(5);
    const [data, anc, flags, addr] = rx.recvmsgSync(100);
    expect(data).toEqual(b('hello'));
    expect(anc).toEqual([]);
    expect(flags).toBe(0);
    expect(addr).toEqual(tx.getsockname());
  });

  it('passes fds with SCM_RIGHTS (sendFds / recvFds) and the received fd works', async () => {
    const [x, y] = track(socketpair());
    const [p, q] = track(socketpair());
    expect(await sendFds(x, [b('fd')], [p.fileno()])).toBe(2);
    const [data, fds, flags] = await recvFds(y, 10, 4);
    expect(data).toEqual(b('fd'));
    expect(fds.length).toBe(1);
    expect(flags).toBe(0);
    expect(fds[0]).not.toBe(p.fileno());
    // The received fd is a new reference to p: writing through it reaches q.
    const p2 = track(new Socket(undefined, undefined, undefined, fds[0]));
    expect(p2.family).toBe(AF_UNIX);
    expect(p2.type).toBe(SOCK_STREAM);
    expect(p2.getInheritable()).toBe(false); // MSG_CMSG_CLOEXEC
    p2.sendallSync(b('through'));
    expect(q.recvSync(100)).toEqual(b('through'));
  });

  it('sets MSG_CTRUNC when the ancillary buffer is too small, and raw ancdata round-trips', () => {
    const [x, y] = track(socketpair());
    const [p, q] = track(socketpair());
    const fdBytes = Buffer.alloc(8);
    fdBytes.writeInt32LE(p.fileno(), 0);
    fdBytes.writeInt32LE(q.fileno(), 4);
    expect(x.sendmsgSync([b('z')], [[SOL_SOCKET, SCM_RIGHTS, fdBytes]])).toBe(1);
    const [data, anc, flags] = y.recvmsgSync(10, CMSG_LEN(4));
    expect(data).toEqual(b('z'));
    expect(flags & MSG_CTRUNC).toBe(MSG_CTRUNC);
    // What did fit (one fd) is reported and must be closed by the receiver.
    expect(anc.length).toBe(1);
    expect(anc[0][0]).toBe(SOL_SOCKET);
    expect(anc[0][1]).toBe(SCM_RIGHTS);
    expect(anc[0][2].length).toBe(4);
    new Socket(undefined, undefined, undefined, anc[0][2].readInt32LE(0)).close();
  });

  it('sync fd passing works too', () => {
    const [x, y] = track(socketpair());
    const [p] = track(socketpair());
    expect(sendFdsSync(x, [b('!')], [p.fileno(), p.fileno()])).toBe(1);
    const [, fds] = recvFdsSync(y, 1, 2);
    expect(fds.length).toBe(2);
    for (const fd of fds) new Socket(undefined, undefined, undefined, fd).close();
  });

  it('CMSG_LEN / CMSG_SPACE match the C macros', () => {
    // Linux x86_64 / arm64: cmsghdr is 16 bytes, data aligned to 8.
    expect(CMSG_LEN(0)).toBe(16);
    expect(CMSG_LEN(4)).toBe(20);
    expect(CMSG_SPACE(4)).toBe(24);
    expect(CMSG_SPACE(8)).toBe(24);
    expect(() => CMSG_LEN(-1)).toThrow(RangeError);
  });

  it('rejects bad arguments before any syscall', () => {
    const [x] = track(socketpair());
    expect(() => x.sendmsgSync('abc' as never)).toThrow(TypeError);
    expect(() => x.sendmsgSync(['abc' as never])).toThrow(/encode/);
    expect(() => x.sendmsgSync([b('a')], [[1, 2] as never])).toThrow(TypeError);
    expect(() => x.recvmsgSync(-1)).toThrow(RangeError);
  });
});

describe('recvmmsg / sendmmsg', () => {
  it('sends and receives a batch of datagrams with addresses', async () => {
    const rx = track(new Socket(AF_INET, SOCK_DGRAM));
    rx.bind(['127.0.0.1', 0]);
    const tx = track(new Socket(AF_INET, SOCK_DGRAM));
    tx.bind(['127.0.0.1', 0]);
    const to = rx.getsockname();
    expect(await tx.sendmmsg([[b('one'), to], [b('two!'), to], [b('three'), to]])).toBe(3);
    const bufs = [Buffer.alloc(16), Buffer.alloc(16), Buffer.alloc(16), Buffer.alloc(16)];
    const got: Array<[number, unknown]> = [];
    while (got.length < 3) got.push(...(await rx.recvmmsg(bufs.slice(got.length))));
    expect(got.map(([n]) => n)).toEqual([3, 4, 5]);
    expect(got.map(([, a]) => a)).toEqual([tx.getsockname(), tx.getsockname(), tx.getsockname()]);
    expect(Buffer.concat([bufs[0].subarray(0, 3), bufs[1].subarray(0, 4), bufs[2].subarray(0, 5)])).toEqual(b('onetwo!three'));
  });

  it('tryRecvmmsg results go straight back out with trySendmmsg (echo)', async () => {
    const srv = track(new Socket(AF_INET, SOCK_DGRAM));
    srv.bind(['127.0.0.1', 0]);
    const cli = track(new Socket(AF_INET, SOCK_DGRAM));
    cli.connect(srv.getsockname());
    for (const s of ['a', 'bb', 'ccc']) cli.sendSync(b(s));
    const bufs = Array.from({ length: 8 }, () => Buffer.alloc(64));
    const meta = new Int32Array(16);
    const names = Buffer.alloc(8 * 128);
    expect(srv.tryRecvmmsg(bufs, meta, names)).toBe(3);
    expect(Array.from(meta.subarray(0, 6))).toEqual([1, 16, 2, 16, 3, 16]);
    expect(srv.trySendmmsg(bufs, meta, names, 3)).toBe(3);
    expect(cli.recvSync(64)).toEqual(b('a'));
    expect(cli.recvSync(64)).toEqual(b('bb'));
    expect(cli.recvSync(64)).toEqual(b('ccc'));
    expect(srv.tryRecvmmsg(bufs, meta, names)).toBe(-os.constants.errno.EAGAIN);
    expect(() => srv.tryRecvmmsg(bufs, new Int32Array(2), names)).toThrow(RangeError);
  });
});

describe('sendfile', () => {
  it('sends a file range and the whole file, async and sync', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-'));
    const file = path.join(dir, 'data.bin');
    const content = Buffer.alloc(300_000);
    for (let i = 0; i < content.length; i++) content[i] = (i * 7) & 0xff;
    fs.writeFileSync(file, content);
    const fh = await fs.promises.open(file, 'r');
    const [x, y] = track(socketpair());
    try {
      const reader = (async () => {
        const chunks: Buffer[] = [];
        let total = 0;
        while (total < content.length + 1000) {
          const c = await y.recv(65536);
          chunks.push(c);
          total += c.length;
        }
        return Buffer.concat(chunks);
      })();
      expect(await x.sendfile(fh)).toBe(content.length);
      expect(x.sendfileSync(fh.fd, 500, 1000)).toBe(1000);
      const got = await reader;
      // Buffer.equals: toEqual walks 300 KB element by element.
      expect(got.length).toBe(content.length + 1000);
      expect(got.subarray(0, content.length).equals(content)).toBe(true);
      expect(got.subarray(content.length).equals(content.subarray(500, 1500))).toBe(true);
    } finally {
      await fh.close();
      fs.rmSync(dir, { recursive: true });
    }
  });
});
