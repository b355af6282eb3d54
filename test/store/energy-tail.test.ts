// A session's energy goes on from its stored tail when a MeterValues or a stop brings only new
// readings, none older than the latest (migration 0010, Transactions.extendEnergy), and is
// recomputed from every sample when it must be: resends, an offline backlog, signed values, a
// session stored before the migration or with a tail of the earlier shape. Either way the stored energy is what all its
// samples give. Runs on the store under test (SQLite or PostgreSQL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeEnergy, energyTail } from '../../src/domain/energy.js';
import { SampleDefaults, type EnergyTail, type MeterSample } from '../../src/domain/model.js';
import { newChargePoint } from '../../src/domain/registry.js';
import { Transactions } from '../../src/domain/transactions.js';
import type { Store } from '../../src/store/store.js';
import { withTestStore } from '../support/database.js';

const T0 = Date.parse('2026-12-04T10:00:00Z');
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();
const register = (minute: number, wh: number): MeterSample => ({ ...SampleDefaults, phase: null, timestamp: at(minute), value: String(wh) });
const power = (minute: number, w: number): MeterSample => ({ ...register(minute, w), measurand: 'Power.Active.Import', unit: 'W' });
const interval = (minute: number, wh: number): MeterSample => ({ ...register(minute, wh), measurand: 'Energy.Active.Import.Interval' });

async function withSession(t: { skip(reason: string): void }, body: (s: { store: Store; transactions: Transactions; start(meterStartWh: number): Promise<number> }) => Promise<void>) {
  await withTestStore(t, async (store) => {
    await store.transact(async (tx) => {
      await tx.insertChargePoint(newChargePoint('CP-E', 'Accepted', at(0)));
      await tx.putIdTag({ idTag: 'TAG-E', status: 'Accepted', expiryDate: null, parentIdTag: null });
    });
    const transactions = new Transactions(store, () => new Date(T0), { warn: () => undefined });
    let connector = 0;
    const start = async (meterStartWh: number) =>
      (await transactions.start('CP-E', { connectorId: ++connector, idTag: 'TAG-E', timestamp: at(0), meterStartWh })).transactionId;
    await body({ store, transactions, start });
  });
}

/** The stored energy equals the recomputation from every stored sample; returns the transaction. */
async function assertConsistent(store: Store, id: number, label: string) {
  const transaction = (await store.getTransaction(id))!;
  const samples = await store.listTransactionSamples(id);
  const expected = computeEnergy({ meterStartWh: transaction.meterStartWh, meterStopWh: transaction.meterStopWh, samples });
  assert.deepEqual({ energyWh: transaction.energyWh, source: transaction.energySource, anomalies: transaction.anomalies }, expected, label);
  return transaction;
}

test('a session whose energy is extended and recomputed in turns always stores what its samples give', async (t) => {
  await withSession(t, async ({ store, transactions, start }) => {
    const id = await start(1000);
    const send = (samples: MeterSample[]) => transactions.meterValues('CP-E', { connectorId: 1, transactionId: id, samples });
    const started = await assertConsistent(store, id, 'started');
    assert.deepEqual(started.energyTail, energyTail([]), 'a new session can be extended from the start');

    await send([register(1, 1500), power(1, 7000)]);
    assert.deepEqual((await assertConsistent(store, id, 'live reading')).energyTail, energyTail([register(1, 1500)]));
    await send([power(2, 7100)]);
    await assertConsistent(store, id, 'power alone');
    await send([register(1, 1500), power(1, 7000)]);
    await assertConsistent(store, id, 'a resend');
    await send([register(1, 1500), register(3, 1800)]);
    assert.equal((await assertConsistent(store, id, 'a resend with something new')).energyWh, 800);
    await send([register(0.5, 1200)]);
    assert.deepEqual((await assertConsistent(store, id, 'an offline backlog reading')).energyTail, energyTail([register(0.5, 1200), register(1, 1500), register(3, 1800)]));
    await send([register(4, 1700)]);
    assert.deepEqual((await assertConsistent(store, id, 'a register that went down')).anomalies, ['registerDecreased']);
    await send([{ ...register(5, 40), measurand: 'Energy.Active.Import.Interval' }]);
    assert.notEqual((await assertConsistent(store, id, 'an interval value')).energyTail, null, 'interval values go on from the tail too');
    await send([{ ...register(5.5, 1850), format: 'SignedData', value: 'OCMF|{}|{}' }]);
    assert.equal((await assertConsistent(store, id, 'a signed value')).energyTail, null, 'signed values need every sample from now on');
    await send([register(6, 1900)]);
    assert.equal((await assertConsistent(store, id, 'after an interval value')).energyWh, 900);

    await transactions.stop('CP-E', { transactionId: id, meterStopWh: 2000, timestamp: at(7), samples: [] });
    assert.equal((await assertConsistent(store, id, 'stopped')).energySource, 'meterStop');
    await send([register(8, 2100)]);
    assert.equal((await assertConsistent(store, id, 'a late reading after the stop')).energyWh, 1000);
  });
});

