/**
 * Where one core is not enough: the TCP echo server in N worker_threads,
 * each with its own listening socket on the same port, made by
 * `createServer(address, { reusePort: true })` (SO_REUSEPORT, socket(7)).
 * The kernel spreads incoming connections over the listeners (by a hash of
 * the connection's addresses and ports), so no thread accepts for the
 * others and no fd is handed over (compare threaded-echo-server).
 *
 * Each worker (reuseport-echo-worker.ts) prints `[worker N] Connected from
 * ...` and `[worker N] Disconnected from ...`; Ctrl-C (SIGINT) or SIGTERM
 * prints each worker's count of connections and bytes: the spread.
 *
 * The first worker binds first (with `--port 0` the kernel picks the port);
 * the others then bind the port it got. All must set SO_REUSEPORT before
 * bind(2) and run as the same user, or bind fails with EADDRINUSE.
 * @module
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { type Command, defaultHost, intOption, netOptions, parseCommand, portOption, pyRepr, runIfMain } from './common';

const net = netOptions(8881, 'bind to');
export const command: Command = {
  name: 'reuseport-echo-server',
  summary:
    'TCP echo server on every core: N worker threads, each with its own listener on the same port (SO_REUSEPORT); ' +
    'the kernel spreads the connections. Ctrl-C prints how many each worker served.',
  options: { ...net.options, workers: { type: 'string', short: 'w' } },
  help: [...net.help, `-w, --workers N    worker threads (default: ${os.availableParallelism()}, the CPUs of this machine)`],
};

/** What the main thread tells a worker at start (workerData). */
export interface WorkerConfig {
  id: number;
  host: string;
  port: number;
  ipv6: boolean;
}

/** A worker's messages to the main thread. */
export type WorkerMessage =
  | { type: 'listening'; id: number; address: unknown }
  | { type: 'stats'; id: number; connections: number; bytes: number; open: number };

/** Starts worker `id` and waits until its listener is bound and listening. */
function startWorker(config: WorkerConfig): Promise<{ worker: Worker; address: [string, number] }> {
  const worker = new Worker(path.join(__dirname, 'reuseport-echo-worker.js'), { workerData: config });
  return new Promise((resolve, reject) => {
    const onMessage = (m: WorkerMessage): void => {
      if (m.type !== 'listening') return;
      worker.off('message', onMessage);
      worker.off('error', reject);
      resolve({ worker, address: m.address as [string, number] });
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker ${config.id} exited (${code}) before listening`)));
  });
}

/** Asks every worker for its counters (each answers from its own thread). */
function collectStats(workers: Worker[]): Promise<Array<WorkerMessage & { type: 'stats' }>> {
  return Promise.all(
    workers.map(
      (w) =>
        new Promise<WorkerMessage & { type: 'stats' }>((resolve) => {
          const onMessage = (m: WorkerMessage): void => {
            if (m.type !== 'stats') return;
            w.off('message', onMessage);
            resolve(m);
          };
          w.on('message', onMessage);
          w.postMessage('stats');
        }),
    ),
  );
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseCommand(command, argv);
  if (opts === null) return;
  const n = intOption(command, 'workers', opts.workers, os.availableParallelism());
  const ipv6 = opts.ipv6 === true;
  const host = (opts.host as string | undefined) ?? defaultHost(ipv6);
  const port = portOption(command, opts.port, 8881);

  const workers: Worker[] = [];
  const fatal = (e: Error): never => {
    console.error(`error: ${e.message}`);
    process.exit(1);
  };
  const first = await startWorker({ id: 0, host, port, ipv6 }).catch(fatal);
  workers.push(first.worker);
  const bound = first.address;
  const rest = await Promise.all(Array.from({ length: n - 1 }, (_, i) => startWorker({ id: i + 1, host, port: bound[1], ipv6 }))).catch(fatal);
  for (const r of rest) workers.push(r.worker);
  for (const w of workers) w.on('error', fatal);

  console.log(`${n} workers, each listening with SO_REUSEPORT`);
  console.log(`Serving at ${pyRepr(bound)}`);

  const stop = async (): Promise<void> => {
    const stats = await collectStats(workers);
    let total = 0;
    for (const s of stats.sort((a, b) => a.id - b.id)) {
      total += s.connections;
      console.log(`worker ${s.id}: ${s.connections} connections, ${s.bytes} bytes echoed`);
    }
    console.log(`total: ${total} connections`);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

runIfMain(module, main);
