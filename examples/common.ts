/**
 * What the example programs share: Python-style printing (the listings of the
 * seed text print with `!r`, so the output here is Python's `repr` of bytes,
 * str and address tuples), command-line parsing, and a line splitter that
 * copes with partial lines and UTF-8 characters split across reads.
 * @module
 */
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { StringDecoder } from 'node:string_decoder';
import { parseArgs } from 'node:util';

// ---- Python's repr ---------------------------------------------------------

/**
 * Python's `repr(bytes)`: `b'...'`, single quotes unless the data holds a `'`
 * and no `"`; `\\`, the quote, `\t`, `\n`, `\r` escaped; every other byte
 * outside 0x20..0x7e as `\xhh` (so `£` is `b'\xc2\xa3'`).
 */
export function pyBytesRepr(data: Uint8Array): string {
  const hasSingle = data.includes(0x27);
  const quote = hasSingle && !data.includes(0x22) ? '"' : "'";
  let out = 'b' + quote;
  for (const c of data) {
    if (c === 0x5c) out += '\\\\';
    else if (c === quote.charCodeAt(0)) out += '\\' + quote;
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c < 0x20 || c >= 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += String.fromCharCode(c);
  }
  return out + quote;
}

// Python's str.isprintable() is false for these categories (and true for ' ').
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python's `repr(str)`: printable characters (`£€` too) as they are, the rest escaped. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) {
      const cp = ch.codePointAt(0)!;
      if (cp <= 0xff) out += '\\x' + cp.toString(16).padStart(2, '0');
      else if (cp <= 0xffff) out += '\\u' + cp.toString(16).padStart(4, '0');
      else out += '\\U' + cp.toString(16).padStart(8, '0');
    } else out += ch;
  }
  return out + quote;
}

/** Python's repr of a value as found in an address: a tuple `('127.0.0.1', 8883)`, `None`, a str. */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return pyStrRepr(v);
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v instanceof Uint8Array) return pyBytesRepr(v);
  if (Array.isArray(v)) return v.length === 1 ? `(${pyRepr(v[0])},)` : `(${v.map(pyRepr).join(', ')})`;
  return String(v);
}

/** `bytes.decode('utf-8', errors='replace')`: invalid sequences become U+FFFD. */
export function decodeUtf8(data: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(data);
}

// ---- lines -------------------------------------------------------------------

/**
 * Splits a byte stream into UTF-8 text lines framed by `\n` (a trailing `\r`
 * is dropped). Bytes of a character split across two reads are held back
 * until the rest arrives (StringDecoder), and so is a partial line.
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  #partial = '';

  /** The complete lines in `chunk` (after what was held back), without their newline. */
  push(chunk: Uint8Array): string[] {
    const text = this.#partial + this.#decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    const lines = text.split('\n');
    this.#partial = lines.pop()!;
    return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }

  /** The characters of an unfinished last line, if any (at EOF). */
  end(): string {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = '';
    return rest;
  }

  /** How many characters of an unfinished line are held back. */
  get pending(): number {
    return this.#partial.length;
  }
}

/** The lines to send: `message`'s lines (Python's `splitlines()`), or stdin's lines as they arrive. */
export async function* messageLines(message: string, fromStdin: boolean): AsyncGenerator<string> {
  if (!fromStdin) {
    yield* message.split('\n');
    return;
  }
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  try {
    for await (const line of rl) yield line;
  } finally {
    rl.close();
  }
}

// ---- command line ------------------------------------------------------------

/** One program's command line: its name (the bsdsock subcommand), usage text and options. */
export interface Command {
  name: string;
  summary: string;
  /** Options besides --help, in `util.parseArgs` form. */
  options: NonNullable<Parameters<typeof parseArgs>[0]>['options'];
  /** Lines describing the options, printed by --help. */
  help: string[];
}

export type Values = Record<string, string | boolean | undefined>;

/** The usage text of a command. */
export function usage(cmd: Command): string {
  return [`Usage: bsdsock ${cmd.name} [options]`, '', cmd.summary, '', 'Options:', ...cmd.help.map((l) => `  ${l}`), '  -h, --help         show this help', ''].join('\n');
}

/**
 * Parses `argv` for `cmd`. Prints the usage and returns `null` for --help;
 * prints the error and exits with status 2 on a bad option.
 */
