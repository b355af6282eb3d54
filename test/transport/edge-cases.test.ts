// Inputs found by review that once slipped through: odd times, lenient type errors, huge
// messages, prototype-named actions, answers without details, and chargers with wrong clocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient } from '../support/ocpp-client.js';
import { startTestTomada } from '../support/tomada.js';

test('review edge cases', async (t) => {
  const tomada = await startTestTomada({ unknownChargePoints: 'accept', callTimeoutMs: 2000, maxFrameBytes: 1_000_000 });
  t.after(() => tomada.close());
  await tomada.domain.idTags.put({ idTag: 'EDGE', status: 'Accepted', expiryDate: null, parentIdTag: null });
  const client = await TestClient.connect(tomada.wsUrl, 'EDGE-1');
  t.after(() => client.close());
  await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });

  await t.test('a time JavaScript cannot place is refused, never replaced by the server clock', async () => {
    for (const timestamp of ['2024-05-01T10:00:00+01', '2016-12-31T23:59:60Z', '2024-02-30T10:00:00Z']) {
      const answer = await client.call('StartTransaction', { connectorId: 1, idTag: 'EDGE', meterStart: 1, timestamp });
      assert.deepEqual(answer.slice(2, 3), ['TypeConstraintViolation'], timestamp);
    }
    assert.equal((await tomada.api('/api/v1/transactions')).body.items.length, 0, 'nothing stored');
  });

  await t.test('lenient mode forgives extra fields but never a wrong type', async () => {
    await tomada.api('/api/v1/charge-points/EDGE-1', { method: 'PUT', body: { lenient: true } });
    const extra = await client.call('Heartbeat', { unexpected: true });
    assert.equal(extra[0], 3, 'an extra field is forgiven');
    const wrongType = await client.call('StartTransaction', { connectorId: 1, idTag: 'EDGE', meterStart: 'abc', timestamp: '2025-01-01T00:00:00Z' });
    assert.equal(wrongType[2], 'TypeConstraintViolation');
    const list = await tomada.api('/api/v1/transactions');
    assert.equal(list.status, 200, 'the API still reads the store');
    assert.equal(list.body.items.length, 0);
    await tomada.api('/api/v1/charge-points/EDGE-1', { method: 'PUT', body: { lenient: false } });
  });

  await t.test('a valid message with thousands of samples is stored whole', async () => {
    const start = await client.ok('StartTransaction', { connectorId: 1, idTag: 'EDGE', meterStart: 0, timestamp: '2025-01-01T00:00:00Z' });
    const sampledValue = Array.from({ length: 3000 }, (_, i) => ({ value: String(i), measurand: 'Voltage', unit: 'V' }));
    const answer = await client.call('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: [{ timestamp: '2025-01-01T00:01:00Z', sampledValue }] });
    assert.equal(answer[0], 3);
    const detail = (await tomada.api(`/api/v1/transactions/${start.transactionId}`)).body;
    assert.equal(detail.meterValues.length, 3000);
  });

  await t.test('actions named like object properties are unknown; the central system\'s own actions are not supported', async () => {
    for (const action of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      assert.equal((await client.call(action, {}))[2], 'NotImplemented', action);
    }
    assert.equal((await client.call('GetConfiguration', {}))[2], 'NotSupported');
  });

  await t.test('a CALLERROR without details is read, and an answer is never answered', async () => {
    client.onCall = () => undefined;
    const pending = tomada.api('/api/v1/charge-points/EDGE-1/commands/reset', { body: { type: 'Soft' } });
    const call = await client.waitFor((f) => f[0] === 2 && f[2] === 'Reset');
    const before = client.received.length;
    client.sendRaw(JSON.stringify([4, call[1], 'NotSupported', 'no reset here']));
    const result = await pending;
    assert.equal(result.status, 502);
    assert.match(result.body.message, /NotSupported/);
    // A broken answer for no pending call: reported in the log, not answered.
    client.sendRaw(JSON.stringify([3, 'no-such-call', 'not an object']));
    await client.ok('Heartbeat', {});
    assert.ok(client.received.slice(before).every((f) => f[0] !== 4), 'no CALLERROR came back for answers');
    client.onCall = () => ({ status: 'Accepted' });
  });

  await t.test('a charger clock in the future does not freeze its connector state', async () => {
    await client.ok('StatusNotification', { connectorId: 2, status: 'Faulted', errorCode: 'OtherError', timestamp: '2037-01-01T00:00:00Z' });
    await client.ok('StatusNotification', { connectorId: 2, status: 'Available', errorCode: 'NoError' });
    let connector = (await tomada.api('/api/v1/charge-points/EDGE-1')).body.connectors.find((c: any) => c.connectorId === 2);
    assert.equal(connector.status, 'Available', 'without a reported time, arrival order wins');
    // With reported times on both, an older report is history, not the current state.
    await client.ok('StatusNotification', { connectorId: 2, status: 'Charging', errorCode: 'NoError', timestamp: '2025-01-01T10:00:00Z' });
    await client.ok('StatusNotification', { connectorId: 2, status: 'Preparing', errorCode: 'NoError', timestamp: '2025-01-01T09:00:00Z' });
    connector = (await tomada.api('/api/v1/charge-points/EDGE-1')).body.connectors.find((c: any) => c.connectorId === 2);
    assert.equal(connector.status, 'Charging');
    // A clock that jumps ahead once, then comes back: the time it stamped cannot hold the state back.
    await client.ok('StatusNotification', { connectorId: 2, status: 'Available', errorCode: 'NoError', timestamp: '2099-01-01T00:00:00Z' });
    await client.ok('StatusNotification', { connectorId: 2, status: 'Faulted', errorCode: 'GroundFailure', timestamp: new Date().toISOString() });
    connector = (await tomada.api('/api/v1/charge-points/EDGE-1')).body.connectors.find((c: any) => c.connectorId === 2);
    assert.equal(connector.status, 'Faulted', 'a status stamped in 2099 froze the connector as Available for good');
  });

  await t.test('a time its offset takes past the year 9999 or before 0000 is refused', async () => {
    // A stop so stamped was stored as "+010000-…", and the transaction list answered 500 to every
    // operator from then on.
    const started = await client.ok('StartTransaction', { connectorId: 3, idTag: 'EDGE', meterStart: 1, timestamp: new Date().toISOString() });
    const stop = await client.call('StopTransaction', { transactionId: started.transactionId, meterStop: 10, timestamp: '9999-12-31T23:59:59-23:59' });
    assert.deepEqual(stop.slice(2, 3), ['TypeConstraintViolation']);
    const status = await client.call('StatusNotification', { connectorId: 3, status: 'Available', errorCode: 'NoError', timestamp: '0000-01-01T00:00:00+00:01' });
    assert.deepEqual(status.slice(2, 3), ['TypeConstraintViolation']);
    assert.equal((await tomada.api('/api/v1/transactions')).status, 200);
    assert.equal((await tomada.api(`/api/v1/transactions/${started.transactionId}`)).body.stoppedAt, null, 'the session goes on, unstopped');
  });
});

