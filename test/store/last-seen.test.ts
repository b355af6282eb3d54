// A Heartbeat or a StatusNotification notes when its charge point was last heard from
// (Store.noteSeen): the times noted for a batch are written just before its commit, all at once,
// instead of each in a unit of its own. What must hold: every noted time is stored once its promise
// settles, a later time already stored is never moved back (a boot in the same batch, another
// node), and a charge point the store does not know is no error. Runs on the store under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newChargePoint } from '../../src/domain/registry.js';
import type { Store } from '../../src/store/store.js';
import { withTestStore } from '../support/database.js';

const T0 = Date.parse('2026-12-04T10:00:00Z');
const at = (second: number) => new Date(T0 + second * 1000).toISOString();
const IDS = Array.from({ length: 30 }, (_, i) => `SEEN-${i}`);

async function withStore(t: { skip(reason: string): void }, body: (store: Store) => Promise<void>) {
  await withTestStore(t, async (store) => {
    await store.transact(async (tx) => {
      for (const id of IDS) await tx.insertChargePoint(newChargePoint(id, 'Accepted', at(0)));
    });
    await body(store);
  });
}

const lastSeen = async (store: Store, id: string) => (await store.getChargePoint(id))!.lastSeenAt;

test('times noted together are all stored by the time each settles', async (t) => {
  await withStore(t, async (store) => {
    // Queued in one turn of the event loop: one batch.
    await Promise.all(
      IDS.map(async (id, i) => {
        await store.noteSeen(id, at(100 + i));
        assert.equal(await lastSeen(store, id), at(100 + i), `${id} as soon as its note settled`);
      }),
    );
    // Later notes, again together, move every one on.
    await Promise.all(IDS.map((id, i) => store.noteSeen(id, at(200 + i))));
    for (const [i, id] of IDS.entries()) assert.equal(await lastSeen(store, id), at(200 + i), id);
  });
});

test('a later time already stored stays, within a batch and across batches', async (t) => {
  await withStore(t, async (store) => {
    const [a, b, c] = IDS as [string, string, string];
    // Across batches: stored at 50, noted at 40.
    await store.transact((tx) => tx.updateChargePoint(a, { lastSeenAt: at(50) }), a);
    await store.noteSeen(a, at(40));
    assert.equal(await lastSeen(store, a), at(50));
    // In one batch: a note at 60, then a unit of that charge point writing 70 (a boot does), and
    // for another charge point two notes, the later first.
    await Promise.all([
      store.noteSeen(b, at(60)),
      store.transact((tx) => tx.updateChargePoint(b, { lastSeenAt: at(70) }), b),
      store.noteSeen(c, at(90)),
      store.noteSeen(c, at(80)),
    ]);
    assert.equal(await lastSeen(store, b), at(70), 'the note written before COMMIT does not undo the later write');
    assert.equal(await lastSeen(store, c), at(90), 'the later of two notes');
    // And a later note does move it on.
    await store.noteSeen(a, at(55));
    assert.equal(await lastSeen(store, a), at(55));
  });
});

test('a note for a charge point the store does not know changes nothing and fails nothing', async (t) => {
  await withStore(t, async (store) => {
    await Promise.all([store.noteSeen('NOT-REGISTERED', at(10)), store.noteSeen(IDS[0]!, at(10))]);
    assert.equal(await store.getChargePoint('NOT-REGISTERED'), undefined);
    assert.equal(await lastSeen(store, IDS[0]!), at(10));
  });
});
