// The SQLite store's durability machinery on a real file: WAL syncs coalesce and a failed one fails
// every later one; the checkpoint thread copies the WAL into the database file; and a batch's units
// settle only once its sync is done, while the next batch already runs.
// store: sqlite-only. WAL files and their checkpoints exist only in the SQLite store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { WalSync } from '../../src/store/wal-sync.js';
import { WalCheckpointer } from '../../src/store/wal-checkpointer.js';
import { GroupCommitter } from '../../src/store/group-commit.js';

const tempDir = () => mkdtempSync(join(process.env.TOMADA_TEST_TMP ?? tmpdir(), 'tomada-wal-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('syncs asked for while one runs share the next one, which starts after it', async () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'x.db-wal');
    writeFileSync(path, 'wal');
    const sync = new WalSync(path);
    const order: string[] = [];
    const running = sync.sync();
    // Asked while the first runs: they may have committed after it started, so they share another.
    const asked = Array.from({ length: 50 }, () => sync.sync());
    assert.equal(new Set(asked).size, 1);
    assert.notEqual(asked[0], running);
    void running.then(() => order.push('first'));
    void asked[0]!.then(() => order.push('next'));
    await asked[0];
    assert.deepEqual(order, ['first', 'next']);
    // Once both are done, a new request starts a new sync.
    const again = sync.sync();
    assert.notEqual(again, asked[0]);
    await again;
    await sync.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a sync that fails makes every later one fail, naming the file', async () => {
  const dir = tempDir();
  try {
    const sync = new WalSync(join(dir, 'missing.db-wal'));
    await assert.rejects(sync.sync(), /can no longer be made durable.*missing\.db-wal/);
    // Even once the file exists: an earlier commit may not have reached the disk.
    writeFileSync(join(dir, 'missing.db-wal'), 'wal');
    await assert.rejects(sync.sync(), /can no longer be made durable/);
    await sync.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the checkpoint thread copies the WAL into the database file while the writer goes on', async () => {
  const dir = tempDir();
  const path = join(dir, 'x.db');
  const db = new BetterSqlite3(path);
  try {
    db.pragma('journal_mode = WAL');
    // The writer never checkpoints by itself here: only the thread can move pages to the file.
    db.pragma('wal_autocheckpoint = 0');
    db.exec('create table t (id integer primary key, v text)');
    const checkpointer = new WalCheckpointer(path, undefined, 20);
    const before = statSync(path).size;
    const insert = db.prepare('insert into t (v) values (?)');
    for (let i = 0; i < 50; i++) db.transaction(() => { for (let j = 0; j < 100; j++) insert.run('x'.repeat(200)); })();
    let after = before;
    for (let tries = 0; tries < 100 && after < before + 1_000_000; tries++) {
      await sleep(20);
      after = statSync(path).size;
    }
    await checkpointer.close();
    assert.ok(after >= before + 1_000_000, `database file grew from ${before} to ${after} bytes only`);
    assert.equal((db.prepare('select count(*) as n from t').get() as { n: number }).n, 5000);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('units settle only once their batch is durable, in commit order, while later batches run', async () => {
  const syncs: { resolve: () => void; reject: (error: Error) => void }[] = [];
  const committed: number[] = [];
  let batch = 0;
  const committer = new GroupCommitter<number>({
    inTransaction: async (body) => body(++batch),
    savepoint: async () => undefined,
    rollbackToSavepoint: async () => undefined,
    durable: () => new Promise<void>((resolve, reject) => syncs.push({ resolve, reject })),
  }, 500, { committed: (size) => committed.push(size) });
  const settled: string[] = [];
  const first = committer.submit(async (b) => b).then((b) => settled.push(`a${b}`));
  await sleep(10);
  // The first batch is committed and waits for its sync; the next one runs meanwhile.
  const second = committer.submit(async (b) => b).then((b) => settled.push(`b${b}`), (e: Error) => settled.push(`b:${e.message}`));
  await sleep(10);
  assert.equal(syncs.length, 2, 'the second batch committed while the first was syncing');
  assert.deepEqual(settled, []);
  syncs[0]!.resolve();
  await first;
  assert.deepEqual(settled, ['a1']);
  syncs[1]!.reject(new Error('disk gone'));
  await second;
  assert.deepEqual(settled, ['a1', 'b:disk gone']);
  assert.deepEqual(committed, [1]);
  await committer.idle();
});

test('an idle committer waits its start delay, so units submitted in separate turns share a batch', async () => {
  const sizes = async (startDelayMs: number) => {
    const committed: number[] = [];
    const committer = new GroupCommitter<number>({
      inTransaction: async (body) => body(0),
      savepoint: async () => undefined,
      rollbackToSavepoint: async () => undefined,
    }, 500, { committed: (size) => committed.push(size) }, startDelayMs);
    // Three units, each a turn of the event loop after the one before, as calls arriving apart.
    const units: Promise<number>[] = [];
    for (let i = 0; i < 3; i++) {
      units.push(committer.submit(async () => i));
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.deepEqual(await Promise.all(units), [0, 1, 2]);
    await committer.idle();
    return committed;
  };
  assert.deepEqual(await sizes(200), [3]);
  // Without the delay, the first unit's batch has started before the later ones arrive.
  assert.ok((await sizes(0)).length > 1);
});

test('a busy committer starts its batches no closer together than its interval', async () => {
  const gaps = async (minIntervalMs: number) => {
    const starts: number[] = [];
    const committer = new GroupCommitter<number>({
      inTransaction: async (body) => {
        starts.push(performance.now());
        return body(0);
      },
      savepoint: async () => undefined,
      rollbackToSavepoint: async () => undefined,
    }, 500, {}, 0, minIntervalMs);
    // Each unit queues the next while its batch runs: the committer is never idle.
    const chain = (left: number): Promise<unknown> => committer.submit(async () => (left > 0 ? void chain(left - 1) : undefined));
    await chain(4);
    while (starts.length < 5) await new Promise((resolve) => setTimeout(resolve, 5));
    await committer.idle();
    return starts.slice(1).map((at, i) => at - starts[i]!);
  };
  // Timers count whole milliseconds of the event loop's clock: one may fire a little before its
  // time as performance.now() counts it. A batch's start is seen here a moment after the committer
  // takes it, so a process held up in between shows a shorter gap though the committer waited;
  // the likely reading of 35.3 ms, seen once on a loaded CI machine. Up to three runs, one of them
  // with every gap whole: a committer without the interval starts its batches within a
  // millisecond in every run.
  const runs: number[][] = [];
  while (runs.length < 3 && !runs.some((run) => run.every((gap) => gap >= 38))) runs.push(await gaps(40));
  assert.ok(
    runs.some((run) => run.every((gap) => gap >= 38)),
    `batches ${runs.map((run) => run.map((gap) => gap.toFixed(1)).join(', ')).join(' / ')} ms apart`,
  );
  for (const gap of await gaps(0)) assert.ok(gap < 39, `without an interval the next batch starts at once (${gap.toFixed(1)} ms)`);
});

test('a batch holding early units takes in the answers queued meanwhile, and no other frame or write', async () => {
  const ran: string[][] = [];
  const committer = new GroupCommitter<number>({
    inTransaction: async (body) => {
      ran.push([]);
      return body(ran.length - 1);
    },
    savepoint: async () => undefined,
    rollbackToSavepoint: async () => undefined,
  });
  const unit = (name: string) => async (batch: number) => void ran[batch]!.push(name);
  const owed: Promise<void>[] = [];
  const later: Promise<unknown>[] = [];
  // The call's data settles early; its continuation queues its answer, and meanwhile another
  // charge point's CALL frame and that call's data arrive.
  await committer.submit(unit('data'), { early: (batch) => (owed.push(batch), true) }).then(() => {
    later.push(committer.submit(unit('other CALL frame'), { noWrites: true }));
    later.push(committer.submit(unit('other data')));
    later.push(committer.submit(unit('answer'), { noWrites: true, answer: true }));
  });
  await Promise.all([...later, ...owed]);
  assert.deepEqual(ran, [['data', 'answer'], ['other CALL frame', 'other data']]);
});
