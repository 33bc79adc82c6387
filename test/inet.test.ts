// inet_pton / inet_ntop / inet_aton / inet_ntoa and the byte-order helpers:
// valid and invalid inputs, values checked against Python's socket module.
import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { inetPton, inetNtop, inetAton, inetNtoa, htons, htonl, ntohs, ntohl, SocketError, AF_INET, AF_INET6, AF_UNIX } from '../lib/index';

const hex = (s: string): Buffer => Buffer.from(s.replace(/ /g, ''), 'hex');

function expectEinval(fn: () => unknown, syscall: string, message: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SocketError);
    expect((e as SocketError).code).toBe('EINVAL');
    expect((e as SocketError).errno).toBe(os.constants.errno.EINVAL);
    expect((e as SocketError).syscall).toBe(syscall);
    expect((e as SocketError).message).toBe(message);
    return;
  }
  throw new Error('no exception');
}

describe('inetPton / inetNtop', () => {
  it.each([
    ['0.0.0.0', '00000000'],
    ['127.0.0.1', '7f000001'],
    ['255.255.255.255', 'ffffffff'],
    ['1.2.3.4', '01020304'],
  ])('AF_INET %s', (text, packed) => {
    expect(inetPton(AF_INET, text)).toEqual(hex(packed));
    expect(inetNtop(AF_INET, hex(packed))).toBe(text);
  });

  it.each([
    ['::', '::', '00000000000000000000000000000000'],
    ['::1', '::1', '00000000000000000000000000000001'],
    ['1:0:0:0:0:0:0:8', '1::8', '00010000000000000000000000000008'],
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4', '00000000000000000000ffff01020304'],
    ['FE80::ABCD', 'fe80::abcd', 'fe80000000000000000000000000abcd'],
    ['2001:db8::ff00:42:8329', '2001:db8::ff00:42:8329', '20010db8000000000000ff0000428329'],
  ])('AF_INET6 %s', (text, canonical, packed) => {
    expect(inetPton(AF_INET6, text)).toEqual(hex(packed));
    expect(inetNtop(AF_INET6, hex(packed))).toBe(canonical);
  });

  it.each([
    [AF_INET, '1.2.3'],
    [AF_INET, '01.2.3.4'],
    [AF_INET, '256.1.1.1'],
    [AF_INET, '1.2.3.4 '],
    [AF_INET, ''],
    [AF_INET, '::1'],
    [AF_INET, '1.2.3.4\0'],
    [AF_INET6, '1::2::3'],
    [AF_INET6, ':::'],
    [AF_INET6, '1.2.3.4'],
    [AF_INET6, '::1%lo'],
    [AF_INET6, 'g::'],
  ])('invalid: family %i %j is OSError EINVAL', (family, text) => {
    expectEinval(() => inetPton(family, text), 'inet_pton', 'illegal IP address string passed to inet_pton');
  });

  it('unsupported families and wrong types', () => {
    expect(() => inetPton(AF_UNIX, '1.2.3.4')).toThrow(expect.objectContaining({ code: 'EAFNOSUPPORT', syscall: 'inet_pton' }));
    expect(() => inetNtop(AF_UNIX, hex('01020304'))).toThrow(expect.objectContaining({ code: 'EAFNOSUPPORT', syscall: 'inet_ntop' }));
    expect(() => inetPton(AF_INET, 1234 as never)).toThrow(TypeError);
    expect(() => inetPton('2' as never, '1.2.3.4')).toThrow(TypeError);
    expect(() => inetNtop(AF_INET, '1.2.3.4' as never)).toThrow(TypeError);
  });

  it('inetNtop checks the packed length', () => {
    expect(() => inetNtop(AF_INET, hex('010203'))).toThrow(RangeError);
    expect(() => inetNtop(AF_INET, hex('0102030405'))).toThrow(RangeError);
    expect(() => inetNtop(AF_INET6, hex('01020304'))).toThrow(RangeError);
    expect(() => inetNtop(AF_INET6, Buffer.alloc(17))).toThrow(RangeError);
    // Any bytes type, at its offset.
    const ab = new Uint8Array([9, 127, 0, 0, 1, 9]).buffer;
    expect(inetNtop(AF_INET, new Uint8Array(ab, 1, 4))).toBe('127.0.0.1');
    expect(inetNtop(AF_INET, new DataView(ab, 1, 4))).toBe('127.0.0.1');
    expect(inetNtop(AF_INET, new Uint8Array([10, 0, 0, 1]).buffer)).toBe('10.0.0.1');
  });
});

