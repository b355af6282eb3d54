// Migration 0009: meter samples stored before it keep their bare-hash unique keys (no row of a
// long history is rewritten), and a charge point that sends such a sample again after the upgrade
// still does not get it stored twice; a sample that differs in anything is still stored, now under
// the time-ordered key. The index of signed values, now holding signed samples only, still finds
// a signed value replayed from before. Migration 0018 marks the journal rows whose repeated
// readings may have been stored once. Runs on the store under test (SQLite or PostgreSQL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { openStore } from '../../src/store/open.js';
import type { MeterSample } from '../../src/domain/model.js';
import { createTestDatabase, migratedTo, needsPostgres, testStoreKind } from '../support/database.js';

const sample: MeterSample = {
  timestamp: '2026-11-30T10:15:00.000Z',
  value: '12345',
  measurand: 'Energy.Active.Import.Register',
  unit: 'Wh',
  context: 'Sample.Periodic',
  format: 'Raw',
  location: 'Outlet',
  phase: null,
};
const signed: MeterSample = { ...sample, format: 'SignedData', value: 'OCMF|{}|{}' };

/** The key as migrations 0001–0008 stored it: a bare SHA-256 of the sample's identity. */
function keyBefore0009(chargePointId: string, connectorId: number, transactionId: number | null, s: MeterSample): string {
  const identity = [chargePointId, connectorId, transactionId, s.timestamp, s.measurand, s.phase, s.location, s.context, s.unit, s.format, s.value];
  return createHash('sha256').update(JSON.stringify(identity)).digest('base64url');
}

/** A database of the kind under test, migrated up to 0008; `url` opens the store on it (which migrates the rest). */
async function databaseAt0008(): Promise<{ db: Kysely<any>; url: string; cleanup(): Promise<void> }> {
  const database = await createTestDatabase();
  return { db: await migratedTo(database, '0008_running_id_tag_index'), url: database.url, cleanup: database.drop };
}

function storedBefore0009(db: Kysely<any>, s: MeterSample, signedIdentity: string | null) {
  return sql`insert into meter_samples (charge_point_id, connector_id, transaction_id, timestamp, value, measurand, unit, context, format, location, phase, signed_identity, dedupe_key)
    values ('CP-1', 1, 7, ${s.timestamp}, ${s.value}, ${s.measurand}, ${s.unit}, ${s.context}, ${s.format}, ${s.location}, ${s.phase}, ${signedIdentity}, ${keyBefore0009('CP-1', 1, 7, s)})`.execute(db);
}

test('samples stored before migration 0009 keep their keys and are still recognised when sent again', async (t) => {
  if (testStoreKind === 'postgres') {
    const skip = await needsPostgres();
    if (skip.skip) return t.skip(skip.skip);
  }
  const database = await databaseAt0008();
  try {
    await storedBefore0009(database.db, sample, null);
    await storedBefore0009(database.db, signed, 'identity-A');
    // A charger's clock far off: stored as it came, and sent again after the upgrade too.
    const farFuture = { ...sample, timestamp: new Date(8.64e15).toISOString(), value: '1' };
    await storedBefore0009(database.db, farFuture, null);
    await database.db.destroy();

    const store = await openStore(database.url);
    try {
      assert.equal((await store.transact((tx) => tx.insertSamples('CP-1', 1, 7, [sample]))).added, 0, 'the resent sample is the stored one');
      assert.equal((await store.transact((tx) => tx.insertSamples('CP-1', 1, 7, [signed, sample]))).added, 0, 'so is the signed one, also in a message with others');
      assert.equal((await store.transact((tx) => tx.insertSamples('CP-1', 1, 7, [farFuture]))).added, 0, 'and one stamped past the year 9999');
      const later = { ...sample, timestamp: '2026-11-30T10:16:00.000Z', value: '12400' };
      const earlierReading = { ...sample, value: '12300' };
      assert.equal((await store.transact((tx) => tx.insertSamples('CP-1', 1, 7, [sample, later, earlierReading]))).added, 2, 'only the new samples are added');
      assert.equal((await store.transact((tx) => tx.insertSamples('CP-1', 1, 7, [later, earlierReading]))).added, 0, 'and they are recognised in turn');
      assert.equal((await store.transact((tx) => tx.insertSamples('CP-1', 1, 8, [sample]))).added, 1, 'the same reading in another session is another sample');
      assert.deepEqual(
        (await store.listTransactionSamples(7)).filter((s) => s.format === 'Raw').map((s) => s.value).sort(),
        ['1', '12300', '12345', '12400'],
      );
      // A backlog longer than one statement's worth of look-ups, all of it older than the upgrade.
      const backlog = Array.from({ length: 600 }, (_, i) => ({ ...sample, timestamp: new Date(Date.parse(sample.timestamp) - (i + 1) * 60_000).toISOString(), value: String(12000 - i) }));
      assert.equal((await store.transact((tx) => tx.insertSamples('CP-1', 1, 9, [...backlog, sample]))).added, 601, 'a long backlog is stored whole');
      assert.equal((await store.transact((tx) => tx.insertSamples('CP-1', 1, 7, [...backlog.slice(0, 550), sample]))).added, 550, 'and only the stored sample is left out of one');
      assert.deepEqual([...(await store.findSignedElsewhere(8, ['identity-A', 'identity-B']))], ['identity-A'], 'a signed value from before is a replay in another session');
      assert.deepEqual([...(await store.findSignedElsewhere(7, ['identity-A']))], [], 'but not in its own');
    } finally {
      await store.close();
    }
  } finally {
    await database.cleanup();
  }
});

