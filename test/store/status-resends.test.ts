// A StatusNotification its charge point sends again adds no second row to the connector's history.
// A charge point resends a message whose answer it did not get: the answer was lost on the way
// (a cellular link dropping), or it was an InternalError although the report had been stored (the
// answer failed with a later batch than the report's, or the database's answer to COMMIT never
// came back). The resend is the same report, with the same time of the charge point's own: the
// history keeps it once. A new report, or one without a time of its own (nothing tells it from a
// new one then), is kept, as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newChargePoint } from '../../src/domain/registry.js';
import type { StatusReport } from '../../src/domain/model.js';
import { openStore } from '../../src/store/open.js';
import { PART_OF_CALL, type StoreWriter } from '../../src/store/store.js';
import { kyselyOn, withTestDatabase } from '../support/database.js';
import { failAtCommit } from '../support/fail-at-commit.js';
import { boot, TestClient } from '../support/ocpp-client.js';
import { startTestTomada } from '../support/tomada.js';

const futureAfter = (receivedAt: string) => new Date(Date.parse(receivedAt) + 300_000).toISOString();

const frame = (chargePointId: string, direction: 'in' | 'out', text: string) => ({
  at: new Date().toISOString(),
  chargePointId,
  direction,
  protocol: 'ocpp1.6-json',
  frame: Buffer.from(text),
});

test('a StatusNotification stored, then answered InternalError (its answer failed with a later batch), and resent: one history row', async (t) => {
  await withTestDatabase(t, async (database) => {
    const store = await openStore(database.url);
    const db = kyselyOn(database);
    try {
      const CP = 'RESEND-ERR';
      await store.transact((tx) => tx.insertChargePoint(newChargePoint(CP, 'Accepted', new Date().toISOString())));
      const report: StatusReport = { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', info: 'RCD tripped', timestamp: '2026-12-07T06:00:00.000Z' };
      const status = (receivedAt: string) => store.transact((tx) => tx.recordStatus(CP, report, receivedAt, futureAfter(receivedAt)), CP, PART_OF_CALL);

      // The report is stored; its answer is held up (a SOAP message's contact being recorded) and
      // lands in the next batch of its charge point's committer, which fails at COMMIT.
      const first = {};
      await store.withFrames([frame(CP, 'in', 'status')], first, () => status(new Date().toISOString()));
      await store.transact(async () => undefined, CP); // the report's batch is durable now
      const failing = store.transact((tx) => failAtCommit(tx, database), CP);
      const answered = store.journalAnswer([frame(CP, 'out', 'answer')], first);
      await assert.rejects(failing);
      await assert.rejects(answered, 'the answer failed: the charge point gets an InternalError');
      assert.equal((await db.selectFrom('connector_status_history').selectAll().where('charge_point_id', '=', CP).execute()).length, 1, 'the report itself is stored');

      // The charge point sends it again.
      const again = {};
      await store.withFrames([frame(CP, 'in', 'status again')], again, () => status(new Date(Date.now() + 1000).toISOString()));
      await store.journalAnswer([frame(CP, 'out', 'answer again')], again);

      const history = await store.statusHistory(CP, { limit: 10 });
      assert.deepEqual(
        history.map(({ connectorId, status, errorCode, info, reportedAt }) => ({ connectorId, status, errorCode, info, reportedAt })),
        [{ connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', info: 'RCD tripped', reportedAt: report.timestamp }],
        'one fault in the history, not two',
      );
    } finally {
      await db.destroy();
      await store.close();
    }
  });
});

test('a StatusNotification resent over its WebSocket (its answer was lost) adds no second history row; a new report does, and so does one without a time of its own', async (t) => {
  const tomada = await startTestTomada({ unknownChargePoints: 'accept' });
  t.after(() => tomada.close());
  const CP = 'RESEND-WS';
  const client = await TestClient.connect(tomada.wsUrl, CP);
  t.after(() => client.close());
  await boot(client);

  const faulted = { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', vendorId: 'ACME', vendorErrorCode: 'E-17', timestamp: '2026-12-07T06:00:00Z' };
  await client.ok('StatusNotification', faulted);
  // Sent again, under a new message id, as a charge point resends a message whose answer it lost.
  await client.ok('StatusNotification', faulted);
  // The same status, later: a new report.
  await client.ok('StatusNotification', { ...faulted, timestamp: '2026-12-07T06:05:00Z' });
  // A new report on another connector with the first one's time and status.
  await client.ok('StatusNotification', { ...faulted, connectorId: 2 });
  // Without a time of its own, a report repeated cannot be told from a new one: each is kept.
  const available = { connectorId: 3, status: 'Available', errorCode: 'NoError' };
  await client.ok('StatusNotification', available);
  await client.ok('StatusNotification', available);

  const { status, body } = await tomada.api(`/api/v1/charge-points/${CP}/status-history?limit=50`);
  assert.equal(status, 200);
  const rows = (body.items as { connectorId: number; status: string; reportedAt: string | null }[]).map(({ connectorId, status, reportedAt }) => `${connectorId} ${status} ${reportedAt}`);
  assert.deepEqual(rows, [
    '3 Available null',
    '3 Available null',
    '2 Faulted 2026-12-07T06:00:00.000Z',
    '1 Faulted 2026-12-07T06:05:00.000Z',
    '1 Faulted 2026-12-07T06:00:00.000Z',
  ]);
});
