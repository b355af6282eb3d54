// A node killed during a campaign leaves it "running" in the store; the next start closes it as
// incomplete instead of showing it running forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runningCampaign } from '../support/campaign-records.js';
import { startTestTomada } from '../support/tomada.js';
import { TestClient } from '../support/ocpp-client.js';
import { natsUnavailable, randomPrefix, SHARED_NATS } from '../cluster/helpers.js';

test('a campaign left running by a stopped node is closed as incomplete at the next start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-interrupted-'));
  try {
    const first = await startTestTomada({ unknownChargePoints: 'accept' }, dir);
    // Cancelled by the operator, its wrap-up under way when the node went.
    const left = { ...runningCampaign('val-left-running'), cancelling: { at: new Date().toISOString(), reason: 'the campaign was cancelled' } };
    await first.store.transact((tx) => tx.putValidation(left));
    // A session its campaign started with its card (on another connector than the campaign's).
    await first.api('/api/v1/id-tags/T', { method: 'PUT', body: { status: 'Accepted' } });
    const cp = await TestClient.connect(first.wsUrl, 'CP-X');
    await cp.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    const { transactionId } = await cp.ok('StartTransaction', { connectorId: 2, idTag: 'T', meterStart: 0, timestamp: new Date().toISOString() });
    await cp.close();
    await first.close();

    const second = await startTestTomada({}, dir);
    try {
      const { body } = await second.api('/api/v1/validations/val-left-running');
      assert.equal(body.status, 'cancelled');
      assert.equal(body.verdict, 'incomplete');
      assert.equal(body.cancelling, undefined, 'ended: no longer cancelling');
      assert.deepEqual(body.registry, { validated: false, reason: 'the campaign was interrupted: the node stopped during the campaign' });
      assert.deepEqual(body.cases.map((c: any) => [c.id, c.status, c.reason]), [
        ['ocpp.version', 'pass', 'ok'],
        ['authorize.valid', 'skipped', 'the node stopped during the campaign'],
      ]);
      const events = await second.api('/api/v1/events?type=validationFinished');
      assert.equal(events.body.items[0].data.interrupted, true);
      // The session it started with its card was never stopped: the record and an event name it.
      const reason = 'the campaign was interrupted (the node stopped during the campaign): no remote stop was sent';
      assert.deepEqual(body.leftRunning, [{ transactionId, connectorId: 2, reason }]);
      const left = await second.api('/api/v1/events?type=validationSessionLeftRunning');
      assert.deepEqual(left.body.items.map((e: any) => e.data), [{ validationId: 'val-left-running', idTag: 'T', transactionId, connectorId: 2, reason }]);
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("in a cluster, a node's start closes only the campaigns its own previous run left", { skip: await natsUnavailable() }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-interrupted-'));
  // Heartbeats 5 s apart: node-z, whom nobody hears, is taken for lost, and its campaign closed,
  // once the second node has listened for 20 s (its look for campaigns of nodes not live, app.ts):
  // at 200 ms apart that look came 0.8 s after the start and closed it first on a loaded machine.
  const cluster = { natsUrl: SHARED_NATS, nodeId: 'node-a', prefix: randomPrefix(), heartbeatMs: 5_000 };
  try {
    const first = await startTestTomada({ cluster }, dir);
    await first.store.transact(async (tx) => {
      await tx.putValidation(runningCampaign('val-of-node-a', 'node-a'));
      await tx.putValidation(runningCampaign('val-of-node-z', 'node-z', 'CP-Z'));
    });
    await first.close();

    const second = await startTestTomada({ cluster }, dir);
    try {
      assert.equal((await second.api('/api/v1/validations/val-of-node-a')).body.status, 'cancelled');
      assert.equal((await second.api('/api/v1/validations/val-of-node-z')).body.status, 'running', 'another node may still be running it');
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
