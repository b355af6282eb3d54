// Our OCPP 1.6 schemas against the official OCA JSON schemas (the oracle): for every action and
// both directions, generated valid payloads and single-defect mutants of them must get the same
// verdict from our validator as from the official schema compiled with ajv-draft-04, apart from
// the known differences named below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { ValidateFunction } from 'ajv';
import type { OcppAction } from '../../src/ocpp/action.js';
import { violationText } from '../../src/ocpp/validate.js';
import { centralSystemInitiated, chargePointInitiated, v16Actions } from '../../src/ocpp/v16/index.js';
import { codeOf, invalidArbitrary, validArbitrary, type JsonSchema } from './schema-arbitrary.js';

// Both are CommonJS with typings of an ESM default export; require() gives the export itself
// (as in src/ocpp/validate.ts).
const require = createRequire(import.meta.url);
const Ajv04 = require('ajv-draft-04') as typeof import('ajv-draft-04').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

const officialDir = new URL('../../../shared/ocpp/1.6/json/', import.meta.url);
const skip = existsSync(officialDir)
  ? false
  : `official OCPP 1.6 JSON schemas not found at ${fileURLToPath(officialDir)} (shared/ beside the repository)`;

const RUNS = 200;
// fast-check prints the seed of a failure; FC_SEED=that replays it.
const seed = process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {};

type Direction = 'request' | 'response';
const directions: Direction[] = ['request', 'response'];

interface Official {
  schema: JsonSchema;
  validate: ValidateFunction;
}

let oracle: InstanceType<typeof Ajv04> | undefined;
const compiled = new Map<string, Official>();
function official(action: string, direction: Direction): Official {
  // strict: false because the official files put `additionalProperties` on string schemas,
  // which Ajv's strict mode reports (it has no effect there).
  oracle ??= addFormats(new Ajv04({ strict: false }));
  const file = `${action}${direction === 'response' ? 'Response' : ''}.json`;
  let entry = compiled.get(file);
  if (!entry) {
    const schema = JSON.parse(readFileSync(new URL(file, officialDir), 'utf8')) as JsonSchema;
    entry = { schema, validate: oracle.compile(schema) };
    compiled.set(file, entry);
  }
  return entry;
}

function ourValidator(action: OcppAction, direction: Direction) {
  return direction === 'request' ? action.validateRequest : action.validateResponse;
}

// ---------------------------------------------------------------- known differences

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `payload` with `change` applied to every value, innermost first, given the schema that governs it. */
function rewrite(schema: JsonSchema, value: unknown, change: (schema: JsonSchema, value: unknown) => unknown): unknown {
  if (schema.type === 'object' && isObject(value)) {
    const copy = { ...value };
    for (const [key, sub] of Object.entries(schema.properties ?? {})) {
      if (key in copy) copy[key] = rewrite(sub, copy[key], change);
    }
    value = copy;
  } else if (schema.type === 'array' && Array.isArray(value) && schema.items) {
    const items = schema.items;
    value = value.map((item) => rewrite(items, item, change));
  }
  return change(schema, value);
}

function some(schema: JsonSchema, payload: unknown, test: (schema: JsonSchema, value: unknown) => boolean): boolean {
  let found = false;
  rewrite(schema, payload, (s, v) => {
    found ||= test(s, v);
    return v;
  });
  return found;
}

/**
 * A multiple of `multipleOf` (to within float noise) that Ajv without `multipleOfPrecision` refuses:
 * 0.3 / 0.1 = 2.9999999999999996.
 */
function floatMiss(schema: JsonSchema, value: unknown): value is number {
  if (schema.multipleOf === undefined || typeof value !== 'number') return false;
  const quotient = value / schema.multipleOf;
  return quotient !== Math.trunc(quotient) && Math.abs(Math.round(quotient) - quotient) < 1e-6;
}

interface KnownDifference {
  name: string;
  applies(action: string, direction: Direction, schema: JsonSchema, payload: unknown): boolean;
  /** The payload with the difference taken out, checked instead of it; absent: the payload is skipped. */
  without?(schema: JsonSchema, payload: unknown): unknown;
}

const knownDifferences: KnownDifference[] = [
  {
    // Deliberate (src/ocpp/v16/common.ts, UnitOfMeasure); its own test is at the end of this file.
    name: 'StopTransaction transactionData unit "Celsius": official lists only "Celcius", we accept both',
    applies: (action, direction, schema, payload) =>
      action === 'StopTransaction' &&
      direction === 'request' &&
      some(schema, payload, (s, v) => s.enum?.includes('Celcius') === true && v === 'Celsius'),
  },
  {
    // Not a difference of schema but of arithmetic, which belongs to the Ajv options of each side:
    // whether our validator refuses 0.3 depends on validate.ts. The rest of such a payload is still
    // checked, with those numbers rounded to whole ones (which every way of dividing accepts).
    name: 'multipleOf 0.1 by floating-point division (plain Ajv refuses 0.3): checked with those values rounded',
    applies: (_action, _direction, schema, payload) => some(schema, payload, floatMiss),
    without: (schema, payload) => rewrite(schema, payload, (s, v) => (floatMiss(s, v) ? Math.round(v) : v)),
  },
];


const show = (value: unknown) => JSON.stringify(value);

// ---------------------------------------------------------------- the action set

