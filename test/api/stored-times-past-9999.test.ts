// A time an earlier version stored past the year 9999 (`9999-12-31T23:59:59-23:59` was taken until
// 2026-12-06 and stored as `+010000-…`; refused since). A store upgraded with such rows answered
// 500 to every list holding one: a nullable time in an answer is a union, whose branch the
// serializer picks by checking the value, and it matched neither. Such a time is read back as
// stored; the migrations do not rewrite it (the journal holds what the charge point sent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { kyselyOn, withTestDatabase } from '../support/database.js';
import { boot, TestClient } from '../support/ocpp-client.js';
import { startTestTomada } from '../support/tomada.js';

const PAST_9999 = '+010000-01-01T23:58:59.000Z';

test('times stored past the year 9999 by an earlier version are read back as stored, not a 500', async (t) => {
  await withTestDatabase(t, async (database) => {
    const first = await startTestTomada({ unknownChargePoints: 'accept', databaseUrl: database.url });
    let transactionId: number;
    try {
      await first.domain.idTags.put({ idTag: 'FAR-TAG', status: 'Accepted', expiryDate: '2030-01-01T00:00:00.000Z', parentIdTag: null });
      const client = await TestClient.connect(first.wsUrl, 'FAR-CP');
      try {
        await boot(client);
        await client.ok('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: '2026-12-01T10:00:00Z' });
        transactionId = (await client.ok('StartTransaction', { connectorId: 1, idTag: 'FAR-TAG', meterStart: 0, timestamp: '2026-12-01T10:00:00Z' })).transactionId;
        await client.ok('StopTransaction', { transactionId, meterStop: 10, timestamp: '2026-12-01T11:00:00Z' });
      } finally {
        await client.close();
      }
    } finally {
      await first.close();
    }
    // What a store written before 2026-12-06 may hold.
    const db = kyselyOn(database);
    try {
      await sql`update transactions set stopped_at = ${PAST_9999} where id = ${transactionId}`.execute(db);
      await sql`update id_tags set expiry_date = ${PAST_9999}`.execute(db);
      await sql`update connector_status_history set reported_at = ${PAST_9999}`.execute(db);
    } finally {
      await db.destroy();
    }

    const node = await startTestTomada({ databaseUrl: database.url });
    try {
      const list = await node.api('/api/v1/transactions');
      assert.equal(list.status, 200, JSON.stringify(list.body));
      assert.equal(list.body.items[0].stoppedAt, PAST_9999);
      const one = await node.api(`/api/v1/transactions/${transactionId}`);
      assert.equal(one.status, 200, JSON.stringify(one.body));
      assert.equal(one.body.stoppedAt, PAST_9999);
      const tags = await node.api('/api/v1/id-tags');
      assert.equal(tags.status, 200, JSON.stringify(tags.body));
      assert.equal(tags.body.items[0].expiryDate, PAST_9999);
      const tag = await node.api('/api/v1/id-tags/FAR-TAG');
      assert.equal(tag.status, 200, JSON.stringify(tag.body));
      assert.equal(tag.body.expiryDate, PAST_9999);
      const history = await node.api('/api/v1/charge-points/FAR-CP/status-history');
      assert.equal(history.status, 200, JSON.stringify(history.body));
      assert.ok(
        history.body.items.some((item: { reportedAt: string | null }) => item.reportedAt === PAST_9999),
        JSON.stringify(history.body.items),
      );
    } finally {
      await node.close();
    }
  });
});
