// Migration 0017 and the store's read of a charge point's readings outside sessions: a page is a
// range of the partial index meter_samples_sessionless (charge point, time, id; samples without a
// transaction only), never a scan of the samples table, which on a national network holds many
// times more session readings than these. Checked on the store under test with the SQL the store
// itself runs (captured from SqlQueries) and the plan the database makes of it (PostgreSQL after
// ANALYZE), and the page's order, filters and cursor with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { TestDatabase } from '../support/database.js';
import { fillTables, planOf, withFilledDatabase } from '../support/query-plans.js';

const SESSION_SAMPLES = 20_000;
const SESSIONLESS = 300;

/** Minute `i` of a day, as the samples' times are kept. */
const at = (i: number) => new Date(Date.UTC(2026, 11, 6) + i * 60_000).toISOString();

/**
 * Many session readings of CP-1 and, among them, CP-1's and CP-2's readings outside sessions, on
 * connectors 0 and 1, arriving newest first (a backlog), so that time order and id order differ.
 */
async function fill(database: TestDatabase): Promise<void> {
  await fillTables(database, ['meter_samples'], async (db) => {
    await sql`insert into meter_samples (charge_point_id, connector_id, transaction_id, timestamp, value, measurand, unit, context, format, location, dedupe_key)
      with recursive s(i) as (select 1 union all select i + 1 from s where i < ${sql.lit(SESSION_SAMPLES)})
      select 'CP-1', 1, 1 + i / 100, '2026-12-06T00:00:00.000Z', '' || i, 'Energy.Active.Import.Register', 'Wh', 'Sample.Periodic', 'Raw', 'Outlet', 'session-' || i from s`.execute(db);
    for (const cp of ['CP-1', 'CP-2']) {
      const rows = Array.from({ length: SESSIONLESS }, (_, k) => SESSIONLESS - 1 - k).map((i) => ({
        charge_point_id: cp,
        connector_id: i % 2,
        transaction_id: null,
        timestamp: at(Math.floor(i / 3)),
        value: `${cp}:${i}`,
        measurand: i % 3 === 0 ? 'Voltage' : 'Energy.Active.Import.Register',
        unit: 'Wh',
        context: 'Sample.Clock',
        format: 'Raw',
        location: 'Inlet',
        phase: null,
        dedupe_key: `${cp}-${i}`,
      }));
      await db.insertInto('meter_samples' as never).values(rows as never).execute();
    }
  });
}

