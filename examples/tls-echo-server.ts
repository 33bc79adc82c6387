/**
 * The TCP echo server over TLS, as the seed text's ssl section builds a
 * server: one context made by `createDefaultContext(Purpose.CLIENT_AUTH)`
 * with the server's certificate added by `loadCertChain(certfile, keyfile)`;
 * the listening socket is never wrapped, only each socket `accept` returns
 * (`wrapSocket(newSock, { serverSide: true })`). Each connection gets its own
 * async handler, as in tcp-echo-server, which prints the listing's lines
 * plus the negotiated protocol and cipher.
 * @module
 */
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { createDefaultContext, Purpose, type Address, type Socket, type SSLContext } from 'bsdsock';
import { type Command, decodeUtf8, netOptions, parseCommand, portOption, pyRepr, pyStrRepr, runIfMain } from './common';
import { listen } from './tcp-echo-server';

const net = netOptions(8443, 'bind to');
export const command: Command = {
  name: 'tls-echo-server',
  summary: 'TLS echo server: wraps every accepted connection (server side) and echoes what it decrypts, until interrupted.',
  options: { ...net.options, cert: { type: 'string' }, key: { type: 'string' }, 'handshake-timeout': { type: 'string' } },
  help: [
    '--cert FILE        the server certificate (chain), PEM (required)',
    '--key FILE         its private key, PEM (default: read from the --cert file)',
    ...net.help,
    '--handshake-timeout SECS  drop a client whose handshake is not done by then (default: 10)',
  ],
};

/**
 * An error on one line: OpenSSL's reason (`http request`) rather than its
 * multi-line message (`80...:error:0A00009C:SSL routines:...`), and the code.
 */
export function describeError(e: unknown): string {
  const err = e as { code?: string; message?: string; reason?: string };
  const text = typeof err.reason === 'string' ? err.reason : String(err.message ?? e).split('\n')[0];
  return err.code !== undefined && !text.includes(err.code) ? `${text} (${err.code})` : text;
}

/** Rejects after `secs` seconds, unless `cancel` is called first. */
function deadline(secs: number, what: string): { expired: Promise<never>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} not done within ${secs} s`)), secs * 1000);
  });
  expired.catch(() => undefined);
  return { expired, cancel: () => clearTimeout(timer) };
}

/**
 * The listing's handler over TLS: handshake, then echo what arrives until
 * the client closes. A client that never completes the handshake (it sends
 * nothing, or gives up on our certificate) is dropped after
 * `handshakeTimeout` seconds, as node:tls servers do (`handshakeTimeout`).
 */
export async function handle(ctx: SSLContext, newSock: Socket, address: Address, handshakeTimeout = 10): Promise<void> {
  console.log('Connected from', pyRepr(address));
  // Wrap the accepted socket, never the listener (the text's advice).
  const sock = ctx.wrapSocket(newSock, { serverSide: true });
  try {
    const limit = deadline(handshakeTimeout, 'TLS handshake');
    try {
      await Promise.race([sock.doHandshake(), limit.expired]);
    } finally {
      limit.cancel();
    }
    console.log(`TLS ${sock.version()} ${sock.cipher()?.name ?? ''} with ${pyRepr(address)}`);
    for (;;) {
      const received = await sock.recv(1024);
      if (received.length === 0) break;
      const s = decodeUtf8(received); // errors='replace'
      console.log(`Recv: ${pyStrRepr(s)}`);
      await sock.sendall(received);
      console.log(`Echo: ${pyStrRepr(s)}`);
    }
  } catch (e) {
    console.log(`Error from ${pyRepr(address)}: ${describeError(e)}`);
  } finally {
    sock.close();
  }
  console.log(`Disconnected from ${pyRepr(address)}`);
}

/**
 * The server's context. Python's `load_cert_chain` checks the files at
 * once; here they are also tried with node:tls before serving, so a
 * missing file or a key that does not match the certificate is reported at
 * start and not at the first client.
 */
export function serverContext(certfile: string, keyfile?: string): SSLContext {
  const ctx = createDefaultContext(Purpose.CLIENT_AUTH);
  ctx.loadCertChain(certfile, keyfile);
  tls.createSecureContext({ cert: fs.readFileSync(certfile), key: fs.readFileSync(keyfile ?? certfile) });
  return ctx;
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseCommand(command, argv);
  if (opts === null) return;
  if (typeof opts.cert !== 'string') {
    process.stderr.write(`bsdsock ${command.name}: --cert FILE is required (a PEM certificate; --key FILE for its key)\nTry 'bsdsock ${command.name} --help'.\n`);
    process.exit(2);
  }
  const ctx = serverContext(opts.cert, opts.key as string | undefined);
  const hsTimeout = opts['handshake-timeout'] === undefined ? 10 : Number(opts['handshake-timeout']);
  if (!(hsTimeout > 0) || !Number.isFinite(hsTimeout)) {
    process.stderr.write(`bsdsock ${command.name}: --handshake-timeout must be a positive number of seconds, not ${String(opts['handshake-timeout'])}\n`);
    process.exit(2);
  }
  using servsock = listen({ ipv6: opts.ipv6 === true, host: opts.host as string | undefined, port: portOption(command, opts.port, 8443) });
  for (;;) {
    const [newSock, address] = await servsock.accept();
    void handle(ctx, newSock, address, hsTimeout);
  }
}

runIfMain(module, main);
