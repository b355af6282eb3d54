// A walk through the sessions by id (GET /transactions?afterId=, TransactionFilter.settled) misses
// none: on PostgreSQL a node's group committers, like several nodes, commit side by side, so a
// session can take its id before one already committed and commit after it. The page waits for the
// writers in flight and reads again, as the events' cursor does (a review's finding: the walk
// passed such a session for good).
// store: postgres-only (scripts/run-tests.mjs runs it in the PostgreSQL pass alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newChargePoint } from '../../src/domain/registry.js';
import { Transactions } from '../../src/domain/transactions.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/store.js';
import { createTestSchema, needsPostgres } from '../support/database.js';

test('a cursor page waits for a session that took a lower id and commits late', await needsPostgres(), async () => {
  const schema = await createTestSchema();
  // Pool 8: four group committers, so other charge points' sessions commit beside the held one.
  const store = await openPostgresStore(schema.url, { poolSize: 8 });
  const others = ['CP-B', 'CP-C', 'CP-D', 'CP-E', 'CP-F', 'CP-G', 'CP-H', 'CP-I'];
  try {
    await store.transact(async (tx) => {
      for (const id of ['CP-A', ...others]) await tx.insertChargePoint(newChargePoint(id, 'Accepted', new Date().toISOString()));
    });
    // The first session's unit is held open once it has its id, until released.
    let reached!: () => void;
    let release!: () => void;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    let armed = true;
    const held = Object.create(store) as SqlStore;
    held.transact = (work, id, options) => {
      if (!armed) return store.transact(work, id, options);
      armed = false;
      return store.transact(
        async (tx) => {
          const result = await work(tx);
          reached();
          await gate;
          return result;
        },
        id,
        options,
      );
    };
    const node = new Transactions(held as Store, () => new Date(), { warn: () => undefined });
    const first = node.start('CP-A', { connectorId: 1, idTag: 'TAG-A', meterStartWh: 0, timestamp: '2026-12-06T10:00:00.000Z' });
    await atGate;
    // Those on the held session's committer wait behind it; the others commit now.
    const later = others.map((cp) => node.start(cp, { connectorId: 1, idTag: `TAG-${cp}`, meterStartWh: 0, timestamp: '2026-12-06T10:00:01.000Z' }));
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const seen: number[] = [];
    let cursor = 0;
    const page = async (settled: boolean) => {
      const rows = await store.listTransactions({ afterId: cursor, limit: 100, settled });
      seen.push(...rows.map((row) => row.id));
      if (rows.length > 0) cursor = rows.at(-1)!.id;
    };
    // Without waiting, the page passes the held session: what the walk did before.
    const unsettled = (await store.listTransactions({ afterId: 0, limit: 100 })).map((row) => row.id);
    assert.ok(unsettled.length > 0, 'sessions of other committers are committed');
    // The held session commits while the page waits for it.
    setTimeout(release, 300);
    await page(true);
    const { transactionId: firstId } = await first;
    await Promise.all(later);
    await page(true);
    const all = (await store.listTransactions({ limit: 100 })).map((t) => t.id).sort((a, b) => a - b);
    assert.ok(firstId < Math.max(...unsettled) && !unsettled.includes(firstId), 'the held session took a lower id than one committed before it');
    assert.deepEqual([...seen].sort((a, b) => a - b), all, 'the walk saw every session, once');
  } finally {
    await store.close();
    await schema.drop();
  }
});
