/**
 * The connectionless (UDP) echo client of the seed text: each line of the
 * message is sent in one datagram with sendto(), and the echo is read back
 * with recvfrom(). Prints what Python's listing prints:
 *
 *     SENT b'...' (30 of 30) to ('localhost', 8883)
 *     RCVD '...' from ('127.0.0.1', 8883)
 * @module
 */
import { Socket, AF_INET, AF_INET6, SOCK_DGRAM, SocketTimeoutError } from 'bsdsock';
import { type Command, defaultHost, messageLines, netOptions, parseCommand, portOption, pyBytesRepr, pyRepr, pyStrRepr, runIfMain, secondsOption } from './common';

/** The listing's MESSAGE, one datagram per line. */
export const MESSAGE = `This is a bunch of lines, each
of which will be sent in a single
UDP datagram. No error detection
or correction will occur.
Crazy bananas! £€ should go through.`;

/**
 * Seconds to wait for an echo. UDP has no connection that could fail: with no
 * server, a datagram is just lost (and an unconnected socket hears nothing of
 * the ICMP "port unreachable"), so without a deadline the client would wait
 * forever.
 */
const DEFAULT_TIMEOUT = 5;

const net = netOptions(8883, 'send to');
export const command: Command = {
  name: 'udp-echo-client',
  summary: 'Sends lines as UDP datagrams to the UDP echo server and prints each echo (sendto / recvfrom).',
  options: { ...net.options, stdin: { type: 'boolean' }, timeout: { type: 'string', short: 't' } },
  help: [
    ...net.help,
    '--stdin            send the lines read from stdin instead of the text\'s message',
    `-t, --timeout SEC  how long to wait for each echo (default: ${DEFAULT_TIMEOUT})`,
  ],
};

export async function main(argv: string[]): Promise<void> {
  const opts = parseCommand(command, argv);
  if (opts === null) return;
  const ipv6 = opts.ipv6 === true;
  const server: [string, number] = [(opts.host as string | undefined) ?? defaultHost(ipv6), portOption(command, opts.port, 8883)];
  const timeout = secondsOption(command, 'timeout', opts.timeout, DEFAULT_TIMEOUT);
  const encoding = 'utf-8';
  {
    using sock = new Socket(ipv6 ? AF_INET6 : AF_INET, SOCK_DGRAM);
    sock.settimeout(timeout);
    for await (const line of messageLines(MESSAGE, opts.stdin === true)) {
      const data = Buffer.from(line, encoding);
      const bytesSent = await sock.sendto(data, server);
      console.log(`SENT ${pyBytesRepr(data)} (${bytesSent} of ${data.length}) to ${pyRepr(server)}`);
      let response: Buffer, address: unknown;
      try {
        [response, address] = await sock.recvfrom(1024); // buffer size: 1024
      } catch (e) {
        if (!(e instanceof SocketTimeoutError)) throw e;
        throw new Error(`no echo from ${pyRepr(server)} within ${timeout} s: is udp-echo-server running there? (--timeout to wait longer)`);
      }
      console.log(`RCVD ${pyStrRepr(response.toString(encoding))} from ${pyRepr(address)}`);
    }
  }
  console.log('Disconnected from server');
}

runIfMain(module, main);
