// reuseport-echo-server: N worker_threads, each with its own SO_REUSEPORT
// listener on one port; the kernel spreads the connections. Clients are
// node:net sockets and Python's socket module; each connection is seen in
// exactly one worker's `Connected from` line, every worker gets some, and
// SIGINT prints each worker's count.
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureExamplesBuilt, LineClient, Proc, startServer, stopAll, within } from './examples-helpers';

beforeAll(ensureExamplesBuilt, 120_000);
afterEach(stopAll);
afterAll(stopAll);

/** Which worker served each client port, from the server's `[worker N] Connected from (host, port...)` lines. */
function workerOf(lines: string[]): Map<number, number[]> {
  const seen = new Map<number, number[]>();
  for (const l of lines) {
    const m = /^\[worker (\d+)\] Connected from \('[^']+', (\d+)(?:, 0, 0)?\)$/.exec(l);
    if (m === null) continue;
    const port = Number(m[2]);
    seen.set(port, [...(seen.get(port) ?? []), Number(m[1])]);
  }
  return seen;
}

describe('reuseport-echo-server', () => {
  // With 3 workers and a uniform hash, the chance that one of them gets none
  // of 60 connections is 3 * (2/3)**60, about 1e-10.
  it('spreads 60 node:net connections over 3 workers, each echoed, each in one worker', async () => {
    const { proc: server, port, serving } = await startServer(['reuseport-echo-server', '--workers', '3', '--port', '0']);
    expect(serving).toBe(`Serving at ('127.0.0.1', ${port})`);
    expect(server.lines.slice(0, 2)).toEqual(['3 workers, each listening with SO_REUSEPORT', serving]);
    const clients: LineClient[] = [];
    try {
      // 20 at a time, all open together, so no connection's port is reused by the next.
      for (let batch = 0; batch < 3; batch++) {
        const opened = await Promise.all(Array.from({ length: 20 }, () => LineClient.connect(port)));
        clients.push(...opened);
        opened.forEach((c, i) => c.write(`hello ${batch * 20 + i} £\n`));
        await within(Promise.all(opened.map((c, i) => c.waitFor(`hello ${batch * 20 + i} £`))), 10_000, 'echoes');
      }
      const ports = clients.map((c) => c.sock.localPort!);
      expect(new Set(ports).size).toBe(60);
      await server.waitFor(new RegExp(`Connected from \\('127\\.0\\.0\\.1', ${ports.at(-1)}\\)$`));
      await within(
        (async () => {
          while (workerOf(server.lines).size < 60) await server.waitFor(/Connected from/, { from: server.lines.length });
        })(),
        10_000,
        'a Connected line for every client',
      );
      const served = workerOf(server.lines);
      for (const p of ports) expect(served.get(p)?.length, `client port ${p}`).toBe(1);
      const perWorker = [0, 1, 2].map((w) => ports.filter((p) => served.get(p)![0] === w).length);
      expect(perWorker.every((n) => n > 0), `connections per worker: ${perWorker}`).toBe(true);
      expect(perWorker.reduce((a, b) => a + b, 0)).toBe(60);

      await Promise.all(clients.map((c) => c.close()));
      for (const p of ports) await server.waitFor(new RegExp(`^\\[worker \\d\\] Disconnected from \\('127\\.0\\.0\\.1', ${p}\\)$`));
      // SIGINT: each worker's counters, as the kernel spread the connections.
      server.child.kill('SIGINT');
      expect(await server.exit()).toEqual({ code: 0, signal: null });
      const bytes = (i: number): number => Buffer.byteLength(`hello ${i} £\n`);
      const stats = server.lines.filter((l) => /^(worker \d+:|total:)/.test(l));
      expect(stats).toEqual([
        ...[0, 1, 2].map((w) => {
          const mine = clients.map((_, i) => i).filter((i) => served.get(ports[i])![0] === w);
          return `worker ${w}: ${mine.length} connections, ${mine.reduce((a, i) => a + bytes(i), 0)} bytes echoed`;
        }),
        'total: 60 connections',
      ]);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  }, 60_000);

  it("serves Python's clients over IPv6 (-6) with 2 workers, both used", async () => {
    const { proc: server, port, serving } = await startServer(['reuseport-echo-server', '-6', '--workers', '2', '--port', '0']);
    expect(serving).toBe(`Serving at ('::1', ${port}, 0, 0)`);
    const child = spawn('python3', [
      '-c',
      `import socket, sys
ports = []
for i in range(40):
    s = socket.create_connection(('::1', int(sys.argv[1])))
    data = b'ping %d\\n' % i
    s.sendall(data)
    got = b''
    while len(got) < len(data):
        got += s.recv(100)
    assert got == data, got
    ports.append(s.getsockname()[1])
    s.close()
print(' '.join(map(str, ports)))`,
      String(port),
    ]);
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    const closed = new Promise((r) => child.on('close', r));
    const code = await within(closed, 20_000, 'python clients').catch(async (e: unknown) => {
      child.kill('SIGKILL'); // only this child, by its pid
      await closed;
      throw e;
    });
    expect(err).toBe('');
    expect(code).toBe(0);
    const ports = out.trim().split(' ').map(Number);
    expect(ports).toHaveLength(40);
    for (const p of ports) await server.waitFor(new RegExp(`^\\[worker \\d\\] Disconnected from \\('::1', ${p}, 0, 0\\)$`));
    const served = workerOf(server.lines);
    const workers = new Set(ports.map((p) => served.get(p)?.[0]));
    expect([...workers].sort()).toEqual([0, 1]);
    server.child.kill('SIGINT');
    expect(await server.exit()).toEqual({ code: 0, signal: null });
    expect(server.lines.at(-1)).toBe('total: 40 connections');
  }, 60_000);

  it('fails clearly when the port is taken by a listener without SO_REUSEPORT', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    try {
      const port = (taken.address() as net.AddressInfo).port;
      const p = new Proc(['reuseport-echo-server', '--workers', '2', '--port', String(port)]);
      expect(await p.exit()).toEqual({ code: 1, signal: null });
      expect(p.stderr).toBe(`error: bind EADDRINUSE: Address already in use 127.0.0.1:${port}\n`);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});
