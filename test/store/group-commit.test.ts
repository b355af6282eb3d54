// Group commit on the store under test (a real SQLite file, or a PostgreSQL schema): batching,
// per-unit rollback, and no unit settled before its batch is durable (seen through a second,
// independent connection to the same database), except a charge point's call units, whose
// durability its answer waits for instead, in the same commit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../../src/store/open.js';
import { PART_OF_CALL, type Store, type StoreWriter } from '../../src/store/store.js';
import { newChargePoint } from '../../src/domain/registry.js';
import { createTestDatabase, testPostgresUrl, type TestDatabase } from '../support/database.js';
import { failAtCommit } from '../support/fail-at-commit.js';

/** Counts rows through a connection of its own, outside the store. */
type CountOther = (id: string) => Promise<number>;

async function withStore(run: (store: Store, batches: number[], other: CountOther, database: TestDatabase, failures: number[]) => Promise<void>) {
  const database = await createTestDatabase();
  const batches: number[] = [];
  const failures: number[] = [];
  const store = await openStore(database.url, { observer: { committed: (size) => batches.push(size), failed: (size) => failures.push(size) } });
  let closeOther = async () => undefined as void;
  let other: CountOther;
  if (database.sqlitePath) {
    const db = new BetterSqlite3(database.sqlitePath, { readonly: true });
    closeOther = async () => void db.close();
    other = async (id) => (db.prepare('select count(*) as n from charge_points where id = ?').get(id) as { n: number }).n;
  } else {
    const client = new pg.Pool({ connectionString: testPostgresUrl, max: 2 });
    closeOther = () => client.end();
    const table = `"${database.schema}".charge_points`;
    other = async (id) => Number((await client.query(`select count(*) as n from ${table} where id = $1`, [id])).rows[0].n);
  }
  try {
    await run(store, batches, other, database, failures);
  } finally {
    await closeOther();
    await store.close();
    await database.drop();
  }
}

const chargePoint = (id: string) => newChargePoint(id, 'Accepted', new Date().toISOString());

/**
 * A statement the database refuses: a status of a charge point that does not exist (a foreign
 * key). A charge point inserted twice is no longer one: the second insert stores nothing.
 */
const refusedStatement = (tx: StoreWriter) =>
  tx.recordStatus('NO-SUCH-CP', { connectorId: 1, status: 'Available', errorCode: 'NoError' }, new Date().toISOString(), '9999-12-31T23:59:59.999Z');

