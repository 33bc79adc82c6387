// A peer in another process, for tests of calls that block the main thread:
// while a ...Sync call blocks, nothing in this process can act, so the other
// end of the socket lives in a python3 child that inherits it as fd 3.
import { spawn } from 'node:child_process';

export interface PeerResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `code` (Python 3) with `fd` as its fd 3 (`sock` is a blocking
 * socket.socket over it). The returned promise settles when the child exits.
 * spawn() returns once the child has exec'd, so it runs while the caller
 * blocks.
 */
export function pyPeer(fd: number, code: string): Promise<PeerResult> {
  const prelude = 'import os, socket, sys, time, hashlib\nsock = socket.socket(fileno=3)\nsock.settimeout(None)\n';
  const child = spawn('python3', ['-c', prelude + code], { stdio: ['ignore', 'pipe', 'pipe', fd] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, sig) => resolve({ code: c, signal: sig, stdout, stderr }));
  });
}

/** Milliseconds since `t0` (performance.now()). */
export const since = (t0: number): number => performance.now() - t0;
