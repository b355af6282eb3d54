// Journal rows for the first J generated transactions, as a charge point on OCPP 1.6 JSON would have
// sent them (Start, 3 MeterValues with the energy register, Stop, each with its answer), in time
// order, hash-chained exactly as src/store/journal-chain.ts does. Usage: node journal.mjs sqlite|postgres J
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
const require = createRequire(new URL('../../package.json', import.meta.url));
/** Where the generated SQLite file and the captured queries are (TOMADA_HISTORY_DIR). */
const HISTORY_DIR = process.env.TOMADA_HISTORY_DIR ?? '/tmp/tomada-history';
const [target, J = '250000'] = process.argv.slice(2);
const n = Number(J);
const iso = (s) => new Date(Math.round(s * 1000)).toISOString();
const sha = (x) => createHash('sha256').update(x).digest('hex');
const messages = [];
for (let i = 1; i <= n; i++) {
  const st = 1735689600 + i * 3.456, d = 1800 + ((i * 7) % 5400), m0 = ((i * 37) % 1000000) * 10, e = 5000 + ((i * 13) % 40000);
  const cp = 'CP' + String((i * 7919) % 13000).padStart(5, '0'), connectorId = 1 + (Math.floor(i / 13000) % 2);
  const tag = 'TAG' + String((i * 104729) % 200000).padStart(6, '0');
  messages.push([st, cp, 'StartTransaction', { connectorId, idTag: tag, meterStart: m0, timestamp: iso(st) }, { transactionId: i, idTagInfo: { status: 'Accepted' } }]);
  for (let k = 0; k < 6; k += 2) {
    const at = st + 600 * (1 + k / 2);
    messages.push([at, cp, 'MeterValues', { connectorId, transactionId: i, meterValue: [{ timestamp: iso(at), sampledValue: [{ value: String(m0 + Math.floor((e * (1 + k / 2)) / 4)), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' }] }] }, {}]);
  }
  messages.push([st + d, cp, 'StopTransaction', { transactionId: i, meterStop: m0 + e, timestamp: iso(st + d), reason: 'Local' }, {}]);
}
messages.sort((a, b) => a[0] - b[0]);
let prev = '0'.repeat(64), seq = 0, uid = 0;
function* rows() {
  for (const [at, cp, action, payload, answer] of messages) {
    const id = String(++uid);
    for (const [direction, frame, t] of [['in', JSON.stringify([2, id, action, payload]), at], ['out', JSON.stringify([3, id, answer]), at + 0.005]]) {
      const row = { seq: ++seq, at: iso(t), cp, direction, protocol: 'ocpp1.6-json', frame: Buffer.from(frame) };
      row.prev = prev;
      row.hash = sha([prev, row.at, cp, direction, row.protocol, sha(row.frame)].join('\n'));
      prev = row.hash;
      yield row;
    }
  }
}
const t0 = Date.now();
if (target === 'sqlite') {
  const db = new (require('better-sqlite3'))(`${HISTORY_DIR}/big.db`);
  db.pragma('synchronous = OFF');
  const ins = db.prepare('insert into frame_journal (seq, at, charge_point_id, direction, transport, frame, prev_hash, hash) values (?,?,?,?,?,?,?,?)');
  db.transaction(() => { for (const r of rows()) ins.run(r.seq, r.at, r.cp, r.direction, r.protocol, r.frame, r.prev, r.hash); })();
  db.exec(`insert into journal_charge_points (charge_point_id, seq) select charge_point_id, seq from frame_journal where charge_point_id is not null order by charge_point_id, seq;
           update journal_index_mark set seq = (select max(seq) from frame_journal);`);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
} else {
  const pg = require('pg');
  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', options: '-c search_path=tomada_history -c synchronous_commit=off' });
  await client.connect();
  let batch = [];
  const flush = async () => {
    if (!batch.length) return;
    const values = [], params = [];
    batch.forEach((r, j) => { values.push(`($${j * 8 + 1},$${j * 8 + 2},$${j * 8 + 3},$${j * 8 + 4},$${j * 8 + 5},$${j * 8 + 6},$${j * 8 + 7},$${j * 8 + 8})`); params.push(r.seq, r.at, r.cp, r.direction, r.protocol, r.frame, r.prev, r.hash); });
    await client.query(`insert into frame_journal (seq, at, charge_point_id, direction, transport, frame, prev_hash, hash) values ${values.join(',')}`, params);
    batch = [];
  };
  await client.query('begin');
  for (const r of rows()) { batch.push(r); if (batch.length === 1000) await flush(); }
  await flush();
  await client.query(`select setval(pg_get_serial_sequence('frame_journal', 'seq'), ${seq})`);
  await client.query('commit');
  await client.query('vacuum analyze frame_journal');
  await client.end();
}
console.log(`${seq} journal rows for ${n} transactions in ${(Date.now() - t0) / 1000} s`);
