// bsdsock, the first loop a Python user writes: one loop per connection,
// `const d = await conn.recv(65536)` (a new Buffer per read) then
// `await conn.sendall(d)`.
import { listen, tune } from './bsdsock-common.mjs';

const { sock, transport } = listen();

async function serve(conn) {
  tune(conn, transport);
  try {
    for (;;) {
      const d = await conn.recv(65536);
      if (d.length === 0) break;
      await conn.sendall(d);
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
