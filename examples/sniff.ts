/**
 * `bsdsock sniff`: a packet capture in the spirit of tcpdump, on an
 * AF_PACKET socket (packet(7)): `socket(AF_PACKET, SOCK_RAW,
 * htons(ETH_P_ALL))`, bound to one interface with `-i`, read with
 * `recvfromInto`. Each frame is printed layer by layer: Ethernet, then IPv4
 * / IPv6 (ARP, ICMP and ICMPv6 named), then TCP / UDP, then the first bytes
 * of the data. Needs CAP_NET_RAW.
 *
 * On the loopback device every frame is seen twice, once leaving
 * (PACKET_OUTGOING) and once arriving; the outgoing copy is skipped, as
 * libpcap does (pcap-linux.c, "outgoing packets on the loopback device").
 * @module
 */
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import {
  Socket,
  SocketError,
  checksum,
  inetNtop,
  htons,
  AF_PACKET,
  AF_INET,
  AF_INET6,
  SOCK_RAW,
  ETH_P_ALL,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SOL_PACKET,
  PACKET_STATISTICS,
  type Address,
} from 'bsdsock';
import { pyBytesRepr, runIfMain } from './common';

const HELP = `Usage: bsdsock sniff [options]

Captures frames with an AF_PACKET socket (needs CAP_NET_RAW) and prints their
Ethernet, IPv4 / IPv6 and TCP / UDP headers, one layer per line.

Options:
  -i, --interface IFACE  capture on IFACE only (default: every interface)
  -c, --count N          stop after N frames (default: until interrupted)
  --port PORT            only TCP / UDP segments from or to PORT
  -h, --help             show this help
`;

const ARPHRD_ETHER = 1;
const ARPHRD_LOOPBACK = 772;
const PACKET_OUTGOING = 4;
const PKTTYPE = ['in', 'broadcast', 'multicast', 'other host', 'out'];

/** How many data bytes a frame's last line shows. */
const DATA_SHOWN = 64;

/** The parsed command line. */
export interface SniffOptions {
  iface?: string;
  count: number;
  port?: number;
}

/** Parses the command line; `null` after --help. Throws on a bad option. */
export function parseOptions(argv: string[]): SniffOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      interface: { type: 'string', short: 'i' },
      count: { type: 'string', short: 'c' },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return null;
  const int = (flag: string, v: string | undefined, min: number, max: number): number | undefined => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new Error(`${flag} must be an integer in ${min}..${max}, not ${v}`);
    return Number(v);
  };
  return { iface: values.interface, count: int('-c', values.count, 1, Number.MAX_SAFE_INTEGER) ?? Infinity, port: int('--port', values.port, 0, 65535) };
}

// ---- decoding ------------------------------------------------------------------

const mac = (b: Buffer): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
const hex4 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;

const ETHERTYPES: Record<number, string> = { 0x0800: 'IPv4', 0x0806: 'ARP', 0x86dd: 'IPv6', 0x8100: '802.1Q' };
const PROTOCOLS: Record<number, string> = { 1: 'ICMP', 2: 'IGMP', 6: 'TCP', 17: 'UDP', 58: 'ICMPv6', 132: 'SCTP' };
const ICMP_TYPES: Record<number, string> = { 0: 'echo reply', 3: 'destination unreachable', 8: 'echo request', 11: 'time exceeded' };
const ICMP6_TYPES: Record<number, string> = {
  1: 'destination unreachable',
  3: 'time exceeded',
  128: 'echo request',
  129: 'echo reply',
  133: 'router solicitation',
  134: 'router advertisement',
  135: 'neighbor solicitation',
  136: 'neighbor advertisement',
};

/** A decoded frame: one line per layer, and the TCP / UDP ports if there were any. */
export interface Decoded {
  lines: string[];
  ports?: [number, number];
}

/** tcpdump's TCP flag letters: S F P R U W E, '.' for ACK. */
function tcpFlags(f: number): string {
  let s = '';
  if (f & 0x02) s += 'S';
  if (f & 0x01) s += 'F';
  if (f & 0x08) s += 'P';
  if (f & 0x04) s += 'R';
  if (f & 0x20) s += 'U';
  if (f & 0x80) s += 'W';
  if (f & 0x40) s += 'E';
  if (f & 0x10) s += '.';
  return s === '' ? 'none' : s;
}

