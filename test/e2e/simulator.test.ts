// End to end: the project's own simulator charges against a real server, and the energy Tomada
// stores for every session equals what the simulated meters measured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fleetMembers, runFleet } from '../../src/sim/fleet.js';
import { startTestTomada } from '../support/tomada.js';

for (const meter of [
  { mode: 'register', unit: 'Wh' },
  { mode: 'register', unit: 'kWh' },
  { mode: 'interval', unit: 'Wh' },
] as const) {
  test(`simulated sessions (${meter.mode} in ${meter.unit}) are stored with the simulator's own energy`, async () => {
    const t = await startTestTomada({ unknownChargePoints: 'accept' });
    try {
      const members = fleetMembers({ count: 3, prefix: 'E2E-', connectors: 2 });
      for (const idTag of members.flatMap((m) => m.idTags)) await t.domain.idTags.put({ idTag, status: 'Accepted', expiryDate: null, parentIdTag: null });
      const fleet = runFleet({
        baseUrl: t.wsUrl,
        count: 3,
        prefix: 'E2E-',
        connectors: 2,
        sessionsPerChargePoint: 2,
        sessionMs: 400,
        pauseMs: 50,
        chargePoint: { meter: { ...meter, powerW: 50_000, sampleIntervalMs: 50 }, minIntervalMs: 50 },
      });
      const summary = await fleet.summary;
      assert.equal(summary.complete, true, summary.failures.join('; '));
      assert.equal(summary.sessions.length, 6);
      for (const session of summary.sessions) {
        const { status, body } = await t.api(`/api/v1/transactions/${session.transactionId}`);
        assert.equal(status, 200);
        assert.equal(body.chargePointId, session.chargePointId);
        assert.equal(body.meterStartWh, session.meterStartWh);
        assert.equal(body.meterStopWh, session.meterStopWh);
        assert.ok(session.deliveredWh! > 0, JSON.stringify(session));
        assert.equal(body.energyWh, session.deliveredWh, `transaction ${session.transactionId}`);
        assert.equal(body.energySource, meter.mode === 'interval' ? 'interval' : 'meterStop');
        assert.deepEqual(body.anomalies, []);
        assert.ok(body.meterValues.length > 2, 'periodic samples stored');
      }
    } finally {
      await t.close();
    }
  });
}
