// A charge point's readings outside any session over real HTTP: what a raw OCPP 1.6 charge point
// sends without a transaction (connector 0's grid meter, an idle connector's register, a backlog
// arriving late) comes back from GET /charge-points/{id}/meter-values exactly as sent, in time
// order, filtered and paged; a session's readings stay with the session; another operator's
// charge point is answered as one nobody has; bad parameters are 400s that say what is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient } from '../support/ocpp-client.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';

const ITEM_KEYS = ['id', 'transactionId', 'connectorId', 'timestamp', 'value', 'measurand', 'unit', 'context', 'format', 'location', 'phase'].sort();
const REGISTER = 'Energy.Active.Import.Register';

type Sv = { value: string; unit?: string; measurand?: string; context?: string; phase?: string; location?: string; format?: string };
const meterValue = (timestamp: string, ...sampledValue: Sv[]) => ({ timestamp, sampledValue });

/** A stored reading as the API answers it: what was sent, OCPP's defaults where it sent none. */
const stored = (connectorId: number, timestamp: string, sv: Sv) => ({
  transactionId: null,
  connectorId,
  timestamp,
  value: sv.value,
  measurand: sv.measurand ?? REGISTER,
  unit: sv.unit ?? 'Wh',
  context: sv.context ?? 'Sample.Periodic',
  format: sv.format ?? 'Raw',
  location: sv.location ?? 'Outlet',
  phase: sv.phase ?? null,
});

async function chargePoint(t: TestTomada, id: string, operator: string): Promise<TestClient> {
  assert.equal((await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { operator } })).status, 201);
  const client = await TestClient.connect(t.wsUrl, id);
  await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  return client;
}

const withoutId = ({ id: _id, ...rest }: { id: number }) => rest;

