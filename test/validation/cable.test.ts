// A charge point that starts charging only once a vehicle is plugged in: the campaign asks the
// operator to plug one in (a manual step), and without one the cases are not run, not failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestTomada } from '../support/tomada.js';
import { runCampaign, summary } from './rig.js';

test('a remote start waiting for a cable becomes a plug-in step: done, the cases pass; not done, they are not run', { timeout: 180_000 }, async () => {
  const t = await startTestTomada();
  const cases = ['remote.start', 'remote.stop', 'reset.soft.charging'];
  const timing = { caseTimeoutS: 4, manualTimeoutS: 8 };
  try {
    const [helped, alone] = await Promise.all([
      runCampaign(t, { id: 'CABLE-1', protocol: 'ocpp1.6-json', cableRequired: true, cases, timing }),
      runCampaign(t, { id: 'CABLE-2', protocol: 'ocpp1.6-json', cableRequired: true, cases, timing, person: false }),
    ]);
    await helped.chargePoint.stop();
    await alone.chargePoint.stop();
    assert.deepEqual(helped.validation.cases.map((c) => c.status), ['pass', 'pass', 'pass'], summary(helped.validation));
    assert.equal(helped.validation.verdict, 'pass');
    const byId = Object.fromEntries(alone.validation.cases.map((c) => [c.id, c]));
    assert.equal(byId['remote.start']!.status, 'manual', summary(alone.validation));
    assert.equal(byId['remote.start']!.reason, 'not run: no vehicle was plugged in');
    assert.equal(byId['remote.stop']!.status, 'skipped');
    assert.equal(byId['reset.soft.charging']!.status, 'skipped');
    assert.match(byId['reset.soft.charging']!.reason!, /^no transaction to reset during: /);
    assert.equal(alone.validation.verdict, 'incomplete');
  } finally {
    await t.close();
  }
});
