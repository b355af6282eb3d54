// A receiver that holds its POST (slow, or not answering until the timeout) holds up its own
// operator's events only: another operator's webhook is delivered meanwhile, by the same node's pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newChargePoint } from '../../src/domain/registry.js';
import { WebhookDeliverer } from '../../src/events/webhooks.js';
import { openStore } from '../../src/store/open.js';
import { withTestDatabase } from '../support/database.js';

const SECRET = 'a-secret-of-sixteen+';
const quiet = { warn: () => undefined, error: () => undefined };

async function until(condition: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test("a slow receiver holds up its own operator's events only, not another operator's", async (t) => {
  const got: Record<string, number[]> = { slow: [], quick: [] };
  const held: ServerResponse[] = [];
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const which = request.url === '/slow' ? 'slow' : 'quick';
      got[which]!.push(Number(request.headers['x-tomada-event-id']));
      if (which === 'slow') held.push(response);
      else response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  await withTestDatabase(t, async (database) => {
    const store = await openStore(database.url);
    try {
      const at = new Date().toISOString();
      await store.transact(async (tx) => {
        // "opa" is listed first: without delivering side by side, "opb" waits behind it.
        for (const [operator, path] of [['opa', '/slow'], ['opb', '/quick']] as const) {
          await tx.putOperator({ id: operator, name: operator, kind: 'OPC', createdAt: at });
          await tx.insertChargePoint({ ...newChargePoint(`CP-${operator}`, 'Accepted', at), operator });
          await tx.putWebhook({ operator, url: `${base}${path}`, secret: SECRET, createdAt: at });
          await tx.insertEvent({ at, chargePointId: `CP-${operator}`, type: 'test', data: {} });
        }
      });
      const deliverer = new WebhookDeliverer(store, quiet, { pollMs: 5, backoffMs: 0, maxBackoffMs: 0, timeoutMs: 60_000, node: 'node-a' });
      const pass = deliverer.deliverAll();
      await until(() => got.slow!.length === 1, "the slow receiver's POST");
      await until(() => got.quick!.length === 1, "the other operator's event, while the slow receiver holds its POST");
      for (const response of held) response.writeHead(204).end();
      await pass;
      assert.equal((await store.getWebhook('opa'))!.lastEventId, got.slow![0]);
      assert.equal((await store.getWebhook('opb'))!.lastEventId, got.quick![0]);
    } finally {
      await store.close();
    }
  });
});

test("a slow receiver working off a backlog lets another operator's new events go between its turns, its own in order", async (t) => {
  const got: Record<string, number[]> = { slow: [], quick: [] };
  /** How many of the slow receiver's events had come when the other operator's came. */
  let slowWhenQuick = -1;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const which = request.url === '/slow' ? 'slow' : 'quick';
      got[which]!.push(Number(request.headers['x-tomada-event-id']));
      if (which === 'quick') {
        slowWhenQuick = got.slow!.length;
        response.writeHead(204).end();
      } else setTimeout(() => response.writeHead(204).end(), 100);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  await withTestDatabase(t, async (database) => {
    const store = await openStore(database.url);
    const backlog = 30;
    const deliverer = new WebhookDeliverer(store, quiet, { pollMs: 5, backoffMs: 0, maxBackoffMs: 0, timeoutMs: 60_000, turnMs: 300, node: 'node-a' });
    try {
      const at = new Date().toISOString();
      await store.transact(async (tx) => {
        for (const [operator, path] of [['opa', '/slow'], ['opb', '/quick']] as const) {
          await tx.putOperator({ id: operator, name: operator, kind: 'OPC', createdAt: at });
          await tx.insertChargePoint({ ...newChargePoint(`CP-${operator}`, 'Accepted', at), operator });
          await tx.putWebhook({ operator, url: `${base}${path}`, secret: SECRET, createdAt: at });
        }
        // The slow receiver's backlog (after its outage, say): 3 s of POSTs at 100 ms each.
        for (let i = 0; i < backlog; i++) await tx.insertEvent({ at, chargePointId: 'CP-opa', type: 'test', data: { i } });
      });
      deliverer.start();
      await until(() => got.slow!.length >= 2, "the slow receiver's first POSTs");
      // The other operator's event comes while the backlog is being worked off.
      await store.transact((tx) => tx.insertEvent({ at: new Date().toISOString(), chargePointId: 'CP-opb', type: 'test', data: {} }));
      await until(() => got.quick!.length === 1 && got.slow!.length === backlog, 'every event delivered');
      assert.ok(slowWhenQuick < backlog, `the other operator's event came after the slow receiver's whole backlog (${slowWhenQuick} of ${backlog})`);
      assert.deepEqual(got.slow, [...got.slow!].sort((a, b) => a - b), "the slow receiver's events in order");
      assert.equal(new Set(got.slow).size, backlog, 'each once');
    } finally {
      await deliverer.stop();
      await store.close();
    }
  });
});
