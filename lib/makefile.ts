/**
 * `Socket.makefile()`: the socket as a Node stream (Python's
 * `socket.makefile`), with backpressure, so it can be piped, `pipeline`d and
 * handed to `node:tls`. Not a syscall: reads are `recv`, writes `sendall`.
 * @module
 */
import { Duplex, type DuplexOptions } from 'node:stream';
import type { Socket } from './socket';
import { SHUT_WR } from './constants.generated';
import { argTypeError, describe } from './args';

/**
 * Options of {@link Socket.makefile}.
 * @group Socket
 */
export interface MakefileOptions {
  /** Text mode: reads are decoded to strings, and strings may be written (encoded). */
  encoding?: BufferEncoding;
  /** Bytes asked of one recv; the readable side's buffer limit. Default 64 KiB. */
  highWaterMark?: number;
  /** Close the socket when the stream is destroyed or both sides have ended. Default false, as in Python (see {@link Socket.makefile} for when the fd closes). */
  closeSocket?: boolean;
  /**
   * Whether the stream keeps the fd open after the socket's `close()`
   * (Python's rule, the default). `false` for a stream that lives inside the
   * socket's owner, as the TLS layer's does: closing the socket closes the fd.
   */
  keepOpen?: boolean;
}

/**
 * A socket stream. `mode` says which sides work: 'r', 'w' or 'rw' (a 'b' is allowed and ignored).
 * @group Socket
 */
export class SocketStream extends Duplex {
  /** The socket this stream reads and writes. */
  readonly socket: Socket;
  readonly #size: number;
  readonly #encoding: BufferEncoding | undefined;
  readonly #closeSocket: boolean;
  readonly #ref: boolean;
  #spare: Buffer | null = null;

  constructor(socket: Socket, mode: string, opts: MakefileOptions = {}) {
    if (typeof mode !== 'string') throw argTypeError('new SocketStream', `mode must be a string such as 'rb' or 'rw', not ${describe(mode)}`);
    if (opts === null || typeof opts !== 'object') throw argTypeError('new SocketStream', `options must be an object, not ${describe(opts)}`);
    const m = mode.replace('b', '');
    if (!['r', 'w', 'rw', 'wr'].includes(m) || mode.split('b').length > 2) {
      throw new RangeError(`invalid makefile mode ${JSON.stringify(mode)}: use 'r', 'w', 'rw' (optionally with 'b')`);
    }
    if (mode.includes('b') && opts.encoding !== undefined) throw new RangeError('binary mode does not take an encoding');
    const size = opts.highWaterMark ?? 65536;
    if (!Number.isInteger(size) || size <= 0) throw new RangeError('highWaterMark must be a positive integer');
    // readable/writable: false end that side at once (Node's Duplex honours
    // them; @types/node 20 does not list them).
    super({
      readable: m.includes('r'),
      writable: m.includes('w'),
      readableHighWaterMark: size,
      allowHalfOpen: true,
      decodeStrings: opts.encoding !== undefined,
      defaultEncoding: opts.encoding,
      emitClose: true,
    } as DuplexOptions);
    if (opts.encoding !== undefined) this.setEncoding(opts.encoding);
    this.socket = socket;
    this.#size = size;
    this.#encoding = opts.encoding;
    this.#closeSocket = opts.closeSocket ?? false;
    this.#ref = opts.keepOpen ?? true;
    if (this.#ref) socket._ioRef(1);
  }

  override _read(): void {
    const buf = this.#spare ?? Buffer.allocUnsafe(this.#size);
    this.#spare = null;
    this.socket.recvInto(buf).then(
      (n) => this.push(n === 0 ? null : this.#take(buf, n)),
      (err) => this.destroy(err),
    );
  }

  /**
   * The chunk to push from `n` bytes read into `buf`. A mostly full buffer is
   * handed over as it is; a small read is copied out (from Node's pool) and
   * the buffer kept for the next read, so a stream of small messages does not
   * allocate 64 KiB per read.
   */
  #take(buf: Buffer, n: number): Buffer {
    if (n > buf.length / 2) return n === buf.length ? buf : buf.subarray(0, n);
    const chunk = Buffer.allocUnsafe(n);
    buf.copy(chunk, 0, 0, n);
    this.#spare = buf;
    return chunk;
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (typeof chunk === 'string') {
      cb(new TypeError('a binary socket stream takes bytes, not strings: pass { encoding } to makefile() for text'));
      return;
    }
    this.socket.sendall(chunk).then(() => cb(), cb);
  }

  override _writev(chunks: Array<{ chunk: Buffer | string }>, cb: (err?: Error | null) => void): void {
    const bufs: Buffer[] = [];
    for (const { chunk } of chunks) {
      if (typeof chunk === 'string') return this._write(chunk, this.#encoding ?? 'utf8', cb);
      bufs.push(chunk);
    }
    this.socket.sendall(Buffer.concat(bufs)).then(() => cb(), cb);
  }

  /** end(): no more writes, so the peer sees EOF (shutdown(SHUT_WR)). */
  override _final(cb: (err?: Error | null) => void): void {
    try {
      if (this.socket.fileno() >= 0) this.socket.shutdown(SHUT_WR);
      cb();
    } catch (e) {
      // Already disconnected: nothing left to flush, not an error of end().
      cb((e as { code?: string }).code === 'ENOTCONN' ? null : (e as Error));
    }
  }

  /**
   * The stream is closed: Python's rule, the fd closes once the socket and
   * every stream from it are closed (so `f = conn.makefile('rw');
   * conn.close()` leaves the fd to `f`).
   */
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.#closeSocket) this.socket.close();
    if (this.#ref) this.socket._ioRef(-1);
    cb(err);
  }
}
