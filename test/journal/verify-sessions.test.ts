// `journal verify` judges each session by its journaled frames, on either store: an untouched
// session is no mismatch, and a session altered in the database names what differs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { sql } from 'kysely';
import { verifyJournal } from '../../src/audit/verify-journal.js';
import { openStore } from '../../src/store/open.js';
import { ROOT, tomadaArgs } from '../support/cli-entry.js';
import { kyselyOn, withTestDatabase, type TestDatabase } from '../support/database.js';
import { journalGoingOn } from '../support/journal-going-on.js';
import { TestClient } from '../support/ocpp-client.js';
import { startTestTomada } from '../support/tomada.js';

/** Runs `session` for one booted charge point (OCPP 1.6 unless told) on a node over `database`, then stops the node. */
async function charge<T>(database: TestDatabase, session: (client: TestClient) => Promise<T>, protocol = 'ocpp1.6'): Promise<T> {
  const t = await startTestTomada({ unknownChargePoints: 'accept', databaseUrl: database.url });
  try {
    await t.domain.idTags.put({ idTag: 'J1', status: 'Accepted', expiryDate: null, parentIdTag: null });
    const client = await TestClient.connect(t.wsUrl, 'J-S', { protocols: [protocol] });
    try {
      await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      return await session(client);
    } finally {
      await client.close();
    }
  } finally {
    await t.close();
  }
}

/** The report of a whole-journal run over a quiet database. */
async function verifyDatabase(database: TestDatabase) {
  const store = await openStore(database.url);
  try {
    return await verifyJournal(store);
  } finally {
    await store.close();
  }
}

/** Runs a statement on the database behind the store's back, as someone altering it would. */
async function alter(database: TestDatabase, statement: ReturnType<typeof sql>): Promise<void> {
  const db = kyselyOn(database);
  try {
    await statement.execute(db);
  } finally {
    await db.destroy();
  }
}

/** A session with a register reading: meterStart 1000 Wh, 1500 Wh at 10:10, meterStop 2000 Wh. */
async function registerSession(client: TestClient): Promise<number> {
  const start = await client.ok('StartTransaction', { connectorId: 1, idTag: 'J1', meterStart: 1000, timestamp: '2025-06-01T10:00:00Z' });
  const id = start.transactionId as number;
  await client.ok('MeterValues', { connectorId: 1, transactionId: id, meterValue: [{ timestamp: '2025-06-01T10:10:00Z', sampledValue: [{ value: '1500' }] }] });
  await client.ok('StopTransaction', { transactionId: id, meterStop: 2000, timestamp: '2025-06-01T10:20:00Z' });
  return id;
}

const interval = (timestamp: string) => ({ timestamp, sampledValue: [{ value: '500', measurand: 'Energy.Active.Import.Interval' }] });

test('interval readings that a StopTransaction repeats count once, as the store counts them', async (t) => {
  await withTestDatabase(t, async (database) => {
    const transactionId = await charge(database, async (client) => {
      const start = await client.ok('StartTransaction', { connectorId: 1, idTag: 'J1', meterStart: 0, timestamp: '2025-06-01T10:00:00Z' });
      const id = start.transactionId as number;
      await client.ok('MeterValues', { connectorId: 1, transactionId: id, meterValue: [interval('2025-06-01T10:15:00Z')] });
      await client.ok('MeterValues', { connectorId: 1, transactionId: id, meterValue: [interval('2025-06-01T10:25:00Z')] });
      const transactionData = [interval('2025-06-01T10:15:00Z'), interval('2025-06-01T10:25:00Z'), interval('2025-06-01T10:35:00Z')];
      await client.ok('StopTransaction', { transactionId: id, meterStop: 0, timestamp: '2025-06-01T10:40:00Z', transactionData });
      return id;
    });
    const store = await openStore(database.url);
    try {
      assert.equal((await store.getTransaction(transactionId))?.energyWh, 1500, 'three intervals of 500 Wh, the repeats stored once');
    } finally {
      await store.close();
    }
    assert.deepEqual((await verifyDatabase(database)).mismatches, []);
  });
});

type MeterValue = ReturnType<typeof interval>;

/** OCPP 1.5's layout of the same readings: `values[].value[]` where 1.6 has `meterValue[].sampledValue[]`. */
const values15 = (list: MeterValue[]) => list.map(({ timestamp, sampledValue }) => ({ timestamp, value: sampledValue }));

