// The newest sessions of a period (GET /api/v1/transactions?from=&to=&limit=200, the dashboard's
// sessions page) on a SQLite file of a national network's pace: read by start time from the end
// of the start-time index (the store's query) against by id (the query before 2026-12-05, which
// read and sorted every session of the period for one page), in turns on the same file.
//
//   node --import tsx bench/period-newest.ts [--sessions 2500000] [--days 100] [--rounds 5]
//
// The sessions are written straight into the file (one every 100 days / sessions, 1 % of them sent
// from an offline backlog a day late, so ids and start times disagree). It prints the median time
// of each query for a month, a day and an hour. Bounded: a few minutes at the default size.
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { openStore } from '../src/store/open.js';
import { capturingQueries } from '../test/support/query-plans.js';
import { createTestDatabase } from '../test/support/database.js';
import { printTable, saveResult } from './lib/report.js';
import { writeSessions } from './lib/sessions-file.js';
import { timeInTurns } from './lib/turns.js';

const { values } = parseArgs({ options: { sessions: { type: 'string', default: '2500000' }, days: { type: 'string', default: '100' }, rounds: { type: 'string', default: '5' } } });
const sessions = Number(values.sessions);
const days = Number(values.days);
const rounds = Number(values.rounds);
const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const stepMs = (days * 86_400_000) / sessions;

const database = await createTestDatabase('sqlite');
try {
  await (await openStore(database.url)).close(); // migrated
  writeSessions(
    database.sqlitePath!,
    sessions,
    {
      idTag: `'TAG' || k`,
      startedAt: 'at',
      stoppedAt: 'at',
      from: `(SELECT k, strftime('%Y-%m-%dT%H:%M:%fZ', (? + k * ? - CASE WHEN k % 100 = 0 THEN 86400000 ELSE 0 END) / 1000.0, 'unixepoch') AS at FROM n)`,
      params: [T0, stepMs],
    },
    true,
  );

  const { queries, db } = capturingQueries(database);
  const middle = T0 + (days / 2) * 86_400_000;
  const periods = { month: 30 * 86_400_000, day: 86_400_000, hour: 3_600_000 };
  const results: Record<string, { byStartMs: number; byIdMs: number; rows: number }> = {};
  try {
    for (const [name, length] of Object.entries(periods)) {
      const from = new Date(middle).toISOString();
      const to = new Date(middle + length).toISOString();
      const timed = await timeInTurns(
        rounds,
        () => queries.listTransactions({ from, to, limit: 200 }),
        () => sql`select * from transactions where started_at >= ${from} and started_at < ${to} order by id desc limit 200`.execute(db),
      );
      results[name] = { byStartMs: timed.nowMs, byIdMs: timed.beforeMs, rows: timed.last.length };
    }
  } finally {
    await db.destroy();
  }
  printTable(
    `the newest 200 sessions of a period, ${sessions} sessions over ${days} days, SQLite, median of ${rounds}`,
    Object.entries(results).map(([period, r]) => ({ period, 'by start time (now) ms': r.byStartMs, 'by id (before) ms': r.byIdMs, ratio: Math.round((r.byIdMs / r.byStartMs) * 10) / 10 })),
  );
  saveResult('period-newest', { sessions, days, rounds, results });
} finally {
  await database.drop();
}
