// Every simulator fault breaks exactly the case that checks its behaviour, with a reason that names
// the problem; every other case passes or does not apply. The campaigns run concurrently against one
// Tomada, as a network validates many charge points at once.
// store: sqlite-only. Verdicts do not depend on the store, and campaign.test.ts, registry.test.ts
// and signed-meter.test.ts run campaigns on PostgreSQL too; this file's 17 campaigns (about 40 s
// on SQLite) would lengthen the PostgreSQL pass for no new coverage.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SIM_FAULTS, type SimFault } from '../../src/sim/faults.js';
import type { SimProtocolName } from '../../src/sim/protocols.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import { runCampaign, summary, type CampaignRun, type FAST_TIMING } from './rig.js';

interface Expectation {
  /** The cases that must fail, and what each reason must say. */
  fails: Record<string, RegExp>;
  protocol?: SimProtocolName;
  unit?: 'Wh' | 'kWh';
  /** Shorter waits where the failing cases can only time out (each would wait the whole case limit). */
  timing?: Partial<typeof FAST_TIMING>;
}

/**
 * For a fault whose cases wait out their whole limit for what never comes (a stop that is ignored
 * leaves every later case waiting for one too): 5 s instead of 15 each. With 15 s these campaigns
 * took 32–68 s where the others take about 23, and the file 78 s instead of 40.
 */
const WAITS_OUT: Partial<typeof FAST_TIMING> = { caseTimeoutS: 5 };

const RESET_CASES = ['reset.soft.idle', 'reset.hard.idle', 'reset.soft.charging', 'reset.hard.charging'];

const expectations: Record<SimFault, Expectation> = {
  'no-meter-values': { fails: { 'meter.values': /no MeterValues for connector 1/ }, timing: WAITS_OUT },
  'wrong-measurand': { fails: { 'meter.values': /Power\.Active\.Import, without Energy\.Active\.Import\.Register or Energy\.Active\.Import\.Interval/ }, protocol: 'ocpp1.5-soap' },
  'decreasing-register': { fails: { 'meter.values': /register went from \d+(\.\d+)? Wh down to/, 'meter.consistency': /the register went down between two readings/ }, protocol: 'ocpp1.5-json', unit: 'kWh' },
  'meter-values-without-transaction-id': { fails: { 'meter.values': /has no transactionId/ }, timing: WAITS_OUT },
  'stop-without-energy': { fails: { 'remote.stop': /no transactionData with Energy/ }, protocol: 'ocpp1.5-soap' },
  'remote-stop-ignored': { fails: { 'remote.stop': /no StopTransaction for transaction \d+ within/ }, timing: WAITS_OUT },
  'remote-stop-unknown-accepted': { fails: { 'remote.stop.unknown': /unknown transaction \d+ answered Accepted, expected Rejected/ } },
  'busy-start-accepted': { fails: { 'remote.start.busy': /busy connector 1 answered Accepted, expected Rejected/ } },
  'other-id-tag': { fails: { 'remote.start': /StartTransaction carries idTag "SIMOTHER1", the remote start gave/ } },
  'unlock-unknown-accepted': { fails: { 'unlock.unknown': /connector 3, which does not exist, answered Unlocked/ } },
  'no-boot-after-reset': { fails: Object.fromEntries(RESET_CASES.map((id) => [id, /no BootNotification within \d+ s after the accepted (soft|hard) reset/])), timing: WAITS_OUT },
  'soft-reset-keeps-transaction': { fails: { 'reset.soft.charging': /booted again without stopping transaction \d+ first/ } },
  'boot-retry-early': { fails: { 'boot.pending': /booted again after \d+(\.\d+)? s, before the 4 s interval/ } },
  'heartbeat-interval-ignored': { fails: { 'heartbeat.interval': /(Heartbeats \d+(\.\d+)? s apart|no second Heartbeat).*interval is 2 s|interval 2 s/ } },
  'no-status-connector-0': { fails: { 'status.connectors': /no StatusNotification for connector 0 within/ }, protocol: 'ocpp1.5-json', timing: WAITS_OUT },
  'backlog-dropped': { fails: { 'offline.backlog': /(nothing sampled between|no value sampled during).*the backlog was lost/ }, protocol: 'ocpp1.5-soap' },
  'other-ocpp-version': { fails: { 'ocpp.version': /declared OCPP 1\.6 over json, but it connected with OCPP 1\.5 over json/ }, protocol: 'ocpp1.5-json' },
};

let tomada: TestTomada;
const runs = new Map<SimFault, CampaignRun>();

before(async () => {
  tomada = await startTestTomada();
  const faults = Object.keys(expectations) as SimFault[];
  await Promise.all(
    faults.map(async (fault, i) => {
      const e = expectations[fault];
      const run = await runCampaign(tomada, { id: `FAULT-${String(i).padStart(2, '0')}`, protocol: e.protocol ?? 'ocpp1.6-json', faults: [fault], ...(e.unit ? { unit: e.unit } : {}), ...(e.timing ? { timing: e.timing } : {}) });
      runs.set(fault, run);
    }),
  );
});

after(async () => {
  for (const run of runs.values()) await run.chargePoint.stop();
  await tomada.close();
});

test('every fault the simulator offers has an expectation here', () => {
  assert.deepEqual(Object.keys(expectations).sort(), Object.keys(SIM_FAULTS).sort());
});

for (const [fault, expectation] of Object.entries(expectations) as [SimFault, Expectation][]) {
  test(`fault ${fault}: fails ${Object.keys(expectation.fails).join(', ')} and nothing else`, () => {
    const { validation } = runs.get(fault)!;
    assert.equal(validation.verdict, 'fail', summary(validation));
    const failed = validation.cases.filter((c) => c.status === 'fail').map((c) => c.id);
    assert.deepEqual(failed, Object.keys(expectation.fails), summary(validation));
    for (const [caseId, reason] of Object.entries(expectation.fails)) {
      const item = validation.cases.find((c) => c.id === caseId)!;
      assert.match(item.reason ?? '', reason, `${caseId}: ${item.reason}`);
    }
    for (const c of validation.cases) assert.ok(['pass', 'fail', 'skipped'].includes(c.status), `${c.id} is ${c.status}: ${c.reason}`);
  });
}

test('a failed campaign validates nothing', async () => {
  const { body } = await tomada.api('/api/v1/software');
  assert.deepEqual(body.items, []);
  const events = await tomada.api('/api/v1/events?type=validationFinished&limit=100');
  assert.equal(events.body.items.length, Object.keys(expectations).length);
  for (const e of events.body.items) assert.equal(e.data.verdict, 'fail');
});
