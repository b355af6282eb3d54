// PostgreSQL's shared lock table holds max_locks_per_transaction × (max_connections + …) entries
// for every application on the server (6,400 or so by default). Each unit of a group-committed
// batch runs behind a savepoint, and every subtransaction that writes locks its own transaction
// id, held until it is released or the batch ends: savepoints left open made a 500-unit batch hold
// 500 entries, and a few nodes in a reconnection storm filled the table ("out of shared memory",
// 53200), failing whole batches and the other applications' transactions with them (a review's
// finding, shown on a small server by bench/lock-table.ts). Each unit's savepoint is now released
// with the next one's, in the same round trip: a batch holds a few entries, whatever its size.
// The test reads the shared server's pg_locks; it takes a few hundred entries at most, briefly.
// store: postgres-only (scripts/run-tests.mjs runs it in the PostgreSQL pass alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { newChargePoint } from '../../src/domain/registry.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { StoreWriter } from '../../src/store/store.js';
import { createTestSchema, needsPostgres } from '../support/database.js';

const UNITS = 300;
const ids = Array.from({ length: UNITS }, (_, i) => `LK-${String(i).padStart(3, '0')}`);
/** Every seventh unit fails after its write, which must then be undone alone. */
const fails = (i: number) => i % 7 === 3;

/** This connection's entries in the shared lock table (pg_locks, less the backend-local fast-path ones). */
async function sharedLockEntries(tx: StoreWriter): Promise<number> {
  const db = (tx as unknown as { db: Kysely<unknown> }).db;
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_locks where pid = pg_backend_pid() and not fastpath`.execute(db);
  return rows[0]!.n;
}

test('a batch of many writing units holds a few entries of the lock table, not one per unit, and each failed unit still rolls back alone', await needsPostgres(), async () => {
  const schema = await createTestSchema();
  const batches: number[] = [];
  // One committer: every unit below goes to the same batch.
  const store = await openPostgresStore(schema.url, { poolSize: 2, observer: { committed: (size) => batches.push(size) } });
  try {
    await store.transact(async (tx) => {
      for (const id of ids) await tx.insertChargePoint(newChargePoint(id, 'Accepted', new Date().toISOString()));
    });
    batches.length = 0;
    const bootAt = new Date().toISOString();
    const units = ids.map((id, i) =>
      store.transact(async (tx) => {
        await tx.updateChargePoint(id, { lastBootAt: bootAt });
        if (fails(i)) throw new Error('rule broken after a write');
      }),
    );
    const entries = store.transact(sharedLockEntries);
    const results = await Promise.allSettled(units);
    const held = await entries;

    assert.deepEqual(batches, [UNITS + 1], 'one batch');
    assert.ok(held < 50, `the batch held ${held} entries of the shared lock table after ${UNITS} writing units`);
    assert.deepEqual(
      results.map((result) => result.status),
      ids.map((_, i) => (fails(i) ? 'rejected' : 'fulfilled')),
    );
    const booted = (await store.listChargePoints()).filter((cp) => cp.lastBootAt === bootAt).map((cp) => cp.id);
    assert.deepEqual(booted, ids.filter((_, i) => !fails(i)));
  } finally {
    await store.close();
    await schema.drop();
  }
});
