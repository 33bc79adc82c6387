// AF_UNIX: stream, dgram and seqpacket; path names in a temp dir; abstract
// names (embedded NULs, byte-exact); autobind; unnamed peers; MSG_TRUNC.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Socket,
  SocketError,
  socketpair,
  AF_UNIX,
  SOCK_STREAM,
  SOCK_DGRAM,
  SOCK_SEQPACKET,
  MSG_TRUNC,
  MSG_PEEK,
} from '../lib/index';
import { b, cleanup, track } from './helpers';

afterEach(cleanup);

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-unix-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  expect(fs.existsSync(dir)).toBe(false);
});

let seq = 0;
const tmpPath = (name = 'sock'): string => path.join(dir, `${name}-${++seq}`);
/** A unique abstract name with embedded NULs. */
const abstract = (tag: string): Buffer => Buffer.concat([Buffer.from([0]), b(`bsdsock\0${tag}\0${process.pid}\0${++seq}`)]);

describe('SOCK_STREAM', () => {
  it('path listener: accept, echo, getsockname / getpeername, unnamed client', async () => {
    const p = tmpPath();
    const srv = track(new Socket(AF_UNIX, SOCK_STREAM));
    srv.bind(p);
    srv.listen();
    expect(srv.getsockname()).toBe(p);
    expect(fs.statSync(p).isSocket()).toBe(true);
    const cli = track(new Socket(AF_UNIX, SOCK_STREAM));
    const [[conn, peer]] = await Promise.all([srv.accept(), cli.connect(p)]);
    track(conn);
    expect(peer).toBe(''); // the client is unnamed
    expect(cli.getsockname()).toBe('');
    expect(cli.getpeername()).toBe(p);
    expect(conn.getsockname()).toBe(p);
    expect(conn.getpeername()).toBe('');
    expect(conn.family).toBe(AF_UNIX);
    expect(conn.type).toBe(SOCK_STREAM);
    await cli.sendall(b('over a path'));
    expect(await conn.recv(100)).toEqual(b('over a path'));
    conn.sendallSync(b('back'));
    expect(cli.recvSync(100)).toEqual(b('back'));
    srv.close();
    fs.unlinkSync(p);
  });

  it('binding an existing path is EADDRINUSE with the path', () => {
    const p = tmpPath();
    const a = track(new Socket(AF_UNIX, SOCK_STREAM));
    a.bind(p);
    const c = track(new Socket(AF_UNIX, SOCK_STREAM));
    let err: SocketError | undefined;
    try {
      c.bind(p);
    } catch (e) {
      err = e as SocketError;
    }
    expect(err).toBeInstanceOf(SocketError);
    expect(err!.code).toBe('EADDRINUSE');
    expect(err!.errno).toBe(os.constants.errno.EADDRINUSE);
    expect(err!.syscall).toBe('bind');
    expect(err!.address).toBe(p);
    fs.unlinkSync(p);
  });

  it('connect to a missing path is ENOENT', () => {
    const c = track(new Socket(AF_UNIX, SOCK_STREAM));
    const p = tmpPath('missing');
    try {
      c.connectSync(p);
      expect.unreachable();
    } catch (e) {
      expect((e as SocketError).code).toBe('ENOENT');
      expect((e as SocketError).errno).toBe(os.constants.errno.ENOENT);
      expect((e as SocketError).syscall).toBe('connect');
      expect((e as SocketError).address).toBe(p);
    }
  });

  it('socketpair peers are unnamed: getsockname / getpeername give ""', () => {
    const [a, c] = track(socketpair());
    expect(a.family).toBe(AF_UNIX);
    expect(a.type).toBe(SOCK_STREAM);
    expect(a.getsockname()).toBe('');
    expect(a.getpeername()).toBe('');
    expect(c.getpeername()).toBe('');
  });

  it('a stream has no message boundaries', () => {
    const [a, c] = track(socketpair(AF_UNIX, SOCK_STREAM));
    a.sendSync(b('abc'));
    a.sendSync(b('def'));
    expect(c.recvSync(100)).toEqual(b('abcdef'));
  });

  it('recvfrom on a connected stream gives a null address', async () => {
    const [a, c] = track(socketpair(AF_UNIX, SOCK_STREAM));
    a.sendSync(b('x'));
    expect(await c.recvfrom(10)).toEqual([b('x'), null]);
  });
});

