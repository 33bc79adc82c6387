/**
 * `bsdsock ping HOST`: ICMP / ICMPv6 echo, as ping(8) does it, on a raw
 * socket (SOCK_RAW, needs CAP_NET_RAW) or, where that is refused, on Linux's
 * unprivileged ICMP socket (SOCK_DGRAM + IPPROTO_ICMP, allowed for the groups
 * in net.ipv4.ping_group_range). Builds the echo requests with the module's
 * `checksum()` (RFC 1071), matches the replies, and prints round-trip times
 * and ping's summary.
 *
 * What differs between the sockets (see icmp(7), ping(8)'s source, and
 * net/ipv4/ping.c):
 * - a raw IPv4 socket receives the IP header in front of the ICMP message,
 *   and every ICMP message the host receives, our own echo requests to
 *   127.0.0.1 included: replies are picked by type and identifier;
 * - a raw ICMPv6 socket gets no IPv6 header, and the kernel computes the
 *   ICMPv6 checksum itself (RFC 3542: it needs the pseudo-header);
 * - on a SOCK_DGRAM ICMP socket the kernel sets the identifier (the
 *   socket's "port") and the checksum, and delivers only the replies that
 *   belong to the socket, without IP header.
 * The TTL / hop limit of a reply comes from IP_RECVTTL / IPV6_RECVHOPLIMIT
 * ancillary data (the IPv4 header's TTL on a raw IPv4 socket).
 * @module
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import {
  Socket,
  checksum,
  getaddrinfo,
  CMSG_SPACE,
  AF_INET,
  AF_INET6,
  SOCK_RAW,
  SOCK_DGRAM,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IP_RECVTTL,
  IP_TTL,
  IPV6_RECVHOPLIMIT,
  IPV6_HOPLIMIT,
  type Address,
} from 'bsdsock';
import { runIfMain } from './common';

const ICMP_ECHOREPLY = 0;
const ICMP_DEST_UNREACH = 3;
const ICMP_ECHO = 8;
const ICMP_TIME_EXCEEDED = 11;
const ICMP6_DST_UNREACH = 1;
const ICMP6_TIME_EXCEEDED = 3;
const ICMP6_ECHO_REQUEST = 128;
const ICMP6_ECHO_REPLY = 129;

const HELP = `Usage: bsdsock ping [options] HOST

Sends ICMP (ICMPv6 with -6) echo requests to HOST and prints each reply with
its round-trip time, then ping's statistics. Uses a raw socket (SOCK_RAW,
needs CAP_NET_RAW), or the unprivileged ICMP socket (SOCK_DGRAM) where raw
sockets are refused and net.ipv4.ping_group_range allows it.

Options:
  -c, --count N         stop after N replies sent (default: until interrupted)
  -i, --interval SECS   seconds between requests (default: 1; at least 0.01)
  -s, --size BYTES      data bytes per request (default: 56)
  -W, --timeout SECS    seconds to wait for replies after the last request (default: 2)
  -4                    IPv4 (the default)
  -6, --ipv6            IPv6 (ICMPv6)
  -v, --verbose         also say which socket is used
  -h, --help            show this help

Exit status: 0 if a reply came, 1 if none did, 2 on an error.
`;

/** The parsed command line. */
export interface PingOptions {
  host: string;
  count: number;
  interval: number;
  size: number;
  timeout: number;
  ipv6: boolean;
  verbose: boolean;
}

/** Parses the command line; `null` after --help. Throws a UsageError on a bad option. */
export function parseOptions(argv: string[]): PingOptions | null {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string', short: 'c' },
      interval: { type: 'string', short: 'i' },
      size: { type: 'string', short: 's' },
      timeout: { type: 'string', short: 'W' },
      ipv4: { type: 'boolean', short: '4' },
      ipv6: { type: 'boolean', short: '6' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) return null;
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'a HOST is required' : `one HOST only, not ${positionals.join(' ')}`);
  const num = (flag: string, v: string | undefined, dflt: number, ok: (n: number) => boolean, what: string): number => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new UsageError(`${flag} must be ${what}, not ${v}`);
    return n;
  };
  return {
    host: positionals[0],
    count: num('-c', values.count, Infinity, (n) => Number.isInteger(n) && n >= 1, 'a positive integer'),
    interval: num('-i', values.interval, 1, (n) => n >= 0.01, 'at least 0.01 seconds'),
    size: num('-s', values.size, 56, (n) => Number.isInteger(n) && n >= 0 && n <= 65507, 'an integer in 0..65507'),
    timeout: num('-W', values.timeout, 2, (n) => n > 0, 'a positive number of seconds'),
    ipv6: values.ipv6 === true,
    verbose: values.verbose === true,
  };
}

