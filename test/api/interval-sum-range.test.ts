// Interval readings whose sum no energy column holds. Each reading is readable (at most 2^53 Wh,
// docs/METERING.md), but a session's sum of them can pass 2^63 Wh: PostgreSQL's bigint refused
// it, and the MeterValues was answered InternalError at every resend, as was every later message
// of the session, its StopTransaction too (each computes the energy again); SQLite stored the
// sum as a floating-point number. Past 2^53 Wh a sum no longer counts single watt-hours either.
// Runs on both stores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient } from '../support/ocpp-client.js';
import { startTestTomada } from '../support/tomada.js';

const T0 = Date.parse('2026-07-01T10:00:00.000Z');
/** The largest reading counted, 2^53 − 1 Wh rounded down: 1,100 of them pass 2^63. */
const HUGE = '9000000000000000';

test('interval readings summing past what an energy holds: the calls are answered, the sum is an anomaly, not an energy', async () => {
  const t = await startTestTomada();
  let client: TestClient | undefined;
  try {
    assert.equal((await t.api('/api/v1/charge-points/CP-SUM', { method: 'PUT', body: {} })).status, 201);
    assert.equal((await t.api('/api/v1/id-tags/SUM', { method: 'PUT', body: { status: 'Accepted' } })).status, 201);
    client = await TestClient.connect(t.wsUrl, 'CP-SUM');
    await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    const { transactionId } = await client.ok('StartTransaction', { connectorId: 1, idTag: 'SUM', meterStart: 0, timestamp: new Date(T0).toISOString() });
    const meterValue = Array.from({ length: 1100 }, (_, i) => ({
      timestamp: new Date(T0 + (i + 1) * 1000).toISOString(),
      sampledValue: [{ value: HUGE, measurand: 'Energy.Active.Import.Interval', context: 'Sample.Periodic', unit: 'Wh' }],
    }));
    const answer = await client.call('MeterValues', { connectorId: 1, transactionId, meterValue });
    assert.deepEqual(answer.slice(0, 1), [3], `MeterValues answered ${JSON.stringify(answer)}`);

    const read = async () => {
      const result = await t.api(`/api/v1/transactions/${transactionId}`);
      assert.equal(result.status, 200);
      return result.body as { energyWh: number | null; energySource: string; anomalies: string[]; meterValues: unknown[] };
    };
    const running = await read();
    assert.equal(running.meterValues.length, 1100, 'every reading stored as sent');
    assert.deepEqual([running.energyWh, running.energySource, running.anomalies], [null, 'none', ['intervalSumOutOfRange']]);

    // The stop is stored, and its meterStop gives the energy.
    const stop = await client.call('StopTransaction', { transactionId, meterStop: 5000, timestamp: new Date(T0 + 2_000_000).toISOString() });
    assert.deepEqual(stop.slice(0, 1), [3], `StopTransaction answered ${JSON.stringify(stop)}`);
    const stopped = await read();
    assert.deepEqual([stopped.energyWh, stopped.energySource, stopped.anomalies], [5000, 'meterStop', ['intervalSumOutOfRange']]);

    const series = await t.api(`/api/v1/transactions/${transactionId}/energy`);
    assert.equal(series.status, 200);
    for (const point of (series.body as { points: { energyWh: number }[] }).points) assert.ok(Number.isSafeInteger(point.energyWh), JSON.stringify(point));
  } finally {
    await client?.close();
    await t.close();
  }
});
