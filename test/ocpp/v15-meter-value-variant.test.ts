// normalizeMeterValueVariant: the `values` spelling of a MeterValue's readings is renamed to the
// WSDL's `value` in MeterValues and StopTransaction, without touching anything else; and
// readingsIn15Shape, which puts a lenient charge point's readings in 1.6's shape into 1.5's lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MeterValues, StopTransaction, normalizeMeterValueVariant, readingsIn15Shape } from '../../src/ocpp/v15/index.js';
import { validArbitrary, type JsonSchema } from './schema-arbitrary.js';

const at = '2013-09-23T10:00:00Z';
const reading = { value: '1234', measurand: 'Energy.Active.Import.Register', unit: 'Wh' };

/** Frozen all the way down, so any change in place throws. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

test('MeterValues: a MeterValue with `values` gets `value`, in the same key position', () => {
  const variant = deepFreeze({ connectorId: 1, transactionId: 5, values: [{ timestamp: at, values: [reading] }] });
  const normalized = normalizeMeterValueVariant('MeterValues', variant) as typeof variant & { values: Record<string, unknown>[] };
  assert.deepEqual(normalized, { connectorId: 1, transactionId: 5, values: [{ timestamp: at, value: [reading] }] });
  assert.deepEqual(Object.keys(normalized.values[0] ?? {}), ['timestamp', 'value']);
  assert.equal((normalized.values[0] as { value: unknown }).value, variant.values[0]?.values, 'the readings themselves are not copied');
  assert.ok(MeterValues.validateRequest(normalized).ok);
  assert.ok(!MeterValues.validateRequest(variant).ok, 'the input is left as it was');
});

test('MeterValues: only the MeterValues that use the variant are replaced', () => {
  const canonical = { timestamp: at, value: [reading] };
  const payload = deepFreeze({ connectorId: 1, values: [canonical, { values: [reading], timestamp: at }] });
  const normalized = normalizeMeterValueVariant('MeterValues', payload) as { values: Record<string, unknown>[] };
  assert.notEqual(normalized, payload);
  assert.equal(normalized.values[0], canonical);
  assert.deepEqual(Object.keys(normalized.values[1] ?? {}), ['value', 'timestamp']);
  assert.ok(MeterValues.validateRequest(normalized).ok);
});

test('StopTransaction: the MeterValues of transactionData are normalized', () => {
  const variant = deepFreeze({
    transactionId: 5,
    timestamp: at,
    meterStop: 2500,
    transactionData: [{ values: [{ timestamp: at, values: [reading] }] }, {}],
  });
  const normalized = normalizeMeterValueVariant('StopTransaction', variant);
  assert.deepEqual(normalized, { ...variant, transactionData: [{ values: [{ timestamp: at, value: [reading] }] }, {}] });
  assert.equal((normalized as typeof variant).transactionData[1], variant.transactionData[1]);
  assert.ok(StopTransaction.validateRequest(normalized).ok);
});

test('anything else is returned as the same object', () => {
  const canonical = { connectorId: 1, values: [{ timestamp: at, value: [reading] }] };
  const cases: [string, unknown][] = [
    ['MeterValues', canonical],
    ['MeterValues', { connectorId: 1 }],
    ['MeterValues', { connectorId: 1, values: [] }],
    // Both names: left for validation to refuse `values` as undefined.
    ['MeterValues', { connectorId: 1, values: [{ timestamp: at, value: [reading], values: [reading] }] }],
    // `values` that is not a list: not the variant.
    ['MeterValues', { connectorId: 1, values: [{ timestamp: at, values: 'x' }] }],
    ['MeterValues', { connectorId: 1, values: 'x' }],
    ['MeterValues', { connectorId: 1, values: [null, 3, 'x', []] }],
    ['StopTransaction', { transactionId: 5, timestamp: at, meterStop: 1 }],
    ['StopTransaction', { transactionId: 5, timestamp: at, meterStop: 1, transactionData: [null, {}, { values: 3 }, { values: [{ timestamp: at, value: [reading] }] }] }],
    // Other actions are never looked at, whatever they hold.
    ['StatusNotification', { connectorId: 1, values: [{ timestamp: at, values: [reading] }] }],
    ['DataTransfer', { vendorId: 'x', values: [{ values: [] }] }],
    // The variant at the top level of StopTransaction is not a MeterValue list.
    ['StopTransaction', { transactionId: 5, values: [{ timestamp: at, values: [reading] }] }],
    ['MeterValues', null],
    ['MeterValues', [{ values: [] }]],
    ['MeterValues', 'values'],
    ['StopTransaction', undefined],
  ];
  for (const [action, payload] of cases) {
    deepFreeze(payload);
    assert.equal(normalizeMeterValueVariant(action, payload), payload, `${action} ${JSON.stringify(payload)}`);
  }
});

test('property: the variant of any valid MeterValues or StopTransaction normalizes back to it', () => {
  const plain = (schema: unknown) => JSON.parse(JSON.stringify(schema), (k, v: unknown) => (k === 'xml' ? undefined : v)) as JsonSchema;
  type MeterValue = { timestamp: string; value: unknown[] };
  /** The payload with the chosen MeterValues written the variant way, keeping key order. */
  const toVariant = (meterValue: MeterValue, use: boolean) =>
    use ? Object.fromEntries(Object.entries(meterValue).map(([k, v]) => [k === 'value' ? 'values' : k, v])) : meterValue;
  const choices = fc.infiniteStream(fc.boolean());

  fc.assert(
    fc.property(validArbitrary(plain(MeterValues.request)), choices, (payload, use) => {
      const valid = deepFreeze(payload as { values?: MeterValue[] });
      assert.equal(normalizeMeterValueVariant('MeterValues', valid), valid, 'a canonical payload is returned as it is');
      if (!valid.values) return;
      const picks = [...use.take(valid.values.length)];
      const variant = deepFreeze({ ...valid, values: valid.values.map((mv, i) => toVariant(mv, picks[i] ?? false)) });
      const normalized = normalizeMeterValueVariant('MeterValues', variant);
      // As JSON text: the same content in the same key order (the generator makes null-prototype objects).
      assert.equal(JSON.stringify(normalized), JSON.stringify(valid));
      assert.ok(MeterValues.validateRequest(normalized).ok);
    }),
    { numRuns: 200 },
  );

  fc.assert(
    fc.property(validArbitrary(plain(StopTransaction.request)), choices, (payload, use) => {
      const valid = deepFreeze(payload as { transactionData?: { values?: MeterValue[] }[] });
      assert.equal(normalizeMeterValueVariant('StopTransaction', valid), valid);
      if (!valid.transactionData) return;
      const variant = {
        ...valid,
        transactionData: valid.transactionData.map((d) => (d.values ? { ...d, values: d.values.map((mv) => toVariant(mv, use.next().value as boolean)) } : d)),
      };
      const normalized = normalizeMeterValueVariant('StopTransaction', deepFreeze(variant));
      assert.equal(JSON.stringify(normalized), JSON.stringify(valid));
      assert.ok(StopTransaction.validateRequest(normalized).ok);
    }),
    { numRuns: 200 },
  );
});

