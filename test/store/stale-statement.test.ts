// The hot statements are prepared once per PostgreSQL connection (src/store/statement-names.ts).
// When another node migrates a table under one of them (a column added behind a `select *`),
// PostgreSQL refuses that prepared statement on every connection that holds it. Such a connection
// must be dropped, so the statement is prepared anew on a fresh one: at most one failed query per
// connection, never a node that fails the same read until it is restarted.
// store: postgres-only (scripts/run-tests.mjs runs it in the PostgreSQL pass alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newChargePoint } from '../../src/domain/registry.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { adminQuery, createTestSchema, needsPostgres } from '../support/database.js';

const POOL = 4;

test('a prepared statement made stale by a migration fails once per connection, then works again', await needsPostgres(), async () => {
  const schema = await createTestSchema();
  const store = await openPostgresStore(schema.url, { poolSize: POOL });
  try {
    const at = new Date().toISOString();
    await store.transact((tx) => tx.insertChargePoint(newChargePoint('STALE-1', 'Accepted', at)));
    // Reads side by side, so that several connections prepare the read.
    for (let round = 0; round < 3; round++) {
      const read = await Promise.all(Array.from({ length: POOL }, () => store.getChargePoint('STALE-1')));
      assert.ok(read.every((cp) => cp?.id === 'STALE-1'));
    }
    // Another node's migration.
    await adminQuery(`alter table ${schema.name}.charge_points add column added_by_a_later_version text`);

    const failures: unknown[] = [];
    const outcomes: boolean[] = [];
    for (let i = 0; i < 4 * POOL; i++) {
      try {
        assert.equal((await store.getChargePoint('STALE-1'))?.id, 'STALE-1');
        outcomes.push(true);
      } catch (error) {
        failures.push(error);
        outcomes.push(false);
      }
    }
    // The read was prepared, so the migration did reach it: the situation under test.
    assert.ok(failures.length >= 1, 'the prepared read went stale');
    assert.ok(failures.length <= POOL, `at most one failure per connection, got ${failures.length}`);
    assert.match(String((failures[0] as Error).message), /cached plan/);
    assert.deepEqual(outcomes.slice(-2 * POOL), Array(2 * POOL).fill(true), 'then every read works');
    // Writes too, in a batch of their own.
    await store.transact((tx) => tx.updateChargePoint('STALE-1', { vendor: 'after-migration' }), 'STALE-1');
    assert.equal((await store.getChargePoint('STALE-1'))?.vendor, 'after-migration');
  } finally {
    await store.close();
    await schema.drop();
  }
});