test('the next message goes on from the stored tail, without reading the samples back', async (t) => {
  await withSession(t, async ({ store, transactions, start }) => {
    const id = await start(1000);
    const send = (samples: MeterSample[]) => transactions.meterValues('CP-E', { connectorId: 1, transactionId: id, samples });
    await send([register(1, 1500)]);
    // A tail that disagrees with the samples (it cannot, outside this test) shows which one was read.
    await store.transact((tx) => tx.updateTransaction(id, { energyTail: energyTail([register(1, 1700)]) }));
    await send([register(2, 1600)]);
    const transaction = (await store.getTransaction(id))!;
    assert.deepEqual(transaction.anomalies, ['registerDecreased'], 'compared with the tail, not with the stored 1500 Wh');
    assert.equal(transaction.energyWh, 600);
  });
});

test("an interval session's next message goes on from the stored tail, without reading the samples back", async (t) => {
  await withSession(t, async ({ store, transactions, start }) => {
    const id = await start(1000);
    const send = (samples: MeterSample[]) => transactions.meterValues('CP-E', { connectorId: 1, transactionId: id, samples });
    await send([interval(1, 100), power(1, 7000)]);
    await send([interval(2, 120)]);
    assert.equal((await assertConsistent(store, id, 'two intervals')).energyWh, 220);
    // Until 2026-12-07 every MeterValues of such a session read all of its samples back. A tail
    // that disagrees with the samples shows which one was read.
    await store.transact((tx) => tx.updateTransaction(id, { energyTail: energyTail([interval(1, 100), interval(2, 500)]) }));
    await send([interval(3, 80)]);
    assert.equal((await store.getTransaction(id))!.energyWh, 680, 'summed on from the tail, not from the stored 220 Wh');
  });
});

test('a session stored before migration 0010 is recomputed once, then extended', async (t) => {
  await withSession(t, async ({ store, transactions, start }) => {
    const id = await start(1000);
    const send = (samples: MeterSample[]) => transactions.meterValues('CP-E', { connectorId: 1, transactionId: id, samples });
    await send([register(1, 1500)]);
    await store.transact((tx) => tx.updateTransaction(id, { energyTail: null }));
    await send([register(2, 1400)]);
    const recomputed = await assertConsistent(store, id, 'recomputed');
    assert.deepEqual(recomputed.energyTail, energyTail([register(1, 1500), register(2, 1400)]));
    assert.deepEqual(recomputed.anomalies, ['registerDecreased'], 'found against the samples read back');

    // A tail of the shape written before 2026-12-07: read as none, recomputed once.
    await store.transact((tx) => tx.updateTransaction(id, { energyTail: { lastRegister: { at: at(2), wh: 9999 } } as unknown as EnergyTail }));
    await send([register(3, 1600)]);
    const again = await assertConsistent(store, id, 'recomputed from a tail of the earlier shape');
    assert.deepEqual(again.energyTail, energyTail([register(1, 1500), register(2, 1400), register(3, 1600)]));
  });
});

