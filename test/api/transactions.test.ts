// Transactions over real HTTP: sessions made by a raw OCPP 1.6 charge point, read back through
// the REST API with its filters; energy, anomalies, idempotent retries and the offline backlog.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient } from '../support/ocpp-client.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';

const TRANSACTION_KEYS = [
  'id',
  'chargePointId',
  'connectorId',
  'idTag',
  'idTagStatus',
  'startedAt',
  'stoppedAt',
  'meterStartWh',
  'meterStopWh',
  'energyWh',
  'energySource',
  'stopReason',
  'anomalies',
  'signedMeterStatus',
  'signedMeterReason',
  'stopIdTag',
  'reservationId',
].sort();
const SAMPLE_KEYS = ['timestamp', 'value', 'measurand', 'unit', 'context', 'format', 'location', 'phase', 'connectorId'].sort();

type Sv = { value: string; unit?: string; measurand?: string; context?: string; phase?: string; location?: string; format?: string };
const REGISTER = 'Energy.Active.Import.Register';
const INTERVAL = 'Energy.Active.Import.Interval';
const meterValue = (timestamp: string, ...sampledValue: Sv[]) => ({ timestamp, sampledValue });

async function chargePoint(t: TestTomada, id: string): Promise<TestClient> {
  assert.equal((await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: {} })).status, 201);
  const client = await TestClient.connect(t.wsUrl, id);
  await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  return client;
}

const get = async (t: TestTomada, path: string) => {
  const result = await t.api(path);
  assert.equal(result.status, 200, `${path}: ${JSON.stringify(result.body)}`);
  return result.body;
};
const detail = (t: TestTomada, id: number) => get(t, `/api/v1/transactions/${id}`);
const ids = (body: any) => body.items.map((i: any) => i.id);

