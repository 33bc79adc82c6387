/**
 * The TCP echo client over TLS, as the seed text's ssl section builds a
 * client: `createDefaultContext(Purpose.SERVER_AUTH)` (the server's
 * certificate is verified and its name checked), `wrapSocket(sock, {
 * serverHostname })` on a fresh socket, then `connect`, which runs the
 * handshake. Then, as tcp-echo-client: `sendall` each line and print the
 * echo. A certificate that cannot be verified, or one for another host
 * name, ends the program with an error that says which and what to do.
 * @module
 */
import { Socket, SocketError, SSLError, createDefaultContext, Purpose, CERT_NONE, AF_INET, AF_INET6, SOCK_STREAM, type SSLSocket } from 'bsdsock';
import { type Command, defaultHost, messageLines, netOptions, parseCommand, portOption, pyBytesRepr, pyStrRepr, runIfMain } from './common';
import { MESSAGE } from './tcp-echo-client';

const net = netOptions(8443, 'connect to');
export const command: Command = {
  name: 'tls-echo-client',
  summary: 'Connects to the TLS echo server (certificate verified, host name checked), sends lines and prints each echo.',
  options: { ...net.options, cafile: { type: 'string' }, insecure: { type: 'boolean' }, stdin: { type: 'boolean' } },
  help: [
    ...net.help,
    "--cafile FILE      trust the CA certificates in FILE (PEM) instead of the system's",
    '--insecure         do not verify the certificate nor check the host name (testing only)',
    "--stdin            send the lines read from stdin instead of the text's message",
  ],
};

/** Error codes of node:tls (OpenSSL's X509_V_ERR_* names) that mean "not signed by anyone trusted". */
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
]);

/** A handshake error as a message that says what failed and what to do about it (`code` kept). */
export function handshakeError(e: unknown, host: string, port: number): Error {
  const err = e as { code?: string; message?: string };
  const what = `${err.message ?? String(e)}${err.code !== undefined ? ` (${err.code})` : ''}`;
  let verify: string | null = null;
  if (err.code !== undefined && UNTRUSTED.has(err.code)) {
    verify = "the server's certificate is not signed by a CA trusted here; give that CA with --cafile FILE (or --insecure to skip verification)";
  } else if (err.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    verify = `the server's certificate is not for the host name ${JSON.stringify(host)}`;
  } else if (err.code === 'CERT_HAS_EXPIRED' || err.code === 'CERT_NOT_YET_VALID') {
    verify = "the server's certificate is outside its validity period";
  }
  const out = new Error(`TLS handshake with ${host}:${port} failed: ${verify !== null ? `certificate verify failed: ${what}: ${verify}` : what}`);
  (out as { code?: string }).code = err.code;
  return out;
}

/** Reads until `n` bytes have come (the echo of one line), or EOF. */
async function recvAtLeast(sock: SSLSocket, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const chunk = await sock.recv(1024); // buffer size: 1024
    if (chunk.length === 0) break;
    parts.push(chunk);
    got += chunk.length;
  }
  return Buffer.concat(parts);
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseCommand(command, argv);
  if (opts === null) return;
  const ipv6 = opts.ipv6 === true;
  const host = (opts.host as string | undefined) ?? defaultHost(ipv6);
  const port = portOption(command, opts.port, 8443);
  const insecure = opts.insecure === true;
  const encoding = 'utf-8';

  const ctx = createDefaultContext(Purpose.SERVER_AUTH, typeof opts.cafile === 'string' ? { cafile: opts.cafile } : {});
  if (insecure) {
    ctx.checkHostname = false;
    ctx.verifyMode = CERT_NONE;
  }
  {
    using sock = ctx.wrapSocket(new Socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM), { serverHostname: host });
    try {
      await sock.connect([host, port]); // connect(2), then the handshake
    } catch (e) {
      // An OS error (ECONNREFUSED) as it is; a TLS one (SSLError) explained.
      throw e instanceof SocketError && !(e instanceof SSLError) ? e : handshakeError(e, host, port);
    }
    const cert = sock.getpeercert();
    const subject = cert?.subject?.CN !== undefined ? `CN=${cert.subject.CN}` : 'no certificate';
    console.log(`Connected to server ${host}:${port} (${sock.version()}, ${sock.cipher()?.name}; ${subject}, ${insecure ? 'NOT verified: --insecure' : 'verified'})`);
    for await (const line of messageLines(MESSAGE, opts.stdin === true)) {
      const data = Buffer.from(line, encoding);
      await sock.sendall(data);
      console.log(`SENT ${pyBytesRepr(data)} (${data.length})`);
      const response = await recvAtLeast(sock, data.length);
      console.log(`RCVD ${pyStrRepr(response.toString(encoding))} (${response.length})`);
      if (response.length < data.length) break; // the server closed
    }
  }
  console.log('Disconnected from server');
}

runIfMain(module, main);
