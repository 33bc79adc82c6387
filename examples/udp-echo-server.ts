/**
 * The connectionless (UDP) echo server of the seed text: bind, then forever
 * recvfrom() a datagram and sendto() the same bytes back to its sender. Like
 * the listing, it uses blocking calls (the `...Sync` API) and stops only when
 * interrupted (Ctrl-C).
 * @module
 */
import { Socket, AF_INET, AF_INET6, SOCK_DGRAM } from 'bsdsock';
import { type Command, defaultHost, netOptions, parseCommand, portOption, printSync, pyBytesRepr, pyRepr, runIfMain } from './common';

const net = netOptions(8883, 'bind to');
export const command: Command = {
  name: 'udp-echo-server',
  summary: 'UDP echo server: returns every datagram to its sender (recvfrom / sendto), until interrupted.',
  options: net.options,
  help: net.help,
};

export function main(argv: string[]): void {
  const opts = parseCommand(command, argv);
  if (opts === null) return;
  const ipv6 = opts.ipv6 === true;
  const host = (opts.host as string | undefined) ?? defaultHost(ipv6);
  using sock = new Socket(ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM);
  sock.bind([host, portOption(command, opts.port, 8883)]);
  // The listing prints the address it asked for; this prints the one bound
  // (the port the kernel picked for --port 0), as the TCP servers do.
  console.log(`Serving at ${pyRepr(sock.getsockname())}`);
  for (;;) {
    const [data, senderAddr] = sock.recvfromSync(1024); // 1024-byte buffer
    printSync(`RCVD ${pyBytesRepr(data)} from ${pyRepr(senderAddr)}`);
    const bytesSent = sock.sendtoSync(data, senderAddr!);
    printSync(`SENT ${pyBytesRepr(data)} (${bytesSent}/${data.length}) to ${pyRepr(senderAddr)}`);
  }
}

runIfMain(module, main);
