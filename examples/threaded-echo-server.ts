/**
 * The seed text's TCP echo server with `ThreadPoolExecutor(20)`: the main
 * thread listens (backlog 5) and accepts; each connection goes to one of 20
 * worker threads, which serves it with blocking calls exactly like the
 * listing's `handle()` (see threaded-echo-worker.ts).
 *
 * A socket crosses threads as its fd: `detach()` here (the fd stays open and
 * is no longer this thread's), `new Socket(family, type, proto, fd)` in the
 * worker. The main thread accepts only when a worker is free, so with 20
 * clients being served, further clients wait in the listen queue, as the
 * text describes. (Python's executor would accept them at once and queue
 * them in the executor instead.)
 * @module
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Socket } from 'bsdsock';
import { type Command, exitAsOnSigpipe, intOption, netOptions, parseCommand, portOption, runIfMain } from './common';
import { listen } from './tcp-echo-server';

const net = netOptions(8881, 'bind to');
export const command: Command = {
  name: 'threaded-echo-server',
  summary:
    'TCP echo server with a pool of worker threads (ThreadPoolExecutor(20) in the text): the main thread accepts ' +
    'and hands each connection to a free worker by fd; with every worker busy, new clients wait in the listen queue.',
  options: { ...net.options, workers: { type: 'string' }, backlog: { type: 'string' } },
  help: [...net.help, '--workers N        worker threads (default: 20)', '--backlog N        listen(2) backlog (default: 5)'],
};

/** A message from the main thread to a worker: serve this fd. */
export interface Job {
  fd: number;
  family: number;
  type: number;
  proto: number;
  address: unknown;
}

/**
 * The pool: workers that take one connection at a time and say `'done'` when
 * it is over (or `'epipe'` when stdout's reader has gone).
 */
class Pool {
  readonly #idle: Worker[] = [];
  readonly #waiting: ((w: Worker) => void)[] = [];
  readonly #workers: Worker[] = [];

  constructor(size: number) {
    const file = path.join(__dirname, 'threaded-echo-worker.js');
    for (let i = 0; i < size; i++) {
      const w = new Worker(file);
      w.on('message', (m: 'done' | 'epipe') => (m === 'epipe' ? exitAsOnSigpipe() : this.#release(w)));
      w.on('error', (e) => {
        console.error(`worker ${w.threadId} failed: ${e.message}`);
        process.exit(1);
      });
      this.#workers.push(w);
      this.#idle.push(w);
    }
  }

  /** A free worker, waiting for one to finish if all are busy. */
  take(): Promise<Worker> {
    const w = this.#idle.shift();
    return w !== undefined ? Promise.resolve(w) : new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(w: Worker): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next(w);
    else this.#idle.push(w);
  }
}

/** Hands `conn` to `worker`: after detach() the fd belongs to the worker. */
function handOff(worker: Worker, conn: Socket, address: unknown): void {
  const job: Job = { family: conn.family, type: conn.type, proto: conn.proto, fd: conn.detach(), address };
  worker.postMessage(job);
}

export async function main(argv: string[]): Promise<void> {
  const opts = parseCommand(command, argv);
  if (opts === null) return;
  const pool = new Pool(intOption(command, 'workers', opts.workers, 20));
  using servsock = listen({
    ipv6: opts.ipv6 === true,
    host: opts.host as string | undefined,
    port: portOption(command, opts.port, 8881),
    backlog: intOption(command, 'backlog', opts.backlog, 5),
  });
  for (;;) {
    const worker = await pool.take();
    const [newSock, address] = await servsock.accept();
    handOff(worker, newSock, address);
  }
}

runIfMain(module, main);
