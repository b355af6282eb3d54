// `journal verify --from X` (a daily cron over the last day) on a running network: a running
// session gets a sample after the walk fixed where the journal ends. It was reported as "samples
// differ": only a whole run read the frames committed meanwhile (found by an independent review).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyJournal } from '../../src/audit/verify-journal.js';
import { withTestDatabase } from '../support/database.js';
import { journalGoingOn } from '../support/journal-going-on.js';
import { TestClient } from '../support/ocpp-client.js';
import { startTestTomada } from '../support/tomada.js';

test('verify --from on a live network: a voltage sample stored after the walk is no mismatch', async (t) => {
  await withTestDatabase(t, async (database) => {
    const node = await startTestTomada({ unknownChargePoints: 'accept', databaseUrl: database.url });
    const client = await TestClient.connect(node.wsUrl, 'J-LIVE');
    try {
      const from = new Date(Date.now() - 60_000).toISOString();
      await node.domain.idTags.put({ idTag: 'J1', status: 'Accepted', expiryDate: null, parentIdTag: null });
      await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      const start = await client.ok('StartTransaction', { connectorId: 1, idTag: 'J1', meterStart: 0, timestamp: '2025-06-01T10:00:00Z' });
      const transactionId = start.transactionId as number;
      const voltage = (timestamp: string) => ({ connectorId: 1, transactionId, meterValue: [{ timestamp, sampledValue: [{ value: '230.0', measurand: 'Voltage', unit: 'V' }] }] });
      await client.ok('MeterValues', voltage('2025-06-01T10:10:00Z'));
      const whole = journalGoingOn(node.store, async () => void (await client.ok('MeterValues', voltage('2025-06-01T10:20:00Z'))));
      assert.deepEqual((await verifyJournal(whole)).mismatches, [], 'whole run');
      const ranged = journalGoingOn(node.store, async () => void (await client.ok('MeterValues', voltage('2025-06-01T10:30:00Z'))));
      const report = await verifyJournal(ranged, { from });
      assert.deepEqual(report.mismatches, [], '--from run');
    } finally {
      await client.close();
      await node.close();
    }
  });
});
