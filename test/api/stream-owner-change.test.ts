// A charge point given to another operator leaves the old operator's live stream and joins the new
// one's, with its running transaction: the old dashboard kept it, stale, until a reload, and the
// new one did not show it (nor its session) until its next full read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStream } from '../support/stream.js';
import { TestClient } from '../support/ocpp-client.js';
import { startTestTomada } from '../support/tomada.js';

test("a charge point given to another operator is removed from the old operator's stream and sent, with its session, to the new one's", async () => {
  const t = await startTestTomada();
  const streams: ReturnType<typeof openStream>[] = [];
  let client: TestClient | undefined;
  try {
    for (const op of ['OPC-OLD', 'OPC-NEW']) assert.equal((await t.api(`/api/v1/operators/${op}`, { method: 'PUT', body: { name: op, kind: 'OPC' } })).status, 201);
    assert.equal((await t.api('/api/v1/charge-points/CP-MOVED', { method: 'PUT', body: { operator: 'OPC-OLD' } })).status, 201);
    assert.equal((await t.api('/api/v1/charge-points/CP-STAYS', { method: 'PUT', body: { operator: 'OPC-OLD' } })).status, 201);
    client = await TestClient.connect(t.wsUrl, 'CP-MOVED');
    await client.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    const started = await client.call('StartTransaction', { connectorId: 1, idTag: 'MOVETAG', meterStart: 0, timestamp: new Date().toISOString() });
    const transactionId = (started[2] as { transactionId: number }).transactionId;

    const tokenOf = async (operator: string) =>
      (await t.api('/api/v1/tokens', { method: 'POST', body: { name: `${operator} screen`, role: 'readonly', operator } })).body.token as string;
    const old = openStream(t, await tokenOf('OPC-OLD'));
    const next = openStream(t, await tokenOf('OPC-NEW'));
    streams.push(old, next);
    await old.waitFor('ready');
    await next.waitFor('ready');
    assert.ok(old.events.some((e) => e.type === 'chargePoint' && e.data.id === 'CP-MOVED'), 'the old operator saw it');
    assert.ok(old.events.some((e) => e.type === 'transaction' && e.data.id === transactionId), "and its session");
    assert.ok(!next.events.some((e) => e.data.id === 'CP-MOVED' || e.data.chargePointId === 'CP-MOVED'), 'the new operator did not');

    assert.equal((await t.api('/api/v1/charge-points/CP-MOVED', { method: 'PUT', body: { operator: 'OPC-NEW' } })).status, 200);

    assert.deepEqual(await old.waitFor('chargePointRemoved', (d) => d.id === 'CP-MOVED'), { id: 'CP-MOVED' });
    const gained = await next.waitFor('chargePoint', (d) => d.id === 'CP-MOVED');
    assert.equal(gained.operator, 'OPC-NEW');
    const session = await next.waitFor('transaction', (d) => d.id === transactionId);
    assert.equal(session.stoppedAt, null, 'its running session comes with it');
    assert.ok(!old.events.some((e) => e.type === 'chargePointRemoved' && e.data.id === 'CP-STAYS'), 'nothing else left');

    // Afterwards the old operator is told nothing of it; the new one everything.
    const oldSeen = old.events.length;
    await client.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: new Date().toISOString() });
    await next.waitFor('chargePoint', (d) => d.id === 'CP-MOVED' && d.connectors.some((c: { status: string }) => c.status === 'Charging'));
    await sleep(200);
    const leaked = old.events.slice(oldSeen).filter((e) => e.data.id === 'CP-MOVED' || e.data.chargePointId === 'CP-MOVED');
    assert.deepEqual(leaked, [], 'the old operator hears nothing more of it');
  } finally {
    for (const stream of streams) stream.close();
    await client?.close();
    await t.close();
  }
});