/** The transport layer (TCP, UDP, ICMP, ICMPv6) of an IP packet, and its data. */
function transport(proto: number, seg: Buffer, out: Decoded): void {
  let data: Buffer | null = null;
  if (proto === 6 && seg.length >= 20) {
    const off = (seg[12] >> 4) * 4;
    const sport = seg.readUInt16BE(0);
    const dport = seg.readUInt16BE(2);
    out.ports = [sport, dport];
    data = seg.subarray(Math.min(off, seg.length));
    out.lines.push(
      `TCP ${sport} > ${dport}, flags [${tcpFlags(seg[13])}], seq ${seg.readUInt32BE(4)}, ack ${seg.readUInt32BE(8)}, ` +
        `win ${seg.readUInt16BE(14)}, header ${off}, length ${data.length}`,
    );
  } else if (proto === 17 && seg.length >= 8) {
    const sport = seg.readUInt16BE(0);
    const dport = seg.readUInt16BE(2);
    out.ports = [sport, dport];
    data = seg.subarray(8, Math.max(8, Math.min(seg.readUInt16BE(4), seg.length)));
    out.lines.push(`UDP ${sport} > ${dport}, length ${seg.readUInt16BE(4)}, checksum ${hex4(seg.readUInt16BE(6))}`);
  } else if ((proto === 1 || proto === 58) && seg.length >= 4) {
    const names = proto === 1 ? ICMP_TYPES : ICMP6_TYPES;
    const name = names[seg[0]] !== undefined ? ` (${names[seg[0]]})` : '';
    let echo = '';
    if ((proto === 1 ? seg[0] === 0 || seg[0] === 8 : seg[0] === 128 || seg[0] === 129) && seg.length >= 8) {
      echo = `, id ${seg.readUInt16BE(4)}, seq ${seg.readUInt16BE(6)}`;
      data = seg.subarray(8);
    }
    out.lines.push(`${PROTOCOLS[proto]} type ${seg[0]}${name}, code ${seg[1]}${echo}, length ${seg.length}`);
  } else {
    out.lines.push(`protocol ${proto}${PROTOCOLS[proto] !== undefined ? ` (${PROTOCOLS[proto]})` : ''}, ${seg.length} bytes`);
  }
  if (data !== null && data.length > 0) {
    const shown = data.subarray(0, DATA_SHOWN);
    out.lines.push(`data ${data.length} bytes ${pyBytesRepr(shown)}${data.length > DATA_SHOWN ? '...' : ''}`);
  }
}

function ipv4(pkt: Buffer, out: Decoded): void {
  if (pkt.length < 20 || pkt[0] >> 4 !== 4) {
    out.lines.push(`IPv4 (truncated or malformed, ${pkt.length} bytes)`);
    return;
  }
  const ihl = (pkt[0] & 0x0f) * 4;
  const total = pkt.readUInt16BE(2);
  const frag = pkt.readUInt16BE(6);
  const proto = pkt[9];
  const flags = [frag & 0x4000 ? 'DF' : '', frag & 0x2000 ? 'MF' : ''].filter(Boolean).join('+') || 'none';
  const sumOk = pkt.length >= ihl && checksum(pkt.subarray(0, ihl)) === 0;
  out.lines.push(
    `IPv4 ${inetNtop(AF_INET, pkt.subarray(12, 16))} > ${inetNtop(AF_INET, pkt.subarray(16, 20))}, ` +
      `proto ${proto}${PROTOCOLS[proto] !== undefined ? ` (${PROTOCOLS[proto]})` : ''}, ttl ${pkt[8]}, tos ${hex2(pkt[1])}, ` +
      `id ${pkt.readUInt16BE(4)}, flags [${flags}], offset ${(frag & 0x1fff) * 8}, length ${total}, header ${ihl}, ` +
      `checksum ${hex4(pkt.readUInt16BE(10))} ${sumOk ? 'ok' : 'BAD'}`,
  );
  if ((frag & 0x1fff) !== 0) return; // a later fragment: no transport header
  transport(proto, pkt.subarray(ihl, Math.max(ihl, Math.min(total, pkt.length))), out);
}

