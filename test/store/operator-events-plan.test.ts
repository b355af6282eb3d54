// An operator's events (GET /events with its token: the dashboard's Events page, a client following
// afterId): for an operator holding most of the network, read by id, stopping at a full page.
// SQLite gathered every event of the operator's charge points and sorted them for each page: 369 ms
// for an operator of 8,000 of 13,000 charge points among 1 million events, growing with the history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestDatabase } from '../support/database.js';
import { fillTables, planOf, withFilledDatabase } from '../support/query-plans.js';

const EVENTS = 20_000;
const CHARGE_POINTS = 100;
/** BIG holds CP-0 … CP-79, SMALL CP-80; the rest are the network's own. */
const holder = (cp: number) => (cp < 80 ? 'BIG' : cp === 80 ? 'SMALL' : null);
/** Event i (its id) is CP-(7i mod 100)'s. */
const chargePointOf = (i: number) => (7 * i) % CHARGE_POINTS;

async function fill(database: TestDatabase): Promise<void> {
  await fillTables(database, ['operators', 'charge_points', 'events'], async (db) => {
    for (const id of ['BIG', 'SMALL']) await sql`insert into operators (id, name, kind, created_at) values (${id}, ${id}, 'OPC', '2025-01-01T00:00:00.000Z')`.execute(db);
    for (let cp = 0; cp < CHARGE_POINTS; cp++) {
      await sql`insert into charge_points (id, registration_status, created_at, operator) values (${`CP-${cp}`}, 'Accepted', '2025-01-01T00:00:00.000Z', ${holder(cp)})`.execute(db);
    }
    await sql`insert into events (at, charge_point_id, type, data)
      with recursive s(i) as (select 1 union all select i + 1 from s where i < ${sql.lit(EVENTS)})
      select '2025-01-01T00:00:00.000Z', 'CP-' || ((7 * i) % ${sql.lit(CHARGE_POINTS)}), 'firmwareChanged', '{}' from s`.execute(db);
  });
}

const held = (operator: string) => Array.from({ length: EVENTS }, (_, k) => k + 1).filter((i) => holder(chargePointOf(i)) === operator);

test('an operator holding most of the network reads its events by id, not every one of them sorted', async (t) => {
  await withFilledDatabase(t, fill, async ({ database, queries, statements, db }) => {
    const big = held('BIG');
    statements.length = 0;
    const newest = await queries.listEvents({ operator: 'BIG', limit: 100 });
    assert.deepEqual(newest.map((e) => e.id), big.slice(-100).reverse());
    const plan = await planOf(db, database.kind, statements.at(-1)!);
    if (database.kind === 'sqlite') assert.doesNotMatch(plan, /events_cp|TEMP B-TREE/, plan);
    else assert.doesNotMatch(plan, /Sort/, plan);

    // Following the events from the first: every one of BIG's, once, in order.
    const followed: number[] = [];
    for (let afterId = 0; ; ) {
      const page = await queries.listEvents({ operator: 'BIG', afterId, limit: 1000 });
      followed.push(...page.map((e) => e.id));
      if (page.length < 1000) break;
      afterId = page.at(-1)!.id;
    }
    assert.deepEqual(followed, big);

    // An operator of one charge point keeps gathering its few events: the same answers.
    assert.deepEqual((await queries.listEvents({ operator: 'SMALL', limit: 100 })).map((e) => e.id), held('SMALL').slice(-100).reverse());
    assert.deepEqual((await queries.listEvents({ operator: 'SMALL', afterId: 0, limit: 1000 })).map((e) => e.id), held('SMALL'));
  });
});
