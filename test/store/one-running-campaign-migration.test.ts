// Migration 0025: at most one running validation campaign per charge point, held by the database.
// A store from before may hold two running campaigns of one charge point (two nodes started them):
// it still migrates, the first started kept running and the others closed as interrupted, saying
// why, their card's sessions still open noted to be stopped. Then the store refuses a second
// running campaign on a charge point, and lets one start once the running one has ended. Runs on
// the store under test (SQLite or PostgreSQL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { openStore } from '../../src/store/open.js';
import type { Validation } from '../../src/domain/validation/types.js';
import { runningCampaign } from '../support/campaign-records.js';
import { createTestDatabase, migratedTo, needsPostgres, testStoreKind } from '../support/database.js';

function storedBefore0025(db: Kysely<any>, v: Validation) {
  const row = { id: v.id, charge_point_id: v.chargePointId, status: v.status, verdict: v.verdict, started_at: v.startedAt, finished_at: v.finishedAt, data: JSON.stringify(v) };
  return db.insertInto('validations').values(row).execute();
}

const campaign = (id: string, chargePointId: string, startedAt: string, node?: string): Validation => ({ ...runningCampaign(id, node), chargePointId, startedAt });

test('migration 0025 keeps the first of two running campaigns on one charge point and closes the other', async (t) => {
  if (testStoreKind === 'postgres') {
    const skip = await needsPostgres();
    if (skip.skip) return t.skip(skip.skip);
  }
  const database = await createTestDatabase();
  const db = await migratedTo(database, '0024_validation_sessions_left_running');
  try {
    await db.insertInto('charge_points').values({ id: 'CP-X', registration_status: 'Accepted', created_at: '2026-12-07T00:00:00.000Z' }).execute();
    // A session on the later campaign's card, begun after it started; and one on another card.
    const session = { charge_point_id: 'CP-X', connector_id: 1, id_tag_status: 'Accepted', meter_start_wh: 0, energy_source: 'none', anomalies: '[]', signed_meter_status: 'none' };
    await db.insertInto('transactions').values({ ...session, id_tag: 't', started_at: '2026-12-07T01:05:00.000Z' }).execute();
    await db.insertInto('transactions').values({ ...session, connector_id: 2, id_tag: 'OTHER', started_at: '2026-12-07T01:06:00.000Z' }).execute();
    const [transaction] = await db.selectFrom('transactions').select('id').where('id_tag', '=', 't').execute();
    await storedBefore0025(db, campaign('val-later', 'CP-X', '2026-12-07T01:00:00.000Z', 'node-b'));
    await storedBefore0025(db, campaign('val-first', 'CP-X', '2026-12-07T00:30:00.000Z', 'node-a'));
    await storedBefore0025(db, campaign('val-alone', 'CP-Y', '2026-12-07T01:00:00.000Z'));
    await storedBefore0025(db, { ...campaign('val-ended', 'CP-X', '2026-12-06T01:00:00.000Z'), status: 'finished', verdict: 'pass' });
    await db.destroy();
    const store = await openStore(database.url);
    try {
      const status = async (id: string) => (await store.getValidation(id))?.status;
      assert.deepEqual([await status('val-first'), await status('val-later'), await status('val-alone'), await status('val-ended')], ['running', 'cancelled', 'running', 'finished']);
      const closed = (await store.getValidation('val-later'))!;
      const why = 'closed by migration 0025: campaign val-first was already running on this charge point, which runs one campaign at a time';
      assert.equal(closed.verdict, 'incomplete');
      assert.deepEqual(closed.registry, { validated: false, reason: `the campaign was interrupted: ${why}` });
      assert.deepEqual(
        closed.cases.map((c) => [c.status, c.reason]),
        [['pass', 'ok'], ['skipped', why]],
      );
      assert.deepEqual(closed.counts, { pass: 1, fail: 0, skipped: 1, manual: 0, pending: 0 });
      assert.ok(closed.finishedAt !== null);
      const transactionId = Number(transaction!.id);
      assert.deepEqual(closed.leftRunning, [{ transactionId, connectorId: 1, reason: `the campaign was ${why}: no remote stop was sent` }]);
      assert.deepEqual(await store.listSessionsLeftRunning('CP-X'), [{ validationId: 'val-later', transactionId }]);
      const events = await store.listEvents({ chargePointId: 'CP-X', limit: 10 });
      assert.deepEqual(events.map((e) => e.type).sort(), ['validationFinished', 'validationSessionLeftRunning']);

      // From now on the store itself refuses a second running campaign on a charge point.
      const refused = await store.transact((tx) => tx.startValidation(campaign('val-second', 'CP-X', new Date().toISOString())));
      assert.equal(refused.stored, false);
      assert.equal(!refused.stored && refused.running?.id, 'val-first');
      assert.equal(await status('val-second'), undefined, 'nothing written');
      assert.deepEqual(await store.transact((tx) => tx.startValidation(campaign('val-z', 'CP-Z', new Date().toISOString()))), { stored: true });
      // Closed, the first frees its charge point.
      const first = (await store.getValidation('val-first'))!;
      assert.ok(await store.transact((tx) => tx.closeRunningValidation({ ...first, status: 'cancelled', verdict: 'incomplete', finishedAt: new Date().toISOString() })));
      assert.deepEqual(await store.transact((tx) => tx.startValidation(campaign('val-second', 'CP-X', new Date().toISOString()))), { stored: true });
      assert.equal(await status('val-second'), 'running');
    } finally {
      await store.close();
    }
  } finally {
    await database.drop();
  }
});

test('two campaigns started at once on one charge point: the store stores one', async (t) => {
  if (testStoreKind === 'postgres') {
    const skip = await needsPostgres();
    if (skip.skip) return t.skip(skip.skip);
  }
  const database = await createTestDatabase();
  const store = await openStore(database.url);
  try {
    const now = new Date().toISOString();
    // Submitted in one turn: on SQLite they share a batch, on PostgreSQL they race on two connections.
    const outcomes = await Promise.all(['val-1', 'val-2', 'val-3'].map((id) => store.transact((tx) => tx.startValidation(campaign(id, 'CP-X', now)))));
    assert.equal(outcomes.filter((o) => o.stored).length, 1, JSON.stringify(outcomes));
    const winner = (await store.listValidations({ chargePointId: 'CP-X', limit: 10 })).filter((v) => v.status === 'running');
    assert.equal(winner.length, 1);
    for (const o of outcomes) if (!o.stored) assert.equal(o.running?.id, winner[0]!.id);
  } finally {
    await store.close();
    await database.drop();
  }
});
