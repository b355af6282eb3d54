// The sessions campaigns left running are looked for only at the returns of charge points that have
// some (LeftRunningStops.mayHave): a read at every StopTransaction of every charge point cost the
// hot path about 5 % of its CPU per call. Those a campaign on another node leaves, when its note
// over NATS is lost (left-running-nodes.test.ts has it heard), are seen at the next read of the
// store, and the charge point's next return after it counts. On the store under test (SQLite or
// PostgreSQL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ActivityFeed, callActivity } from '../../src/domain/activity.js';
import type { Commands } from '../../src/domain/commands.js';
import { newChargePoint } from '../../src/domain/registry.js';
import { Transactions } from '../../src/domain/transactions.js';
import type { Store } from '../../src/store/store.js';
import { LeftRunningStops } from '../../src/validation/left-running.js';
import { runningCampaign } from '../support/campaign-records.js';
import { withTestStore } from '../support/database.js';

const silent = { info: () => undefined, error: () => undefined, warn: () => undefined };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The store as it is, its reads of one charge point's sessions left running counted. */
function counted(store: Store): { store: Store; reads: () => number } {
  let reads = 0;
  const wrapped = new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'listSessionsLeftRunning') return (id: string) => (reads++, target.listSessionsLeftRunning(id));
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: wrapped, reads: () => reads };
}

test("a return reads the store only for a charge point with sessions left running; another node's are seen at the next read", async (t) => {
  await withTestStore(t, async (store) => {
    const now = new Date();
    await store.transact(async (tx) => {
      for (const id of ['CP-X', 'CP-Y']) await tx.insertChargePoint(newChargePoint(id, 'Accepted', now.toISOString()));
      await tx.putIdTag({ idTag: 'T', status: 'Accepted', expiryDate: null, parentIdTag: null });
      await tx.putValidation({ ...runningCampaign('val-other-node'), status: 'finished', verdict: 'fail' });
    });
    const transactions = new Transactions(store, () => new Date(), silent);
    // The campaign's session, which the charge point stopped after the campaign ended.
    const { transactionId } = await transactions.start('CP-X', { connectorId: 1, idTag: 'T', timestamp: now.toISOString(), meterStartWh: 0 });
    await transactions.stop('CP-X', { transactionId, meterStopWh: 10, timestamp: now.toISOString(), samples: [] });

    const activity = new ActivityFeed();
    const { store: watched, reads } = counted(store);
    // No command is sent in this test: the session has ended, and is settled without one.
    const commands = { send: () => Promise.reject(new Error('no command expected')) } as unknown as Commands;
    const stops = new LeftRunningStops({ store: watched, commands, activity, campaignRunning: () => false, reachable: () => true, log: silent, refreshMs: 300 });
    stops.start();
    try {
      await sleep(100);
      const stopped = (id: string) => activity.emit(callActivity(id, '1.6', 'StopTransaction', { transactionId }, { response: {} }));
      stopped('CP-Y');
      await sleep(50);
      assert.equal(reads(), 0, 'a charge point with no session left running: no read');

      // Another node's campaign notes the session (its row, written there).
      await store.transact((tx) => tx.insertSessionLeftRunning({ validationId: 'val-other-node', transactionId, chargePointId: 'CP-X' }));
      await sleep(400);
      stopped('CP-X');
      for (let i = 0; i < 100 && (await store.listSessionsLeftRunning('CP-X')).length > 0; i++) await sleep(20);
      assert.equal(reads(), 1, "read at the return once the other node's row was read");
      assert.deepEqual(await store.listSessionsLeftRunning('CP-X'), [], 'settled: its StopTransaction came after the campaign ended');
    } finally {
      await stops.stop();
    }
  });
});
