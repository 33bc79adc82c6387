import * as net from 'node:net';
import * as tls from 'node:tls';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Socket, socketpair, AF_INET, SOCK_STREAM } from '../lib/index';
import { b, cleanup, track } from './helpers';

afterEach(cleanup);

describe('makefile', () => {
  it('reads and writes text lines with an encoding', async () => {
    const [x, y] = track(socketpair());
    const w = x.makefile('w', { encoding: 'utf8' });
    const r = y.makefile('r', { encoding: 'utf8' });
    w.write('héllo\n');
    w.end('wörld £€\n');
    let text = '';
    for await (const chunk of r) text += chunk;
    expect(text).toBe('héllo\nwörld £€\n');
  });

  it('pipes to itself (an echo) with backpressure over 4 MiB', async () => {
    const [x, y] = track(socketpair());
    const echo = y.makefile('rwb');
    const echoing = pipeline(echo, echo);
    const data = Buffer.alloc(4 << 20);
    for (let i = 0; i < data.length; i += 4) data.writeUInt32LE(i, i);
    const chunks: Buffer[] = [];
    await Promise.all([
      pipeline(Readable.from([data.subarray(0, 1 << 20), data.subarray(1 << 20)]), x.makefile('wb')),
      pipeline(
        x.makefile('rb', { highWaterMark: 16384 }),
        new Writable({
          write(c: Buffer, _e, cb) {
            chunks.push(c);
            cb();
          },
        }),
      ),
      echoing,
    ]);
    const got = Buffer.concat(chunks);
    expect(got.length).toBe(data.length);
    expect(got.equals(data)).toBe(true);
  });

  it('rejects strings in binary mode and bad modes', async () => {
    const [x] = track(socketpair());
    expect(() => x.makefile('x')).toThrow(RangeError);
    expect(() => x.makefile('rb', { encoding: 'utf8' })).toThrow(RangeError);
    const w = x.makefile('wb');
    const err = await new Promise<Error>((resolve) => {
      w.on('error', resolve);
      w.write('text');
    });
    expect(err).toBeInstanceOf(TypeError);
  });

  it('talks to a node:net peer', async () => {
    const server = net.createServer((c) => c.pipe(c));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const s = track(new Socket(AF_INET, SOCK_STREAM));
      await s.connect(['127.0.0.1', port]);
      const f = s.makefile('rw');
      f.end(b('ping over net'));
      const parts: Buffer[] = [];
      for await (const c of f) parts.push(c as Buffer);
      expect(Buffer.concat(parts)).toEqual(b('ping over net'));
    } finally {
      server.close();
    }
  });

  it('carries node:tls: a TLS echo between bsdsock sockets', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-tls-'));
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
      const key = fs.readFileSync(path.join(dir, 'key.pem'));
      const cert = fs.readFileSync(path.join(dir, 'cert.pem'));
      const [x, y] = track(socketpair());
      const server = new tls.TLSSocket(y.makefile('rw') as never, { isServer: true, key, cert });
      server.on('data', (d: Buffer) => server.write(d));
      const client = tls.connect({ socket: x.makefile('rw') as never, ca: cert, servername: 'localhost' });
      await new Promise<void>((r) => client.once('secureConnect', r));
      expect(client.authorized).toBe(true);
      client.write('secret hello');
      const got = await new Promise<Buffer>((r) => client.once('data', r));
      expect(got.toString()).toBe('secret hello');
      client.destroy();
      server.destroy();
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});
