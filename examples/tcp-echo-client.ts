/**
 * The connection-oriented (TCP) echo test client of the seed text: connect,
 * then for each line sendall() it and print the echo read with recvfrom()
 * (on a connected TCP socket the address is `None`, as in Python).
 * @module
 */
import { Socket, AF_INET, AF_INET6, SOCK_STREAM } from 'bsdsock';
import { type Command, defaultHost, messageLines, netOptions, parseCommand, portOption, pyBytesRepr, pyRepr, pyStrRepr, runIfMain } from './common';

/** The listing's MESSAGE, one send per line. */
export const MESSAGE = `A few lines of text
including non-ASCII characters: €£
to test the operation
of both server
and client.`;

const net = netOptions(8881, 'connect to');
export const command: Command = {
  name: 'tcp-echo-client',
  summary: 'Connects to the TCP echo server, sends lines and prints each echo (connect / sendall / recvfrom).',
  options: { ...net.options, stdin: { type: 'boolean' } },
  help: [...net.help, "--stdin            send the lines read from stdin instead of the text's message"],
};

export async function main(argv: string[]): Promise<void> {
  const opts = parseCommand(command, argv);
  if (opts === null) return;
  const ipv6 = opts.ipv6 === true;
  const host = (opts.host as string | undefined) ?? defaultHost(ipv6);
  const port = portOption(command, opts.port, 8881);
  const encoding = 'utf-8';
  {
    using sock = new Socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM);
    await sock.connect([host, port]);
    console.log(`Connected to server ${host}:${port}`);
    for await (const line of messageLines(MESSAGE, opts.stdin === true)) {
      const data = Buffer.from(line, encoding);
      await sock.sendall(data);
      console.log(`SENT ${pyBytesRepr(data)} (${data.length})`);
      const [response, address] = await sock.recvfrom(1024); // buffer size: 1024
      console.log(`RCVD ${pyStrRepr(response.toString(encoding))} (${response.length}) from ${pyRepr(address)}`);
    }
  }
  console.log('Disconnected from server');
}

runIfMain(module, main);