test("a charge point's readings outside sessions through the REST API", async (s) => {
  const t = await startTestTomada();
  const clients: TestClient[] = [];
  try {
    for (const id of ['OPC-A', 'OPC-B']) await t.api(`/api/v1/operators/${id}`, { method: 'PUT', body: { name: id, kind: 'OPC' } });
    const tokenOf = async (operator: string) => (await t.api('/api/v1/tokens', { method: 'POST', body: { name: operator, role: 'operator', operator } })).body.token as string;
    const tokenA = await tokenOf('OPC-A');
    const tokenB = await tokenOf('OPC-B');
    const a = await chargePoint(t, 'GRID-A', 'OPC-A');
    const b = await chargePoint(t, 'GRID-B', 'OPC-B');
    clients.push(a, b);
    await t.api('/api/v1/id-tags/GRID-TAG', { method: 'PUT', body: { status: 'Accepted' } });

    // The grid meter on connector 0, every field given, values in the charge point's own notation.
    const grid: Sv[] = [
      { value: '1234.500', unit: 'kWh', measurand: REGISTER, context: 'Sample.Clock', format: 'Raw', location: 'Inlet' },
      { value: '230.1', unit: 'V', measurand: 'Voltage', phase: 'L1-N', context: 'Sample.Clock', location: 'Inlet' },
      { value: '00229.90', unit: 'V', measurand: 'Voltage', phase: 'L2-N', context: 'Sample.Clock', location: 'Inlet' },
    ];
    await a.ok('MeterValues', { connectorId: 0, meterValue: [meterValue('2026-12-06T10:00:00.000Z', ...grid)] });
    // An idle connector's register with nothing but the value (OCPP's defaults are stored), at a
    // time given with an offset: stored as the same instant in UTC.
    await a.ok('MeterValues', { connectorId: 1, meterValue: [meterValue('2026-12-06T11:15:00+01:00', { value: '987' })] });
    const beforeSession = (await t.api('/api/v1/charge-points/GRID-A/meter-values')).body.items.at(-1).id as number;

    // A session's readings are the session's: not in this list.
    const started = await a.ok('StartTransaction', { connectorId: 1, idTag: 'GRID-TAG', meterStart: 987, timestamp: '2026-12-06T10:20:00Z' });
    await a.ok('MeterValues', { connectorId: 1, transactionId: started.transactionId, meterValue: [meterValue('2026-12-06T10:25:00Z', { value: '1100' }), meterValue('2026-12-06T10:30:00Z', { value: '1200' })] });
    await a.ok('StopTransaction', { transactionId: started.transactionId, meterStop: 1300, timestamp: '2026-12-06T10:35:00Z' });

    // Then the grid meter again, and a backlog queued while offline arriving last with the oldest time.
    await a.ok('MeterValues', { connectorId: 0, meterValue: [meterValue('2026-12-06T10:45:00.000Z', { value: '1240.125', unit: 'kWh', context: 'Sample.Clock', location: 'Inlet' })] });
    await a.ok('MeterValues', { connectorId: 0, meterValue: [meterValue('2026-12-06T09:45:00.000Z', { value: '1230.000', unit: 'kWh', context: 'Sample.Clock', location: 'Inlet' })] });
    // A reading for a transaction nobody knows is kept without one: it is listed here too.
    await a.ok('MeterValues', { connectorId: 2, transactionId: 424242, meterValue: [meterValue('2026-12-06T10:50:00.000Z', { value: '55', measurand: 'Power.Active.Import', unit: 'W' })] });
    // The other operator's charge point reports as well: never in GRID-A's list.
    await b.ok('MeterValues', { connectorId: 0, meterValue: [meterValue('2026-12-06T10:00:00.000Z', { value: '1' })] });

    const expected = [
      stored(0, '2026-12-06T09:45:00.000Z', { value: '1230.000', unit: 'kWh', context: 'Sample.Clock', location: 'Inlet' }),
      ...grid.map((sv) => stored(0, '2026-12-06T10:00:00.000Z', sv)),
      stored(1, '2026-12-06T10:15:00.000Z', { value: '987' }),
      stored(0, '2026-12-06T10:45:00.000Z', { value: '1240.125', unit: 'kWh', context: 'Sample.Clock', location: 'Inlet' }),
      stored(2, '2026-12-06T10:50:00.000Z', { value: '55', measurand: 'Power.Active.Import', unit: 'W' }),
    ];
    const all = (await t.api('/api/v1/charge-points/GRID-A/meter-values')).body.items as ({ id: number } & Record<string, unknown>)[];

    await s.test('every reading outside a session comes back as sent, oldest first by its own time, none of a session', () => {
      for (const item of all) assert.deepEqual(Object.keys(item).sort(), ITEM_KEYS);
      assert.deepEqual(all.map(withoutId), expected);
      // Arrival breaks ties of time: the grid meter's three readings of 10:00 in the order sent.
      const tied = all.filter((item) => item.timestamp === '2026-12-06T10:00:00.000Z').map((item) => item.id);
      assert.deepEqual(tied, [...tied].sort((x, y) => x - y));
    });

    const page = async (query: string, token?: string) => {
      const answer = await t.api(`/api/v1/charge-points/GRID-A/meter-values${query}`, { token });
      assert.equal(answer.status, 200, `${query}: ${JSON.stringify(answer.body)}`);
      return (answer.body.items as { id: number }[]).map((item) => item.id);
    };
    const ids = all.map((item) => item.id);
    const idsWhere = (keep: (e: (typeof expected)[number]) => boolean) => ids.filter((_, i) => keep(expected[i]!));

    await s.test('filters: connectorId, measurand, from (inclusive) and to (exclusive) on the reading time', async () => {
      assert.deepEqual(await page('?connectorId=0'), idsWhere((e) => e.connectorId === 0));
      assert.deepEqual(await page('?connectorId=1'), idsWhere((e) => e.connectorId === 1));
      assert.deepEqual(await page('?connectorId=7'), []);
      assert.deepEqual(await page('?measurand=Voltage'), idsWhere((e) => e.measurand === 'Voltage'));
      assert.deepEqual(await page(`?measurand=${REGISTER}&connectorId=0`), idsWhere((e) => e.measurand === REGISTER && e.connectorId === 0));
      assert.deepEqual(await page('?from=2026-12-06T10:00:00Z&to=2026-12-06T10:45:00Z'), idsWhere((e) => e.timestamp >= '2026-12-06T10:00:00.000Z' && e.timestamp < '2026-12-06T10:45:00.000Z'));
      // Times with an offset are the same instants.
      assert.deepEqual(await page('?from=2026-12-06T11:45:00%2B01:00'), idsWhere((e) => e.timestamp >= '2026-12-06T10:45:00.000Z'));
    });

    await s.test('pages: limit, then afterId the last id of a page, the filters kept; together the whole list once', async () => {
      const walk = async (query: string, limit: number) => {
        const seen: number[] = [];
        for (let after: number | undefined; ; ) {
          const got = await page(`?limit=${limit}${query}${after === undefined ? '' : `&afterId=${after}`}`);
          seen.push(...got);
          if (got.length < limit) return seen;
          after = got.at(-1);
        }
      };
      assert.deepEqual(await page('?limit=2'), ids.slice(0, 2));
      assert.deepEqual(await walk('', 2), ids);
      assert.deepEqual(await walk('', 1), ids);
      assert.deepEqual(await walk('&connectorId=0', 2), idsWhere((e) => e.connectorId === 0));
      // A cursor before the period's start: the period from its start.
      assert.deepEqual(await page(`?afterId=${ids[0]}&from=2026-12-06T10:15:00Z`), idsWhere((e) => e.timestamp >= '2026-12-06T10:15:00.000Z'));
      assert.deepEqual(await page(`?afterId=${ids.at(-1)}`), []);
    });

    await s.test('order=newest: the latest first, paged by afterId the same way, with the filters', async () => {
      const reversed = [...ids].reverse();
      assert.deepEqual(await page('?order=newest'), reversed);
      assert.deepEqual(await page('?order=newest&limit=2'), reversed.slice(0, 2));
      assert.deepEqual(await page(`?order=newest&limit=2&afterId=${reversed[1]}`), reversed.slice(2, 4));
      assert.deepEqual(await page(`?order=newest&afterId=${reversed.at(-1)}`), []);
      // The latest grid meter register: what an operator looks at.
      assert.deepEqual(await page(`?order=newest&limit=1&connectorId=0&measurand=${REGISTER}`), [ids[expected.findIndex((e) => e.value === '1240.125')]]);
      // A cursor past the period's end stands for the end.
      assert.deepEqual(await page(`?order=newest&afterId=${reversed[0]}&to=2026-12-06T10:15:00Z`), [...idsWhere((e) => e.timestamp < '2026-12-06T10:15:00.000Z')].reverse());
      assert.deepEqual(await page('?order=oldest'), ids);
      const bad = await t.api('/api/v1/charge-points/GRID-A/meter-values?order=latest');
      assert.equal(bad.status, 400, JSON.stringify(bad.body));
      assert.match(bad.body.message, /querystring\/order/);
    });

    await s.test("an operator reads its own charge point's readings; another operator's is answered as one nobody has", async () => {
      assert.deepEqual(await page('', tokenA), ids);
      const foreign = await t.api('/api/v1/charge-points/GRID-A/meter-values', { token: tokenB });
      const nobody = await t.api('/api/v1/charge-points/GRID-NOBODY/meter-values', { token: tokenB });
      assert.equal(foreign.status, 404, JSON.stringify(foreign.body));
      assert.deepEqual(foreign.body, { error: 'NotFound', message: 'Charge point "GRID-A" not found' });
      assert.deepEqual({ ...nobody, body: { ...nobody.body, message: nobody.body.message.replace('GRID-NOBODY', 'GRID-A') } }, foreign);
      assert.equal((await t.api('/api/v1/charge-points/GRID-NOBODY/meter-values')).status, 404, 'unknown to the administrator too');
      // B's own list holds its own reading only.
      const own = await t.api('/api/v1/charge-points/GRID-B/meter-values', { token: tokenB });
      assert.deepEqual(own.body.items.map(withoutId), [stored(0, '2026-12-06T10:00:00.000Z', { value: '1' })]);
    });

    await s.test('bad parameters are 400s that say what is wrong', async () => {
      const firstAfterSession = ids[ids.indexOf(beforeSession) + 1]!;
      assert.ok(firstAfterSession > beforeSession + 1, 'the session stored samples between the two');
      const ofB = (await t.api('/api/v1/charge-points/GRID-B/meter-values')).body.items[0].id as number;
      for (const [query, message] of [
        ['?limit=0', /querystring\/limit must be >= 1/],
        ['?limit=1001', /querystring\/limit must be <= 1000/],
        ['?connectorId=one', /querystring\/connectorId must be integer/],
        ['?connectorId=1.5', /querystring\/connectorId/],
        ['?afterId=0', /querystring\/afterId must be >= 1/],
        ['?measurand=', /querystring\/measurand must NOT have fewer than 1 characters/],
        ['?from=yesterday', /querystring\/from must match format "date-time"/],
        ['?from=2026-12-06T10:00:00Z&to=2026-12-06T10:00:00Z', /^from \(2026-12-06T10:00:00.000Z\) must be before to \(2026-12-06T10:00:00.000Z\)$/],
        ['?from=2026-12-07T00:00:00Z&to=2026-12-06T00:00:00Z', /must be before to/],
        ['?beforeId=3', /querystring must NOT have additional properties/],
        [`?afterId=${beforeSession + 1}`, /^afterId \d+ is not a reading of charge point "GRID-A" outside a session/],
        [`?afterId=${ofB}`, /is not a reading of charge point "GRID-A" outside a session/],
        ['?afterId=9007199254740991', /is not a reading of charge point "GRID-A"/],
      ] as const) {
        const answer = await t.api(`/api/v1/charge-points/GRID-A/meter-values${query}`);
        assert.equal(answer.status, 400, `${query}: ${JSON.stringify(answer.body)}`);
        assert.equal(answer.body.error, 'BadRequest', query);
        assert.match(answer.body.message, message, query);
      }
    });
  } finally {
    for (const client of clients) await client.close();
    await t.close();
  }
});