const hex2 = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

function ipv6(pkt: Buffer, out: Decoded): void {
  if (pkt.length < 40 || pkt[0] >> 4 !== 6) {
    out.lines.push(`IPv6 (truncated or malformed, ${pkt.length} bytes)`);
    return;
  }
  const word = pkt.readUInt32BE(0);
  const plen = pkt.readUInt16BE(4);
  let next = pkt[6];
  out.lines.push(
    `IPv6 ${inetNtop(AF_INET6, pkt.subarray(8, 24))} > ${inetNtop(AF_INET6, pkt.subarray(24, 40))}, ` +
      `next header ${next}${PROTOCOLS[next] !== undefined ? ` (${PROTOCOLS[next]})` : ''}, hop limit ${pkt[7]}, ` +
      `class ${hex2((word >>> 20) & 0xff)}, flow ${word & 0xfffff}, payload length ${plen}`,
  );
  // Walk the extension headers to the transport header (RFC 8200 section 4).
  let off = 40;
  const end = Math.min(pkt.length, 40 + plen);
  for (;;) {
    if (next === 0 || next === 43 || next === 60) {
      if (off + 8 > end) return;
      const len = (pkt[off + 1] + 1) * 8;
      out.lines.push(`IPv6 extension header ${next}, ${len} bytes`);
      next = pkt[off];
      off += len;
    } else if (next === 44) {
      if (off + 8 > end) return;
      const fragOff = pkt.readUInt16BE(off + 2) & 0xfff8;
      out.lines.push(`IPv6 fragment, offset ${fragOff}`);
      if (fragOff !== 0) return;
      next = pkt[off];
      off += 8;
    } else break;
  }
  transport(next, pkt.subarray(Math.min(off, end), end), out);
}

/** The network layer by its ethertype. */
function network(ethertype: number, pkt: Buffer, out: Decoded): void {
  if (ethertype === 0x0800) ipv4(pkt, out);
  else if (ethertype === 0x86dd) ipv6(pkt, out);
  else if (ethertype === 0x0806 && pkt.length >= 28) {
    const op = pkt.readUInt16BE(6);
    const spa = inetNtop(AF_INET, pkt.subarray(14, 18));
    const tpa = inetNtop(AF_INET, pkt.subarray(24, 28));
    out.lines.push(op === 1 ? `ARP who-has ${tpa} tell ${spa}` : op === 2 ? `ARP reply ${spa} is-at ${mac(pkt.subarray(8, 14))}` : `ARP operation ${op}`);
  } else out.lines.push(`ethertype ${hex4(ethertype)}: ${pkt.length} bytes`);
}

/**
 * Decodes one frame as read from an AF_PACKET SOCK_RAW socket: with an
 * Ethernet header on Ethernet and loopback devices, and starting at the
 * network header on devices without one (tun, ppp: `hatype` says which),
 * where the address's protocol gives the ethertype.
 */
export function decodeFrame(frame: Buffer, proto: number, hatype: number): Decoded {
  const out: Decoded = { lines: [] };
  if (hatype === ARPHRD_ETHER || hatype === ARPHRD_LOOPBACK) {
    if (frame.length < 14) {
      out.lines.push(`Ethernet (truncated, ${frame.length} bytes)`);
      return out;
    }
    let type = frame.readUInt16BE(12);
    let off = 14;
    let vlan = '';
    if (type === 0x8100 && frame.length >= 18) {
      vlan = `, vlan ${frame.readUInt16BE(14) & 0x0fff}`;
      type = frame.readUInt16BE(16);
      off = 18;
    }
    const name = ETHERTYPES[type] !== undefined ? ` (${ETHERTYPES[type]})` : '';
    out.lines.push(`Ethernet ${mac(frame.subarray(6, 12))} > ${mac(frame.subarray(0, 6))}${vlan}, type ${hex4(type)}${name}`);
    network(type, frame.subarray(off), out);
  } else {
    network(proto, frame, out);
  }
  return out;
}

// ---- the program ---------------------------------------------------------------

const RCVBUF = 2 * 1024 * 1024;

/**
 * Frames the kernel dropped because our receive queue was full:
 * PACKET_STATISTICS, a `struct tpacket_stats { tp_packets; tp_drops; }` of
 * native unsigned ints (packet(7)), counted since the last read.
 */
