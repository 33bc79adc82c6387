/**
 * A worker thread of threaded-echo-server: takes a connection's fd from the
 * main thread, wraps it with `new Socket(family, type, proto, fd)` and serves
 * it with blocking calls (`recvSync` / `sendallSync`), as the listing's
 * `handle(new_sock, address)` does in its pool thread. Blocking here blocks
 * only this worker, never the thread that accepts.
 * @module
 */
import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { Socket, type Address } from 'bsdsock';
import { decodeUtf8, pyRepr, pyStrRepr } from './common';
import type { Job } from './threaded-echo-server';

/**
 * Python's `print` from a pool thread. A worker's console.log is relayed by
 * the main thread only when this worker's event loop runs, which a blocking
 * recvSync holds up; one write(2) to fd 1 prints at once (a line shorter than
 * PIPE_BUF is never interleaved with another thread's).
 */
function print(...parts: string[]): void {
  try {
    fs.writeSync(1, parts.join(' ') + '\n');
  } catch (e) {
    // Whoever read the output has gone (`| head -1`): the main thread ends
    // the program as on SIGPIPE (signals reach the main thread only).
    if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
    parentPort?.postMessage('epipe');
  }
}

/** The listing's `handle()`, line for line. */
export function handle(newSock: Socket, address: Address): void {
  print('Connected from', pyRepr(address));
  try {
    using sock = newSock;
    for (;;) {
      const received = sock.recvSync(1024);
      if (received.length === 0) break;
      const s = decodeUtf8(received); // errors='replace'
      print(`Recv: ${pyStrRepr(s)}`);
      sock.sendallSync(received);
      print(`Echo: ${pyStrRepr(s)}`);
    }
  } catch (e) {
    print(`Error from ${pyRepr(address)}: ${(e as Error).message}`);
  }
  print(`Disconnected from ${pyRepr(address)}`);
}

if (parentPort !== null) {
  const port = parentPort;
  port.on('message', (job: Job) => {
    handle(new Socket(job.family, job.type, job.proto, job.fd), job.address as Address);
    port.postMessage('done');
  });
}
