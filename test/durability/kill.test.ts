// Ack after commit, proven the hard way: the server process is killed with SIGKILL the moment
// an acknowledgement reaches the charge point, and a restarted server must still have the data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyJournal } from '../../src/audit/verify-journal.js';
import { openStore } from '../../src/store/open.js';
import { createTestDatabase } from '../support/database.js';
import { TestClient } from '../support/ocpp-client.js';
import { spawnServer, type ServerProcess } from '../support/process.js';

const TOKEN = 'kill-test-admin-token-123456';

async function api(server: ServerProcess, path: string) {
  const response = await fetch(`http://127.0.0.1:${server.httpPort}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await response.json()) as any;
}

/** Sends one CALL, and SIGKILLs the server in the same tick its answer arrives. */
async function callThenKill(server: ServerProcess, client: TestClient, action: string, payload: object): Promise<unknown[]> {
  const answer = await client.call(action, payload);
  server.child.kill('SIGKILL');
  await server.exited;
  return answer;
}

test('every acknowledged message survives a SIGKILL right after its acknowledgement', async () => {
  const database = await createTestDatabase();
  const env = { TOMADA_DATABASE_URL: database.url, TOMADA_ADMIN_TOKEN: TOKEN, TOMADA_UNKNOWN_CHARGE_POINTS: 'accept' };
  const connect = async () => {
    const server = await spawnServer(env);
    const client = await TestClient.connect(`ws://127.0.0.1:${server.ocppPort}/ocpp`, 'KILL-1');
    return { server, client };
  };
  try {
    let { server, client } = await connect();
    await callThenKill(server, client, 'BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });

    ({ server, client } = await connect());
    const start = await callThenKill(server, client, 'StartTransaction', { connectorId: 1, idTag: 'T1', meterStart: 5000, timestamp: '2025-01-01T10:00:00Z' });
    assert.equal(start[0], 3);
    const transactionId = (start[2] as { transactionId: number }).transactionId;

    ({ server, client } = await connect());
    assert.equal((await api(server, `/api/v1/transactions/${transactionId}`)).meterStartWh, 5000, 'the acknowledged start survived');
    await callThenKill(server, client, 'MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [{ timestamp: '2025-01-01T10:30:00Z', sampledValue: [{ value: '5.750', unit: 'kWh' }] }],
    });

    ({ server, client } = await connect());
    const active = await api(server, `/api/v1/transactions/${transactionId}`);
    assert.equal(active.energyWh, 750, 'the acknowledged meter values survived');
    assert.equal(active.meterValues.length, 1);
    await callThenKill(server, client, 'StopTransaction', { transactionId, meterStop: 6200, timestamp: '2025-01-01T11:00:00Z', reason: 'EVDisconnected' });

    ({ server, client } = await connect());
    const stopped = await api(server, `/api/v1/transactions/${transactionId}`);
    assert.equal(stopped.stoppedAt, '2025-01-01T11:00:00.000Z');
    assert.equal(stopped.energyWh, 1200);
    assert.equal(stopped.stopReason, 'EVDisconnected');
    // A resend after the crash (the charger never saw our answer) changes nothing.
    const again = await client.call('StopTransaction', { transactionId, meterStop: 6200, timestamp: '2025-01-01T11:00:00Z', reason: 'EVDisconnected' });
    assert.equal(again[0], 3);
    assert.deepEqual(await api(server, `/api/v1/transactions/${transactionId}`), stopped);
    await client.close();
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, 'SIGTERM: a clean stop');
    // The charge point's disconnection may be logged before or after 'stopping': the server can
    // read the close after the signal. The stop's own lines come in order, and 'stopped' is last.
    const stopping = server.logged.indexOf('stopping');
    assert.ok(stopping >= 0, `the stop's start is logged: ${server.logged.slice(-3).join(' | ')}`);
    assert.equal(server.logged.at(-1), 'stopped', 'the stop is logged to its end, last');

    // Each answer was journaled before it left, so the journal survived the kills whole and
    // replays to exactly what was stored.
    const store = await openStore(database.url);
    try {
      const report = await verifyJournal(store);
      assert.equal(report.firstBrokenLink, undefined);
      assert.deepEqual(report.mismatches, []);
      assert.equal(report.transactionsChecked, 1);
    } finally {
      await store.close();
    }
  } finally {
    await database.drop();
  }
});
