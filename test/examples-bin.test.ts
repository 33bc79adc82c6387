// The `bsdsock` bin (package.json "bin"): its help, each subcommand's help,
// bad input, and subcommands run through it, as `npx bsdsock ...` runs them.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { usage, type Command } from '../examples/common';
import { command as chatServer } from '../examples/chat-server';
import { command as chatClient } from '../examples/chat-client';
import { command as udpServer } from '../examples/udp-echo-server';
import { command as udpClient } from '../examples/udp-echo-client';
import { command as tcpServer } from '../examples/tcp-echo-server';
import { command as tcpClient } from '../examples/tcp-echo-client';
import { command as threaded } from '../examples/threaded-echo-server';
import { command as echoV1 } from '../examples/echo-v1';
import { command as echoV2 } from '../examples/echo-v2';
import { command as chatServerSelector } from '../examples/chat-server-selector';
import { command as tlsServer } from '../examples/tls-echo-server';
import { command as tlsClient } from '../examples/tls-echo-client';
import { command as reuseport } from '../examples/reuseport-echo-server';
import { BIN, ensureExamplesBuilt, Proc, ROOT, startServer, stopAll } from './examples-helpers';

beforeAll(ensureExamplesBuilt, 120_000);
afterEach(stopAll);
afterAll(stopAll);

// In the order bsdsock --help lists them (ping, sniff and reuseport-echo-server follow).
const COMMANDS: Command[] = [udpServer, udpClient, tcpServer, tcpClient, threaded, echoV1, echoV2, chatServer, chatClient, chatServerSelector, tlsServer, tlsClient];

function bsdsock(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bsdsock bin', () => {
  it('is the package\'s "bin", a CommonJS script with a node shebang', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ bsdsock: './bin/bsdsock.js' });
    expect(fs.readFileSync(BIN, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(fs.statSync(BIN).mode & 0o111).not.toBe(0);
  });

  it('--help lists every subcommand', () => {
    for (const args of [['--help'], ['-h'], []]) {
      const r = bsdsock(...args);
      expect(r.status).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines.slice(0, 5)).toEqual(['Usage: bsdsock <command> [options]', '', 'The example programs of bsdsock (the BSD socket API for Node.js).', '', 'Commands:']);
      expect(lines.slice(5, 5 + COMMANDS.length).map((l) => l.trim().split(/\s+/)[0])).toEqual(COMMANDS.map((c) => c.name));
      expect(lines.at(-2)).toBe("Run 'bsdsock <command> --help' for a command's options.");
    }
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s --help prints its usage', (name, cmd) => {
    const r = bsdsock(name, '--help');
    expect(r).toEqual({ status: 0, stdout: usage(cmd), stderr: '' });
    expect(r.stdout.split('\n')[0]).toBe(`Usage: bsdsock ${name} [options]`);
    expect(bsdsock('help', name).stdout).toBe(r.stdout);
  });

  it('reuseport-echo-server --help prints its usage', () => {
    expect(bsdsock('reuseport-echo-server', '--help')).toEqual({ status: 0, stdout: usage(reuseport), stderr: '' });
  });

  it('rejects an unknown command or option, and a bad port', () => {
    const unknown = bsdsock('telnet');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toBe("bsdsock: unknown command 'telnet'");
    const option = bsdsock('udp-echo-client', '--colour');
    expect(option.status).toBe(2);
    expect(option.stderr).toBe("bsdsock udp-echo-client: Unknown option '--colour'\nTry 'bsdsock udp-echo-client --help'.\n");
    const port = bsdsock('tcp-echo-server', '--port', '70000');
    expect(port).toEqual({ status: 2, stdout: '', stderr: 'bsdsock tcp-echo-server: --port must be 0..65535, not 70000\n' });
  });

  it('runs a subcommand: echo-v2 serving tcp-echo-client --stdin over IPv6', async () => {
    const { port, serving } = await startServer(['echo-v2', '-6', '--port', '0']);
    expect(serving).toBe(`Serving at ('::1', ${port}, 0, 0)`);
    const client = new Proc(['tcp-echo-client', '-6', '--port', String(port), '--stdin']);
    client.write('one\n');
    await client.waitFor("RCVD 'one' (3) from None");
    client.write('two £\n');
    client.child.stdin.end();
    expect(await client.exit()).toEqual({ code: 0, signal: null });
    expect(client.lines).toEqual([
      `Connected to server ::1:${port}`,
      "SENT b'one' (3)",
      "RCVD 'one' (3) from None",
      "SENT b'two \\xc2\\xa3' (6)",
      "RCVD 'two £' (6) from None",
      'Disconnected from server',
    ]);
  });

  it('works as `npm exec bsdsock` from the package directory', () => {
    // A cache of its own: npm exec links the package into ~/.npm/_npx/<hash
    // of 'bsdsock'>, one entry shared by every checkout on the machine (it
    // would run another checkout's bin) and left half-written when a run is
    // killed (then every later run fails with ENOENT). Filling a new entry
    // takes 5-40 s here.
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-npm-cache-'));
    try {
      const out = execFileSync('npm', ['exec', '--offline', '--cache', cache, '--', 'bsdsock', 'echo-v1', '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 110_000, stdio: ['ignore', 'pipe', 'ignore'] });
      expect(out).toBe(usage(echoV1));
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  }, 120_000);
});
