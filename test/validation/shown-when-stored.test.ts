// A campaign showed as finished through the API while the transaction that stores its end (the
// closed record, the registry entry, the validationFinished event) had not committed yet: the
// node marked its record finished first, then wrote it. Whoever read the campaign as finished and
// then the store found it still running (CI saw it on PostgreSQL, whose commit took longer), and a
// node stopped in between left a campaign the API had shown finished to be closed as interrupted.
// The campaign must show as finished only once its end is stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Validation } from '../../src/domain/validation/types.js';
import type { Store } from '../../src/store/store.js';
import { startTestTomada } from '../support/tomada.js';
import { runCampaign } from './rig.js';

/** Calls `during` inside the unit that closes a campaign (its record no longer `running`), before that unit commits. */
function whileClosing(store: Store, during: (closing: Validation) => Promise<void>): void {
  const transact = store.transact.bind(store);
  store.transact = (work, chargePointId, options) =>
    transact(
      (tx) =>
        work(
          Object.assign(Object.create(tx) as typeof tx, {
            async closeRunningValidation(v: Validation) {
              const closed = await tx.closeRunningValidation(v);
              if (v.status !== 'running') await during(v);
              return closed;
            },
          }),
        ),
      chargePointId,
      options,
    );
}

test('a campaign shows as finished only once the transaction that stores its end has committed', async () => {
  const t = await startTestTomada();
  try {
    const shown: string[] = [];
    // What the API's read of a campaign gives (Campaigns.get); on SQLite an HTTP request would wait for the unit, which waits for it.
    whileClosing(t.store, async (closing) => void shown.push(`${closing.status}, shown ${(await t.campaigns.get(closing.id))?.status}`));
    const { validation, chargePoint } = await runCampaign(t, { id: 'CP-SHOWN', protocol: 'ocpp1.6-json', cases: ['authorize.valid'] });
    try {
      assert.equal(validation.status, 'finished');
      assert.equal(validation.verdict, 'pass');
      // Its end written, not committed: the campaign still showed as running.
      assert.deepEqual(shown, ['finished, shown running']);
      assert.equal((await t.store.getValidation(validation.id))?.status, 'finished');
    } finally {
      await chargePoint.stop();
    }
  } finally {
    await t.close();
  }
});
