// The whole campaign against a correct simulated charge point, in each protocol: every case passes
// (signed meter values do not apply: the simulator sends none), the evidence is kept, the report
// reads as a report, and the tested software enters the validated registry.
// store: sqlite-only. Verdicts do not depend on the store, and these full campaigns at a validating
// campaign's limits take most of a minute; the registry and the record's writes run on both stores
// in registry.test.ts, interrupted.test.ts and closed-before-end.test.ts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import { runCampaign, summary, VALIDATING_TIMING, type CampaignRun } from './rig.js';
import { caseIds } from '../../src/validation/cases.js';
import { ocpp16 } from '../../src/sim/protocol-16.js';
import type { ChargePointProtocol } from '../../src/sim/protocol.js';

/**
 * OCPP 1.6 as the simulator words it, but a charge point whose firmware is another one for two of
 * its boots in mid-campaign (the 4th and 5th: reset.hard.idle, reset.soft.charging) and the
 * registered one before and after: the cases those boots fall in did not test the software.
 */
function flipping(): ChargePointProtocol {
  let boots = 0;
  return {
    ...ocpp16,
    bootNotification(info) {
      boots += 1;
      return ocpp16.bootNotification({ ...info, model: 'Flip', firmwareVersion: boots === 4 || boots === 5 ? '6.6.6' : info.firmwareVersion });
    },
  };
}

let tomada: TestTomada;
const runs = new Map<string, CampaignRun>();

before(async () => {
  tomada = await startTestTomada();
  // Concurrently, as a network validates many charge points at once; each campaign sees only its own.
  // The three that validate their software run with the limits a validating campaign needs; the
  // trial run (FAST_TIMING: a 2 s heartbeat, a 4 s retry, a 1 s watch) passes and validates nothing.
  const variants = [
    { id: 'VAL-J16', protocol: 'ocpp1.6-json' as const, timing: VALIDATING_TIMING },
    { id: 'VAL-J15', protocol: 'ocpp1.5-json' as const, unit: 'kWh' as const, mode: 'interval' as const, timing: VALIDATING_TIMING },
    { id: 'VAL-S15', protocol: 'ocpp1.5-soap' as const, timing: VALIDATING_TIMING },
    { id: 'VAL-FLIP', protocol: 'ocpp1.6-json' as const, wording: flipping() },
    { id: 'VAL-QUICK', protocol: 'ocpp1.6-json' as const },
  ];
  await Promise.all(variants.map(async (v) => runs.set(v.id.startsWith('VAL-J') || v.id === 'VAL-S15' ? v.protocol : v.id, await runCampaign(tomada, v))));
});

after(async () => {
  for (const run of runs.values()) await run.chargePoint.stop();
  await tomada.close();
});

for (const protocol of ['ocpp1.6-json', 'ocpp1.5-json', 'ocpp1.5-soap']) {
  test(`${protocol}: a correct charge point passes every case`, () => {
    const { validation } = runs.get(protocol)!;
    assert.equal(validation.verdict, 'pass', summary(validation));
    assert.deepEqual(validation.cases.map((c) => c.id), caseIds);
    const notPassed = validation.cases.filter((c) => c.status !== 'pass').map((c) => `${c.id}:${c.status}`);
    assert.deepEqual(notPassed, ['signed.meter:skipped'], summary(validation));
    assert.equal(validation.counts.pass, caseIds.length - 1);
    assert.equal(validation.software.ocppVersion, protocol === 'ocpp1.6-json' ? '1.6' : '1.5');
    assert.equal(validation.software.transport, protocol === 'ocpp1.5-soap' ? 'soap' : 'json');
  });

  test(`${protocol}: each case keeps the frames that crossed while it ran`, () => {
    const { validation } = runs.get(protocol)!;
    const remoteStart = validation.cases.find((c) => c.id === 'remote.start')!;
    const actions = remoteStart.frames.map((f) => `${f.direction}:${f.action}`);
    assert.ok(actions.includes('out:RemoteStartTransaction'), actions.join(' '));
    assert.ok(actions.includes('in:StartTransaction'), actions.join(' '));
    for (const frame of remoteStart.frames) assert.ok(frame.frame.length > 0 && !Number.isNaN(Date.parse(frame.at)));
    const passive = validation.cases.find((c) => c.id === 'ocpp.version')!;
    assert.ok(passive.frames.length < remoteStart.frames.length);
  });
}

