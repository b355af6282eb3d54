// A session a campaign left running on its card is stopped at the charge point's return
// (docs/VALIDATION.md, "Leaving nothing running"): a RemoteStopTransaction, the outcome on the
// campaign's record and an event; one not stopped is tried again at a later return.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultTiming } from '../../src/domain/validation/types.js';
import { runningCampaign } from '../support/campaign-records.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import { TestClient } from '../support/ocpp-client.js';

const BOOT = { chargePointVendor: 'V', chargePointModel: 'M' };
const INTERRUPTED = 'the campaign was interrupted (the node stopped during the campaign): no remote stop was sent';

/**
 * A node killed during a campaign (its record left running) while the campaign's card charged on
 * connector 2; the next start closes the campaign, naming the session left running. The charge
 * point is away meanwhile.
 */
async function sessionLeftRunning(dir: string, id: string, caseTimeoutS: number): Promise<{ tomada: TestTomada; transactionId: number }> {
  const first = await startTestTomada({ unknownChargePoints: 'accept' }, dir);
  let transactionId: number;
  try {
    await first.store.transact((tx) => tx.putValidation({ ...runningCampaign(id), timing: { ...DefaultTiming, caseTimeoutS } }));
    await first.api('/api/v1/id-tags/T', { method: 'PUT', body: { status: 'Accepted' } });
    const cp = await TestClient.connect(first.wsUrl, 'CP-X');
    await cp.ok('BootNotification', BOOT);
    ({ transactionId } = await cp.ok('StartTransaction', { connectorId: 2, idTag: 'T', meterStart: 0, timestamp: new Date().toISOString() }));
    await cp.close();
  } finally {
    await first.close();
  }
  const tomada = await startTestTomada({ unknownChargePoints: 'accept' }, dir);
  const { body } = await tomada.api(`/api/v1/validations/${id}`);
  assert.deepEqual(body.leftRunning, [{ transactionId, connectorId: 2, reason: INTERRUPTED }]);
  return { tomada, transactionId };
}

async function eventsOf(t: TestTomada, type: string, count: number): Promise<any[]> {
  for (let i = 0; i < 200; i++) {
    const items = (await t.api(`/api/v1/events?type=${type}&chargePointId=CP-X`)).body.items as any[];
    if (items.length >= count) return items;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`no ${count} ${type} event(s)`);
}

