// One charge point's calls stored by two nodes at once, on one PostgreSQL database. A charge point
// whose connection drops moves to another node and resends there the call it got no answer to,
// while the first node may still be storing it; or it sends its next call there. Each node's
// units run inside its own batch, side by side: the answers must be those of the calls stored one
// after the other, and nothing stored twice.
// store: postgres-only (SQLite has one writer: two nodes on one file take turns).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SampleDefaults, type MeterSample } from '../../src/domain/model.js';
import { newChargePoint } from '../../src/domain/registry.js';
import { Transactions } from '../../src/domain/transactions.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/store.js';
import { createTestSchema, needsPostgres } from '../support/database.js';

const CP = 'RACER';
const quiet = { warn: () => undefined };
const clock = () => new Date();

interface Nodes {
  a: SqlStore;
  b: SqlStore;
  /** Node A's domain, its units held open after their work until `release` (see `holdingA`). */
  onA: Transactions;
  onB: Transactions;
}

async function twoNodes(body: (nodes: Nodes & { hold: Hold }) => Promise<void>): Promise<void> {
  const schema = await createTestSchema();
  const a = await openPostgresStore(schema.url, { poolSize: 4 });
  const b = await openPostgresStore(schema.url, { poolSize: 4 });
  try {
    await a.transact(async (tx) => {
      await tx.insertChargePoint(newChargePoint(CP, 'Accepted', new Date().toISOString()));
      for (let i = 0; i < 20; i++) await tx.putIdTag({ idTag: `TAG${i}`, status: 'Accepted', expiryDate: null, parentIdTag: null });
    });
    const hold = new Hold();
    await body({ a, b, onA: new Transactions(hold.around(a), clock, quiet), onB: new Transactions(b, clock, quiet), hold });
  } finally {
    await a.close();
    await b.close();
    await schema.drop();
  }
}

/** While armed, node A's next unit does its work, then waits, uncommitted, until released. */
class Hold {
  private armed: { reached: () => void; gate: Promise<void> } | undefined;

  around(store: SqlStore): Store {
    const proxy = Object.create(store) as SqlStore;
    proxy.transact = (work, chargePointId, options) => {
      const armed = this.armed;
      this.armed = undefined;
      if (!armed) return store.transact(work, chargePointId, options);
      return store.transact(
        async (tx) => {
          const result = await work(tx);
          armed.reached();
          await armed.gate;
          return result;
        },
        chargePointId,
        options,
      );
    };
    return proxy;
  }

  /** Runs `first` on node A up to the end of its unit, then `second` on node B; lets A commit 300 ms later. */
  async race<A, B>(first: () => Promise<A>, second: () => Promise<B>): Promise<[A, B]> {
    let reached!: () => void;
    let release!: () => void;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    this.armed = { reached, gate: new Promise<void>((resolve) => (release = resolve)) };
    const onA = first();
    await atGate;
    const onB = second();
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    return Promise.all([onA, onB]);
  }
}

const register = (timestamp: string, wh: number): MeterSample => ({ ...SampleDefaults, phase: null, timestamp, value: String(wh) });

test('a StartTransaction stored by two nodes at once gets one transaction, and both answers name it', await needsPostgres(), async () => {
  await twoNodes(async ({ a, onA, onB, hold }) => {
    // Node A still storing it when node B gets the resend.
    const start = { connectorId: 1, idTag: 'TAG0', meterStartWh: 1000, timestamp: '2024-01-01T00:00:00.000Z' };
    const [first, resent] = await hold.race(() => onA.start(CP, start), () => onB.start(CP, start));
    assert.deepEqual(resent, first);
    // Both at once, as the batches of two nodes meet them.
    for (let i = 1; i < 20; i++) {
      const request = { connectorId: 1, idTag: `TAG${i}`, meterStartWh: 1000 + i, timestamp: new Date(Date.UTC(2024, 0, 1, 1, i)).toISOString() };
      const [x, y] = await Promise.all([onA.start(CP, request), onB.start(CP, request)]);
      assert.equal(x.transactionId, y.transactionId, `start ${i}`);
    }
    assert.equal((await a.listTransactions({ chargePointId: CP, limit: 100 })).length, 20);
  });
});

test("a session's next call stored by another node while the first node stores the one before: the same session as one after the other", await needsPostgres(), async () => {
  await twoNodes(async ({ a, onA, onB, hold }) => {
    const serially = async (connectorId: number, day: string, raced: boolean) => {
      const { transactionId } = await onA.start(CP, { connectorId, idTag: 'TAG0', meterStartWh: 1000, timestamp: `${day}T00:00:00.000Z` });
      await onA.meterValues(CP, { connectorId, transactionId, samples: [register(`${day}T00:01:00.000Z`, 1100)] });
      const meterValues = () => onA.meterValues(CP, { connectorId, transactionId, samples: [register(`${day}T00:05:00.000Z`, 1900)] });
      const stop = () => onB.stop(CP, { transactionId, meterStopWh: 1500, timestamp: `${day}T00:10:00.000Z`, samples: [] });
      if (raced) await hold.race(meterValues, stop);
      else await meterValues().then(stop);
      const { id: _id, connectorId: _c, startedAt: _s, stoppedAt: _t, ...session } = (await a.getTransaction(transactionId))!;
      return { ...session, tail: JSON.stringify(session.energyTail).replaceAll(day, 'DAY') };
    };
    const oneAfterTheOther = await serially(1, '2024-02-01', false);
    const raced = await serially(2, '2024-02-02', true);
    assert.deepEqual(oneAfterTheOther.anomalies, ['registerAboveMeterStop'], 'the register past meterStop is an anomaly');
    assert.deepEqual({ ...raced, energyTail: undefined }, { ...oneAfterTheOther, energyTail: undefined });
  });
});

test('a stop for an unknown transaction stored by two nodes at once is kept once', await needsPostgres(), async () => {
  await twoNodes(async ({ a, onA, onB, hold }) => {
    const stop = { transactionId: 424242, meterStopWh: 9000, timestamp: '2024-03-01T00:10:00.000Z', samples: [] };
    await hold.race(() => onA.stop(CP, stop), () => onB.stop(CP, stop));
    const events = await a.listEvents({ chargePointId: CP, limit: 100 });
    assert.deepEqual(events.map((e) => e.type), ['stopForUnknownTransaction']);
  });
});
