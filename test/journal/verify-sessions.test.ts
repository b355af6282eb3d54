// `journal verify` judges each session by its journaled frames, on either store: an untouched
// session is no mismatch, and a session altered in the database names what differs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyJournal } from '../../src/audit/verify-journal.js';
import { openStore } from '../../src/store/open.js';
import { withTestDatabase, type TestDatabase } from '../support/database.js';
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
