// What a connected charge point keeps in memory: its WebSocket, its session, not the HTTP request
// that opened it. A national network holds 100,000 connections per node; the request's headers,
// kept alive by a closure for the connection's life, were about 1.8 KiB of heap each
// (docs/PERFORMANCE-LOG.md, "Memory per connection").
// store: sqlite-only. Nothing here depends on the store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server, type IncomingMessage } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { TestClient } from '../support/ocpp-client.js';
import { startSqliteTestTomada } from '../support/tomada.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Every WebSocket handshake request the process's HTTP servers see, held weakly. */
function watchUpgradeRequests(): { requests: WeakRef<IncomingMessage>[]; stop: () => void } {
  const requests: WeakRef<IncomingMessage>[] = [];
  const emit = Server.prototype.emit;
  Server.prototype.emit = function (this: Server, ...args: Parameters<typeof emit>) {
    if (args[0] === 'upgrade') requests.push(new WeakRef(args[1] as IncomingMessage));
    return emit.apply(this, args);
  } as typeof emit;
  return { requests, stop: () => void (Server.prototype.emit = emit) };
}

async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 20 && ref.deref() !== undefined; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return ref.deref() === undefined;
}

test('a connected charge point does not keep its handshake request alive', async () => {
  const watch = watchUpgradeRequests();
  const tomada = await startSqliteTestTomada({ unknownChargePoints: 'accept' });
  const clients: TestClient[] = [];
  try {
    for (const id of ['MEM-1', 'MEM-2']) {
      const client = await TestClient.connect(tomada.wsUrl, id, { protocols: ['ocpp1.6'] });
      clients.push(client);
      await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    }
    assert.equal(watch.requests.length, 2, 'both handshakes seen');
    for (const [i, ref] of watch.requests.entries()) assert.ok(await collected(ref), `handshake request ${i + 1} is still held while its charge point is connected`);
    // The connections still work without it.
    for (const client of clients) assert.equal(typeof (await client.ok('Heartbeat', {})).currentTime, 'string');
  } finally {
    watch.stop();
    await Promise.all(clients.map((c) => c.close()));
    await tomada.close();
  }
});
