// Constants: exported by name and in `constants`, with the values Python's
// socket module has on this machine; AddressFamily / SocketKind name tables.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import * as bsd from '../lib/index';
import { constants, AddressFamily, SocketKind, familyName, kindName, Socket, socketpair } from '../lib/index';

const PREFIXES = ['AF_', 'SOCK_', 'SOL_', 'SO_', 'IPPROTO_', 'IP_', 'IPV6_', 'TCP_', 'MSG_', 'SHUT_', 'AI_', 'NI_', 'EAI_', 'SCM_', 'SOMAXCONN', 'CAN_', 'J1939_', 'VMADDR_'];

/** The table checked name by name (~100 names, chosen across every prefix). */
const TABLE = `AF_UNSPEC AF_UNIX AF_INET AF_INET6 AF_PACKET AF_NETLINK SOCK_STREAM SOCK_DGRAM SOCK_RAW SOCK_RDM
SOCK_SEQPACKET SOCK_NONBLOCK SOCK_CLOEXEC SOL_SOCKET SO_REUSEADDR SO_REUSEPORT SO_KEEPALIVE SO_BROADCAST SO_RCVBUF
SO_SNDBUF SO_ERROR SO_TYPE SO_LINGER SO_RCVTIMEO SO_SNDTIMEO SO_DOMAIN SO_PROTOCOL SO_PEERCRED SO_PASSCRED
SO_BINDTODEVICE IPPROTO_IP IPPROTO_TCP IPPROTO_UDP IPPROTO_IPV6 IPPROTO_ICMP IPPROTO_ICMPV6 IPPROTO_RAW IPPROTO_SCTP
IP_TTL IP_TOS IP_MULTICAST_TTL IP_ADD_MEMBERSHIP IPV6_V6ONLY IPV6_UNICAST_HOPS IPV6_JOIN_GROUP TCP_NODELAY
TCP_MAXSEG TCP_KEEPIDLE TCP_KEEPINTVL TCP_KEEPCNT TCP_QUICKACK TCP_FASTOPEN TCP_USER_TIMEOUT TCP_CONGESTION TCP_INFO
MSG_PEEK MSG_TRUNC MSG_DONTWAIT MSG_WAITALL MSG_NOSIGNAL MSG_OOB MSG_CMSG_CLOEXEC MSG_ERRQUEUE MSG_CTRUNC MSG_EOR
MSG_MORE MSG_CONFIRM MSG_DONTROUTE SHUT_RD SHUT_WR SHUT_RDWR AI_PASSIVE AI_CANONNAME AI_NUMERICHOST AI_NUMERICSERV
AI_ADDRCONFIG AI_V4MAPPED AI_ALL NI_NUMERICHOST NI_NUMERICSERV NI_NAMEREQD NI_DGRAM NI_NOFQDN NI_MAXHOST NI_MAXSERV
EAI_NONAME EAI_AGAIN EAI_FAIL EAI_FAMILY EAI_SERVICE EAI_SOCKTYPE EAI_MEMORY EAI_SYSTEM EAI_OVERFLOW EAI_BADFLAGS
SCM_RIGHTS SCM_CREDENTIALS SOMAXCONN`.split(/\s+/);

let py: Record<string, number> = {};
beforeAll(() => {
  // One python3 run: every int constant of its socket module with our prefixes.
  const code =
    'import socket, json\n' +
    `P = ${JSON.stringify(PREFIXES)}\n` +
    'print(json.dumps({n: int(v) for n, v in vars(socket).items() if isinstance(v, int) and not isinstance(v, bool) and any(n.startswith(p) for p in P)}))\n';
  py = JSON.parse(execFileSync('python3', ['-c', code], { encoding: 'utf8' })) as Record<string, number>;
});

