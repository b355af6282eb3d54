// An operator deleted while one of its charge points, id tags or tokens is being assigned to it.
// The removal checked that the operator owned nothing, then deleted it, with no lock: an assignment
// committed in between made the delete fail on the foreign key, and the API answered 500 where 409
// (in use) is meant; an assignment checked before a removal committed and written after it failed
// on the foreign key too (500, on both stores), where "no such operator" (400) is meant. Whichever
// comes first, the answers must be those of the two one after the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnknownOperator } from '../../src/domain/access.js';
import { ApiTokens } from '../../src/domain/api-tokens.js';
import { IdTags } from '../../src/domain/id-tags.js';
import { OperatorInUse, Operators } from '../../src/domain/operators.js';
import { Registry, type RegistryOptions } from '../../src/domain/registry.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/store.js';
import { createTestSchema, needsPostgres, testStoreKind, withTestStore } from '../support/database.js';

const clock = () => new Date();
const REGISTRY: RegistryOptions = { unknownChargePoints: 'reject', heartbeatIntervalS: 300, bootRetryIntervalS: 60 };
const ADMIN = { tokenId: 'admin', tokenName: 'admin', role: 'admin', operator: null, expiresAt: null } as const;

test('an assignment to an operator removed since the request was checked is refused as naming no operator', async (t) => {
  await withTestStore(t, async (store) => {
    const operators = new Operators(store, clock);
    await operators.put('OPC-GONE', { name: 'Gone', kind: 'OPC' });
    assert.equal(await operators.remove('OPC-GONE'), true);
    // What the API checked (the operator exists) is no longer so when the unit writes.
    await assert.rejects(new Registry(store, REGISTRY, clock).configure('CP-OWNED', { operator: 'OPC-GONE' }), UnknownOperator);
    await assert.rejects(new IdTags(store).put({ idTag: 'CARD-OWNED', status: 'Accepted', expiryDate: null, parentIdTag: null, operator: 'OPC-GONE' }), UnknownOperator);
    await assert.rejects(new ApiTokens(store, clock).create(ADMIN, { name: 'gone', role: 'operator', operator: 'OPC-GONE' }), UnknownOperator);
    assert.equal(await store.getChargePoint('CP-OWNED'), undefined, 'nothing written');
    assert.equal(await store.getIdTag('CARD-OWNED'), undefined, 'nothing written');
  });
});

/** While armed, the store's next unit does its work, then waits, uncommitted, until released. */
function holding(store: SqlStore): { store: Store; arm: () => { atGate: Promise<void>; release: () => void } } {
  let armed: { reached: () => void; gate: Promise<void> } | undefined;
  const proxy = Object.create(store) as SqlStore;
  proxy.transact = (work, chargePointId, options) => {
    const hold = armed;
    armed = undefined;
    if (!hold) return store.transact(work, chargePointId, options);
    return store.transact(
      async (tx) => {
        const result = await work(tx);
        hold.reached();
        await hold.gate;
        return result;
      },
      chargePointId,
      options,
    );
  };
  const arm = () => {
    let reached!: () => void;
    let release!: () => void;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    armed = { reached, gate: new Promise<void>((resolve) => (release = resolve)) };
    return { atGate, release };
  };
  return { store: proxy, arm };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `first` on node A up to the end of its unit, held; then `second` on node B; A commits 300 ms later. */
async function race<A, B>(hold: ReturnType<typeof holding>, first: () => Promise<A>, second: () => Promise<B>): Promise<[PromiseSettledResult<A>, PromiseSettledResult<B>]> {
  const { atGate, release } = hold.arm();
  const onFirst = first();
  await atGate;
  const onSecond = second();
  await sleep(300);
  release();
  return Promise.all([Promise.allSettled([onFirst]), Promise.allSettled([onSecond])]).then(([[x], [y]]) => [x!, y!]);
}

const refusedWith = (outcome: PromiseSettledResult<unknown>, kind: new (...args: never[]) => Error) =>
  outcome.status === 'rejected' && outcome.reason instanceof kind ? 'refused' : outcome.status === 'rejected' ? String(outcome.reason) : 'done';

/** Two nodes share PostgreSQL: run in the PostgreSQL pass only (SQLite has one writer, covered above). */
const twoNodes = testStoreKind === 'postgres' ? await needsPostgres() : { skip: 'two nodes on one database: the PostgreSQL pass' };

test('two nodes at once: a removal during an assignment is "in use", an assignment during a removal names no operator', twoNodes, async () => {
  const schema = await createTestSchema();
  const a = await openPostgresStore(schema.url, { poolSize: 2 });
  const b = await openPostgresStore(schema.url, { poolSize: 2 });
  try {
    const holdA = holding(a);
    const operatorsA = new Operators(holdA.store, clock);
    const operatorsB = new Operators(b, clock);
    const registryA = new Registry(holdA.store, REGISTRY, clock);
    const registryB = new Registry(b, REGISTRY, clock);
    const tagsA = new IdTags(holdA.store);
    const tokensB = new ApiTokens(b, clock);

    // A charge point assigned on node A, not yet committed, when node B removes the operator.
    await operatorsA.put('OPC-1', { name: 'One', kind: 'OPC' });
    const [assigned, removed] = await race(holdA, () => registryA.configure('CP-1', { operator: 'OPC-1' }), () => operatorsB.remove('OPC-1'));
    assert.equal(refusedWith(assigned, UnknownOperator), 'done');
    assert.equal(refusedWith(removed, OperatorInUse), 'refused');
    assert.equal((await a.getChargePoint('CP-1'))?.operator, 'OPC-1');

    // An id tag the same way.
    await operatorsA.put('OPC-2', { name: 'Two', kind: 'OPC' });
    const [tagged, removedToo] = await race(
      holdA,
      () => tagsA.put({ idTag: 'CARD-2', status: 'Accepted', expiryDate: null, parentIdTag: null, operator: 'OPC-2' }),
      () => operatorsB.remove('OPC-2'),
    );
    assert.equal(refusedWith(tagged, UnknownOperator), 'done');
    assert.equal(refusedWith(removedToo, OperatorInUse), 'refused');

    // The operator removed on node A, not yet committed, when node B assigns a charge point and a token to it.
    await operatorsA.put('OPC-3', { name: 'Three', kind: 'OPC' });
    const [gone, late] = await race(holdA, () => operatorsA.remove('OPC-3'), () => registryB.configure('CP-3', { operator: 'OPC-3' }));
    assert.equal(refusedWith(gone, OperatorInUse), 'done');
    assert.equal(refusedWith(late, UnknownOperator), 'refused');
    await operatorsA.put('OPC-4', { name: 'Four', kind: 'OPC' });
    const [gone4, token] = await race(holdA, () => operatorsA.remove('OPC-4'), () => tokensB.create(ADMIN, { name: 'four', role: 'operator', operator: 'OPC-4' }));
    assert.equal(refusedWith(gone4, OperatorInUse), 'done');
    assert.equal(refusedWith(token, UnknownOperator), 'refused');
    assert.deepEqual((await a.listOperators()).map((o) => o.id), ['OPC-1', 'OPC-2']);
  } finally {
    await a.close();
    await b.close();
    await schema.drop();
  }
});
