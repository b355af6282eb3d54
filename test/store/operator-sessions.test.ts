// A page of one operator's sessions by id (GET /transactions?operator=, and every list an
// operator's own token makes), on the store under test. The store picks how to read it from the
// operator's share of the charge points: a large operator's sessions are read newest first until
// the page is full, a small one's are gathered by charge point and sorted. Each store's planner
// had picked one way for every operator, and the other end grew with the history. Here: the page
// is the same whichever way it is read, in order, across pages, and each way has the plan it is
// for (SQLite as Tomada runs it, without statistics; PostgreSQL after ANALYZE).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestDatabase } from '../support/database.js';
import { fillTables, planOf, withFilledDatabase } from '../support/query-plans.js';

const CHARGE_POINTS = 200;
const SESSIONS = 20_000;
/** BIG holds charge points 0-149 (75 %), SMALL 150-151 (1 %); the rest belong to no operator. */
const operatorOf = (cp: number) => (cp < 150 ? 'BIG' : cp < 152 ? 'SMALL' : undefined);
/** Session i (its id, and its meterStart) is on charge point (i × 7919) mod 200: every operator's sessions spread over the whole history. */
const chargePointOf = (i: number) => (i * 7919) % CHARGE_POINTS;
/** Every 7th session is still running. */
const running = (i: number) => i % 7 === 0;

async function fillNetwork(database: TestDatabase): Promise<void> {
  await fillTables(database, ['charge_points', 'transactions'], async (db) => {
    await sql`insert into operators (id, name, kind, created_at) values ('BIG', 'Big', 'OPC', '2025-01-01T00:00:00.000Z'), ('SMALL', 'Small', 'OPC', '2025-01-01T00:00:00.000Z')`.execute(db);
    await sql`insert into charge_points (id, registration_status, created_at, operator)
      with recursive c(k) as (select 0 union all select k + 1 from c where k < ${sql.lit(CHARGE_POINTS - 1)})
      select 'CP-' || k, 'Accepted', '2025-01-01T00:00:00.000Z', case when k < 150 then 'BIG' when k < 152 then 'SMALL' else null end from c`.execute(db);
    await sql`insert into transactions (charge_point_id, connector_id, id_tag, id_tag_status, started_at, stopped_at, meter_start_wh, energy_source)
      with recursive s(i) as (select 1 union all select i + 1 from s where i < ${sql.lit(SESSIONS)})
      select 'CP-' || ((i * 7919) % ${sql.lit(CHARGE_POINTS)}), 1, 'TAG', 'Accepted', '2025-01-01T00:00:00.000Z',
        case when i % 7 = 0 then null else '2025-01-01T01:00:00.000Z' end, i, 'none' from s`.execute(db);
  });
}

/** The operator's sessions (by their number, which is their id), filtered, in id order. */
function sessionsOf(operator: string, keep: (i: number) => boolean = () => true): number[] {
  return Array.from({ length: SESSIONS }, (_, k) => k + 1).filter((i) => operatorOf(chargePointOf(i)) === operator && keep(i));
}

test("an operator's sessions by id: the newest page and the next pages are the same whichever way the store reads them, and each way has its plan", async (t) => {
  await withFilledDatabase(t, fillNetwork, async ({ database, queries, statements, db }) => {
    // BIG: 0.75² × 20,000 sessions > a page of 50, so walk; SMALL: 0.01² × 20,000 < 50, so gather.
    for (const [operator, read] of [['BIG', 'walk'], ['SMALL', 'gather']] as const) {
      statements.length = 0;
      const newest = await queries.listTransactions({ operator, limit: 50 });
      assert.deepEqual(newest.map((tx) => tx.meterStartWh), sessionsOf(operator).reverse().slice(0, 50), `${operator}: its newest 50, newest first`);
      const listed = statements.at(-1)!;
      assert.match(listed.sql, read === 'walk' ? /\|\| ''/ : /\+ 0/, `${operator} is read by ${read}: ${listed.sql}`);
      const plan = await planOf(db, database.kind, listed);
      if (read === 'walk') {
        // Newest first along the ids, stopping at the page: nothing gathered and sorted.
        assert.doesNotMatch(plan, database.kind === 'sqlite' ? /TEMP B-TREE/ : /Sort/, plan);
      } else {
        // Found by charge point: the ids are not walked (PostgreSQL's plan before was a backward scan of the primary key).
        assert.match(plan, database.kind === 'sqlite' ? /SEARCH transactions USING (COVERING )?INDEX/ : /Index Scan using transactions_(active|start_key)|Bitmap/, plan);
        assert.doesNotMatch(plan, /transactions_pkey/, plan);
      }

      // Page by page after a cursor, oldest first, as the CLI and the export read.
      const all = sessionsOf(operator);
      const pages: number[] = [];
      let afterId = 0;
      for (;;) {
        const page = await queries.listTransactions({ operator, afterId, limit: 97 });
        if (page.length === 0) break;
        pages.push(...page.map((tx) => tx.meterStartWh));
        afterId = page.at(-1)!.id;
      }
      assert.deepEqual(pages, all, `${operator}: every session once, in id order, across pages`);

      // Only the stopped ones: the same read, filtered.
      const stopped = await queries.listTransactions({ operator, active: false, limit: 20 });
      assert.deepEqual(stopped.map((tx) => tx.meterStartWh), sessionsOf(operator, (i) => !running(i)).reverse().slice(0, 20));
    }

    // An operator with no charge point, and one that does not exist: nothing, at once.
    assert.deepEqual(await queries.listTransactions({ operator: 'NOBODY', limit: 50 }), []);
  });
});
