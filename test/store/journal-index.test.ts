// On SQLite the journal's index by charge point is written in arrears (migration 0011): a batch
// brings it up to date a few times a second, and `journal_index_mark` says how far it goes. A
// charge point's latest frames (recentJournal, the dashboard's frames view) must be the same
// whatever part of the journal is indexed: none, all, or up to any row. The oracle is the whole
// journal read in order and filtered. Also: a batch with frames brings the index up to date;
// migrating a journal stored before 0011 fills it. On PostgreSQL, which keeps its index on the
// journal, the frames are checked against the same oracle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrationProvider } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/open.js';
import type { JournalFrame } from '../../src/store/journal-chain.js';
import type { Store } from '../../src/store/store.js';
import { OwnSchemaPostgresDialect } from '../../src/store/postgres-introspector.js';
import { createTestDatabase, needsPostgres, testPostgresUrl, testStoreKind, type TestDatabase } from '../support/database.js';

/** Plain SQL on the test database, beside the store (its own connection). */
interface Raw {
  rows(text: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

function rawOn(database: TestDatabase): Raw {
  if (database.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: testPostgresUrl, options: `-c search_path=${database.schema}`, max: 1 });
    return { rows: async (text) => (await pool.query(text)).rows, close: () => pool.end() };
  }
  const db = new BetterSqlite3(database.sqlitePath!);
  return {
    rows: async (text) => {
      const statement = db.prepare(text);
      if (statement.reader) return statement.all() as Record<string, unknown>[];
      statement.run();
      return [];
    },
    close: async () => void db.close(),
  };
}

async function withDatabase(t: { skip(reason: string): void }, body: (database: TestDatabase) => Promise<void>): Promise<void> {
  if (testStoreKind === 'postgres') {
    const skip = await needsPostgres();
    if (skip.skip) return t.skip(skip.skip);
  }
  const database = await createTestDatabase();
  try {
    await body(database);
  } finally {
    await database.drop();
  }
}

const CHARGE_POINTS = ['CP-A', 'CP-B', 'CP-C', null] as const;

function frame(i: number): JournalFrame {
  // Uneven shares: CP-A most, a frame without a charge point now and then.
  const chargePointId = CHARGE_POINTS[i % 7 === 6 ? 3 : i % 5 < 3 ? 0 : (i % 5) - 2]!;
  return { at: new Date(Date.UTC(2026, 11, 5, 10, 0, 0, i)).toISOString(), chargePointId, direction: i % 2 ? 'out' : 'in', protocol: 'ocpp1.6-json', frame: Buffer.from(`[2,"${i}","Heartbeat",{}]`) };
}

/** What recentJournal must give: the charge point's rows, newest first. */
async function expected(store: Store, chargePointId: string, limit: number): Promise<number[]> {
  const all = await store.listJournal({ limit: 100_000 });
  return all.filter((row) => row.chargePointId === chargePointId).map((row) => row.seq).reverse().slice(0, limit);
}

async function assertRecentFrames(store: Store, label: string): Promise<void> {
  for (const chargePointId of ['CP-A', 'CP-B', 'CP-C', 'CP-NONE']) {
    for (const limit of [1, 2, 5, 17, 40, 1000]) {
      const rows = await store.recentJournal(chargePointId, limit);
      assert.deepEqual(rows.map((row) => row.seq), await expected(store, chargePointId, limit), `${label}: ${chargePointId}, limit ${limit}`);
      assert.ok(rows.every((row) => row.chargePointId === chargePointId && row.frame.toString().startsWith('[2,')));
    }
  }
}

test("a charge point's latest frames are the same with none, all or part of the journal indexed", async (t) => {
  await withDatabase(t, async (database) => {
    const store = await openStore(database.url);
    const raw = rawOn(database);
    try {
      // Several batches: the frames of one call of the loop share one.
      for (let i = 0; i < 120; i += 10) await Promise.all(Array.from({ length: 10 }, (_, k) => store.journal([frame(i + k)])));
      const seqs = (await store.listJournal({ limit: 1000 })).map((row) => row.seq);
      assert.equal(seqs.length, 120);
      await assertRecentFrames(store, 'as journaled');
      if (database.kind !== 'sqlite') return; // PostgreSQL indexes each row as it is written

      await raw.rows('delete from journal_charge_points');
      await raw.rows('update journal_index_mark set seq = 0');
      await assertRecentFrames(store, 'nothing indexed');

      const indexUpTo = async (mark: number) => {
        await raw.rows('delete from journal_charge_points');
        await raw.rows(`insert into journal_charge_points (charge_point_id, seq) select charge_point_id, seq from frame_journal where charge_point_id is not null and seq <= ${mark}`);
        await raw.rows(`update journal_index_mark set seq = ${mark}`);
      };
      await indexUpTo(seqs.at(-1)!);
      await assertRecentFrames(store, 'all indexed');
      for (const mark of [seqs[0]!, seqs[13]!, seqs[60]!, seqs[118]!]) {
        await indexUpTo(mark);
        await assertRecentFrames(store, `indexed up to ${mark}`);
      }

      // An index that holds rows the mark does not cover yet (a round cut short) reads nothing twice.
      await indexUpTo(seqs.at(-1)!);
      await raw.rows(`update journal_index_mark set seq = ${seqs[60]!}`);
      await assertRecentFrames(store, 'index ahead of its mark');
    } finally {
      await raw.close();
      await store.close();
    }
  });
});