test('v16Actions is exactly the official OCPP 1.6 action set, split by direction', { skip }, () => {
  const officialNames = readdirSync(officialDir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('Response.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
  assert.equal(officialNames.length, 28);
  assert.deepEqual(Object.keys(v16Actions).sort(), officialNames);
  for (const [name, action] of Object.entries(v16Actions)) assert.equal(action.name, name);
  assert.deepEqual([...chargePointInitiated, ...centralSystemInitiated].sort(), officialNames);
});

// ---------------------------------------------------------------- per action and direction

/** Our schema as plain JSON, and the official one without its annotations, compared as data. */
function comparable(schema: unknown, dropAnnotations: boolean): unknown {
  const copy = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
  const clean = (s: Record<string, unknown>): void => {
    if (dropAnnotations) {
      delete s.$schema;
      delete s.id;
      delete s.title;
      // Quirk of the official files: `additionalProperties: false` on strings, where it means nothing.
      if (s.type !== 'object') delete s.additionalProperties;
    }
    if (Array.isArray(s.required)) s.required = [...(s.required as string[])].sort();
    for (const sub of Object.values((s.properties ?? {}) as Record<string, Record<string, unknown>>)) clean(sub);
    if (s.items) clean(s.items as Record<string, unknown>);
  };
  clean(copy);
  return copy;
}

for (const [name, action] of Object.entries(v16Actions)) {
  for (const direction of directions) {
    test(`${name} ${direction} agrees with the official schema`, { skip }, async (t) => {
      const { schema, validate } = official(name, direction);
      const ours = ourValidator(action, direction);
      const met = new Map<string, number>();
      /** The payload to check, or undefined to skip it, after the known differences. */
      const checked = (payload: unknown): unknown => {
        const difference = knownDifferences.find((d) => d.applies(name, direction, schema, payload));
        if (!difference) return payload;
        met.set(difference.name, (met.get(difference.name) ?? 0) + 1);
        return difference.without?.(schema, payload);
      };

      await t.test('same structure as the official schema (but for the deliberate differences)', () => {
        const expected = comparable(schema, true) as JsonSchema;
        if (name === 'StopTransaction' && direction === 'request') {
          // The deliberate difference: "Celsius" beside the official misspelling.
          const unit = expected.properties?.transactionData?.items?.properties?.sampledValue?.items?.properties?.unit;
          assert.ok(unit?.enum);
          unit.enum.splice(unit.enum.indexOf('Celcius') + 1, 0, 'Celsius');
        }
        assert.deepEqual(comparable(direction === 'request' ? action.request : action.response, false), expected);
      });

      await t.test(`accepts ${RUNS} valid payloads the official schema accepts`, () => {
        fc.assert(
          fc.property(validArbitrary(schema), (generated) => {
            const payload = checked(generated);
            if (payload === undefined) return;
            assert.ok(validate(payload), `generator made a payload the official schema refuses: ${show(payload)}`);
            const verdict = ours(payload);
            assert.ok(verdict.ok, `we refuse ${show(payload)}: ${verdict.ok ? '' : violationText(verdict.violation)}`);
          }),
          { numRuns: RUNS, ...seed },
        );
      });

      await t.test(`refuses ${RUNS} single-defect payloads the official schema refuses, naming the defect`, () => {
        fc.assert(
          fc.property(invalidArbitrary(schema), ({ kind, at, payload: generated }) => {
            const payload = checked(generated);
            if (payload === undefined) return;
            assert.ok(!validate(payload), `mutation ${kind} at ${at} did not invalidate ${show(payload)}`);
            const verdict = ours(payload);
            assert.ok(!verdict.ok, `we accept ${show(payload)} (${kind} at ${at})`);
            const code = kind === 'wrong-type' && at === '' ? 'FormationViolation' : codeOf[kind];
            assert.deepEqual(
              { code: verdict.violation.code, path: verdict.violation.path },
              { code, path: at },
              `${kind} at ${at} in ${show(payload)}`,
            );
          }),
          { numRuns: RUNS, ...seed },
        );
      });

      for (const [difference, count] of met) t.diagnostic(`${count} payloads met: ${difference}`);
    });
  }
}

// ---------------------------------------------------------------- the deliberate difference itself

test('deliberate difference: "Celsius" and "Celcius" are both accepted in MeterValues and StopTransaction', { skip }, () => {
  const sample = (unit: string) => ({ timestamp: '2024-05-01T10:00:00Z', sampledValue: [{ value: '21.5', measurand: 'Temperature', unit }] });
  const stop = (unit: string) => ({ transactionId: 1, meterStop: 1000, timestamp: '2024-05-01T10:00:00Z', transactionData: [sample(unit)] });
  const meter = (unit: string) => ({ connectorId: 1, meterValue: [sample(unit)] });
  const officialStop = official('StopTransaction', 'request').validate;
  const officialMeter = official('MeterValues', 'request').validate;

  assert.equal(officialStop(stop('Celcius')), true);
  assert.equal(officialStop(stop('Celsius')), false, 'the official StopTransaction schema refuses "Celsius"');
  assert.equal(officialMeter(meter('Celsius')), true);
  assert.equal(officialMeter(meter('Celcius')), true);

  for (const unit of ['Celsius', 'Celcius']) {
    assert.ok(v16Actions.StopTransaction.validateRequest(stop(unit)).ok, `StopTransaction with ${unit}`);
    assert.ok(v16Actions.MeterValues.validateRequest(meter(unit)).ok, `MeterValues with ${unit}`);
  }
  assert.ok(!v16Actions.StopTransaction.validateRequest(stop('Celsious')).ok);
});
