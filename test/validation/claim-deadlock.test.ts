// A campaign's claim of its charge point (Store.claimValidation, migration 0025) on PostgreSQL:
// its insert waits on another node's claim of the same charge point while that one is not yet
// committed. If that node's batch then needs a lock an earlier unit of this batch holds (here an
// id tag's, as a StartTransaction takes it), the two transactions wait on each other and
// PostgreSQL fails one statement: the claim, which waited first. The start must still get the
// true answer (here: refused, naming the campaign it lost to), not a database error. Two stores
// on one schema stand for two nodes. PostgreSQL only: SQLite has one writer and never waits so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/open.js';
import { runningCampaign } from '../support/campaign-records.js';
import { createTestDatabase, needsPostgres, testStoreKind } from '../support/database.js';

test('a claim ended as a deadlock victim is asked again and refused, naming the campaign it lost to', { timeout: 30_000 }, async (t) => {
  if (testStoreKind !== 'postgres') return t.skip('PostgreSQL only: SQLite has one writer');
  const skip = await needsPostgres();
  if (skip.skip) return t.skip(skip.skip);
  const database = await createTestDatabase();
  const a = await openStore(database.url);
  const b = await openStore(database.url);
  try {
    const CP = 'CP-CLAIM-DEADLOCK';
    const first = runningCampaign('val-node-a', 'node-a', CP);
    const second = runningCampaign('val-node-b', 'node-b', CP);
    let claimedOnA!: () => void;
    const aClaimed = new Promise<void>((resolve) => (claimedOnA = resolve));
    // Node a's batch: its claim, not yet committed; then, once b's claim waits on it, a unit
    // needing tag T, which b's batch holds.
    const onA = a.transact(async (tx) => {
      const claim = await tx.startValidation(first);
      claimedOnA();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await tx.lockIdTag('T');
      return claim;
    });
    await aClaimed;
    // Node b's batch: a unit holding T (a StartTransaction with that tag), then the claim, queued
    // in the same turn so that both run in that one batch.
    const holding = b.transact((tx) => tx.lockIdTag('T'));
    const claimed = b.claimValidation(second);
    assert.deepEqual(await onA, { stored: true });
    await holding;
    const answer = await claimed;
    assert.equal(answer.stored, false);
    assert.equal(answer.stored === false && answer.running?.id, first.id);
    assert.deepEqual((await a.listValidations({ running: true })).map((v) => v.id), [first.id]);
  } finally {
    await a.close();
    await b.close();
    await database.drop();
  }
});
