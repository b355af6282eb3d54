// Extending a running session's energy by its new samples (extendEnergy) must give exactly what
// recomputing it from every sample gives (computeEnergy), or decline. Sessions are generated with
// what chargers really send and get wrong: kWh and Wh registers, per-phase and EV readings, power
// and current, unreadable values, registers that go down, an offline backlog older than the live
// readings, resent messages, interval and signed values. The store is modelled as it reads samples
// back: ordered by time as text, then by arrival.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeEnergy, energyTail, extendEnergy, type EnergyResult } from '../../src/domain/energy.js';
import { SampleDefaults, type EnergyTail, type MeterSample } from '../../src/domain/model.js';

const T0 = Date.parse('2025-03-01T10:00:00Z');
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();

const register = fc.record({
  minute: fc.integer({ min: -5, max: 40 }),
  wh: fc.integer({ min: 0, max: 2_000_000 }),
  kwh: fc.boolean(),
});

/** One sampled value, mostly a plain register reading. */
const sampleArb: fc.Arbitrary<MeterSample> = fc.oneof(
  { weight: 8, arbitrary: register.map(({ minute, wh, kwh }) => plain(minute, kwh ? (wh / 1000).toFixed(3) : String(wh), kwh ? 'kWh' : 'Wh')) },
  { weight: 2, arbitrary: register.map(({ minute, wh }) => ({ ...plain(minute, String(wh), 'Wh'), phase: 'L1' })) },
  { weight: 1, arbitrary: register.map(({ minute, wh }) => ({ ...plain(minute, String(wh), 'Wh'), location: 'EV' })) },
  { weight: 1, arbitrary: register.map(({ minute, wh }) => ({ ...plain(minute, String(wh), 'Wh'), location: 'Inlet' })) },
  { weight: 3, arbitrary: register.map(({ minute, wh }) => ({ ...plain(minute, String(wh), 'W'), measurand: 'Power.Active.Import' })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 40 }).map((minute) => plain(minute, 'n/a', 'Wh')) },
  { weight: 1, arbitrary: register.map(({ minute, wh }) => ({ ...plain(minute, String(wh), 'Wh'), location: 'Cable' })) },
  {
    weight: 4,
    arbitrary: fc
      .record({
        minute: fc.integer({ min: -5, max: 40 }),
        wh: fc.integer({ min: 0, max: 5000 }),
        context: fc.constantFrom('Sample.Periodic', 'Sample.Clock', 'Sample.Clock', 'Transaction.Begin', 'Transaction.End'),
        location: fc.constantFrom('Outlet', 'Outlet', 'Inlet'),
      })
      .map(({ minute, wh, context, location }) => ({ ...plain(minute, String(wh), 'Wh'), measurand: 'Energy.Active.Import.Interval', context, location })),
  },
  { weight: 1, arbitrary: register.map(({ minute }) => ({ ...plain(minute, 'OCMF|{}|{}', 'Wh'), format: 'SignedData' })) },
);

function plain(minute: number, value: string, unit: string): MeterSample {
  return { ...SampleDefaults, phase: null, timestamp: at(minute), value, unit };
}

/** A stop: its meter reading and its transactionData, often none. */
const stopArb = fc.record({ meterStopWh: fc.integer({ min: 0, max: 2_000_000 }), samples: fc.array(sampleArb, { maxLength: 3 }) });

/**
 * A session: meterStart, then messages of samples; a message may be a resend of an earlier one,
 * the earlier one's readings filed again under another connector (stored again, counted once), or a stop (the first one sets the session's meterStop, later ones only add their samples, as
 * the store keeps a session's first stop), and MeterValues may still come after it.
 */
const sessionArb = fc.record({
  meterStartWh: fc.integer({ min: 0, max: 1_000_000 }),
  messages: fc.array(
    fc.oneof(
      { weight: 9, arbitrary: fc.array(sampleArb, { minLength: 1, maxLength: 6 }) },
      { weight: 1, arbitrary: fc.constant('resend' as const) },
      { weight: 1, arbitrary: fc.constant('filedAgain' as const) },
      { weight: 1, arbitrary: stopArb },
    ),
    { minLength: 1, maxLength: 25 },
  ),
});

const identity = (s: MeterSample) => JSON.stringify([s.timestamp, s.measurand, s.phase, s.location, s.context, s.unit, s.format, s.value]);

interface Stored {
  energy: EnergyResult;
  tail: EnergyTail | null;
}