describe('SOCK_DGRAM', () => {
  it('boundaries are kept; recvfrom names the sender (path, abstract, unnamed)', () => {
    const rp = tmpPath('dgram');
    const r = track(new Socket(AF_UNIX, SOCK_DGRAM));
    r.bind(rp);
    const named = track(new Socket(AF_UNIX, SOCK_DGRAM));
    const sp = tmpPath('sender');
    named.bind(sp);
    const abs = track(new Socket(AF_UNIX, SOCK_DGRAM));
    const an = abstract('dgram-sender');
    abs.bind(an);
    const anon = track(new Socket(AF_UNIX, SOCK_DGRAM));

    expect(named.sendtoSync(b('one'), rp)).toBe(3);
    expect(abs.sendtoSync(b('two!'), rp)).toBe(4);
    expect(anon.sendtoSync(b('three'), rp)).toBe(5);
    expect(anon.sendtoSync(new Uint8Array(0), rp)).toBe(0);

    expect(r.recvfromSync(100)).toEqual([b('one'), sp]);
    const [d2, a2] = r.recvfromSync(100);
    expect(d2).toEqual(b('two!'));
    expect(Buffer.isBuffer(a2)).toBe(true);
    expect((a2 as Buffer).equals(an)).toBe(true);
    // An unbound sender has no address at all: Python gives None.
    expect(r.recvfromSync(100)).toEqual([b('three'), null]);
    expect(r.recvfromSync(100)).toEqual([Buffer.alloc(0), null]);
  });

  it('MSG_TRUNC: recvInto / recvfromInto return the real datagram length', () => {
    const [a, c] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    const msg = b('0123456789abcdef'); // 16 bytes
    a.sendSync(msg);
    a.sendSync(msg);
    a.sendSync(msg);
    const small = Buffer.alloc(4);
    expect(c.recvIntoSync(small, 0, MSG_TRUNC)).toBe(16);
    expect(small).toEqual(b('0123'));
    const [n, from] = c.recvfromIntoSync(small, 2, MSG_TRUNC);
    expect(n).toBe(16);
    expect(small.subarray(0, 2)).toEqual(b('01'));
    expect(from).toBeNull();
    // Without MSG_TRUNC the rest of the datagram is discarded: 4 bytes.
    expect(c.recvIntoSync(small)).toBe(4);
    a.sendSync(b('next'));
    expect(c.recvSync(100)).toEqual(b('next'));
  });

  it('MSG_PEEK leaves the datagram queued', async () => {
    const [a, c] = track(socketpair(AF_UNIX, SOCK_DGRAM));
    a.sendSync(b('peek me'));
    expect(await c.recv(100, MSG_PEEK)).toEqual(b('peek me'));
    expect(await c.recv(100)).toEqual(b('peek me'));
  });

  it('connected dgram: send / recv, getpeername', () => {
    const rp = tmpPath('conn');
    const r = track(new Socket(AF_UNIX, SOCK_DGRAM));
    r.bind(rp);
    const s = track(new Socket(AF_UNIX, SOCK_DGRAM));
    s.connectSync(rp);
    expect(s.getpeername()).toBe(rp);
    s.sendSync(b('a'));
    s.sendSync(b('bb'));
    expect(r.recvSync(100)).toEqual(b('a'));
    expect(r.recvSync(100)).toEqual(b('bb'));
  });
});

describe('SOCK_SEQPACKET', () => {
  it('boundaries are kept, MSG_TRUNC gives the real length, EOF is empty', async () => {
    const p = tmpPath('seq');
    const srv = track(new Socket(AF_UNIX, SOCK_SEQPACKET));
    srv.bind(p);
    srv.listen();
    const cli = track(new Socket(AF_UNIX, SOCK_SEQPACKET));
    const [[conn, peer]] = await Promise.all([srv.accept(), cli.connect(p)]);
    track(conn);
    expect(conn.type).toBe(SOCK_SEQPACKET);
    expect(peer).toBe('');
    expect(cli.getpeername()).toBe(p);
    await cli.send(b('first'));
    await cli.send(b('second message'));
    await cli.send(b('third'));
    expect(await conn.recv(100)).toEqual(b('first'));
    const buf = Buffer.alloc(6);
    expect(await conn.recvInto(buf, 0, MSG_TRUNC)).toBe(14);
    expect(buf).toEqual(b('second'));
    expect(conn.recvSync(100)).toEqual(b('third'));
    cli.shutdown(1);
    expect((await conn.recv(100)).length).toBe(0);
  });

  it('socketpair(AF_UNIX, SOCK_SEQPACKET)', () => {
    const [a, c] = track(socketpair(AF_UNIX, SOCK_SEQPACKET));
    expect(a.type).toBe(SOCK_SEQPACKET);
    a.sendallSync(b('x'));
    a.sendallSync(b('yz'));
    expect(c.recvSync(10)).toEqual(b('x'));
    expect(c.recvSync(10)).toEqual(b('yz'));
  });
});

