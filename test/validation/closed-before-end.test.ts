// A campaign closed by another node (which judged its node lost) between its last case and its
// end: the node, awake again, must write nothing of that end — no event, and no software
// validated by a campaign whose record says cancelled and incomplete.
// store: postgres-only (scripts/run-tests.mjs runs it in the PostgreSQL pass alone). Another node
// closing the record is a case of several nodes, which share PostgreSQL; the full campaign it needs
// takes most of a minute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestTomada } from '../support/tomada.js';
import { runCampaign, summary, VALIDATING_TIMING } from './rig.js';
import type { Validation } from '../../src/domain/validation/types.js';

test('a campaign closed elsewhere just before its end validates no software and writes no second end', async () => {
  const t = await startTestTomada();
  const store = t.store;
  const getChargePoint = store.getChargePoint.bind(store);
  let closedId: string | undefined;
  // The first store read after the last case's result is stored (the campaign's end begins with
  // it): another node closes the record first, as Campaigns.closeInterrupted does for a lost node.
  store.getChargePoint = async (id: string) => {
    if (id === 'CP-GONE' && closedId === undefined) {
      const running = (await store.listValidations({ limit: 10 })).find((v: Validation) => v.chargePointId === id && v.status === 'running');
      if (running && running.counts.pending === 0) {
        closedId = running.id;
        const at = new Date().toISOString();
        const closed: Validation = { ...running, status: 'cancelled', verdict: 'incomplete', finishedAt: at, registry: { validated: false, reason: 'the campaign was interrupted: the node running the campaign was lost' } };
        assert.ok(await store.transact((tx) => tx.closeRunningValidation(closed)));
      }
    }
    return getChargePoint(id);
  };
  try {
    const { validation, chargePoint } = await runCampaign(t, { id: 'CP-GONE', protocol: 'ocpp1.6-json', timing: VALIDATING_TIMING });
    try {
      assert.equal(closedId, validation.id, summary(validation));
      // The run ends after the record shows closed: wait for it.
      const runs = (t.campaigns as unknown as { runs: Map<string, unknown> }).runs;
      for (let i = 0; i < 200 && runs.size > 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(runs.size, 0);
      const stored = (await t.api(`/api/v1/validations/${validation.id}`)).body;
      assert.equal(stored.status, 'cancelled');
      assert.deepEqual(stored.registry, { validated: false, reason: 'the campaign was interrupted: the node running the campaign was lost' });
      const finished = (await t.api('/api/v1/events?type=validationFinished&chargePointId=CP-GONE')).body.items;
      assert.equal(finished.length, 0, JSON.stringify(finished));
      const software = (await t.software.list()).filter((s) => s.validationId === validation.id);
      assert.deepEqual(software, [], 'software validated by a campaign whose record says cancelled, incomplete, validated: false');
    } finally {
      await chargePoint.stop();
    }
  } finally {
    await t.close();
  }
});
