/**
 * The connectionless (UDP) echo client of the seed text: each line of the
 * message is sent in one datagram with sendto(), and the echo is read back
 * with recvfrom(). Prints what Python's listing prints:
 *
 *     SENT b'...' (30 of 30) to ('localhost', 8883)
 *     RCVD '...' from ('127.0.0.1', 8883)
 * @module
 */
import { Socket, AF_INET, AF_INET6, SOCK_DGRAM } from 'bsdsock';
import { type Command, defaultHost, messageLines, netOptions, parseCommand, portOption, pyBytesRepr, pyRepr, pyStrRepr, runIfMain } from './common';

/** The listing's MESSAGE, one datagram per line. */
export const MESSAGE = `This is a bunch of lines, each
of which will be sent in a single
UDP datagram. No error detection
or correction will occur.
Crazy bananas! £€ should go through.`;

const net = netOptions(8883, 'send to');
export const command: Command = {
  name: 'udp-echo-client',
  summary: 'Sends lines as UDP datagrams to the UDP echo server and prints each echo (sendto / recvfrom).',
  options: { ...net.options, stdin: { type: 'boolean' } },
  help: [...net.help, '--stdin            send the lines read from stdin instead of the text\'s message'],
};

export async function main(argv: string[]): Promise<void> {
  const opts = parseCommand(command, argv);
  if (opts === null) return;
  const ipv6 = opts.ipv6 === true;
  const server: [string, number] = [(opts.host as string | undefined) ?? defaultHost(ipv6), portOption(command, opts.port, 8883)];
  const encoding = 'utf-8';
  {
    using sock = new Socket(ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM);
    for await (const line of messageLines(MESSAGE, opts.stdin === true)) {
      const data = Buffer.from(line, encoding);
      const bytesSent = await sock.sendto(data, server);
      console.log(`SENT ${pyBytesRepr(data)} (${bytesSent} of ${data.length}) to ${pyRepr(server)}`);
      const [response, address] = await sock.recvfrom(1024); // buffer size: 1024
      console.log(`RCVD ${pyStrRepr(response.toString(encoding))} from ${pyRepr(address)}`);
    }
  }
  console.log('Disconnected from server');
}

runIfMain(module, main);
