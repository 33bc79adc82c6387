// bsdsock UDP echo with readiness callbacks, one datagram per call:
// onReadable -> tryRecvfromInto -> trySendto, up to a cap per wakeup.
import os from 'node:os';
import { listen } from './bsdsock-common.mjs';

const EAGAIN = -os.constants.errno.EAGAIN;
const PER_WAKEUP = 64;
const { sock } = listen();
const buf = Buffer.allocUnsafe(65536);

sock.onReadable(() => {
  for (let i = 0; i < PER_WAKEUP; i++) {
    const r = sock.tryRecvfromInto(buf);
    if (r === EAGAIN) return;
    if (typeof r === 'number') continue; // a transient error (ICMP); keep serving
    const [n, addr] = r;
    sock.trySendto(buf.subarray(0, n), addr); // UDP: a full socket buffer drops, as in C
  }
});
