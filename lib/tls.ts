/**
 * TLS by wrapping a socket, as in Python's `ssl` module:
 * `createDefaultContext(purpose)`, `context.loadCertChain(...)`,
 * `context.wrapSocket(sock, { serverHostname | serverSide })`. The TLS itself
 * is `node:tls` (OpenSSL) running over the socket's {@link Socket.makefile}
 * stream; the wrapped socket keeps the async `recv` / `sendall` API.
 * Verification is on by default for clients.
 * @module
 */
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { argRangeError, argTypeError, checkBytes, checkSize, describe } from './args';
import { SocketError, tlsError } from './errors';
import * as os from 'node:os';

import type { Address } from './address';
import type { Bytes, IoOptions, Socket } from './socket';

const { ECONNRESET, ENOTCONN } = os.constants.errno;

/** A PEM file's bytes; a path that is not a string is refused (a number would be read as an fd). */
function readPem(call: string, name: string, file: unknown): Buffer {
  if (typeof file !== 'string') throw argTypeError(call, `${name} must be a path string`);
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw tlsError(e, 'open', file);
  }
}

/**
 * What a context is for (Python's `ssl.Purpose`).
 * @group TLS
 */
export const Purpose = Object.freeze({
  /** A client's context: it authenticates servers (verification and host name check on). */
  SERVER_AUTH: 'SERVER_AUTH',
  /** A server's context: it may authenticate clients (no client certificate asked by default). */
  CLIENT_AUTH: 'CLIENT_AUTH',
} as const);
export type Purpose = (typeof Purpose)[keyof typeof Purpose];

/**
 * No peer certificate is asked for or checked (Python's `ssl.CERT_NONE`).
 * @group TLS
 */
export const CERT_NONE = 0;
/**
 * A peer certificate is checked if the peer sends one (Python's `ssl.CERT_OPTIONAL`).
 * @group TLS
 */
export const CERT_OPTIONAL = 1;
/**
 * The peer must send a valid certificate (Python's `ssl.CERT_REQUIRED`).
 * @group TLS
 */
export const CERT_REQUIRED = 2;

/**
 * Options of {@link SSLContext.wrapSocket}.
 * @group TLS
 */
export interface WrapOptions {
  /** The server side of the connection (wrap the accepted socket, never the listener). */
  serverSide?: boolean;
  /** The name the server's certificate must match (client side); also sent as SNI. */
  serverHostname?: string;
}

/**
 * TLS settings shared by many connections: Python's `ssl.SSLContext`.
 * @group TLS
 */
export class SSLContext {
  /** CERT_NONE, CERT_OPTIONAL or CERT_REQUIRED. */
  verifyMode: number;
  /** Check the server certificate's name against `serverHostname` (client side). */
  checkHostname: boolean;
  /** Minimum protocol version, as node:tls spells it. Default 'TLSv1.2'. */
  minimumVersion: tls.SecureVersion = 'TLSv1.2';
  #cert?: Buffer;
  #key?: Buffer;
  #passphrase?: string;
  #ca?: Buffer[];
  #alpn?: string[];

  constructor(purpose: Purpose = Purpose.SERVER_AUTH) {
    if (purpose !== Purpose.SERVER_AUTH && purpose !== Purpose.CLIENT_AUTH) {
      throw new RangeError(`unknown purpose ${describe(purpose)}: use Purpose.SERVER_AUTH or Purpose.CLIENT_AUTH`);
    }
    const client = purpose === Purpose.SERVER_AUTH;
    this.verifyMode = client ? CERT_REQUIRED : CERT_NONE;
    this.checkHostname = client;
  }

  /** Our certificate chain and private key (PEM files), to prove who we are. */
  loadCertChain(certfile: string, keyfile?: string, password?: string): void {
    this.#cert = readPem('loadCertChain', 'certfile', certfile);
    this.#key = readPem('loadCertChain', 'keyfile', keyfile ?? certfile);
    if (password !== undefined && typeof password !== 'string') throw argTypeError('loadCertChain', 'password must be a string');
    this.#passphrase = password;
  }

  /** Trust these CA certificates (PEM file or PEM text) instead of the system's. */
  loadVerifyLocations(opts: { cafile?: string; cadata?: string | Buffer }): void {
    const add: Buffer[] = [];
    if (opts === null || typeof opts !== 'object') throw argTypeError('loadVerifyLocations', 'opts must be { cafile?, cadata? }');
    if (opts.cafile !== undefined) add.push(readPem('loadVerifyLocations', 'cafile', opts.cafile));
    if (opts.cadata !== undefined) {
      if (typeof opts.cadata !== 'string' && !Buffer.isBuffer(opts.cadata)) throw argTypeError('loadVerifyLocations', 'cadata must be PEM text or a Buffer');
      add.push(Buffer.from(opts.cadata));
    }
    this.#ca = [...(this.#ca ?? []), ...add];
  }

  /** ALPN protocols to offer or accept, in order of preference. */
  setAlpnProtocols(protocols: string[]): void {
    if (!Array.isArray(protocols) || !protocols.every((p) => typeof p === 'string')) {
      throw argTypeError('setAlpnProtocols', `protocols must be an array of strings, not ${describe(protocols)}`);
    }
    this.#alpn = [...protocols];
  }

