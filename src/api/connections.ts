// How many connections the operator listener holds: in all, and from one address. Every connection
// is a file descriptor, and the node's descriptors are shared with its charge points: without a cap
// a client needing no token (connections that send part of a request and wait, opened faster than
// the request timeout closes them) took all of them, and charge points could no longer connect.
// Past the cap for all, Node closes a new connection at once; past the one for its address (when
// set: behind a load balancer or a proxy every client has the balancer's address), it is answered
// 429 and closed, so that one address cannot take every place.
import type { Server } from 'node:http';
import type { Logger } from '../log.js';
import { rawErrorResponse } from './errors.js';

export interface ConnectionLimits {
  /** Connections held at once, from every address. */
  total: number;
  /** Connections held at once from one address; undefined: no cap by address. */
  perAddress?: number | undefined;
}

/** Between two log lines about refused connections, at most. */
const LOG_EVERY_MS = 60_000;

export function limitConnections(server: Server, { total, perAddress }: ConnectionLimits, log: Logger): void {
  server.maxConnections = total;
  const open = new Map<string, number>();
  // One line now and then, with how many were refused since the last: a flood must not fill the disk.
  const refused = { total: 0, perAddress: 0, loggedAt: 0 };
  const note = (kind: 'total' | 'perAddress', remote: string | undefined) => {
    refused[kind]++;
    const now = Date.now();
    if (now - refused.loggedAt < LOG_EVERY_MS) return;
    log.warn({ remote, refusedAtTotalCap: refused.total, refusedAtAddressCap: refused.perAddress, total, perAddress }, 'operator API connections refused: too many open');
    refused.total = refused.perAddress = 0;
    refused.loggedAt = now;
  };
  server.on('drop', (data?: { remoteAddress?: string }) => note('total', data?.remoteAddress));
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    if (perAddress === undefined) return;
    const count = (open.get(address) ?? 0) + 1;
    if (count > perAddress) {
      note('perAddress', address);
      socket.on('error', () => undefined);
      socket.end(rawErrorResponse(429, `This address has ${perAddress} connections open to the operator API already; close some first`));
      // Its descriptor is not kept waiting for a client that does not close its side.
      setTimeout(() => socket.destroy(), 1_000).unref();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