describe('constants', () => {
  it('the table: exported by name, in `constants`, equal to Python', () => {
    const exported = bsd as unknown as Record<string, unknown>;
    const missing: string[] = [];
    for (const name of TABLE) {
      expect(py[name], `python3 lacks ${name}`).toBeTypeOf('number');
      if (!(name in constants)) missing.push(name);
      expect(constants[name], name).toBe(py[name]);
      expect(exported[name], name).toBe(py[name]);
    }
    expect(missing).toEqual([]);
    expect(TABLE.length).toBeGreaterThanOrEqual(90);
  });

  it('every constant Python has under these prefixes has the same value here', () => {
    const differ: string[] = [];
    const absent: string[] = [];
    for (const [name, value] of Object.entries(py)) {
      if (!(name in constants)) absent.push(name);
      else if (constants[name] !== value) differ.push(`${name}: ours ${constants[name]}, python ${value}`);
    }
    expect(differ).toEqual([]);
    expect(absent).toEqual([]);
  });

  it('constants is frozen and holds only integers', () => {
    expect(Object.isFrozen(constants)).toBe(true);
    for (const [name, v] of Object.entries(constants)) {
      expect(Number.isInteger(v), name).toBe(true);
      expect(name, name).toMatch(/^[A-Z][A-Za-z0-9_]*$/);
    }
    expect(() => {
      (constants as Record<string, number>).AF_INET = 99;
    }).toThrow(TypeError);
    expect(constants.AF_INET).toBe(2);
  });

  it('a constant the platform lacks is absent, not faked', () => {
    // macOS / BSD-only names do not exist on Linux.
    for (const name of ['SO_NOSIGPIPE', 'AF_LINK', 'IP_RECVDSTADDR', 'LOCAL_PEERCRED', 'SO_USELOOPBACK']) {
      expect(name in constants, name).toBe(false);
      expect((bsd as unknown as Record<string, unknown>)[name], name).toBeUndefined();
    }
  });
});

describe('AddressFamily / SocketKind', () => {
  it('give names back for numbers', () => {
    expect(AddressFamily[2]).toBe('AF_INET');
    expect(AddressFamily[10]).toBe('AF_INET6');
    expect(AddressFamily[1]).toBe('AF_UNIX'); // not its alias AF_LOCAL
    expect(AddressFamily[0]).toBe('AF_UNSPEC');
    expect(AddressFamily[17]).toBe('AF_PACKET');
    expect(AddressFamily[16]).toBe('AF_NETLINK');
    expect(AddressFamily.AF_INET).toBe(2);
    expect(AddressFamily.AF_LOCAL).toBe(1);
    expect(SocketKind[1]).toBe('SOCK_STREAM');
    expect(SocketKind[2]).toBe('SOCK_DGRAM');
    expect(SocketKind[3]).toBe('SOCK_RAW');
    expect(SocketKind[5]).toBe('SOCK_SEQPACKET');
    expect(SocketKind.SOCK_SEQPACKET).toBe(5);
    expect(familyName(2)).toBe('AF_INET');
    expect(familyName(12345)).toBe('12345');
    expect(kindName(1)).toBe('SOCK_STREAM');
    expect(kindName(99)).toBe('99');
    expect(Object.isFrozen(AddressFamily)).toBe(true);
  });

  it('every AF_ name Python has is in AddressFamily with the same number', () => {
    for (const [name, v] of Object.entries(py)) {
      if (name.startsWith('AF_')) expect((AddressFamily as Record<string, number>)[name], name).toBe(v);
    }
  });

  it('sockets print by name', () => {
    const s = new Socket(bsd.AF_INET, bsd.SOCK_DGRAM);
    try {
      s.bind(['127.0.0.1', 0]);
      const port = (s.getsockname() as [string, number])[1];
      expect(String(s)).toBe(`<bsdsock.Socket fd=${s.fileno()}, family=AF_INET, type=SOCK_DGRAM, proto=0, laddr=["127.0.0.1",${port}]>`);
    } finally {
      s.close();
    }
    const [a, c] = socketpair(bsd.AF_UNIX, bsd.SOCK_SEQPACKET);
    expect(String(a)).toBe(`<bsdsock.Socket fd=${a.fileno()}, family=AF_UNIX, type=SOCK_SEQPACKET, proto=0, laddr="", raddr="">`);
    a.close();
    c.close();
  });
});
