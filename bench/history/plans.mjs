// Prints the plan of every statement queries.mjs captured. Usage: node plans.mjs sqlite|postgres [filter] [generic]
import { createRequire } from 'node:module';
import fs from 'node:fs';
const require = createRequire(new URL('../../package.json', import.meta.url));
/** Where the generated SQLite file and the captured queries are (TOMADA_HISTORY_DIR). */
const HISTORY_DIR = process.env.TOMADA_HISTORY_DIR ?? '/tmp/tomada-history';
const [target, only = '', mode] = process.argv.slice(2);
const rows = JSON.parse(fs.readFileSync(`${HISTORY_DIR}/queries-${target}.json`, 'utf8'));
let explain;
if (target === 'sqlite') {
  const db = new (require('better-sqlite3'))(`${HISTORY_DIR}/big.db`, { readonly: true });
  explain = async (sql, params) => db.prepare('explain query plan ' + sql).all(params.map((p) => (typeof p === 'boolean' ? Number(p) : p))).map((r) => '  '.repeat(r.parent ? 1 : 0) + r.detail).join('\n');
} else {
  const pg = require('pg');
  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', options: '-c search_path=tomada_history' });
  await client.connect();
  if (mode === 'generic') await client.query('set plan_cache_mode = force_generic_plan');
  explain = async (sql, params) => (await client.query('explain (analyze, buffers, costs off) ' + sql, params)).rows.map((r) => r['QUERY PLAN']).join('\n');
}
for (const row of rows) {
  if (!row.name.includes(only)) continue;
  console.log(`\n### ${row.name}  (first ${row.first} ms, warm ${row.warm} ms, ${row.rows} rows)`);
  for (const s of row.statements) {
    if (/pg_locks/.test(s.sql)) continue;
    console.log(`SQL: ${s.sql}\nparams: ${JSON.stringify(s.params).slice(0, 200)}\n${await explain(s.sql, s.params)}`);
  }
}
process.exit(0);