/** A MeterValues' readings and a stop's transaction data, in each version's layout. */
const layouts = {
  'ocpp1.6': { meterValues: (list: MeterValue[]) => ({ meterValue: list }), transactionData: (list: MeterValue[]) => list },
  'ocpp1.5': { meterValues: (list: MeterValue[]) => ({ values: values15(list) }), transactionData: (list: MeterValue[]) => [{ values: values15(list) }] },
} as const;

for (const protocol of ['ocpp1.6', 'ocpp1.5'] as const) {
  test(`${protocol}: interval readings reported on connector 0 during a session on connector 1, which its stop repeats, count once, and none is lost`, async (t) => {
    const layout = layouts[protocol];
    await withTestDatabase(t, async (database) => {
      const transactionId = await charge(
        database,
        async (client) => {
          const start = await client.ok('StartTransaction', { connectorId: 1, idTag: 'J1', meterStart: 0, timestamp: '2025-06-01T10:00:00Z' });
          const id = start.transactionId as number;
          // Some firmwares report the session's meter on connector 0, with the session's id.
          const first = { connectorId: 0, transactionId: id, ...layout.meterValues([interval('2025-06-01T10:15:00Z')]) };
          await client.ok('MeterValues', first);
          await client.ok('MeterValues', { connectorId: 0, transactionId: id, ...layout.meterValues([interval('2025-06-01T10:25:00Z')]) });
          await client.ok('MeterValues', first); // resent: adds nothing
          const transactionData = layout.transactionData([interval('2025-06-01T10:15:00Z'), interval('2025-06-01T10:25:00Z'), interval('2025-06-01T10:35:00Z')]);
          await client.ok('StopTransaction', { transactionId: id, meterStop: 0, timestamp: '2025-06-01T10:40:00Z', transactionData });
          return id;
        },
        protocol,
      );
      const store = await openStore(database.url);
      try {
        assert.equal((await store.getTransaction(transactionId))?.energyWh, 1500, 'three intervals of 500 Wh, those reported on both connectors once');
        const connectors = (await store.listTransactionSamples(transactionId)).map((s) => s.connectorId);
        assert.deepEqual(connectors.sort(), [0, 0, 1, 1, 1], 'every reading kept, under the connector it came on, the resend once');
      } finally {
        await store.close();
      }
      assert.deepEqual((await verifyDatabase(database)).mismatches, []);
      // Such a session stored before 2026-12-06 holds the energy that counted them twice: named, as docs/OPERATIONS.md says.
      await alter(database, sql`update transactions set energy_wh = 2500 where id = ${transactionId}`);
      assert.deepEqual((await verifyDatabase(database)).mismatches.map((m) => m.reason), ['energy differs (stored 2500 Wh, journal says 1500 Wh)']);
    });
  });
}

test('a meterStop altered in the database is named with its own figures, stored and journaled, in the report and on the command line', async (t) => {
  await withTestDatabase(t, async (database) => {
    const transactionId = await charge(database, registerSession);
    await alter(database, sql`update transactions set meter_stop_wh = 5000 where id = ${transactionId}`);
    const [mismatch] = (await verifyDatabase(database)).mismatches;
    assert.deepEqual(mismatch?.differences, [{ field: 'meterStop', storedWh: 5000, journalWh: 2000 }]);
    const result = spawnSync(process.execPath, tomadaArgs('journal', 'verify'), { cwd: ROOT, env: { ...process.env, TOMADA_DATABASE_URL: database.url }, encoding: 'utf8' });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stdout, new RegExp(`^  transaction ${transactionId}: meterStop differs \\(stored 5000 Wh, journal says 2000 Wh\\)$`, 'm'));
  });
});

/**
 * A stopped session with registers in kWh, power and voltage (7 samples; its energy is
 * meterStop − meterStart), and a running one with a voltage sample.
 */
async function measuredSessions(client: TestClient): Promise<{ stopped: number; running: number }> {
  const started = await client.ok('StartTransaction', { connectorId: 1, idTag: 'J1', meterStart: 12000, timestamp: '2025-06-01T10:00:00Z' });
  const stopped = started.transactionId as number;
  const reading = (timestamp: string, kWh: string, watts: string, volts: string) => ({
    timestamp,
    sampledValue: [{ value: kWh, unit: 'kWh' }, { value: watts, measurand: 'Power.Active.Import', unit: 'W' }, { value: volts, measurand: 'Voltage', unit: 'V', phase: 'L1-N' }],
  });
  await client.ok('MeterValues', { connectorId: 1, transactionId: stopped, meterValue: [reading('2025-06-01T10:10:00Z', '13.345', '7200', '230.0')] });
  await client.ok('MeterValues', { connectorId: 1, transactionId: stopped, meterValue: [reading('2025-06-01T10:20:00Z', '14.100', '7100', '229.5')] });
  const end = { timestamp: '2025-06-01T10:30:00Z', sampledValue: [{ value: '14.500', unit: 'kWh', context: 'Transaction.End' }] };
  await client.ok('StopTransaction', { transactionId: stopped, meterStop: 14500, timestamp: '2025-06-01T10:30:00Z', transactionData: [end] });
  const again = await client.ok('StartTransaction', { connectorId: 2, idTag: 'J1', meterStart: 0, timestamp: '2025-06-01T11:00:00Z' });
  const running = again.transactionId as number;
  await client.ok('MeterValues', { connectorId: 2, transactionId: running, meterValue: [{ timestamp: '2025-06-01T11:10:00Z', sampledValue: [{ value: '231.0', measurand: 'Voltage', unit: 'V' }] }] });
  return { stopped, running };
}

