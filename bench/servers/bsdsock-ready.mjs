// bsdsock readiness callbacks with non-blocking calls: onReadable ->
// tryRecvInto -> trySend, no promise and no allocation per message. A send
// that does not go through whole parks the rest and stops reading until
// onWritable has flushed it (backpressure).
import os from 'node:os';
import { listen, tune } from './bsdsock-common.mjs';

const EAGAIN = -os.constants.errno.EAGAIN;
const READS_PER_WAKEUP = 16; // cap the work per wakeup: no connection starves the rest
const { sock, transport } = listen();
const buf = Buffer.allocUnsafe(65536); // one buffer: each read is echoed before the next

function serve(conn) {
  tune(conn, transport);
  let parked = null;
  const flush = () => {
    const n = conn.trySend(parked);
    if (n === EAGAIN) return;
    if (n < 0) return conn.close();
    parked = n === parked.length ? null : parked.subarray(n);
    if (parked === null) {
      conn.onWritable(null);
      conn.onReadable(read);
    }
  };
  const read = () => {
    for (let i = 0; i < READS_PER_WAKEUP; i++) {
      const n = conn.tryRecvInto(buf);
      if (n === EAGAIN) return;
      if (n <= 0) return conn.close();
      const sent = conn.trySend(n === buf.length ? buf : buf.subarray(0, n));
      if (sent !== n) {
        if (sent < 0 && sent !== EAGAIN) return conn.close();
        parked = Buffer.from(buf.subarray(Math.max(sent, 0), n));
        conn.onReadable(null);
        conn.onWritable(flush);
        return;
      }
      if (n < buf.length) return; // a short read drained the queue
    }
  };
  conn.onReadable(read);
}

sock.onReadable(() => {
  for (let r = sock.tryAccept(); Array.isArray(r); r = sock.tryAccept()) serve(r[0]);
});
