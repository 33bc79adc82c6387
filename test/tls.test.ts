// TLS by wrapping a socket, against real OpenSSL peers (openssl s_server /
// s_client) and between bsdsock sockets.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Socket, SocketError, createDefaultContext, Purpose, AF_INET, SOCK_STREAM, socketpair } from '../lib/index';
import { b, cleanup, track } from './helpers';

let dir = '';
let certfile = '';
let keyfile = '';
const children: ChildProcess[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-tls-'));
  certfile = path.join(dir, 'cert.pem');
  keyfile = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyfile, '-out', certfile], { stdio: 'ignore' });
});
afterEach(async () => {
  cleanup();
  // Kill what is still running (by pid, only our children) and wait until its
  // stdio pipes are closed: they are socket fds too.
  await Promise.all(
    children.splice(0).map((c) => {
      const closed = c.exitCode !== null && c.stdout!.destroyed ? Promise.resolve() : new Promise((r) => c.once('close', r));
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      return closed;
    }),
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Wait until the child prints a line matching `re` on stdout. */
function waitFor(child: ChildProcess, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = re.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        resolve(out);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`openssl exited ${code}: ${out}`)));
  });
}

function freePort(): number {
  const s = new Socket(AF_INET, SOCK_STREAM);
  s.bind(['127.0.0.1', 0]);
  const port = (s.getsockname() as [string, number])[1];
  s.close();
  return port;
}

describe('TLS', () => {
  it('client: verifies openssl s_server and talks to it (-rev echoes lines reversed)', async () => {
    const port = freePort();
    const srv = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', certfile, '-key', keyfile, '-rev', '-naccept', '1'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(srv);
    await waitFor(srv, /ACCEPT/);
    const ctx = createDefaultContext(Purpose.SERVER_AUTH, { cafile: certfile });
    const s = ctx.wrapSocket(track(new Socket(AF_INET, SOCK_STREAM)), { serverHostname: 'localhost' });
    await s.connect(['127.0.0.1', port]);
    expect(s.version()).toMatch(/^TLSv1\.[23]$/);
    expect(s.getpeercert()?.subject.CN).toBe('localhost');
    await s.sendall(b('hello tls\n'));
    let got = '';
    while (!got.includes('\n')) got += (await s.recv(1024)).toString();
    expect(got).toBe('slt olleh\n');
    s.close();
  });

  it('client: refuses a certificate it cannot verify, and a wrong host name', async () => {
    const [x, y] = track(socketpair());
    const server = createDefaultContext(Purpose.CLIENT_AUTH);
    server.loadCertChain(certfile, keyfile);
    const srvSide = server.wrapSocket(y, { serverSide: true });
    srvSide.doHandshake().catch(() => undefined);
    // No CA given: the system store does not know our self-signed certificate.
    const c1 = createDefaultContext().wrapSocket(x, { serverHostname: 'localhost' });
    // Python's ssl.SSLError is an OSError: here an SSLError, a SocketError too, with OpenSSL's code.
    await expect(c1.doHandshake()).rejects.toMatchObject({ name: 'SSLError', code: 'DEPTH_ZERO_SELF_SIGNED_CERT', syscall: 'do_handshake' });
    await expect(c1.doHandshake()).rejects.toBeInstanceOf(SocketError);

    const [p, q] = track(socketpair());
    server.wrapSocket(q, { serverSide: true }).doHandshake().catch(() => undefined);
    const c2 = createDefaultContext(Purpose.SERVER_AUTH, { cafile: certfile }).wrapSocket(p, { serverHostname: 'wrong.example' });
    await expect(c2.doHandshake()).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(() => createDefaultContext().wrapSocket(track(new Socket()))).toThrow(TypeError);
  });

  it('server: a bsdsock TLS echo server serves openssl s_client', async () => {
    const ctx = createDefaultContext(Purpose.CLIENT_AUTH);
    ctx.loadCertChain(certfile, keyfile);
    const lsock = track(new Socket(AF_INET, SOCK_STREAM));
    lsock.bind(['127.0.0.1', 0]);
    lsock.listen(5);
    const port = (lsock.getsockname() as [string, number])[1];
    const cli = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', certfile, '-verify_return_error', '-quiet', '-servername', 'localhost'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.push(cli);
    const [conn] = await lsock.accept();
    track(conn);
    const s = ctx.wrapSocket(conn, { serverSide: true });
    await s.doHandshake();
    cli.stdin!.write('echo me, please: £€\n');
    const line = waitFor(cli, /\n/);
    const data = await s.recv(1024);
    expect(data.toString()).toBe('echo me, please: £€\n');
    await s.sendall(data);
    expect(await line).toBe('echo me, please: £€\n');
    cli.stdin!.end();
    s.close();
  });

  it('recv(0) and recvInto(empty) return at once with nothing waiting, as Python; bad sizes are errors', async () => {
    const [x, y] = track(socketpair());
    const server = createDefaultContext(Purpose.CLIENT_AUTH);
    server.loadCertChain(certfile, keyfile);
    const srv = server.wrapSocket(y, { serverSide: true });
    const cli = createDefaultContext(Purpose.SERVER_AUTH, { cafile: certfile }).wrapSocket(x, { serverHostname: 'localhost' });
    await Promise.all([srv.doHandshake(), cli.doHandshake()]);
    // Nothing was sent: before the fix both waited for data.
    expect(await cli.recv(0)).toEqual(Buffer.alloc(0));
    expect(await cli.recvInto(Buffer.alloc(0))).toBe(0);
    await expect(cli.recv(-1)).rejects.toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    await expect(cli.recvInto(Buffer.alloc(2), 3)).rejects.toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    await expect(cli.recvInto('ab' as never)).rejects.toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    // 20 waits for data leave no listener behind (no MaxListenersExceededWarning).
    for (let i = 0; i < 20; i++) {
      const p = cli.recv(10);
      await srv.sendall(b(`m${i}`));
      expect(await p).toEqual(b(`m${i}`));
    }
    srv.close();
    cli.close();
  });
});
