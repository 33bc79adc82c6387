#!/usr/bin/env node
// Writes docs/constants.md: every constant bsdsock exports, with its value on
// the platform the docs are built on, as one page of tables grouped by prefix.
// typedoc.json lists it in projectDocuments; scripts/typedoc-plugin.mjs
// removes the one-page-per-constant reflections it replaces.
// Run by `npm run docs` (needs the built package: dist/ and the addon).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const lib = require(path.join(root, 'dist', 'index.js'));
const read = (f) => fs.readFileSync(path.join(__dirname, f), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
// Every name the package exports as a constant (scripts/gen-constants.cjs
// generates lib/constants.generated.ts from the same two lists).
const names = [...new Set([...read('constant-names.txt'), ...read('constant-enums.txt')])].sort();

// Sections in the order a reader looks for them; the longest matching prefix wins.
const SECTIONS = [
  ['AF_', 'Address families (`family` of a socket)'],
  ['PF_', 'Protocol families'],
  ['SOCK_', 'Socket types and socket() flags'],
  ['SOL_', 'Option levels (`level` of getsockopt / setsockopt)'],
  ['SO_', 'Socket options (level SOL_SOCKET)'],
  ['SOMAXCONN', 'listen() backlog'],
  ['SCM_', 'Ancillary data types (level SOL_SOCKET)'],
  ['MSG_', 'send / recv flags'],
  ['SHUT_', 'shutdown() directions'],
  ['IPPROTO_', 'IP protocols'],
  ['IPPORT_', 'Port numbers'],
  ['INADDR_', 'IPv4 addresses'],
  ['IP_', 'IPv4 options (level IPPROTO_IP)'],
  ['IPV6_', 'IPv6 options (level IPPROTO_IPV6)'],
  ['TCP_', 'TCP options (level IPPROTO_TCP)'],
  ['UDP_', 'UDP options (level IPPROTO_UDP)'],
  ['AI_', 'getaddrinfo flags'],
  ['NI_', 'getnameinfo flags and sizes'],
  ['EAI_', 'getaddrinfo / getnameinfo errors (GaiError errno)'],
  ['MCAST_', 'Multicast group options (IPPROTO_IP, IPPROTO_IPV6)'],
  ['PACKET_', 'AF_PACKET'],
  ['NETLINK_', 'AF_NETLINK protocols'],
  ['CAN_', 'AF_CAN'],
  ['J1939_', 'CAN J1939'],
  ['SCM_J1939_', 'CAN J1939 ancillary data'],
  ['SO_J1939_', 'CAN J1939 options'],
  ['VMADDR_', 'AF_VSOCK addresses'],
  ['SO_VM_', 'AF_VSOCK options'],
  ['IOCTL_VM_', 'AF_VSOCK ioctls'],
  ['BDADDR_', 'Bluetooth'],
  ['BTPROTO_', 'Bluetooth'],
  ['HCI_', 'Bluetooth HCI'],
  ['RDS_', 'AF_RDS'],
  ['TIPC_', 'AF_TIPC'],
  ['ALG_', 'AF_ALG'],
  ['ETH_', 'Ethernet'],
  ['ETHERTYPE_', 'Ethernet'],
];

function heading(prefix, title) {
  return `${prefix}${prefix.endsWith('_') ? '*' : ''}: ${title}`;
}

function section(name) {
  let best = null;
  for (const [prefix, title] of SECTIONS) if (name.startsWith(prefix) && (!best || prefix.length > best[0].length)) best = [prefix, title];
  return best ? heading(best[0], best[1]) : 'Other';
}

const groups = new Map();
const missing = [];
for (const n of names) {
  const v = lib[n];
  if (v === undefined) {
    missing.push(n);
    continue;
  }
  const s = section(n);
  if (!groups.has(s)) groups.set(s, []);
  groups.get(s).push([n, v]);
}
const order = [...SECTIONS.map(([p, t]) => heading(p, t)), 'Other'];
const sections = [...groups.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b));

const hex = (v) => (v < 0 ? '' : `0x${v.toString(16)}`);
const out = [
  '---',
  'title: Constants',
  'group: Constants',
  '---',
  '',
  '# Constants',
  '',
  `Every constant bsdsock exports, with its value on the platform these docs were built on ` +
    `(${os.platform()} ${os.release()} ${process.arch}, Node ${process.versions.node}). ` +
    `Each one is a named export (\`import { SO_REUSEADDR } from 'bsdsock'\`) and a key of {@link constants}; ` +
    `{@link AddressFamily} and {@link SocketKind} give names back for numbers. ` +
    `Values are the C headers' values and differ between platforms: use the names.`,
  '',
  `${names.length - missing.length} of ${names.length} names are defined here. ` +
    'A name the platform lacks is absent from `constants` and its named export is `undefined`.',
  '',
  ...sections.map((s) => `- [${s}](#${anchor(s)})`),
  '',
];
function anchor(s) {
  return s.toLowerCase().replace(/[^a-z0-9 _-]/g, '').trim().replace(/ /g, '-');
}
for (const s of sections) {
  out.push(`## ${s}`, '', '| name | value | hex |', '|---|---:|---:|');
  for (const [n, v] of groups.get(s)) out.push(`| \`${n}\` | ${v} | ${hex(v)} |`);
  out.push('');
}
if (missing.length) {
  out.push('## Not defined on this platform', '', missing.map((n) => `\`${n}\``).join(', '), '');
}
fs.mkdirSync(path.join(root, 'docs'), { recursive: true });
fs.writeFileSync(path.join(root, 'docs', 'constants.md'), out.join('\n'));
console.log(`docs/constants.md: ${names.length - missing.length} constants with values, ${missing.length} not defined here`);
