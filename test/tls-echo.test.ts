// tls-echo-server and tls-echo-client (the seed text's ssl section), end to
// end through the bin, against real TLS peers: Python's ssl module as the
// client of the server, `openssl s_server` as the server of the client. The
// certificates are made here with `openssl req` / `openssl x509`: a test CA,
// a server certificate it signs for localhost, one it signs for another
// host name, and a self-signed one.
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureExamplesBuilt, Proc, startServer, stopAll, within } from './examples-helpers';
import { MESSAGE } from '../examples/tcp-echo-client';

let dir = '';
const file = (name: string): string => path.join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

beforeAll(() => {
  ensureExamplesBuilt();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-tls-echo-'));
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=bsdsock test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  // Signed by the CA: one for localhost, one for other.example.
  for (const [name, san] of [['server', 'DNS:localhost'], ['other', 'DNS:other.example']]) {
    const cn = san.slice(4);
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    fs.writeFileSync(file(`${name}.ext`), `subjectAltName=${san}\n`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  }
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', 'self.key', '-out', 'self.pem');
}, 120_000);
afterEach(async () => {
  await stopAll();
  await killChildren();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// ---- other programs (python3, openssl), each waited for until its stdio is closed ----

const children = new Set<import('node:child_process').ChildProcess>();

/** Runs a program to its end (killed after `ms`): status, stdout, stderr. */
function run(cmd: string, args: string[], ms = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    }),
  );
}

async function killChildren(): Promise<void> {
  await Promise.all(
    [...children].map((c) => {
      const closed = new Promise((r) => c.once('close', r));
      c.kill('SIGKILL');
      return closed;
    }),
  );
}

/**
 * `openssl s_server` with the given certificate as the echo server: it
 * writes what it decrypts to stdout and encrypts what it reads on stdin, so
 * its stdout piped back into its stdin echoes. Before the data it prints
 * `ACCEPT` (listening) and, per connection, a report that ends with its
 * `Secure Renegotiation IS ... supported` line. (Its stdin commands, a
 * chunk starting with Q, q, P or S, are not among the text's lines.)
 */
async function opensslEchoServer(cert: string, key: string): Promise<{ port: number; received: () => string }> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const srv = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', cert, '-key', key, '-naccept', '1'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(srv);
    srv.on('close', () => children.delete(srv));
    srv.stdin.on('error', () => undefined); // it may exit while an echo is written
    let out = '';
    let dataFrom = -1;
    let onAccept: (ok: boolean) => void = () => undefined;
    const accepting = new Promise<boolean>((resolve) => (onAccept = resolve));
    srv.stdout.setEncoding('latin1').on('data', (s: string) => {
      out += s;
      if (/^ACCEPT$/m.test(out)) onAccept(true);
      if (dataFrom < 0) {
        const m = /Secure Renegotiation IS (NOT )?supported\n/.exec(out);
        if (m === null) return;
        dataFrom = m.index + m[0].length;
        s = out.slice(dataFrom);
      }
      if (s.length > 0 && !/^DONE\n/m.test(s)) srv.stdin.write(Buffer.from(s, 'latin1'));
    });
    let stderr = '';
    srv.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    srv.on('exit', () => onAccept(false));
    if (await within(accepting, 10_000, 'openssl s_server: ACCEPT')) {
      // After the data, at the client's close: DONE, shutting down SSL, and statistics.
      const data = (): string => (dataFrom < 0 ? '' : out.slice(dataFrom).replace(/DONE\nshutting down SSL\n[\s\S]*$/, ''));
      return { port, received: () => Buffer.from(data(), 'latin1').toString('utf8') };
    }
    if (attempt >= 3) throw new Error(`openssl s_server did not start: ${stderr}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

// The lines tls-echo-client prints for the text's message, after its "Connected" line.
const ECHOED = MESSAGE.split('\n').flatMap((l) => {
  const n = Buffer.byteLength(l);
  const sent = [...Buffer.from(l)].map((c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16)}`)).join('');
  return [`SENT b'${sent}' (${n})`, `RCVD '${l}' (${n})`];
});
const CONNECTED = (port: number, how: string): RegExp => new RegExp(`^Connected to server localhost:${port} \\(TLSv1\\.3, TLS_[A-Z0-9_]+; CN=localhost, ${how}\\)$`);

// Python's ssl client, as the text writes one: create_default_context, wrap_socket(server_hostname=...), connect.
const PY_CLIENT = `
import socket, ssl, sys
ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=sys.argv[1])
sock = socket.socket(socket.AF_INET)
sock = ctx.wrap_socket(sock, server_hostname='localhost')
sock.connect(('localhost', int(sys.argv[2])))
print(sock.getsockname()[1], sock.version(), sock.getpeercert()['subject'][0][0][1])
for line in ['hello, TLS', 'non-ASCII: £€', 'x' * 3000]:
    data = (line + '\\n').encode('utf-8')
    sock.sendall(data)
    got = b''
    while len(got) < len(data):
        chunk = sock.recv(4096)
        if not chunk:
            break
        got += chunk
    print(repr(got == data), len(got))
sock.close()
`;

