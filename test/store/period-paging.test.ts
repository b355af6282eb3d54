// A period of sessions read page by page (the session export): by start time then id, each page a
// range of the start-time index. Paged by id instead, every page sorted the whole period again:
// on SQLite a month of a national network's history cost about a second per page of 500, and an
// export of 100 days about 25 minutes (docs/PERFORMANCE.md, "History").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TransactionFilter } from '../../src/store/store.js';
import type { TestDatabase } from '../support/database.js';
import { fillTables, planOf, withFilledDatabase, type capturingQueries } from '../support/query-plans.js';

const SESSIONS = 20_000;
const T0 = Date.parse('2025-01-01T00:00:00.000Z');

/**
 * Sessions over about 200 days, two starting at the same instant, so that start times repeat;
 * their ids follow arrival, not start time: every 50th was sent from an offline backlog, 30 days
 * after it started.
 */
const startOf = (i: number) => {
  const minute = Math.floor(i / 2) * 28 - (i % 50 === 0 ? 43_200 : 0);
  return new Date(T0 + Math.max(0, minute) * 60_000).toISOString();
};

async function fill(database: TestDatabase): Promise<void> {
  await fillTables(database, ['transactions'], async (db) => {
    await sql`insert into charge_points (id, registration_status, created_at) values ('CP-1', 'Accepted', '2025-01-01T00:00:00.000Z')`.execute(db);
    for (let start = 0; start < SESSIONS; start += 1000) {
      const rows = Array.from({ length: 1000 }, (_, k) => start + k).map((i) => ({
        charge_point_id: 'CP-1',
        connector_id: 1,
        id_tag: `TAG-${i}`,
        id_tag_status: 'Accepted',
        started_at: startOf(i),
        stopped_at: startOf(i),
        meter_start_wh: i,
        energy_source: 'none',
      }));
      await db.insertInto('transactions').values(rows).execute();
    }
  });
}

/** The period the tests read: days 40 to 70. */
const from = new Date(T0 + 40 * 86_400_000).toISOString();
const to = new Date(T0 + 70 * 86_400_000).toISOString();

/** A migrated database filled with the sessions, and the store's queries on it with their statements captured. */
function withSessions(t: { skip(reason: string): void }, body: (database: TestDatabase, captured: ReturnType<typeof capturingQueries>) => Promise<void>) {
  return withFilledDatabase(t, fill, ({ database, ...captured }) => body(database, captured));
}

test('a period read by start-time cursor: every session once, in start order, each page from the start-time index', async (t) => {
  await withSessions(t, async (database, { queries, statements, db }) => {
    const expected = Array.from({ length: SESSIONS }, (_, i) => ({ i, at: startOf(i) }))
      .filter(({ at }) => at >= from && at < to)
      .map(({ i }) => i);
    const read: number[] = [];
    let afterStart: TransactionFilter['afterStart'] = { startedAt: '', id: 0 };
    for (;;) {
      const page = await queries.listTransactions({ from, to, afterStart, limit: 97 });
      read.push(...page.map((tx) => tx.meterStartWh));
      const last = page.at(-1);
      if (page.length < 97 || !last) break;
      afterStart = { startedAt: last.startedAt, id: last.id };
    }
    assert.ok(expected.length > 2_000, `${expected.length} sessions in the period`);
    // Start order, ties by id (arrival): the same order the expected list has, sorted likewise.
    const byStart = [...expected].sort((a, b) => (startOf(a) < startOf(b) ? -1 : startOf(a) > startOf(b) ? 1 : a - b));
    assert.equal(read.length, expected.length);
    assert.deepEqual(read, byStart);

    const plan = await planOf(db, database.kind, statements.at(-1)!);
    // Read in index order: no sort of what is left of the period at every page.
    assert.match(plan, /transactions_started_at/, plan);
    assert.doesNotMatch(plan, database.kind === 'sqlite' ? /TEMP B-TREE/ : /Sort|Seq Scan/, plan);
  });
});

test("a period's newest sessions: the latest started first, a page read from the end of the start-time index", async (t) => {
  await withSessions(t, async (database, { queries, statements, db }) => {
    // Latest start first, ties by the later id; the offline backlog's sessions sit where they started.
    const latestFirst = (a: number, b: number) => (startOf(a) < startOf(b) ? 1 : startOf(a) > startOf(b) ? -1 : b - a);
    const newestStarted = (start: string, end: string) =>
      Array.from({ length: SESSIONS }, (_, i) => i)
        .filter((i) => startOf(i) >= start && startOf(i) < end)
        .sort(latestFirst)
        .slice(0, 50);
    const newest = newestStarted(from, to);
    assert.ok(newest.some((i) => i % 50 === 0), 'a session sent late is among them');
    for (const period of [{ from, to }, { to }]) {
      const expected = period.from === undefined ? newestStarted('', to) : newest;
      statements.length = 0;
      const page = await queries.listTransactions({ ...period, limit: 50 });
      assert.deepEqual(page.map((tx) => tx.meterStartWh), expected, JSON.stringify(period));
      const plan = await planOf(db, database.kind, statements.at(-1)!);
      assert.match(plan, /transactions_started_at/, plan);
      assert.doesNotMatch(plan, database.kind === 'sqlite' ? /TEMP B-TREE/ : /Sort|Seq Scan/, plan);
    }
  });
});