  #secureContext(): tls.SecureContext {
    return tls.createSecureContext({
      cert: this.#cert,
      key: this.#key,
      passphrase: this.#passphrase,
      ca: this.#ca,
      minVersion: this.minimumVersion,
    });
  }

  /**
   * Wrap a socket: Python's `wrap_socket`. For a connected socket the
   * handshake starts at once; for an unconnected client socket it starts in
   * {@link SSLSocket.connect}. Every I/O call waits for the handshake first.
   * The SSLSocket keeps the socket's address type: wrapping an AF_INET
   * socket gives an `SSLSocket<InetAddress>`.
   */
  wrapSocket<A extends Address>(sock: Socket<A>, opts: WrapOptions = {}): SSLSocket<A> {
    if (opts === null || typeof opts !== 'object') throw argTypeError('wrapSocket', `options must be an object, not ${describe(opts)}`);
    if (!opts.serverSide && this.checkHostname && !opts.serverHostname) {
      throw new TypeError('checkHostname requires serverHostname (or set context.checkHostname = false)');
    }
    return new SSLSocket(sock, this.#tlsOptions(opts), !!opts.serverSide);
  }

  #tlsOptions(opts: WrapOptions): tls.ConnectionOptions & tls.TlsOptions {
    const verify = this.verifyMode !== CERT_NONE;
    return {
      secureContext: this.#secureContext(),
      ALPNProtocols: this.#alpn,
      servername: opts.serverSide ? undefined : opts.serverHostname,
      rejectUnauthorized: this.verifyMode === CERT_REQUIRED,
      requestCert: opts.serverSide ? verify : undefined,
      checkServerIdentity: this.checkHostname ? tls.checkServerIdentity : () => undefined,
    };
  }
}

/**
 * A TLS-wrapped socket: Python's `ssl.SSLSocket`, with the async I/O of
 * {@link Socket}. Not syscalls: each call goes through OpenSSL (node:tls).
 * @typeParam A - The wrapped socket's address type (see {@link Socket}).
 * @group TLS
 */
export class SSLSocket<A extends Address = Address> {
  /** The wrapped socket. */
  readonly socket: Socket<A>;
  readonly #options: tls.ConnectionOptions & tls.TlsOptions;
  readonly #server: boolean;
  #tls: tls.TLSSocket | null = null;
  #stream: import('node:stream').Duplex | null = null;
  #handshake: Promise<void> | null = null;
  #ended = false;
  #error: SocketError | null = null;
  #handshakeDone = false;

  /** @internal use {@link SSLContext.wrapSocket} */
  constructor(sock: Socket<A>, options: tls.ConnectionOptions & tls.TlsOptions, server: boolean) {
    this.socket = sock;
    this.#options = options;
    this.#server = server;
    let connected = true;
    try {
      sock.getpeername();
    } catch {
      connected = false;
    }
    if (connected) this.#start();
  }

