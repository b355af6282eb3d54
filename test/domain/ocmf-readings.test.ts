// OCMF readings in the domain's terms (times, Wh, markers) and pagination continuity
// (src/domain/ocmf/readings.ts, pagination.ts, time.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  checkPagination,
  energyReadings,
  meterEvents,
  parseOcmf,
  parseOcmfTime,
  toWh,
  type OcmfMessage,
} from '../../src/domain/ocmf/index.js';

function message(payload: Record<string, unknown>): OcmfMessage {
  const m = parseOcmf(`OCMF|${JSON.stringify(payload)}|{"SD":"00"}`);
  assert.ok(!('error' in m), 'error' in m ? m.error : '');
  return m as OcmfMessage;
}

test('TM: local time with offset to UTC, milliseconds kept, sync state kept', () => {
  assert.deepEqual(parseOcmfTime('2023-01-01T10:00:00,000+0100 S'), { iso: '2023-01-01T09:00:00.000Z', offsetMinutes: 60, sync: 'S' });
  assert.deepEqual(parseOcmfTime('2018-07-24T13:22:04,123+0200 I'), { iso: '2018-07-24T11:22:04.123Z', offsetMinutes: 120, sync: 'I' });
  assert.deepEqual(parseOcmfTime('2024-12-31T23:30:00,500-0330 R'), { iso: '2025-01-01T03:00:00.500Z', offsetMinutes: -210, sync: 'R' });
  assert.equal(parseOcmfTime('2024-02-29T00:00:00,000+0000 U')?.iso, '2024-02-29T00:00:00.000Z');
  // Tolerated spellings; a missing sync state is the least trusted one.
  assert.deepEqual(parseOcmfTime('2023-01-01T10:00:00.000+01:00 S'), { iso: '2023-01-01T09:00:00.000Z', offsetMinutes: 60, sync: 'S' });
  assert.deepEqual(parseOcmfTime('2023-01-01T10:00:00,000Z'), { iso: '2023-01-01T10:00:00.000Z', offsetMinutes: 0, sync: 'U' });
  for (const bad of [
    '2023-01-01 10:00:00,000+0100 S',
    '2023-01-01T10:00:00,000+0100 X',
    '2023-01-01T10:00:00,000+0100  S',
    '2023-02-29T10:00:00,000+0100 S',
    '2023-13-01T10:00:00,000+0100 S',
    '2023-01-01T24:00:00,000+0100 S',
    '2023-01-01T10:00:00,000+1500 S',
    '2023-01-01T10:00:00,00+0100 S',
    '23-01-01T10:00:00,000+0100 S',
    '',
  ]) {
    assert.equal(parseOcmfTime(bad), null, bad);
  }
});

test('kWh to Wh moves the decimal point: no binary rounding noise', () => {
  assert.equal(toWh(1.005, 'kWh'), 1005);
  assert.equal(toWh(2935.6, 'kWh'), 2_935_600);
  assert.equal(toWh(0.636, 'kWh'), 636);
  assert.equal(toWh(1234.5678, 'kWh'), 1_234_567.8);
  assert.equal(toWh(1e21, 'kWh'), 1e24);
  assert.equal(toWh(1e-7, 'kWh'), 1e-4);
  assert.equal(toWh(0, 'kWh'), 0);
  assert.equal(toWh(123.4, 'Wh'), 123.4);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (wh) => {
      assert.equal(toWh(wh / 1000, 'kWh'), wh);
    }),
  );
});

test('readings: omitted fields carry over from the previous reading, except the value', () => {
  const m = message({
    PG: 'T3',
    MS: 'SN',
    IS: true,
    IT: 'ISO14443',
    RD: [
      { TM: '2025-03-01T10:00:00,000+0000 S', TX: 'B', RV: 10.5, RI: '1-0:1.8.0', RU: 'kWh', RT: 'AC', EF: '', ST: 'G' },
      { TM: '2025-03-01T10:15:00,000+0000 S', TX: 'C', RV: 11 },
      { TM: '2025-03-01T10:30:00,000+0000 S', RV: 11.5 },
      { TM: '2025-03-01T10:40:00,000+0000 S', EF: 'E', ST: 'D' }, // an event: no value
      { TM: '2025-03-01T10:45:00,000+0000 U', TX: 'E', RV: 12000, RU: 'Wh', EF: '', ST: 'G' },
    ],
  });
  const readings = energyReadings(m);
  assert.deepEqual(
    readings.map((r) => [r.wh, r.unit, r.transaction, r.identifier, r.currentType, r.sync, r.energyUsable]),
    [
      [10_500, 'kWh', 'B', '1-0:1.8.0', 'AC', 'S', true],
      [11_000, 'kWh', 'C', '1-0:1.8.0', 'AC', 'S', true],
      [11_500, 'kWh', 'C', '1-0:1.8.0', 'AC', 'S', true],
      [12_000, 'Wh', 'E', '1-0:1.8.0', 'AC', 'U', true],
    ],
  );
  assert.ok(readings.every((r) => r.pagination === 'T3'));
  assert.equal(readings[0]!.reportedTime, '2025-03-01T10:00:00,000+0000 S');
  assert.equal(readings[0]!.time, '2025-03-01T10:00:00.000Z');
  assert.deepEqual(
    meterEvents(m).map((e) => [e.time, e.meterState, e.errorFlags, e.transaction]),
    [['2025-03-01T10:40:00.000Z', 'D', 'E', 'C']],
  );
});

