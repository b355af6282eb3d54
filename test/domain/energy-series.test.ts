// The chart's points of a session's energy: in time order from the start to the stop, even when
// readings are stamped outside the session (a charger's clock, readings sent after the stop).
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
