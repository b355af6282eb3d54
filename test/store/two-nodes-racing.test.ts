// One charge point's calls stored by two nodes at once, on one PostgreSQL database. A charge point
// whose connection drops moves to another node and resends there the call it got no answer to,
// while the first node may still be storing it; or it sends its next call there. Each node's
// units run inside its own batch, side by side: the answers must be those of the calls stored one
// after the other, and nothing stored twice.
// store: postgres-only (SQLite has one writer: two nodes on one file take turns).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SampleDefaults, type MeterSample } from '../../src/domain/model.js';
import { newChargePoint, Registry, type RegistryOptions } from '../../src/domain/registry.js';
import { Transactions } from '../../src/domain/transactions.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/store.js';
import { createTestSchema, needsPostgres } from '../support/database.js';

const CP = 'RACER';
const quiet = { warn: () => undefined };
const clock = () => new Date();

const OTHERS = ['RACER-Y', 'RACER-Z'];

/** Unvalidated software flagged, so that a boot records an event for it. */
const REGISTRY: RegistryOptions = { unknownChargePoints: 'reject', heartbeatIntervalS: 300, bootRetryIntervalS: 60, unvalidatedSoftware: 'flag' };

interface Nodes {
  a: SqlStore;
  b: SqlStore;
  onA: Transactions;
  onB: Transactions;
  /** The charge point registry on node A, and on node B (boots, connections). */
  regA: Registry;
  regB: Registry;
  /** Hold a unit of node A, or of node B, open after its work (Hold.arm). */
  holdA: Hold;
  holdB: Hold;
}

/**
 * Two nodes' stores on one schema, one committer each (a pool of 2), so that units submitted in
 * one turn of the event loop share a batch.
 */
async function twoNodes(body: (nodes: Nodes) => Promise<void>, options: { lockTimeoutMs?: number } = {}): Promise<void> {
  const schema = await createTestSchema();
  const a = await openPostgresStore(schema.url, { poolSize: 2 });
  const b = await openPostgresStore(schema.url, { poolSize: 2, ...options });
  try {
    await a.transact(async (tx) => {
      for (const id of [CP, ...OTHERS]) await tx.insertChargePoint(newChargePoint(id, 'Accepted', new Date().toISOString()));
      for (let i = 0; i < 20; i++) await tx.putIdTag({ idTag: `TAG${i}`, status: 'Accepted', expiryDate: null, parentIdTag: null });
    });
    const holdA = new Hold();
    const holdB = new Hold();
    const [storeA, storeB] = [holdA.around(a), holdB.around(b)];
    await body({
      a,
      b,
      onA: new Transactions(storeA, clock, quiet),
      onB: new Transactions(storeB, clock, quiet),
      regA: new Registry(storeA, REGISTRY, clock),
      regB: new Registry(storeB, REGISTRY, clock),
      holdA,
      holdB,
    });
  } finally {
    await a.close();
    await b.close();
    await schema.drop();
  }
}

