// The simulator's meter: exact integer energy, and its wording in Wh and kWh.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EnergyMeter, formatEnergy } from '../../src/sim/meter.js';
import { ActiveSession } from '../../src/sim/session.js';

test('formatEnergy writes integer Wh, or kWh with exactly three decimals', () => {
  assert.equal(formatEnergy(1_234_567, 'Wh'), '1234567');
  assert.equal(formatEnergy(1_234_567, 'kWh'), '1234.567');
  assert.equal(formatEnergy(5, 'kWh'), '0.005');
  assert.equal(formatEnergy(0, 'kWh'), '0.000');
  assert.equal(formatEnergy(2_500, 'kWh'), '2.500');
  assert.throws(() => formatEnergy(1.5, 'Wh'), RangeError);
});

test('kWh text read back is the same Wh, for any register', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (wh) => {
      const [whole, fraction] = formatEnergy(wh, 'kWh').split('.');
      assert.equal(fraction?.length, 3);
      assert.equal(BigInt(whole ?? '') * 1000n + BigInt(fraction ?? ''), BigInt(wh));
    }),
  );
});

test('the register advances by power × time, carrying fractions of a Wh', () => {
  const meter = new EnergyMeter(10);
  meter.advance(1_000, 1_800); // 0.5 Wh
  assert.equal(meter.registerWh, 10);
  meter.advance(1_000, 1_800); // 1 Wh in all
  assert.equal(meter.registerWh, 11);
  meter.advance(11_000, 3_600_000); // one hour at 11 kW
  assert.equal(meter.registerWh, 11_011);
  assert.throws(() => new EnergyMeter(-1), RangeError);
});

test('interval readings add up to the register delta, whatever the power, interval and tick count', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 10_000_000 }),
      fc.integer({ min: 0, max: 400_000 }),
      fc.integer({ min: 1, max: 60_000 }),
      fc.integer({ min: 0, max: 200 }),
      (initialWh, powerW, sampleIntervalMs, ticks) => {
        const meter = new EnergyMeter(initialWh);
        const settings = { mode: 'interval' as const, unit: 'Wh' as const, powerW, sampleIntervalMs };
        const session = new ActiveSession({
          chargePointId: 'CP',
          connectorId: 1,
          transactionId: 1,
          idTag: 'T',
          meterStartWh: meter.registerWh,
          meterStopWh: undefined,
          deliveredWh: undefined,
          stopReason: undefined,
          startedAt: '',
          stoppedAt: undefined,
        });
        let sum = 0;
        for (let i = 0; i < ticks; i++) {
          meter.advance(powerW, sampleIntervalMs);
          const reading = session.reading(settings, meter.registerWh, new Date(0), 'Sample.Periodic');
          assert.ok(Number.isInteger(reading.wh) && reading.wh >= 0);
          sum += reading.wh;
        }
        sum += session.reading(settings, meter.registerWh, new Date(0), 'Transaction.End').wh;
        assert.equal(sum, meter.registerWh - initialWh);
        assert.equal(meter.registerWh, Math.floor((initialWh * 3_600_000 + ticks * powerW * sampleIntervalMs) / 3_600_000));
      },
    ),
  );
});
