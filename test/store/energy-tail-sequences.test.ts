// Generated sequences of messages through the real Transactions over the store under test (SQLite
// or PostgreSQL): MeterValues on the session's connector and on connector 0, resends of earlier
// ones on either, stops with transaction data repeating the latest readings, readings after the
// stop, a restart (a new Transactions), tails of the earlier shapes put back (none, 6923e48's
// latest register, 9a5c804's interval sums in Wh), times with offsets and fractions below the
// millisecond, unreadable values, and one instant of 60 to 70 readings. After every step the stored
// energy, source and anomalies are what computeEnergy gives over every stored sample, and a tail
// of this version is the one every stored sample gives. test/domain/energy-extend.test.ts checks
// extendEnergy itself over many more sessions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeEnergy, energyTail } from '../../src/domain/energy.js';
import { SampleDefaults, type EnergyTail, type MeterSample } from '../../src/domain/model.js';
import { newChargePoint } from '../../src/domain/registry.js';
import { Transactions } from '../../src/domain/transactions.js';
import { withTestStore } from '../support/database.js';

const REGISTER = 'Energy.Active.Import.Register';
const INTERVAL = 'Energy.Active.Import.Interval';
const T0 = Date.parse('2026-12-04T10:00:00Z');
/** Minutes, written as chargers write times: UTC, an offset, a fraction below the millisecond. */
const time = (minute: number, form: number) => {
  const ms = T0 + minute * 60_000;
  if (form === 1) return new Date(ms + 3_600_000).toISOString().replace('Z', '+01:00');
  if (form === 2) return new Date(ms).toISOString().replace('Z', '0004Z');
  return new Date(ms).toISOString();
};

/** The sample `minutes` later, its time written in the same form. */
function later(sample: MeterSample, minutes: number): MeterSample {
  const form = sample.timestamp.endsWith('+01:00') ? 1 : sample.timestamp.endsWith('0004Z') ? 2 : 0;
  const ms = Date.parse(form === 2 ? sample.timestamp.replace('0004Z', 'Z') : sample.timestamp);
  return { ...sample, timestamp: time((ms - T0) / 60_000 + minutes, form) };
}

const when = fc.record({ minute: fc.integer({ min: -2, max: 12 }), form: fc.integer({ min: 0, max: 2 }) });
const base = (w: { minute: number; form: number }, value: string, unit = 'Wh'): MeterSample => ({ ...SampleDefaults, phase: null, timestamp: time(w.minute, w.form), value, unit });

const sampleArb: fc.Arbitrary<MeterSample> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ w: when, wh: fc.integer({ min: 0, max: 30_000 }), kwh: fc.boolean() }).map(({ w, wh, kwh }) => (kwh ? base(w, (wh / 10000).toFixed(4), 'kWh') : base(w, String(wh)))) },
  {
    weight: 6,
    arbitrary: fc
      .record({ w: when, tenths: fc.integer({ min: 0, max: 30_000 }), kwh: fc.boolean(), context: fc.constantFrom('Sample.Periodic', 'Sample.Clock', 'Transaction.Begin', 'Transaction.End', 'Trigger') })
      .map(({ w, tenths, kwh, context }) => ({ ...base(w, kwh ? (tenths / 10000).toFixed(4) : (tenths / 10).toFixed(1), kwh ? 'kWh' : 'Wh'), measurand: 'Energy.Active.Import.Interval', context })),
  },
  { weight: 2, arbitrary: fc.record({ w: when, wh: fc.integer({ min: 0, max: 30_000 }), location: fc.constantFrom('Inlet', 'Cable', 'Body', 'EV'), interval: fc.boolean() }).map(({ w, wh, location, interval }) => ({ ...base(w, String(wh)), location, ...(interval ? { measurand: 'Energy.Active.Import.Interval' } : {}) })) },
  { weight: 1, arbitrary: fc.record({ w: when, wh: fc.integer({ min: 0, max: 30_000 }) }).map(({ w, wh }) => ({ ...base(w, String(wh)), phase: 'L1' })) },
  { weight: 1, arbitrary: fc.record({ w: when, v: fc.constantFrom('n/a', '1e3', '0x10', ' 5', '5.'), interval: fc.boolean() }).map(({ w, v, interval }) => ({ ...base(w, v), ...(interval ? { measurand: 'Energy.Active.Import.Interval' } : {}) })) },
  { weight: 1, arbitrary: fc.record({ w: when, wh: fc.integer({ min: 0, max: 30_000 }) }).map(({ w, wh }) => ({ ...base(w, String(wh), 'W'), measurand: 'Power.Active.Import' })) },
  { weight: 1, arbitrary: when.map((w) => ({ ...base(w, 'OCMF|{}|{}'), format: 'SignedData' })) },
);

/** Many readings of one instant: a charger whose clock stands still. */
const stillClockArb = fc.record({ w: when, count: fc.integer({ min: 60, max: 70 }), distinct: fc.boolean() }).map(({ w, count, distinct }) =>
  Array.from({ length: count }, (_, i) => ({ ...base(w, distinct ? String(i) : '1'), measurand: 'Energy.Active.Import.Interval' })),
);

