// OCPP 1.5 over JSON/WebSocket (subprotocol ocpp1.5): the 1.5 payloads end to end, the `values`
// variant of the reading list, the 1.5 boot answer, and the version-change event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient } from '../support/ocpp-client.js';
import { verifyJournal } from '../../src/audit/verify-journal.js';
import { startTestTomada } from '../support/tomada.js';

test('a 1.5 JSON charge point boots, charges and is commanded like a 1.6 one', async (t) => {
  const tomada = await startTestTomada({ unknownChargePoints: 'accept' });
  t.after(() => tomada.close());
  await tomada.domain.idTags.put({ idTag: 'TAG15', status: 'Accepted', expiryDate: null, parentIdTag: null });

  const client = await TestClient.connect(tomada.wsUrl, 'CP15', { protocols: ['ocpp1.5'] });
  t.after(() => client.close());
  assert.equal(client.ws.protocol, 'ocpp1.5');

  const boot = await client.ok('BootNotification', { chargePointVendor: 'Old', chargePointModel: 'Box' });
  assert.equal(boot.status, 'Accepted');
  assert.equal(typeof boot.heartbeatInterval, 'number');
  assert.equal(boot.interval, undefined, '1.5 names it heartbeatInterval');

  await client.ok('StatusNotification', { connectorId: 1, status: 'Occupied', errorCode: 'NoError' });
  const start = await client.ok('StartTransaction', { connectorId: 1, idTag: 'TAG15', timestamp: '2025-05-01T10:00:00Z', meterStart: 1000 });
  assert.equal(start.idTagInfo.status, 'Accepted');
  const transactionId = start.transactionId;

  // The WSDL layout: values[].value[] with the reading as `value` and its attributes beside it.
  await client.ok('MeterValues', {
    connectorId: 1,
    transactionId,
    values: [{ timestamp: '2025-05-01T10:10:00Z', value: [{ value: '1.250', unit: 'kWh', measurand: 'Energy.Active.Import.Register', context: 'Sample.Periodic' }] }],
  });
  // The known variant: the inner list called `values` too.
  await client.ok('MeterValues', {
    connectorId: 1,
    transactionId,
    values: [{ timestamp: '2025-05-01T10:20:00Z', values: [{ value: '1500' }] }],
  });
  let detail = (await tomada.api(`/api/v1/transactions/${transactionId}`)).body;
  assert.equal(detail.energyWh, 500);
  assert.equal(detail.energySource, 'register');
  assert.deepEqual(detail.meterValues.map((m: any) => [m.value, m.unit]), [['1.250', 'kWh'], ['1500', 'Wh']]);

  // 1.5 StopTransaction: no reason, readings nested in transactionData[].values[].
  const stop = await client.ok('StopTransaction', {
    transactionId,
    idTag: 'TAG15',
    timestamp: '2025-05-01T10:30:00Z',
    meterStop: 1800,
    transactionData: [{ values: [{ timestamp: '2025-05-01T10:30:00Z', value: [{ value: '1800', context: 'Transaction.End' }] }] }],
  });
  assert.equal(stop.idTagInfo.status, 'Accepted');
  detail = (await tomada.api(`/api/v1/transactions/${transactionId}`)).body;
  assert.equal(detail.energyWh, 800);
  assert.equal(detail.stopReason, null, '1.5 gives no reason, and none is invented');
  assert.equal(detail.meterValues.length, 3);

  const cp = (await tomada.api('/api/v1/charge-points/CP15')).body;
  assert.equal(cp.ocppVersion, '1.5');
  assert.equal(cp.transport, 'json');
  assert.equal(cp.connectors[0].status, 'Occupied');

  // A 1.6 field name is not 1.5: refused with the schema's code.
  const wrong = await client.call('MeterValues', { connectorId: 1, meterValue: [] });
  assert.deepEqual(wrong.slice(0, 3), [4, wrong[1], 'FormationViolation']);

  // Commands reach it in 1.5 words; 1.5 UnlockConnector answers Accepted/Rejected.
  client.onCall = (action, payload) => (action === 'UnlockConnector' && payload.connectorId === 1 ? { status: 'Accepted' } : { status: 'Rejected' });
  const unlock = await tomada.api('/api/v1/charge-points/CP15/commands/unlock', { body: { connectorId: 1 } });
  assert.deepEqual(unlock, { status: 200, body: { status: 'Accepted' } });
});

test('a Pending charge point is told Rejected in 1.5, which has no Pending', async (t) => {
  const tomada = await startTestTomada({ unknownChargePoints: 'pending', bootRetryIntervalS: 42 });
  t.after(() => tomada.close());
  const client = await TestClient.connect(tomada.wsUrl, 'CP15P', { protocols: ['ocpp1.5'] });
  t.after(() => client.close());
  const boot = await client.ok('BootNotification', { chargePointVendor: 'Old', chargePointModel: 'Box' });
  assert.equal(boot.status, 'Rejected');
  assert.equal(boot.heartbeatInterval, 42);
  const heartbeat = await client.call('Heartbeat', {});
  assert.equal(heartbeat[2], 'SecurityError');
  // Told what the registry holds, in words true of a Rejected boot too (it once said "is Pending"
  // with no more, to a charge point that had been answered Rejected).
  assert.equal(heartbeat[3], 'Charge point is not Accepted (its registration is Pending): only BootNotification is allowed until a BootNotification is answered Accepted');
});