test('a session a campaign left running is stopped when its charge point comes back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-left-running-'));
  try {
    const { tomada: t, transactionId } = await sessionLeftRunning(dir, 'val-left-stopped', 10);
    try {
      const cp = await TestClient.connect(t.wsUrl, 'CP-X');
      try {
        await cp.ok('BootNotification', BOOT);
        const [, , action, payload] = await cp.waitFor((f) => f[0] === 2 && f[2] === 'RemoteStopTransaction');
        assert.deepEqual([action, payload], ['RemoteStopTransaction', { transactionId }]);
        await cp.ok('StopTransaction', { transactionId, meterStop: 500, timestamp: new Date().toISOString(), reason: 'Remote' });
        const [event] = await eventsOf(t, 'validationSessionStopped', 1);
        const reason = 'stopped: RemoteStopTransaction accepted, and its StopTransaction came';
        assert.deepEqual(event.data, { validationId: 'val-left-stopped', idTag: 'T', transactionId, connectorId: 2, attempts: 1, reason });
        const { body } = await t.api('/api/v1/validations/val-left-stopped');
        assert.equal(body.leftRunning.length, 1);
        assert.deepEqual({ ...body.leftRunning[0].afterwards, at: undefined }, { at: undefined, attempts: 1, ended: true, reason });
        assert.deepEqual(await t.store.listSessionsLeftRunning('CP-X'), [], 'an ended session is not tried again');
        const report = await t.api('/api/v1/validations/val-left-stopped/report.html');
        assert.match(typeof report.body === 'string' ? report.body : '', /stopped: RemoteStopTransaction accepted, and its StopTransaction came/);
      } finally {
        await cp.close();
      }
    } finally {
      await t.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a session its charge point does not stop at its return is said so, and ends when its StopTransaction comes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-left-running-'));
  try {
    const { tomada: t, transactionId } = await sessionLeftRunning(dir, 'val-left-ignored', 1);
    try {
      const cp = await TestClient.connect(t.wsUrl, 'CP-X');
      try {
        // Accepted, and no StopTransaction: the charge point ignores the stop.
        await cp.ok('BootNotification', BOOT);
        await cp.waitFor((f) => f[0] === 2 && f[2] === 'RemoteStopTransaction');
        const [failed] = await eventsOf(t, 'validationSessionStopFailed', 1);
        const why = 'RemoteStopTransaction was accepted, but no StopTransaction came within 1 s';
        assert.deepEqual(failed.data, { validationId: 'val-left-ignored', idTag: 'T', transactionId, connectorId: 2, attempts: 1, reason: why });
        const during = (await t.api('/api/v1/validations/val-left-ignored')).body.leftRunning[0];
        assert.deepEqual([during.afterwards.ended, during.afterwards.reason], [false, why]);
        assert.deepEqual(await t.store.listSessionsLeftRunning('CP-X'), [{ validationId: 'val-left-ignored', transactionId }], 'tried again at a later return');
        // The engineer ends it at the charge point: its StopTransaction settles it.
        await cp.ok('StopTransaction', { transactionId, meterStop: 500, timestamp: new Date().toISOString(), reason: 'Local' });
        const [stopped] = await eventsOf(t, 'validationSessionStopped', 1);
        assert.deepEqual(stopped.data, { validationId: 'val-left-ignored', idTag: 'T', transactionId, connectorId: 2, attempts: 1, reason: 'its StopTransaction came after the campaign ended' });
        assert.deepEqual(await t.store.listSessionsLeftRunning('CP-X'), []);
        assert.equal(cp.received.filter((f) => f[0] === 2 && f[2] === 'RemoteStopTransaction').length, 1);
      } finally {
        await cp.close();
      }
    } finally {
      await t.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a session left by a campaign closed as interrupted while its charge point is already back is stopped at once', async () => {
  const t = await startTestTomada({ unknownChargePoints: 'accept' });
  try {
    // Another node's campaign (or this node's, before a restart) left running in the store; its
    // charge point came back here before the campaign was closed.
    await t.store.transact((tx) => tx.putValidation({ ...runningCampaign('val-left-back'), timing: { ...DefaultTiming, caseTimeoutS: 10 } }));
    await t.api('/api/v1/id-tags/T', { method: 'PUT', body: { status: 'Accepted' } });
    const cp = await TestClient.connect(t.wsUrl, 'CP-X');
    try {
      await cp.ok('BootNotification', BOOT);
      const { transactionId } = await cp.ok('StartTransaction', { connectorId: 2, idTag: 'T', meterStart: 0, timestamp: new Date().toISOString() });
      assert.equal(await t.campaigns.closeInterrupted(), 1);
      // Nothing more from the charge point: the stop comes all the same.
      const [, , action, payload] = await cp.waitFor((f) => f[0] === 2 && f[2] === 'RemoteStopTransaction');
      assert.deepEqual([action, payload], ['RemoteStopTransaction', { transactionId }]);
      await cp.ok('StopTransaction', { transactionId, meterStop: 500, timestamp: new Date().toISOString(), reason: 'Remote' });
      const [event] = await eventsOf(t, 'validationSessionStopped', 1);
      assert.equal(event.data.transactionId, transactionId);
    } finally {
      await cp.close();
    }
  } finally {
    await t.close();
  }
});

test("a session left running is not stopped while another node's campaign runs on its charge point, and is at its first return after that", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-left-running-'));
  try {
    const { tomada: t, transactionId } = await sessionLeftRunning(dir, 'val-left-held', 10);
    try {
      // A campaign another node runs on the same charge point (a SOAP charge point's may run on
      // any node), held by the store's record alone: none runs on this node.
      const other = runningCampaign('val-of-node-b', 'node-b');
      await t.store.transact((tx) => tx.putValidation(other));
      const stops = (cp: TestClient) => cp.received.filter((f) => f[0] === 2 && f[2] === 'RemoteStopTransaction');
      const held = await TestClient.connect(t.wsUrl, 'CP-X');
      try {
        await held.ok('BootNotification', BOOT);
        await held.ok('StatusNotification', { connectorId: 2, status: 'Charging', errorCode: 'NoError' });
        await new Promise((r) => setTimeout(r, 1_500));
        assert.deepEqual(stops(held), [], "no stop while another node's campaign runs: it would end a session of its case");
        assert.deepEqual(await t.store.listSessionsLeftRunning('CP-X'), [{ validationId: 'val-left-held', transactionId }]);
      } finally {
        await held.close();
      }
      // That campaign ends; the charge point's next return stops the session.
      await t.store.transact((tx) => tx.putValidation({ ...other, status: 'cancelled', verdict: 'incomplete', finishedAt: new Date().toISOString() }));
      const cp = await TestClient.connect(t.wsUrl, 'CP-X');
      try {
        await cp.ok('BootNotification', BOOT);
        const [, , , payload] = await cp.waitFor((f) => f[0] === 2 && f[2] === 'RemoteStopTransaction');
        assert.deepEqual(payload, { transactionId });
      } finally {
        await cp.close();
      }
    } finally {
      await t.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