/** A mistake on the command line (exit status 2, with a hint). */
export class UsageError extends Error {}

// ---- the socket ----------------------------------------------------------------

/** An ICMP socket and what kind it is. */
export interface IcmpSocket {
  sock: Socket;
  raw: boolean;
}

/** `EPERM (Operation not permitted)` from a SocketError (`socket EPERM: Operation not permitted`). */
function errText(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const text = String(err.message ?? e);
  if (err.code === undefined) return text;
  const i = text.indexOf(`${err.code}: `);
  return i >= 0 ? `${err.code} (${text.slice(i + err.code.length + 2)})` : err.code;
}

/** net.ipv4.ping_group_range as the kernel shows it ('1\t0' -> '1 0'), or null. */
function pingGroupRange(): string | null {
  try {
    return fs.readFileSync('/proc/sys/net/ipv4/ping_group_range', 'utf8').trim().split(/\s+/).join(' ');
  } catch {
    return null;
  }
}

/**
 * socket(2) for ICMP: SOCK_RAW first (it sees every reply, like ping as
 * root), then SOCK_DGRAM (Linux's unprivileged ping socket). When both are
 * refused, the error says why, for each.
 */
export function openIcmpSocket(ipv6: boolean): IcmpSocket {
  const family = ipv6 ? AF_INET6 : AF_INET;
  const proto = ipv6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
  const names = ipv6 ? 'AF_INET6, SOCK_RAW, IPPROTO_ICMPV6' : 'AF_INET, SOCK_RAW, IPPROTO_ICMP';
  let rawError: unknown;
  try {
    return { sock: new Socket(family, SOCK_RAW, proto), raw: true };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'EPERM' && code !== 'EACCES') throw e;
    rawError = e;
  }
  try {
    return { sock: new Socket(family, SOCK_DGRAM, proto), raw: false };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'EPERM' && code !== 'EACCES' && code !== 'EPROTONOSUPPORT') throw e;
    const range = pingGroupRange();
    const gid = process.getgid?.() ?? -1;
    const why =
      range === null
        ? 'this system has no unprivileged ICMP sockets'
        : `group ${gid} is outside net.ipv4.ping_group_range (${range}); allow it with sysctl -w net.ipv4.ping_group_range="${gid} ${gid}"`;
    const err = new Error(
      `socket(${names}): ${errText(rawError)}: raw sockets need CAP_NET_RAW (run as root, or setcap cap_net_raw+ep on node); ` +
        `the unprivileged ICMP socket (${names.replace('SOCK_RAW', 'SOCK_DGRAM')}) failed too: ${errText(e)}: ${why}`,
    );
    (err as { code?: string }).code = (rawError as { code?: string }).code;
    throw err;
  }
}

// ---- packets -------------------------------------------------------------------

/** The echo request's data: bytes 0x10, 0x11, ... as ping(8) fills it (after its timestamp). */
export function payload(size: number): Buffer {
  const p = Buffer.alloc(size);
  for (let i = 0; i < size; i++) p[i] = (0x10 + i) & 0xff;
  return p;
}

/**
 * An ICMP / ICMPv6 echo request: type, code 0, checksum, identifier,
 * sequence number, data. The ICMP (IPv4) checksum is ours to compute; for
 * ICMPv6 and on SOCK_DGRAM sockets the kernel overwrites it.
 */
export function echoRequest(ipv6: boolean, id: number, seq: number, data: Buffer): Buffer {
  const pkt = Buffer.alloc(8 + data.length);
  pkt[0] = ipv6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO;
  pkt[1] = 0;
  pkt.writeUInt16BE(id & 0xffff, 4);
  pkt.writeUInt16BE(seq & 0xffff, 6);
  data.copy(pkt, 8);
  if (!ipv6) pkt.writeUInt16BE(checksum(pkt), 2);
  return pkt;
}

/** A received ICMP message, taken apart. */
export interface Received {
  type: number;
  code: number;
  id: number;
  seq: number;
  data: Buffer;
  ttl: number | null;
  checksumOk: boolean;
  /** The ICMP message's length (what ping prints as "N bytes from"). */
  length: number;
  /** For an error message (unreachable, time exceeded): the echo request it quotes, if any. */
  quoted?: { id: number; seq: number };
}

const nativeInt = (b: Buffer): number => (os.endianness() === 'LE' ? b.readInt32LE(0) : b.readInt32BE(0));

