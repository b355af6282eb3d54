// The signed-meter case when a charge point signs its readings (OCMF): verified with the meter key
// registered for it, failed with the reason when the key is another one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { ocpp16 } from '../../src/sim/protocol-16.js';
import type { ChargePointProtocol, StopTransactionInput } from '../../src/sim/protocol.js';
import { ADMIN_TOKEN, startTestTomada } from '../support/tomada.js';
import { runCampaign, summary } from './rig.js';

const meter = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const spkiHex = (key: KeyObject) => key.export({ type: 'spki', format: 'der' }).toString('hex');

/** The OCMF data set of the end reading, signed over its exact payload. */
function signedEnd(input: StopTransactionInput): string {
  const time = `${input.timestamp.toISOString().replace('Z', '').replace('.', ',')}+0000 S`;
  const payload = JSON.stringify({
    FV: '1.0', GI: 'SIM', GS: 'SIM-1', GV: '1.0', PG: `T${input.transactionId}`, MV: 'Acme', MM: 'M1', MS: 'SN-1', MF: '1.0',
    IS: true, IT: 'ISO14443', ID: input.idTag,
    RD: [{ TM: time, TX: 'E', RV: input.meterStopWh / 1000, RI: '1-0:1.8.0', RU: 'kWh', RT: 'AC', EF: '', ST: 'G' }],
  });
  const signature = sign('sha256', Buffer.from(payload), { key: meter.privateKey, dsaEncoding: 'der' }).toString('hex');
  return `OCMF|${payload}|${JSON.stringify({ SA: 'ECDSA-secp256r1-SHA256', SD: signature })}`;
}

/** OCPP 1.6 as the simulator words it, plus a signed end reading in every StopTransaction. */
const signing: ChargePointProtocol = {
  ...ocpp16,
  stopTransaction(input) {
    const call = ocpp16.stopTransaction(input);
    const data = (call.payload as { transactionData: { sampledValue: object[] }[] }).transactionData;
    data[0]!.sampledValue.push({ value: signedEnd(input), format: 'SignedData', context: 'Transaction.End', measurand: 'Energy.Active.Import.Register', unit: 'Wh' });
    return call;
  },
};

test('signed meter values: verified with the registered key, failed with another', { timeout: 120_000 }, async () => {
  const t = await startTestTomada();
  const cases = ['remote.start', 'remote.stop', 'signed.meter'];
  try {
    const [good, bad] = await Promise.all([
      runCampaign(t, { id: 'SIGNED-OK', protocol: 'ocpp1.6-json', wording: signing, cases, settings: { meterPublicKey: spkiHex(meter.publicKey) } }),
      runCampaign(t, { id: 'SIGNED-BAD', protocol: 'ocpp1.6-json', wording: signing, cases, settings: { meterPublicKey: spkiHex(stranger.publicKey) } }),
    ]);
    await good.chargePoint.stop();
    await bad.chargePoint.stop();
    const signedCase = (v: typeof good.validation) => v.cases.find((c) => c.id === 'signed.meter')!;
    assert.equal(signedCase(good.validation).status, 'pass', summary(good.validation));
    assert.equal(signedCase(good.validation).reason, 'signed meter values verified');
    assert.equal(signedCase(bad.validation).status, 'fail', summary(bad.validation));
    assert.match(signedCase(bad.validation).reason ?? '', /^signed meter values do not verify: .*signature/i);
    // A partial campaign passes its cases but validates no software, and its record and report say so.
    assert.equal(good.validation.verdict, 'pass');
    assert.deepEqual((await t.api('/api/v1/software')).body.items, []);
    assert.deepEqual(good.validation.registry, { validated: false, reason: 'a partial campaign (3 of 22 cases) validates no software' });
    const report = await fetch(`${t.httpUrl}/api/v1/validations/${good.validation.id}/report.html`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.match(await report.text(), /<th>Registry<\/th><td>this campaign validates no software: a partial campaign \(3 of 22 cases\) validates no software<\/td>/);
  } finally {
    await t.close();
  }
});

/** The same signed end reading, in a JSON wrapper that carries the meter's public key itself. */
const signingWithKey: ChargePointProtocol = {
  ...ocpp16,
  stopTransaction(input) {
    const call = ocpp16.stopTransaction(input);
    const data = (call.payload as { transactionData: { sampledValue: object[] }[] }).transactionData;
    const value = JSON.stringify({ encodingMethod: 'OCMF', signedMeterValue: signedEnd(input), publicKey: spkiHex(meter.publicKey) });
    data[0]!.sampledValue.push({ value, format: 'SignedData', context: 'Transaction.End', measurand: 'Energy.Active.Import.Register', unit: 'Wh' });
    return call;
  },
};

test('signed meter values verified with the key the charge point sent (none registered): the case says so', { timeout: 120_000 }, async () => {
  const t = await startTestTomada({ meterKeyFromMessage: true });
  try {
    const run = await runCampaign(t, { id: 'SIGNED-MSG', protocol: 'ocpp1.6-json', wording: signingWithKey, cases: ['remote.start', 'remote.stop', 'signed.meter'] });
    await run.chargePoint.stop();
    const signedCase = run.validation.cases.find((c) => c.id === 'signed.meter')!;
    assert.equal(signedCase.status, 'pass', summary(run.validation));
    // It proves the readings were not altered, not that they come from the registered meter.
    assert.equal(signedCase.reason, 'signed meter values: verified with the public key sent in the message (none registered)');
  } finally {
    await t.close();
  }
});
