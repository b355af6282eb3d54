// On SQLite the journal's index by charge point is written in arrears (migration 0011): a batch
// brings it up to date a few times a second, and `journal_index_mark` says how far it goes. A
// charge point's latest frames (recentJournal, the dashboard's frames view) must be the same
// whatever part of the journal is indexed: none, all, or up to any row. The oracle is the whole
// journal read in order and filtered. Also: a batch with frames brings the index up to date;
// migrating a journal stored before 0011 fills it. On PostgreSQL, which keeps its index on the
// journal, the frames are checked against the same oracle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { openStore } from '../../src/store/open.js';
import type { JournalFrame } from '../../src/store/journal-chain.js';
import type { Store } from '../../src/store/store.js';
import { kyselyOn, migratedTo, testStoreKind, withTestDatabase } from '../support/database.js';

/** The index's mark as stored. */
async function markOf(db: Kysely<any>): Promise<number> {
  return Number((await sql<{ seq: number | string }>`select seq from journal_index_mark`.execute(db)).rows[0]!.seq);
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
  await withTestDatabase(t, async (database) => {
    const store = await openStore(database.url);
    const raw = kyselyOn(database);
    try {
      // Several batches: the frames of one call of the loop share one.
      for (let i = 0; i < 120; i += 10) await Promise.all(Array.from({ length: 10 }, (_, k) => store.journal([frame(i + k)])));
      const seqs = (await store.listJournal({ limit: 1000 })).map((row) => row.seq);
      assert.equal(seqs.length, 120);
      await assertRecentFrames(store, 'as journaled');
      if (database.kind !== 'sqlite') return; // PostgreSQL indexes each row as it is written

      await sql`delete from journal_charge_points`.execute(raw);
      await sql`update journal_index_mark set seq = 0`.execute(raw);
      await assertRecentFrames(store, 'nothing indexed');

      const indexUpTo = async (mark: number) => {
        await sql`delete from journal_charge_points`.execute(raw);
        await sql`insert into journal_charge_points (charge_point_id, seq) select charge_point_id, seq from frame_journal where charge_point_id is not null and seq <= ${mark}`.execute(raw);
        await sql`update journal_index_mark set seq = ${mark}`.execute(raw);
      };
      await indexUpTo(seqs.at(-1)!);
      await assertRecentFrames(store, 'all indexed');
      for (const mark of [seqs[0]!, seqs[13]!, seqs[60]!, seqs[118]!]) {
        await indexUpTo(mark);
        await assertRecentFrames(store, `indexed up to ${mark}`);
      }

      // An index that holds rows the mark does not cover yet (a round cut short) reads nothing twice.
      await indexUpTo(seqs.at(-1)!);
      await sql`update journal_index_mark set seq = ${seqs[60]!}`.execute(raw);
      await assertRecentFrames(store, 'index ahead of its mark');
    } finally {
      await raw.destroy();
      await store.close();
    }
  });
});

const ARREARS_ONLY = testStoreKind === 'sqlite' ? {} : { skip: 'PostgreSQL keeps its index on the journal (DialectHooks.journalIndexInArrears)' };

test('a batch with frames brings the index up to date, once a round at most', ARREARS_ONLY, async (t) => {
  await withTestDatabase(t, async (database) => {
    // Rounds of 2 s (250 ms in service), so that a slow machine cannot end one early.
    const store = await openStore(database.url, { journalIndexIntervalMs: 2000 });
    const raw = kyselyOn(database);
    try {
      await store.journal([frame(0)]);
      await sql`delete from journal_charge_points`.execute(raw);
      await sql`update journal_index_mark set seq = 0`.execute(raw);
      // The first batch indexed already: the next ones within the round leave the index alone.
      for (let i = 1; i < 6; i++) await store.journal([frame(i)]);
      assert.equal(await markOf(raw), 0);

      await new Promise((resolve) => setTimeout(resolve, 2050));
      await store.journal([frame(6)]);
      const journal = await store.listJournal({ limit: 100 });
      assert.equal(await markOf(raw), journal.at(-1)!.seq, 'the mark is past the last row');
      const { rows } = await sql<{ charge_point_id: string; seq: number | string }>`select charge_point_id, seq from journal_charge_points order by seq`.execute(raw);
      const indexed = rows.map((r) => `${r.charge_point_id}:${Number(r.seq)}`);
      const withChargePoint = journal.filter((row) => row.chargePointId !== null).map((row) => `${row.chargePointId}:${row.seq}`);
      assert.deepEqual(indexed, withChargePoint, 'every row with a charge point, once; none without');
      await assertRecentFrames(store, 'after a round');
    } finally {
      await raw.destroy();
      await store.close();
    }
  });
});

test('migration 0011 indexes the journal stored before it', ARREARS_ONLY, async (t) => {
  await withTestDatabase(t, async (database) => {
    const db = await migratedTo(database, '0010_energy_tail');
    for (let i = 0; i < 40; i++) {
      const f = frame(i);
      await db
        .insertInto('frame_journal')
        .values({ at: f.at, charge_point_id: f.chargePointId, direction: f.direction, transport: f.protocol, frame: f.frame, prev_hash: 'p', hash: 'h' })
        .execute();
    }
    await db.destroy();

    const store = await openStore(database.url);
    const raw = kyselyOn(database);
    try {
      const last = (await store.listJournal({ limit: 100 })).at(-1)!.seq;
      assert.equal(await markOf(raw), last);
      const { rows } = await sql<{ n: number | string }>`select count(*) as n from journal_charge_points`.execute(raw);
      assert.equal(Number(rows[0]!.n), 40 - 5, 'the 5 rows without a charge point are not indexed');
      await assertRecentFrames(store, 'after the migration');
      // New frames go on from there.
      await Promise.all([frame(40), frame(41), frame(42)].map((f) => store.journal([f])));
      await assertRecentFrames(store, 'after new frames');
    } finally {
      await raw.destroy();
      await store.close();
    }
  });
});
