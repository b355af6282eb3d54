// The database unreachable for a while, played by a TCP proxy between Tomada and PostgreSQL, or by
// PostgreSQL ending the store's connections itself, as a restart does.
// While it is away the charge points stay connected and every call that needs a write is answered
// InternalError (never an acknowledgement of something not stored); once it is back the same
// connections work again and everything acknowledged is there, journal included.
// store: postgres-only (scripts/run-tests.mjs runs it in the PostgreSQL pass alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyJournal } from '../../src/audit/verify-journal.js';
import { newChargePoint } from '../../src/domain/registry.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { StoreLog } from '../../src/store/sql-store.js';
import { TestClient } from '../support/ocpp-client.js';
import { adminQuery, createTestSchema, needsPostgres, schemaUrlVia, testPostgresAddress, type TestSchema } from '../support/database.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startTestTomada } from '../support/tomada.js';

async function withProxiedSchema(run: (schema: TestSchema, proxy: TcpProxy) => Promise<void>): Promise<void> {
  const schema = await createTestSchema();
  const proxy = await TcpProxy.start(testPostgresAddress());
  try {
    await run(schema, proxy);
  } finally {
    await proxy.close();
    await schema.drop();
  }
}

/** Repeats `call` until the answer is a CALLRESULT (the database is back), or gives up. */
async function untilAnswered(call: () => Promise<unknown[]>, attempts = 100): Promise<unknown[]> {
  for (let i = 0; ; i++) {
    const answer = await call();
    if (answer[0] === 3 || i >= attempts) return answer;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A store log that keeps each line as "level message", for the tests to read. */
function storeLogLines(): { lines: string[]; log: StoreLog } {
  const lines: string[] = [];
  const log: StoreLog = {
    info: (_d, message) => lines.push(`info ${message}`),
    warn: (_d, message) => lines.push(`warn ${message}`),
    error: (_d, message) => lines.push(`error ${message}`),
  };
  return { lines, log };
}

test('database cut off: connections stay, writes answer InternalError, all works again after', await needsPostgres(), async () => {
  await withProxiedSchema(async (schema, proxy) => {
    const t = await startTestTomada({ databaseUrl: schemaUrlVia(schema, proxy.port), unknownChargePoints: 'accept' });
    const clients: TestClient[] = [];
    try {
      await t.domain.idTags.put({ idTag: 'DOWN1', status: 'Accepted', expiryDate: null, parentIdTag: null });
      for (const id of ['DB-DOWN-1', 'DB-DOWN-2']) {
        const client = await TestClient.connect(t.wsUrl, id);
        clients.push(client);
        await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      }
      const [first, second] = clients as [TestClient, TestClient];
      const start = await first.ok('StartTransaction', { connectorId: 1, idTag: 'DOWN1', meterStart: 1000, timestamp: '2025-03-01T10:00:00Z' });
      const transactionId = start.transactionId as number;
      const meterValues = (minute: number, wh: number) => ({
        connectorId: 1,
        transactionId,
        meterValue: [{ timestamp: `2025-03-01T10:${String(minute).padStart(2, '0')}:00Z`, sampledValue: [{ value: String(wh) }] }],
      });
      await first.ok('MeterValues', meterValues(10, 1500));

      const internalErrors = async () => {
        const response = await fetch(`${t.httpUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
        assert.equal(response.status, 200, 'the metrics can be scraped while the database is down');
        return Number(/^tomada_ocpp_errors_total\{code="InternalError"\} (\d+)$/m.exec(await response.text())?.[1]);
      };
      const errorsBefore = await internalErrors();

      // The database goes away: open connections are cut, new ones refused.
      proxy.refuse();
      proxy.cutAll();
      const refused = await Promise.all([
        first.call('MeterValues', meterValues(20, 2000)),
        second.call('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' }),
        second.call('Heartbeat', {}),
      ]);
      for (const answer of refused) {
        assert.equal(answer[0], 4, `expected a CALLERROR, got ${JSON.stringify(answer)}`);
        assert.equal(answer[2], 'InternalError');
      }
      for (const client of clients) assert.equal(client.ws.readyState, client.ws.OPEN, 'the charge point stays connected');
      // Each refusal counted once, though the answer it replaced could not be journaled either.
      assert.equal(await internalErrors(), errorsBefore + refused.length);
      const down = await fetch(`${t.httpUrl}/ready`);
      assert.equal(down.status, 503);
      assert.deepEqual(((await down.json()) as { checks: unknown }).checks, { store: false, storeWrites: false, ocppListeners: true });
      // A new charge point cannot be admitted without the registry: refused at the handshake.
      await assert.rejects(TestClient.connect(t.wsUrl, 'DB-DOWN-3'));

      // Back. Before any charge point sends anything, the readiness checks' probe finds that
      // writes work again: a node the load balancer took out would otherwise get no traffic to show it.
      proxy.restore();
      const deadline = Date.now() + 15_000;
      for (;;) {
        const response = await fetch(`${t.httpUrl}/ready`);
        const body = (await response.json()) as { checks: { storeWrites: boolean } };
        if (response.status === 200) break;
        assert.ok(Date.now() < deadline, `ready again within 15 s of the database: ${JSON.stringify(body)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const recovered = await t.store.listEvents({ type: 'storeWritesRecovered' });
      assert.equal(recovered.length, 1, JSON.stringify(recovered));
      assert.equal(recovered[0]!.chargePointId, null);

      // The same connections work again, and the charge point's resend is stored.
      const resent = await untilAnswered(() => first.call('MeterValues', meterValues(20, 2000)));
      assert.equal(resent[0], 3, `after the database came back: ${JSON.stringify(resent)}`);
      await second.ok('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
      await first.ok('StopTransaction', { transactionId, meterStop: 2500, timestamp: '2025-03-01T10:30:00Z' });
      const third = await TestClient.connect(t.wsUrl, 'DB-DOWN-3');
      clients.push(third);
      await third.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      // Its writes commit again: ready.
      assert.deepEqual(await (await fetch(`${t.httpUrl}/ready`)).json(), { status: 'ready', checks: { store: true, storeWrites: true, ocppListeners: true } });

      const stored = (await t.api(`/api/v1/transactions/${transactionId}`)).body;
      assert.equal(stored.energyWh, 1500);
      assert.deepEqual(stored.meterValues.map((m: { value: string }) => m.value), ['1500', '2000']);
      const connectors = await t.store.listConnectors('DB-DOWN-2');
      assert.equal(connectors[0]?.status, 'Available');
    } finally {
      for (const client of clients) await client.close();
      await t.close();
    }
    // Read straight from the database, not through the proxy: the journal is one intact chain
    // and replays to what was stored.
    const direct = await openPostgresStore(schema.url);
    try {
      const report = await verifyJournal(direct);
      assert.equal(report.firstBrokenLink, undefined, JSON.stringify(report.firstBrokenLink));
      assert.deepEqual(report.mismatches, []);
      assert.equal(report.transactionsChecked, 1);
    } finally {
      await direct.close();
    }
  });
});

test('a database that stops answering: the query times out, its connection is dropped, the store recovers and says so', await needsPostgres(), async () => {
  await withProxiedSchema(async (schema, proxy) => {
    const { lines, log } = storeLogLines();
    // One connection only: if the stalled one went back to the pool, everything after would hang on it.
    // The opening's migrations run under the same limit: 500 ms failed them on a loaded machine.
    const store = await openPostgresStore(schemaUrlVia(schema, proxy.port), { poolSize: 1, queryTimeoutMs: 2_000, log });
    try {
      const add = (id: string) => store.transact((tx) => tx.insertChargePoint(newChargePoint(id, 'Accepted', new Date().toISOString())));
      await add('BEFORE');
      proxy.stall();
      await assert.rejects(add('DURING'), /timeout/i);
      assert.ok(lines.some((l) => l.startsWith('error PostgreSQL unreachable')), lines.join('\n'));
      proxy.restore();
      await add('AFTER');
      assert.deepEqual((await store.listChargePoints()).map((cp) => cp.id), ['AFTER', 'BEFORE']);
      assert.ok(lines.includes('info PostgreSQL reachable again'), lines.join('\n'));
      // Told once per outage, not once per failed query.
      assert.equal(lines.filter((l) => l.startsWith('error')).length, 1);
    } finally {
      await store.close();
    }
  });
});

test('a link to PostgreSQL gone silent: /ready says 503 with the store unreadable within seconds, not after the 30 s query timeout', await needsPostgres(), async () => {
  await withProxiedSchema(async (schema, proxy) => {
    const t = await startTestTomada({ databaseUrl: schemaUrlVia(schema, proxy.port) });
    try {
      // Connections open in the pool, so that the read goes down one of them, not to a new one
      // (whose own 5 s connection timeout would end it).
      await Promise.all([1, 2, 3, 4].map(() => t.api('/api/v1/charge-points')));
      assert.equal((await fetch(`${t.httpUrl}/ready`)).status, 200);
      proxy.stall();
      const asked = performance.now();
      const ready = await fetch(`${t.httpUrl}/ready`);
      const tookMs = performance.now() - asked;
      const body = (await ready.json()) as { checks: Record<string, boolean> };
      assert.equal(ready.status, 503);
      assert.equal(body.checks.store, false);
      assert.ok(tookMs < 4_000, `/ready answered after ${Math.round(tookMs)} ms`);
      proxy.restore();
      assert.equal((await untilReady(t.httpUrl)).status, 200);
    } finally {
      await t.close();
    }
  });
});

/** Asks /ready until it says 200, 5 s at most. */
async function untilReady(httpUrl: string): Promise<Response> {
  for (let i = 0; ; i++) {
    const response = await fetch(`${httpUrl}/ready`);
    if (response.status === 200 || i >= 50) return response;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('PostgreSQL ends the connections (a restart, pg_terminate_backend): a unit caught in it fails whole, the next gets a new connection, and the log says so', await needsPostgres(), async () => {
  const schema = await createTestSchema();
  // The store's connections carry a name of their own, so that only they are ended: other tests
  // share this server.
  const name = `tomada_ended_${process.pid}_${Date.now()}`;
  const url = new URL(schema.url);
  url.searchParams.set('application_name', name);
  const { lines, log } = storeLogLines();
  const store = await openPostgresStore(url.toString(), { poolSize: 2, log });
  const endConnections = async () => {
    const ended = await adminQuery(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = '${name}'`);
    assert.ok(ended.rowCount! > 0, 'the store holds a connection to end');
  };
  const told = async (count: number) => {
    const deadline = Date.now() + 5_000;
    while (lines.filter((l) => l.startsWith('error PostgreSQL unreachable')).length < count) {
      assert.ok(Date.now() < deadline, `the outage is told within 5 s: ${lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  try {
    const point = (id: string) => newChargePoint(id, 'Accepted', new Date().toISOString());
    const add = (id: string) => store.transact((tx) => tx.insertChargePoint(point(id)));
    await add('BEFORE');

    // Ended while idle in the pool: the next unit is not the one to find out.
    await endConnections();
    await told(1);
    await add('AFTER-IDLE');

    // Ended in the middle of a unit: the unit fails, and its first write is not kept.
    const caught = store.transact(async (tx) => {
      await tx.insertChargePoint(point('CAUGHT-1'));
      await endConnections();
      await told(2);
      await tx.insertChargePoint(point('CAUGHT-2'));
    });
    await assert.rejects(caught, /connection|terminat/i);
    await add('AFTER-UNIT');

    assert.deepEqual((await store.listChargePoints()).map((cp) => cp.id).sort(), ['AFTER-IDLE', 'AFTER-UNIT', 'BEFORE']);
    // Once per outage each way.
    assert.deepEqual(
      // (The tests' schemas run with synchronous_commit=off, which the store warns of at its start.)
      lines.filter((l) => !l.startsWith('info database schema') && !l.includes('synchronous_commit')),
      [
        'error PostgreSQL unreachable: calls that need the database are answered InternalError until it is back',
        'info PostgreSQL reachable again',
        'error PostgreSQL unreachable: calls that need the database are answered InternalError until it is back',
        'info PostgreSQL reachable again',
      ],
    );
  } finally {
    await store.close();
    await schema.drop();
  }
});

test('a batch this node left idle past the server\'s limit (a paused node) is ended by PostgreSQL: its unit fails, the log says why, the next unit works', await needsPostgres(), async () => {
  const schema = await createTestSchema();
  // The limit the store sets is a minute; the URL's own options win, so a test can shorten it.
  const url = new URL(schema.url);
  url.searchParams.set('options', '-c idle_in_transaction_session_timeout=500');
  const { lines, log } = storeLogLines();
  const store = await openPostgresStore(url.toString(), { poolSize: 2, log });
  try {
    const paused = store.transact(async (tx) => {
      await tx.insertChargePoint(newChargePoint('IDLE-1', 'Accepted', new Date().toISOString()));
      await new Promise((resolve) => setTimeout(resolve, 1_200));
    });
    await assert.rejects(paused);
    await store.transact((tx) => tx.insertChargePoint(newChargePoint('IDLE-2', 'Accepted', new Date().toISOString())));
    assert.equal(await store.getChargePoint('IDLE-1'), undefined, 'the ended batch stored nothing');
    assert.equal((await store.getChargePoint('IDLE-2'))?.id, 'IDLE-2');
    const errors = lines.filter((l) => l.startsWith('error'));
    assert.ok(errors.some((l) => l.includes('left idle past idle_in_transaction_session_timeout')), lines.join('\n'));
    assert.ok(!errors.some((l) => l.includes('PostgreSQL unreachable')), `not told as an outage: ${lines.join('\n')}`);
  } finally {
    await store.close();
    await schema.drop();
  }
});
