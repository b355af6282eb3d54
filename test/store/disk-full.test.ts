// store: sqlite-only. A full disk under the SQLite store, made with SQLite's own page limit
// (max_page_count: writes beyond it fail with SQLITE_FULL, "database or disk is full", as on a full
// file system). SQLite then rolls the whole transaction back by itself: every unit of the batch
// fails with that error (not with the failed ROLLBACK that follows it, which the log showed
// before), nothing of the batch is stored, and once there is room again the store works on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { newChargePoint } from '../../src/domain/registry.js';
import { openStore } from '../../src/store/open.js';
import type { Store, StoreWriter } from '../../src/store/store.js';
import { boot, TestClient } from '../support/ocpp-client.js';
import { startSqliteTestTomada } from '../support/tomada.js';

const FULL = /database or disk is full/;

/** Sets the page limit of the store's own connection, from inside one of its units. */
async function limitPages(tx: StoreWriter, extraPages: number | 'none'): Promise<void> {
  const db = (tx as unknown as { db: Kysely<unknown> }).db;
  const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(db);
  const limit = extraPages === 'none' ? 1_073_741_823 : rows[0]!.page_count + extraPages;
  await sql.raw(`pragma max_page_count = ${limit}`).execute(db);
}

const bigEvent = (n: number) => ({ at: new Date().toISOString(), chargePointId: null, type: 'test', data: { n, filler: 'x'.repeat(200_000) } });

/**
 * Fills the room the page limit leaves in the file's pages, in smaller and smaller events, until
 * even a small one fails: a disk with no room at all, where a full page limit still takes the rows
 * that fit in pages the file has.
 */
async function fillRoomLeft(store: Store): Promise<void> {
  for (const size of [100_000, 10_000, 1_000, 100, 0]) {
    for (let n = 0; n < 1_000; n++) {
      const event = { at: new Date().toISOString(), chargePointId: null, type: 'test', data: { n, filler: 'x'.repeat(size) } };
      const full = await store.transact((tx) => tx.insertEvent(event)).then(
        () => false,
        (error: Error) => (assert.match(error.message, FULL), true),
      );
      if (full) break;
    }
  }
}

test('a full disk fails the batch with "database or disk is full", stores none of it, and the store works on once there is room', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-full-'));
  const path = join(dir, 'tomada.db');
  const failures: string[] = [];
  const store = await openStore(`sqlite:${path}`, { observer: { failed: (_size, error) => failures.push(String((error as Error).message)) } });
  try {
    await store.transact((tx) => limitPages(tx, 2));
    const results = await Promise.allSettled([
      store.transact((tx) => tx.insertChargePoint(newChargePoint('BEFORE', 'Accepted', new Date().toISOString()))),
      store.transact((tx) => tx.insertEvent(bigEvent(1))),
      store.transact((tx) => tx.insertChargePoint(newChargePoint('AFTER', 'Accepted', new Date().toISOString()))),
    ]);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      assert.match(String((result.reason as Error).message), FULL);
    }
    assert.ok(failures.length > 0 && failures.every((message) => FULL.test(message)), failures.join('; '));
    // SQLite rolled back the whole transaction: the unit before the big write is gone with it.
    assert.deepEqual(await store.listChargePoints(), []);

    // Room again: the same writes succeed, without reopening the store.
    await store.transact((tx) => limitPages(tx, 'none'));
    await store.transact((tx) => tx.insertChargePoint(newChargePoint('BEFORE', 'Accepted', new Date().toISOString())));
    await store.transact((tx) => tx.insertEvent(bigEvent(2)));
    assert.deepEqual((await store.listChargePoints()).map((cp) => cp.id), ['BEFORE']);
    const reader = new BetterSqlite3(path, { readonly: true });
    const events = reader.prepare(`select count(*) as n from events where type = 'test'`).get() as { n: number };
    reader.close();
    assert.equal(events.n, 1, 'only the event written once there was room');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a node whose writes fail is not ready: /ready says 503 with storeWrites false while reads still work, a batch that only reads does not clear it, and the check after there is room says ready, by a probe of its own', async () => {
  const t = await startSqliteTestTomada();
  let client: TestClient | undefined;
  const ready = async () => {
    const response = await fetch(`${t.httpUrl}/ready`);
    return { status: response.status, body: await response.json() };
  };
  try {
    await t.api('/api/v1/charge-points/FULL-1', { method: 'PUT', body: {} });
    client = await TestClient.connect(t.wsUrl, 'FULL-1');
    await boot(client);
    // The connection's own record (its protocol) is written by a unit of its own, which may commit
    // after the boot's answer. Left to commit on the full disk, an update in place succeeds, and
    // proves writes work again: a CI run under load saw /ready say so.
    for (let i = 0; i < 100 && (await t.api('/api/v1/charge-points/FULL-1')).body.ocppVersion !== '1.6'; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(await ready(), { status: 200, body: { status: 'ready', checks: { store: true, storeWrites: true, ocppListeners: true } } });

    await t.store.transact((tx) => limitPages(tx, 0));
    await assert.rejects(t.store.transact((tx) => tx.insertEvent(bigEvent(3))), FULL);
    await fillRoomLeft(t.store);
    // A batch that only reads commits on a full disk: that proves nothing about writes.
    assert.equal((await t.store.transact((tx) => tx.getChargePoint('FULL-1')))?.id, 'FULL-1');
    assert.match(String(t.store.writesFailing()?.message), FULL);
    // The read check alone would say ready: the registry still answers.
    assert.deepEqual(await ready(), { status: 503, body: { status: 'not ready', checks: { store: true, storeWrites: false, ocppListeners: true } } });

    // Room again, and no charge point sends anything: the node's own probe, started by the
    // readiness check, finds that writes work, and leaves an event saying since when they failed.
    // The check waits for its probe: the first one after the disk has room says ready (until
    // 2026-12-07 it said 503, and the one after it ready).
    await t.store.transact((tx) => limitPages(tx, 'none'));
    assert.deepEqual(await ready(), { status: 200, body: { status: 'ready', checks: { store: true, storeWrites: true, ocppListeners: true } } });
    assert.equal(t.store.writesFailing(), undefined);
    const recovered = (await t.api('/api/v1/events?type=storeWritesRecovered')).body.items;
    assert.ok(recovered.length >= 1, JSON.stringify(recovered));
    assert.equal(recovered[0].chargePointId, null);
    assert.match(recovered[0].data.error, FULL);
    assert.equal(recovered[0].data.node, null, 'a node alone has no id to name');
    assert.ok(recovered[0].data.failingSince <= recovered[0].at, JSON.stringify(recovered[0]));
    await client.ok('Heartbeat', {});
    assert.equal(t.store.writesFailing(), undefined);
  } finally {
    await client?.close();
    await t.close();
  }
});
