// Migration 0009 gives meter samples stored before it the time-ordered unique key that new samples
// get, so a charge point that sends the same MeterValues again after the upgrade is still not
// stored twice, while a sample that differs in anything is still stored; and its index of signed
// values, now holding signed samples only, still finds a signed value replayed from before. (store: sqlite-only — it
// writes the old form into the SQLite file itself.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrationProvider } from '../../src/store/migrations.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { MeterSample } from '../../src/domain/model.js';

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

/** The key as migrations 0001–0008 stored it: a bare SHA-256 of the sample's identity. */
function keyBefore0009(chargePointId: string, connectorId: number, transactionId: number | null, s: MeterSample): string {
  const identity = [chargePointId, connectorId, transactionId, s.timestamp, s.measurand, s.phase, s.location, s.context, s.unit, s.format, s.value];
  return createHash('sha256').update(JSON.stringify(identity)).digest('base64url');
}

test('samples stored before migration 0009 are still recognised when sent again, signed ones as replays', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-sample-keys-'));
  const path = join(dir, 'm.db');
  const database = new BetterSqlite3(path);
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database }) });
  try {
    const migrator = new Migrator({ db, provider: migrationProvider('sqlite') });
    assert.equal((await migrator.migrateTo('0008_running_id_tag_index')).error, undefined);
    database
      .prepare(
        `insert into meter_samples (charge_point_id, connector_id, transaction_id, timestamp, value, measurand, unit, context, format, location, phase, dedupe_key)
         values ('CP-1', 1, 7, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(sample.timestamp, sample.value, sample.measurand, sample.unit, sample.context, sample.format, sample.location, sample.phase, keyBefore0009('CP-1', 1, 7, sample));
    const signed = { ...sample, format: 'SignedData', value: 'OCMF|{}|{}' };
    database
      .prepare(
        `insert into meter_samples (charge_point_id, connector_id, transaction_id, timestamp, value, measurand, unit, context, format, location, phase, signed_identity, dedupe_key)
         values ('CP-1', 1, 7, ?, ?, ?, ?, ?, ?, ?, ?, 'identity-A', ?)`,
      )
      .run(signed.timestamp, signed.value, signed.measurand, signed.unit, signed.context, signed.format, signed.location, signed.phase, keyBefore0009('CP-1', 1, 7, signed));
  } finally {
    await db.destroy();
  }

  const store = await openSqliteStore(path);
  try {
    const reader = new BetterSqlite3(path, { readonly: true });
    const [{ dedupe_key: migrated }] = reader.prepare("select dedupe_key from meter_samples where format = 'Raw'").all() as { dedupe_key: string }[];
    const plan = reader.prepare("explain query plan select signed_identity from meter_samples where signed_identity in ('identity-A')").all() as { detail: string }[];
    reader.close();
    assert.match(plan.map((step) => step.detail).join('; '), /INDEX meter_samples_signed_identity/);
    assert.deepEqual([...(await store.findSignedElsewhere(8, ['identity-A', 'identity-B']))], ['identity-A'], 'a signed value from before is a replay in another session');
    assert.deepEqual([...(await store.findSignedElsewhere(7, ['identity-A']))], [], 'but not in its own');
    assert.equal(migrated, `${sample.timestamp}|${keyBefore0009('CP-1', 1, 7, sample)}`);

    assert.equal(await store.transact((tx) => tx.insertSamples('CP-1', 1, 7, [sample])), 0, 'the resent sample is the stored one');
    const later = { ...sample, timestamp: '2026-11-30T10:16:00.000Z', value: '12400' };
    assert.equal(await store.transact((tx) => tx.insertSamples('CP-1', 1, 7, [sample, later])), 1, 'only the new sample is added');
    assert.equal(await store.transact((tx) => tx.insertSamples('CP-1', 1, 8, [sample])), 1, 'the same reading in another session is another sample');
    assert.deepEqual(
      (await store.listTransactionSamples(7)).filter((s) => s.format === 'Raw').map((s) => s.value),
      ['12345', '12400'],
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
