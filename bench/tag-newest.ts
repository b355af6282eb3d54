// The newest sessions of one id tag (GET /api/v1/transactions?idTag=TAG&limit=200: an operator
// answering for a driver's card) on a SQLite file of a national network's pace: the store's query,
// read from the by-tag index (migration 0014), against the same query with no index allowed (the
// plan before it: every session, newest first, until the page is full), in turns on the same file.
//
//   node --import tsx bench/tag-newest.ts [--sessions 2500000] [--tags 50000] [--rounds 5]
//
// The sessions are written straight into a file migrated up to 0013, each tag's spread over the
// whole history; then the store opens it and applies 0014, timed (it builds the index). It prints
// that time, and the median time of the read for a tag with sessions and for a tag with none (the
// read the old plan paid most for). Bounded: a few minutes at the default size.
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { openStore } from '../src/store/open.js';
import { capturingQueries } from '../test/support/query-plans.js';
import { createTestDatabase, migratedTo } from '../test/support/database.js';
import { printTable, saveResult } from './lib/report.js';
import { writeSessions } from './lib/sessions-file.js';
import { timeInTurns } from './lib/turns.js';

const { values } = parseArgs({ options: { sessions: { type: 'string', default: '2500000' }, tags: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '5' } } });
const sessions = Number(values.sessions);
const tags = Number(values.tags);
const rounds = Number(values.rounds);

const database = await createTestDatabase('sqlite');
try {
  await (await migratedTo(database, '0013_transactions_by_start')).destroy();
  writeSessions(database.sqlitePath!, sessions, {
    idTag: `'TAG' || (k % CAST(? AS INTEGER))`,
    startedAt: `'2025-01-01T00:00:00.000Z'`,
    stoppedAt: `'2025-01-01T01:00:00.000Z'`,
    params: [tags],
  });
  const migrating = performance.now();
  await (await openStore(database.url)).close(); // applies 0014
  const migrationMs = Math.round(performance.now() - migrating);
  console.log(`0014_transactions_by_id_tag on ${sessions} sessions: ${migrationMs} ms (the store's open included)`);

  const { queries, db } = capturingQueries(database);
  const cases = { 'a tag with sessions': 'tag7', 'a tag with none': 'NO-SUCH-TAG' };
  const results: Record<string, { indexedMs: number; scanMs: number; rows: number }> = {};
  try {
    for (const [name, idTag] of Object.entries(cases)) {
      const timed = await timeInTurns(
        rounds,
        () => queries.listTransactions({ idTag, limit: 200 }),
        () => sql`select * from transactions not indexed where upper(id_tag) = ${idTag.toUpperCase()} order by id desc limit 200`.execute(db),
      );
      results[name] = { indexedMs: timed.nowMs, scanMs: timed.beforeMs, rows: timed.last.length };
    }
  } finally {
    await db.destroy();
  }
  printTable(
    `the newest 200 sessions of one id tag, ${sessions} sessions of ${tags} tags, SQLite, median of ${rounds}`,
    Object.entries(results).map(([tag, r]) => ({ tag, rows: r.rows, 'by-tag index (now) ms': r.indexedMs, 'no index (before) ms': r.scanMs, ratio: Math.round((r.scanMs / r.indexedMs) * 10) / 10 })),
  );
  saveResult('tag-newest', { sessions, tags, rounds, migrationMs, results });
} finally {
  await database.drop();
}
