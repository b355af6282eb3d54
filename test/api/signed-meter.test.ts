// Signed meter values (OCMF) end to end: a charge point's meter key registered through the API,
// signed readings sent in MeterValues and StopTransaction, and each transaction's
// signedMeterStatus: verified, or failed with the reason (tampered, replayed, disagreeing, no key).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { TestClient } from '../support/ocpp-client.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';

const meter = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const otherMeter = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const spkiHex = (key: KeyObject) => key.export({ type: 'spki', format: 'der' }).toString('hex');

/** One OCMF data set, signed over its exact payload text. */
function ocmf(reading: { time: string; tx: 'B' | 'E' | 'T'; kwh: number; page: number | string }, privateKey = meter.privateKey, publicKey?: KeyObject): string {
  const payload = JSON.stringify({
    FV: '1.0', GI: 'TOMADA TEST', GS: 'GW-1', GV: '1.0', PG: typeof reading.page === 'string' ? reading.page : `T${reading.page}`, MV: 'Acme', MM: 'M1', MS: 'SN-1', MF: '1.0',
    IS: true, IT: 'ISO14443', ID: 'AABBCCDD',
    RD: [{ TM: `${reading.time.replace('.000Z', ',000+0000')} S`, TX: reading.tx, RV: reading.kwh, RI: '1-0:1.8.0', RU: 'kWh', RT: 'AC', EF: '', ST: 'G' }],
  });
  const signature = sign('sha256', Buffer.from(payload), { key: privateKey, dsaEncoding: 'der' }).toString('hex');
  const text = `OCMF|${payload}|${JSON.stringify({ SA: 'ECDSA-secp256r1-SHA256', SD: signature })}`;
  return publicKey ? JSON.stringify({ signedMeterValue: text, encodingMethod: 'OCMF', publicKey: spkiHex(publicKey) }) : text;
}

const signedSample = (value: string, context: string) => ({ value, format: 'SignedData', context, measurand: 'Energy.Active.Import.Register', unit: 'Wh' });

/** A session whose begin and end readings are signed; `mutate` may tamper with the signed texts. */
async function signedSession(
  t: TestTomada,
  client: TestClient,
  options: { startWh: number; stopWh: number; begin: string; end: string },
): Promise<any> {
  const start = await client.ok('StartTransaction', { connectorId: 1, idTag: 'SIG', meterStart: options.startWh, timestamp: '2025-03-01T10:00:00Z' });
  const id = start.transactionId;
  await client.ok('MeterValues', { connectorId: 1, transactionId: id, meterValue: [{ timestamp: '2025-03-01T10:00:00Z', sampledValue: [signedSample(options.begin, 'Transaction.Begin')] }] });
  await client.ok('StopTransaction', {
    transactionId: id,
    meterStop: options.stopWh,
    timestamp: '2025-03-01T11:00:00Z',
    transactionData: [{ timestamp: '2025-03-01T11:00:00Z', sampledValue: [signedSample(options.end, 'Transaction.End'), { value: String(options.stopWh), context: 'Transaction.End' }] }],
  });
  // A new idTag session each time: stop before the next start.
  return (await t.api(`/api/v1/transactions/${id}`)).body;
}

