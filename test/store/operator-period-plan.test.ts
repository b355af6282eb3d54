// An operator's sessions by start time (GET /transactions?operator=&from=&to=, an operator's own
// token's period, every page of its export): for an operator holding most of the network, read from
// the start-time index, stopping at a full page. SQLite gathered every session the operator ever
// had, by charge point, and sorted them for each page, whatever the period: 4 to 5.5 s per page
// with a million sessions, the node's event loop held throughout. The answers are checked against
// the same order computed here, ties on the start time included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Transaction } from '../../src/domain/model.js';
import type { TestDatabase } from '../support/database.js';
import { fillTables, planOf, withFilledDatabase } from '../support/query-plans.js';

const SESSIONS = 20_000;
const CHARGE_POINTS = 100;
/** BIG holds CP-0 … CP-79, SMALL CP-80; the rest are the network's own. */
const holder = (cp: number) => (cp < 80 ? 'BIG' : cp === 80 ? 'SMALL' : null);
const T0 = Date.parse('2025-01-01T00:00:00.000Z');

/** Session i (its meterStart): on CP-(7i mod 100), started at minute ⌊((7,919 i) mod 20,000) / 2⌋, so ids and start times disagree and starts come in ties of two. */
const chargePointOf = (i: number) => (7 * i) % CHARGE_POINTS;
const startOf = (i: number) => new Date(T0 + Math.floor(((7919 * i) % SESSIONS) / 2) * 60_000).toISOString();

async function fill(database: TestDatabase): Promise<void> {
  await fillTables(database, ['operators', 'charge_points', 'transactions'], async (db) => {
    for (const id of ['BIG', 'SMALL']) await sql`insert into operators (id, name, kind, created_at) values (${id}, ${id}, 'OPC', '2025-01-01T00:00:00.000Z')`.execute(db);
    for (let cp = 0; cp < CHARGE_POINTS; cp++) {
      await sql`insert into charge_points (id, registration_status, created_at, operator) values (${`CP-${cp}`}, 'Accepted', '2025-01-01T00:00:00.000Z', ${holder(cp)})`.execute(db);
    }
    const rows = Array.from({ length: SESSIONS }, (_, k) => k + 1);
    for (let from = 0; from < rows.length; from += 1000) {
      const values = rows.slice(from, from + 1000).map((i) => sql`(${`CP-${chargePointOf(i)}`}, 1, 'TAG', 'Accepted', ${startOf(i)}, ${startOf(i)}, ${i}, 'none')`);
      await sql`insert into transactions (charge_point_id, connector_id, id_tag, id_tag_status, started_at, stopped_at, meter_start_wh, energy_source) values ${sql.join(values)}`.execute(db);
    }
  });
}

/** The operator's sessions started in [from, to), oldest first by start then id (ids are the meterStart here). */
function expected(operator: string, from: string, to: string): number[] {
  const all = Array.from({ length: SESSIONS }, (_, k) => k + 1).filter((i) => holder(chargePointOf(i)) === operator && startOf(i) >= from && startOf(i) < to);
  return all.sort((a, b) => (startOf(a) < startOf(b) ? -1 : startOf(a) > startOf(b) ? 1 : a - b));
}

const meterStarts = (page: Transaction[]) => page.map((tx) => tx.meterStartWh);

test("an operator holding most of the network reads its period's sessions from the start-time index", async (t) => {
  await withFilledDatabase(t, fill, async ({ database, queries, statements, db }) => {
    const from = new Date(T0 + 2000 * 60_000).toISOString();
    const to = new Date(Date.parse(from) + 2000 * 60_000).toISOString();
    const big = expected('BIG', from, to);
    assert.ok(big.length > 1000, 'the period holds pages of BIG');

    // The newest of the period, as the dashboard and `tomada sessions list --from --to` read it.
    statements.length = 0;
    const newest = await queries.listTransactions({ operator: 'BIG', from, to, limit: 50 });
    assert.deepEqual(meterStarts(newest), big.slice(-50).reverse());
    const plan = await planOf(db, database.kind, statements.at(-1)!);
    assert.match(plan, /transactions_started_at/, plan);
    if (database.kind === 'sqlite') assert.doesNotMatch(plan, /TEMP B-TREE/, plan);

    // An export's walk: pages of the period from its start, by start time then id.
    const walked: number[] = [];
    let afterStart = { startedAt: '', id: 0 };
    for (;;) {
      statements.length = 0;
      const page = await queries.listTransactions({ operator: 'BIG', from, to, afterStart, limit: 500 });
      walked.push(...meterStarts(page));
      const pagePlan = await planOf(db, database.kind, statements.at(-1)!);
      assert.match(pagePlan, /transactions_started_at/, pagePlan);
      if (database.kind === 'sqlite') assert.doesNotMatch(pagePlan, /TEMP B-TREE/, pagePlan);
      if (page.length < 500) break;
      afterStart = { startedAt: page.at(-1)!.startedAt, id: page.at(-1)!.id };
    }
    assert.deepEqual(walked, big, "every one of BIG's sessions of the period, once, in order");

    // An operator of one charge point keeps gathering its few sessions: the same answers.
    const small = expected('SMALL', from, to);
    assert.deepEqual(meterStarts(await queries.listTransactions({ operator: 'SMALL', from, to, limit: 50 })), small.slice(-50).reverse());
    assert.deepEqual(meterStarts(await queries.listTransactions({ operator: 'SMALL', from, to, afterStart: { startedAt: '', id: 0 }, limit: 500 })), small);
  });
});