/** Parses what recvmsg returned on an ICMP socket; null if it is too short to be ICMP. */
export function parseReply(ipv6: boolean, raw: boolean, pkt: Buffer, ancdata: Array<[number, number, Buffer]>): Received | null {
  let ttl: number | null = null;
  for (const [level, type, data] of ancdata) {
    if (data.length < 4) continue;
    if (!ipv6 && level === IPPROTO_IP && type === IP_TTL) ttl = nativeInt(data);
    if (ipv6 && level === IPPROTO_IPV6 && type === IPV6_HOPLIMIT) ttl = nativeInt(data);
  }
  let icmp = pkt;
  if (!ipv6 && raw) {
    // A raw IPv4 socket hands over the IP header too (raw(7)).
    if (pkt.length < 20) return null;
    const ihl = (pkt[0] & 0x0f) * 4;
    ttl = pkt[8];
    icmp = pkt.subarray(ihl);
  }
  if (icmp.length < 8) return null;
  const r: Received = {
    type: icmp[0],
    code: icmp[1],
    id: icmp.readUInt16BE(4),
    seq: icmp.readUInt16BE(6),
    data: icmp.subarray(8),
    ttl,
    // ICMPv6 checksums cover a pseudo-header the socket does not show; the
    // kernel has checked them. An IPv4 ICMP message must sum to 0.
    checksumOk: ipv6 || checksum(icmp) === 0,
    length: icmp.length,
  };
  const unreach = ipv6 ? r.type === ICMP6_DST_UNREACH || r.type === ICMP6_TIME_EXCEEDED : r.type === ICMP_DEST_UNREACH || r.type === ICMP_TIME_EXCEEDED;
  if (unreach) {
    // The error quotes the offending packet: IPv4 header + 8 bytes of ICMP, or the IPv6 header (40) + 8.
    const inner = icmp.subarray(8);
    const off = ipv6 ? 40 : (inner[0] & 0x0f) * 4;
    if (inner.length >= off + 8) r.quoted = { id: inner.readUInt16BE(off + 4), seq: inner.readUInt16BE(off + 6) };
  }
  return r;
}

// ---- statistics --------------------------------------------------------------------

/** ping's round-trip time format: 3 decimals below 1 ms, 2 below 10, 1 below 100, none above. */
export function formatRtt(ms: number): string {
  if (ms < 1) return ms.toFixed(3);
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return String(Math.floor(ms));
}

/** The summary lines of ping(8). */
export function summary(host: string, sent: number, received: number, errors: number, elapsedMs: number, rtts: number[]): string[] {
  const loss = sent === 0 ? 0 : ((sent - received) * 100) / sent;
  const lossText = `${Number.isInteger(loss) ? loss : loss.toPrecision(6).replace(/\.?0+$/, '')}%`;
  const lines = [
    `--- ${host} ping statistics ---`,
    `${sent} packets transmitted, ${received} received${errors > 0 ? `, +${errors} errors` : ''}, ${lossText} packet loss, time ${Math.round(elapsedMs)}ms`,
  ];
  if (rtts.length > 0) {
    const min = Math.min(...rtts);
    const max = Math.max(...rtts);
    const avg = rtts.reduce((a, b) => a + b, 0) / rtts.length;
    const avg2 = rtts.reduce((a, b) => a + b * b, 0) / rtts.length;
    const mdev = Math.sqrt(Math.max(0, avg2 - avg * avg));
    lines.push(`rtt min/avg/max/mdev = ${min.toFixed(3)}/${avg.toFixed(3)}/${max.toFixed(3)}/${mdev.toFixed(3)} ms`);
  }
  return lines;
}

// ---- the program -------------------------------------------------------------------

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

async function resolveHost(host: string, ipv6: boolean): Promise<string> {
  const infos = await getaddrinfo(host, null, ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM);
  return (infos[0][4] as [string, number])[0];
}

