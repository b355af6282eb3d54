// Two nodes on one PostgreSQL database write events; one node's batch takes an event id, then is
// still running when the other node commits an event with a higher id. A webhook delivering that
// moment must not pass the first event: it waits for the batch, then delivers both, in id order.
// Without the wait, the cursor moved past the late event and it was never delivered. The same holds
// for any reader following the events with a cursor (the API's `afterId`).
// store: postgres-only (scripts/run-tests.mjs runs it in the PostgreSQL pass alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { newChargePoint } from '../../src/domain/registry.js';
import { WebhookDeliverer } from '../../src/events/webhooks.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { createTestSchema, needsPostgres } from '../support/database.js';

test('an event another node commits late is delivered, in id order, not passed', await needsPostgres(), async () => {
  const schema = await createTestSchema();
  const [a, b] = await Promise.all([openPostgresStore(schema.url, { poolSize: 3 }), openPostgresStore(schema.url, { poolSize: 3 })]);
  const received: { id: number; type: string }[] = [];
  const receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const event = JSON.parse(body) as { id: number; type: string };
      received.push({ id: event.id, type: event.type });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  // Node B's batch inserts its event (taking the lower id), then holds its transaction open until released.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  try {
    const at = new Date().toISOString();
    await a.transact(async (tx) => {
      await tx.putOperator({ id: 'opx', name: 'Operator X', kind: 'OPC', createdAt: at });
      await tx.insertChargePoint({ ...newChargePoint('LATE-1', 'Accepted', at), operator: 'opx' });
      await tx.putWebhook({ operator: 'opx', url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, secret: 'a-secret-of-sixteen+', createdAt: at });
    });
    const event = (type: string) => ({ at: new Date().toISOString(), chargePointId: 'LATE-1', type, data: {} });

    let inserted!: () => void;
    const insertedB = new Promise<void>((resolve) => (inserted = resolve));
    const late = b.transact(async (tx) => {
      await tx.insertEvent(event('late'));
      inserted();
      await held;
    });
    await insertedB;
    // Node A commits an event with a higher id meanwhile.
    await a.transact((tx) => tx.insertEvent(event('early')));
    const visible = await a.listEvents({ operator: 'opx' }); // no cursor: what is committed, newest first
    assert.deepEqual(visible.map((e) => e.type), ['early'], 'the late event is not visible yet: the situation under test');

    const deliverer = new WebhookDeliverer(a, { warn: () => undefined, error: () => undefined }, { pollMs: 10, backoffMs: 0, maxBackoffMs: 0, timeoutMs: 2_000 });
    const pass = deliverer.deliverAll();
    const cursorRead = a.listEvents({ operator: 'opx', afterId: 0 });
    let cursorReadDone = false;
    void cursorRead.then(() => (cursorReadDone = true));
    // The pass waits for B's batch instead of delivering past it, as does any cursor read.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(received.length, 0, 'nothing is delivered while an event with a lower id may still commit');
    assert.equal(cursorReadDone, false, 'a cursor read does not answer while an event with a lower id may still commit');
    release();
    await late;
    await pass;
    assert.deepEqual((await cursorRead).map((e) => e.type), ['late', 'early']);
    await deliverer.deliverAll(); // a later pass finds nothing more
    assert.deepEqual(received.map((e) => e.type), ['late', 'early']);
    assert.ok(received[0]!.id < received[1]!.id);
    assert.equal((await a.getWebhook('opx'))!.lastEventId, received[1]!.id);
  } finally {
    release(); // a failed assertion must not leave B's batch (and b.close()) waiting
    await new Promise((resolve) => receiver.close(resolve));
    await Promise.all([a.close(), b.close()]);
    await schema.drop();
  }
});