const ARREARS_ONLY = testStoreKind === 'sqlite' ? {} : { skip: 'PostgreSQL keeps its index on the journal (DialectHooks.journalIndexInArrears)' };

test('a batch with frames brings the index up to date, once a round at most', ARREARS_ONLY, async (t) => {
  await withDatabase(t, async (database) => {
    // Rounds of 2 s (250 ms in service), so that a slow machine cannot end one early.
    const store = await openStore(database.url, { journalIndexIntervalMs: 2000 });
    const raw = rawOn(database);
    try {
      await store.journal([frame(0)]);
      await raw.rows('delete from journal_charge_points');
      await raw.rows('update journal_index_mark set seq = 0');
      // The first batch indexed already: the next ones within the round leave the index alone.
      for (let i = 1; i < 6; i++) await store.journal([frame(i)]);
      assert.deepEqual(await raw.rows('select seq from journal_index_mark').then((rows) => rows.map((r) => Number(r.seq))), [0]);

      await new Promise((resolve) => setTimeout(resolve, 2050));
      await store.journal([frame(6)]);
      const journal = await store.listJournal({ limit: 100 });
      const mark = Number((await raw.rows('select seq from journal_index_mark'))[0]!.seq);
      assert.equal(mark, journal.at(-1)!.seq, 'the mark is past the last row');
      const indexed = (await raw.rows('select charge_point_id, seq from journal_charge_points order by seq')).map((r) => `${r.charge_point_id as string}:${Number(r.seq)}`);
      const withChargePoint = journal.filter((row) => row.chargePointId !== null).map((row) => `${row.chargePointId}:${row.seq}`);
      assert.deepEqual(indexed, withChargePoint, 'every row with a charge point, once; none without');
      await assertRecentFrames(store, 'after a round');
    } finally {
      await raw.close();
      await store.close();
    }
  });
});

test('migration 0011 indexes the journal stored before it', ARREARS_ONLY, async (t) => {
  await withDatabase(t, async (database) => {
    const db =
      database.kind === 'postgres'
        ? new Kysely<any>({ dialect: new OwnSchemaPostgresDialect({ pool: new pg.Pool({ connectionString: testPostgresUrl, options: `-c search_path=${database.schema}` }) }) })
        : new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(database.sqlitePath!) }) });
    const migrator = new Migrator({ db, provider: migrationProvider(database.kind), ...(database.schema ? { migrationTableSchema: database.schema } : {}) });
    assert.equal((await migrator.migrateTo('0010_energy_tail')).error, undefined);
    for (let i = 0; i < 40; i++) {
      const f = frame(i);
      await db
        .insertInto('frame_journal')
        .values({ at: f.at, charge_point_id: f.chargePointId, direction: f.direction, transport: f.protocol, frame: f.frame, prev_hash: 'p', hash: 'h' })
        .execute();
    }
    await db.destroy();

    const store = await openStore(database.url);
    const raw = rawOn(database);
    try {
      const last = (await store.listJournal({ limit: 100 })).at(-1)!.seq;
      assert.equal(Number((await raw.rows('select seq from journal_index_mark'))[0]!.seq), last);
      assert.equal(Number((await raw.rows('select count(*) as n from journal_charge_points'))[0]!.n), 40 - 5, 'the 5 rows without a charge point are not indexed');
      await assertRecentFrames(store, 'after the migration');
      // New frames go on from there.
      await Promise.all([frame(40), frame(41), frame(42)].map((f) => store.journal([f])));
      await assertRecentFrames(store, 'after new frames');
    } finally {
      await raw.close();
      await store.close();
    }
  });
});
