// A PostgreSQL node runs several group committers (src/store/sql-store.ts): a charge point's units
// and frames must always take the same one, so they commit in the order they arrived (the
// journal's rule: a frame commits with what it reports, or before), while other charge points'
// units go on beside them. Each case holds one committer with a unit that waits.
// store: postgres-only (scripts/run-tests.mjs runs it in the PostgreSQL pass alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newChargePoint } from '../../src/domain/registry.js';
import { committersFor, openPostgresStore } from '../../src/store/postgres.js';
import { committerIndex, type SqlStore } from '../../src/store/sql-store.js';
import { createTestSchema, needsPostgres } from '../support/database.js';

const POOL = 8;
const COMMITTERS = committersFor(POOL);
const IDS = Array.from({ length: 40 }, (_, i) => `CM-${i}`);
/** A charge point whose units do not go to the first committer (where units naming none go). */
const NOT_FIRST = IDS.filter((id) => committerIndex(id, COMMITTERS) !== 0);

/** Whether the promise settles within 300 ms. */
const settles = (promise: Promise<unknown>) => Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 300))]);

const frameOf = (chargePointId: string) => ({ at: new Date().toISOString(), chargePointId, direction: 'in' as const, protocol: 'ocpp1.6-json', frame: Buffer.from(`[2,"${chargePointId}","Heartbeat",{}]`) });

/** Holds a committer (`chargePointId`'s, or the first one) until released. */
async function hold(store: SqlStore, chargePointId?: string): Promise<{ release: () => void; done: Promise<void> }> {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let started = () => {};
  const running = new Promise<void>((resolve) => (started = resolve));
  const done = store.transact(async (tx) => {
    // A write, so the unit is a real one; without a charge point, one that locks no charge point's row.
    if (chargePointId) await tx.updateChargePoint(chargePointId, { lastSeenAt: new Date().toISOString() });
    else await tx.insertEvent({ at: new Date().toISOString(), chargePointId: null, type: 'held', data: {} });
    started();
    await held;
  }, chargePointId);
  await running;
  return { release, done };
}

async function withStore(body: (store: SqlStore, releases: (() => void)[]) => Promise<void>): Promise<void> {
  assert.ok(COMMITTERS > 1 && NOT_FIRST.length > 1, 'the cases need several committers');
  const schema = await createTestSchema();
  const store = await openPostgresStore(schema.url, { poolSize: POOL });
  const releases: (() => void)[] = [];
  try {
    await store.transact(async (tx) => {
      for (const id of IDS) await tx.insertChargePoint(newChargePoint(id, 'Accepted', new Date().toISOString()));
    });
    await body(store, releases);
  } finally {
    for (const release of releases) release(); // a failed assertion must not leave store.close() waiting
    await store.close();
    await schema.drop();
  }
}

test("a charge point's units wait behind its earlier ones; other charge points' go on beside", await needsPostgres(), async () => {
  await withStore(async (store, releases) => {
    const id = NOT_FIRST[0]!;
    const held = await hold(store, id);
    releases.push(held.release);
    const later = store.transact((tx) => tx.updateChargePoint(id, { lastBootAt: new Date().toISOString() }), id);
    assert.equal(await settles(later), false, `${id}'s later unit committed before its earlier one`);

    const others = IDS.filter((other) => other !== id).map((other) => store.transact((tx) => tx.updateChargePoint(other, { lastSeenAt: new Date().toISOString() }), other));
    const free = (await Promise.all(others.map(settles))).filter(Boolean).length;
    const sharing = IDS.filter((other) => other !== id && committerIndex(other, COMMITTERS) === committerIndex(id, COMMITTERS)).length;
    assert.equal(free, others.length - sharing, `${free} of ${others.length} others committed while ${id}'s committer was held (${sharing} share it)`);

    held.release();
    await Promise.all([held.done, later, ...others]);
    assert.notEqual((await store.getChargePoint(id))!.lastBootAt, null);
  });
});

test("a charge point's frames go to its own committer, not to a busy one", await needsPostgres(), async () => {
  await withStore(async (store, releases) => {
    // The first committer is held (by a unit naming no charge point, as the API's do).
    const held = await hold(store);
    releases.push(held.release);
    const id = NOT_FIRST[0]!;
    const reported = store.withFrames([frameOf(id)], {}, () => store.transact((tx) => tx.updateChargePoint(id, { lastBootAt: new Date().toISOString() }), id));
    assert.equal(await settles(reported), true, `${id}'s frame waited for another committer: its data could have committed before it`);
    assert.equal((await store.recentJournal(id, 10)).length, 1);
    held.release();
    await held.done;
  });
});
