// Charge points read by id outside a unit (an admission, the API): on the store under test, reads
// asked for together come back right, each its own record or none, for any number of ids (the
// shapes are padded to powers of two, and sliced at 512).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newChargePoint } from '../../src/domain/registry.js';
import { openStore } from '../../src/store/open.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import { withTestDatabase } from '../support/database.js';

test('charge points read together by id: each gets its own record, or none', async (t) => {
  await withTestDatabase(t, async (database) => {
    const store = (await openStore(database.url)) as SqlStore;
    try {
      const at = '2025-01-01T00:00:00.000Z';
      const ids = Array.from({ length: 700 }, (_, i) => `READ-${i}`);
      await store.transact(async (tx) => {
        for (const [i, id] of ids.entries()) await tx.insertChargePoint({ ...newChargePoint(id, i % 2 === 0 ? 'Accepted' : 'Pending', at), model: `M${i}` });
      });

      // All at once, with repeats and unknown ids among them: one turn.
      const asked = [...ids, 'READ-3', 'NOBODY', 'read-5'];
      const found = await Promise.all(asked.map((id) => store.getChargePoint(id)));
      for (const [i, id] of ids.entries()) {
        assert.equal(found[i]?.id, id);
        assert.equal(found[i]?.model, `M${i}`);
        assert.equal(found[i]?.registrationStatus, i % 2 === 0 ? 'Accepted' : 'Pending');
      }
      assert.equal(found[700]?.model, 'M3');
      assert.equal(found[701], undefined);
      assert.equal(found[702], undefined, 'ids are compared exactly');

      // Sizes that are not powers of two, read directly.
      for (const count of [1, 3, 5, 513]) {
        const some = ids.slice(0, count);
        assert.deepEqual((await store.getChargePoints(some)).map((cp) => cp.id).sort(), [...some].sort(), `${count} ids`);
      }

      // A record changed and committed is what the next read sees.
      await store.transact((tx) => tx.updateChargePoint('READ-1', { model: 'changed' }));
      assert.equal((await store.getChargePoint('READ-1'))?.model, 'changed');
    } finally {
      await store.close();
    }
  });
});