test('signed meter values are verified against the registered key', async (t) => {
  const tomada = await startTestTomada({ unknownChargePoints: 'accept' });
  t.after(() => tomada.close());
  await tomada.domain.idTags.put({ idTag: 'SIG', status: 'Accepted', expiryDate: null, parentIdTag: null });
  const put = await tomada.api('/api/v1/charge-points/SIG-1', { method: 'PUT', body: { meterPublicKey: spkiHex(meter.publicKey) } });
  assert.equal(put.status, 201);
  const client = await TestClient.connect(tomada.wsUrl, 'SIG-1');
  t.after(() => client.close());
  await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });

  const begin1 = ocmf({ time: '2025-03-01T10:00:00.000Z', tx: 'B', kwh: 1234.5, page: 1 });
  const good = await signedSession(tomada, client, { startWh: 1_234_500, stopWh: 1_256_750, begin: begin1, end: ocmf({ time: '2025-03-01T11:00:00.000Z', tx: 'E', kwh: 1256.75, page: 2 }) });
  assert.equal(good.signedMeterStatus, 'verified', good.signedMeterReason);
  assert.equal(good.signedMeterReason, null);
  assert.equal(good.energyWh, 22_250);

  // A tampered payload: one digit of the reading changed after signing.
  const tampered = await signedSession(tomada, client, {
    startWh: 1_300_000,
    stopWh: 1_310_000,
    begin: ocmf({ time: '2025-03-01T10:00:00.000Z', tx: 'B', kwh: 1300, page: 3 }).replace('"RV":1300', '"RV":1200'),
    end: ocmf({ time: '2025-03-01T11:00:00.000Z', tx: 'E', kwh: 1310, page: 4 }),
  });
  assert.equal(tampered.signedMeterStatus, 'failed');
  assert.match(tampered.signedMeterReason, /signature/i);

  // The first session's signed begin replayed on another transaction.
  const replay = await signedSession(tomada, client, { startWh: 1_234_600, stopWh: 1_240_000, begin: begin1, end: ocmf({ time: '2025-03-01T11:00:00.000Z', tx: 'E', kwh: 1240, page: 6 }) });
  assert.equal(replay.signedMeterStatus, 'failed');
  assert.match(replay.signedMeterReason, /replayed/);

  // The same data set replayed in another encoding (base64) is still the same data set.
  const reencoded = await signedSession(tomada, client, {
    startWh: 1_234_700,
    stopWh: 1_240_000,
    begin: Buffer.from(begin1).toString('base64'),
    end: ocmf({ time: '2025-03-01T11:00:00.000Z', tx: 'E', kwh: 1240, page: 11 }),
  });
  assert.equal(reencoded.signedMeterStatus, 'failed');
  assert.match(reencoded.signedMeterReason, /replayed/);

  // A correctly signed reading that disagrees with the unsigned meterStop.
  const disagree = await signedSession(tomada, client, {
    startWh: 1_400_000,
    stopWh: 1_410_000,
    begin: ocmf({ time: '2025-03-01T10:00:00.000Z', tx: 'B', kwh: 1400, page: 7 }),
    end: ocmf({ time: '2025-03-01T11:00:00.000Z', tx: 'E', kwh: 1411, page: 8 }),
  });
  assert.equal(disagree.signedMeterStatus, 'failed');
  assert.match(disagree.signedMeterReason, /1411000 Wh but the unsigned one is 1410000 Wh/);

  // Signed by another meter's key.
  const foreign = await signedSession(tomada, client, {
    startWh: 1_500_000,
    stopWh: 1_510_000,
    begin: ocmf({ time: '2025-03-01T10:00:00.000Z', tx: 'B', kwh: 1500, page: 9 }, otherMeter.privateKey),
    end: ocmf({ time: '2025-03-01T11:00:00.000Z', tx: 'E', kwh: 1510, page: 10 }, otherMeter.privateKey),
  });
  assert.equal(foreign.signedMeterStatus, 'failed');

  // Unsigned sessions say so.
  const start = await client.ok('StartTransaction', { connectorId: 2, idTag: 'SIG', meterStart: 1, timestamp: '2025-03-02T10:00:00Z' });
  await client.ok('StopTransaction', { transactionId: start.transactionId, meterStop: 2, timestamp: '2025-03-02T11:00:00Z' });
  assert.equal((await tomada.api(`/api/v1/transactions/${start.transactionId}`)).body.signedMeterStatus, 'absent');
});

/** A node, and a booted charge point whose meter's key is registered, both closed after the test. */
async function chargePointWithMeterKey(t: TestContext, id: string): Promise<{ tomada: TestTomada; client: TestClient }> {
  const tomada = await startTestTomada({ unknownChargePoints: 'accept' });
  t.after(() => tomada.close());
  await tomada.domain.idTags.put({ idTag: 'SIG', status: 'Accepted', expiryDate: null, parentIdTag: null });
  await tomada.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { meterPublicKey: spkiHex(meter.publicKey) } });
  const client = await TestClient.connect(tomada.wsUrl, id);
  t.after(() => client.close());
  await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  return { tomada, client };
}