/** One column of the sample of that value, changed from what it was, and what verify then says. */
type SampleChange = readonly [label: string, transactionId: number, value: string, column: string, changed: string | number, original: string | number, expected: unknown[][]];

test('a sample altered, removed or added in the database is named, whatever its measurand, in a stopped or a running session', async (t) => {
  await withTestDatabase(t, async (database) => {
    const { stopped, running } = await charge(database, measuredSessions);
    const reasons = async () => (await verifyDatabase(database)).mismatches.map((m) => [m.transactionId, m.reason]);
    assert.deepEqual(await reasons(), [], 'untouched');
    const oneAltered = (id: number, samples: number) => [[id, `samples differ (${samples} stored, ${samples} in the journal; 1 altered or missing, 1 not in the journal)`]];
    // Each change is checked, then put back.
    const changes: SampleChange[] = [
      // Not the last register reading: the energy (meterStop − meterStart) does not move.
      ['a register reading', stopped, '13.345', 'value', '20.000', '13.345', oneAltered(stopped, 7)],
      ['a power sample', stopped, '7200', 'value', '7900', '7200', oneAltered(stopped, 7)],
      ["a running session's voltage", running, '231.0', 'value', '240.0', '231.0', oneAltered(running, 1)],
      ...(
        [['unit', 'Wh', 'V'], ['phase', 'L2-N', 'L1-N'], ['location', 'Body', 'Outlet'], ['context', 'Trigger', 'Sample.Periodic'], ['format', 'SignedData', 'Raw'], ['connector_id', 3, 1], ['timestamp', '2025-06-01T10:11:00.000Z', '2025-06-01T10:20:00.000Z']] as const
      ).map(([column, changed, original]): SampleChange => [`a voltage sample's ${column}`, stopped, '229.5', column, changed, original, oneAltered(stopped, 7)]),
      // The same instant written otherwise is the same time.
      ['the same instant in another zone', stopped, '229.5', 'timestamp', '2025-06-01T12:20:00+02:00', '2025-06-01T10:20:00.000Z', []],
    ];
    for (const [label, transactionId, value, column, changed, original, expected] of changes) {
      const where = (v: string) => sql`transaction_id = ${transactionId} and value = ${v}`;
      await alter(database, sql`update meter_samples set ${sql.ref(column)} = ${changed} where ${where(value)}`);
      assert.deepEqual(await reasons(), expected, label);
      await alter(database, sql`update meter_samples set ${sql.ref(column)} = ${original} where ${where(column === 'value' ? String(changed) : value)}`);
      assert.deepEqual(await reasons(), [], `${label}, put back`);
    }
    // A sample added: a copy of one under a key of its own.
    await alter(
      database,
      sql`insert into meter_samples (charge_point_id, connector_id, transaction_id, timestamp, value, measurand, unit, context, format, location, phase, dedupe_key)
          select charge_point_id, connector_id, transaction_id, timestamp, value, measurand, unit, context, format, location, phase, 'forged' from meter_samples where transaction_id = ${stopped} and value = '7100'`,
    );
    assert.deepEqual(await reasons(), [[stopped, 'samples differ (8 stored, 7 in the journal; 1 not in the journal)']], 'a sample stored twice');
    await alter(database, sql`delete from meter_samples where dedupe_key = 'forged'`);
    await alter(database, sql`delete from meter_samples where transaction_id = ${stopped} and value = '229.5'`);
    assert.deepEqual(await reasons(), [[stopped, 'samples differ (6 stored, 7 in the journal; 1 altered or missing)']], 'a sample removed');
  });
});