describe('abstract names', () => {
  it('embedded NULs are kept byte-exact by getsockname, getpeername, accept and recvfrom', async () => {
    const name = abstract('stream');
    const srv = track(new Socket(AF_UNIX, SOCK_STREAM));
    srv.bind(name);
    srv.listen();
    const got = srv.getsockname() as Buffer;
    expect(Buffer.isBuffer(got)).toBe(true);
    expect(got.length).toBe(name.length);
    expect(got.equals(name)).toBe(true);

    const cname = abstract('client');
    const cli = track(new Socket(AF_UNIX, SOCK_STREAM));
    cli.bind(cname);
    const [[conn, peer]] = await Promise.all([srv.accept(), cli.connect(name)]);
    track(conn);
    expect((peer as Buffer).equals(cname)).toBe(true);
    expect((cli.getpeername() as Buffer).equals(name)).toBe(true);
    expect((conn.getpeername() as Buffer).equals(cname)).toBe(true);
    expect((conn.getsockname() as Buffer).equals(name)).toBe(true);
    // Not a file in the filesystem.
    expect(fs.existsSync(name.toString('latin1'))).toBe(false);
  });

  it('a name differing only after a NUL is a different address', () => {
    const base = abstract('twin');
    const a = track(new Socket(AF_UNIX, SOCK_DGRAM));
    a.bind(Buffer.concat([base, Buffer.from([0])]));
    const c = track(new Socket(AF_UNIX, SOCK_DGRAM));
    c.bind(base); // no EADDRINUSE: the length is part of the name
    expect((a.getsockname() as Buffer).length).toBe(base.length + 1);
    expect((c.getsockname() as Buffer).length).toBe(base.length);
  });

  it('a string starting with NUL is an abstract name too; returned as a Buffer', () => {
    const name = `\0bsdsock-str-${process.pid}-${++seq}`;
    const s = track(new Socket(AF_UNIX, SOCK_DGRAM));
    s.bind(name);
    expect(s.getsockname()).toEqual(Buffer.from(name, 'latin1'));
  });

  it('the longest abstract name (108 bytes) works; 109 is a RangeError', () => {
    const name = Buffer.alloc(108, 0x41);
    name[0] = 0;
    name.writeUInt32BE(process.pid, 1);
    const s = track(new Socket(AF_UNIX, SOCK_DGRAM));
    s.bind(name);
    expect((s.getsockname() as Buffer).equals(name)).toBe(true);
    const t = track(new Socket(AF_UNIX, SOCK_DGRAM));
    expect(() => t.bind(Buffer.alloc(109))).toThrow(RangeError);
  });

  it("autobind: bind('') gives a 6-byte abstract name \\0xxxxx", () => {
    const s = track(new Socket(AF_UNIX, SOCK_DGRAM));
    s.bind('');
    const name = s.getsockname() as Buffer;
    expect(Buffer.isBuffer(name)).toBe(true);
    expect(name.length).toBe(6);
    expect(name[0]).toBe(0);
    expect(name.subarray(1).toString('latin1')).toMatch(/^[0-9a-f]{5}$/);
    // Reachable by that name.
    const t = track(new Socket(AF_UNIX, SOCK_DGRAM));
    t.sendtoSync(b('to autobound'), name);
    expect(s.recvfromSync(100)).toEqual([b('to autobound'), null]);
  });
});

describe('path length', () => {
  it('a 107-byte path works; 109 bytes is a RangeError before any syscall', () => {
    // mkdtemp names are short; pad with a long file name inside the dir.
    const prefix = dir + '/';
    const p107 = prefix + 'p'.repeat(107 - prefix.length);
    expect(Buffer.byteLength(p107)).toBe(107);
    const s = track(new Socket(AF_UNIX, SOCK_STREAM));
    s.bind(p107);
    expect(s.getsockname()).toBe(p107);
    fs.unlinkSync(p107);

    const long = prefix + 'q'.repeat(109 - prefix.length);
    const t = track(new Socket(AF_UNIX, SOCK_STREAM));
    expect(() => t.bind(long)).toThrow(RangeError);
    expect(() => t.bind(long)).toThrow(/too long/);
    expect(() => t.connectSync(long)).toThrow(RangeError);
    expect(() => t.sendtoSync(b('x'), long)).toThrow(RangeError);
    expect(fs.existsSync(long)).toBe(false);
    // The socket is untouched: still unbound.
    expect(t.getsockname()).toBe('');
  });

  it('multi-byte UTF-8 paths are measured in bytes', () => {
    const prefix = dir + '/';
    const n = Math.floor((110 - prefix.length) / 2); // 2-byte chars: > 108 bytes
    const t = track(new Socket(AF_UNIX, SOCK_STREAM));
    expect(() => t.bind(prefix + 'é'.repeat(n))).toThrow(RangeError);
    const ok = prefix + 'é'.repeat(10);
    t.bind(ok);
    expect(t.getsockname()).toBe(ok);
    fs.unlinkSync(ok);
  });

  it('a path with a NUL inside is a TypeError', () => {
    const t = track(new Socket(AF_UNIX, SOCK_STREAM));
    expect(() => t.bind(dir + '/a\0b')).toThrow(TypeError);
    expect(() => t.bind(Buffer.from(dir + '/a\0b'))).toThrow(TypeError);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('a'))).toEqual([]);
  });
});
