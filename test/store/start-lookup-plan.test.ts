// A StartTransaction looks up the session it may have started already (a resend), comparing the id
// tag in any case (OCPP's IdToken is case-insensitive). That comparison must not lead the planner to
// the tag's index: a charger's fixed tag for free charging has thousands of sessions, all read on
// every start. The lookup reads the few sessions of that instant instead, on either store.
// The SQL is the one the store runs (captured from SqlQueries); SQLite plans as Tomada runs it (no
// ANALYZE statistics), PostgreSQL after ANALYZE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestDatabase } from '../support/database.js';
import { fillTables, planOf, withFilledDatabase } from '../support/query-plans.js';

const SESSIONS = 20_000;

/** Sessions of one connector, each at its own time, half of them under the free-charging tag FREE. */
async function fillHistory(database: TestDatabase): Promise<void> {
  await fillTables(database, ['transactions'], async (db) => {
    await sql`insert into charge_points (id, registration_status, created_at) values ('CP-1', 'Accepted', '2025-01-01T00:00:00.000Z')`.execute(db);
    await sql`insert into transactions (charge_point_id, connector_id, id_tag, id_tag_status, started_at, stopped_at, meter_start_wh, energy_source)
      with recursive s(i) as (select 1 union all select i + 1 from s where i < ${sql.lit(SESSIONS)})
      select 'CP-1', 1, case when i % 2 = 0 then 'FREE' else 'TAG-' || i end, 'Accepted', '2025-01-01T00:00:00.000Z-' || i, null, i, 'none' from s`.execute(db);
  });
}

test("a resent StartTransaction is looked up by its start time, not through its tag's sessions, and found in any case", async (t) => {
  await withFilledDatabase(t, fillHistory, async ({ database, queries, statements, db }) => {
    const found = await queries.findTransactionByStart('CP-1', 1, 'free', '2025-01-01T00:00:00.000Z-500', 500);
    assert.equal(found?.idTag, 'FREE');
    const plan = await planOf(db, database.kind, statements.at(-1)!);
    assert.match(plan, /transactions_started_at/);
    assert.doesNotMatch(plan, /transactions_by_id_tag/);
  });
});
