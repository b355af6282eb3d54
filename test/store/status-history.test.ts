// A StatusNotification sets its connector's current state and adds a row to the connector's
// history, every field of it: read back here from the table itself, on the store under test. A
// late (offline) report goes into the history only; a unit that fails leaves neither the state nor
// the history row. Then the store's own read of the history: newest first, every connector's or
// one's, page by page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newChargePoint } from '../../src/domain/registry.js';
import type { StatusReport } from '../../src/domain/model.js';
import { openStore } from '../../src/store/open.js';
import { kyselyOn, withTestDatabase } from '../support/database.js';

const T0 = Date.parse('2026-12-05T08:00:00Z');
const at = (second: number) => new Date(T0 + second * 1000).toISOString();
/** As the registry sets it: a current state stamped more than five minutes past its arrival came from a clock running ahead. */
const futureAfter = (receivedAt: string) => new Date(Date.parse(receivedAt) + 300_000).toISOString();

interface Sent {
  chargePointId: string;
  report: StatusReport;
  receivedAt: string;
}

test('every status notification is in the history with all its fields; the current state keeps the newest', async (t) => {
  await withTestDatabase(t, async (database) => {
    const store = await openStore(database.url);
    const db = kyselyOn(database);
    try {
      await store.transact(async (tx) => {
        for (const id of ['HIST-A', 'HIST-B']) await tx.insertChargePoint(newChargePoint(id, 'Accepted', at(0)));
      });
      const sent: Sent[] = [
        { chargePointId: 'HIST-A', report: { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: at(10) }, receivedAt: at(11) },
        {
          chargePointId: 'HIST-A',
          report: { connectorId: 1, status: 'Charging', errorCode: 'OtherError', info: 'cable warm', vendorId: 'ACME', vendorErrorCode: 'E-17', timestamp: at(20) },
          receivedAt: at(21),
        },
        // Queued while offline, delivered after the newer one: history only.
        { chargePointId: 'HIST-A', report: { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', timestamp: at(15) }, receivedAt: at(22) },
        // No time of its own: arrival order.
        { chargePointId: 'HIST-A', report: { connectorId: 0, status: 'Available', errorCode: 'NoError' }, receivedAt: at(23) },
        { chargePointId: 'HIST-B', report: { connectorId: 2, status: 'Unavailable', errorCode: 'NoError', vendorId: 'ACME' }, receivedAt: at(24) },
        // A clock that jumped to 2099, then back: the later report is the state (the 2099 one held
        // the connector for good).
        { chargePointId: 'HIST-B', report: { connectorId: 3, status: 'Available', errorCode: 'NoError', timestamp: '2099-01-01T00:00:00.000Z' }, receivedAt: at(25) },
        { chargePointId: 'HIST-B', report: { connectorId: 3, status: 'Faulted', errorCode: 'GroundFailure', timestamp: at(26) }, receivedAt: at(27) },
      ];
      const record = ({ chargePointId, report, receivedAt }: Sent) => store.transact((tx) => tx.recordStatus(chargePointId, report, receivedAt, futureAfter(receivedAt)), chargePointId);
      for (const one of sent.slice(0, 3)) await record(one);
      // Two together: units of one batch.
      await Promise.all(sent.slice(3, 5).map(record));
      for (const one of sent.slice(5)) await record(one);
      // A unit that fails after its report: neither the state nor the history row stays.
      await assert.rejects(
        store.transact(async (tx) => {
          await tx.recordStatus('HIST-B', { connectorId: 2, status: 'Faulted', errorCode: 'InternalError', timestamp: at(30) }, at(31), futureAfter(at(31)));
          throw new Error('the unit fails after it');
        }, 'HIST-B'),
        /the unit fails after it/,
      );

      const history = await db.selectFrom('connector_status_history').selectAll().orderBy('id').execute();
      assert.deepEqual(
        history.map((row) => ({
          chargePointId: row.charge_point_id,
          connectorId: Number(row.connector_id),
          status: row.status,
          errorCode: row.error_code,
          info: row.info,
          vendorId: row.vendor_id,
          vendorErrorCode: row.vendor_error_code,
          reportedAt: row.reported_at,
          receivedAt: row.received_at,
        })),
        sent.map(({ chargePointId, report, receivedAt }) => ({
          chargePointId,
          connectorId: report.connectorId,
          status: report.status,
          errorCode: report.errorCode,
          info: report.info ?? null,
          vendorId: report.vendorId ?? null,
          vendorErrorCode: report.vendorErrorCode ?? null,
          reportedAt: report.timestamp ?? null,
          receivedAt,
        })),
        'one history row per notification, in order, none for the failed unit',
      );

      const current = (await store.listConnectors()).map(({ chargePointId, connectorId, status, errorCode, info, updatedAt }) => ({ chargePointId, connectorId, status, errorCode, info, updatedAt }));
      assert.deepEqual(
        current.sort((a, b) => a.chargePointId.localeCompare(b.chargePointId) || a.connectorId - b.connectorId),
        [
          { chargePointId: 'HIST-A', connectorId: 0, status: 'Available', errorCode: 'NoError', info: null, updatedAt: at(23) },
          { chargePointId: 'HIST-A', connectorId: 1, status: 'Charging', errorCode: 'OtherError', info: 'cable warm', updatedAt: at(20) },
          { chargePointId: 'HIST-B', connectorId: 2, status: 'Unavailable', errorCode: 'NoError', info: null, updatedAt: at(24) },
          { chargePointId: 'HIST-B', connectorId: 3, status: 'Faulted', errorCode: 'GroundFailure', info: null, updatedAt: at(26) },
        ],
        'the newest report of each connector; the late Faulted and the failed unit changed nothing',
      );
    } finally {
      await db.destroy();
      await store.close();
    }
  });
});

test("a charge point's history reads newest first, every connector's or one's, page by page", async (t) => {
  await withTestDatabase(t, async (database) => {
    const store = await openStore(database.url);
    try {
      await store.transact(async (tx) => {
        for (const id of ['PAGE-A', 'PAGE-B']) await tx.insertChargePoint(newChargePoint(id, 'Accepted', at(0)));
      });
      // Reports of three connectors interleaved with another charge point's, and one late one.
      const statuses = ['Available', 'Preparing', 'Charging', 'SuspendedEV', 'Finishing', 'Faulted'] as const;
      for (let i = 0; i < 12; i++) {
        const report = { connectorId: i % 3, status: statuses[i % statuses.length]!, errorCode: i === 5 ? 'GroundFailure' : 'NoError', timestamp: at(i === 7 ? 1 : 100 + i) };
        await store.transact((tx) => tx.recordStatus('PAGE-A', report, at(200 + i), futureAfter(at(200 + i))), 'PAGE-A');
        await store.transact((tx) => tx.recordStatus('PAGE-B', { ...report, status: 'Unavailable' }, at(200 + i), futureAfter(at(200 + i))), 'PAGE-B');
      }
      const all = await store.statusHistory('PAGE-A', { limit: 100 });
      assert.equal(all.length, 12);
      assert.deepEqual(
        all.map((e) => e.receivedAt),
        Array.from({ length: 12 }, (_, i) => at(211 - i)),
        'newest arrival first; the late report keeps its place in arrival order',
      );
      assert.ok(all.every((e, i) => i === 0 || e.id < all[i - 1]!.id));
      assert.deepEqual(all.find((e) => e.receivedAt === at(205)), { id: all[6]!.id, connectorId: 2, status: 'Faulted', errorCode: 'GroundFailure', info: null, vendorId: null, vendorErrorCode: null, reportedAt: at(105), receivedAt: at(205) });
      assert.equal(all.find((e) => e.receivedAt === at(207))!.reportedAt, at(1));

      // Pages of 5: together, the whole history once.
      const paged = [];
      let beforeId: number | undefined;
      for (;;) {
        const page = await store.statusHistory('PAGE-A', { beforeId, limit: 5 });
        paged.push(...page);
        if (page.length < 5) break;
        beforeId = page.at(-1)!.id;
      }
      assert.deepEqual(paged, all);

      const one = await store.statusHistory('PAGE-A', { connectorId: 1, limit: 100 });
      assert.deepEqual(one, all.filter((e) => e.connectorId === 1));
      assert.deepEqual(await store.statusHistory('PAGE-A', { connectorId: 1, beforeId: one[1]!.id, limit: 1 }), [one[2]]);
      assert.deepEqual(await store.statusHistory('PAGE-A', { connectorId: 7, limit: 10 }), []);
      assert.deepEqual(await store.statusHistory('NOBODY', { limit: 10 }), []);

      // More connector ids than the store reads one at a time (a negative one too: the schema lets
      // any integer through): the same order and pages from its one sorted statement.
      await store.transact((tx) => tx.insertChargePoint(newChargePoint('MANY', 'Accepted', at(0))));
      for (let i = 0; i < 40; i++) {
        const report = { connectorId: (i % 20) - 1, status: 'Available' as const, errorCode: 'NoError' };
        await store.transact((tx) => tx.recordStatus('MANY', report, at(300 + i), futureAfter(at(300 + i))), 'MANY');
      }
      const many = await store.statusHistory('MANY', { limit: 100 });
      assert.deepEqual(
        many.map((e) => [e.connectorId, e.receivedAt]),
        Array.from({ length: 40 }, (_, k) => [((39 - k) % 20) - 1, at(339 - k)]),
      );
      const manyPaged = [];
      for (let before: number | undefined; ; ) {
        const page = await store.statusHistory('MANY', { beforeId: before, limit: 7 });
        manyPaged.push(...page);
        if (page.length < 7) break;
        before = page.at(-1)!.id;
      }
      assert.deepEqual(manyPaged, many);
      assert.deepEqual(await store.statusHistory('MANY', { connectorId: -1, limit: 10 }), many.filter((e) => e.connectorId === -1));
    } finally {
      await store.close();
    }
  });
});