test('a meter counts its transaction and fiscal pages apart', async (t) => {
  const { tomada, client } = await chargePointWithMeterKey(t, 'SIG-3');
  const start = await client.ok('StartTransaction', { connectorId: 1, idTag: 'SIG', meterStart: 2_000_000, timestamp: '2025-03-01T10:00:00Z' });
  const id = start.transactionId;
  const fiscal = ocmf({ time: '2025-03-01T10:30:00.000Z', tx: 'B', kwh: 2000, page: 'F7' });
  await client.ok('MeterValues', {
    connectorId: 1,
    transactionId: id,
    meterValue: [
      { timestamp: '2025-03-01T10:00:00Z', sampledValue: [signedSample(ocmf({ time: '2025-03-01T10:00:00.000Z', tx: 'B', kwh: 2000, page: 1 }), 'Transaction.Begin')] },
      { timestamp: '2025-03-01T10:30:00Z', sampledValue: [signedSample(fiscal, 'Sample.Clock')] },
    ],
  });
  await client.ok('StopTransaction', {
    transactionId: id,
    meterStop: 2_010_000,
    timestamp: '2025-03-01T11:00:00Z',
    transactionData: [{ timestamp: '2025-03-01T11:00:00Z', sampledValue: [signedSample(ocmf({ time: '2025-03-01T11:00:00.000Z', tx: 'E', kwh: 2010, page: 2 }), 'Transaction.End')] }],
  });
  const detail = (await tomada.api(`/api/v1/transactions/${id}`)).body;
  assert.equal(detail.signedMeterStatus, 'verified', detail.signedMeterReason);
});

test("a signed reading sent on connector 0 and repeated in the stop's transaction data is one reading, not a replay", async (t) => {
  const { tomada, client } = await chargePointWithMeterKey(t, 'SIG-4');
  const start = await client.ok('StartTransaction', { connectorId: 1, idTag: 'SIG', meterStart: 3_000_000, timestamp: '2025-03-01T10:00:00Z' });
  const id = start.transactionId;
  const begin = { timestamp: '2025-03-01T10:00:00Z', sampledValue: [signedSample(ocmf({ time: '2025-03-01T10:00:00.000Z', tx: 'B', kwh: 3000, page: 1 }), 'Transaction.Begin')] };
  // Some firmwares report the session's meter on connector 0, then repeat it in the stop.
  await client.ok('MeterValues', { connectorId: 0, transactionId: id, meterValue: [begin] });
  await client.ok('StopTransaction', {
    transactionId: id,
    meterStop: 3_010_000,
    timestamp: '2025-03-01T11:00:00Z',
    transactionData: [begin, { timestamp: '2025-03-01T11:00:00Z', sampledValue: [signedSample(ocmf({ time: '2025-03-01T11:00:00.000Z', tx: 'E', kwh: 3010, page: 2 }), 'Transaction.End')] }],
  });
  const detail = (await tomada.api(`/api/v1/transactions/${id}`)).body;
  assert.deepEqual(detail.meterValues.filter((m: { format: string }) => m.format === 'SignedData').map((m: { connectorId: number }) => m.connectorId), [0, 1, 1], 'both copies are kept');
  assert.equal(detail.signedMeterStatus, 'verified', detail.signedMeterReason);
});

