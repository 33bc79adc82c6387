// threaded-echo-server: the seed text's ThreadPoolExecutor(20) server. 25
// clients at once: 20 are served by the 20 workers while they hold their
// connections; the other 5 wait in the listen queue (backlog 5) and are
// served, in order, only as the first ones close.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ensureExamplesBuilt, LineClient, startServer, stopAll, within } from './examples-helpers';

beforeAll(ensureExamplesBuilt, 120_000);
afterEach(stopAll);
afterAll(stopAll);

/** How long "nothing happens" is watched for, where the absence of an echo is the point. */
const QUIET_MS = 300;

it('20 workers serve 20 clients; clients 21-25 wait until some of the first close', async () => {
  const { proc: server, port } = await startServer(['threaded-echo-server', '--port', '0']);
  const clients: LineClient[] = [];
  const events: string[] = [];
  const ports: number[] = [];
  try {
    // Connected one after the other, so the listen queue holds them in this order.
    for (let i = 0; i < 25; i++) {
      const c = await LineClient.connect(port);
      const n = i;
      c.onLine = (l) => events.push(`echo ${n}: ${l}`);
      c.write(`hello ${i}\n`);
      clients.push(c);
      ports.push(c.sock.localPort!);
    }
    // The first 20 are echoed while all 25 stay connected.
    await within(Promise.all(clients.slice(0, 20).map((c, i) => c.waitFor(`hello ${i}`))), 10_000, 'echoes of clients 1-20');
    await server.waitFor("Echo: 'hello 19\\n'");
    await new Promise((r) => setTimeout(r, QUIET_MS)); // watching for an echo that must not come
    expect(server.count(/^Connected from /)).toBe(20);
    for (const c of clients.slice(20)) expect(c.lines).toEqual([]);

    // Client 1 leaves: its worker takes client 21, and only client 21.
    events.push('close 0');
    await clients[0].close();
    await clients[20].waitFor('hello 20');
    expect(events.indexOf('echo 20: hello 20')).toBeGreaterThan(events.indexOf('close 0'));
    await new Promise((r) => setTimeout(r, QUIET_MS));
    for (const c of clients.slice(21)) expect(c.lines).toEqual([]);
    expect(server.count(/^Connected from /)).toBe(21);

    // Four more leave: clients 22-25 are served.
    for (const c of clients.slice(1, 5)) await c.close();
    await within(Promise.all(clients.slice(21).map((c, i) => c.waitFor(`hello ${21 + i}`))), 10_000, 'echoes of clients 22-25');
    // Each served connection printed the listing's lines, in order, in its worker.
    const port0 = ports[0];
    const lines = server.lines.filter((l) => l.includes(`, ${port0})`) || l === "Recv: 'hello 0\\n'" || l === "Echo: 'hello 0\\n'");
    expect(lines).toEqual([`Connected from ('127.0.0.1', ${port0})`, "Recv: 'hello 0\\n'", "Echo: 'hello 0\\n'", `Disconnected from ('127.0.0.1', ${port0})`]);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}, 60_000);
