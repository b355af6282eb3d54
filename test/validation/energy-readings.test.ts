// Energy readings Tomada cannot compute a session's energy from fail the metering cases: a value
// written with a decimal comma, a StopTransaction whose energy is in another unit, energy reported
// only per phase or at the EV. The software must not pass with them.
// store: sqlite-only. The verdicts are judged from the wire payloads and the energy rules, which
// do not depend on the store; campaign.test.ts runs whole campaigns on PostgreSQL too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ocpp16 } from '../../src/sim/protocol-16.js';
import type { ChargePointProtocol, OutboundCall } from '../../src/sim/protocol.js';
import { startTestTomada } from '../support/tomada.js';
import { runCampaign, summary } from './rig.js';

type Sampled = { value: string; unit?: string; measurand?: string; phase?: string; location?: string };
type Rewrite = (sample: Sampled) => void;

/** The energy samples of a 1.6 MeterValues or StopTransaction, rewritten in place. */
function rewrite(call: OutboundCall, key: 'meterValue' | 'transactionData', change: Rewrite): OutboundCall {
  for (const value of (call.payload[key] ?? []) as { sampledValue: Sampled[] }[]) {
    for (const sample of value.sampledValue) if ((sample.measurand ?? 'Energy.Active.Import.Register').startsWith('Energy.Active.Import')) change(sample);
  }
  return call;
}

const decimalComma: Rewrite = (s) => void (s.value = s.value.replace('.', ','));

/** kWh readings written with a decimal comma ("1,05"), in MeterValues and in the stop's transaction data. */
const commas: ChargePointProtocol = {
  ...ocpp16,
  meterValues: (...args) => rewrite(ocpp16.meterValues(...args), 'meterValue', decimalComma),
  stopTransaction: (input) => rewrite(ocpp16.stopTransaction(input), 'transactionData', decimalComma),
};

/** Correct MeterValues, but the stop's transaction data gives its energy in kvarh. */
const stopInKvarh: ChargePointProtocol = {
  ...ocpp16,
  stopTransaction: (input) => rewrite(ocpp16.stopTransaction(input), 'transactionData', (s) => void (s.unit = 'kvarh')),
};

test('energy readings that are not a number in Wh or kWh fail meter.values, remote.stop and meter.consistency', { timeout: 120_000 }, async () => {
  const t = await startTestTomada();
  const cases = ['remote.start', 'meter.values', 'remote.stop', 'meter.consistency'];
  try {
    const [comma, kvarh] = await Promise.all([
      runCampaign(t, { id: 'ENERGY-COMMA', protocol: 'ocpp1.6-json', unit: 'kWh', wording: commas, cases }),
      runCampaign(t, { id: 'ENERGY-KVARH', protocol: 'ocpp1.6-json', wording: stopInKvarh, cases }),
    ]);
    await comma.chargePoint.stop();
    await kvarh.chargePoint.stop();
    const status = (v: typeof comma.validation) => Object.fromEntries(v.cases.map((c) => [c.id, c.status]));
    const reason = (v: typeof comma.validation, id: string) => v.cases.find((c) => c.id === id)!.reason ?? '';

    assert.deepEqual(status(comma.validation), { 'remote.start': 'pass', 'meter.values': 'fail', 'remote.stop': 'fail', 'meter.consistency': 'fail' }, summary(comma.validation));
    assert.match(reason(comma.validation, 'meter.values'), /Energy\.Active\.Import\.Register value "\d+,\d+" kWh is not a number/);
    assert.match(reason(comma.validation, 'remote.stop'), /transactionData: Energy\.Active\.Import\.Register value "\d+,\d+" kWh is not a number/);
    assert.match(reason(comma.validation, 'meter.consistency'), /cannot be read as Wh or kWh/);

    assert.deepEqual(status(kvarh.validation), { 'remote.start': 'pass', 'meter.values': 'pass', 'remote.stop': 'fail', 'meter.consistency': 'fail' }, summary(kvarh.validation));
    assert.match(reason(kvarh.validation, 'remote.stop'), /transactionData: Energy\.Active\.Import\.Register in unit "kvarh"; expected Wh or kWh/);
    assert.equal(kvarh.validation.verdict, 'fail');
  } finally {
    await t.close();
  }
});

/** Energy reported only as a phase's register (L1), or only at the EV's own meter, in MeterValues. */
const perPhase: ChargePointProtocol = { ...ocpp16, meterValues: (...args) => rewrite(ocpp16.meterValues(...args), 'meterValue', (s) => void (s.phase = 'L1')) };
const atTheEv: ChargePointProtocol = { ...ocpp16, meterValues: (...args) => rewrite(ocpp16.meterValues(...args), 'meterValue', (s) => void (s.location = 'EV')) };
/** Correct MeterValues, but the stop's transaction data gives its energy only per phase (L2). */
const stopPerPhase: ChargePointProtocol = { ...ocpp16, stopTransaction: (input) => rewrite(ocpp16.stopTransaction(input), 'transactionData', (s) => void (s.phase = 'L2')) };

test('active energy only per phase, or only at the EV, fails meter.values, and only per phase in the stop fails remote.stop: Tomada computes no energy from them', { timeout: 60_000 }, async () => {
  const t = await startTestTomada();
  const cases = ['remote.start', 'meter.values'];
  try {
    const [phase, ev, stop] = await Promise.all([
      runCampaign(t, { id: 'ENERGY-PHASE', protocol: 'ocpp1.6-json', wording: perPhase, cases }),
      runCampaign(t, { id: 'ENERGY-EV', protocol: 'ocpp1.6-json', wording: atTheEv, cases }),
      runCampaign(t, { id: 'ENERGY-STOP-PHASE', protocol: 'ocpp1.6-json', wording: stopPerPhase, cases: ['remote.start', 'remote.stop'] }),
    ]);
    await phase.chargePoint.stop();
    await ev.chargePoint.stop();
    await stop.chargePoint.stop();
    for (const [run, how] of [[phase, /reports active energy only per phase \(L1\): none of it is the charge point’s total/], [ev, /reports active energy only at the EV \(location EV\): none of it is the charge point’s total/]] as const) {
      const meter = run.validation.cases.find((c) => c.id === 'meter.values')!;
      assert.equal(meter.status, 'fail', summary(run.validation));
      assert.match(meter.reason ?? '', how);
    }
    const remoteStop = stop.validation.cases.find((c) => c.id === 'remote.stop')!;
    assert.equal(remoteStop.status, 'fail', summary(stop.validation));
    assert.match(remoteStop.reason ?? '', /StopTransaction transactionData reports active energy only per phase \(L2\): none of it is the charge point’s total/);
  } finally {
    await t.close();
  }
});