/** While armed, the store's next unit does its work, then waits, uncommitted, until released. */
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

  /** Holds the next unit: `atGate` when it has done its work, uncommitted; `release` lets it go on. */
  arm(): { atGate: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const atGate = new Promise<void>((resolve) => (reached = resolve));
    this.armed = { reached, gate: new Promise<void>((resolve) => (release = resolve)) };
    return { atGate, release };
  }

  /** Runs `first` (on this hold's node) up to the end of its unit, then `second`; lets the first commit 300 ms later. */
  async race<A, B>(first: () => Promise<A>, second: () => Promise<B>): Promise<[A, B]> {
    const { atGate, release } = this.arm();
    const onFirst = first();
    await atGate;
    const onSecond = second();
    await sleep(300);
    release();
    return Promise.all([onFirst, onSecond]);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const register = (timestamp: string, wh: number): MeterSample => ({ ...SampleDefaults, phase: null, timestamp, value: String(wh) });

test('a StartTransaction stored by two nodes at once gets one transaction, and both answers name it', await needsPostgres(), async () => {
  await twoNodes(async ({ a, onA, onB, holdA: hold }) => {
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
  await twoNodes(async ({ a, onA, onB, holdA: hold }) => {
    const serially = async (connectorId: number, day: string, raced: boolean) => {
      const { transactionId } = await onA.start(CP, { connectorId, idTag: 'TAG0', meterStartWh: 1000, timestamp: `${day}T00:00:00.000Z` });
      await onA.meterValues(CP, { connectorId, transactionId, samples: [register(`${day}T00:01:00.000Z`, 1100)] });
      const meterValues = () => onA.meterValues(CP, { connectorId, transactionId, samples: [register(`${day}T00:05:00.000Z`, 1900)] });
      const stop = () => onB.stop(CP, { transactionId, meterStopWh: 1500, timestamp: `${day}T00:10:00.000Z`, samples: [] });
      if (raced) await hold.race(meterValues, stop);
      else await meterValues().then(stop);
      const { id: _id, connectorId: _c, startedAt: _s, stoppedAt: _t, ...session } = (await a.getTransaction(transactionId))!;
      // The tail's instants counted from the session's day, as the two sessions run on two days.
      const dayMs = Date.parse(`${day}T00:00:00.000Z`);
      const tail = session.energyTail && {
        ...session.energyTail,
        latest: session.energyTail.latest === null ? null : session.energyTail.latest - dayMs,
        series: Object.fromEntries(Object.entries(session.energyTail.series).map(([key, f]) => [key, { ...f, lastAt: f.lastAt === null ? null : f.lastAt - dayMs }])),
      };
      return { ...session, tail: JSON.stringify(tail).replaceAll(day, 'DAY') };
    };
    const oneAfterTheOther = await serially(1, '2024-02-01', false);
    const raced = await serially(2, '2024-02-02', true);
    assert.deepEqual(oneAfterTheOther.anomalies, ['registerAboveMeterStop'], 'the register past meterStop is an anomaly');
    assert.deepEqual({ ...raced, energyTail: undefined }, { ...oneAfterTheOther, energyTail: undefined });
  });
});

test('a StartTransaction resent to another node with its id tag in another case while the first stores it: one session', await needsPostgres(), async () => {
  await twoNodes(async ({ a, onA, onB, holdA: hold }) => {
    // OCPP's id tags are case-insensitive: `tag7` and `TAG7` are one card, and the resend is the
    // same start. Its lookup ran before the tag's lock, so it missed the first node's uncommitted
    // session, and the unique key (the tag as sent) let a second one in. An Accepted tag's, then
    // a tag the registry does not know (Invalid: no lock was taken for it at all).
    for (const [i, [sent, resent]] of [['tag7', 'TAG7'], ['nobody', 'NoBody']].entries()) {
      const start = { connectorId: 2, meterStartWh: 500, timestamp: `2024-06-0${i + 1}T00:00:00.000Z` };
      const [first, again] = await hold.race(() => onA.start(CP, { ...start, idTag: sent! }), () => onB.start(CP, { ...start, idTag: resent! }));
      assert.equal(again.transactionId, first.transactionId, `${sent} then ${resent}`);
      assert.equal(again.idTagInfo.status, first.idTagInfo.status, `${sent} then ${resent}`);
    }
    const sessions = await a.listTransactions({ chargePointId: CP, limit: 100 });
    assert.deepEqual(sessions.map((s) => s.idTag).sort(), ['nobody', 'tag7']);
  });
});

test('a stop for an unknown transaction stored by two nodes at once is kept once', await needsPostgres(), async () => {
  await twoNodes(async ({ a, onA, onB, holdA: hold }) => {
    const stop = { transactionId: 424242, meterStopWh: 9000, timestamp: '2024-03-01T00:10:00.000Z', samples: [] };
    await hold.race(() => onA.stop(CP, stop), () => onB.stop(CP, stop));
    const events = await a.listEvents({ chargePointId: CP, limit: 100 });
    assert.deepEqual(events.map((e) => e.type), ['stopForUnknownTransaction']);
  });
});

test('a BootNotification stored by two nodes at once records its changes once', await needsPostgres(), async () => {
  await twoNodes(async ({ a, regA, regB, holdA: hold }) => {
    const json = { ocppVersion: '1.6', transport: 'json' } as const;
    await regA.boot(CP, { vendor: 'Racer', model: 'R1', firmwareVersion: '1.0' }, json);
    // New firmware, resent to node B while node A still stores it.
    const boot = { vendor: 'Racer', model: 'R1', firmwareVersion: '2.0' };
    const [first, resent] = await hold.race(() => regA.boot(CP, boot, json), () => regB.boot(CP, boot, json));
    assert.equal(first.status, 'Accepted');
    assert.equal(resent.status, 'Accepted');
    // The first boot's flag, then the new firmware's change and flag, once each.
    const events = await a.listEvents({ chargePointId: CP, limit: 100 });
    assert.deepEqual(events.map((e) => e.type).sort(), ['firmwareChanged', 'unvalidatedSoftware', 'unvalidatedSoftware']);
  });
});

test("a change of protocol, and an operator's edit of the declaration, stored by two nodes at once are recorded once", await needsPostgres(), async () => {
  await twoNodes(async ({ a, regA, regB, holdA: hold }) => {
    await regA.connected(CP, '1.6', 'json');
    // The charge point reconnects with OCPP 1.5 to node B while node A still stores the same change.
    await hold.race(() => regA.connected(CP, '1.5', 'json'), () => regB.connected(CP, '1.5', 'json'));
    // Two administrators declare the same version through two nodes.
    await hold.race(() => regA.configure(CP, { declaredOcppVersion: '1.5' }), () => regB.configure(CP, { declaredOcppVersion: '1.5' }));
    const events = await a.listEvents({ chargePointId: CP, limit: 100 });
    assert.deepEqual(events.map((e) => e.type).sort(), ['ocppVersionChanged', 'ocppVersionDeclared']);
  });
});

test('one id tag starting sessions on two charge points through two nodes at once: the second is ConcurrentTx', await needsPostgres(), async () => {
  await twoNodes(async ({ a, onA, onB, holdA: hold }) => {
    // Node A still storing its start when node B gets the other charge point's, the tag in other letters.
    const [first, second] = await hold.race(
      () => onA.start(CP, { connectorId: 1, idTag: 'TAG5', meterStartWh: 0, timestamp: '2024-06-01T00:00:00.000Z' }),
      () => onB.start('RACER-Y', { connectorId: 1, idTag: 'tag5', meterStartWh: 0, timestamp: '2024-06-01T00:00:01.000Z' }),
    );
    assert.deepEqual([first.idTagInfo.status, second.idTagInfo.status], ['Accepted', 'ConcurrentTx']);
    // Both at once, as the batches of two nodes meet them: one of each pair is Accepted.
    for (let i = 6; i < 20; i++) {
      const at = new Date(Date.UTC(2024, 6, 1, 0, i)).toISOString();
      const answers = await Promise.all([
        onA.start('RACER-Y', { connectorId: 2, idTag: `TAG${i}`, meterStartWh: 0, timestamp: at }),
        onB.start('RACER-Z', { connectorId: 2, idTag: `TAG${i}`, meterStartWh: 0, timestamp: at }),
      ]);
      assert.deepEqual(answers.map((x) => x.idTagInfo.status).sort(), ['Accepted', 'ConcurrentTx'], `tag ${i}`);
    }
    const accepted = (await a.listTransactions({ active: true, limit: 100 })).filter((t) => t.idTagStatus === 'Accepted');
    assert.equal(accepted.length, 15);
  });
});

test("a batch never waits on another node's batch for a charge point's last-seen time, so no deadlock fails it whole", await needsPostgres(), async () => {
  await twoNodes(async ({ a, onA, onB, holdB }) => {
    const y = 'RACER-Y';
    const { transactionId } = await onA.start(y, { connectorId: 1, idTag: 'TAG1', meterStartWh: 1000, timestamp: '2024-04-01T00:00:00.000Z' });
    // Node B's batch: a stop for a transaction nobody knows (it locks the charge point's row), held
    // open, then a stop of the session on the other charge point.
    const held = holdB.arm();
    const unknownStop = onB.stop(CP, { transactionId: 777777, meterStopWh: 1, timestamp: '2024-04-01T00:10:00.000Z', samples: [] });
    const stopY = onB.stop(y, { transactionId, meterStopWh: 2000, timestamp: '2024-04-01T00:10:00.000Z', samples: [] });
    await held.atGate;
    // Node A's batch meanwhile: the first charge point seen (its last call), the session's
    // MeterValues (which lock it), and an unrelated charge point's start.
    const seen = a.noteSeen(CP, new Date().toISOString());
    const meterValues = onA.meterValues(y, { connectorId: 1, transactionId, samples: [register('2024-04-01T00:05:00.000Z', 1500)] });
    const unrelated = onA.start('RACER-Z', { connectorId: 1, idTag: 'TAG2', meterStartWh: 0, timestamp: '2024-04-02T00:00:00.000Z' });
    await sleep(200);
    held.release();
    const outcomes = await Promise.allSettled([unknownStop, stopY, seen, meterValues, unrelated]);
    assert.deepEqual(
      outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : o.status)),
      ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'],
    );
    assert.equal((await a.listTransactions({ chargePointId: 'RACER-Z', limit: 10 })).length, 1);
    assert.equal((await a.getTransaction(transactionId))?.energyWh, 1000, 'the stop after the MeterValues');
  });
});

test('a node frozen in the middle of a batch holds the other node\'s calls on the same session no longer than its lock wait', await needsPostgres(), async () => {
  await twoNodes(
    async ({ onA, onB, holdA }) => {
      const { transactionId } = await onA.start(CP, { connectorId: 1, idTag: 'TAG3', meterStartWh: 1000, timestamp: '2024-05-01T00:00:00.000Z' });
      const frozen = holdA.arm();
      const meterValues = onA.meterValues(CP, { connectorId: 1, transactionId, samples: [register('2024-05-01T00:05:00.000Z', 1500)] });
      await frozen.atGate;
      const asked = performance.now();
      const stop = { transactionId, meterStopWh: 2000, timestamp: '2024-05-01T00:10:00.000Z', samples: [] };
      const stopped = onB.stop(CP, stop).then(() => 'stored', (error: Error) => error.message);
      const unrelated = onB.start('RACER-Z', { connectorId: 1, idTag: 'TAG4', meterStartWh: 0, timestamp: '2024-05-02T00:00:00.000Z' }).then(() => performance.now() - asked);
      assert.match(await stopped, /lock timeout/);
      assert.ok((await unrelated) < 2_500, `the unrelated start waited ${Math.round(await unrelated)} ms, not the 4 s node A stays frozen`);
      await sleep(4_000 - (performance.now() - asked));
      frozen.release();
      await meterValues;
      // Answered InternalError, the charge point resends the stop: stored now.
      await onB.stop(CP, stop);
    },
    { lockTimeoutMs: 500 },
  );
});
