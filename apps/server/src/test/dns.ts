import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import type { AddressInfo } from 'node:net';
import type { Resolve } from '../sources/http.js';

/** Decides the A records of one query; called for every query, so answers can change over time. */
export type Answer = (name: string) => string[];

export interface DnsServer {
  /** `host:port` of the server, for Resolver.setServers. */
  address: string;
  /** Names asked, in order. */
  queries: string[];
  /** A resolver that asks only this server, in the shape createHttpSource takes. */
  resolve: Resolve;
  close(): Promise<void>;
}

/**
 * A real DNS server on 127.0.0.1 (UDP), answering A queries with what `answer` says and TTL 0,
 * and nothing for other types. Enough of RFC 1035 for Node's resolver (c-ares).
 */
export async function startDnsServer(answer: Answer): Promise<DnsServer> {
  const socket = createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (msg, peer) => {
    const labels: string[] = [];
    let i = 12;
    while (i < msg.length && msg[i]! > 0) {
      labels.push(msg.subarray(i + 1, i + 1 + msg[i]!).toString('latin1'));
      i += msg[i]! + 1;
    }
    const questionEnd = i + 5;
    const type = msg.readUInt16BE(i + 1);
    const name = labels.join('.').toLowerCase();
    queries.push(name);
    const addresses = type === 1 ? answer(name) : [];
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2); // id
    header.writeUInt16BE(0x8180, 2); // response, recursion desired + available, no error
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(addresses.length, 6);
    const records = addresses.map((ip) => {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
      rr.writeUInt16BE(1, 2); // A
      rr.writeUInt16BE(1, 4); // IN
      rr.writeUInt32BE(0, 6); // TTL 0: nothing may cache it
      rr.writeUInt16BE(4, 10);
      ip.split('.').forEach((octet, k) => {
        rr[12 + k] = Number(octet);
      });
      return rr;
    });
    socket.send(Buffer.concat([header, msg.subarray(12, questionEnd), ...records]), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(socket.address() as AddressInfo).port}`;
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([address]);
  return {
    address,
    queries,
    resolve: async (hostname) => (await resolver.resolve4(hostname)).map((a) => ({ address: a, family: 4 })),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