test('a signed reading agrees with its twin as the energy rules read it: kWh moved exactly, the counted meter only, the car\'s never', async (t) => {
  const { tomada, client } = await chargePointWithMeterKey(t, 'SIG-5');
  const start = await client.ok('StartTransaction', { connectorId: 1, idTag: 'SIG', meterStart: 8_388_000, timestamp: '2025-03-01T10:00:00Z' });
  const id = start.transactionId;
  const at = (minute: number) => `2025-03-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
  const signedAt = (minute: number, kwh: number, page: number) => signedSample(ocmf({ time: at(minute), tx: 'T', kwh, page }), 'Sample.Periodic');
  const register = (value: string, unit: string, location?: string) => ({ value, unit, measurand: 'Energy.Active.Import.Register', context: 'Sample.Periodic', ...(location ? { location } : {}) });
  // 8388.5865 kWh is 8,388,586.5 Wh; times 1000 in binary it is 8,388,586.499…, rounded down.
  await client.ok('MeterValues', { connectorId: 1, transactionId: id, meterValue: [{ timestamp: at(10), sampledValue: [signedAt(10, 8388.5865, 1), register('8388.5865', 'kWh')] }] });
  // The outlet's register counts; an inlet's after it, the car's, and an unreadable one are no twins.
  await client.ok('MeterValues', {
    connectorId: 1,
    transactionId: id,
    meterValue: [{ timestamp: at(20), sampledValue: [signedAt(20, 8389.5, 2), register('8389500', 'Wh', 'Outlet'), register('8389530', 'Wh', 'Inlet'), register('8389480', 'Wh', 'EV'), register('', 'Wh', 'Outlet')] }],
  });
  const verified = (await tomada.api(`/api/v1/transactions/${id}`)).body;
  assert.equal(verified.signedMeterStatus, 'verified', verified.signedMeterReason);
  assert.equal(verified.energyWh, 1_500, 'the energy of the outlet\'s register');
  // A second outlet reading of that instant that differs: the signed one cannot vouch for both.
  await client.ok('MeterValues', { connectorId: 1, transactionId: id, meterValue: [{ timestamp: at(20), sampledValue: [register('8389510', 'Wh', 'Outlet')] }] });
  const disagreeing = (await tomada.api(`/api/v1/transactions/${id}`)).body;
  assert.equal(disagreeing.signedMeterStatus, 'failed');
  assert.match(disagreeing.signedMeterReason, /8389500 Wh but the unsigned one is 8389510 Wh/);
});

test('a signed begin sent first outside any session (no transaction id yet) and repeated in the stop is no replay', async (t) => {
  const { tomada, client } = await chargePointWithMeterKey(t, 'SIG-6');
  const begin = { timestamp: '2025-03-01T10:00:00Z', sampledValue: [signedSample(ocmf({ time: '2025-03-01T10:00:00.000Z', tx: 'B', kwh: 4000, page: 1 }), 'Transaction.Begin')] };
  // Sent before StartTransaction's answer gave the transaction's id: kept outside any session.
  await client.ok('MeterValues', { connectorId: 1, meterValue: [begin] });
  const start = await client.ok('StartTransaction', { connectorId: 1, idTag: 'SIG', meterStart: 4_000_000, timestamp: '2025-03-01T10:00:00Z' });
  await client.ok('StopTransaction', {
    transactionId: start.transactionId,
    meterStop: 4_010_000,
    timestamp: '2025-03-01T11:00:00Z',
    transactionData: [begin, { timestamp: '2025-03-01T11:00:00Z', sampledValue: [signedSample(ocmf({ time: '2025-03-01T11:00:00.000Z', tx: 'E', kwh: 4010, page: 2 }), 'Transaction.End')] }],
  });
  const first = (await tomada.api(`/api/v1/transactions/${start.transactionId}`)).body;
  assert.equal(first.signedMeterStatus, 'verified', first.signedMeterReason);
  // The same begin in another transaction is still a replay.
  const again = await client.ok('StartTransaction', { connectorId: 1, idTag: 'SIG', meterStart: 4_010_000, timestamp: '2025-03-01T12:00:00Z' });
  await client.ok('StopTransaction', { transactionId: again.transactionId, meterStop: 4_020_000, timestamp: '2025-03-01T13:00:00Z', transactionData: [begin] });
  const replay = (await tomada.api(`/api/v1/transactions/${again.transactionId}`)).body;
  assert.equal(replay.signedMeterStatus, 'failed');
  assert.match(replay.signedMeterReason, /replayed/);
});

for (const policy of [false, true]) {
  test(`a key sent in the message is ${policy ? 'used, and said so,' : 'not trusted'} when the policy ${policy ? 'allows' : 'denies'} it`, async (t) => {
    const tomada = await startTestTomada({ unknownChargePoints: 'accept', meterKeyFromMessage: policy });
    t.after(() => tomada.close());
    await tomada.domain.idTags.put({ idTag: 'SIG', status: 'Accepted', expiryDate: null, parentIdTag: null });
    const client = await TestClient.connect(tomada.wsUrl, 'SIG-2');
    t.after(() => client.close());
    await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    const session = await signedSession(tomada, client, {
      startWh: 1_000_000,
      stopWh: 1_005_000,
      begin: ocmf({ time: '2025-03-01T10:00:00.000Z', tx: 'B', kwh: 1000, page: 1 }, meter.privateKey, meter.publicKey),
      end: ocmf({ time: '2025-03-01T11:00:00.000Z', tx: 'E', kwh: 1005, page: 2 }, meter.privateKey, meter.publicKey),
    });
    if (policy) {
      assert.equal(session.signedMeterStatus, 'verified');
      assert.match(session.signedMeterReason, /public key sent in the message/);
    } else {
      assert.equal(session.signedMeterStatus, 'failed');
      assert.match(session.signedMeterReason, /no-key/);
    }
  });
}
