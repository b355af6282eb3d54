// Session exports over real HTTP: CSV (RFC 4180, checked with an independent parser below) and
// JSON, the same rows in both, filters by operator, charge point and period, read page by page
// past the page size, and scoped to what the token may see, also while charge points change hands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { kyselyOn, withTestDatabase } from '../support/database.js';
import { boot, TestClient } from '../support/ocpp-client.js';
import { runningSession } from '../support/sessions.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';

/** RFC 4180 parser, written for the test (not the code under test): quoted fields, doubled quotes, CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  assert.equal(field + row.join(''), '', 'the text ends with CRLF');
  return rows;
}

const COLUMNS = [
  'id',
  'chargePointId',
  'operator',
  'connectorId',
  'idTag',
  'idTagStatus',
  'startedAt',
  'stoppedAt',
  'meterStartWh',
  'meterStopWh',
  'energyWh',
  'energySource',
  'stopReason',
  'anomalies',
  'signedMeterStatus',
  'signedMeterReason',
  'stopIdTag',
  'reservationId',
];

async function raw(t: TestTomada, path: string, token?: string) {
  const response = await fetch(`${t.httpUrl}${path}`, { headers: { authorization: `Bearer ${token ?? 'test-admin-token-0123456789'}` } });
  return { status: response.status, type: response.headers.get('content-type') ?? '', disposition: response.headers.get('content-disposition') ?? '', text: await response.text() };
}

const csvRecords = (text: string) => {
  const [header, ...rows] = parseCsv(text);
  assert.deepEqual(header, COLUMNS);
  return rows.map((r) => Object.fromEntries(COLUMNS.map((c, i) => [c, r[i]!])));
};

test('session exports', async (s) => {
  const t = await startTestTomada();
  const clients: TestClient[] = [];
  try {
    for (const [id, kind] of [
      ['OPC-A', 'OPC'],
      ['DPC-B', 'DPC'],
    ]) {
      assert.equal((await t.api(`/api/v1/operators/${id}`, { method: 'PUT', body: { name: id, kind } })).status, 201);
    }
    await t.api('/api/v1/charge-points/EXP-A', { method: 'PUT', body: { operator: 'OPC-A' } });
    await t.api('/api/v1/charge-points/EXP-B', { method: 'PUT', body: { operator: 'DPC-B' } });
    const tricky = 'Q,"T" x';
    await t.api(`/api/v1/id-tags/${encodeURIComponent(tricky)}`, { method: 'PUT', body: { status: 'Accepted' } });
    await t.api('/api/v1/id-tags/PLAIN', { method: 'PUT', body: { status: 'Accepted' } });
    const opB = (await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'b', role: 'operator', operator: 'DPC-B' } })).body.token;

    const a = await TestClient.connect(t.wsUrl, 'EXP-A');
    const b = await TestClient.connect(t.wsUrl, 'EXP-B');
    clients.push(a, b);
    await boot(a);
    await boot(b);
    const a1 = (await a.ok('StartTransaction', { connectorId: 1, idTag: tricky, meterStart: 1000, timestamp: '2024-03-01T10:00:00Z', reservationId: 77 })).transactionId;
    await a.ok('StopTransaction', { transactionId: a1, idTag: 'PLAIN', meterStop: 8500, timestamp: '2024-03-01T11:00:00Z', reason: 'Local' });
    const a2 = (await a.ok('StartTransaction', { connectorId: 2, idTag: 'PLAIN', meterStart: 500, timestamp: '2024-04-01T10:00:00Z' })).transactionId;
    await a.ok('StopTransaction', { transactionId: a2, meterStop: 400, timestamp: '2024-04-01T11:00:00Z' });
    const b1 = (await b.ok('StartTransaction', { connectorId: 1, idTag: 'PLAIN', meterStart: 0, timestamp: '2024-03-15T10:00:00Z' })).transactionId;

    await s.test('CSV: header, values, RFC 4180 quoting, and headers of an attachment', async () => {
      const result = await raw(t, '/api/v1/exports/sessions');
      assert.equal(result.status, 200);
      assert.match(result.type, /^text\/csv; charset=utf-8/);
      assert.match(result.disposition, /^attachment; filename="sessions-\d{4}-\d\d-\d\d\.csv"$/);
      assert.ok(result.text.includes('"Q,""T"" x"'), 'a comma and quotes: quoted, quotes doubled');
      const rows = csvRecords(result.text);
      assert.deepEqual(rows.map((r) => Number(r.id)), [a1, b1, a2], 'oldest first, by start time (b1 started before a2)');
      assert.deepEqual(rows[0], {
        id: String(a1),
        chargePointId: 'EXP-A',
        operator: 'OPC-A',
        connectorId: '1',
        idTag: tricky,
        idTagStatus: 'Accepted',
        startedAt: '2024-03-01T10:00:00.000Z',
        stoppedAt: '2024-03-01T11:00:00.000Z',
        meterStartWh: '1000',
        meterStopWh: '8500',
        energyWh: '7500',
        energySource: 'meterStop',
        stopReason: 'Local',
        anomalies: '',
        signedMeterStatus: 'absent',
        signedMeterReason: '',
        stopIdTag: 'PLAIN',
        reservationId: '77',
      });
      assert.notEqual(rows[2]!.anomalies, '', 'a meter that went backwards is named');
      assert.equal(rows[1]!.stoppedAt, '', 'a running session has no stop');
    });

    await s.test('JSON: the same rows', async () => {
      const result = await raw(t, '/api/v1/exports/sessions?format=json');
      assert.equal(result.status, 200);
      assert.match(result.type, /^application\/json/);
      const items = JSON.parse(result.text);
      assert.deepEqual(Object.keys(items[0]), COLUMNS);
      assert.deepEqual(items.map((i: any) => i.id), [a1, b1, a2]);
      assert.equal(items[0].idTag, tricky);
      assert.equal(items[0].energyWh, 7500);
      assert.deepEqual([items[0].stopIdTag, items[0].reservationId, items[1].stopIdTag, items[1].reservationId], ['PLAIN', 77, null, null]);
      assert.ok(Array.isArray(items[2].anomalies) && items[2].anomalies.length > 0);
      const csv = csvRecords((await raw(t, '/api/v1/exports/sessions')).text);
      assert.deepEqual(csv.map((r) => r.anomalies), items.map((i: any) => i.anomalies.join(';')));
    });

    await s.test('filters: operator, charge point, period', async () => {
      const ids = async (query: string) => JSON.parse((await raw(t, `/api/v1/exports/sessions?format=json&${query}`)).text).map((i: any) => i.id);
      assert.deepEqual(await ids('operator=OPC-A'), [a1, a2]);
      assert.deepEqual(await ids('operator=DPC-B'), [b1]);
      assert.deepEqual(await ids('chargePointId=EXP-B'), [b1]);
      assert.deepEqual(await ids('from=2024-03-10T00:00:00Z'), [b1, a2]);
      assert.deepEqual(await ids('from=2024-03-10T00:00:00Z&to=2024-04-01T00:00:00Z'), [b1]);
      // Each arrived just now: the period is the start the charge point reported, not the arrival.
      assert.deepEqual(await ids(`from=${new Date(Date.now() - 3_600_000).toISOString()}`), []);
      assert.deepEqual(await ids('operator=NOBODY'), []);
      assert.equal((await raw(t, '/api/v1/exports/sessions?from=yesterday')).status, 400);
      // A period with its ends swapped is refused, not answered with an empty file a nightly
      // script takes for a quiet night.
      const swapped = await raw(t, '/api/v1/exports/sessions?from=2024-04-01T00:00:00Z&to=2024-03-10T00:00:00Z');
      assert.deepEqual([swapped.status, JSON.parse(swapped.text)], [400, { error: 'BadRequest', message: 'from (2024-04-01T00:00:00.000Z) must be before to (2024-03-10T00:00:00.000Z)' }]);
      assert.equal((await raw(t, '/api/v1/exports/sessions?format=xml')).status, 400);
      // An empty CSV export is its header.
      assert.equal((await raw(t, '/api/v1/exports/sessions?operator=NOBODY')).text, `${COLUMNS.join(',')}\r\n`);
    });

    await s.test('an operator exports its own sessions only, whatever it asks', async () => {
      const own = csvRecords((await raw(t, '/api/v1/exports/sessions', opB)).text);
      assert.deepEqual(own.map((r) => Number(r.id)), [b1]);
      assert.deepEqual(csvRecords((await raw(t, '/api/v1/exports/sessions?operator=OPC-A', opB)).text), []);
      assert.deepEqual(JSON.parse((await raw(t, '/api/v1/exports/sessions?format=json&chargePointId=EXP-A', opB)).text), []);
      assert.equal((await raw(t, '/api/v1/exports/sessions', 'not-a-token-at-all-0000')).status, 401);
    });

    await s.test('more sessions than a page: all of them, once each, in order', async () => {
      const count = 1203;
      await t.store.transact(async (tx) => {
        for (let i = 0; i < count; i++) {
          await tx.insertTransaction(runningSession({ chargePointId: 'EXP-B', connectorId: 2, idTag: 'PLAIN', startedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(), meterStartWh: i }));
        }
      });
      const rows = csvRecords((await raw(t, '/api/v1/exports/sessions?from=2025-01-01T00:00:00Z', opB)).text);
      assert.equal(rows.length, count);
      const ids = rows.map((r) => Number(r.id));
      assert.deepEqual(ids, [...ids].sort((x, y) => x - y));
      assert.equal(new Set(ids).size, count);
      assert.deepEqual(rows.map((r) => Number(r.meterStartWh)), Array.from({ length: count }, (_, i) => i));
    });
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await t.close();
  }
});

const Y_SESSIONS = 30_000;
const LONG_TAG = 'T'.repeat(300);

test('an operator export names that operator on every row, also for a charge point moved to it while the export streams', async (s) => {
  await withTestDatabase(s, async (database) => {
    const t = await startTestTomada({ databaseUrl: database.url });
    try {
      for (const id of ['OPC-A', 'OPC-B']) await t.api(`/api/v1/operators/${id}`, { method: 'PUT', body: { name: id, kind: 'OPC' } });
      await t.api('/api/v1/charge-points/Y-OF-B', { method: 'PUT', body: { operator: 'OPC-B' } });
      await t.api('/api/v1/charge-points/X-OF-A', { method: 'PUT', body: { operator: 'OPC-A' } });
      const tokenB = (await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'b', role: 'operator', operator: 'OPC-B' } })).body.token;
      // More bytes (rows with long tags, 12 MB) than the sockets' buffers hold, so the export is
      // still reading pages when the charge point moves; X's one session is the newest, read last.
      const db = kyselyOn(database);
      try {
        await sql`insert into transactions (charge_point_id, connector_id, id_tag, id_tag_status, started_at, stopped_at, meter_start_wh, energy_source)
          with recursive s(i) as (select 1 union all select i + 1 from s where i < ${sql.lit(Y_SESSIONS)})
          select 'Y-OF-B', 1, ${sql.lit(LONG_TAG)}, 'Accepted', '2024-01-01T00:00:00.000Z', '2024-01-01T01:00:00.000Z', i, 'none' from s`.execute(db);
        await sql`insert into transactions (charge_point_id, connector_id, id_tag, id_tag_status, started_at, stopped_at, meter_start_wh, energy_source)
          values ('X-OF-A', 1, 'TAG-OF-A', 'Accepted', '2024-06-01T00:00:00.000Z', '2024-06-01T01:00:00.000Z', 7, 'none')`.execute(db);
      } finally {
        await db.destroy();
      }

      // B's export begins (its body not read yet); meanwhile the network moves X from A to B.
      const response = await fetch(`${t.httpUrl}/api/v1/exports/sessions`, { headers: { authorization: `Bearer ${tokenB}` } });
      assert.equal(response.status, 200);
      assert.equal((await t.api('/api/v1/charge-points/X-OF-A', { method: 'PUT', body: { operator: 'OPC-B' } })).status, 200);
      // No field of these rows is quoted: a split is enough, and quick on 12 MB.
      const [header, ...rows] = (await response.text()).split('\r\n').slice(0, -1).map((line) => line.split(','));
      assert.deepEqual(header, COLUMNS);
      const column = (name: string) => COLUMNS.indexOf(name);
      assert.equal(rows.filter((r) => r[column('chargePointId')] === 'Y-OF-B').length, Y_SESSIONS);
      const moved = rows.filter((r) => r[column('chargePointId')] === 'X-OF-A');
      assert.equal(moved.length, 1, "X is B's when its page is read");
      assert.deepEqual([...new Set(rows.map((r) => r[column('operator')]))], ['OPC-B'], "no row of B's export names another operator");
    } finally {
      await t.close();
    }
  });
});
