// What a LIMIT bound as a parameter costs SQLite against one written in the statement's text, in
// the same process, on the status history's table and index as migration 0001 makes them: the history's
// resend check (SqlQueries.recordStatusHistory) reads the connector's latest row, and with
// `LIMIT ?` it made a StatusNotification's unit three times as costly (docs/PERFORMANCE-LOG.md,
// "A bound LIMIT").
//
//   node --import tsx bench/bound-limit.ts [--rows 20000] [--rounds 5]
//
// Each round inserts one report per charge point with each statement, in one transaction, and
// prints the CPU per row; the ratios are against the plain INSERT of the same round.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' } } });
const rows = Number(values.rows);
const rounds = Number(values.rounds);

const COLUMNS = 'charge_point_id, connector_id, status, error_code, info, vendor_id, vendor_error_code, reported_at, received_at';
/** The resend check as recordStatusHistory words it, with the latest row's LIMIT given as `limit`. */
const checked = (limit: string) =>
  `insert into connector_status_history (${COLUMNS}) select ?, ?, ?, ?, ?, ?, ?, ?, ? where not exists (` +
  `select 1 from (select status, error_code, info, vendor_id, vendor_error_code, reported_at from connector_status_history ` +
  `where charge_point_id = ? and connector_id = ? order by id desc limit ${limit}) as latest ` +
  `where latest.reported_at = ? and latest.status = ? and latest.error_code = ? and latest.info is ? and latest.vendor_id is ? and latest.vendor_error_code is ?)`;

const dir = mkdtempSync(join(tmpdir(), 'tomada-bound-limit-'));
const db = new BetterSqlite3(join(dir, 'history.db'));
try {
  db.pragma('journal_mode = WAL');
  db.exec(`create table connector_status_history (id integer primary key autoincrement, charge_point_id text not null, connector_id integer not null,
    status text not null, error_code text not null, info text, vendor_id text, vendor_error_code text, reported_at text, received_at text not null);
    create index connector_status_history_cp on connector_status_history (charge_point_id, connector_id, id);`);
  const ids = Array.from({ length: rows }, (_, i) => `STORM-${String(i).padStart(6, '0')}`);
  const report = (id: string, at: string) => [id, 1, 'Available', 'NoError', null, null, null, at, at];
  const check = (id: string, at: string) => [id, 1, at, 'Available', 'NoError', null, null, null];
  const shapes = [
    { name: 'plain INSERT (no check)', statement: db.prepare(`insert into connector_status_history (${COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`), args: (id: string, at: string) => report(id, at) },
    { name: 'checked, LIMIT ? bound', statement: db.prepare(checked('?')), args: (id: string, at: string) => [...report(id, at), id, 1, 1, ...check(id, at).slice(2)] },
    { name: 'checked, LIMIT 1 in text', statement: db.prepare(checked('1')), args: (id: string, at: string) => [...report(id, at), ...check(id, at)] },
  ];
  const perRow: number[][] = shapes.map(() => []);
  for (let round = 0; round < rounds; round++) {
    shapes.forEach(({ statement, args }, i) => {
      // A new time each pass: every row is a new report, inserted, as in a storm.
      const at = new Date(Date.UTC(2026, 11, 7, 10, round, i)).toISOString();
      const before = process.cpuUsage();
      db.transaction(() => {
        for (const id of ids) statement.run(args(id, at));
      })();
      const used = process.cpuUsage(before);
      perRow[i]!.push((used.user + used.system) / rows);
    });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(perRow[0]!);
  console.log(`${rows} rows a round, ${rounds} rounds; CPU per row, median of the rounds:`);
  shapes.forEach(({ name }, i) => {
    const m = median(perRow[i]!);
    console.log(`  ${name.padEnd(26)} ${m.toFixed(2).padStart(6)} µs  (${(m / base).toFixed(2)} × the plain INSERT; rounds ${perRow[i]!.map((x) => x.toFixed(1)).join(', ')})`);
  });
} finally {
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
