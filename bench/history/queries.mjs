// Times every store read (and the hot-path writes, rolled back) through Tomada's own SqlQueries,
// capturing the SQL exactly as Kysely emits it, then shows each statement's plan.
// Usage: node queries.mjs sqlite|postgres [filter]
import { createRequire } from 'node:module';
const require = createRequire(new URL('../../package.json', import.meta.url));
/** Where the generated SQLite file and the captured queries are (TOMADA_HISTORY_DIR). */
const HISTORY_DIR = process.env.TOMADA_HISTORY_DIR ?? '/tmp/tomada-history';
const { Kysely, SqliteDialect, PostgresDialect } = require('kysely');
const { SqlQueries } = await import(new URL('../../dist/store/sql-queries.js', import.meta.url).href);
const { postgresHooks } = await import(new URL('../../dist/store/postgres.js', import.meta.url).href);
const [target, only] = process.argv.slice(2);
let captured = [];
const log = (e) => { if (e.level === 'query') captured.push({ sql: e.query.sql, params: e.query.parameters, ms: e.queryDurationMillis }); };
let db, raw, hooks;
if (target === 'sqlite') {
  raw = new (require('better-sqlite3'))(`${HISTORY_DIR}/big.db`);
  raw.pragma('journal_mode = WAL'); raw.pragma('temp_store = MEMORY');
  db = new Kysely({ dialect: new SqliteDialect({ database: raw }), log });
  hooks = { journalIndexInArrears: true, singleRowInserts: true };
} else {
  const pg = require('pg');
  raw = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', options: '-c search_path=tomada_history', max: 2 });
  db = new Kysely({ dialect: new PostgresDialect({ pool: raw }), log });
  hooks = postgresHooks;
}
const q = new SqlQueries(db, undefined, hooks);
const E = { measurands: ['Energy.Active.Import.Register', 'Energy.Active.Import.Interval'], formats: ['SignedData'] };
const cpOf = (i) => 'CP' + String((i * 7919) % 13000).padStart(5, '0');
const iso = (s) => new Date(Math.round(s * 1000)).toISOString();
const i = 1234567, st = 1735689600 + i * 3.456;
const running = 2499500;
const cases = {
  // hot path
  'boot/heartbeat getChargePoint': () => q.getChargePoint('CP01234'),
  'authorize getIdTag': () => q.getIdTag('TAG001234'),
  'start findTransactionByStart (retry)': () => q.findTransactionByStart(cpOf(i), 1 + (Math.floor(i / 13000) % 2), 'TAG' + String((i * 104729) % 200000).padStart(6, '0'), iso(st), ((i * 37) % 1000000) * 10),
  'start findTransactionByStart (new)': () => q.findTransactionByStart('CP00001', 1, 'TAG000001', '2025-04-11T10:00:00.000Z', 5),
  'start ConcurrentTx listTransactions(active,idTag)': () => q.listTransactions({ active: true, idTag: 'tag' + String((running * 104729) % 200000).padStart(6, '0') }),
  'meter/stop getTransaction': () => q.getTransaction(running),
  'meter/stop refreshEnergy listTransactionSamples(energy)': () => q.listTransactionSamples(running, E),
  'meter/stop findSignedElsewhere': () => q.findSignedElsewhere(running, ['sig1000', 'sigX']),
  'stop unknown listEvents(cp,100)': () => q.listEvents({ chargePointId: 'CP01234', limit: 100 }),
  // API / dashboard reads
  'GET /charge-points listChargePoints()': () => q.listChargePoints(),
  'GET /charge-points listConnectors()': () => q.listConnectors(),
  'operator scope listChargePoints(OP01)': () => q.listChargePoints({ operator: 'OP01' }),
  'GET /charge-points/:id listConnectors(cp)': () => q.listConnectors('CP01234'),
  'GET /transactions limit 200': () => q.listTransactions({ limit: 200 }),
  'GET /transactions cp limit 8 (cp page)': () => q.listTransactions({ chargePointId: 'CP01234', limit: 8 }),
  'GET /transactions cp limit 200': () => q.listTransactions({ chargePointId: 'CP01234', limit: 200 }),
  'GET /transactions operator OP01': () => q.listTransactions({ operator: 'OP01', limit: 200 }),
  'GET /transactions operator OPSMALL': () => q.listTransactions({ operator: 'OPSMALL', limit: 200 }),
  'GET /transactions active=true': () => q.listTransactions({ active: true, limit: 200 }),
  'GET /transactions active=false': () => q.listTransactions({ active: false, limit: 200 }),
  'GET /transactions from/to one day (recent)': () => q.listTransactions({ from: '2025-04-09T00:00:00.000Z', to: '2025-04-10T00:00:00.000Z', limit: 200 }),
  'GET /transactions from/to one day (old)': () => q.listTransactions({ from: '2025-01-09T00:00:00.000Z', to: '2025-01-10T00:00:00.000Z', limit: 200 }),
  'GET /transactions from/to one month (old)': () => q.listTransactions({ from: '2025-01-01T00:00:00.000Z', to: '2025-02-01T00:00:00.000Z', limit: 200 }),
  'GET /transactions from only (old)': () => q.listTransactions({ from: '2025-01-15T00:00:00.000Z', limit: 200 }),
  'GET /transactions cp + from/to month': () => q.listTransactions({ chargePointId: 'CP01234', from: '2025-01-01T00:00:00.000Z', to: '2025-02-01T00:00:00.000Z', limit: 200 }),
  'GET /transactions OPSMALL active=true': () => q.listTransactions({ operator: 'OPSMALL', active: true, limit: 200 }),
  'GET /transactions limit 10000': () => q.listTransactions({ limit: 10000 }),
  'export page (all, afterId mid)': () => q.listTransactions({ afterId: 1200000, limit: 500 }),
  'export page (OPSMALL, afterId 0)': () => q.listTransactions({ operator: 'OPSMALL', afterId: 0, limit: 500 }),
  'export page (OP01, afterId 0)': () => q.listTransactions({ operator: 'OP01', afterId: 0, limit: 500 }),
  'export page (month, afterId 0)': () => q.listTransactions({ from: '2025-03-01T00:00:00.000Z', to: '2025-04-01T00:00:00.000Z', afterId: 0, limit: 500 }),
  'GET /transactions/:id samples': () => q.listTransactionSamples(i),
  'GET /events limit 200': () => q.listEvents({ limit: 200 }),
  'GET /events type=stopForUnknownTransaction': () => q.listEvents({ type: 'stopForUnknownTransaction', limit: 200 }),
  'GET /events type=chargePointAutoRegistered (none)': () => q.listEvents({ type: 'chargePointAutoRegistered', limit: 200 }),
  'GET /events cp': () => q.listEvents({ chargePointId: 'CP01234', limit: 200 }),
  'GET /events operator OPSMALL (scoped token)': () => q.listEvents({ operator: 'OPSMALL', limit: 200 }),
  'webhook cursor OPSMALL behind (afterId 0)': () => q.listEvents({ operator: 'OPSMALL', afterId: 0, limit: 100 }),
  'webhook cursor OPSMALL caught up': () => q.listEvents({ operator: 'OPSMALL', afterId: 999990, limit: 100 }),
  'webhook cursor OP01 behind': () => q.listEvents({ operator: 'OP01', afterId: 500000, limit: 100 }),
  'setWebhook listEvents(limit 1)': () => q.listEvents({ limit: 1 }),
  'GET /charge-points/:id/frames recentJournal': () => q.recentJournal('CP01234', 50),
  'journal verify journalSeqBounds()': () => q.journalSeqBounds({}),
  'journal verify journalSeqBounds(from,to)': () => q.journalSeqBounds({ from: '2025-01-05T00:00:00.000Z', to: '2025-01-06T00:00:00.000Z' }),
  'journal verify listJournal page': () => q.listJournal({ afterSeq: 1000000, untilSeq: 2500000, limit: 1000 }),
  'journal verify journalRowBefore': () => q.journalRowBefore(1000000),
  'validations list': () => q.listValidations({ limit: 50 }),
};
const rows = [];
for (const [name, run] of Object.entries(cases)) {
  if (only && !name.includes(only)) continue;
  const times = [];
  let statements, result;
  for (let k = 0; k < 4; k++) {
    captured = [];
    const t = performance.now();
    result = await run();
    times.push(performance.now() - t);
    statements = captured;
  }
  const size = Array.isArray(result) ? result.length : result instanceof Set ? result.size : result ? 1 : 0;
  rows.push({ name, first: times[0].toFixed(1), warm: Math.min(...times.slice(1)).toFixed(1), rows: size, statements });
  console.log(`${name.padEnd(55)} first ${times[0].toFixed(1).padStart(8)} ms  warm ${Math.min(...times.slice(1)).toFixed(1).padStart(8)} ms  rows ${size}`);
}
const fs = await import('node:fs');
fs.writeFileSync(`${HISTORY_DIR}/queries-${target}.json`, JSON.stringify(rows, null, 1));
await db.destroy();