type Step =
  | { kind: 'values'; connectorId: number; samples: MeterSample[] }
  | { kind: 'resend'; back: number; otherConnector: boolean }
  | { kind: 'stop'; meterStopWh: number; samples: MeterSample[]; repeatEarlier: boolean }
  | { kind: 'restart' }
  | { kind: 'oldTail'; shape: 'null' | 'v1' | 'v2' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('values' as const), connectorId: fc.constantFrom(0, 1), samples: fc.array(sampleArb, { minLength: 1, maxLength: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('values' as const), connectorId: fc.constantFrom(0, 1), samples: stillClockArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('resend' as const), back: fc.integer({ min: 1, max: 4 }), otherConnector: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('stop' as const), meterStopWh: fc.integer({ min: 0, max: 30_000 }), samples: fc.array(sampleArb, { maxLength: 3 }), repeatEarlier: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('oldTail' as const), shape: fc.constantFrom('null' as const, 'v1' as const, 'v2' as const) }) },
);

/** A tail as the nodes of 9a5c804 to c6e733b wrote it: version 2, its interval sums in Wh. */
function inWh(tail: EnergyTail | null): EnergyTail | null {
  if (!tail?.series) return tail;
  const series = Object.fromEntries(Object.entries(tail.series).map(([key, f]) => [key, { ...f, clockSum: f.clockSum / 1e6, alignedSum: f.alignedSum / 1e6 }]));
  return { ...tail, version: 2, series } as unknown as EnergyTail;
}

const STOP_ANOMALIES = new Set(['conflictingStop', 'stoppedBeforeStart']);

test('any sequence of messages stores the energy that every stored sample gives', async (t) => {
  await withTestStore(t, async (store) => {
    await store.transact(async (tx) => {
      await tx.insertChargePoint(newChargePoint('CP-S', 'Accepted', time(0, 0)));
      await tx.putIdTag({ idTag: 'TAG-S', status: 'Accepted', expiryDate: null, parentIdTag: null });
    });
    let session = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 20_000 }), fc.boolean(), fc.array(stepArb, { minLength: 1, maxLength: 14 }), async (meterStartWh, intervalsOnly, steps) => {
        // Half the sessions are an interval meter's: registers there would decide the energy alone.
        // And the n-th message's readings are mostly later than the earlier ones', as live ones are.
        const asSent = (samples: MeterSample[], n: number) =>
          samples.map((s) => ({ ...later(s, n), ...(intervalsOnly && s.measurand === REGISTER ? { measurand: INTERVAL } : {}) }));
        let transactions = new Transactions(store, () => new Date(T0), { warn: () => undefined });
        const { transactionId: id } = await transactions.start('CP-S', { connectorId: 1, idTag: 'TAG-S', timestamp: new Date(T0 + ++session).toISOString(), meterStartWh });
        const sent: { connectorId: number; samples: MeterSample[] }[] = [];
        for (const [n, step] of steps.entries()) {
          if (step.kind === 'values') {
            const samples = asSent(step.samples, n);
            sent.push({ connectorId: step.connectorId, samples });
            await transactions.meterValues('CP-S', { connectorId: step.connectorId, transactionId: id, samples });
          } else if (step.kind === 'resend') {
            const earlier = sent[sent.length - step.back];
            if (!earlier) continue;
            await transactions.meterValues('CP-S', { connectorId: step.otherConnector ? 1 - earlier.connectorId : earlier.connectorId, transactionId: id, samples: earlier.samples });
          } else if (step.kind === 'stop') {
            const repeated = step.repeatEarlier ? (sent.at(-1)?.samples ?? []) : [];
            await transactions.stop('CP-S', { transactionId: id, meterStopWh: step.meterStopWh, timestamp: time(11, 0), samples: [...repeated, ...asSent(step.samples, n)] });
          } else if (step.kind === 'restart') {
            transactions = new Transactions(store, () => new Date(T0), { warn: () => undefined });
          } else {
            const tail = step.shape === 'v2' ? inWh((await store.getTransaction(id))!.energyTail) : step.shape === 'v1' ? ({ lastRegister: { at: time(1, 0), wh: 5 } } as unknown as EnergyTail) : null;
            await store.transact((tx) => tx.updateTransaction(id, { energyTail: tail }));
          }
          const stored = (await store.getTransaction(id))!;
          const samples = await store.listTransactionSamples(id);
          const expected = computeEnergy({ meterStartWh: stored.meterStartWh, meterStopWh: stored.meterStopWh, samples });
          // The stop's own anomalies are kept beside the energy's; a -0 Wh is stored as 0.
          const kept = stored.anomalies.filter((a) => STOP_ANOMALIES.has(a));
          assert.deepEqual(
            { energyWh: stored.energyWh, source: stored.energySource, anomalies: stored.anomalies },
            { ...expected, energyWh: expected.energyWh === null ? null : expected.energyWh + 0, anomalies: [...new Set([...kept, ...expected.anomalies])].sort() },
            `step ${n} (${step.kind})`,
          );
          if (stored.energyTail?.version === 3) {
            assert.deepEqual(stored.energyTail, energyTail(samples), `step ${n} (${step.kind}): the tail`);
          }
        }
      }),
      { numRuns: Number(process.env.RUNS ?? 100) },
    );
  });
});
