/**
 * A worker thread of reuseport-echo-server: its own listening socket,
 * `createServer([host, port], { reusePort: true })`, on the port every
 * worker shares, and the async echo of tcp-echo-server for each connection
 * the kernel gives it. Prints only connections and disconnections (the
 * per-message lines would cost more than the echo), and answers the main
 * thread's `'stats'` with its counters.
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createServer, AF_INET, AF_INET6, type Address, type Socket } from 'bsdsock';
import { pyRepr } from './common';
import type { WorkerConfig, WorkerMessage } from './reuseport-echo-server';

const config = workerData as WorkerConfig;
const tag = `[worker ${config.id}]`;
let connections = 0;
let open = 0;
let bytes = 0;

async function handle(conn: Socket, address: Address): Promise<void> {
  console.log(`${tag} Connected from ${pyRepr(address)}`);
  try {
    using sock = conn;
    for (;;) {
      const data = await sock.recv(65536);
      if (data.length === 0) break;
      await sock.sendall(data);
      bytes += data.length;
    }
  } catch (e) {
    console.log(`${tag} Error from ${pyRepr(address)}: ${(e as Error).message}`);
  } finally {
    open--;
  }
  console.log(`${tag} Disconnected from ${pyRepr(address)}`);
}

async function serve(port: NonNullable<typeof parentPort>): Promise<void> {
  const listener = await createServer([config.host, config.port], { family: config.ipv6 ? AF_INET6 : AF_INET, reusePort: true, backlog: 128 });
  port.on('message', (m: unknown) => {
    if (m === 'stats') port.postMessage({ type: 'stats', id: config.id, connections, bytes, open } satisfies WorkerMessage);
  });
  port.postMessage({ type: 'listening', id: config.id, address: listener.getsockname() } satisfies WorkerMessage);
  for (;;) {
    const [conn, address] = await listener.accept();
    connections++;
    open++;
    void handle(conn, address);
  }
}

if (parentPort !== null) {
  // An error (EADDRINUSE from bind, say) ends the worker; the main thread reports it.
  serve(parentPort).catch((e: unknown) =>
    process.nextTick(() => {
      throw e;
    }),
  );
}