test('the passed software is in the validated registry and the charge points show it', async () => {
  const { body } = await tomada.api('/api/v1/software');
  const identities = body.items.map((s: any) => `${s.vendor}/${s.model}/${s.firmwareVersion}/${s.ocppVersion}/${s.transport}/${s.source}`).sort();
  assert.deepEqual(identities, [
    'Tomada/Simulator/1.0.0/1.5/json/campaign',
    'Tomada/Simulator/1.0.0/1.5/soap/campaign',
    'Tomada/Simulator/1.0.0/1.6/json/campaign',
  ]);
  for (const item of body.items) assert.match(item.validationId, /^val-/);
  const cp = await tomada.api('/api/v1/charge-points/VAL-J16');
  assert.equal(cp.body.softwareValidated, true);
  assert.deepEqual(runs.get('ocpp1.6-json')!.validation.registry, { validated: true, reason: 'the software tested is in the validated-software registry' });
  assert.deepEqual(runs.get('VAL-FLIP')!.validation.registry, { validated: false, reason: "the campaign's verdict is fail" });
});

test('a trial run with limits too short for its checks to mean anything passes and validates no software, saying so from its start', async () => {
  const { started, validation } = runs.get('VAL-QUICK')!;
  const why = 'limits below what a validating campaign needs: heartbeatIntervalS 2 < 10, pendingIntervalS 4 < 10, quietS 1 < 3';
  // In the start's answer, not only at the end: a client can tell at once that it validates nothing.
  assert.equal(started.trial, why);
  assert.equal(runs.get('ocpp1.6-json')!.started.trial, undefined, 'a validating campaign’s limits');
  assert.equal(validation.verdict, 'pass', summary(validation));
  assert.deepEqual(validation.registry, { validated: false, reason: why });
  const events = (await tomada.api('/api/v1/events?type=validationFinished&chargePointId=VAL-QUICK')).body.items;
  assert.equal(events[0].data.validated, false);
  // The printed report says so under its PASSED, not only in its table: read alone, it was an approval.
  // The same software passed the full ocpp1.6-json campaign: the registry holds it, and the page says so.
  const report = await fetch(`${tomada.httpUrl}/api/v1/validations/${validation.id}/report.html`, { headers: { authorization: 'Bearer test-admin-token-0123456789' } });
  assert.match(await report.text(), new RegExp(`<p class="verdict pass">PASSED</p>\n<p class="verdict-note"><strong>Its cases passed, but this campaign validates no software: ${why.replaceAll('<', '&lt;')} \\(the software is already validated in the registry\\)\\.</strong></p>`));
});

test('a charge point that boots with other firmware in mid-campaign fails the cases run on it, and its software is not validated', () => {
  const { validation } = runs.get('VAL-FLIP')!;
  assert.equal(validation.verdict, 'fail', summary(validation));
  const failed = validation.cases.filter((c) => c.status === 'fail');
  assert.deepEqual(failed.map((c) => c.id), ['reset.hard.idle', 'reset.soft.charging'], summary(validation));
  for (const c of failed) assert.match(c.reason ?? '', /firmware 6\.6\.6.*the campaign tests.*firmware 1\.0\.0/, c.reason ?? '');
});

test('the HTML report names the verdict, the software and every case with its evidence', async () => {
  const { validation } = runs.get('ocpp1.6-json')!;
  const response = await fetch(`${tomada.httpUrl}/api/v1/validations/${validation.id}/report.html`, { headers: { authorization: 'Bearer test-admin-token-0123456789' } });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
  const html = await response.text();
  assert.match(html, /<p class="verdict pass">PASSED<\/p>/);
  assert.match(html, /Tomada \/ Simulator/);
  assert.match(html, /1\.6 over json/);
  assert.match(html, /<th>Registry<\/th><td>software validated: the software tested is in the validated-software registry<\/td>/);
  for (const c of validation.cases) assert.ok(html.includes(`<code>${c.id}</code>`), c.id);
  assert.match(html, /RemoteStartTransaction/);
  assert.ok(!html.includes('<script'), 'a report carries no script');
});

test('campaigns are listed newest first and a finished one can be neither confirmed nor restarted twice at once', async () => {
  const list = await tomada.api('/api/v1/validations?chargePointId=VAL-J16');
  assert.equal(list.body.items.length, 1);
  assert.equal(list.body.items[0].cases, undefined, 'the list carries summaries');
  const id = list.body.items[0].id;
  const late = await tomada.api(`/api/v1/validations/${id}/cases/authorize.valid/confirm`, { body: { done: true } });
  assert.equal(late.status, 409);
  assert.equal((await tomada.api('/api/v1/validations/val-nope')).status, 404);
});
