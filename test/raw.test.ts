// Raw and packet sockets. They need CAP_NET_RAW: these tests run as root and
// are skipped (saying so) only where socket(2) answers EPERM.
import { afterEach, describe, expect, it } from 'vitest';
import {
  Socket, AF_INET, AF_PACKET, SOCK_RAW, SOCK_DGRAM, IPPROTO_ICMP, ifNametoindex, htons,
} from '../lib/index';
import { b, cleanup, track } from './helpers';

afterEach(cleanup);

const ETH_P_ALL = 0x0003;
const ETH_P_IP = 0x0800;

function hasCapNetRaw(): boolean {
  try {
    new Socket(AF_INET, SOCK_RAW, IPPROTO_ICMP).close();
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'EPERM') return false;
    throw e;
  }
}
const raw = hasCapNetRaw();

function checksum(buf: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length % 2) sum += buf[buf.length - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

describe.skipIf(!raw)(`SOCK_RAW and AF_PACKET${raw ? '' : ' (skipped: this process lacks CAP_NET_RAW)'}`, () => {
  it('pings 127.0.0.1 with a raw ICMP socket', async () => {
    const s = track(new Socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
    s.settimeout(5); // the capture loops below end by timeout if nothing matches
    const id = process.pid & 0xffff;
    const req = Buffer.alloc(8 + 16);
    req.writeUInt8(8, 0); // echo request
    req.writeUInt16BE(id, 4);
    req.writeUInt16BE(7, 6);
    b('bsdsock raw ping').copy(req, 8);
    req.writeUInt16BE(checksum(req), 2);
    expect(await s.sendto(req, ['127.0.0.1', 0])).toBe(req.length);
    // A raw IPv4 socket sees the IP header; skip our own request (type 8).
    for (;;) {
      const [pkt, from] = await s.recvfrom(1500);
      const ihl = (pkt[0] & 0x0f) * 4;
      const icmp = pkt.subarray(ihl);
      if (icmp[0] !== 0 || icmp.readUInt16BE(4) !== id) continue;
      expect(from).toEqual(['127.0.0.1', 0]);
      expect(icmp.readUInt16BE(6)).toBe(7);
      expect(icmp.subarray(8)).toEqual(b('bsdsock raw ping'));
      expect(checksum(icmp)).toBe(0);
      break;
    }
  });

  it('an AF_PACKET socket on lo sees a UDP datagram and reports the link-layer address', async () => {
    const lo = ifNametoindex('lo');
    expect(lo).toBeGreaterThan(0);
    const p = track(new Socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP)));
    p.bind(['lo', ETH_P_IP]);
    p.settimeout(5);
    const name = p.getsockname() as [string, number, number, number, Buffer];
    expect(name[0]).toBe('lo');
    expect(name[1]).toBe(ETH_P_IP);
    const rx = track(new Socket(AF_INET, SOCK_DGRAM));
    rx.bind(['127.0.0.1', 0]);
    const port = (rx.getsockname() as [string, number])[1];
    const tx = track(new Socket(AF_INET, SOCK_DGRAM));
    const marker = b(`bsdsock packet ${process.pid}`);
    // lo carries every other test's traffic too, and a packet socket drops
    // frames when its queue overflows: the datagram is re-sent every 100 ms
    // until it is seen, within a 10 s deadline.
    const resend = setInterval(() => tx.sendtoSync(marker, ['127.0.0.1', port]), 100);
    tx.sendtoSync(marker, ['127.0.0.1', port]);
    const deadline = Date.now() + 10_000;
    try {
      for (;;) {
        expect(Date.now()).toBeLessThan(deadline);
        const [frame, addr] = await p.recvfrom(65536);
        // lo frames carry a 14-byte Ethernet header of zero MACs.
        const ip = frame.subarray(14);
        if (ip[9] !== 17) continue; // not UDP
        const ihl = (ip[0] & 0x0f) * 4;
        const udp = ip.subarray(ihl);
        if (udp.readUInt16BE(2) !== port) continue;
        expect(udp.subarray(8)).toEqual(marker);
        const [ifname, proto, , hatype, hwaddr] = addr as [string, number, number, number, Buffer];
        expect(ifname).toBe('lo');
        expect(proto).toBe(ETH_P_IP);
        expect(hatype).toBe(772); // ARPHRD_LOOPBACK
        expect(hwaddr).toEqual(Buffer.alloc(6));
        break;
      }
    } finally {
      clearInterval(resend);
    }
    expect(rx.recvSync(100)).toEqual(marker);
  });

  it('sends a frame on lo with an AF_PACKET SOCK_DGRAM socket (cooked: no Ethernet header)', async () => {
    const sniff = track(new Socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)));
    sniff.bind(['lo', ETH_P_ALL]);
    sniff.settimeout(5);
    const out = track(new Socket(AF_PACKET, SOCK_DGRAM, 0));
    const payload = Buffer.concat([b('BSDSOCK-COOKED-'), Buffer.from(String(process.pid))]);
    // Ethertype 0x88b5: the IEEE "local experimental" type; nobody on lo
    // parses it. Re-sent until seen (see above), within 10 s.
    const send = (): Promise<number> => out.sendto(payload, ['lo', 0x88b5, 0, 0, Buffer.alloc(6)]);
    expect(await send()).toBe(payload.length);
    const resend = setInterval(() => void send(), 100);
    const deadline = Date.now() + 10_000;
    try {
      for (;;) {
        expect(Date.now()).toBeLessThan(deadline);
        const [frame, addr] = await sniff.recvfrom(2048);
        if (frame.readUInt16BE(12) !== 0x88b5) continue;
        expect(frame.subarray(14, 14 + payload.length)).toEqual(payload);
        expect((addr as [string, number])[1]).toBe(0x88b5);
        break;
      }
    } finally {
      clearInterval(resend);
    }
  });
});
