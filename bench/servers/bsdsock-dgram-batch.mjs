// bsdsock UDP echo, the plain loop of bsdsock-dgram-async with datagram
// batching on: `s.setbatching(64)`, then the same
// `const [data, addr] = await s.recvfrom(2048); await s.sendto(data, addr)`.
// The recvfrom calls are served from one recvmmsg(64) per wakeup; each
// awaited sendto leaves alone (sendto(2): one loop, one send at a time).
import { listen } from './bsdsock-common.mjs';

const { sock } = listen();
sock.setbatching(64);

for (;;) {
  try {
    const [data, addr] = await sock.recvfrom(2048);
    await sock.sendto(data, addr);
  } catch {
    // a transient error (an ICMP error queued on the socket): keep serving
  }
}