  #start(): Promise<void> {
    if (this.#handshake) return this.#handshake;
    // keepOpen: false: closing the wrapped socket closes its fd, TLS or not.
    const stream = this.socket.makefile('rw', { keepOpen: false }) as unknown as import('node:stream').Duplex;
    this.#stream = stream;
    const t = this.#server
      ? new tls.TLSSocket(stream as never, { ...this.#options, isServer: true })
      : tls.connect({ ...this.#options, socket: stream as never });
    this.#tls = t;
    t.on('end', () => {
      this.#ended = true;
    });
    t.on('error', (e: Error) => {
      this.#error ??= tlsError(e, this.#handshakeDone ? 'recv' : 'do_handshake');
    });
    this.#handshake = new Promise<void>((resolve, reject) => {
      t.once(this.#server ? 'secure' : 'secureConnect', () => {
        this.#handshakeDone = true;
        resolve();
      });
      t.once('error', () => reject(this.#error));
      const closed = (): void =>
        reject(this.#error ?? new SocketError(ECONNRESET, 'do_handshake', undefined, 'do_handshake ECONNRESET: the peer closed the connection during the TLS handshake'));
      t.once('close', closed);
      // A peer that closes mid-handshake may end the stream without a 'close'.
      t.once('end', closed);
    });
    this.#handshake.catch(() => undefined);
    return this.#handshake;
  }

  /** connect(2) the wrapped socket, then run the TLS handshake (client side). */
  async connect(address: Address, opts?: IoOptions): Promise<void> {
    await this.socket.connect(address, opts);
    await this.#start();
  }

  /** Wait for the handshake to finish (Python's `do_handshake`). */
  async doHandshake(): Promise<void> {
    await this.#start();
  }

  async #ready(): Promise<tls.TLSSocket> {
    if (!this.#handshake) throw new SocketError(ENOTCONN, 'recv', undefined, 'ENOTCONN: the TLS socket is not connected: call connect() first');
    await this.#handshake;
    return this.#tls!;
  }

  /** Up to `bufsize` bytes of decrypted data; an empty Buffer at EOF. */
  async recv(bufsize: number): Promise<Buffer> {
    checkSize('recv', 'bufsize', bufsize);
    const t = await this.#ready();
    // Python returns b'' at once for recv(0), data or not.
    if (bufsize === 0) return Buffer.alloc(0);
    for (;;) {
      if (this.#error) throw this.#error;
      const chunk = t.read() as Buffer | null;
      if (chunk !== null) {
        if (chunk.length <= bufsize) return chunk;
        t.unshift(chunk.subarray(bufsize));
        return chunk.subarray(0, bufsize);
      }
      if (this.#ended || t.readableEnded) return Buffer.alloc(0);
      await readable(t);
    }
  }

  /** Decrypted data into `buffer`: the byte count, 0 at EOF. */
  async recvInto(buffer: Bytes, nbytes = 0): Promise<number> {
    checkBytes('recvInto', 'buffer', buffer);
    const view = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    checkSize('recvInto', 'nbytes', nbytes);
    if (nbytes > view.length) throw argRangeError('recvInto', `nbytes ${nbytes} is larger than the buffer (${view.length})`);
    // An empty buffer reads nothing at once, as in Python.
    if (view.length === 0) {
      await this.#ready();
      return 0;
    }
    const data = await this.recv(nbytes || view.length);
    view.set(data);
    return data.length;
  }

  /** Encrypt and send all of `data`. */
  async sendall(data: Bytes): Promise<void> {
    if (typeof data === 'string') throw new TypeError('data must be bytes, not a string: encode it first');
    const t = await this.#ready();
    const buf = data instanceof ArrayBuffer ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    await new Promise<void>((resolve, reject) => t.write(buf, (e) => (e ? reject(tlsError(e, 'send')) : resolve())));
  }

  /** Send `data`; returns its length (TLS records are written whole). */
  async send(data: Bytes): Promise<number> {
    await this.sendall(data);
    return data.byteLength;
  }

  /** The peer's certificate (node:tls format), or null before the handshake / without one. */
  getpeercert(): tls.PeerCertificate | null {
    const c = this.#tls?.getPeerCertificate();
    return c && Object.keys(c).length > 0 ? c : null;
  }
  /** The negotiated protocol version ('TLSv1.3'), or null. */
  version(): string | null {
    return this.#tls?.getProtocol() ?? null;
  }
  /** The negotiated cipher, or null. */
  cipher(): tls.CipherNameAndProtocol | null {
    return this.#tls?.getCipher() ?? null;
  }
  /** The ALPN protocol chosen, or null. */
  selectedAlpnProtocol(): string | null {
    const p = this.#tls?.alpnProtocol;
    return typeof p === 'string' ? p : null;
  }

  /** getpeername(2) of the wrapped socket. */
  getpeername(): A {
    return this.socket.getpeername();
  }
  /** getsockname(2) of the wrapped socket. */
  getsockname(): A {
    return this.socket.getsockname();
  }
  /** The wrapped socket's fd. */
  fileno(): number {
    return this.socket.fileno();
  }

  /** Send close_notify, then close the socket. */
  close(): void {
    if (this.#tls) {
      this.#tls.end();
      this.#tls.destroy();
    }
    // The socket's stream holds its fd open (makefile's close rule): end it first.
    this.#stream?.destroy();
    this.socket.close();
  }
  /** `using`: closes the connection. */
  [Symbol.dispose](): void {
    this.close();
  }
}

/** The next 'readable', 'end' or 'close' of `t`, with every listener removed after. */
function readable(t: tls.TLSSocket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      t.off('readable', done);
      t.off('end', done);
      t.off('close', done);
      resolve();
    };
    t.on('readable', done);
    t.on('end', done);
    t.on('close', done);
  });
}

/**
 * Python's `ssl.create_default_context(purpose)`: a context with secure
 * defaults. `Purpose.SERVER_AUTH` (the default) is for clients: server
 * certificates are verified against the system CAs (or `cafile` / `cadata`)
 * and their names checked. `Purpose.CLIENT_AUTH` is for servers: add the
 * server's certificate with `loadCertChain`.
 * @example A TLS client:
 * ```ts
 * const ctx = createDefaultContext(Purpose.SERVER_AUTH);
 * const raw = await createConnection(['example.org', 443]);
 * const tls = ctx.wrapSocket(raw, { serverHostname: 'example.org' });
 * await tls.connect();
 * await tls.sendall(Buffer.from('GET / HTTP/1.0\r\nHost: example.org\r\n\r\n'));
 * console.log((await tls.recv(4096)).toString());
 * tls.close();
 * ```
 * @group TLS
 */
export function createDefaultContext(
  purpose: Purpose = Purpose.SERVER_AUTH,
  opts: { cafile?: string; cadata?: string | Buffer } = {},
): SSLContext {
  if (opts === null || typeof opts !== 'object') throw argTypeError('createDefaultContext', `options must be an object, not ${describe(opts)}`);
  const ctx = new SSLContext(purpose);
  if (opts.cafile !== undefined || opts.cadata !== undefined) ctx.loadVerifyLocations(opts);
  return ctx;
}
