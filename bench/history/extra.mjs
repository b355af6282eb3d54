import { createRequire } from 'node:module';
const require = createRequire(new URL('../../package.json', import.meta.url));
/** Where the generated SQLite file and the captured queries are (TOMADA_HISTORY_DIR). */
const HISTORY_DIR = process.env.TOMADA_HISTORY_DIR ?? '/tmp/tomada-history';
const { Kysely, SqliteDialect, PostgresDialect } = require('kysely');
const { SqlQueries } = await import(new URL('../../dist/store/sql-queries.js', import.meta.url).href);
const { postgresHooks } = await import(new URL('../../dist/store/postgres.js', import.meta.url).href);
console.log('--');
const [target] = process.argv.slice(2);
let db, hooks;
if (target === 'sqlite') { db = new Kysely({ dialect: new SqliteDialect({ database: new (require('better-sqlite3'))(`${HISTORY_DIR}/big.db`) }) }); hooks = { journalIndexInArrears: true }; }
else { db = new Kysely({ dialect: new PostgresDialect({ pool: new (require('pg').Pool)({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', options: '-c search_path=tomada_history', max: 2 }) }) }); hooks = postgresHooks; }
const q = new SqlQueries(db, undefined, hooks);
const time = async (name, f) => { await f(); const t = performance.now(); const r = await f(); console.log(`${name.padEnd(50)} ${(performance.now() - t).toFixed(1).padStart(8)} ms  rows ${r.length ?? r}`); };
await time('active=true limit 2000 (more than running)', () => q.listTransactions({ active: true, limit: 2000 }));
await time('to only (old, Jan 15)', () => q.listTransactions({ to: '2025-01-15T00:00:00.000Z', limit: 200 }));
await time('from/to 100 days limit 200', () => q.listTransactions({ from: '2025-01-01T00:00:00.000Z', to: '2025-04-12T00:00:00.000Z', limit: 200 }));
await time('export page 100 days, afterId 0', () => q.listTransactions({ from: '2025-01-01T00:00:00.000Z', to: '2025-04-12T00:00:00.000Z', afterId: 0, limit: 500 }));
await time('export page 100 days, afterId 2,000,000', () => q.listTransactions({ from: '2025-01-01T00:00:00.000Z', to: '2025-04-12T00:00:00.000Z', afterId: 2000000, limit: 500 }));
await time('export page month(Mar), afterId 1,500,000', () => q.listTransactions({ from: '2025-03-01T00:00:00.000Z', to: '2025-04-01T00:00:00.000Z', afterId: 1500000, limit: 500 }));
await time('export page OP01 afterId 2,000,000', () => q.listTransactions({ operator: 'OP01', afterId: 2000000, limit: 500 }));
await time('events type=unvalidatedSoftware (10%)', () => q.listEvents({ type: 'unvalidatedSoftware', limit: 200 }));
await time('events cp + type rare', () => q.listEvents({ chargePointId: 'CP01234', type: 'stopForUnknownTransaction', limit: 200 }));
await db.destroy();