test("samples filed under a session after its stop are no mismatch, nor, with --to, those sent after the range's end", async (t) => {
  await withTestDatabase(t, async (database) => {
    let end = '';
    const transactionId = await charge(database, async (client) => {
      const id = await registerSession(client);
      // The range's end is exclusive, and the stop's answer is journaled in the millisecond it is
      // sent, which can be the one its arrival is: a millisecond apart, it is within the range.
      await new Promise((resolve) => setTimeout(resolve, 2));
      end = new Date().toISOString();
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Queued while offline, sent after the stop.
      await client.ok('MeterValues', { connectorId: 1, transactionId: id, meterValue: [{ timestamp: '2025-06-01T10:15:00Z', sampledValue: [{ value: '7000', measurand: 'Power.Active.Import', unit: 'W' }] }] });
      return id;
    });
    assert.deepEqual((await verifyDatabase(database)).mismatches, []);
    const store = await openStore(database.url);
    try {
      assert.deepEqual((await verifyJournal(store, { to: end })).mismatches, []);
      // A sample that a frame of the range sent, altered: still found.
      await alter(database, sql`update meter_samples set value = '1600' where transaction_id = ${transactionId} and value = '1500'`);
      assert.deepEqual((await verifyJournal(store, { to: end })).mismatches.map((m) => m.differences), [[{ field: 'samples', stored: 2, journal: 1, alteredOrMissing: 1, notInJournal: 2 }]]);
      await alter(database, sql`update meter_samples set value = '1500' where transaction_id = ${transactionId} and value = '1600'`);
      // The reading sent after the stop, removed: the session matched its frames up to its stop,
      // and was forgotten there; the late frame is checked on its own.
      await alter(database, sql`delete from meter_samples where transaction_id = ${transactionId} and value = '7000'`);
      const late = (await verifyJournal(store)).mismatches;
      assert.deepEqual(late.map((m) => m.transactionId), [transactionId]);
      assert.match(late[0]!.reason, /^samples differ \(1 stored; of the 1 that row \d+ sent after the session was judged, 1 altered or missing\)$/);
    } finally {
      await store.close();
    }
  });
});

test('on a running network, samples stored after the walk ends are read before a mismatch is reported, on a whole run and with --from alone', async (t) => {
  await withTestDatabase(t, async (database) => {
    const node = await startTestTomada({ unknownChargePoints: 'accept', databaseUrl: database.url });
    const client = await TestClient.connect(node.wsUrl, 'J-LIVE');
    try {
      const from = new Date(Date.now() - 60_000).toISOString();
      await node.domain.idTags.put({ idTag: 'J1', status: 'Accepted', expiryDate: null, parentIdTag: null });
      await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      const start = await client.ok('StartTransaction', { connectorId: 1, idTag: 'J1', meterStart: 0, timestamp: '2025-06-01T10:00:00Z' });
      const transactionId = start.transactionId as number;
      const voltage = (timestamp: string) => ({ connectorId: 1, transactionId, meterValue: [{ timestamp, sampledValue: [{ value: '230.0', measurand: 'Voltage', unit: 'V' }] }] });
      await client.ok('MeterValues', voltage('2025-06-01T10:10:00Z'));
      // Once the walk has fixed where the journal ends, a sample that moves no energy is stored.
      const live = journalGoingOn(node.store, async () => void (await client.ok('MeterValues', voltage('2025-06-01T10:20:00Z'))));
      assert.deepEqual((await verifyJournal(live)).mismatches, []);
      // A run to the journal's end from a time (a daily cron over the last day) catches up too: it
      // named the session "samples differ" until a review of 2026-12-06.
      const ranged = journalGoingOn(node.store, async () => void (await client.ok('MeterValues', voltage('2025-06-01T10:30:00Z'))));
      assert.deepEqual((await verifyJournal(ranged, { from })).mismatches, [], '--from run');
    } finally {
      await client.close();
      await node.close();
    }
  });
});