test('changing version or transport is recorded as an event', async (t) => {
  const tomada = await startTestTomada({ unknownChargePoints: 'accept' });
  t.after(() => tomada.close());
  const first = await TestClient.connect(tomada.wsUrl, 'CPV', { protocols: ['ocpp1.6'] });
  await first.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  await first.close();
  const second = await TestClient.connect(tomada.wsUrl, 'CPV', { protocols: ['ocpp1.5'] });
  t.after(() => second.close());
  await second.ok('Heartbeat', {});
  const events = await tomada.store.listEvents({ chargePointId: 'CPV' });
  const change = events.find((e) => e.type === 'ocppVersionChanged');
  assert.deepEqual(change?.data, { from: { ocppVersion: '1.6', transport: 'json' }, to: { ocppVersion: '1.5', transport: 'json' } });
  assert.equal((await tomada.api('/api/v1/charge-points/CPV')).body.ocppVersion, '1.5');

  // The same protocol again: the connection's time is noted, and nothing else happens.
  const seen = (await tomada.store.getChargePoint('CPV'))!.lastSeenAt!;
  await second.close();
  await new Promise((resolve) => setTimeout(resolve, 5));
  const third = await TestClient.connect(tomada.wsUrl, 'CPV', { protocols: ['ocpp1.5'] });
  t.after(() => third.close());
  for (let i = 0; i < 200 && (await tomada.store.getChargePoint('CPV'))!.lastSeenAt! <= seen; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  const again = (await tomada.store.getChargePoint('CPV'))!;
  assert.ok(again.lastSeenAt! > seen, `last seen ${again.lastSeenAt} after ${seen}`);
  assert.deepEqual([again.ocppVersion, again.transport], ['1.5', 'json']);
  const changes = (await tomada.store.listEvents({ chargePointId: 'CPV', type: 'ocppVersionChanged' })).length;
  assert.equal(changes, 1, 'a reconnection with the same protocol is no change');
});

test("a lenient 1.5 charge point's readings in 1.6's shape are converted and stored, in MeterValues and in its stop, and journal verify replays them so", async (t) => {
  const tomada = await startTestTomada({ unknownChargePoints: 'accept' });
  t.after(() => tomada.close());
  assert.equal((await tomada.api('/api/v1/charge-points/CP15L', { method: 'PUT', body: { lenient: true } })).status, 201);
  const client = await TestClient.connect(tomada.wsUrl, 'CP15L', { protocols: ['ocpp1.5'] });
  t.after(() => client.close());
  await client.ok('BootNotification', { chargePointVendor: 'Old', chargePointModel: 'Box' });
  const { transactionId } = await client.ok('StartTransaction', { connectorId: 1, idTag: 'TAG15', timestamp: '2025-05-01T10:00:00+01:00', meterStart: 1000 });

  // 1.6's names for the readings, with 1.6's own phase, unit and location: stored as sent, in
  // their order. Until 2026-12-07 this was refused (FormationViolation, "is not text").
  const sixteen = [
    { timestamp: '2025-05-01T10:10:00+01:00', sampledValue: [{ value: '0001.250', unit: 'kWh' }, { value: '16.2', measurand: 'Current.Import', unit: 'A', phase: 'L1', location: 'EV' }] },
    { timestamp: '2025-05-01T09:20:00Z', sampledValue: [{ value: '1400' }] },
  ];
  await client.ok('MeterValues', { connectorId: 1, transactionId, meterValue: sixteen });
  let detail = (await tomada.api(`/api/v1/transactions/${transactionId}`)).body;
  assert.deepEqual(
    detail.meterValues.map((m: any) => [m.timestamp, m.value, m.measurand, m.unit, m.phase, m.location]),
    [
      ['2025-05-01T09:10:00.000Z', '0001.250', 'Energy.Active.Import.Register', 'kWh', null, 'Outlet'],
      ['2025-05-01T09:10:00.000Z', '16.2', 'Current.Import', 'A', 'L1', 'EV'],
      ['2025-05-01T09:20:00.000Z', '1400', 'Energy.Active.Import.Register', 'Wh', null, 'Outlet'],
    ],
  );
  assert.equal(detail.energyWh, 400);
  // Sent again: stored once.
  await client.ok('MeterValues', { connectorId: 1, transactionId, meterValue: sixteen });
  assert.equal((await tomada.api(`/api/v1/transactions/${transactionId}`)).body.meterValues.length, 3);

  // The stop's transactionData in 1.6's shape (and 1.6's reason, text): stored with the stop.
  const end = [{ timestamp: '2025-05-01T09:30:00Z', sampledValue: [{ value: '1.800', unit: 'kWh', context: 'Transaction.End' }] }];
  await client.ok('StopTransaction', { transactionId, timestamp: '2025-05-01T09:30:00Z', meterStop: 1800, reason: 'Local', transactionData: end });
  detail = (await tomada.api(`/api/v1/transactions/${transactionId}`)).body;
  assert.equal(detail.stoppedAt, '2025-05-01T09:30:00.000Z');
  assert.deepEqual(detail.meterValues.map((m: any) => [m.value, m.context, m.connectorId]).at(-1), ['1.800', 'Transaction.End', 1]);
  assert.equal(detail.energyWh, 800);
  assert.deepEqual(detail.anomalies, []);

  // Not a valid 1.6 message (a reading's value a number): not converted, so refused in a
  // MeterValues; a stop (here with a field 1.6 has not either) is forgiven with its readings left to the
  // journal, as before.
  const invalid = await client.call('MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: '2025-05-01T09:25:00Z', sampledValue: [{ value: 1500 }] }] });
  assert.deepEqual(invalid.slice(0, 3), [4, invalid[1], 'FormationViolation'], JSON.stringify(invalid));
  const second = await client.ok('StartTransaction', { connectorId: 1, idTag: 'TAG15', timestamp: '2025-05-01T11:00:00Z', meterStart: 2000 });
  await client.ok('StopTransaction', { transactionId: second.transactionId, timestamp: '2025-05-01T11:30:00Z', meterStop: 2600, transactionData: [{ timestamp: '2025-05-01T11:30:00Z', sampledValue: [{ value: '2600' }], extra: 'x' }] });
  const stopped = (await tomada.api(`/api/v1/transactions/${second.transactionId}`)).body;
  assert.equal(stopped.energyWh, 600);
  assert.deepEqual(stopped.meterValues, [], 'not a 1.6 message: its readings in the journal only');

  // The journal's replay converts them as the node did: nothing is reported.
  const report = await verifyJournal(tomada.store);
  assert.deepEqual(report.mismatches, []);
  assert.equal(report.ok, true);
});

test("a strict 1.5 charge point's readings in 1.6's shape are refused, not converted", async (t) => {
  const tomada = await startTestTomada({ unknownChargePoints: 'accept' });
  t.after(() => tomada.close());
  const client = await TestClient.connect(tomada.wsUrl, 'CP15S', { protocols: ['ocpp1.5'] });
  t.after(() => client.close());
  await client.ok('BootNotification', { chargePointVendor: 'Old', chargePointModel: 'Box' });
  const { transactionId } = await client.ok('StartTransaction', { connectorId: 1, idTag: 'TAG15', timestamp: '2025-05-01T10:00:00Z', meterStart: 1000 });
  const sixteen = [{ timestamp: '2025-05-01T10:10:00Z', sampledValue: [{ value: '1250' }] }];
  const meterValues = await client.call('MeterValues', { connectorId: 1, transactionId, meterValue: sixteen });
  assert.deepEqual(meterValues.slice(0, 3), [4, meterValues[1], 'FormationViolation'], JSON.stringify(meterValues));
  const stop = await client.call('StopTransaction', { transactionId, timestamp: '2025-05-01T10:30:00Z', meterStop: 1800, transactionData: sixteen });
  assert.deepEqual(stop.slice(0, 3), [4, stop[1], 'FormationViolation'], JSON.stringify(stop));
  assert.equal((await tomada.api(`/api/v1/transactions/${transactionId}`)).body.stoppedAt, null);
});

test("a lenient 1.5 charge point's reading phase is taken as text only", async (t) => {
  const tomada = await startTestTomada({ unknownChargePoints: 'accept' });
  t.after(() => tomada.close());
  assert.equal((await tomada.api('/api/v1/charge-points/CP15P', { method: 'PUT', body: { lenient: true } })).status, 201);
  const client = await TestClient.connect(tomada.wsUrl, 'CP15P', { protocols: ['ocpp1.5'] });
  t.after(() => client.close());
  await client.ok('BootNotification', { chargePointVendor: 'Old', chargePointModel: 'Box' });
  const reading = (phase: unknown) => ({ connectorId: 1, values: [{ timestamp: '2025-05-01T10:10:00Z', value: [{ value: '1250', phase }] }] });

  // `true` could not be bound by SQLite (InternalError at every resend); 5 was stored as "5.0".
  for (const phase of [true, 5]) {
    const refused = await client.call('MeterValues', reading(phase));
    assert.deepEqual(refused.slice(0, 3), [4, refused[1], 'FormationViolation'], `phase ${phase}: ${JSON.stringify(refused)}`);
    assert.equal(refused[3], '/values/0/value/0/phase is not defined by the message, and is not text: not forgiven in a report of readings, even in lenient mode');
  }
  // 1.6's phase as text is kept, so a per-phase register is not taken for the total.
  await client.ok('MeterValues', reading('L1'));
  const { items } = (await tomada.api('/api/v1/charge-points/CP15P/meter-values')).body;
  assert.deepEqual(items.map((m: any) => [m.value, m.phase]), [['1250', 'L1']]);
});
