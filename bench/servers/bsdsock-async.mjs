// bsdsock, the plain async/await style most users will write: one loop per
// connection, `await recvInto(buf)` then `await sendall(...)`.
import { listen, tune } from './bsdsock-common.mjs';

const { sock, transport } = listen();

async function serve(conn) {
  tune(conn, transport);
  const buf = Buffer.allocUnsafe(65536);
  try {
    for (;;) {
      const n = await conn.recvInto(buf);
      if (n === 0) break;
      await conn.sendall(n === buf.length ? buf : buf.subarray(0, n));
    }
  } catch {
    // the load generator resets its connections at exit
  }
  conn.close();
}

for (;;) {
  const [conn] = await sock.accept();
  serve(conn);
}