test('units submitted together share one commit, and each sees the writes before it', async () => {
  await withStore(async (store, batches) => {
    const ids = Array.from({ length: 200 }, (_, i) => `CP${i}`);
    const seen = await Promise.all(
      ids.map((id, i) =>
        store.transact(async (tx) => {
          await tx.insertChargePoint(chargePoint(id));
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
      store.transact((tx) => tx.insertChargePoint(chargePoint('A'))),
      store.transact(async (tx) => {
        await tx.insertChargePoint(chargePoint('B'));
        throw new Error('rule broken after a write');
      }),
      // A statement the database refuses: on PostgreSQL this aborts the whole transaction unless
      // only the unit's savepoint is rolled back.
      store.transact(async (tx) => {
        await tx.insertChargePoint(chargePoint('X'));
        await refusedStatement(tx);
      }),
      store.transact((tx) => tx.insertChargePoint(chargePoint('C'))),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    assert.deepEqual((await store.listChargePoints()).map((cp) => cp.id), ['A', 'C']);
  });
});

test('a batch whose first writing unit fails keeps the units after it, and the frames queued before it', async () => {
  await withStore(async (store, batches) => {
    await store.transact((tx) => tx.insertChargePoint(chargePoint('H')));
    batches.length = 0;
    // On PostgreSQL the first writing unit runs without a savepoint: its failure restarts the
    // transaction, which must not take the journal rows queued before it, nor the units after it.
    const results = await Promise.allSettled([
      store.journal([callFrame('H', 'in', 'before')]),
      store.transact(async (tx) => {
        await tx.insertChargePoint(chargePoint('I'));
        // The database refuses this one: on PostgreSQL the transaction is aborted.
        await refusedStatement(tx);
      }),
      store.transact((tx) => tx.insertChargePoint(chargePoint('J'))),
      store.transact(async (tx) => {
        await tx.insertChargePoint(chargePoint('K'));
        throw new Error('rule broken after a write');
      }),
      store.transact((tx) => tx.insertChargePoint(chargePoint('L'))),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    // One batch: the frame's charge point (H) goes to the committer of the units without one.
    assert.deepEqual(batches, [5], 'one batch');
    assert.deepEqual((await store.listChargePoints()).map((cp) => cp.id), ['H', 'J', 'L']);
    assert.deepEqual((await store.listJournal({ limit: 10 })).map((r) => r.frame.toString()), ['before']);
    // The next batch, whose first unit fails on a rule alone, still commits the rest.
    const next = await Promise.allSettled([
      store.transact(async (tx) => {
        await tx.insertChargePoint(chargePoint('M'));
        throw new Error('rule broken after a write');
      }),
      store.transact((tx) => tx.insertChargePoint(chargePoint('N'))),
    ]);
    assert.deepEqual(next.map((r) => r.status), ['rejected', 'fulfilled']);
    assert.deepEqual((await store.listChargePoints()).map((cp) => cp.id), ['H', 'J', 'L', 'N']);
  });
});

test('a unit settles only after its batch is durable: another connection already sees it', async () => {
  await withStore(async (store, _batches, other) => {
    const counts = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.transact((tx) => tx.insertChargePoint(chargePoint(`D${i}`))).then(() => other(`D${i}`))),
    );
    assert.deepEqual(counts, Array.from({ length: 50 }, () => 1));
  });
});

test('when the commit itself fails, every unit of the batch is rejected and nothing is stored', async () => {
  await withStore(async (store, _batches, _other, database) => {
    await store.transact((tx) => tx.insertChargePoint(chargePoint('E')));
    const results = await Promise.allSettled([
      store.transact((tx) => failAtCommit(tx, database)),
      store.transact((tx) => tx.insertChargePoint(chargePoint('F'))),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.deepEqual((await store.listChargePoints()).map((cp) => cp.id), ['E']);
    // The store still works after a failed batch.
    await store.transact((tx) => tx.insertChargePoint(chargePoint('G')));
    assert.deepEqual((await store.listChargePoints()).map((cp) => cp.id), ['E', 'G']);
  });
});

test('the frames of a call are journaled no later than the data it reports, and even when its unit fails', async () => {
  await withStore(async (store) => {
    const frame = (text: string) => ({ at: new Date().toISOString(), chargePointId: 'J', direction: 'in' as const, protocol: 'ocpp1.6-json', frame: Buffer.from(text) });
    const answer = (text: string, message: object) => store.journalAnswer([{ ...frame(text), direction: 'out' as const }], message);
    const kept = {};
    await store.withFrames([frame('kept')], kept, () => store.transact((tx) => tx.insertChargePoint(chargePoint('J'))));
    await answer('answer', kept);
    // The unit fails: its frame is not lost.
    const failed = {};
    await assert.rejects(store.withFrames([frame('failed unit')], failed, () => store.transact(async () => Promise.reject(new Error('no')))));
    await answer('error', failed);
    const rows = await store.listJournal({ limit: 10 });
    assert.deepEqual(rows.map((r) => r.frame.toString()), ['kept', 'answer', 'failed unit', 'error']);
    assert.equal(rows[1]!.prevHash, rows[0]!.hash);
  });
});

const callFrame = (chargePointId: string, direction: 'in' | 'out', text: string) => ({
  at: new Date().toISOString(),
  chargePointId,
  direction,
  protocol: 'ocpp1.6-json',
  frame: Buffer.from(text),
});

/** Resolves once `check` holds, polling each turn of the event loop (bounded). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  assert.ok(check(), 'condition never held');
}

test('a call\'s unit settles before its commit; its answer joins that commit and leaves only once it is durable', async () => {
  await withStore(async (store, batches, other, database) => {
    const committedBefore = batches.length;
    let commitsWhenUnitSettled = -1;
    let seenByOthersThen: Promise<number> | undefined;
    const call = {};
    const result = await store.withFrames([callFrame('K', 'in', 'call')], call, async () => {
      const value = await store.transact(async (tx) => {
        await tx.insertChargePoint(chargePoint('K'));
        return 'stored';
      }, 'K', PART_OF_CALL);
      commitsWhenUnitSettled = batches.length;
      // On SQLite the other connection reads right here (synchronously), while the batch is open.
      seenByOthersThen = other('K');
      return value;
    });
    assert.equal(result, 'stored');
    assert.equal(commitsWhenUnitSettled, committedBefore, 'the unit settled before its batch was durable');
    if (database.kind === 'sqlite') assert.equal(await seenByOthersThen, 0, 'the unit settled before its batch committed');
    await store.journalAnswer([callFrame('K', 'out', 'answer')], call);
    assert.equal(await other('K'), 1, 'durable once the answer may leave');
    assert.deepEqual(batches.slice(committedBefore), [3], 'the CALL, its data and its answer in one commit');
    const rows = await store.listJournal({ limit: 10 });
    assert.deepEqual(rows.map((r) => r.frame.toString()), ['call', 'answer']);
  });
});

test('a call\'s batch that fails at COMMIT fails its answer, though its unit had settled', async () => {
  await withStore(async (store, _batches, _other, database) => {
    const call = {};
    const settled = await store.withFrames([callFrame('L', 'in', 'call')], call, () =>
      store.transact(async (tx) => {
        await failAtCommit(tx, database);
        return 'settled';
      }, 'L', PART_OF_CALL),
    );
    assert.equal(settled, 'settled');
    await assert.rejects(store.journalAnswer([callFrame('L', 'out', 'answer')], call));
    assert.deepEqual((await store.listJournal({ limit: 10 })).map((r) => r.frame.toString()), [], 'nothing of the failed batch stored');
  });
});

test('a batch that failed before the answer was journaled fails that answer, and only that one', async () => {
  await withStore(async (store, _batches, _other, database, failures) => {
    const call = {};
    await store.withFrames([callFrame('M', 'in', 'call')], call, () => store.transact((tx) => failAtCommit(tx, database), 'M', PART_OF_CALL));
    // The answer misses the batch (it was held up elsewhere): the batch fails on its own first.
    await until(() => failures.length > 0);
    await assert.rejects(store.journalAnswer([callFrame('M', 'out', 'late answer')], call));
    // Not journaled either: it never leaves.
    // The failure was that answer's: the next call of M is answered normally.
    const next = {};
    await store.withFrames([callFrame('M', 'in', 'next call')], next, () => store.transact((tx) => tx.insertChargePoint(chargePoint('M')), 'M', PART_OF_CALL));
    await store.journalAnswer([callFrame('M', 'out', 'next answer')], next);
    assert.deepEqual((await store.listJournal({ limit: 10 })).map((r) => r.frame.toString()), ['next call', 'next answer']);
  });
});

test('two messages of one charge point at once whose batch fails: neither answer succeeds', async () => {
  await withStore(async (store, _batches, _other, database, failures) => {
    // Two SOAP requests of one charge point, or a JSON connection finishing a call while its
    // replacement handles one: their units share the batch, which fails at COMMIT.
    const [m1, m2, m3] = [{}, {}, {}];
    const first = store.withFrames([callFrame('R', 'in', 'first')], m1, () => store.transact((tx) => tx.insertChargePoint(chargePoint('R')), 'R', PART_OF_CALL));
    const second = store.withFrames([callFrame('R', 'in', 'second')], m2, () => store.transact((tx) => failAtCommit(tx, database), 'R', PART_OF_CALL));
    await Promise.all([first, second]);
    // The first answer comes at once; the second only after the batch has failed.
    await assert.rejects(store.journalAnswer([callFrame('R', 'out', 'first answer')], m1));
    await until(() => failures.length > 0);
    await assert.rejects(store.journalAnswer([callFrame('R', 'out', 'second answer')], m2));
    assert.deepEqual((await store.listJournal({ limit: 10 })).map((r) => r.frame.toString()), []);
    assert.deepEqual(await store.listChargePoints(), []);
    // Both messages answered: the failure is spent, the next call is answered normally.
    await store.withFrames([callFrame('R', 'in', 'third')], m3, () => store.transact((tx) => tx.insertChargePoint(chargePoint('R')), 'R', PART_OF_CALL));
    await store.journalAnswer([callFrame('R', 'out', 'third answer')], m3);
    assert.deepEqual((await store.listJournal({ limit: 10 })).map((r) => r.frame.toString()), ['third', 'third answer']);
  });
});

test('a failed batch holds back only the messages open when it failed: one that opened later, still open, does not keep it', async () => {
  await withStore(async (store, _batches, _other, database, failures) => {
    await store.transact((tx) => tx.insertChargePoint(chargePoint('S')));
    const data = (type: string) => store.transact((tx) => tx.insertEvent({ at: new Date().toISOString(), chargePointId: 'S', type, data: {} }), 'S', PART_OF_CALL);
    // Requests of one SOAP charge point that overlap. The first one's batch fails.
    const first = {};
    await store.withFrames([callFrame('S', 'in', 'first')], first, () => store.transact((tx) => failAtCommit(tx, database), 'S', PART_OF_CALL));
    await until(() => failures.length > 0);
    // A second opens after the failure and stays open a while (its handler waits on something).
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const second = {};
    const secondDone = store.withFrames([callFrame('S', 'in', 'second')], second, async () => {
      await released;
      return data('dataOfSecond');
    });
    // Until the first is answered, the charge point's data may not commit: the first's frame may be lost.
    await assert.rejects(store.journalAnswer([callFrame('S', 'out', 'first answer')], first));
    // Answered: a third request is stored and answered, though the second is still open.
    const third = {};
    await store.withFrames([callFrame('S', 'in', 'third')], third, () => data('dataOfThird'));
    await store.journalAnswer([callFrame('S', 'out', 'third answer')], third);
    release();
    await secondDone;
    await store.journalAnswer([callFrame('S', 'out', 'second answer')], second);
    assert.deepEqual((await store.listEvents({ chargePointId: 'S' })).map((e) => e.type).sort(), ['dataOfSecond', 'dataOfThird']);
    const journal = (await store.listJournal({ limit: 10 })).map((r) => r.frame.toString());
    assert.deepEqual([...journal].sort(), ['second', 'second answer', 'third', 'third answer']);
  });
});

test('a call whose frame went down with a failed batch stores nothing after it: no data without its frame', async () => {
  await withStore(async (store, _batches, _other, database, failures) => {
    await store.transact((tx) => tx.insertChargePoint(chargePoint('Y')));
    // The message reads something first (a lenient check, an admission), so its frame's unit runs
    // in a batch before its data; another unit of that batch makes it fail at COMMIT.
    const [message, again] = [{}, {}];
    const call = store.withFrames([callFrame('Y', 'in', 'call of Y')], message, async () => {
      await until(() => failures.length > 0);
      return store.transact((tx) => tx.insertEvent({ at: new Date().toISOString(), chargePointId: 'Y', type: 'dataOfY', data: {} }), 'Y', PART_OF_CALL);
    });
    await store.transact((tx) => failAtCommit(tx, database), 'Y').catch(() => undefined);
    await assert.rejects(call, 'the data unit fails: its frame is lost');
    await assert.rejects(store.journalAnswer([callFrame('Y', 'out', 'answer')], message), 'and so does the answer');
    assert.deepEqual((await store.listEvents({ chargePointId: 'Y' })).map((e) => e.type), [], 'no data stored');
    // Answered (with an error), the charge point resends: stored, with its frame.
    await store.withFrames([callFrame('Y', 'in', 'call of Y again')], again, () =>
      store.transact((tx) => tx.insertEvent({ at: new Date().toISOString(), chargePointId: 'Y', type: 'dataOfY', data: {} }), 'Y', PART_OF_CALL),
    );
    await store.journalAnswer([callFrame('Y', 'out', 'answer again')], again);
    assert.deepEqual((await store.listEvents({ chargePointId: 'Y' })).map((e) => e.type), ['dataOfY']);
    assert.deepEqual((await store.listJournal({ limit: 10 })).map((r) => r.frame.toString()), ['call of Y again', 'answer again']);
  });
});

test('during a call, the other writes for its charge point (the API\'s) still settle only once durable', async () => {
  await withStore(async (store, _batches, other) => {
    const call = {};
    const seen = await store.withFrames([callFrame('N', 'in', 'call')], call, async () => {
      // Not part of the call: an operator's edit of the same charge point at the same moment.
      await store.transact((tx) => tx.insertChargePoint(chargePoint('N')), 'N');
      return other('N');
    });
    assert.equal(seen, 1);
    await store.journalAnswer([callFrame('N', 'out', 'answer')], call);
  });
});

test('a call unit outside a call of its charge point settles once durable', async () => {
  await withStore(async (store, _batches, other) => {
    await store.transact((tx) => tx.insertChargePoint(chargePoint('P')), 'P', PART_OF_CALL);
    assert.equal(await other('P'), 1);
  });
});