test('messages for an unknown transaction are kept once, however often they are resent', async (t) => {
  const tomada = await startTestTomada({ unknownChargePoints: 'accept' });
  t.after(() => tomada.close());
  const client = await TestClient.connect(tomada.wsUrl, 'EDGE-2');
  t.after(() => client.close());
  await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  const meterValues = { connectorId: 1, transactionId: 4242, meterValue: [{ timestamp: '2025-01-01T00:01:00Z', sampledValue: [{ value: '10' }] }] };
  const stop = { transactionId: 4242, meterStop: 10, timestamp: '2025-01-01T00:02:00Z' };
  for (let i = 0; i < 3; i++) {
    await client.ok('MeterValues', meterValues);
    await client.ok('StopTransaction', stop);
  }
  // Many other events of the charge point in between (each DataTransfer is one), then the stop again.
  for (let i = 0; i < 101; i++) await client.ok('DataTransfer', { vendorId: 'com.example', messageId: 'note', data: String(i) });
  await client.ok('StopTransaction', stop);
  const events = await tomada.store.listEvents({ chargePointId: 'EDGE-2', limit: 1000 });
  assert.equal(events.filter((e) => e.type === 'meterValuesForUnknownTransaction').length, 1);
  assert.equal(events.filter((e) => e.type === 'stopForUnknownTransaction').length, 1);
  assert.equal((events.find((e) => e.type === 'stopForUnknownTransaction')!.data as any).meterStopWh, 10, 'the whole report is kept');
  const kept = events.find((e) => e.type === 'meterValuesForUnknownTransaction')!.data as any;
  assert.deepEqual(
    kept.samples.map((s: any) => [s.timestamp, s.value, s.measurand, s.unit]),
    [['2025-01-01T00:01:00.000Z', '10', 'Energy.Active.Import.Register', 'Wh']],
    'the readings are kept with the event',
  );
});