test('readings one message repeats (1.5 has no phase) are each judged; missing, they are named, unless stored before repeats were numbered', async (t) => {
  await withTestDatabase(t, async (database) => {
    const volts = { value: '230', measurand: 'Voltage', unit: 'Volt' };
    const meterValues = (transactionId: number) => ({ connectorId: 1, transactionId, values: [{ timestamp: '2025-06-01T10:10:00Z', value: [volts, volts, volts, { value: '500' }] }] });
    const id = await charge(
      database,
      async (client) => {
        const start = await client.ok('StartTransaction', { connectorId: 1, idTag: 'J1', meterStart: 0, timestamp: '2025-06-01T10:00:00Z' });
        const transactionId = start.transactionId as number;
        await client.ok('MeterValues', meterValues(transactionId));
        await client.ok('StopTransaction', { transactionId, meterStop: 1000, timestamp: '2025-06-01T10:20:00Z' });
        return transactionId;
      },
      'ocpp1.5',
    );
    const reasons = async () => (await verifyDatabase(database)).mismatches.map((m) => [m.transactionId, m.reason]);
    const storedSamples = async () => {
      const db = kyselyOn(database);
      try {
        const { rows } = await sql<{ n: number | string }>`select count(*) as n from meter_samples where transaction_id = ${id}`.execute(db);
        return Number(rows[0]?.n);
      } finally {
        await db.destroy();
      }
    };
    // Two of the three voltages removed: as a store written before 2026-12-06 kept them, once.
    const keepOneVoltage = () =>
      alter(database, sql`delete from meter_samples where transaction_id = ${id} and value = '230' and dedupe_key not in (select min(dedupe_key) from meter_samples where transaction_id = ${id} and value = '230')`);
    assert.deepEqual(await reasons(), [], 'untouched: four stored, four sent');
    await keepOneVoltage();
    assert.equal(await storedSamples(), 2);
    assert.deepEqual(await reasons(), [[id, 'samples differ (2 stored, 4 in the journal; 2 altered or missing)']], 'a store that numbers repeats stored them: removed, they are named');

    // As migration 0018 marks a store written before the numbering: its journal so far.
    await alter(database, sql`update numbered_repeats_mark set seq = (select max(seq) from frame_journal)`);
    assert.deepEqual(await reasons(), [], 'stored before the numbering, the reading is there, unaltered');

    // The message resent after the upgrade stores the repeats it lost, and they are due from then on.
    await charge(database, (client) => client.ok('MeterValues', meterValues(id)), 'ocpp1.5');
    assert.equal(await storedSamples(), 4, 'the resend stored the two voltages lost');
    assert.deepEqual(await reasons(), []);
    await keepOneVoltage();
    const resent = (await verifyDatabase(database)).mismatches;
    assert.deepEqual(resent.map((m) => m.transactionId), [id], 'a message stored since the numbering demands its repeats');
    assert.match(resent[0]!.reason, /^samples differ \(2 stored; of the 4 that row \d+ sent after the session was judged, 2 altered or missing\)$/);

    await alter(database, sql`update meter_samples set value = '240' where transaction_id = ${id} and value = '230'`);
    assert.deepEqual(await reasons(), [[id, 'samples differ (2 stored, 4 in the journal; 3 altered or missing, 1 not in the journal)']], 'altered, it is named');
  });
});

test("a lenient 1.5 charge point's readings in 1.6's shape are replayed converted, unless journaled before they were (migration 0023)", async (t) => {
  await withTestDatabase(t, async (database) => {
    const node = await startTestTomada({ unknownChargePoints: 'accept', databaseUrl: database.url });
    let id: number;
    try {
      await node.domain.idTags.put({ idTag: 'J1', status: 'Accepted', expiryDate: null, parentIdTag: null });
      assert.equal((await node.api('/api/v1/charge-points/J-L', { method: 'PUT', body: { lenient: true } })).status, 201);
      const client = await TestClient.connect(node.wsUrl, 'J-L', { protocols: ['ocpp1.5'] });
      try {
        await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
        const start = await client.ok('StartTransaction', { connectorId: 1, idTag: 'J1', meterStart: 0, timestamp: '2025-06-01T10:00:00Z' });
        id = start.transactionId as number;
        const end = [{ timestamp: '2025-06-01T10:20:00Z', sampledValue: [{ value: '1000', context: 'Transaction.End' }] }];
        await client.ok('StopTransaction', { transactionId: id, meterStop: 1000, timestamp: '2025-06-01T10:20:00Z', transactionData: end });
      } finally {
        await client.close();
      }
    } finally {
      await node.close();
    }
    const reasons = async () => (await verifyDatabase(database)).mismatches.map((m) => [m.transactionId, m.reason]);
    assert.deepEqual(await reasons(), [], 'stored converted, replayed converted');
    // As a store written before the conversion kept the stop: without its readings.
    await alter(database, sql`delete from meter_samples where transaction_id = ${id!}`);
    assert.deepEqual(await reasons(), [[id!, 'samples differ (0 stored, 1 in the journal; 1 altered or missing)']], 'removed since the conversion, the reading is named');
    // As migration 0023 marks a store written before the conversion: its journal so far.
    await alter(database, sql`update converted_readings_mark set seq = (select max(seq) from frame_journal)`);
    assert.deepEqual(await reasons(), [], 'journaled before the conversion, the stop was stored without them');
  });
});
