// Migration 0024: the sessions that campaigns ended before it left running are noted to be stopped
// at their charge point's return, as those of campaigns ending after it are. Runs on the store
// under test (SQLite or PostgreSQL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { openStore } from '../../src/store/open.js';
import type { Validation } from '../../src/domain/validation/types.js';
import { runningCampaign } from '../support/campaign-records.js';
import { createTestDatabase, migratedTo, needsPostgres, testStoreKind } from '../support/database.js';

function storedBefore0024(db: Kysely<any>, v: Validation) {
  const row = { id: v.id, charge_point_id: v.chargePointId, status: v.status, verdict: v.verdict, started_at: v.startedAt, finished_at: v.finishedAt, data: JSON.stringify(v) };
  return db.insertInto('validations').values(row).execute();
}

test('sessions left running by campaigns ended before migration 0024 are noted to be stopped', async (t) => {
  if (testStoreKind === 'postgres') {
    const skip = await needsPostgres();
    if (skip.skip) return t.skip(skip.skip);
  }
  const database = await createTestDatabase();
  const db = await migratedTo(database, '0022_api_token_expiry');
  try {
    const reason = 'RemoteStopTransaction was accepted, but no StopTransaction came within 60 s';
    const ended = { ...runningCampaign('val-ended'), status: 'finished' as const, verdict: 'fail' as const, leftRunning: [{ transactionId: 7, connectorId: 1, reason }, { transactionId: 9, connectorId: 2, reason }] };
    await storedBefore0024(db, ended);
    await storedBefore0024(db, { ...runningCampaign('val-none'), status: 'finished', verdict: 'pass' });
    await db.destroy();
    const store = await openStore(database.url);
    try {
      assert.deepEqual(await store.listSessionsLeftRunning('CP-X'), [
        { validationId: 'val-ended', transactionId: 7 },
        { validationId: 'val-ended', transactionId: 9 },
      ]);
    } finally {
      await store.close();
    }
  } finally {
    await database.drop();
  }
});
