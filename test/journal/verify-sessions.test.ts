// `journal verify` judges each session by its journaled frames, on either store: an untouched
// session is no mismatch, and a session altered in the database names what differs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { sql } from 'kysely';
import { verifyJournal } from '../../src/audit/verify-journal.js';
import { openStore } from '../../src/store/open.js';
import { ROOT, tomadaArgs } from '../support/cli-entry.js';
import { kyselyOn, withTestDatabase, type TestDatabase } from '../support/database.js';
import { TestClient } from '../support/ocpp-client.js';
import { startTestTomada } from '../support/tomada.js';

/** Runs `session` for one booted OCPP 1.6 charge point on a node over `database`, then stops the node. */
async function charge<T>(database: TestDatabase, session: (client: TestClient) => Promise<T>): Promise<T> {
  const t = await startTestTomada({ unknownChargePoints: 'accept', databaseUrl: database.url });
  try {
    await t.domain.idTags.put({ idTag: 'J1', status: 'Accepted', expiryDate: null, parentIdTag: null });
    const client = await TestClient.connect(t.wsUrl, 'J-S');
    try {
      await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      return await session(client);
    } finally {
      await client.close();
    }
  } finally {
    await t.close();
  }
}

/** The report of a whole-journal run over a quiet database. */
async function verifyDatabase(database: TestDatabase) {
  const store = await openStore(database.url);
  try {
    return await verifyJournal(store);
  } finally {
    await store.close();
  }
}

/** Runs a statement on the database behind the store's back, as someone altering it would. */
async function alter(database: TestDatabase, statement: ReturnType<typeof sql>): Promise<void> {
  const db = kyselyOn(database);
  try {
    await statement.execute(db);
  } finally {
    await db.destroy();
  }
}

/** A session with a register reading: meterStart 1000 Wh, 1500 Wh at 10:10, meterStop 2000 Wh. */
async function registerSession(client: TestClient): Promise<number> {
  const start = await client.ok('StartTransaction', { connectorId: 1, idTag: 'J1', meterStart: 1000, timestamp: '2025-06-01T10:00:00Z' });
  const id = start.transactionId as number;
  await client.ok('MeterValues', { connectorId: 1, transactionId: id, meterValue: [{ timestamp: '2025-06-01T10:10:00Z', sampledValue: [{ value: '1500' }] }] });
  await client.ok('StopTransaction', { transactionId: id, meterStop: 2000, timestamp: '2025-06-01T10:20:00Z' });
  return id;
}

const interval = (timestamp: string) => ({ timestamp, sampledValue: [{ value: '500', measurand: 'Energy.Active.Import.Interval' }] });

test('interval readings that a StopTransaction repeats count once, as the store counts them', async (t) => {
  await withTestDatabase(t, async (database) => {
    const transactionId = await charge(database, async (client) => {
      const start = await client.ok('StartTransaction', { connectorId: 1, idTag: 'J1', meterStart: 0, timestamp: '2025-06-01T10:00:00Z' });
      const id = start.transactionId as number;
      await client.ok('MeterValues', { connectorId: 1, transactionId: id, meterValue: [interval('2025-06-01T10:15:00Z')] });
      await client.ok('MeterValues', { connectorId: 1, transactionId: id, meterValue: [interval('2025-06-01T10:25:00Z')] });
      const transactionData = [interval('2025-06-01T10:15:00Z'), interval('2025-06-01T10:25:00Z'), interval('2025-06-01T10:35:00Z')];
      await client.ok('StopTransaction', { transactionId: id, meterStop: 0, timestamp: '2025-06-01T10:40:00Z', transactionData });
      return id;
    });
    const store = await openStore(database.url);
    try {
      assert.equal((await store.getTransaction(transactionId))?.energyWh, 1500, 'three intervals of 500 Wh, the repeats stored once');
    } finally {
      await store.close();
    }
    assert.deepEqual((await verifyDatabase(database)).mismatches, []);
  });
});

test('a meterStop altered in the database is named with its own figures, stored and journaled, in the report and on the command line', async (t) => {
  await withTestDatabase(t, async (database) => {
    const transactionId = await charge(database, registerSession);
    await alter(database, sql`update transactions set meter_stop_wh = 5000 where id = ${transactionId}`);
    const [mismatch] = (await verifyDatabase(database)).mismatches;
    assert.deepEqual(mismatch?.differences, [{ field: 'meterStop', storedWh: 5000, journalWh: 2000 }]);
    const result = spawnSync(process.execPath, tomadaArgs('journal', 'verify'), { cwd: ROOT, env: { ...process.env, TOMADA_DATABASE_URL: database.url }, encoding: 'utf8' });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stdout, new RegExp(`^  transaction ${transactionId}: meterStop differs \\(stored 5000 Wh, journal says 2000 Wh\\)$`, 'm'));
  });
});
