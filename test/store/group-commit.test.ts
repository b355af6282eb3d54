// Group commit on a real SQLite file: batching, per-unit rollback, and no unit settled before its
// batch is durable (seen through a second, independent connection to the same file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { newChargePoint } from '../../src/domain/registry.js';

async function withStore(run: (store: Awaited<ReturnType<typeof openSqliteStore>>, path: string, batches: number[]) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-gc-'));
  const path = join(dir, 'store.db');
  const batches: number[] = [];
  const store = await openSqliteStore(path, { observer: { committed: (size) => batches.push(size) } });
  try {
    await run(store, path, batches);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('units submitted together share one commit, and each sees the writes before it', async () => {
  await withStore(async (store, _path, batches) => {
    const ids = Array.from({ length: 200 }, (_, i) => `CP${i}`);
    const seen = await Promise.all(
      ids.map((id, i) =>
        store.transact(async (tx) => {
          await tx.insertChargePoint(newChargePoint(id, 'Accepted', new Date().toISOString()));
          // The unit before this one in the batch is visible (same database transaction).
          return i === 0 ? true : (await tx.getChargePoint(ids[i - 1]!)) !== undefined;
        }),
      ),
    );
    assert.ok(seen.every(Boolean));
    assert.equal((await store.listChargePoints()).length, 200);
    assert.ok(batches.length < 20, `expected a few batches, got ${batches.length}`);
    assert.equal(batches.reduce((a, b) => a + b, 0), 200);
  });
});

test('a failing unit rolls back alone; the rest of its batch commits', async () => {
  await withStore(async (store) => {
    const results = await Promise.allSettled([
      store.transact((tx) => tx.insertChargePoint(newChargePoint('A', 'Accepted', new Date().toISOString()))),
      store.transact(async (tx) => {
        await tx.insertChargePoint(newChargePoint('B', 'Accepted', new Date().toISOString()));
        throw new Error('rule broken after a write');
      }),
      store.transact((tx) => tx.insertChargePoint(newChargePoint('C', 'Accepted', new Date().toISOString()))),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.deepEqual((await store.listChargePoints()).map((cp) => cp.id), ['A', 'C']);
  });
});

test('a unit settles only after its batch is durable: another connection already sees it', async () => {
  await withStore(async (store, path) => {
    const other = new BetterSqlite3(path, { readonly: true });
    try {
      const checks = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          store
            .transact((tx) => tx.insertChargePoint(newChargePoint(`D${i}`, 'Accepted', new Date().toISOString())))
            .then(() => other.prepare('select count(*) as n from charge_points where id = ?').get(`D${i}`) as { n: number }),
        ),
      );
      assert.ok(checks.every((row) => row.n === 1));
    } finally {
      other.close();
    }
  });
});

test('when the commit itself fails, every unit of the batch is rejected and nothing is stored', async () => {
  await withStore(async (store) => {
    await store.transact((tx) => tx.insertChargePoint(newChargePoint('E', 'Accepted', new Date().toISOString())));
    const results = await Promise.allSettled([
      store.transact(async (tx) => {
        // Deferred foreign keys are checked at COMMIT: this makes the whole batch fail there.
        await sql`pragma defer_foreign_keys = on`.execute((tx as unknown as { db: Kysely<unknown> }).db);
        await tx.recordStatus('NO-SUCH-CP', { connectorId: 1, status: 'Available', errorCode: 'NoError' }, new Date().toISOString());
      }),
      store.transact((tx) => tx.insertChargePoint(newChargePoint('F', 'Accepted', new Date().toISOString()))),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.deepEqual((await store.listChargePoints()).map((cp) => cp.id), ['E']);
    // The store still works after a failed batch.
    await store.transact((tx) => tx.insertChargePoint(newChargePoint('G', 'Accepted', new Date().toISOString())));
    assert.deepEqual((await store.listChargePoints()).map((cp) => cp.id), ['E', 'G']);
  });
});