describe('tls-echo-server', () => {
  it("serves Python's ssl client (CA-verified, host name checked), echoing bytes exactly", async () => {
    const { proc: server, port } = await startServer(['tls-echo-server', '--cert', file('server.pem'), '--key', file('server.key'), '--port', '0']);
    const py = await run('python3', ['-c', PY_CLIENT, file('ca.pem'), String(port)]);
    expect(py.stderr).toBe('');
    expect(py.code).toBe(0);
    const [first, ...rest] = py.stdout.trim().split('\n');
    const [clientPort, version, cn] = first.split(' ');
    expect(version).toBe('TLSv1.3');
    expect(cn).toBe('localhost');
    expect(rest).toEqual(['True 11', `True ${Buffer.byteLength('non-ASCII: £€\n')}`, 'True 3001']);
    const peer = `('127.0.0.1', ${clientPort})`;
    await server.waitFor(`Disconnected from ${peer}`);
    const lines = server.lines.filter((l) => l.includes(peer) || /^(Recv|Echo): '(hello|non-ASCII)/.test(l));
    expect(lines).toEqual([
      `Connected from ${peer}`,
      expect.stringMatching(new RegExp(`^TLS TLSv1\\.3 TLS_[A-Z0-9_]+ with \\('127\\.0\\.0\\.1', ${clientPort}\\)$`)),
      "Recv: 'hello, TLS\\n'",
      "Echo: 'hello, TLS\\n'",
      "Recv: 'non-ASCII: £€\\n'",
      "Echo: 'non-ASCII: £€\\n'",
      `Disconnected from ${peer}`,
    ]);
    // The 3001-byte line arrives in one or more reads, every one echoed.
    expect(server.count(/^Recv: 'x+(\\n)?'$/)).toBeGreaterThanOrEqual(1);
  });

  it('reports a client that does not speak TLS and goes on serving', async () => {
    const { proc: server, port } = await startServer(['tls-echo-server', '--cert', file('server.pem'), '--key', file('server.key'), '--port', '0']);
    const plain = net.connect(port, '127.0.0.1');
    plain.on('error', () => undefined);
    await new Promise<void>((r) => plain.once('connect', () => r()));
    plain.write('GET / HTTP/1.0\r\n\r\n');
    const peer = `('127.0.0.1', ${plain.localPort})`;
    expect(await server.waitFor(new RegExp(`^Error from \\('127\\.0\\.0\\.1', ${plain.localPort}\\): `))).toBe(`Error from ${peer}: http request (ERR_SSL_HTTP_REQUEST)`);
    await server.waitFor(`Disconnected from ${peer}`);
    await new Promise((r) => (plain.destroyed ? r(null) : plain.once('close', r)));
    const client = new Proc(['tls-echo-client', '--port', String(port), '--cafile', file('ca.pem')]);
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(client.lines.slice(1, -1)).toEqual(ECHOED);
  });

  it('refuses to start without --cert, or with a key that is not the certificate\'s', async () => {
    const noCert = new Proc(['tls-echo-server', '--port', '0']);
    expect(await noCert.exit()).toEqual({ code: 2, signal: null });
    expect(noCert.stderr).toBe("bsdsock tls-echo-server: --cert FILE is required (a PEM certificate; --key FILE for its key)\nTry 'bsdsock tls-echo-server --help'.\n");
    const wrongKey = new Proc(['tls-echo-server', '--cert', file('server.pem'), '--key', file('other.key'), '--port', '0']);
    expect(await wrongKey.exit()).toEqual({ code: 1, signal: null });
    expect(wrongKey.stderr).toMatch(/^error: .*key values mismatch\n$/);
    expect(wrongKey.lines).toEqual([]);
  });
});

describe('tls-echo-client', () => {
  it('talks to openssl s_server, verifying its certificate against --cafile', async () => {
    const srv = await opensslEchoServer(file('server.pem'), file('server.key'));
    const client = new Proc(['tls-echo-client', '--port', String(srv.port), '--cafile', file('ca.pem')]);
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(client.lines[0]).toMatch(CONNECTED(srv.port, 'verified'));
    expect(client.lines.slice(1)).toEqual([...ECHOED, 'Disconnected from server']);
    expect(srv.received()).toBe(MESSAGE.split('\n').join(''));
  });

  it('talks to tls-echo-server, lines from stdin', async () => {
    const { port } = await startServer(['tls-echo-server', '--cert', file('server.pem'), '--key', file('server.key'), '--port', '0']);
    const client = new Proc(['tls-echo-client', '--port', String(port), '--cafile', file('ca.pem'), '--stdin']);
    client.write('one\n');
    await client.waitFor("RCVD 'one' (3)");
    client.write('two £\n');
    client.child.stdin.end();
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(client.lines.slice(1)).toEqual(["SENT b'one' (3)", "RCVD 'one' (3)", "SENT b'two \\xc2\\xa3' (6)", "RCVD 'two £' (6)", 'Disconnected from server']);
  });

  it('fails on a certificate no trusted CA signed: self-signed (s_server) and CA unknown (tls-echo-server)', async () => {
    const srv = await opensslEchoServer(file('self.pem'), file('self.key'));
    const c1 = new Proc(['tls-echo-client', '--port', String(srv.port)]);
    expect(await c1.exit()).toEqual({ code: 1, signal: null });
    expect(c1.lines).toEqual([]);
    expect(c1.stderr).toBe(
      `error: TLS handshake with localhost:${srv.port} failed: certificate verify failed: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT): ` +
        "the server's certificate is not signed by a CA trusted here; give that CA with --cafile FILE (or --insecure to skip verification)\n",
    );

    // The server's CA is not given: the system's CAs do not know it. The
    // server drops the connection (at once, or at its handshake timeout)
    // and goes on serving.
    const { proc: server, port } = await startServer(['tls-echo-server', '--cert', file('server.pem'), '--key', file('server.key'), '--port', '0', '--handshake-timeout', '2']);
    const c2 = new Proc(['tls-echo-client', '--port', String(port)]);
    expect(await c2.exit()).toEqual({ code: 1, signal: null });
    expect(c2.stderr).toBe(
      `error: TLS handshake with localhost:${port} failed: certificate verify failed: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE): ` +
        "the server's certificate is not signed by a CA trusted here; give that CA with --cafile FILE (or --insecure to skip verification)\n",
    );
    const connected = await server.waitFor(/^Connected from /);
    const peer = connected.slice('Connected from '.length);
    // Today the server notices at its timeout: an EOF during the handshake
    // does not settle SSLSocket.doHandshake() (see lib/tls.ts); once it
    // does, the second message comes at once.
    const error = await server.waitFor(new RegExp(`^Error from ${peer.replace(/[().]/g, '\\$&')}: `), { ms: 10_000 });
    expect(error).toMatch(/: (TLS handshake not done within 2 s|do_handshake ECONNRESET: the peer closed the connection during the TLS handshake)$/);
    await server.waitFor(`Disconnected from ${peer}`);
    const c3 = new Proc(['tls-echo-client', '--port', String(port), '--cafile', file('ca.pem')]);
    expect(await c3.exit()).toEqual({ code: 0, signal: null });
    expect(c3.lines[0]).toMatch(CONNECTED(port, 'verified'));
  });

  it('fails on a certificate for another host name', async () => {
    const { port } = await startServer(['tls-echo-server', '--cert', file('other.pem'), '--key', file('other.key'), '--port', '0', '--handshake-timeout', '2']);
    const client = new Proc(['tls-echo-client', '--port', String(port), '--cafile', file('ca.pem')]);
    expect(await client.exit()).toEqual({ code: 1, signal: null });
    expect(client.lines).toEqual([]);
    expect(client.stderr).toBe(
      `error: TLS handshake with localhost:${port} failed: certificate verify failed: ` +
        "Hostname/IP does not match certificate's altnames: Host: localhost. is not in the cert's altnames: DNS:other.example (ERR_TLS_CERT_ALTNAME_INVALID): " +
        'the server\'s certificate is not for the host name "localhost"\n',
    );
  });

  it('--insecure connects whatever the certificate, and says so', async () => {
    const { port } = await startServer(['tls-echo-server', '--cert', file('self.pem'), '--key', file('self.key'), '--port', '0']);
    const client = new Proc(['tls-echo-client', '--port', String(port), '--insecure']);
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(client.lines[0]).toMatch(CONNECTED(port, 'NOT verified: --insecure'));
    expect(client.lines.slice(1)).toEqual([...ECHOED, 'Disconnected from server']);
  });

  it('reports a refused connection as the socket error it is', async () => {
    const port = await freePort();
    const client = new Proc(['tls-echo-client', '--port', String(port), '--cafile', file('ca.pem')]);
    expect(await client.exit()).toEqual({ code: 1, signal: null });
    expect(client.stderr).toBe(`error: connect ECONNREFUSED: Connection refused 127.0.0.1:${port}\n`);
  });
});