test('on SQLite, migration 0009 rewrites no stored key, and the signed-value index stays in use', { skip: testStoreKind !== 'sqlite' }, async () => {
  const database = await databaseAt0008();
  try {
    await storedBefore0009(database.db, sample, null);
    await database.db.destroy();
    const store = await openStore(database.url);
    await store.transact((tx) => tx.insertSamples('CP-1', 1, 7, [{ ...sample, timestamp: '2026-12-01T00:00:00.000Z' }]));
    await store.close();
    const reader = new BetterSqlite3(database.url.slice('sqlite:'.length), { readonly: true });
    try {
      assert.deepEqual(reader.prepare('select dedupe_key from meter_samples order by id').all(), [
        { dedupe_key: keyBefore0009('CP-1', 1, 7, sample) },
        { dedupe_key: `2026-12-01T00:00:00.000Z|${keyBefore0009('CP-1', 1, 7, { ...sample, timestamp: '2026-12-01T00:00:00.000Z' })}` },
      ]);
      assert.deepEqual(reader.prepare('select newest_timestamp from meter_sample_legacy_keys').all(), [{ newest_timestamp: sample.timestamp }]);
      const plan = reader.prepare("explain query plan select signed_identity from meter_samples where signed_identity in ('identity-A')").all() as { detail: string }[];
      assert.match(plan.map((step) => step.detail).join('; '), /INDEX meter_samples_signed_identity/);
    } finally {
      reader.close();
    }
  } finally {
    await database.cleanup();
  }
});

test('a database whose only samples are stamped past the year 9999 still has them recognised after 0009', async (t) => {
  if (testStoreKind === 'postgres') {
    const skip = await needsPostgres();
    if (skip.skip) return t.skip(skip.skip);
  }
  const database = await databaseAt0008();
  try {
    const farFuture = { ...sample, timestamp: new Date(8.64e15).toISOString() };
    await storedBefore0009(database.db, farFuture, null);
    await database.db.destroy();
    const store = await openStore(database.url);
    try {
      assert.equal((await store.transact((tx) => tx.insertSamples('CP-1', 1, 7, [farFuture]))).added, 0);
      assert.equal((await store.transact((tx) => tx.insertSamples('CP-1', 1, 7, [sample]))).added, 1);
    } finally {
      await store.close();
    }
  } finally {
    await database.cleanup();
  }
});

test("a store migrated by 0009's first form (every key rewritten, no table of legacy keys) takes samples after 0016", async (t) => {
  if (testStoreKind === 'postgres') {
    const skip = await needsPostgres();
    if (skip.skip) return t.skip(skip.skip);
  }
  const database = await createTestDatabase();
  try {
    // What builds eb9d320 and e212742 (2026-12-03) left: 0009 applied, every key time-ordered, no
    // meter_sample_legacy_keys. Every MeterValues then failed with "no such table" after an upgrade.
    const db = await migratedTo(database, '0015_webhook_leases');
    await db.schema.dropTable('meter_sample_legacy_keys').execute();
    await sql`insert into meter_samples (charge_point_id, connector_id, transaction_id, timestamp, value, measurand, unit, context, format, location, phase, signed_identity, dedupe_key)
      values ('CP-1', 1, 7, ${sample.timestamp}, ${sample.value}, ${sample.measurand}, ${sample.unit}, ${sample.context}, ${sample.format}, ${sample.location}, ${sample.phase}, null,
        ${`${sample.timestamp}|${keyBefore0009('CP-1', 1, 7, sample)}`})`.execute(db);
    await db.destroy();
    const store = await openStore(database.url);
    try {
      assert.equal((await store.transact((tx) => tx.insertSamples('CP-1', 1, 7, [sample]))).added, 0, 'the sample sent again is the stored one');
      assert.equal((await store.transact((tx) => tx.insertSamples('CP-1', 1, 7, [{ ...sample, value: '12400' }]))).added, 1, 'a new one is stored');
    } finally {
      await store.close();
    }
  } finally {
    await database.drop();
  }
});

test('migration 0018 marks the journal rows stored before repeated readings were numbered: all on an upgraded store, none on a new one', async (t) => {
  if (testStoreKind === 'postgres') {
    const skip = await needsPostgres();
    if (skip.skip) return t.skip(skip.skip);
  }
  const upgraded = await createTestDatabase();
  const created = await createTestDatabase();
  try {
    const db = await migratedTo(upgraded, '0017_sessionless_sample_index');
    for (const n of [1, 2]) {
      await sql`insert into frame_journal (at, charge_point_id, direction, transport, frame, prev_hash, hash)
        values ('2026-12-05T10:00:00.000Z', 'CP-1', 'in', 'ocpp1.5-json', ${Buffer.from(`[2,"${n}","Heartbeat",{}]`)}, 'p', 'h')`.execute(db);
    }
    const { rows } = await sql<{ seq: number | string }>`select max(seq) as seq from frame_journal`.execute(db);
    await db.destroy();
    for (const [database, expected] of [[upgraded, Number(rows[0]?.seq)], [created, 0]] as const) {
      const store = await openStore(database.url);
      try {
        assert.equal(await store.lastRowBeforeNumberedRepeats(), expected);
      } finally {
        await store.close();
      }
    }
  } finally {
    await upgraded.drop();
    await created.drop();
  }
});
