// bsdsock UDP echo, the loop a Python user writes first:
// `const [data, addr] = await sock.recvfrom(2048); await sock.sendto(data, addr)`.
// One datagram at a time, a new Buffer per datagram.
import { listen } from './bsdsock-common.mjs';

const { sock } = listen();

for (;;) {
  try {
    const [data, addr] = await sock.recvfrom(2048);
    await sock.sendto(data, addr);
  } catch {
    // a transient error (an ICMP error queued on the socket): keep serving
  }
}
