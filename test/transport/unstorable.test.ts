// What the schemas let through but no store keeps as it came: a NUL character in any string, a
// connector or reservation id past 32 bits. PostgreSQL refused such calls with InternalError at
// every resend where SQLite stored them; now both answer PropertyConstraintViolation naming the
// field, whatever the charge point's lenient setting, store nothing of the call, and the
// connection goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unstorable } from '../../src/transport/storable.js';
import { boot, TestClient } from '../support/ocpp-client.js';
import { startTestTomada } from '../support/tomada.js';

const now = () => new Date().toISOString();

test('unstorable: the first value no store keeps, with its JSON pointer', () => {
  assert.equal(unstorable({ connectorId: 2_147_483_647, reservationId: -2_147_483_648, meterStart: 3_000_000_000, info: 'ok' }), undefined, 'meter readings past 32 bits are kept (bigint columns)');
  assert.deepEqual(unstorable({ connectorId: 2_147_483_648 }), { code: 'PropertyConstraintViolation', path: '/connectorId', message: 'must be a 32-bit integer (-2147483648 to 2147483647)' });
  assert.equal(unstorable({ meterValue: [{ sampledValue: [{ value: '1' }, { value: '2\u00003' }] }] })?.path, '/meterValue/0/sampledValue/1/value');
  assert.equal(unstorable({ data: { 'a/b\u0000': 1 } })?.path, '/data/a~1b\u0000');
  assert.equal(unstorable('plain'), undefined);
});

test('a call no store could keep as it came is refused alike on every store; nothing of it is stored, the connection goes on', async () => {
  const t = await startTestTomada({ unknownChargePoints: 'accept' });
  const client = await TestClient.connect(t.wsUrl, 'KEEP-1');
  try {
    await t.api('/api/v1/id-tags/KEEP-TAG', { method: 'PUT', body: { status: 'Accepted' } });
    // Lenient mode forgives schema violations of this kind; not these.
    await t.api('/api/v1/charge-points/KEEP-1', { method: 'PUT', body: { lenient: true } });
    assert.equal((await boot(client)).status, 'Accepted');
    const firmware = (await t.api('/api/v1/charge-points/KEEP-1')).body.firmwareVersion;
    const refused: [string, unknown, string][] = [
      ['StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'OtherError', info: 'a\u0000b' }, '/info'],
      ['StatusNotification', { connectorId: 3_000_000_000, status: 'Available', errorCode: 'NoError' }, '/connectorId'],
      ['Authorize', { idTag: 'KEEP\u0000' }, '/idTag'],
      ['StartTransaction', { connectorId: 1, idTag: 'KEEP-TAG', meterStart: 0, timestamp: now(), reservationId: 3_000_000_000 }, '/reservationId'],
      ['MeterValues', { connectorId: 1, meterValue: [{ timestamp: now(), sampledValue: [{ value: '1\u00000' }] }] }, '/meterValue/0/sampledValue/0/value'],
      ['BootNotification', { chargePointVendor: 'V', chargePointModel: 'M', firmwareVersion: 'f\u0000w' }, '/firmwareVersion'],
    ];
    for (const [action, payload, path] of refused) {
      const answer = await client.call(action, payload);
      assert.equal(answer[0], 4, `${action}: ${JSON.stringify(answer)}`);
      assert.equal(answer[2], 'PropertyConstraintViolation', `${action}: ${JSON.stringify(answer)}`);
      assert.match(String(answer[3]), new RegExp(`^${path.replace(/\//g, '\\/')} must`), action);
    }
    assert.deepEqual(await t.store.listConnectors('KEEP-1'), [], 'no status of a refused call');
    assert.deepEqual((await t.api('/api/v1/transactions?chargePointId=KEEP-1')).body.items, [], 'no session of a refused call');
    assert.equal((await t.api('/api/v1/charge-points/KEEP-1')).body.firmwareVersion, firmware, 'the refused boot changed nothing');

    // The same connection, right after.
    await client.ok('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', info: 'fine' });
    const started = await client.ok('StartTransaction', { connectorId: 1, idTag: 'KEEP-TAG', meterStart: 3_000_000_000, timestamp: now() });
    assert.equal(started.idTagInfo.status, 'Accepted');
    assert.equal((await t.api(`/api/v1/transactions/${started.transactionId}`)).body.meterStartWh, 3_000_000_000, 'a meter past 32 bits is stored');
    assert.equal((await t.store.listConnectors('KEEP-1'))[0]?.info, 'fine');
  } finally {
    await client.close();
    await t.close();
  }
});