test('extending the energy by new samples gives what recomputing it from all of them gives, or declines', () => {
  const extended = { running: 0, stopped: 0 };
  let declined = 0;
  fc.assert(
    fc.property(sessionArb, ({ meterStartWh, messages }) => {
      const stored: MeterSample[] = [];
      const seen = new Set<string>();
      let meterStopWh: number | null = null;
      let state: Stored = { energy: { energyWh: null, source: 'none', anomalies: [] }, tail: energyTail([]) };
      let previous: MeterSample[] = [];
      let filing = 0;
      for (const message of messages) {
        const sent = message === 'resend' || message === 'filedAgain' ? previous : Array.isArray(message) ? message : message.samples;
        previous = sent;
        if (message === 'filedAgain') filing++;
        const stopping = typeof message === 'object' && !Array.isArray(message) && meterStopWh === null;
        if (stopping) meterStopWh = message.meterStopWh;
        // As the store keeps them: a sample already stored where it is filed (a resend, a repeat) is not added again.
        const key = (s: MeterSample) => `${filing} ${identity(s)}`;
        const added = sent.filter((s) => !seen.has(key(s)) && seen.add(key(s)));
        if (added.length === 0 && !stopping) continue;
        // Filed again, a reading is another row: a copy, so that the store's model tells it apart.
        stored.push(...added.map((s) => (filing > 0 ? { ...s } : s)));
        const all = [...stored].sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : stored.indexOf(a) - stored.indexOf(b)));
        const recomputed = computeEnergy({ meterStartWh, meterStopWh, samples: all });
        const fast =
          added.length === sent.length && state.tail
            ? extendEnergy({ meterStartWh, meterStopWh }, state.tail, added)
            : undefined;
        if (fast) {
          extended[meterStopWh === null ? 'running' : 'stopped']++;
          assert.deepEqual(fast.energy, recomputed, 'extended energy differs from the recomputed one');
          assert.deepEqual(fast.tail, energyTail(all), 'extended tail differs from the recomputed one');
          state = fast;
        } else {
          declined++;
          state = { energy: recomputed, tail: energyTail(all) };
        }
      }
    }),
    { numRuns: 2000 },
  );
  // Every way is exercised, so the comparison above is not vacuous.
  assert.ok(extended.running > 1000, `extended ${extended.running} times while running`);
  assert.ok(extended.stopped > 100, `extended ${extended.stopped} times at or after a stop`);
  assert.ok(declined > 1000, `declined ${declined} times`);
});

test('a tail is kept unless a signed value needs every reading, or one instant has too many readings', () => {
  assert.deepEqual(energyTail([]), { version: 3, latest: null, series: {} });
  const live = [plain(2, '1500', 'Wh'), plain(1, '1.4', 'kWh'), plain(2, '1600', 'Wh')];
  assert.equal(energyTail(live)?.latest, Date.parse(at(2)));
  assert.equal(energyTail(live)?.series['Energy.Active.Import.Register Outlet']?.last, 1600, 'the latest in time, the later arrival among equal times');
  const interval = (minute: number, wh: number): MeterSample => ({ ...plain(minute, String(wh), 'Wh'), measurand: 'Energy.Active.Import.Interval' });
  assert.notEqual(energyTail([...live, interval(3, 5)]), null);
  assert.equal(energyTail([...live, { ...plain(3, 'OCMF|{}|{}', 'Wh'), format: 'SignedData' }]), null);
  // A charger whose clock stands still: the identities of one instant's readings are not carried at every message.
  assert.equal(energyTail(Array.from({ length: 65 }, (_, i) => interval(3, i))), null);
  assert.notEqual(energyTail(Array.from({ length: 64 }, (_, i) => interval(3, i))), null);
});

test('extending declines an older reading and a tail of the earlier shape; a stopped session whose registers went down is extended', () => {
  const running = { meterStartWh: 1000, meterStopWh: null };
  const tail = energyTail([plain(5, '2100', 'Wh'), plain(10, '2000', 'Wh')])!;
  assert.equal(extendEnergy(running, tail, [plain(9, '1900', 'Wh')]), undefined, 'an offline backlog reading');
  assert.equal(extendEnergy(running, { lastRegister: { at: at(10), wh: 2000 } } as unknown as EnergyTail, [plain(11, '2050', 'Wh')]), undefined);
  const next = extendEnergy(running, tail, [plain(10, '2050', 'Wh')]);
  assert.deepEqual(next?.energy, { energyWh: 1050, source: 'register', anomalies: ['registerDecreased'] });
  assert.deepEqual(next?.tail, energyTail([plain(5, '2100', 'Wh'), plain(10, '2000', 'Wh'), plain(10, '2050', 'Wh')]));

  // The earlier reading of 2,100 Wh was above the stop of 2,050: the tail's highest register tells.
  assert.deepEqual(extendEnergy({ ...running, meterStopWh: 2050 }, tail, [])?.energy, {
    energyWh: 1050,
    source: 'meterStop',
    anomalies: ['registerAboveMeterStop', 'registerDecreased'],
  });
  assert.deepEqual(extendEnergy({ ...running, meterStopWh: 900 }, tail, [])?.energy, {
    energyWh: -100,
    source: 'meterStop',
    anomalies: ['meterStopBelowMeterStart', 'registerAboveMeterStop', 'registerDecreased'],
  });
});
