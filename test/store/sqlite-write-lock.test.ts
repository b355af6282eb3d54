// store: sqlite-only. Another process holding the SQLite file's write lock (a sqlite3 shell left
// in a transaction, an operator's UPDATE, a second node on the same file by mistake). SQLite's busy
// wait ran on the node's main thread: the whole node froze up to 5 s per statement, charge points,
// pings and /health with it. Now a batch waits for the lock on a timer, and fails its units with a
// message that names the cause once the wait is over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import { whenUnlocked, WriteLockTimeout } from '../../src/store/write-lock-wait.js';
import { boot, TestClient } from '../support/ocpp-client.js';
import { startSqliteTestTomada } from '../support/tomada.js';

const HELD_MS = 1_500;

test('a write lock held by another connection: the node answers meanwhile, and the call waiting for it is stored once it is released', async () => {
  const t = await startSqliteTestTomada({ unknownChargePoints: 'accept' });
  const waiting = await TestClient.connect(t.wsUrl, 'LOCK-WAITS');
  const other = await TestClient.connect(t.wsUrl, 'LOCK-OTHER');
  const holder = new BetterSqlite3(t.dbPath);
  try {
    await boot(waiting);
    await boot(other);
    holder.exec('begin immediate');
    // A write of the holder's own, so that its lock is a writer's, as a shell's UPDATE would be.
    holder.prepare(`insert into events (at, charge_point_id, type, data) values ('2026-01-01T00:00:00.000Z', null, 'test', '{}')`).run();
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const asked = performance.now();
    const status = waiting.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' }).then((frame) => ({ frame, ms: performance.now() - asked }));
    // While the lock is held, the node still answers HTTP (its event loop is free).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const healthAsked = performance.now();
    const health = await fetch(`${t.httpUrl}/health`);
    const healthMs = performance.now() - healthAsked;
    await new Promise((resolve) => setTimeout(resolve, HELD_MS - 300));
    holder.exec('rollback');
    const { frame, ms } = await status;
    delay.disable();

    assert.equal(health.status, 200);
    assert.ok(healthMs < 500, `/health took ${Math.round(healthMs)} ms while the lock was held`);
    // SQLite's busy wait held the thread for the whole wait (5 s, or until the lock went).
    assert.ok(delay.max / 1e6 < 500, `the event loop stalled ${Math.round(delay.max / 1e6)} ms while another connection held the write lock`);
    assert.equal(frame[0], 3, `the StatusNotification was answered ${JSON.stringify(frame)}`);
    assert.ok(ms >= HELD_MS - 100, `answered after ${Math.round(ms)} ms, before the lock was released`);
    const stored = new BetterSqlite3(t.dbPath, { readonly: true });
    try {
      const row = stored.prepare(`select status from connectors where charge_point_id = 'LOCK-WAITS' and connector_id = 1`).get() as { status: string } | undefined;
      assert.equal(row?.status, 'Available');
    } finally {
      stored.close();
    }
    // And the node writes on as before.
    assert.equal((await other.call('Heartbeat', {}))[0], 3);
  } finally {
    if (holder.inTransaction) holder.exec('rollback');
    holder.close();
    await waiting.close();
    await other.close();
    await t.close();
  }
});

test('a batch waits for the lock for a bounded time, then fails naming the cause; once the lock is free it begins', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-lock-'));
  const path = join(dir, 'lock.db');
  const node = new BetterSqlite3(path);
  const holder = new BetterSqlite3(path);
  try {
    node.pragma('journal_mode = WAL');
    node.pragma('busy_timeout = 0');
    node.exec('create table t (n integer)');
    let tries = 0;
    const writeOne = (began: () => void) =>
      new Promise<void>((resolve) => {
        tries++;
        node.exec('begin immediate');
        began();
        node.prepare('insert into t values (1)').run();
        node.exec('commit');
        resolve();
      });
    holder.exec('begin immediate');
    const failed = await whenUnlocked(writeOne, 60).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(failed instanceof WriteLockTimeout, `expected WriteLockTimeout, got ${String(failed)}`);
    assert.match(failed.message, /locked by another process/);
    assert.equal(failed.code, 'SQLITE_BUSY');
    assert.ok(tries > 2, `tried ${tries} times in 60 ms`);
    assert.equal((node.prepare('select count(*) as n from t').get() as { n: number }).n, 0);

    // Released while a batch waits: the batch begins, and nothing is written twice.
    setTimeout(() => holder.exec('rollback'), 30);
    await whenUnlocked(writeOne, 2_000);
    assert.equal((node.prepare('select count(*) as n from t').get() as { n: number }).n, 1);

    // An error once the transaction began is the caller's: not tried again.
    tries = 0;
    holder.exec('begin immediate');
    const afterBegin = await whenUnlocked(async (began) => {
      tries++;
      began();
      throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    }, 500).then(
      () => undefined,
      (error: unknown) => error,
    );
    holder.exec('rollback');
    assert.ok(afterBegin instanceof Error && !(afterBegin instanceof WriteLockTimeout));
    assert.equal(tries, 1);
  } finally {
    if (holder.inTransaction) holder.exec('rollback');
    holder.close();
    node.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
