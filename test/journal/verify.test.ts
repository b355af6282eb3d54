// The frame journal: every frame in and out, hash-chained; `journal verify` finds an altered
// byte, a removed row and a stored energy that no longer matches the frames.
// store: sqlite-only. These tests alter the SQLite file behind the server's back; the chain on
// PostgreSQL, with several writers, is checked in test/store/journal-chain.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { verifyJournal } from '../../src/audit/verify-journal.js';
import { fleetMembers, runFleet } from '../../src/sim/fleet.js';
import { chainHash, GENESIS_HASH } from '../../src/store/journal-chain.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { ROOT, tomadaArgs } from '../support/cli-entry.js';
import { journalGoingOn } from '../support/journal-going-on.js';
import { TestClient } from '../support/ocpp-client.js';
import { startSqliteTestTomada, type TestTomada } from '../support/tomada.js';


/** Runs one charging session over OCPP 1.6 and returns its transaction id. */
async function session(t: TestTomada, id: string, protocol = 'ocpp1.6'): Promise<number> {
  const client = await TestClient.connect(t.wsUrl, id, { protocols: [protocol] });
  try {
    await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    await client.ok('Authorize', { idTag: 'J1' });
    const start = await client.ok('StartTransaction', { connectorId: 1, idTag: 'J1', meterStart: 1000, timestamp: '2025-06-01T10:00:00Z' });
    const transactionId = start.transactionId as number;
    if (protocol === 'ocpp1.6') {
      await client.ok('MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: '2025-06-01T10:10:00Z', sampledValue: [{ value: '1.4', unit: 'kWh' }] }] });
      await client.call('MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: 'not a time', sampledValue: [{ value: '9' }] }] });
      await client.ok('StopTransaction', { transactionId, meterStop: 1900, timestamp: '2025-06-01T10:20:00Z' });
    } else {
      await client.ok('MeterValues', { connectorId: 1, transactionId, values: [{ timestamp: '2025-06-01T10:10:00Z', value: [{ value: '1400' }] }] });
      await client.ok('StopTransaction', { transactionId, meterStop: 1900, timestamp: '2025-06-01T10:20:00Z' });
    }
    return transactionId;
  } finally {
    await client.close();
  }
}

async function withDb(path: string, run: (db: BetterSqlite3.Database) => void): Promise<void> {
  const db = new BetterSqlite3(path);
  try {
    run(db);
  } finally {
    db.close();
  }
}

async function journaledServer(overrides = {}) {
  const t = await startSqliteTestTomada({ unknownChargePoints: 'accept', ...overrides });
  await t.domain.idTags.put({ idTag: 'J1', status: 'Accepted', expiryDate: null, parentIdTag: null });
  return t;
}

/** The server is stopped first, so the checks read a quiet file. */
async function verifyFile(path: string, journalKey?: string) {
  const store = await openSqliteStore(path, journalKey ? { journalKey } : {});
  try {
    return await verifyJournal(store, journalKey ? { journalKey } : {});
  } finally {
    await store.close();
  }
}

test('every frame in and out is journaled, and an untouched journal verifies', async () => {
  const t = await journaledServer();
  const txA = await session(t, 'J-A');
  const txB = await session(t, 'J-B', 'ocpp1.5');
  await t.stop();
  await withDb(t.dbPath, (db) => {
    const rows = db.prepare('select direction, transport, frame from frame_journal where charge_point_id = ? order by seq').all('J-A') as { direction: string; transport: string; frame: Buffer }[];
    // 6 CALLs (one refused) and their 6 answers, byte for byte as they crossed the wire.
    assert.equal(rows.filter((r) => r.direction === 'in').length, 6);
    assert.equal(rows.filter((r) => r.direction === 'out').length, 6);
    assert.ok(rows.every((r) => r.transport === 'ocpp1.6-json'));
    assert.match(rows[0]!.frame.toString(), /^\[2,"m1","BootNotification",/);
    assert.ok(rows.some((r) => r.frame.toString().includes('"TypeConstraintViolation"')), 'the refusal is journaled too');
    const first = db.prepare('select prev_hash from frame_journal order by seq limit 1').get() as { prev_hash: string };
    assert.equal(first.prev_hash, GENESIS_HASH);
  });
  const report = await verifyFile(t.dbPath);
  assert.equal(report.firstBrokenLink, undefined);
  assert.deepEqual(report.mismatches, []);
  assert.equal(report.transactionsChecked, 2, `transactions ${txA} and ${txB} replayed`);
  assert.ok(report.ok);
  await t.close();
});

test('an altered byte, a removed row and a changed energy are each found', async () => {
  const t = await journaledServer();
  await session(t, 'J-T');
  await t.stop();

  // One byte of one journaled frame.
  let seq = 0;
  await withDb(t.dbPath, (db) => {
    const row = db.prepare("select seq, frame from frame_journal where cast(frame as text) like '%StopTransaction%' and direction = 'in'").get() as { seq: number; frame: Buffer };
    seq = row.seq;
    const altered = Buffer.from(row.frame.toString().replace('1900', '1990'));
    db.prepare('update frame_journal set frame = ? where seq = ?').run(altered, seq);
  });
  let report = await verifyFile(t.dbPath);
  assert.equal(report.firstBrokenLink?.seq, seq);
  assert.match(report.firstBrokenLink!.reason, /altered/);
  assert.ok(!report.ok);

  // Put it back, then remove a row in the middle.
  await withDb(t.dbPath, (db) => {
    const row = db.prepare('select frame from frame_journal where seq = ?').get(seq) as { frame: Buffer };
    db.prepare('update frame_journal set frame = ? where seq = ?').run(Buffer.from(row.frame.toString().replace('1990', '1900')), seq);
  });
  assert.equal((await verifyFile(t.dbPath)).ok, true, 'restored');
  await withDb(t.dbPath, (db) => db.prepare('delete from frame_journal where seq = 3').run());
  report = await verifyFile(t.dbPath);
  assert.equal(report.firstBrokenLink?.seq, 4);
  assert.match(report.firstBrokenLink!.reason, /removed or altered/);

  // A stored energy changed behind the system's back: the chain is fine, the data is not.
  const fresh = await journaledServer();
  const other = await session(fresh, 'J-E');
  await fresh.stop();
  await withDb(fresh.dbPath, (db) => db.prepare('update transactions set energy_wh = energy_wh + 100 where id = ?').run(other));
  report = await verifyFile(fresh.dbPath);
  assert.equal(report.firstBrokenLink, undefined);
  assert.deepEqual(report.mismatches.map((m) => [m.transactionId, m.storedEnergyWh, m.journalEnergyWh]), [[other, 1000, 900]]);
  await t.close();
  await fresh.close();
});

test('with a journal key, a forger who recomputes the hashes without it is still caught', async () => {
  const key = 'journal-secret-key-for-tests';
  const t = await journaledServer({ journalKey: key });
  await session(t, 'J-K');
  await t.stop();
  assert.equal((await verifyFile(t.dbPath, key)).ok, true);
  // Alter a frame and rebuild the whole chain with plain SHA-256, as someone without the key would.
  await withDb(t.dbPath, (db) => {
    const rows = db.prepare('select * from frame_journal order by seq').all() as { seq: number; at: string; charge_point_id: string | null; direction: 'in' | 'out'; transport: string; frame: Buffer }[];
    let prev = GENESIS_HASH;
    for (const row of rows) {
      const frame = row.frame.toString().includes('1900') ? Buffer.from(row.frame.toString().replace('1900', '1990')) : row.frame;
      const hash = chainHash(prev, { at: row.at, chargePointId: row.charge_point_id, direction: row.direction, protocol: row.transport, frame });
      db.prepare('update frame_journal set frame = ?, prev_hash = ?, hash = ? where seq = ?').run(frame, prev, hash, row.seq);
      prev = hash;
    }
  });
  const report = await verifyFile(t.dbPath, key);
  assert.equal(report.firstBrokenLink?.seq, 1, 'the very first forged link fails the keyed check');
  await t.close();
});

test('tomada journal verify reports and exits 0 on a sound journal, 1 on a tampered one', async () => {
  const t = await journaledServer();
  await session(t, 'J-C');
  await t.stop();
  const run = () =>
    spawnSync(process.execPath, tomadaArgs('journal', 'verify'), {
      cwd: ROOT,
      env: { ...process.env, TOMADA_DATABASE_URL: `sqlite:${t.dbPath}` },
      encoding: 'utf8',
    });
  let result = run();
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /chain intact/);
  assert.match(result.stdout, /1 transactions replayed from their frames: all match/);
  // The head to keep elsewhere (SECURITY.md): removing the newest rows breaks no link.
  const reader = new BetterSqlite3(t.dbPath, { readonly: true });
  const last = reader.prepare('select seq, hash from frame_journal order by seq desc limit 1').get() as { seq: number; hash: string };
  reader.close();
  assert.match(result.stdout, new RegExp(`^head: row ${last.seq}, hash ${last.hash}$`, 'm'));
  const json = spawnSync(process.execPath, tomadaArgs('journal', 'verify', '--json'), { cwd: ROOT, env: { ...process.env, TOMADA_DATABASE_URL: `sqlite:${t.dbPath}` }, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(json.stdout).head, { seq: last.seq, hash: last.hash });
  await withDb(t.dbPath, (db) => db.prepare('update transactions set meter_stop_wh = 2000').run());
  result = run();
  assert.equal(result.status, 1);
  assert.match(result.stdout, /meterStop differs/);
  await t.close();
});

test('tomada journal verify reads only a store that is there at its schema: a missing file or an older schema is exit 2, nothing made or migrated', async () => {
  const verify = (url: string) =>
    spawnSync(process.execPath, tomadaArgs('journal', 'verify'), { cwd: ROOT, env: { ...process.env, TOMADA_DATABASE_URL: url }, encoding: 'utf8' });
  const dir = mkdtempSync(join(tmpdir(), 'tomada-verify-none-'));
  const t = await journaledServer();
  try {
    // Run from the wrong folder, it made an empty store there and said "0 journal rows checked: chain intact".
    const missing = verify(`sqlite:${join(dir, 'data', 'tomada.db')}`);
    assert.equal(missing.status, 2, missing.stdout);
    assert.match(missing.stderr, /Nothing was verified: no SQLite database at .*data\/tomada\.db/);
    assert.doesNotMatch(missing.stdout, /chain intact/);
    assert.equal(existsSync(join(dir, 'data')), false, 'no folder, no file');

    // An empty file (a touch, a copy that failed) is left as it is: opened, it became a database.
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    const none = verify(`sqlite:${empty}`);
    assert.equal(none.status, 2, none.stdout);
    assert.match(none.stderr, /Nothing was verified: .*empty\.db is an empty file/);
    assert.equal(statSync(empty).size, 0, 'not made a database');

    // A database that does not answer has nothing found in it: exit 1 said so.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const unreachable = verify(`postgres://postgres@127.0.0.1:${port}/test`);
    assert.equal(unreachable.status, 2, unreachable.stderr);
    assert.match(unreachable.stderr, /^Nothing was verified: cannot reach the database \(connect ECONNREFUSED .*TOMADA_DATABASE_URL/);

    await session(t, 'J-OLD');
    await t.stop();
    let latest = '';
    await withDb(t.dbPath, (db) => {
      latest = (db.prepare('select max(name) as name from kysely_migration').get() as { name: string }).name;
      db.prepare('delete from kysely_migration where name = ?').run(latest);
    });
    const older = verify(`sqlite:${t.dbPath}`);
    assert.equal(older.status, 2, older.stdout);
    assert.match(older.stderr, new RegExp(`${latest} not applied\\): run \`tomada migrate\` first`));
    await withDb(t.dbPath, (db) => {
      assert.equal((db.prepare('select count(*) as n from kysely_migration where name = ?').get(latest) as { n: number }).n, 0, 'not migrated');
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  }
});

test('tomada journal verify takes only RFC 3339 times with an offset, --from before --to, and calls a range with no row nothing verified (exit 2)', async () => {
  const t = await journaledServer();
  const dir = mkdtempSync(join(tmpdir(), 'tomada-verify-range-'));
  try {
    await session(t, 'J-RANGE');
    await t.stop();
    const verify = (url: string, ...args: string[]) =>
      spawnSync(process.execPath, tomadaArgs('journal', 'verify', ...args), { cwd: ROOT, env: { ...process.env, TOMADA_DATABASE_URL: url }, encoding: 'utf8' });
    const url = `sqlite:${t.dbPath}`;
    // Until 2026-12-07 each of these walked no row and said "0 journal rows checked: chain intact", exit 0.
    for (const [args, message] of [
      [['--to', '1'], /^--to must be an RFC 3339 time with an offset .*, got "1"\n$/],
      [['--from', '2026-12-07'], /^--from must be an RFC 3339 time with an offset .*, got "2026-12-07"\n$/],
      [['--from', '2026-12-07T00:00:00'], /^--from must be an RFC 3339 time with an offset/],
      [['--from', '2026-12-08T00:00:00Z', '--to', '2026-12-01T00:00:00Z'], /^--from \(2026-12-08T00:00:00Z\) must be before --to \(2026-12-01T00:00:00Z\)/],
      [['--from', '2026-12-01T01:00:00+01:00', '--to', '2026-12-01T00:00:00Z'], /^--from .* must be before --to/],
      [['--from', '2020-01-01T00:00:00Z', '--to', '2020-02-01T00:00:00Z'], /^Nothing was verified: the journal holds no row received from 2020-01-01T00:00:00.000Z up to 2020-02-01T00:00:00.000Z\.\n$/],
      [['--from', '2999-01-01T00:00:00Z', '--json'], /^Nothing was verified: the journal holds no row received at or after 2999-01-01T00:00:00.000Z\.\n$/],
      [['--to', '2020-01-01T00:00:00+02:00'], /^Nothing was verified: the journal holds no row received before 2019-12-31T22:00:00.000Z\.\n$/],
    ] as const) {
      const result = verify(url, ...args);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.equal(result.stdout, '', args.join(' '));
    }
    // A range that holds the session's rows verifies them.
    const around = verify(url, '--from', new Date(Date.now() - 3_600_000).toISOString(), '--to', new Date(Date.now() + 3_600_000).toISOString().replace('Z', '+00:00'));
    assert.equal(around.status, 0, around.stderr);
    assert.match(around.stdout, /^[1-9]\d* journal rows checked: chain intact$/m);

    // The whole journal of a store no charge point has spoken to yet: exit 0, and said plainly.
    const fresh = join(dir, 'fresh.db');
    await (await openSqliteStore(fresh)).close();
    const empty = verify(`sqlite:${fresh}`);
    assert.equal(empty.status, 0, empty.stderr);
    assert.match(empty.stdout, /^0 journal rows checked: the journal is empty$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  }
});

// An auditor may read the store and nothing more. Played by the user nobody, which only root can
// switch to (setpriv, from util-linux).
const asReader = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;

test('tomada journal verify reads a store it may not write: while a node runs on it, and a clear exit 2 when SQLite would have to create its -shm file', { skip: asReader ? false : 'needs root and setpriv to run the command as another user' }, async () => {
  const t = await journaledServer();
  const folder = dirname(t.dbPath);
  const verify = () =>
    spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, ...tomadaArgs('journal', 'verify')], {
      cwd: ROOT,
      env: { ...process.env, TOMADA_DATABASE_URL: `sqlite:${t.dbPath}` },
      encoding: 'utf8',
    });
  try {
    await session(t, 'J-RO');
    // Readable by all, writable by root only: the folder and everything in it.
    chmodSync(folder, 0o755);
    for (const name of readdirSync(folder)) chmodSync(join(folder, name), 0o644);
    const running = verify();
    assert.equal(running.status, 0, running.stderr);
    assert.match(running.stdout, /chain intact/);
    assert.match(running.stdout, /1 transactions replayed from their frames: all match/);

    await t.stop();
    assert.equal(existsSync(`${t.dbPath}-shm`), false, 'the node removed its -shm at its stop');
    const stopped = verify();
    assert.equal(stopped.status, 2, stopped.stdout);
    assert.match(stopped.stderr, /^Nothing was verified: SQLite cannot read .* without creating .*-shm beside it .* may not write to .*: run as a user who may, or verify a copy/);
  } finally {
    await t.close();
  }
});

for (const protocol of ['ocpp1.6-json', 'ocpp1.5-json', 'ocpp1.5-soap'] as const) {
  test(`${protocol}: the simulator's sessions replay from the journal to exactly what was stored`, async () => {
    const t = await journaledServer();
    const members = fleetMembers({ count: 2, prefix: 'JR-', connectors: 2 });
    for (const idTag of members.flatMap((m) => m.idTags)) await t.domain.idTags.put({ idTag, status: 'Accepted', expiryDate: null, parentIdTag: null });
    const fleet = runFleet({
      baseUrl: protocol === 'ocpp1.5-soap' ? `http://127.0.0.1:${t.ocppPort}/ocpp/soap` : t.wsUrl,
      protocol,
      count: 2,
      prefix: 'JR-',
      connectors: 2,
      sessionsPerChargePoint: 2,
      sessionMs: 300,
      pauseMs: 50,
      chargePoint: { meter: { mode: 'register', unit: 'kWh', powerW: 50_000, sampleIntervalMs: 50 }, minIntervalMs: 50 },
    });
    const summary = await fleet.summary;
    assert.equal(summary.complete, true, summary.failures.join('; '));
    await t.stop();
    const report = await verifyFile(t.dbPath);
    assert.equal(report.firstBrokenLink, undefined);
    assert.deepEqual(report.mismatches, []);
    assert.equal(report.transactionsChecked, 4);
    await withDb(t.dbPath, (db) => {
      const protocols = db.prepare('select distinct transport from frame_journal').all() as { transport: string }[];
      assert.deepEqual(protocols.map((p) => p.transport), [protocol]);
    });
    await t.close();
  });
}

test('a time range is walked by sequence: rows that commit out of time order are no broken link', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-range-'));
  const path = join(dir, 'range.db');
  const store = await openSqliteStore(path);
  const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s)).toISOString();
  // Received at 1 s, 3 s, 2 s, 4 s: the one received at 2 s committed after the one at 3 s.
  for (const s of [1, 3, 2, 4]) await store.journal([{ at: at(s), chargePointId: 'R', direction: 'in', protocol: 'ocpp1.6-json', frame: Buffer.from(`[2,"${s}","Heartbeat",{}]`) }]);
  try {
    for (const range of [{ from: at(2) }, { to: at(3) }, { from: at(2), to: at(4) }, {}]) {
      const report = await verifyJournal(store, range);
      assert.equal(report.firstBrokenLink, undefined, JSON.stringify(range));
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a transaction still running after --to is not judged; a transaction no frame reported is named', async () => {
  const t = await journaledServer();
  const client = await TestClient.connect(t.wsUrl, 'J-R');
  await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  const start = await client.ok('StartTransaction', { connectorId: 1, idTag: 'J1', meterStart: 0, timestamp: '2025-06-01T10:00:00Z' });
  await client.ok('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: [{ timestamp: '2025-06-01T10:10:00Z', sampledValue: [{ value: '500' }] }] });
  const middle = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 20));
  await client.ok('MeterValues', { connectorId: 1, transactionId: start.transactionId, meterValue: [{ timestamp: '2025-06-01T10:20:00Z', sampledValue: [{ value: '2000' }] }] });
  await client.close();
  await t.stop();
  const store = await openSqliteStore(t.dbPath);
  try {
    assert.deepEqual((await verifyJournal(store, { to: middle })).mismatches, [], 'energy moved after --to by frames outside the range');
    assert.deepEqual((await verifyJournal(store)).mismatches, []);
  } finally {
    await store.close();
  }
  // A transaction written straight into the database, with no frame behind it.
  await withDb(t.dbPath, (db) =>
    db
      .prepare("insert into transactions (charge_point_id, connector_id, id_tag, id_tag_status, started_at, meter_start_wh, energy_wh, energy_source, anomalies) values ('J-R', 2, 'J1', 'Accepted', '2025-06-01T12:00:00.000Z', 0, 99999, 'meterStop', '[]')")
      .run(),
  );
  const report = await verifyFile(t.dbPath);
  assert.deepEqual(report.mismatches.map((m) => m.reason), ['stored but not in the journal']);
  await t.close();
});

test('on a running network, sessions that go on or start while the journal is verified are no mismatch; an altered one still is', async () => {
  const t = await journaledServer();
  const client = await TestClient.connect(t.wsUrl, 'J-LIVE');
  const other = await TestClient.connect(t.wsUrl, 'J-LIVE-2');
  try {
    await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    await other.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    const start = await client.ok('StartTransaction', { connectorId: 1, idTag: 'J1', meterStart: 0, timestamp: '2025-06-01T10:00:00Z' });
    const transactionId = start.transactionId as number;
    await client.ok('MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: '2025-06-01T10:10:00Z', sampledValue: [{ value: '500' }] }] });
    // The network goes on once the verification has fixed where the journal ends: the session's
    // next reading, and another charge point's new session, stored before they are read.
    const live = journalGoingOn(t.store, async () => {
      await client.ok('MeterValues', { connectorId: 1, transactionId, meterValue: [{ timestamp: '2025-06-01T10:20:00Z', sampledValue: [{ value: '2000' }] }] });
      await other.ok('StartTransaction', { connectorId: 1, idTag: 'J1', meterStart: 0, timestamp: '2025-06-01T11:00:00Z' });
    });
    const report = await verifyJournal(live);
    assert.deepEqual(report.mismatches, [], JSON.stringify(report.mismatches));
    assert.equal(report.transactionsChecked, 2);
    // Altered behind the journal's back: still found, however many frames come after it.
    await t.store.transact((tx) => tx.updateTransaction(transactionId, { energyWh: 99_999 }));
    const altered = await verifyJournal(t.store);
    assert.deepEqual(altered.mismatches.map((m) => [m.transactionId, m.differences]), [[transactionId, [{ field: 'energy', storedWh: 99_999, journalWh: 2000 }]]]);
  } finally {
    await client.close();
    await other.close();
    await t.close();
  }
});