test('a stop goes on from the stored tail as well, and recomputes when the tail cannot tell', async (t) => {
  await withSession(t, async ({ store, transactions, start }) => {
    const stop = (id: number, meterStopWh: number, samples: MeterSample[] = []) =>
      transactions.stop('CP-E', { transactionId: id, meterStopWh, timestamp: at(9), samples });
    const send = (id: number, connectorId: number, samples: MeterSample[]) => transactions.meterValues('CP-E', { connectorId, transactionId: id, samples });

    const fromTail = await start(1000);
    await send(fromTail, 1, [register(1, 1500)]);
    // A tail above the stop (the stored 1500 Wh is not) shows that the stop read the tail.
    await store.transact((tx) => tx.updateTransaction(fromTail, { energyTail: energyTail([register(1, 2500)]) }));
    await stop(fromTail, 2000);
    const stopped = (await store.getTransaction(fromTail))!;
    assert.deepEqual(
      { stoppedAt: stopped.stoppedAt, meterStopWh: stopped.meterStopWh, energyWh: stopped.energyWh, source: stopped.energySource, anomalies: stopped.anomalies },
      { stoppedAt: at(9), meterStopWh: 2000, energyWh: 1000, source: 'meterStop', anomalies: ['registerAboveMeterStop'] },
    );

    const withBegin = await start(1000);
    await send(withBegin, 2, [register(1, 1500), register(2, 1800)]);
    // transactionData usually opens with the session's first reading: older than the tail, so every sample is read.
    await stop(withBegin, 1900, [{ ...register(0, 1000), context: 'Transaction.Begin' }, { ...register(8, 1900), context: 'Transaction.End' }]);
    assert.equal((await assertConsistent(store, withBegin, 'a stop with its begin reading')).energyTail?.latest, Date.parse(at(8)));
    await stop(withBegin, 1900, [{ ...register(0, 1000), context: 'Transaction.Begin' }, { ...register(8, 1900), context: 'Transaction.End' }]);
    assert.equal((await assertConsistent(store, withBegin, 'the same stop sent again')).stoppedAt, at(9));

    const wentDown = await start(1000);
    await send(wentDown, 3, [register(1, 2500)]);
    await send(wentDown, 3, [register(2, 1500)]);
    await stop(wentDown, 2000, [register(8, 1900)]);
    assert.deepEqual((await assertConsistent(store, wentDown, 'registers that went down, then a stop')).anomalies, ['registerAboveMeterStop', 'registerDecreased']);
  });
});

test('a tail written before its interval sums were in millionths of a Wh (2026-12-07, 9a5c804) is recomputed once, not summed on', async (t) => {
  await withSession(t, async ({ store, transactions, start }) => {
    const id = await start(0);
    const send = (samples: MeterSample[]) => transactions.meterValues('CP-E', { connectorId: 1, transactionId: id, samples });
    await send([interval(1, 5000)]);
    // The tail a node of 9a5c804 to c6e733b wrote for these samples: the same shape, the sum in Wh.
    const current = (await store.getTransaction(id))!.energyTail!;
    const figures = current.series['Energy.Active.Import.Interval Outlet']!;
    const inWh = { ...current, version: 2, series: { 'Energy.Active.Import.Interval Outlet': { ...figures, alignedSum: 5000 } } } as unknown as EnergyTail;
    await store.transact((tx) => tx.updateTransaction(id, { energyTail: inWh }));
    await send([interval(2, 100)]);
    // Read as millionths, the 5,000 Wh were 0.005 Wh: the session stood at 100 Wh.
    assert.equal((await assertConsistent(store, id, 'after a tail of Wh sums')).energyWh, 5100);
  });
});
