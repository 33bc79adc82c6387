// bsdsock UDP echo with recvmmsg/sendmmsg: a batch of up to 64 datagrams in
// one syscall each way; the received lengths and raw addresses go straight
// back out, no JS object per datagram.
import os from 'node:os';
import { listen } from './bsdsock-common.mjs';

const EAGAIN = -os.constants.errno.EAGAIN;
const BATCH = 64;
const ROUNDS_PER_WAKEUP = 4;
const { sock } = listen();
const bufs = Array.from({ length: BATCH }, () => Buffer.allocUnsafe(2048));
const meta = new Int32Array(2 * BATCH);
const names = Buffer.alloc(BATCH * 128);

sock.onReadable(() => {
  for (let i = 0; i < ROUNDS_PER_WAKEUP; i++) {
    const n = sock.tryRecvmmsg(bufs, meta, names);
    if (n === EAGAIN) return;
    if (n < 0) continue;
    sock.trySendmmsg(bufs, meta, names, n);
    if (n < BATCH) return;
  }
});
