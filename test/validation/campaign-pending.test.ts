// A validation campaign answers its charge point's boots itself, whatever the registry holds
// (docs/VALIDATION.md), so the refusal of remote starts and stops to a charge point held Pending
// does not apply to its commands: on a charge point registered Pending until it is validated, the
// remote cases failed (found by an independent review).
// store: sqlite-only. Which commands are refused does not depend on the store, and a campaign
// would lengthen the PostgreSQL pass for no new coverage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedChargePoint } from '../../src/sim/charge-point.js';
import { startTestTomada } from '../support/tomada.js';
import { FAST_TIMING, finished, summary } from '../validation/rig.js';

test('a campaign on a charge point stored Pending runs its remote start and stop', async () => {
  const tomada = await startTestTomada({ bootRetryIntervalS: 1 });
  const id = 'VAL-PEND';
  const put = await tomada.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { registrationStatus: 'Pending', declaredOcppVersion: '1.6', declaredTransport: 'json' } });
  assert.ok(put.status < 300, JSON.stringify(put.body));
  await tomada.api('/api/v1/id-tags/TAG-PEND', { method: 'PUT', body: { status: 'Accepted' } });
  const chargePoint = new SimulatedChargePoint({
    id, baseUrl: tomada.wsUrl, protocol: 'ocpp1.6-json', connectors: 2, faults: [], cableRequired: false, callTimeoutMs: 8_000, reconnectDelayMs: 200, minIntervalMs: 200,
    meter: { unit: 'Wh', mode: 'register', powerW: 60_000, sampleIntervalMs: 1_000, initialRegisterWh: 1_000 },
  });
  chargePoint.start();
  try {
    for (let i = 0; i < 100 && !(await tomada.api(`/api/v1/charge-points/${id}`)).body.connected; i++) await new Promise((r) => setTimeout(r, 100));
    const started = await tomada.api('/api/v1/validations', { body: { chargePointId: id, connectorId: 1, idTag: 'TAG-PEND', timing: FAST_TIMING, cases: ['reset.soft.idle', 'boot.pending', 'remote.start', 'remote.stop'] } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const validation = await finished(tomada, started.body.id, 120_000);
    assert.deepEqual(validation.cases.map((c) => `${c.id}:${c.status}`), ['reset.soft.idle:pass', 'boot.pending:pass', 'remote.start:pass', 'remote.stop:pass'], summary(validation));
  } finally {
    await chargePoint.stop();
    await tomada.close();
  }
});
