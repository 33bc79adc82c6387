// bsdsock makefile(): each connection as a Node Duplex stream piped to itself.
import { listen, tune } from './bsdsock-common.mjs';

const { sock, transport } = listen();
for (;;) {
  const [conn] = await sock.accept();
  tune(conn, transport);
  const f = conn.makefile('rwb');
  f.on('error', () => {});
  f.on('finish', () => conn.close()); // every echoed byte written: then close
  f.pipe(f);
}
