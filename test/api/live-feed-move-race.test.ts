// After a charge point changes owner, its old owner's stream is sent nothing new about it, even
// when the move lands in the middle of a read of the feed: the move and a new reading are made at
// the moment the feed reads the sessions (a review's reproduction; the feed read the charge point
// first, and sent the old owner the session as it stood after the move).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { LiveFeed, type FeedMessage } from '../../src/api/live-feed.js';
import { TestClient } from '../support/ocpp-client.js';
import { startTestTomada } from '../support/tomada.js';

test("a move in the middle of a read sends the old owner nothing taken after it", async () => {
  const t = await startTestTomada();
  let client: TestClient | undefined;
  try {
    for (const op of ['OPC-A', 'OPC-B']) assert.equal((await t.api(`/api/v1/operators/${op}`, { method: 'PUT', body: { name: op, kind: 'OPC' } })).status, 201);
    assert.equal((await t.api('/api/v1/charge-points/CP-M', { method: 'PUT', body: { operator: 'OPC-A' } })).status, 201);
    client = await TestClient.connect(t.wsUrl, 'CP-M');
    await client.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    const started = await client.call('StartTransaction', { connectorId: 1, idTag: 'MOVETAG', meterStart: 0, timestamp: new Date().toISOString() });
    const transactionId = (started[2] as { transactionId: number }).transactionId;
    const reading = (wh: number) => ({ connectorId: 1, transactionId, meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] });

    const feed = new LiveFeed(t.domain, { intervalMs: 50, fullReadSpacing: 1e9 });
    const toA: FeedMessage[] = [];
    const remove = await feed.subscribe({ visible: (_id, op) => op === 'OPC-A', send: (m) => void toA.push(m) });
    try {
      const views = t.domain.views;
      const real = views.transactions.bind(views);
      let armed = true;
      views.transactions = async (filter) => {
        if (armed && filter.chargePointId === 'CP-M') {
          armed = false;
          // The administrator gives it to OPC-B, and the charge point reports 9999 Wh for its new owner.
          assert.equal((await t.api('/api/v1/charge-points/CP-M', { method: 'PUT', body: { operator: 'OPC-B' } })).status, 200);
          await client!.call('MeterValues', reading(9999));
        }
        return real(filter);
      };
      await client.call('MeterValues', reading(100)); // the charge point acts: the feed reads it
      await sleep(600);
      const leaked = toA.filter((m) => m.type === 'transaction' && m.data.id === transactionId && m.data.energyWh === 9999);
      assert.deepEqual(leaked, [], "OPC-A was sent the session's reading taken after the charge point became OPC-B's");
      assert.ok(toA.some((m) => m.type === 'chargePointRemoved' && m.data.id === 'CP-M'), 'OPC-A is told it is gone');
    } finally {
      remove();
    }
  } finally {
    await client?.close();
    await t.close();
  }
});
