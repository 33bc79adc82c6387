// Shared by the Node benchmark servers: argv parsing and the READY line.
//
// Every server program is started as `<program> <transport> <address>`:
//   tcp  <port>   listen on 127.0.0.1:<port> (0 = ephemeral)
//   unix <path>   listen on an AF_UNIX stream socket at <path>
//   udp  <port>   bind a UDP socket on 127.0.0.1:<port>
// and prints `READY <port-or-path>` on stdout once it accepts traffic.
import fs from 'node:fs';

export const HOST = '127.0.0.1';

/** @returns {{transport: 'tcp'|'unix'|'udp', address: string}} */
export function parseArgs(argv = process.argv.slice(2)) {
  const [transport, address] = argv;
  if (!['tcp', 'unix', 'udp'].includes(transport) || address === undefined) {
    console.error(`usage: ${process.argv[1]} tcp|unix|udp <port-or-path>`);
    process.exit(2);
  }
  return { transport, address };
}

/** Tells the driver that the server is listening. */
export function ready(portOrPath) {
  process.stdout.write(`READY ${portOrPath}\n`);
}

/** Listens a net.Server on the transport from argv and prints READY. */
export function listenNet(server, { transport, address }) {
  if (transport === 'unix') {
    fs.rmSync(address, { force: true });
    server.listen(address, () => ready(address)); // the driver removes the path
  } else if (transport === 'tcp') {
    server.listen(Number(address), HOST, () => ready(server.address().port));
  } else {
    throw new Error(`a stream server cannot serve ${transport}`);
  }
}
