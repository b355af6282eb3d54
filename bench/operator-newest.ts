// The newest page of one operator's sessions (GET /api/v1/transactions?operator=OP&limit=50, and
// every list an operator's own token makes) on a network of 13,000 charge points and millions of
// sessions: the store's read (walk or gather, chosen by the operator's share of the charge points)
// against the read before it (one statement, its plan left to the store's planner), in turns on
// the same data, for operators from most of the network down to one idle charge point.
//
//   node --import tsx bench/operator-newest.ts [--sessions 2500000] [--rounds 5] [--postgres]
//
// The network is written straight into a migrated store (SQLite file, or a fresh PostgreSQL schema
// of the test database, analysed), every operator's sessions spread over the whole history.
// Bounded: about a minute to write 2.5 million sessions, then seconds.
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { openStore } from '../src/store/open.js';
import { capturingQueries } from '../test/support/query-plans.js';
import { createTestDatabase } from '../test/support/database.js';
import { printTable, saveResult } from './lib/report.js';
import { timeInTurns } from './lib/turns.js';

const { values } = parseArgs({ options: { sessions: { type: 'string', default: '2500000' }, rounds: { type: 'string', default: '5' }, postgres: { type: 'boolean', default: false } } });
const sessions = Number(values.sessions);
const rounds = Number(values.rounds);
const kind = values.postgres ? 'postgres' : 'sqlite';
const CHARGE_POINTS = 13_000;
/** Operators by the charge points they hold: numbers from - to (the last one, IDLE's, has no session). */
const OPERATORS = { BIG: [0, 7999], MID: [8000, 12899], SMALL: [12900, 12989], TINY: [12990, 12998], IDLE: [12999, 12999] } as const;
const LIMIT = 50;

const database = await createTestDatabase(kind);
try {
  await (await openStore(database.url)).close(); // migrated
  const { queries, db } = capturingQueries(database);
  try {
    const at = '2025-01-01T00:00:00.000Z';
    const writing = performance.now();
    for (const id of Object.keys(OPERATORS)) await sql`insert into operators (id, name, kind, created_at) values (${id}, ${id}, 'OPC', ${at})`.execute(db);
    const operatorCase = sql.raw(`case ${Object.entries(OPERATORS).map(([id, [, last]]) => `when k <= ${last} then '${id}'`).join(' ')} end`);
    await sql`insert into charge_points (id, registration_status, created_at, operator)
      with recursive n(k) as (select 0 union all select k + 1 from n where k < ${sql.lit(CHARGE_POINTS - 1)})
      select 'CP' || k, 'Accepted', ${at}, ${operatorCase} from n`.execute(db);
    // Session k on charge point (k × 7919) mod 12,999: every charge point but the last, spread over the history.
    await sql`insert into transactions (charge_point_id, connector_id, id_tag, id_tag_status, started_at, stopped_at, meter_start_wh, energy_source)
      with recursive n(k) as (select 0 union all select k + 1 from n where k < ${sql.lit(sessions - 1)})
      select 'CP' || ((cast(k as bigint) * 7919) % ${sql.lit(CHARGE_POINTS - 1)}), 1, 'TAG', 'Accepted', ${at}, ${at}, k, 'none' from n`.execute(db);
    if (kind === 'postgres') await sql`analyze`.execute(db);
    const writeMs = Math.round(performance.now() - writing);
    console.log(`${CHARGE_POINTS} charge points and ${sessions} sessions written into ${kind} in ${writeMs} ms`);

    const results: Record<string, { chargePoints: number; nowMs: number; beforeMs: number; rows: number }> = {};
    for (const [operator, [first, last]] of Object.entries(OPERATORS)) {
      const timed = await timeInTurns(
        rounds,
        () => queries.listTransactions({ operator, limit: LIMIT }),
        () =>
          db
            .selectFrom('transactions')
            .selectAll()
            .where('charge_point_id', 'in', db.selectFrom('charge_points').select('id').where('operator', '=', operator))
            .orderBy('id', 'desc')
            .limit(LIMIT)
            .execute(),
      );
      results[operator] = { chargePoints: last - first + 1, nowMs: timed.nowMs, beforeMs: timed.beforeMs, rows: timed.last.length };
    }
    printTable(
      `the newest ${LIMIT} sessions of one operator, ${CHARGE_POINTS} charge points, ${sessions} sessions, ${kind}, median of ${rounds}`,
      Object.entries(results).map(([operator, r]) => ({
        operator,
        'charge points': r.chargePoints,
        rows: r.rows,
        'now ms': r.nowMs,
        'before ms': r.beforeMs,
        ratio: Math.round((r.beforeMs / r.nowMs) * 10) / 10,
      })),
    );
    saveResult(`operator-newest-${kind}`, { sessions, chargePoints: CHARGE_POINTS, rounds, limit: LIMIT, writeMs, results });
  } finally {
    await db.destroy();
  }
} finally {
  await database.drop();
}
