// The chart's points of a session's energy: in time order from the start to the stop, even when
// readings are stamped outside the session (a charger's clock, readings sent after the stop).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeEnergy } from '../../src/domain/energy.js';
import { energySeries } from '../../src/domain/energy-series.js';
import { SampleDefaults, type MeterSample } from '../../src/domain/model.js';

const at = (minute: number) => new Date(Date.UTC(2025, 4, 1, 10, minute)).toISOString();
const register = (minute: number, wh: number): MeterSample => ({ ...SampleDefaults, phase: null, timestamp: at(minute), value: String(wh) });

test('points run from the start to the stop, in time order; readings outside the session have none', () => {
  const session = { startedAt: at(0), stoppedAt: at(60), meterStartWh: 1000, meterStopWh: 3000, energyWh: 2000 };
  // A reading before the start and one half an hour after the stop, above meterStop.
  const samples = [register(-5, 990), register(20, 1500), register(40, 2500), register(90, 10_000)];
  assert.deepEqual(energySeries(session, samples), [
    { at: at(0), energyWh: 0 },
    { at: at(20), energyWh: 500 },
    { at: at(40), energyWh: 1500 },
    { at: at(60), energyWh: 2000 },
  ]);
  // Running: no stop, every reading after the start has its point.
  assert.deepEqual(
    energySeries({ ...session, stoppedAt: null, meterStopWh: null, energyWh: 9000 }, samples).map((p) => p.at),
    [at(0), at(20), at(40), at(90)],
  );
});

/** The series as its rules define it: at each instant, the energy of every sample up to it. */
function seriesByDefinition(session: Parameters<typeof energySeries>[0], samples: readonly MeterSample[]) {
  const startMs = Date.parse(session.startedAt);
  const stopMs = session.stoppedAt === null ? Infinity : Date.parse(session.stoppedAt);
  const points = [{ at: session.startedAt, energyWh: 0 }];
  const instants = [...new Set(samples.map((s) => Date.parse(s.timestamp)))].filter((ms) => ms > startMs && ms < stopMs).sort((a, b) => a - b);
  for (const ms of instants) {
    const upTo = samples.filter((s) => Date.parse(s.timestamp) <= ms);
    const { energyWh } = computeEnergy({ meterStartWh: session.meterStartWh, meterStopWh: null, samples: upTo });
    if (energyWh !== null) points.push({ at: new Date(ms).toISOString(), energyWh });
  }
  if (session.stoppedAt !== null && session.energyWh !== null) points.push({ at: session.stoppedAt, energyWh: session.energyWh });
  return points;
}

const anySample = fc.record({
  // 999: a timestamp that cannot be read.
  minute: fc.oneof(fc.integer({ min: -10, max: 80 }), fc.constant(999)),
  value: fc.oneof(fc.integer({ min: 0, max: 5000 }).map(String), fc.constantFrom('x', '1.5', '')),
  measurand: fc.constantFrom('Energy.Active.Import.Register', 'Energy.Active.Import.Interval', 'Voltage'),
  unit: fc.constantFrom('Wh', 'kWh'),
  context: fc.constantFrom('Sample.Periodic', 'Sample.Clock', 'Transaction.Begin', 'Transaction.End'),
  location: fc.constantFrom('Outlet', 'Outlet', 'Inlet', 'EV', 'Cable', 'Body'),
  phase: fc.constantFrom(null, null, 'L1'),
  format: fc.constantFrom('Raw', 'Raw', 'SignedData'),
});

test('the series walked once gives the points its rules define, over generated sessions', () => {
  fc.assert(
    fc.property(fc.array(anySample, { maxLength: 40 }), fc.boolean(), fc.boolean(), (drawn, stopped, twice) => {
      const once: MeterSample[] = drawn.map(({ minute, ...s }) => ({ ...s, timestamp: minute === 999 ? 'not a time' : at(minute) }));
      // Some readings twice, as filed under two connectors: an interval counts once.
      const samples = twice ? [...once, ...once.slice(0, once.length / 2)] : once;
      const session = { startedAt: at(0), stoppedAt: stopped ? at(60) : null, meterStartWh: 100, meterStopWh: stopped ? 4000 : null, energyWh: stopped ? 3900 : null };
      assert.deepEqual(energySeries(session, samples), seriesByDefinition(session, samples));
    }),
    { numRuns: 500 },
  );
});

for (const measurand of ['Energy.Active.Import.Register', 'Energy.Active.Import.Interval']) {
  test(`a long session's chart reads each reading a few times, not once per instant (${measurand})`, () => {
    // A day of a reading a minute, with a voltage beside each. Each value is counted as it is read:
    // computed from every sample at every instant it was read about n²/2 times, and such a chart
    // held the node for seconds (a register 19 s with nine measurands beside it, intervals 1.9 s).
    const n = 1000;
    let reads = 0;
    const counted = (sample: MeterSample): MeterSample => {
      const { value, ...rest } = sample;
      return Object.defineProperty(rest, 'value', { enumerable: true, get: () => (reads++, value) }) as MeterSample;
    };
    const interval = measurand.endsWith('Interval');
    const samples = Array.from({ length: n }, (_, i) => [
      counted({ ...register(i + 1, interval ? 10 : 1000 + 10 * i), measurand }),
      counted({ ...register(i + 1, 230), measurand: 'Voltage', unit: 'V' }),
    ]).flat();
    const points = energySeries({ startedAt: at(0), stoppedAt: null, meterStartWh: 1000, meterStopWh: null, energyWh: null }, samples);
    assert.equal(points.length, n + 1);
    assert.deepEqual(points.at(-1), { at: at(n), energyWh: interval ? 10 * n : 10 * (n - 1) });
    assert.ok(reads <= 10 * samples.length, `${reads} reads of ${samples.length} samples' values`);
  });
}
