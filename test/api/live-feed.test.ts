// The dashboard's live feed on a real node: the whole state read a page at a time, then each
// interval only the charge points that acted here or whose presence changed, and the whole network
// again only as often as the cost of reading it allows (src/api/live-feed.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { LiveFeed, type FeedMessage } from '../../src/api/live-feed.js';
import { eventually } from '../cluster/helpers.js';
import { TestClient } from '../support/ocpp-client.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';

/** A listener that sees everything and keeps what it was sent, the JSON checked against the data. */
function recorder() {
  const messages: FeedMessage[] = [];
  return {
    messages,
    listener: {
      visible: () => true,
      send(message: FeedMessage, json: string) {
        assert.deepEqual(JSON.parse(json), message.data, 'the JSON sent is the message');
        messages.push(message);
      },
    },
    waitFor(match: (m: FeedMessage) => boolean): Promise<FeedMessage> {
      return eventually(`a matching message among ${messages.length} and those to come`, () => messages.find(match));
    },
  };
}

async function bootAndStart(t: TestTomada, id: string, idTag: string) {
  const client = await TestClient.connect(t.wsUrl, id);
  await client.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  const start = await client.call('StartTransaction', { connectorId: 1, idTag, meterStart: 0, timestamp: new Date().toISOString() });
  return { client, transactionId: (start[2] as { transactionId: number }).transactionId };
}

test('a new listener gets every charge point and every running transaction, read a page at a time', async () => {
  const t = await startTestTomada({ unknownChargePoints: 'accept' });
  const clients: TestClient[] = [];
  try {
    for (let i = 1; i <= 7; i++) {
      const status = await t.api(`/api/v1/charge-points/PAGE-${i}`, { method: 'PUT', body: {} });
      assert.equal(status.status, 201);
    }
    const started: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const { client, transactionId } = await bootAndStart(t, `PAGE-${i}`, `PAGETAG${i}`);
      clients.push(client);
      started.push(transactionId);
    }
    // Pages of 2: 7 charge points in 4 pages, 5 running transactions in 3.
    const feed = new LiveFeed(t.domain, { pageSize: 2 });
    const seen = recorder();
    const remove = await feed.subscribe(seen.listener);
    try {
      const chargePoints = seen.messages.filter((m) => m.type === 'chargePoint').map((m) => m.data.id);
      assert.deepEqual(chargePoints, ['PAGE-1', 'PAGE-2', 'PAGE-3', 'PAGE-4', 'PAGE-5', 'PAGE-6', 'PAGE-7']);
      const running = seen.messages.filter((m) => m.type === 'transaction').map((m) => m.data.id);
      assert.deepEqual(running, started.sort((a, b) => a - b));
      const first = seen.messages.find((m) => m.type === 'chargePoint' && m.data.id === 'PAGE-1')!;
      assert.equal(first.type === 'chargePoint' && first.data.connected, true);
      assert.equal(first.type === 'chargePoint' && first.data.vendor, 'V');
    } finally {
      remove();
    }
    assert.equal(feed.listenerCount, 0);
  } finally {
    for (const client of clients) await client.close();
    await t.close();
  }
});

test('between full reads, what a charge point does here is sent within an interval; what no one here heard waits for the next full read', async () => {
  const t = await startTestTomada({ unknownChargePoints: 'accept' });
  try {
    assert.equal((await t.api('/api/v1/charge-points/QUIET-1', { method: 'PUT', body: {} })).status, 201);
    const { client, transactionId } = await bootAndStart(t, 'BUSY-1', 'BUSYTAG1');
    // Full reads so far apart that only the first one happens in this test.
    const paced = new LiveFeed(t.domain, { intervalMs: 50, fullReadSpacing: 1e9 });
    const eager = new LiveFeed(t.domain, { intervalMs: 50, fullReadSpacing: 0 });
    const fromPaced = recorder();
    const fromEager = recorder();
    const removePaced = await paced.subscribe(fromPaced.listener);
    const removeEager = await eager.subscribe(fromEager.listener);
    const sentBefore = fromPaced.messages.length;
    try {
      // A call answered here: its charge point is read again at the next interval.
      await client.call('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: new Date().toISOString() });
      await fromPaced.waitFor(
        (m) => m.type === 'chargePoint' && m.data.id === 'BUSY-1' && m.data.connectors.some((c: { connectorId: number; status: string }) => c.connectorId === 1 && c.status === 'Charging'),
      );

      // A change in the store that no call here announced (another node's, say).
      await t.store.transact((tx) => tx.updateChargePoint('QUIET-1', { vendor: 'Written elsewhere' }));
      await fromEager.waitFor((m) => m.type === 'chargePoint' && m.data.id === 'QUIET-1' && m.data.vendor === 'Written elsewhere');
      await sleep(300);
      assert.equal(
        fromPaced.messages.slice(sentBefore).some((m) => m.type === 'chargePoint' && m.data.id === 'QUIET-1'),
        false,
        'the paced feed did not read every charge point again at each interval',
      );

      // The session's end, a changed transaction of a charge point that acted.
      await client.call('StopTransaction', { transactionId, meterStop: 1500, timestamp: new Date().toISOString() });
      const stopped = await fromPaced.waitFor((m) => m.type === 'transaction' && m.data.id === transactionId && m.data.stoppedAt !== null);
      assert.equal(stopped.type === 'transaction' && stopped.data.energyWh, 1500);

      // A disconnection changes no row: presence is compared in memory at each interval.
      await client.close();
      await fromPaced.waitFor((m) => fromPaced.messages.indexOf(m) >= sentBefore && m.type === 'chargePoint' && m.data.id === 'BUSY-1' && m.data.connected === false);
    } finally {
      removePaced();
      removeEager();
    }
  } finally {
    await t.close();
  }
});

test("an operator's edit of a charge point (its owner given to another) is read within an interval on the node that took it, not at the next full read", async () => {
  const t = await startTestTomada();
  try {
    for (const op of ['OPC-FROM', 'OPC-TO']) assert.equal((await t.api(`/api/v1/operators/${op}`, { method: 'PUT', body: { name: op, kind: 'OPC' } })).status, 201);
    assert.equal((await t.api('/api/v1/charge-points/EDITED-1', { method: 'PUT', body: { operator: 'OPC-FROM' } })).status, 201);
    // Full reads so far apart that only the first one happens in this test.
    const paced = new LiveFeed(t.domain, { intervalMs: 50, fullReadSpacing: 1e9 });
    const seen = recorder();
    const remove = await paced.subscribe(seen.listener);
    try {
      assert.equal((await t.api('/api/v1/charge-points/EDITED-1', { method: 'PUT', body: { operator: 'OPC-TO' } })).status, 200);
      await seen.waitFor((m) => m.type === 'chargePoint' && m.data.id === 'EDITED-1' && m.data.operator === 'OPC-TO');
    } finally {
      remove();
    }
  } finally {
    await t.close();
  }
});