describe('inetAton / inetNtoa', () => {
  it.each([
    ['127.0.0.1', '7f000001'],
    ['127.1', '7f000001'],
    ['0x7f.1', '7f000001'],
    ['1.2.3', '01020003'],
    ['1', '00000001'],
    ['010.0.0.1', '08000001'],
    ['255.255.255.255', 'ffffffff'],
    ['1.2.3.4 ', '01020304'], // glibc (and so Python) accept trailing whitespace
  ])('inetAton(%j)', (text, packed) => {
    expect(inetAton(text)).toEqual(hex(packed));
  });

  it.each(['1.2.3.256', '', ' 1.2.3.4', 'x', '1.2.3.4.5', '1.2.3.4\0junk', '::1'])('inetAton(%j) is OSError EINVAL', (text) => {
    expectEinval(() => inetAton(text), 'inet_aton', 'illegal IP address string passed to inet_aton');
  });

  it('inetNtoa', () => {
    expect(inetNtoa(hex('7f000001'))).toBe('127.0.0.1');
    expect(inetNtoa(new Uint8Array([192, 168, 1, 254]))).toBe('192.168.1.254');
    expect(inetNtoa(new Uint8Array([1, 2, 3, 4]).buffer)).toBe('1.2.3.4');
    expect(() => inetNtoa(hex('7f0000'))).toThrow(RangeError);
    expect(() => inetNtoa(Buffer.alloc(16))).toThrow(RangeError);
    expect(() => inetNtoa('1.2.3.4' as never)).toThrow(RangeError);
    expect(() => inetNtoa(null as never)).toThrow(RangeError);
    expect(() => inetAton(7 as never)).toThrow(TypeError);
  });
});

describe('htons / htonl / ntohs / ntohl', () => {
  it('values (this machine is little-endian)', () => {
    expect(os.endianness()).toBe('LE');
    expect(htons(1)).toBe(256);
    expect(htons(0x1234)).toBe(0x3412);
    expect(htons(0)).toBe(0);
    expect(htons(0xffff)).toBe(0xffff);
    expect(htons(80)).toBe(20480);
    expect(ntohs(0x3412)).toBe(0x1234);
    expect(htonl(1)).toBe(16777216);
    expect(htonl(0x12345678)).toBe(0x78563412);
    expect(htonl(0xffffffff)).toBe(0xffffffff);
    expect(htonl(0x80000000)).toBe(0x80);
    expect(htonl(0xff)).toBe(0xff000000);
    expect(ntohl(0x78563412)).toBe(0x12345678);
    expect(ntohl(2130706433)).toBe(16777343);
  });

  it('round trips', () => {
    for (const x of [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff]) expect(ntohs(htons(x))).toBe(x);
    for (const x of [0, 1, 0x7fffffff, 0x80000000, 0xdeadbeef, 0xffffffff, 0x01020304]) {
      expect(ntohl(htonl(x))).toBe(x);
      expect(htonl(x)).toBeGreaterThanOrEqual(0);
    }
  });

  it('range and type errors', () => {
    expect(() => htons(-1)).toThrow(RangeError);
    expect(() => htons(65536)).toThrow(RangeError);
    expect(() => ntohs(0x10000)).toThrow(RangeError);
    expect(() => htonl(-1)).toThrow(RangeError);
    expect(() => htonl(2 ** 32)).toThrow(RangeError);
    expect(() => ntohl(2 ** 32)).toThrow(RangeError);
    expect(() => htons(1.5)).toThrow(TypeError);
    expect(() => htonl(NaN)).toThrow(TypeError);
    expect(() => htons('1' as never)).toThrow(TypeError);
    expect(() => ntohl(1n as never)).toThrow(TypeError);
  });
});
