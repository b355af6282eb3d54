// A charge point's update that gives the record as it was (a BootNotification compares the new
// software with the old): on the store under test, one statement on PostgreSQL, a read and an
// update on SQLite; the same answers either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newChargePoint } from '../../src/domain/registry.js';
import { openStore } from '../../src/store/open.js';
import { withTestDatabase } from '../support/database.js';

test('an update returning the previous record: the record as it was, the patch applied, and nothing for an unknown id', async (t) => {
  await withTestDatabase(t, async (database) => {
    const store = await openStore(database.url);
    try {
      const created = '2025-01-01T00:00:00.000Z';
      await store.transact(async (tx) => {
        await tx.insertChargePoint({ ...newChargePoint('UPD-1', 'Pending', created), vendor: 'V', model: 'M1', firmwareVersion: '1.0', operator: null });
        await tx.insertChargePoint({ ...newChargePoint('UPD-2', 'Accepted', created), model: 'other' });
      });
      const before = await store.getChargePoint('UPD-1');

      const previous = await store.transact((tx) =>
        tx.updateChargePointReturningPrevious('UPD-1', { model: 'M2', firmwareVersion: '2.0', lastBootAt: '2025-02-01T00:00:00.000Z' }),
      );
      assert.deepEqual(previous, before, 'the whole record as it was');
      const after = await store.getChargePoint('UPD-1');
      assert.deepEqual(after, { ...before, model: 'M2', firmwareVersion: '2.0', lastBootAt: '2025-02-01T00:00:00.000Z' });
      assert.equal((await store.getChargePoint('UPD-2'))?.model, 'other', 'only that charge point');

      // Again: now the first update's values are the previous ones.
      const second = await store.transact((tx) => tx.updateChargePointReturningPrevious('UPD-1', { firmwareVersion: '3.0' }));
      assert.equal(second?.firmwareVersion, '2.0');

      assert.equal(await store.transact((tx) => tx.updateChargePointReturningPrevious('NOBODY', { model: 'x' })), undefined);
      assert.equal(await store.getChargePoint('NOBODY'), undefined, 'no record made');
    } finally {
      await store.close();
    }
  });
});