function droppedFrames(sock: Socket): number {
  const stats = sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8) as Buffer;
  return os.endianness() === 'LE' ? stats.readUInt32LE(4) : stats.readUInt32BE(4);
}

/** socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), with a clear message where CAP_NET_RAW is missing. */
export function openPacketSocket(): Socket {
  try {
    return new Socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === 'EPERM' || err.code === 'EACCES') {
      const text = String(err.message);
      const i = text.indexOf(`${err.code}: `);
      const wrapped = new Error(
        `socket(AF_PACKET, SOCK_RAW, ETH_P_ALL): ${err.code} (${i >= 0 ? text.slice(i + err.code.length + 2) : text}): ` +
          'capturing packets needs CAP_NET_RAW (run as root, or setcap cap_net_raw+ep on node)',
      );
      (wrapped as { code?: string }).code = err.code;
      throw wrapped;
    }
    throw e;
  }
}

/** Captures and prints frames as the options say; resolves to how many were printed. */
export async function sniff(o: SniffOptions, out: (line: string) => void = (l) => console.log(l)): Promise<number> {
  using sock = openPacketSocket();
  if (o.iface !== undefined) {
    try {
      sock.bind([o.iface, ETH_P_ALL]);
    } catch (e) {
      if ((e as { code?: string }).code === 'ENODEV') throw new Error(`no interface named ${JSON.stringify(o.iface)} (ENODEV)`);
      throw e;
    }
  }
  // Everything on the interface is queued to us before --port filters it:
  // a 2 MiB receive buffer, as tcpdump's default (-B), so that a burst of
  // other traffic does not push our frames out. SO_RCVBUFFORCE passes
  // net.core.rmem_max (it needs CAP_NET_ADMIN); SO_RCVBUF is capped by it.
  try {
    sock.setsockopt(SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF);
  } catch (e) {
    if (!(e instanceof SocketError)) throw e;
    sock.setsockopt(SOL_SOCKET, SO_RCVBUF, RCVBUF);
  }
  const stop = new AbortController();
  const onSigint = (): void => stop.abort();
  process.once('SIGINT', onSigint);
  // A frame on lo can be 64 KiB plus its header; one buffer serves every read.
  const buf = Buffer.allocUnsafe(65536 + 1024);
  let shown = 0;
  out(`Capturing on ${o.iface ?? 'every interface'}${o.port !== undefined ? `, TCP / UDP port ${o.port}` : ''}`);
  try {
    while (shown < o.count) {
      let n: number;
      let addr: Address | null;
      try {
        [n, addr] = await sock.recvfromInto(buf, 0, 0, { signal: stop.signal });
      } catch (e) {
        if (stop.signal.aborted) break;
        throw e;
      }
      const [ifname, proto, pkttype, hatype] = addr as [string, number, number, number, Buffer];
      if (pkttype === PACKET_OUTGOING && hatype === ARPHRD_LOOPBACK) continue;
      const frame = buf.subarray(0, n);
      const d = decodeFrame(frame, proto, hatype);
      if (o.port !== undefined && (d.ports === undefined || (d.ports[0] !== o.port && d.ports[1] !== o.port))) continue;
      shown++;
      out(`#${shown} ${ifname} ${PKTTYPE[pkttype] ?? `pkttype ${pkttype}`}, ${n} bytes`);
      for (const l of d.lines) out(`  ${l}`);
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  out(`${shown} ${shown === 1 ? 'frame' : 'frames'} captured, ${droppedFrames(sock)} dropped by the kernel`);
  return shown;
}

export async function main(argv: string[]): Promise<void> {
  let o: SniffOptions | null;
  try {
    o = parseOptions(argv);
  } catch (e) {
    process.stderr.write(`bsdsock sniff: ${(e as Error).message}\nTry 'bsdsock sniff --help'.\n`);
    process.exitCode = 2;
    return;
  }
  if (o === null) {
    process.stdout.write(HELP);
    return;
  }
  try {
    await sniff(o);
  } catch (e) {
    process.stderr.write(`bsdsock sniff: ${(e as Error).message}\n`);
    process.exitCode = 2;
  }
}

runIfMain(module, main);