test('transactions over the REST API', async (s) => {
  const t = await startTestTomada();
  const clients: TestClient[] = [];
  const connect = async (id: string) => {
    const client = await chargePoint(t, id);
    clients.push(client);
    return client;
  };
  try {
    for (const tag of ['TAG-1', 'TAG-2', 'TAG-3', 'TAG-4', 'TAG-5', 'TAG-6', 'TAG-7', 'TAG-8', 'TAG-9']) {
      await t.api(`/api/v1/id-tags/${tag}`, { method: 'PUT', body: { status: 'Accepted' } });
    }

    await s.test('list filters: chargePointId, idTag, active, from, to; item shape; detail shape', async () => {
      const a = await connect('CP-F1');
      const b = await connect('CP-F2');
      const f1 = (await a.ok('StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 100, timestamp: '2024-06-01T08:00:00Z' })).transactionId;
      await a.ok('StopTransaction', { transactionId: f1, idTag: 'TAG-2', meterStop: 1100, timestamp: '2024-06-01T09:00:00Z', reason: 'EVDisconnected' });
      const f2 = (await a.ok('StartTransaction', { connectorId: 2, idTag: 'TAG-2', meterStart: 200, timestamp: '2024-06-02T08:00:00Z' })).transactionId;
      const f3 = (await a.ok('StartTransaction', { connectorId: 1, idTag: 'TAG-3', meterStart: 300, timestamp: '2024-06-03T08:00:00Z' })).transactionId;
      await a.ok('StopTransaction', { transactionId: f3, meterStop: 300, timestamp: '2024-06-03T09:00:00Z' });
      const g1 = (await b.ok('StartTransaction', { connectorId: 1, idTag: 'TAG-1', meterStart: 0, timestamp: '2024-06-02T12:00:00Z' })).transactionId;

      const all = await get(t, '/api/v1/transactions');
      assert.deepEqual(ids(all), [g1, f3, f2, f1], 'newest first');
      for (const item of all.items) assert.deepEqual(Object.keys(item).sort(), TRANSACTION_KEYS);

      assert.deepEqual(ids(await get(t, '/api/v1/transactions?chargePointId=CP-F1')), [f3, f2, f1]);
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?chargePointId=CP-F2')), [g1]);
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?chargePointId=NOBODY')), []);
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?chargePointId=CP-F1&active=true')), [f2]);
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?chargePointId=CP-F1&active=false')), [f3, f1]);
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?active=true')), [g1, f2]);
      // An id tag is compared case-insensitively, as OCPP id tokens are.
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?idTag=tag-1')), [g1, f1]);
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?idTag=TAG-1&active=false')), [f1]);
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?idTag=TAG-1&chargePointId=CP-F2')), [g1]);
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?idTag=TAG-2&to=2024-06-02T10:00:00Z')), [f2]);
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?idTag=NOBODY')), []);
      // With a period, the latest started first (g1 was stored after f3 but started before it).
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?from=2024-06-02T00:00:00Z')), [f3, g1, f2]);
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?from=2024-06-02T08:00:00.000Z')), [f3, g1, f2], 'from is inclusive');
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?from=2024-06-02T00:00:00Z&limit=2')), [f3, g1]);
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?to=2024-06-02T10:00:00Z')), [f2, f1]);
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?from=2024-06-01T12:00:00Z&to=2024-06-02T10:00:00Z')), [f2]);
      // Times with an offset are the same instants.
      assert.deepEqual(ids(await get(t, `/api/v1/transactions?from=${encodeURIComponent('2024-06-02T13:30:00+02:00')}`)), [f3, g1]);
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?chargePointId=CP-F1&active=false&from=2024-06-02T00:00:00Z')), [f3]);
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?limit=2')), [g1, f3]);
      // A bound between two milliseconds keeps what it would keep unrounded (stored times are whole milliseconds).
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?chargePointId=CP-F1&to=2024-06-01T08:00:00.0001Z')), [f1]);
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?chargePointId=CP-F1&to=2024-06-01T08:00:00.000Z')), []);
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?chargePointId=CP-F1&from=2024-06-01T07:59:59.9999Z&to=2024-06-01T08:00:00.0001Z')), [f1]);
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?chargePointId=CP-F1&from=2024-06-01T08:00:00.0001Z&to=2024-06-02T00:00:00Z')), []);
      // A client's "end of time" (.NET's DateTime.MaxValue) is not rounded into the year 10000.
      const endOfTime = encodeURIComponent('9999-12-31T23:59:59.9999999Z');
      assert.deepEqual(ids(await get(t, `/api/v1/transactions?chargePointId=CP-F1&active=false&to=${endOfTime}`)), [f3, f1]);
      assert.deepEqual(ids(await get(t, `/api/v1/transactions?chargePointId=CP-F1&from=${endOfTime}`)), []);
      // A cursor: oldest first by id, a page after the id given; with the other filters too.
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?afterId=0&limit=2')), [f1, f2]);
      assert.deepEqual(ids(await get(t, `/api/v1/transactions?afterId=${f2}&limit=2`)), [f3, g1]);
      assert.deepEqual(ids(await get(t, `/api/v1/transactions?afterId=${g1}&limit=2`)), []);
      assert.deepEqual(ids(await get(t, `/api/v1/transactions?afterId=${f1}&chargePointId=CP-F1`)), [f2, f3]);
      assert.deepEqual(ids(await get(t, `/api/v1/transactions?afterId=${f1}&idTag=tag-1`)), [g1]);
      for (const bad of ['-1', 'abc', '1.5']) assert.equal((await t.api(`/api/v1/transactions?afterId=${bad}`)).status, 400, bad);

      const first = all.items.find((i: any) => i.id === f1);
      assert.deepEqual(first, {
        id: f1,
        chargePointId: 'CP-F1',
        connectorId: 1,
        idTag: 'TAG-1',
        idTagStatus: 'Accepted',
        startedAt: '2024-06-01T08:00:00.000Z',
        stoppedAt: '2024-06-01T09:00:00.000Z',
        meterStartWh: 100,
        meterStopWh: 1100,
        energyWh: 1000,
        energySource: 'meterStop',
        stopReason: 'EVDisconnected',
        anomalies: [],
        signedMeterStatus: 'absent',
        signedMeterReason: null,
        stopIdTag: 'TAG-2',
        reservationId: null,
      });
      const active = all.items.find((i: any) => i.id === f2);
      assert.equal(active.stoppedAt, null);
      assert.equal(active.meterStopWh, null);
      assert.equal(active.energyWh, null);
      assert.equal(active.energySource, 'none');
      assert.equal(active.stopReason, null);
      // OCPP: a StopTransaction without a reason was stopped locally.
      assert.equal(all.items.find((i: any) => i.id === f3).stopReason, 'Local');

      const read = await detail(t, f1);
      assert.deepEqual(Object.keys(read).sort(), [...TRANSACTION_KEYS, 'meterValues'].sort());
      const { meterValues, ...rest } = read;
      assert.deepEqual(rest, first, 'the detail is the list item plus its meter values');
      assert.deepEqual(meterValues, []);
    });

    await s.test('query and path validation: 400 and 404', async () => {
      const bad = [
        '/api/v1/transactions?active=maybe',
        '/api/v1/transactions?from=yesterday',
        '/api/v1/transactions?to=2024-13-01T00:00:00Z',
        '/api/v1/transactions?from=2024-06-01',
        '/api/v1/transactions?limit=0',
        '/api/v1/transactions?limit=abc',
        '/api/v1/transactions?idTag=',
        `/api/v1/transactions?idTag=${'X'.repeat(21)}`,
        '/api/v1/transactions?color=red',
        '/api/v1/transactions/abc',
        '/api/v1/transactions/1.5',
        // Each read as 1 by the checker's coercion, and answered with transaction 1.
        '/api/v1/transactions/0x1',
        '/api/v1/transactions/1.0',
        '/api/v1/transactions/1e0',
        '/api/v1/transactions/%201',
        '/api/v1/transactions?limit=0x10',
      ];
      for (const path of bad) {
        const result = await t.api(path);
        assert.equal(result.status, 400, `${path}: ${JSON.stringify(result.body)}`);
        assert.deepEqual(Object.keys(result.body).sort(), ['error', 'message'], path);
      }
      // A time without its offset is told what a time is here, not only the format's name.
      const local = await t.api('/api/v1/transactions?from=2024-06-01T00:00:00');
      assert.equal(
        local.body.message,
        'querystring/from must match format "date-time": a date and time with its offset from UTC, as ISO 8601 writes them (2026-01-01T00:00:00Z, 2026-01-01T01:00:00+01:00), on a day that exists',
      );
      // An empty period, the two ends swapped most likely, is the caller's mistake, not "no sessions".
      for (const period of ['from=2024-06-02T00:00:00Z&to=2024-06-01T00:00:00Z', 'from=2024-06-01T00:00:00Z&to=2024-06-01T02:00:00%2B02:00']) {
        const swapped = await t.api(`/api/v1/transactions?${period}`);
        assert.equal(swapped.status, 400, period);
        assert.match(swapped.body.message, /^from \(2024-06-0\dT00:00:00.000Z\) must be before to \(2024-06-01T00:00:00.000Z\)$/, period);
      }
      // A parameter given twice is named as such, not as a value of the wrong type.
      const twice = await t.api('/api/v1/transactions?limit=5&limit=10&active=true');
      assert.deepEqual(twice.body, { error: 'BadRequest', message: 'querystring/limit is given 2 times; give it once' });
      const missing = await t.api('/api/v1/transactions/999999');
      assert.equal(missing.status, 404);
      assert.deepEqual(Object.keys(missing.body).sort(), ['error', 'message']);
    });

    const cp = await connect('CP-E');
    let connector = 0;
    const start = async (idTag: string, meterStart: number, timestamp: string) => {
      const answer = await cp.ok('StartTransaction', { connectorId: ++connector, idTag, meterStart, timestamp });
      return { id: answer.transactionId as number, connectorId: connector };
    };

    await s.test('meter values are kept exactly as sent, with the OCPP defaults', async () => {
      const tx = await start('TAG-5', 1_000_000, '2025-05-01T10:00:00Z');
      await cp.ok('MeterValues', {
        connectorId: tx.connectorId,
        transactionId: tx.id,
        meterValue: [
          meterValue('2025-05-01T10:15:00Z', { value: '1000250.400' }, { value: '1234.500', measurand: 'Power.Active.Import', unit: 'W' }),
          meterValue('2025-05-01T10:15:00+00:00', { value: '230.10', measurand: 'Voltage', unit: 'V', phase: 'L1-N', location: 'Inlet', context: 'Sample.Clock' }),
        ],
      });
      const read = await detail(t, tx.id);
      assert.equal(read.meterValues.length, 3);
      for (const sample of read.meterValues) assert.deepEqual(Object.keys(sample).sort(), SAMPLE_KEYS);
      const byMeasurand = Object.fromEntries(read.meterValues.map((m: any) => [m.measurand, m]));
      assert.deepEqual(byMeasurand[REGISTER], {
        timestamp: '2025-05-01T10:15:00.000Z',
        value: '1000250.400',
        measurand: REGISTER,
        unit: 'Wh',
        context: 'Sample.Periodic',
        format: 'Raw',
        location: 'Outlet',
        phase: null,
        connectorId: tx.connectorId,
      });
      assert.equal(byMeasurand['Power.Active.Import'].value, '1234.500', 'the value string is not re-formatted');
      assert.equal(byMeasurand['Power.Active.Import'].unit, 'W');
      assert.deepEqual(
        [byMeasurand.Voltage.value, byMeasurand.Voltage.phase, byMeasurand.Voltage.location, byMeasurand.Voltage.context],
        ['230.10', 'L1-N', 'Inlet', 'Sample.Clock'],
      );
      assert.equal(read.energyWh, 250, 'a Wh register with decimals is rounded to an integer Wh');
      assert.equal(read.energySource, 'register');
      assert.equal(Number.isInteger(read.energyWh), true);
    });

    await s.test('energy of an active session from Register samples in kWh', async () => {
      const tx = await start('TAG-6', 10_000, '2025-05-02T10:00:00Z');
      await cp.ok('MeterValues', { connectorId: tx.connectorId, transactionId: tx.id, meterValue: [meterValue('2025-05-02T10:30:00Z', { value: '10.5', unit: 'kWh' })] });
      const read = await detail(t, tx.id);
      assert.equal(read.energyWh, 500);
      assert.equal(read.energySource, 'register');
      assert.equal(read.stoppedAt, null);
      assert.deepEqual(read.anomalies, []);
      assert.equal(read.meterValues[0].value, '10.5');
      assert.equal(read.meterValues[0].unit, 'kWh');

      // Registers in any context and either unit count; the latest in time gives the energy.
      await cp.ok('MeterValues', {
        connectorId: tx.connectorId,
        transactionId: tx.id,
        meterValue: [
          meterValue('2025-05-02T10:45:00Z', { value: '10800', unit: 'Wh', context: 'Sample.Clock' }),
          meterValue('2025-05-02T11:00:00Z', { value: '11.25', unit: 'kWh', context: 'Trigger' }),
        ],
      });
      const later = await detail(t, tx.id);
      assert.equal(later.energyWh, 1250);
      assert.equal(later.energySource, 'register');

      // Stopped: meterStop gives the energy and is named as its source.
      await cp.ok('StopTransaction', {
        transactionId: tx.id,
        meterStop: 11_400,
        timestamp: '2025-05-02T11:10:00Z',
        reason: 'Remote',
        transactionData: [meterValue('2025-05-02T11:10:00Z', { value: '11.4', unit: 'kWh', context: 'Transaction.End' })],
      });
      const stopped = await detail(t, tx.id);
      assert.equal(stopped.energyWh, 1400);
      assert.equal(stopped.energySource, 'meterStop');
      assert.equal(stopped.meterStopWh, 11_400);
      assert.equal(stopped.stopReason, 'Remote');
      assert.equal(stopped.stoppedAt, '2025-05-02T11:10:00.000Z');
      assert.equal(stopped.meterValues.length, 4, 'the transaction data is kept as samples');
      assert.deepEqual(stopped.anomalies, []);
    });

    await s.test('energy from Interval samples when only intervals are reported', async () => {
      const tx = await start('TAG-7', 0, '2025-05-03T10:00:00Z');
      await cp.ok('MeterValues', {
        connectorId: tx.connectorId,
        transactionId: tx.id,
        meterValue: [meterValue('2025-05-03T10:15:00Z', { value: '300', measurand: INTERVAL, unit: 'Wh' })],
      });
      await cp.ok('MeterValues', {
        connectorId: tx.connectorId,
        transactionId: tx.id,
        meterValue: [meterValue('2025-05-03T10:30:00Z', { value: '0.25', measurand: INTERVAL, unit: 'kWh' })],
      });
      const active = await detail(t, tx.id);
      assert.equal(active.energyWh, 550);
      assert.equal(active.energySource, 'interval');
      // A charger that only knows intervals reports meterStop = meterStart.
      await cp.ok('StopTransaction', {
        transactionId: tx.id,
        meterStop: 0,
        timestamp: '2025-05-03T10:45:00Z',
        transactionData: [meterValue('2025-05-03T10:45:00Z', { value: '150', measurand: INTERVAL, context: 'Transaction.End' })],
      });
      const stopped = await detail(t, tx.id);
      assert.equal(stopped.energyWh, 700);
      assert.equal(stopped.energySource, 'interval');
      assert.deepEqual(stopped.anomalies, []);
    });

    await s.test('meterStop below meterStart is an anomaly, and nothing is corrected', async () => {
      const tx = await start('TAG-8', 9000, '2025-05-04T10:00:00Z');
      await cp.ok('StopTransaction', { transactionId: tx.id, meterStop: 8000, timestamp: '2025-05-04T11:00:00Z' });
      const read = await detail(t, tx.id);
      assert.ok(read.anomalies.includes('meterStopBelowMeterStart'), JSON.stringify(read.anomalies));
      assert.equal(read.meterStartWh, 9000);
      assert.equal(read.meterStopWh, 8000);
      assert.equal(read.energyWh, -1000, 'reported as measured, not clamped');
      assert.equal(read.energySource, 'meterStop');
      const listed = (await get(t, '/api/v1/transactions?chargePointId=CP-E')).items.find((i: any) => i.id === tx.id);
      assert.deepEqual(listed.anomalies, read.anomalies);
    });

    await s.test('a register that goes down is an anomaly, and the readings are kept as sent', async () => {
      const tx = await start('TAG-9', 1000, '2025-05-05T10:00:00Z');
      await cp.ok('MeterValues', {
        connectorId: tx.connectorId,
        transactionId: tx.id,
        meterValue: [meterValue('2025-05-05T10:15:00Z', { value: '1500' }), meterValue('2025-05-05T10:30:00Z', { value: '1400' })],
      });
      const read = await detail(t, tx.id);
      assert.ok(read.anomalies.includes('registerDecreased'), JSON.stringify(read.anomalies));
      assert.deepEqual(read.meterValues.map((m: any) => m.value).sort(), ['1400', '1500']);
      assert.equal(read.energyWh, 400, 'the latest register in time, as reported');
    });

    await s.test('idempotent retries: StartTransaction, MeterValues and StopTransaction', async () => {
      const client = await connect('CP-IDEM');
      await t.api('/api/v1/id-tags/IDEM', { method: 'PUT', body: { status: 'Accepted' } });
      const startPayload = { connectorId: 1, idTag: 'IDEM', meterStart: 5000, timestamp: '2025-06-01T10:00:00Z' };
      const first = await client.ok('StartTransaction', startPayload);
      const again = await client.ok('StartTransaction', startPayload);
      assert.equal(again.transactionId, first.transactionId, 'the same transaction id');
      assert.deepEqual(again.idTagInfo, { status: 'Accepted' }, 'not ConcurrentTx with itself');
      // The same instant written differently is the same message.
      const third = await client.ok('StartTransaction', { ...startPayload, timestamp: '2025-06-01T10:00:00.000+00:00' });
      assert.equal(third.transactionId, first.transactionId);
      // And the same tag in another case: OCPP's IdToken is case-insensitive.
      const otherCase = await client.ok('StartTransaction', { ...startPayload, idTag: 'idem' });
      assert.deepEqual(otherCase, again, 'the same transaction, not ConcurrentTx with itself');
      assert.deepEqual(ids(await get(t, '/api/v1/transactions?chargePointId=CP-IDEM')), [first.transactionId], 'still one transaction');
      const id = first.transactionId as number;

      const meterValues = {
        connectorId: 1,
        transactionId: id,
        meterValue: [
          meterValue('2025-06-01T10:15:00Z', { value: '5.600', unit: 'kWh' }, { value: '7400', measurand: 'Power.Active.Import', unit: 'W' }),
          meterValue('2025-06-01T10:30:00Z', { value: '6.200', unit: 'kWh' }),
        ],
      };
      await client.ok('MeterValues', meterValues);
      const once = await detail(t, id);
      assert.equal(once.meterValues.length, 3);
      assert.equal(once.energyWh, 1200);
      await client.ok('MeterValues', meterValues);
      await client.ok('MeterValues', meterValues);
      const twice = await detail(t, id);
      assert.deepEqual(twice, once, 'samples and energy unchanged');

      const stopPayload = {
        transactionId: id,
        idTag: 'IDEM',
        meterStop: 6500,
        timestamp: '2025-06-01T10:40:00Z',
        reason: 'EVDisconnected',
        transactionData: [meterValue('2025-06-01T10:40:00Z', { value: '6.500', unit: 'kWh', context: 'Transaction.End' })],
      };
      const stopAnswer = await client.ok('StopTransaction', stopPayload);
      const stopped = await detail(t, id);
      assert.equal(stopped.energyWh, 1500);
      assert.equal(stopped.meterValues.length, 4);
      const stopAgain = await client.ok('StopTransaction', stopPayload);
      assert.deepEqual(stopAgain, stopAnswer, 'the same answer');
      assert.deepEqual(await detail(t, id), stopped, 'nothing changes');
      const { meterValues: _samples, ...item } = stopped;
      assert.deepEqual((await get(t, '/api/v1/transactions?chargePointId=CP-IDEM')).items, [item]);

      // A retried start after the stop still names the same transaction, and opens no new one.
      assert.equal((await client.ok('StartTransaction', startPayload)).transactionId, id);
      assert.equal((await get(t, '/api/v1/transactions?chargePointId=CP-IDEM')).items.length, 1);

      // A second stop that disagrees is an anomaly; the first stop stays as it was.
      await client.ok('StopTransaction', { ...stopPayload, meterStop: 9999, transactionData: [] });
      const conflicting = await detail(t, id);
      assert.ok(conflicting.anomalies.includes('conflictingStop'), JSON.stringify(conflicting.anomalies));
      assert.equal(conflicting.meterStopWh, 6500);
      assert.equal(conflicting.energyWh, 1500);
      assert.equal(conflicting.stoppedAt, stopped.stoppedAt);
    });

    await s.test('a tag with accented lowercase letters is one tag: ConcurrentTx, the idTag filter and the resend find it', async () => {
      // SQLite's upper() changes ASCII letters only: the tag must be compared the database's way on both sides.
      const tag = 'zé-ção-9';
      await t.api(`/api/v1/id-tags/${encodeURIComponent(tag)}`, { method: 'PUT', body: { status: 'Accepted' } });
      const client = await connect('CP-ACCENT');
      const startPayload = { connectorId: 1, idTag: tag, meterStart: 0, timestamp: '2025-07-01T10:00:00Z' };
      const first = await client.ok('StartTransaction', startPayload);
      assert.deepEqual(first.idTagInfo, { status: 'Accepted' });
      assert.deepEqual(await client.ok('StartTransaction', startPayload), first, 'a resend is the same start');
      const second = await client.ok('StartTransaction', { ...startPayload, connectorId: 2, timestamp: '2025-07-01T10:05:00Z' });
      assert.equal(second.idTagInfo.status, 'ConcurrentTx', 'one card, one session at a time');
      const listed = ids(await get(t, `/api/v1/transactions?idTag=${encodeURIComponent(tag)}`));
      assert.deepEqual(listed.sort(), [first.transactionId, second.transactionId].sort());
      // The tag in another ASCII case is the same tag on every store.
      assert.deepEqual(ids(await get(t, `/api/v1/transactions?idTag=${encodeURIComponent('ZÉ-ÇÃO-9'.slice(0, 1) + tag.slice(1))}`)).length, 2);
    });

    await s.test('an Accepted session holds its tag behind any number of refused ones still running', async () => {
      await t.api('/api/v1/id-tags/MANY', { method: 'PUT', body: { status: 'Accepted' } });
      const held = await connect('CP-MANY-1');
      const refusing = await connect('CP-MANY-2');
      const first = await held.ok('StartTransaction', { connectorId: 1, idTag: 'MANY', meterStart: 0, timestamp: '2025-08-01T10:00:00Z' });
      assert.equal(first.idTagInfo.status, 'Accepted');
      // More refused starts than a list's default page (1,000), never stopped (their charger lost them).
      const minute = (i: number) => new Date(Date.parse('2025-08-01T10:01:00Z') + i * 60_000).toISOString();
      for (let i = 0; i < 1_001; i++) {
        const refused = await refusing.ok('StartTransaction', { connectorId: 1, idTag: 'MANY', meterStart: i, timestamp: minute(i) });
        assert.equal(refused.idTagInfo.status, 'ConcurrentTx');
      }
      const third = await connect('CP-MANY-3');
      const again = await third.ok('StartTransaction', { connectorId: 1, idTag: 'MANY', meterStart: 0, timestamp: '2025-08-02T10:00:00Z' });
      assert.equal(again.idTagInfo.status, 'ConcurrentTx', 'the first session still holds the tag');
    });

    await s.test('a stop stamped before its start is the anomaly stoppedBeforeStart, kept when the energy is computed again', async () => {
      const client = await connect('CP-BACK');
      await t.api('/api/v1/id-tags/BACK', { method: 'PUT', body: { status: 'Accepted' } });
      const id = (await client.ok('StartTransaction', { connectorId: 1, idTag: 'BACK', meterStart: 100, timestamp: '2025-06-02T12:00:00Z' })).transactionId as number;
      await client.ok('StopTransaction', { transactionId: id, meterStop: 900, timestamp: '2025-06-02T00:00:00Z' });
      assert.deepEqual((await detail(t, id)).anomalies, ['stoppedBeforeStart']);
      // A late reading makes the energy be computed again from every sample: the anomaly stays.
      await client.ok('MeterValues', { connectorId: 1, transactionId: id, meterValue: [meterValue('2025-06-02T12:30:00Z', { value: '500', measurand: 'Energy.Active.Import.Interval' })] });
      const after = await detail(t, id);
      assert.deepEqual([after.energyWh, after.anomalies], [500, ['intervalSumDiffersFromMeterStop', 'stoppedBeforeStart']]);
    });

    await s.test('offline backlog: late, out-of-order MeterValues use the latest register in time', async () => {
      const client = await connect('CP-OFF');
      await t.api('/api/v1/id-tags/OFF', { method: 'PUT', body: { status: 'Accepted' } });
      const id = (await client.ok('StartTransaction', { connectorId: 1, idTag: 'OFF', meterStart: 10_000, timestamp: '2024-12-01T10:00:00Z' }))
        .transactionId as number;
      // Queued while offline; the later reading arrives first.
      await client.ok('MeterValues', { connectorId: 1, transactionId: id, meterValue: [meterValue('2024-12-01T10:40:00Z', { value: '13000' })] });
      await client.ok('MeterValues', { connectorId: 1, transactionId: id, meterValue: [meterValue('2024-12-01T10:20:00Z', { value: '11000' })] });
      const read = await detail(t, id);
      assert.equal(read.meterValues.length, 2, 'both stored');
      assert.deepEqual(read.meterValues.map((m: any) => m.timestamp).sort(), ['2024-12-01T10:20:00.000Z', '2024-12-01T10:40:00.000Z']);
      assert.equal(read.energyWh, 3000, 'the latest in time (13000), not the last to arrive (11000)');
      assert.equal(read.energySource, 'register');
      assert.deepEqual(read.anomalies, [], 'arriving out of order is not a decrease');

      // An older reading arriving even later changes nothing either.
      await client.ok('MeterValues', { connectorId: 1, transactionId: id, meterValue: [meterValue('2024-12-01T10:05:00Z', { value: '10.2', unit: 'kWh' })] });
      const after = await detail(t, id);
      assert.equal(after.energyWh, 3000);
      assert.deepEqual(after.anomalies, []);
    });

    await s.test(
      'the detail lists meter values in time order',
      async () => {
        const list = (await get(t, '/api/v1/transactions?chargePointId=CP-OFF')).items;
        const read = await detail(t, list[0].id);
        const times = read.meterValues.map((m: any) => m.timestamp);
        assert.deepEqual(times, [...times].sort());
      },
    );
  } finally {
    for (const client of clients) await client.close();
    await t.close();
  }
});
