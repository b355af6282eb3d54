// End to end: the project's own simulator charges against a real server in each of the three
// protocols, and the energy Tomada stores for every session equals what the simulated meters
// measured; the charge points show the version and transport they spoke.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fleetMembers, runFleet } from '../../src/sim/fleet.js';
import type { SimProtocolName } from '../../src/sim/protocols.js';
import { startTestTomada } from '../support/tomada.js';

const cases: { protocol: SimProtocolName; meter: { mode: 'register' | 'interval'; unit: 'Wh' | 'kWh' } }[] = [
  { protocol: 'ocpp1.6-json', meter: { mode: 'register', unit: 'Wh' } },
  { protocol: 'ocpp1.6-json', meter: { mode: 'register', unit: 'kWh' } },
  { protocol: 'ocpp1.6-json', meter: { mode: 'interval', unit: 'Wh' } },
  { protocol: 'ocpp1.5-json', meter: { mode: 'register', unit: 'kWh' } },
  { protocol: 'ocpp1.5-json', meter: { mode: 'interval', unit: 'Wh' } },
  { protocol: 'ocpp1.5-soap', meter: { mode: 'register', unit: 'Wh' } },
  { protocol: 'ocpp1.5-soap', meter: { mode: 'interval', unit: 'kWh' } },
];

for (const { protocol, meter } of cases) {
  test(`${protocol}: simulated sessions (${meter.mode} in ${meter.unit}) are stored with the simulator's own energy`, async () => {
    const t = await startTestTomada({ unknownChargePoints: 'accept' });
    try {
      const members = fleetMembers({ count: 3, prefix: 'E2E-', connectors: 2 });
      for (const idTag of members.flatMap((m) => m.idTags)) await t.domain.idTags.put({ idTag, status: 'Accepted', expiryDate: null, parentIdTag: null });
      const fleet = runFleet({
        baseUrl: protocol === 'ocpp1.5-soap' ? `http://127.0.0.1:${t.ocppPort}/ocpp/soap` : t.wsUrl,
        protocol,
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
      const cp = (await t.api('/api/v1/charge-points/E2E-0001')).body;
      assert.equal(cp.ocppVersion, protocol.startsWith('ocpp1.5') ? '1.5' : '1.6');
      assert.equal(cp.transport, protocol.endsWith('soap') ? 'soap' : 'json');
    } finally {
      await t.close();
    }
  });
}
