// A charge point resends a message whose answer it did not get; the resend must not raise the
// message's event again. Two cases where it did: a MeterValues for an unknown transaction first
// stored before a reading it repeats was stored each time (migration 0018: the resend adds the
// repeats the first one lost, and that was taken for a new message), and a StopTransaction that
// disagrees with the session's first stop (`conflictingStopTransaction` at every resend). On the
// store under test, through the domain's Transactions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { SampleDefaults, type MeterSample } from '../../src/domain/model.js';
import { newChargePoint } from '../../src/domain/registry.js';
import { Transactions } from '../../src/domain/transactions.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { kyselyOn, withTestDatabase, type TestDatabase } from '../support/database.js';

const CP = 'CP-R';
const volts: MeterSample = { ...SampleDefaults, phase: null, timestamp: '2026-12-06T10:10:00.000Z', value: '230', measurand: 'Voltage', unit: 'V' };

async function withTransactions(t: { skip(reason: string): void }, body: (s: { database: TestDatabase; store: Store; transactions: Transactions }) => Promise<void>) {
  await withTestDatabase(t, async (database) => {
    const store = await openStore(database.url);
    try {
      await store.transact(async (tx) => {
        await tx.insertChargePoint(newChargePoint(CP, 'Accepted', '2026-12-06T10:00:00.000Z'));
        await tx.putIdTag({ idTag: 'TAG-R', status: 'Accepted', expiryDate: null, parentIdTag: null });
      });
      await body({ database, store, transactions: new Transactions(store, () => new Date('2026-12-06T12:00:00.000Z'), { warn: () => undefined }) });
    } finally {
      await store.close();
    }
  });
}

const eventsOf = async (store: Store, type: string) => (await store.listEvents({ chargePointId: CP, type, limit: 100 })).length;

test('a MeterValues for an unknown transaction, first stored before repeats were numbered, resent, is noted once and its repeats stored', async (t) => {
  await withTransactions(t, async ({ database, store, transactions }) => {
    const report = { connectorId: 1, transactionId: 4242, samples: [volts, volts, volts] };
    await transactions.meterValues(CP, report);
    assert.equal(await eventsOf(store, 'meterValuesForUnknownTransaction'), 1);
    await transactions.meterValues(CP, report);
    assert.equal(await eventsOf(store, 'meterValuesForUnknownTransaction'), 1, 'resent');

    // As a store written before 2026-12-06 kept it: the voltage once.
    const db = kyselyOn(database);
    try {
      await sql`delete from meter_samples where id <> (select min(id) from meter_samples)`.execute(db);
    } finally {
      await db.destroy();
    }
    await transactions.meterValues(CP, report);
    assert.equal((await store.listSessionlessSamples(CP, { limit: 10 })).length, 3, 'the resend stored the two voltages lost');
    assert.equal(await eventsOf(store, 'meterValuesForUnknownTransaction'), 1, 'and noted nothing again');
    assert.deepEqual(await store.transact((tx) => tx.insertSamples(CP, 1, null, [{ ...volts, value: '231' }, volts, volts, volts])), { added: 1, firstTimes: 1 }, 'a reading new to the store is a first time');
  });
});

test('a StopTransaction that disagrees with the first stop is noted once, however often it is resent', async (t) => {
  await withTransactions(t, async ({ store, transactions }) => {
    const { transactionId } = await transactions.start(CP, { connectorId: 1, idTag: 'TAG-R', meterStartWh: 1000, timestamp: '2026-12-06T10:00:00.000Z' });
    const stop = { transactionId, meterStopWh: 2000, timestamp: '2026-12-06T11:00:00.000Z', samples: [] };
    await transactions.stop(CP, stop);
    const other = { ...stop, meterStopWh: 2500 };
    for (let i = 0; i < 3; i++) await transactions.stop(CP, other);
    assert.equal(await eventsOf(store, 'conflictingStopTransaction'), 1, 'the disagreeing stop, resent twice');
    await transactions.stop(CP, { ...stop, meterStopWh: 2600 });
    assert.equal(await eventsOf(store, 'conflictingStopTransaction'), 2, 'another disagreeing stop is another event');
    const session = await store.getTransaction(transactionId);
    assert.deepEqual([session?.meterStopWh, session?.anomalies], [2000, ['conflictingStop']], "the first stop's values stay");
  });
});
