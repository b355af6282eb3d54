// Migrations 0012 and 0014: the reads that scanned a network's whole history to find a few rows
// (events of one type; running sessions when few run; the sessions of one id tag) are answered
// from an index, on the store under test.
// The SQL is the one the store itself runs (captured from SqlQueries), and its plan is read from
// the database: SQLite as Tomada runs it (no ANALYZE statistics), PostgreSQL after ANALYZE, with
// enough rows that a scan of the table costs more than the index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestDatabase } from '../support/database.js';
import { fillTables, planOf, withFilledDatabase } from '../support/query-plans.js';

const EVENTS = 20_000;
const TRANSACTIONS = 20_000;

const TAGS = 2_000;

/**
 * A history: many events of common types and a few of a rare one; many stopped sessions and a
 * few running, the oldest of them at the very start of the history; each id tag's sessions
 * spread over all of it.
 */
async function fillHistory(database: TestDatabase): Promise<void> {
  await fillTables(database, ['events', 'transactions'], async (db) => {
    await sql`insert into charge_points (id, registration_status, created_at) values ('CP-1', 'Accepted', '2025-01-01T00:00:00.000Z')`.execute(db);
    await sql`insert into events (at, charge_point_id, type, data)
      with recursive s(i) as (select 1 union all select i + 1 from s where i < ${sql.lit(EVENTS)})
      select '2025-01-01T00:00:00.000Z', 'CP-1', case when i % 1000 = 0 then 'rare' when i % 2 = 0 then 'firmwareChanged' else 'ocppVersionMismatch' end, '{}' from s`.execute(db);
    await sql`insert into transactions (charge_point_id, connector_id, id_tag, id_tag_status, started_at, stopped_at, meter_start_wh, energy_source)
      with recursive s(i) as (select 1 union all select i + 1 from s where i < ${sql.lit(TRANSACTIONS)})
      select 'CP-1', 1, 'TAG-' || (i % ${sql.lit(TAGS)}), 'Accepted', '2025-01-01T00:00:00.000Z',
        case when i % 5000 = 1 then null else '2025-01-01T01:00:00.000Z' end, i, 'none' from s`.execute(db);
  });
}

test('events of one type, running sessions and the sessions of one id tag are read from an index, not from the whole history', async (t) => {
  await withFilledDatabase(t, fillHistory, async ({ database, queries, statements, db }) => {
    const rare = await queries.listEvents({ type: 'rare', limit: 200 });
    assert.deepEqual(rare.map((e) => e.type), Array(EVENTS / 1000).fill('rare'));
    assert.ok(rare.every((e, i) => i === 0 || e.id < rare[i - 1]!.id), 'newest first');
    assert.match(await planOf(db, database.kind, statements.at(-1)!), /events_type/);

    statements.length = 0;
    const running = await queries.listTransactions({ active: true, limit: 200 });
    assert.deepEqual(running.map((tx) => tx.meterStartWh), [15001, 10001, 5001, 1], 'every running session, newest first');
    assert.match(await planOf(db, database.kind, statements.at(-1)!), /transactions_running\b/);

    statements.length = 0;
    const tagged = await queries.listTransactions({ idTag: 'tag-7', limit: 200 });
    const expected = Array.from({ length: TRANSACTIONS / TAGS }, (_, k) => TRANSACTIONS - TAGS + 7 - k * TAGS);
    assert.deepEqual(tagged.map((tx) => tx.meterStartWh), expected, 'every session of TAG-7, asked in lower case, newest first');
    const plan = await planOf(db, database.kind, statements.at(-1)!);
    assert.match(plan, /transactions_by_id_tag/, plan);
    // PostgreSQL may fetch the tag's rows by bitmap and sort them: that sorts one tag's sessions.
    assert.doesNotMatch(plan, database.kind === 'sqlite' ? /TEMP B-TREE/ : /Seq Scan/, plan);

    // StartTransaction's check for a running session of the same tag stays on the index of
    // running sessions only, beside the new one.
    statements.length = 0;
    assert.deepEqual((await queries.listTransactions({ active: true, idTag: 'tag-1' })).map((tx) => tx.meterStartWh), [10001, 1]);
    assert.match(await planOf(db, database.kind, statements.at(-1)!), /transactions_running_id_tag/);
  });
});