test('readings: energy a meter flags as unusable is kept, and marked', () => {
  const m = message({
    PG: 'F1',
    MS: 'SN',
    RD: [
      { TM: '2025-03-01T10:00:00,000+0000 S', RV: 1, RU: 'kWh', ST: 'G', EF: 'E' },
      { TM: '2025-03-01T10:15:00,000+0000 S', RV: 2, EF: '', ST: 'M' },
      { TM: '2025-03-01T10:30:00,000+0000 S', RV: 3, ST: 'G', EF: 't' },
      { TM: '2025-03-01T10:45:00,000+0000 S', RV: 40, RU: 'mOhm', ST: 'G' }, // not an energy
    ],
  });
  assert.deepEqual(
    energyReadings(m).map((r) => [r.wh, r.energyUsable, r.transaction]),
    [
      [1000, false, null],
      [2000, false, null],
      [3000, true, null],
    ],
  );
});

test('pagination: the next page of a meter follows the previous one by exactly one', () => {
  assert.deepEqual(checkPagination(undefined, 'T1'), { ok: true });
  assert.deepEqual(checkPagination(undefined, 'T812'), { ok: true });
  assert.deepEqual(checkPagination('T1', 'T2'), { ok: true });
  assert.deepEqual(checkPagination('F99', 'F100'), { ok: true });
  assert.deepEqual(checkPagination('T9007199254740993', 'T9007199254740994'), { ok: true });

  const reason = (previous: string | undefined, next: string) => {
    const r = checkPagination(previous, next);
    return r.ok ? 'ok' : r.reason;
  };
  assert.equal(reason('T2', 'T4'), 'gap');
  assert.equal(reason('T2', 'T2'), 'repeat');
  assert.equal(reason('T5', 'T3'), 'backwards');
  assert.equal(reason('T9007199254740993', 'T9007199254740993'), 'repeat');
  assert.equal(reason('T1', 'F2'), 'context-mismatch');
  assert.equal(reason('T1', 'T02'), 'malformed');
  assert.equal(reason('X1', 'T2'), 'malformed');
  assert.equal(reason(undefined, '12'), 'malformed');
  const gap = checkPagination('T10', 'T14');
  assert.ok(!gap.ok && /3 pages missing/.test(gap.detail));
});

test('property: a continuous stream passes; one dropped or replayed page is caught where it happens', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.integer({ min: 2, max: 40 }),
      fc.constantFrom('T', 'F'),
      fc.nat(),
      fc.constantFrom('drop', 'replay'),
      (first, length, context, at, fault) => {
        const pages = Array.from({ length }, (_, i) => `${context}${first + i}`);
        let previous: string | undefined;
        for (const page of pages) {
          assert.deepEqual(checkPagination(previous, page), { ok: true });
          previous = page;
        }
        const k = 1 + (at % (length - 1));
        const faulty = fault === 'drop' ? [...pages.slice(0, k), ...pages.slice(k + 1)] : [...pages.slice(0, k + 1), pages[k]!, ...pages.slice(k + 1)];
        previous = undefined;
        const failures: { index: number; reason: string }[] = [];
        faulty.forEach((page, index) => {
          const r = checkPagination(previous, page);
          if (!r.ok) failures.push({ index, reason: r.reason });
          else previous = page;
        });
        if (fault === 'drop') {
          // Dropping the last page leaves a continuous stream: only the transaction's end marker can tell.
          const expected = k === length - 1 ? [] : [{ index: k, reason: 'gap' }];
          assert.deepEqual(failures.slice(0, 1), expected);
        } else {
          assert.deepEqual(failures, [{ index: k + 1, reason: 'repeat' }]);
        }
      },
    ),
  );
});
