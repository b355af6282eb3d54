// What the schemas let through but no store keeps as it came: a NUL character or a lone UTF-16
// surrogate in any string, a connector or reservation id past 32 bits (or a connector below 0,
// which OCPP never numbers and the official schemas do not bound), a transaction id or meter
// reading that is not a safe integer (Infinity from 1e400 among them). PostgreSQL refused such
// calls with InternalError at every resend where SQLite stored them, or they were stored altered;
// now both answer a constraint violation naming the field, whatever the charge point's lenient
// setting, store nothing of the call, and the connection goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unstorable } from '../../src/transport/storable.js';
import { boot, TestClient } from '../support/ocpp-client.js';
import { sendAndExpectError } from './helpers.js';
import { startTestTomada } from '../support/tomada.js';

const now = () => new Date().toISOString();

test('unstorable: the first value no store keeps, with its JSON pointer', () => {
  assert.equal(unstorable({ connectorId: 2_147_483_647, reservationId: -2_147_483_648, meterStart: 3_000_000_000, info: 'ok' }), undefined, 'meter readings past 32 bits are kept (bigint columns)');
  assert.deepEqual(unstorable({ connectorId: 2_147_483_648 }), { code: 'PropertyConstraintViolation', path: '/connectorId', message: 'must be a connector number (0: the charge point as a whole) from 0 to 2147483647' });
  assert.equal(unstorable({ connectorId: -1 })?.path, '/connectorId', 'no connector is numbered below 0');
  assert.equal(unstorable({ connectorId: 0 }), undefined, 'connector 0 is the charge point as a whole');
  assert.deepEqual(unstorable({ connectorId: 0 }, 'StartTransaction'), { code: 'PropertyConstraintViolation', path: '/connectorId', message: 'must be a connector number (a session never starts on 0, the charge point as a whole) from 1 to 2147483647' });
  assert.equal(unstorable({ connectorId: 1 }, 'StartTransaction'), undefined);
  assert.equal(unstorable({ vendorExtension: 1.5, other: 1e30 }), undefined, "numbers nothing stores (a lenient charge point's extra fields) are left alone");
  assert.equal(unstorable({ meterValue: [{ sampledValue: [{ value: '1' }, { value: '2\u00003' }] }] })?.path, '/meterValue/0/sampledValue/1/value');
  assert.equal(unstorable({ data: { 'a/b\u0000': 1 } })?.path, '/data/a~1b\u0000');
  assert.deepEqual(unstorable({ info: 'x\ud800y' }), { code: 'PropertyConstraintViolation', path: '/info', message: 'must be well-formed Unicode (a lone UTF-16 surrogate cannot be stored)' });
  assert.equal(unstorable({ info: 'a pair: \ud83d\udd0c' }), undefined, 'a surrogate pair is one character');
  assert.equal(unstorable({ meterStop: 1e19 })?.path, '/meterStop');
  assert.equal(unstorable({ transactionId: 9_007_199_254_740_993 })?.path, '/transactionId');
  assert.equal(unstorable({ meterStart: Infinity })?.path, '/meterStart');
  assert.equal(unstorable('plain'), undefined);
  // A lenient charge point's extra field nested past the walk's stack: a precise error, not an InternalError.
  const deep = JSON.parse(`{"idTag":"T1","extra":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
  assert.deepEqual(unstorable(deep), { code: 'FormationViolation', path: '', message: 'is nested too deeply to be read' });
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
      ['StatusNotification', { connectorId: -1, status: 'Available', errorCode: 'NoError' }, '/connectorId'],
      ['MeterValues', { connectorId: -2, meterValue: [{ timestamp: now(), sampledValue: [{ value: '1' }] }] }, '/connectorId'],
      ['StartTransaction', { connectorId: 0, idTag: 'KEEP-TAG', meterStart: 0, timestamp: now() }, '/connectorId'],
      ['Authorize', { idTag: 'KEEP\u0000' }, '/idTag'],
      ['StartTransaction', { connectorId: 1, idTag: 'KEEP-TAG', meterStart: 0, timestamp: now(), reservationId: 3_000_000_000 }, '/reservationId'],
      ['MeterValues', { connectorId: 1, meterValue: [{ timestamp: now(), sampledValue: [{ value: '1\u00000' }] }] }, '/meterValue/0/sampledValue/0/value'],
      ['BootNotification', { chargePointVendor: 'V', chargePointModel: 'M', firmwareVersion: 'f\u0000w' }, '/firmwareVersion'],
      ['StartTransaction', { connectorId: 1, idTag: 'KEEP\ud800', meterStart: 0, timestamp: now() }, '/idTag'],
      ['StartTransaction', { connectorId: 1, idTag: 'KEEP-TAG', meterStart: 1e19, timestamp: now() }, '/meterStart'],
      ['StopTransaction', { transactionId: 1, meterStop: 9_007_199_254_740_993, timestamp: now() }, '/meterStop'],
      // Longer than PostgreSQL's index entries hold: refused alike on SQLite.
      ['StartTransaction', { connectorId: 1, idTag: 'T'.repeat(3000), meterStart: 0, timestamp: now() }, '/idTag'],
    ];
    for (const [action, payload, path] of refused) {
      const answer = await client.call(action, payload);
      assert.equal(answer[0], 4, `${action}: ${JSON.stringify(answer)}`);
      assert.equal(answer[2], 'PropertyConstraintViolation', `${action}: ${JSON.stringify(answer)}`);
      assert.match(String(answer[3]), new RegExp(`^${path.replace(/\//g, '\\/')} must`), action);
    }
    // 1e400 is Infinity once parsed: a type error, before anything else looks at it.
    const infinite = await sendAndExpectError(client, `[2,"inf","StartTransaction",{"connectorId":1,"idTag":"KEEP-TAG","meterStart":1e400,"timestamp":"${now()}"}]`);
    assert.deepEqual(infinite.slice(0, 3), [4, 'inf', 'TypeConstraintViolation'], JSON.stringify(infinite));
    assert.deepEqual(await t.store.listConnectors('KEEP-1'), [], 'no status of a refused call');
    assert.deepEqual((await t.api('/api/v1/transactions?chargePointId=KEEP-1')).body.items, [], 'no session of a refused call');
    assert.equal((await t.api('/api/v1/charge-points/KEEP-1')).body.firmwareVersion, firmware, 'the refused boot changed nothing');

    // The same connection, right after.
    await client.ok('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError', info: 'fine' });
    const started = await client.ok('StartTransaction', { connectorId: 1, idTag: 'KEEP-TAG', meterStart: 3_000_000_000, timestamp: now() });
    assert.equal(started.idTagInfo.status, 'Accepted');
    assert.equal((await t.api(`/api/v1/transactions/${started.transactionId}`)).body.meterStartWh, 3_000_000_000, 'a meter past 32 bits is stored');
    assert.equal((await t.store.listConnectors('KEEP-1'))[0]?.info, 'fine');
    // A register past 2^53 Wh is kept as the text it came as, and counts for no energy.
    const huge = '100000000000000000000';
    await client.ok('MeterValues', { connectorId: 1, transactionId: started.transactionId, meterValue: [{ timestamp: now(), sampledValue: [{ value: huge, measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }] });
    const session = (await t.api(`/api/v1/transactions/${started.transactionId}`)).body;
    assert.deepEqual(session.meterValues.map((m: { value: string }) => m.value), [huge]);
    assert.ok(session.energyWh === null || session.energyWh === 0, JSON.stringify(session));
    assert.equal((await t.api('/api/v1/transactions?chargePointId=KEEP-1')).status, 200);
  } finally {
    await client.close();
    await t.close();
  }
});
