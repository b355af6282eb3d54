// A node's periodic read of the charge points with sessions left running (LeftRunningStops.mayHave)
// must not undo a note it was told while the read ran: the read may have begun before the noted
// rows committed (on another node, which then told this one over NATS), and its result alone would
// drop them until the next read, 30 s later, missing the charge point's return meanwhile. Nor may a
// slow read, outlasting the start of the next one, put its older result over the newer one's. The
// reads here are the store's own (the store under test), held back and let go when the test says.
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

/** One read of the charge points with sessions left running: what the store has at `snapshot`, handed back at `release`. */
interface HeldRead {
  snapshot(): Promise<void>;
  release(): void;
}

/** The store as it is, its reads of the charge points with sessions left running held back (in call order). */
function held(store: Store): { store: Store; reads: HeldRead[] } {
  const reads: HeldRead[] = [];
  const wrapped = new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'listChargePointsWithSessionsLeftRunning') {
        return () =>
          new Promise<string[]>((resolve, reject) => {
            let seen: Promise<string[]> | undefined;
            reads.push({
              snapshot: async () => void (await (seen = target.listChargePointsWithSessionsLeftRunning())),
              release: () => void (seen ?? target.listChargePointsWithSessionsLeftRunning()).then(resolve, reject),
            });
          });
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: wrapped, reads };
}

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(20);
  }
  assert.fail(`timed out waiting until ${what}`);
}

/**
 * CP-X with a campaign's session that its charge point stopped after the campaign ended: a pass
 * at its return settles it (no command needed) and forgets it in the store. The session is not yet
 * named as left running: `leave` names it, as another node's campaign end does.
 */
async function setting(store: Store): Promise<{ leave(): Promise<void>; settled(): Promise<boolean>; returns(): void }> {
  const now = new Date().toISOString();
  await store.transact(async (tx) => {
    await tx.insertChargePoint(newChargePoint('CP-X', 'Accepted', now));
    await tx.putIdTag({ idTag: 'T', status: 'Accepted', expiryDate: null, parentIdTag: null });
    await tx.putValidation({ ...runningCampaign('val-other-node'), status: 'finished', verdict: 'fail' });
  });
  const transactions = new Transactions(store, () => new Date(), silent);
  const { transactionId } = await transactions.start('CP-X', { connectorId: 1, idTag: 'T', timestamp: now, meterStartWh: 0 });
  await transactions.stop('CP-X', { transactionId, meterStopWh: 10, timestamp: now, samples: [] });
  return {
    leave: () => store.transact((tx) => tx.insertSessionLeftRunning({ validationId: 'val-other-node', transactionId, chargePointId: 'CP-X' })),
    settled: async () => (await store.listSessionsLeftRunning('CP-X')).length === 0,
    returns: () => activity.emit(callActivity('CP-X', '1.6', 'StopTransaction', { transactionId }, { response: {} })),
  };
}

const activity = new ActivityFeed();
// No command is sent in these tests: the session has ended, and is settled without one.
const commands = { send: () => Promise.reject(new Error('no command expected')) } as unknown as Commands;

function stopsOn(store: Store, refreshMs: number): LeftRunningStops {
  return new LeftRunningStops({ store, commands, activity, campaignRunning: () => false, reachable: () => false, log: silent, refreshMs });
}

test('a note heard from another node while a read runs is kept when the read comes back without it', async (t) => {
  await withTestStore(t, async (store) => {
    const cp = await setting(store);
    const { store: slow, reads } = held(store);
    const stops = stopsOn(slow, 600_000);
    stops.start();
    try {
      await until('the first read starts', () => reads.length === 1);
      await reads[0]!.snapshot();
      // Another node's campaign ends: its row commits after this node's read began, then it tells.
      await cp.leave();
      stops.heard('CP-X', false);
      reads[0]!.release();
      await sleep(50);
      cp.returns();
      await until('the session is settled at the return', cp.settled);
    } finally {
      await stops.stop();
      for (const read of reads) read.release();
    }
  });
});

test('a note heard while two reads run is kept when the older one comes back first without it', async (t) => {
  await withTestStore(t, async (store) => {
    const cp = await setting(store);
    const { store: slow, reads } = held(store);
    // A read outlasts the next one's start.
    const stops = stopsOn(slow, 100);
    stops.start();
    try {
      await until('two reads are under way', () => reads.length >= 2);
      await reads[0]!.snapshot();
      await reads[1]!.snapshot();
      await cp.leave();
      stops.heard('CP-X', false);
      reads[0]!.release();
      await sleep(50);
      cp.returns();
      await until('the session is settled at the return', cp.settled);
    } finally {
      await stops.stop();
      for (const read of reads) read.release();
    }
  });
});

test("an older read coming back after a newer one does not undo what the newer one found (a note lost with NATS down)", async (t) => {
  await withTestStore(t, async (store) => {
    const cp = await setting(store);
    const { store: slow, reads } = held(store);
    const stops = stopsOn(slow, 100);
    stops.start();
    try {
      await until('the first read starts', () => reads.length >= 1);
      await reads[0]!.snapshot();
      // Another node's campaign ends, and its note never comes: only the store tells.
      await cp.leave();
      await until('a second read starts', () => reads.length >= 2);
      await reads[1]!.snapshot();
      reads[1]!.release();
      await sleep(50);
      reads[0]!.release();
      await sleep(50);
      cp.returns();
      await until('the session is settled at the return', cp.settled);
    } finally {
      await stops.stop();
      for (const read of reads) read.release();
    }
  });
});