test("a charge point's readings outside sessions are read a page at a time from the partial index, oldest or newest first", async (t) => {
  await withFilledDatabase(t, fill, async ({ database, queries, statements, db }) => {
    const all = await queries.listSessionlessSamples('CP-1', { limit: 1000 });
    assert.equal(all.length, SESSIONLESS, 'every reading outside a session, none of a session, none of CP-2');
    assert.ok(all.every((s) => s.chargePointId === 'CP-1' && s.transactionId === null));
    const byTimeThenArrival = [...all].sort((x, y) => (x.timestamp < y.timestamp ? -1 : x.timestamp > y.timestamp ? 1 : x.id - y.id));
    assert.deepEqual(all, byTimeThenArrival, 'by time, then arrival');
    assert.notDeepEqual(all, [...all].sort((x, y) => x.id - y.id), 'which is not the order of arrival alone');
    // A full page: a range of the index, no sort of the rows found, no scan of the table.
    statements.length = 0;
    const first = await queries.listSessionlessSamples('CP-1', { limit: 50 });
    assert.deepEqual(first, all.slice(0, 50));
    const plan = await planOf(db, database.kind, statements.at(-1)!);
    assert.match(plan, /meter_samples_sessionless/, plan);
    assert.doesNotMatch(plan, database.kind === 'sqlite' ? /TEMP B-TREE/ : /Seq Scan|Sort/, plan);

    // The next page after a cursor, and with a period: still the index, same rows as filtered.
    const cursor = all[49]!;
    statements.length = 0;
    assert.deepEqual(await queries.listSessionlessSamples('CP-1', { after: { timestamp: cursor.timestamp, id: cursor.id }, limit: 50 }), all.slice(50, 100));
    const next = await planOf(db, database.kind, statements.at(-1)!);
    assert.match(next, /meter_samples_sessionless/, next);
    assert.doesNotMatch(next, database.kind === 'sqlite' ? /TEMP B-TREE/ : /Seq Scan|Sort/, next);
    const from = at(40);
    const to = at(60);
    const inPeriod = all.filter((s) => s.timestamp >= from && s.timestamp < to);
    assert.deepEqual(await queries.listSessionlessSamples('CP-1', { from, to, limit: 1000 }), inPeriod);
    // A cursor before the period's start stands for the start; one inside it goes on from itself.
    assert.deepEqual(await queries.listSessionlessSamples('CP-1', { from, to, after: { timestamp: cursor.timestamp, id: cursor.id }, limit: 1000 }), inPeriod);
    assert.deepEqual(await queries.listSessionlessSamples('CP-1', { from, to, after: { timestamp: inPeriod[4]!.timestamp, id: inPeriod[4]!.id }, limit: 1000 }), inPeriod.slice(5));
    assert.deepEqual(
      await queries.listSessionlessSamples('CP-1', { connectorId: 0, measurand: 'Voltage', limit: 1000 }),
      all.filter((s) => s.connectorId === 0 && s.measurand === 'Voltage'),
    );
    assert.deepEqual(await queries.listSessionlessSamples('NOBODY', { limit: 10 }), []);

    // Newest first: the same rows reversed, the index read backwards (no sort), paged by the
    // cursor, and with a period whose end the cursor stands for or goes on from.
    const newest = [...all].reverse();
    statements.length = 0;
    assert.deepEqual(await queries.listSessionlessSamples('CP-1', { newestFirst: true, limit: 50 }), newest.slice(0, 50));
    const backwards = await planOf(db, database.kind, statements.at(-1)!);
    assert.match(backwards, /meter_samples_sessionless/, backwards);
    assert.doesNotMatch(backwards, database.kind === 'sqlite' ? /TEMP B-TREE/ : /Seq Scan|Sort/, backwards);
    const latest = newest[49]!;
    statements.length = 0;
    assert.deepEqual(await queries.listSessionlessSamples('CP-1', { newestFirst: true, after: { timestamp: latest.timestamp, id: latest.id }, limit: 50 }), newest.slice(50, 100));
    const backwardsNext = await planOf(db, database.kind, statements.at(-1)!);
    assert.match(backwardsNext, /meter_samples_sessionless/, backwardsNext);
    assert.doesNotMatch(backwardsNext, database.kind === 'sqlite' ? /TEMP B-TREE/ : /Seq Scan|Sort/, backwardsNext);
    const newestInPeriod = [...inPeriod].reverse();
    assert.deepEqual(await queries.listSessionlessSamples('CP-1', { from, to, newestFirst: true, limit: 1000 }), newestInPeriod);
    assert.deepEqual(await queries.listSessionlessSamples('CP-1', { from, to, newestFirst: true, after: { timestamp: latest.timestamp, id: latest.id }, limit: 1000 }), newestInPeriod);
    const inside = newestInPeriod[4]!;
    assert.deepEqual(await queries.listSessionlessSamples('CP-1', { from, to, newestFirst: true, after: { timestamp: inside.timestamp, id: inside.id }, limit: 1000 }), newestInPeriod.slice(5));

    // getSample: the cursor's own reading, whatever it belongs to.
    assert.deepEqual(await queries.getSample(cursor.id), cursor);
    assert.equal((await queries.getSample(1))?.transactionId, 1, 'a session reading is read as stored too');
    assert.equal(await queries.getSample(10_000_000), undefined);
  });
});