export function parseCommand(cmd: Command, argv: string[]): Values | null {
  let values: Values;
  try {
    values = parseArgs({ args: argv, options: { ...cmd.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: false, strict: true }).values as Values;
  } catch (e) {
    process.stderr.write(`bsdsock ${cmd.name}: ${(e as Error).message}\nTry 'bsdsock ${cmd.name} --help'.\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(usage(cmd));
    return null;
  }
  return values;
}

/** A port number from an option value: 0..65535 (0: the kernel picks one). */
export function portOption(cmd: Command, value: string | boolean | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n > 65535) {
    process.stderr.write(`bsdsock ${cmd.name}: --port must be 0..65535, not ${String(value)}\n`);
    process.exit(2);
  }
  return n;
}

/** A positive integer option. */
export function intOption(cmd: Command, flag: string, value: string | boolean | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < 1) {
    process.stderr.write(`bsdsock ${cmd.name}: --${flag} must be a positive integer, not ${String(value)}\n`);
    process.exit(2);
  }
  return Number(value);
}

/**
 * The standard --host / --port / -6 options. `what` completes "host to ...":
 * a server's is `'bind to'`, and only a server's port may be 0 (any free
 * port, printed once bound); a client needs the server's real port.
 */
export function netOptions(defaultPort: number, what: string): { options: Command['options']; help: string[] } {
  const server = what === 'bind to';
  return {
    options: { host: { type: 'string' }, port: { type: 'string', short: 'p' }, ipv6: { type: 'boolean', short: '6' } },
    help: [
      `--host HOST        host to ${what} (default: localhost; ::1 with -6)`,
      `-p, --port PORT    port (default: ${defaultPort}${server ? '; 0: any free port' : ''})`,
      '-6, --ipv6         use IPv6 (AF_INET6) instead of IPv4 (AF_INET)',
    ],
  };
}

/**
 * A positive number of seconds from an option value (`'5'`, `'0.5'`), as
 * `settimeout()` takes it.
 */
export function secondsOption(cmd: Command, flag: string, value: string | boolean | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+(\.\d+)?$/.test(value) || !(n > 0)) {
    process.stderr.write(`bsdsock ${cmd.name}: --${flag} must be a positive number of seconds, not ${String(value)}\n`);
    process.exit(2);
  }
  return n;
}

/**
 * The default host: 'localhost', as in the listings. With -6 it is '::1',
 * because many hosts files map 'localhost' to 127.0.0.1 only, and then
 * getaddrinfo('localhost', AF_INET6) finds nothing.
 */
export function defaultHost(ipv6: boolean): string {
  return ipv6 ? '::1' : 'localhost';
}

/**
 * Ends the program as SIGPIPE ends a C program whose reader has gone
 * (`bsdsock tcp-echo-client | head -1`): at once, with no message (a shell
 * reports status 141). Node ignores SIGPIPE, so that a write fails with EPIPE
 * instead; the default action is put back first (adding a listener and
 * removing the last one does it: libuv resets the disposition to SIG_DFL).
 * A signal also ends a program whose worker threads are blocked in a
 * `...Sync` call, which `process.exit()` would wait for forever.
 */
export function exitAsOnSigpipe(): never {
  const ignore = (): void => undefined;
  process.on('SIGPIPE', ignore);
  process.off('SIGPIPE', ignore);
  process.kill(process.pid, 'SIGPIPE');
  process.exit(141); // were SIGPIPE still ignored: the status a shell shows for it
}

/**
 * `bsdsock tcp-echo-client | head -1`: once the reader of stdout (or stderr)
 * has gone, end as on SIGPIPE. Without this, the stream's unhandled 'error'
 * event (EPIPE) ends the program with a stack trace. Any other write error
 * still does.
 */
export function exitQuietlyOnEpipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') exitAsOnSigpipe();
      throw e;
    });
  }
}

/**
 * `console.log` for a program whose thread blocks in `...Sync` calls forever
 * (udp-echo-server, echo-v1): one write(2) to fd 1, so that an EPIPE is seen
 * at once. console.log's EPIPE arrives as an event on a later tick, which a
 * thread that never returns to the event loop never reaches: it would go on
 * serving, printing to nobody.
 */
export function printSync(...parts: string[]): void {
  try {
    fs.writeSync(1, parts.join(' ') + '\n');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') exitAsOnSigpipe();
    throw e;
  }
}

/** Runs `main` when the file is the program (not when the bsdsock bin or a test imports it). */
export function runIfMain(mod: NodeJS.Module, main: (argv: string[]) => unknown): void {
  if (require.main === mod) {
    exitQuietlyOnEpipe();
    Promise.resolve(main(process.argv.slice(2))).catch(fail);
  }
}

/** Prints an error the way a command-line tool does, and exits with status 1. */
export function fail(e: unknown): never {
  const err = e as { code?: string; message?: string };
  process.stderr.write(`error: ${err?.message ?? String(e)}\n`);
  process.exit(1);
}