test("readingsIn15Shape: a valid 1.6 MeterValues or stop's readings get 1.5's lists, the readings themselves untouched; anything else is the same object", () => {
  const sampled = [{ value: '0012.50', unit: 'kWh', phase: 'L1' }];
  const sixteen = deepFreeze({ connectorId: 1, meterValue: [{ timestamp: at, sampledValue: sampled }], transactionId: 5 });
  const converted = readingsIn15Shape('MeterValues', sixteen) as { values: { value: unknown }[] };
  assert.deepEqual(converted, { connectorId: 1, values: [{ timestamp: at, value: sampled }], transactionId: 5 });
  assert.deepEqual(Object.keys(converted), ['connectorId', 'values', 'transactionId'], 'in the same key position');
  assert.equal(converted.values[0]?.value, sixteen.meterValue[0]?.sampledValue, 'the readings are not copied');

  const stop = deepFreeze({ transactionId: 5, timestamp: at, meterStop: 2500, reason: 'Local', transactionData: [{ timestamp: at, sampledValue: [reading] }] });
  assert.deepEqual(readingsIn15Shape('StopTransaction', stop), { ...stop, transactionData: [{ values: [{ timestamp: at, value: [reading] }] }] });
  const checked = StopTransaction.validateRequest(readingsIn15Shape('StopTransaction', stop));
  assert.deepEqual(checked.ok ? [] : checked.allViolations().map((v) => v.path), ['/reason'], "1.6's reason is left for lenient mode to judge");

  const unchanged: [string, unknown][] = [
    // Not valid 1.6: a reading's value a number, an item with a field 1.6 has not.
    ['MeterValues', { connectorId: 1, meterValue: [{ timestamp: at, sampledValue: [{ value: 12 }] }] }],
    ['StopTransaction', { transactionId: 5, timestamp: at, meterStop: 1, transactionData: [{ timestamp: at, sampledValue: [reading], x: 'y' }] }],
    // 1.5's shape, or a mix of both.
    ['MeterValues', { connectorId: 1, values: [{ timestamp: at, value: [reading] }] }],
    ['MeterValues', { connectorId: 1, values: [], meterValue: [{ timestamp: at, sampledValue: [reading] }] }],
    ['StopTransaction', { transactionId: 5, timestamp: at, meterStop: 1, transactionData: [{ values: [{ timestamp: at, value: [reading] }] }, { timestamp: at, sampledValue: [reading] }] }],
    ['StopTransaction', { transactionId: 5, timestamp: at, meterStop: 1, transactionData: [] }],
    ['Heartbeat', {}],
  ];
  for (const [action, payload] of unchanged) assert.equal(readingsIn15Shape(action, payload), payload, `${action} ${JSON.stringify(payload)}`);
});
