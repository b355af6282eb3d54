// A campaign whose cases ran to the end leaves its connector idle, whatever card the charge point
// charges on there (docs/VALIDATION.md, "Leaving nothing running", step 2); a wrap-up cut short
// before that (a cancel, the node's stop) names the session there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import { TestClient } from '../support/ocpp-client.js';
import { runCampaign, summary } from './rig.js';

test('a charge point that started the remote start on another card is stopped at the campaign’s end, not left charging', async () => {
  const t = await startTestTomada();
  try {
    // 'other-id-tag': asked to start with the campaign's card, it starts with SIMOTHER1 and keeps charging.
    const { validation, chargePoint } = await runCampaign(t, { id: 'CP-OTHERTAG', protocol: 'ocpp1.6-json', faults: ['other-id-tag'], cases: ['remote.start'], timing: { caseTimeoutS: 5 } });
    try {
      assert.match(validation.cases[0]!.reason ?? '', /SIMOTHER1/, summary(validation));
      const active = (await t.api('/api/v1/transactions?chargePointId=CP-OTHERTAG&active=true')).body.items as { id: number; idTag: string; connectorId: number }[];
      const stillCharging = active.filter((x) => x.connectorId === 1);
      assert.ok(stillCharging.length === 0 || validation.leftRunning !== undefined, `connector 1 left charging, unsaid: ${JSON.stringify(stillCharging)}; leftRunning ${JSON.stringify(validation.leftRunning)}`);
    } finally {
      await chargePoint.stop();
    }
  } finally {
    await t.close();
  }
});

/**
 * A campaign on a charge point that starts the remote start on another card (SIMOTHER1) and
 * ignores the remote stop, once its wrap-up has sent that stop: making the connector idle would wait
 * its 30 s, then reset it. What cuts the wrap-up short is the caller's.
 */
async function inWrapUp(t: TestTomada, id: string) {
  const running = runCampaign(t, { id, protocol: 'ocpp1.6-json', faults: ['other-id-tag', 'remote-stop-ignored'], cases: ['remote.start'], timing: { caseTimeoutS: 30 } });
  const stopSent = async () => ((await t.api(`/api/v1/charge-points/${id}/frames?limit=40`)).body.items ?? []).some((f: { frame: string }) => f.frame.includes('"RemoteStopTransaction"'));
  for (let i = 0; i < 300 && !(await stopSent()); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(await stopSent(), 'the wrap-up sent its remote stop');
  const session = async () => {
    const [active] = (await t.api(`/api/v1/transactions?chargePointId=${id}&active=true`)).body.items;
    assert.equal(active?.idTag, 'SIMOTHER1', 'the session on another card runs on');
    return active.id as number;
  };
  return { running, session };
}

test('a cancel that cuts the wrap-up short before the connector is idle names the session there on another card', async () => {
  const t = await startTestTomada();
  try {
    const { running, session } = await inWrapUp(t, 'CP-OTHERTAG-CUT');
    const [campaign] = (await t.api('/api/v1/validations?chargePointId=CP-OTHERTAG-CUT')).body.items;
    const cancelled = await t.api(`/api/v1/validations/${campaign.id}/cancel`, { body: {} });
    const { chargePoint } = await running;
    try {
      assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
      const reason = 'the campaign was cancelled during its wrap-up: RemoteStopTransaction was accepted, but no StopTransaction came before it ended';
      assert.deepEqual(cancelled.body.leftRunning, [{ transactionId: await session(), connectorId: 1, reason }], summary(cancelled.body));
    } finally {
      await chargePoint.stop();
    }
  } finally {
    await t.close();
  }
});

test('a node that stops during the wrap-up, before the connector is idle, names the session there on another card', async () => {
  const t = await startTestTomada();
  try {
    const { running, session } = await inWrapUp(t, 'CP-OTHERTAG-STOP');
    await t.campaigns.close();
    const { validation, chargePoint } = await running;
    try {
      const reason = "the node stopped during the campaign's wrap-up, before the session was seen to stop";
      assert.deepEqual(validation.leftRunning, [{ transactionId: await session(), connectorId: 1, reason }], summary(validation));
    } finally {
      await chargePoint.stop();
    }
  } finally {
    await t.close();
  }
});

test('a session on another card that a cut wrap-up named is not stopped when the charge point comes back: it may be a driver’s', async () => {
  const t = await startTestTomada();
  try {
    const { running, session } = await inWrapUp(t, 'CP-OTHERTAG-BACK');
    const [campaign] = (await t.api('/api/v1/validations?chargePointId=CP-OTHERTAG-BACK')).body.items;
    await t.api(`/api/v1/validations/${campaign.id}/cancel`, { body: {} });
    const { chargePoint } = await running;
    await chargePoint.stop();
    const transactionId = await session();
    // It comes back (a charge point that kept its session through a reconnection).
    const cp = await TestClient.connect(t.wsUrl, 'CP-OTHERTAG-BACK');
    try {
      await cp.ok('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError' });
      const failed = async () => (await t.api('/api/v1/events?type=validationSessionStopFailed&chargePointId=CP-OTHERTAG-BACK')).body.items as any[];
      for (let i = 0; i < 100 && (await failed()).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      const reason = "not stopped: it runs on card SIMOTHER1, not the campaign's, and may be a driver's; end it at the charge point if it is not";
      assert.deepEqual((await failed()).map((e) => e.data), [{ validationId: campaign.id, idTag: campaign.idTag, transactionId, connectorId: 1, attempts: 0, reason }]);
      assert.deepEqual(cp.received.filter((f) => f[0] === 2).map((f) => f[2]), [], 'no remote stop was sent');
      assert.deepEqual(await t.store.listSessionsLeftRunning('CP-OTHERTAG-BACK'), [], 'said once, not tried again');
    } finally {
      await cp.close();
    }
  } finally {
    await t.close();
  }
});
