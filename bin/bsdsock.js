#!/usr/bin/env node
// The `bsdsock` command: runs the example programs of examples/ (compiled to
// dist/examples/ by `npm run build:ts`) as subcommands.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const COMMANDS = {
  'udp-echo-server': 'UDP echo server (recvfrom / sendto), port 8883',
  'udp-echo-client': 'UDP echo client: sends lines as datagrams, prints SENT / RCVD',
  'tcp-echo-server': 'TCP echo server, one async handler per connection, port 8881',
  'tcp-echo-client': 'TCP echo client: sendall / recvfrom, prints SENT / RCVD',
  'threaded-echo-server': 'TCP echo server with a pool of 20 worker threads, port 8881',
  'echo-v1': 'chat v1: echo server serving a single client at a time, port 8884',
  'echo-v2': 'chat v2: echo server for many clients at once, event-driven, port 8885',
  'chat-server': 'chat v3: group chat server (nicknames, /nick, /who, /quit), port 8890',
  'chat-client': 'chat client for the terminal: stdin to the chat, the chat to stdout',
  'chat-server-selector': 'chat v3 written with a selector (one select loop, many clients), port 8891',
  'tls-echo-server': 'TLS echo server (createDefaultContext / wrapSocket), --cert FILE --key FILE, port 8443',
  'tls-echo-client': 'TLS echo client: verifies the server (--cafile FILE, or --insecure), prints SENT / RCVD',
  ping: 'ping HOST: ICMP / ICMPv6 echo on a raw or unprivileged ICMP socket, with round-trip times',
  sniff: 'packet capture (AF_PACKET): Ethernet / IPv4 / IPv6 / TCP / UDP headers, -i IFACE -c N',
  'reuseport-echo-server': 'TCP echo server in N worker threads sharing a port (SO_REUSEPORT), port 8881',
};

function usage() {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'Usage: bsdsock <command> [options]',
    '',
    'The example programs of bsdsock (the BSD socket API for Node.js).',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, what]) => `  ${name.padEnd(width)}  ${what}`),
    '',
    "Run 'bsdsock <command> --help' for a command's options.",
    '',
  ].join('\n');
}

function run(argv) {
  const [cmd, ...args] = argv;
  if (cmd === undefined || cmd === '-h' || cmd === '--help') {
    process.stdout.write(usage());
    return;
  }
  if (cmd === 'help') return args.length > 0 ? run([args[0], '--help']) : run([]);
  if (cmd === '-v' || cmd === '--version') {
    process.stdout.write(`${require('../package.json').version}\n`);
    return;
  }
  if (!Object.hasOwn(COMMANDS, cmd)) {
    process.stderr.write(`bsdsock: unknown command '${cmd}'\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  const file = path.join(__dirname, '..', 'dist', 'examples', `${cmd}.js`);
  if (!fs.existsSync(file)) {
    process.stderr.write(`bsdsock: ${path.relative(process.cwd(), file)} is missing: run 'npm run build:ts' first\n`);
    process.exitCode = 1;
    return;
  }
  // `bsdsock tcp-echo-client | head -1` ends as on SIGPIPE, not with an EPIPE stack.
  require(path.join(__dirname, '..', 'dist', 'examples', 'common.js')).exitQuietlyOnEpipe();
  Promise.resolve()
    .then(() => require(file).main(args))
    .catch((e) => {
      process.stderr.write(`error: ${e && e.message ? e.message : String(e)}\n`);
      process.exit(1);
    });
}

run(process.argv.slice(2));
