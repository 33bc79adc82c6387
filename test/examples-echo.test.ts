// The echo programs of the seed text (003), run as a user runs them: a
// server and a client through the `bsdsock` bin, on loopback, IPv4 and IPv6;
// every printed line asserted. Plus the Python-repr helpers, checked against
// python3 itself.
import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pyBytesRepr, pyStrRepr, pyRepr, LineSplitter } from '../examples/common';
import { ensureExamplesBuilt, Proc, startServer, stopAll } from './examples-helpers';

beforeAll(ensureExamplesBuilt, 120_000);
afterEach(stopAll);
afterAll(stopAll);

const UDP_LINES = [
  ["b'This is a bunch of lines, each'", 30, "'This is a bunch of lines, each'"],
  ["b'of which will be sent in a single'", 33, "'of which will be sent in a single'"],
  ["b'UDP datagram. No error detection'", 32, "'UDP datagram. No error detection'"],
  ["b'or correction will occur.'", 25, "'or correction will occur.'"],
  ["b'Crazy bananas! \\xc2\\xa3\\xe2\\x82\\xac should go through.'", 39, "'Crazy bananas! £€ should go through.'"],
] as const;

const TCP_LINES = [
  ["b'A few lines of text'", 19, "'A few lines of text'"],
  ["b'including non-ASCII characters: \\xe2\\x82\\xac\\xc2\\xa3'", 37, "'including non-ASCII characters: €£'"],
  ["b'to test the operation'", 21, "'to test the operation'"],
  ["b'of both server'", 14, "'of both server'"],
  ["b'and client.'", 11, "'and client.'"],
] as const;

describe('Python repr, as the listings print it', () => {
  const samples = ['Crazy bananas! £€ should go through.', "it's", 'say "hi"', `both ' and "`, 'tab\there\nnl\r\\ \x00\x7f\x85\u00a0\u200b\u2028 é 😀 \ud800'];
  it('bytes and str match python3 byte for byte', () => {
    const py = execFileSync('python3', ['-c', 'import sys,json\nfor s in json.load(sys.stdin):\n b=s.encode("utf-8","surrogatepass")\n print(repr(b)); print(repr(s))'], {
      input: JSON.stringify(samples),
      encoding: 'utf8',
    }).split('\n');
    const ours = samples.flatMap((s) => [pyBytesRepr(utf8Surrogatepass(s)), pyStrRepr(s)]);
    expect(ours).toEqual(py.slice(0, ours.length));
  });
  it('address tuples', () => {
    expect(pyRepr(['127.0.0.1', 8883])).toBe("('127.0.0.1', 8883)");
    expect(pyRepr(['::1', 8883, 0, 0])).toBe("('::1', 8883, 0, 0)");
    expect(pyRepr(null)).toBe('None');
  });
  it('LineSplitter holds back partial lines and split UTF-8 characters', () => {
    const s = new LineSplitter();
    const bytes = Buffer.from('£€ one\r\ntwo €\nthr', 'utf8');
    const out: string[] = [];
    for (let i = 0; i < bytes.length; i++) out.push(...s.push(bytes.subarray(i, i + 1)));
    expect(out).toEqual(['£€ one', 'two €']);
    expect(s.end()).toBe('thr');
  });
});

/** UTF-8 with lone surrogates encoded as Python's 'surrogatepass' does (3 bytes each). */
function utf8Surrogatepass(s: string): Buffer {
  const parts: Buffer[] = [];
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) parts.push(Buffer.from([0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]));
    else parts.push(Buffer.from(ch, 'utf8'));
  }
  return Buffer.concat(parts);
}

describe.each([
  ['IPv4', [] as string[], 'localhost', (p: number) => `('127.0.0.1', ${p})`],
  ['IPv6', ['-6'], '::1', (p: number) => `('::1', ${p}, 0, 0)`],
])('over %s', (_name, flag, host, tuple) => {
  it('udp-echo-client against udp-echo-server: the listing text, every line', async () => {
    const { proc: server, port, serving } = await startServer(['udp-echo-server', ...flag, '--port', '0']);
    expect(serving).toBe(`Serving at ${tuple(port)}`);
    const client = new Proc(['udp-echo-client', ...flag, '--port', String(port)]);
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    const target = host === 'localhost' ? `('localhost', ${port})` : `('::1', ${port})`;
    expect(client.lines).toEqual([
      ...UDP_LINES.flatMap(([b, n, s]) => [`SENT ${b} (${n} of ${n}) to ${target}`, `RCVD ${s} from ${tuple(port)}`]),
      'Disconnected from server',
    ]);
    await server.waitFor(/^SENT b'Crazy bananas/);
    const m = /from \('[^']+', (\d+)/.exec(server.lines[1]);
    const cport = Number(m?.[1]);
    expect(server.lines).toEqual([
      `Serving at ${tuple(port)}`,
      ...UDP_LINES.flatMap(([b, n]) => [`RCVD ${b} from ${tuple(cport)}`, `SENT ${b} (${n}/${n}) to ${tuple(cport)}`]),
    ]);
  });

  it('udp-echo-client --stdin sends the lines typed', async () => {
    const { port } = await startServer(['udp-echo-server', ...flag, '--port', '0']);
    const client = new Proc(['udp-echo-client', ...flag, '--port', String(port), '--stdin']);
    client.write("it's £1\n");
    await client.waitFor(/^RCVD "it's £1"/);
    client.write('"quoted"\n');
    client.child.stdin.end();
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(client.lines.filter((l) => l.startsWith('SENT'))).toEqual([
      `SENT b"it's \\xc2\\xa31" (8 of 8) to ${host === 'localhost' ? `('localhost', ${port})` : `('::1', ${port})`}`,
      `SENT b'"quoted"' (8 of 8) to ${host === 'localhost' ? `('localhost', ${port})` : `('::1', ${port})`}`,
    ]);
    expect(client.lines.at(-2)).toBe(`RCVD '"quoted"' from ${tuple(port)}`);
  });

  it('tcp-echo-client against tcp-echo-server: the listing text, every line', async () => {
    const { proc: server, port, serving } = await startServer(['tcp-echo-server', ...flag, '--port', '0']);
    expect(serving).toBe(`Serving at ${tuple(port)}`);
    const client = new Proc(['tcp-echo-client', ...flag, '--port', String(port)]);
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(client.lines).toEqual([
      `Connected to server ${host}:${port}`,
      ...TCP_LINES.flatMap(([b, n, s]) => [`SENT ${b} (${n})`, `RCVD ${s} (${n}) from None`]),
      'Disconnected from server',
    ]);
    await server.waitFor(/^Disconnected from /);
    const cport = Number(/(\d+)(, 0, 0)?\)$/.exec(server.lines[1])?.[1]);
    expect(server.lines).toEqual([
      `Serving at ${tuple(port)}`,
      `Connected from ${tuple(cport)}`,
      ...TCP_LINES.flatMap(([, , s]) => [`Recv: ${s}`, `Echo: ${s}`]),
      `Disconnected from ${tuple(cport)}`,
    ]);
  });
});

it('a client with no server reports the error and exits 1', async () => {
  // Port 1 on loopback: nothing listens there (not root-only for connect).
  const client = new Proc(['tcp-echo-client', '--port', '1']);
  expect(await client.exit()).toEqual({ code: 1, signal: null });
  expect(client.stderr).toMatch(/^error: connect ECONNREFUSED/);
});