/** Pings as the options say and prints what ping(8) prints; resolves to the exit status. */
export async function ping(o: PingOptions, out: (line: string) => void = (l) => console.log(l)): Promise<number> {
  const address = await resolveHost(o.host, o.ipv6);
  const { sock, raw } = openIcmpSocket(o.ipv6);
  const stop = new AbortController();
  const onSigint = (): void => stop.abort();
  process.once('SIGINT', onSigint);
  try {
    if (o.ipv6) sock.setsockopt(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
    else sock.setsockopt(IPPROTO_IP, IP_RECVTTL, 1);
    if (o.verbose) {
      const kind = raw ? 'SOCK_RAW' : 'SOCK_DGRAM (the unprivileged ICMP socket)';
      out(`socket: ${o.ipv6 ? 'AF_INET6' : 'AF_INET'}, ${kind}, ${o.ipv6 ? 'IPPROTO_ICMPV6' : 'IPPROTO_ICMP'}`);
    }
    const ipHeader = o.ipv6 ? 40 : 20;
    out(o.ipv6 ? `PING ${o.host} (${address}) ${o.size} data bytes` : `PING ${o.host} (${address}) ${o.size}(${o.size + 8 + ipHeader}) bytes of data.`);

    // Raw sockets see everyone's ICMP: our requests carry our identifier. A
    // SOCK_DGRAM socket's identifier is chosen by the kernel (it is the
    // socket's port) and only our replies reach it.
    const id = process.pid & 0xffff;
    const data = payload(o.size);
    const sentAt = new Map<number, bigint>();
    const answered = new Set<number>();
    const rtts: number[] = [];
    let sent = 0;
    let errors = 0;
    let allAnswered = (): void => undefined; // replaced while waiting for the last replies
    const start = process.hrtime.bigint();

    const receiver = (async () => {
      const ancbufsize = CMSG_SPACE(4) * 2;
      for (;;) {
        let pkt: Buffer;
        let anc: Array<[number, number, Buffer]>;
        let from: Address | null;
        try {
          [pkt, anc, , from] = await sock.recvmsg(65536, ancbufsize, 0, { signal: stop.signal });
        } catch (e) {
          if (stop.signal.aborted) return;
          throw e;
        }
        const now = process.hrtime.bigint();
        const r = parseReply(o.ipv6, raw, pkt, anc);
        if (r === null) continue;
        const fromHost = Array.isArray(from) ? String(from[0]) : address;
        if (r.type === (o.ipv6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY)) {
          if (raw && r.id !== id) continue; // someone else's ping
          const t0 = sentAt.get(r.seq);
          if (t0 === undefined) continue; // not a request of ours
          const dup = answered.has(r.seq);
          const ms = Number(now - t0) / 1e6;
          const notes: string[] = [];
          if (!r.checksumOk) notes.push('(BAD CHECKSUM!)');
          if (!r.data.equals(data)) notes.push('(wrong data)');
          if (dup) notes.push('(DUP!)');
          else if (r.checksumOk) {
            answered.add(r.seq);
            rtts.push(ms);
          }
          const ttl = r.ttl === null ? '' : ` ttl=${r.ttl}`;
          out(`${r.length} bytes from ${fromHost}: icmp_seq=${r.seq}${ttl} time=${formatRtt(ms)} ms${notes.length ? ' ' + notes.join(' ') : ''}`);
          if (answered.size === sent) allAnswered();
        } else if (r.quoted !== undefined && (!raw || r.quoted.id === id) && sentAt.has(r.quoted.seq)) {
          errors++;
          const what = o.ipv6
            ? r.type === ICMP6_DST_UNREACH ? 'Destination unreachable' : 'Time exceeded'
            : r.type === ICMP_DEST_UNREACH ? 'Destination Unreachable' : 'Time to live exceeded';
          out(`From ${fromHost} icmp_seq=${r.quoted.seq} ${what} (code ${r.code})`);
        }
      }
    })();
    receiver.catch(() => stop.abort()); // a receive error ends the run; it is thrown below

    for (let seq = 1; sent < o.count && !stop.signal.aborted; seq++) {
      const pkt = echoRequest(o.ipv6, id, seq, data);
      sentAt.set(seq & 0xffff, process.hrtime.bigint());
      await sock.sendto(pkt, o.ipv6 ? [address, 0, 0, 0] : [address, 0]);
      sent++;
      if (sent < o.count) await delay(o.interval * 1000, stop.signal);
    }
    // Wait for the replies still out, up to -W seconds.
    if (!stop.signal.aborted && answered.size < sent) {
      await Promise.race([new Promise<void>((resolve) => (allAnswered = resolve)), delay(o.timeout * 1000, stop.signal)]);
    }
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    stop.abort();
    await receiver;
    out('');
    for (const line of summary(o.host, sent, answered.size, errors, elapsed, rtts)) out(line);
    return answered.size > 0 ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    stop.abort();
    sock.close();
  }
}

export async function main(argv: string[]): Promise<void> {
  let o: PingOptions | null;
  try {
    o = parseOptions(argv);
  } catch (e) {
    process.stderr.write(`bsdsock ping: ${(e as Error).message}\nTry 'bsdsock ping --help'.\n`);
    process.exitCode = 2;
    return;
  }
  if (o === null) {
    process.stdout.write(HELP);
    return;
  }
  try {
    process.exitCode = await ping(o);
  } catch (e) {
    process.stderr.write(`bsdsock ping: ${o.host}: ${(e as Error).message}\n`);
    process.exitCode = 2;
  }
}

runIfMain(module, main);
