// compileValidator's mapping from schema violations to OCPP-J error codes and JSON-pointer paths,
// through real OCPP 1.6 actions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { violationText, type ValidationResult, type Violation } from '../../src/ocpp/validate.js';
import {
  Authorize,
  BootNotification,
  GetCompositeSchedule,
  Heartbeat,
  MeterValues,
  StartTransaction,
  StatusNotification,
} from '../../src/ocpp/v16/index.js';

function violation(result: ValidationResult<unknown>): Violation {
  assert.equal(result.ok, false, 'expected a violation');
  return (result as { ok: false; violation: Violation }).violation;
}

const start = { connectorId: 1, idTag: 'ABC123', meterStart: 0, timestamp: '2024-05-01T10:00:00Z' };
const meterValues = {
  connectorId: 1,
  transactionId: 7,
  meterValue: [
    {
      timestamp: '2024-05-01T10:00:00Z',
      sampledValue: [{ value: '1234' }, { value: '2.5', measurand: 'Energy.Active.Import.Register', unit: 'kWh' }],
    },
  ],
};

test('a valid payload is returned as it is', () => {
  const result = StartTransaction.validateRequest(start);
  assert.ok(result.ok);
  assert.equal(result.value, start);
  assert.ok(MeterValues.validateRequest(meterValues).ok);
});

test('a string over its maxLength is a PropertyConstraintViolation', () => {
  const v = violation(Authorize.validateRequest({ idTag: 'x'.repeat(21) }));
  assert.deepEqual({ code: v.code, path: v.path }, { code: 'PropertyConstraintViolation', path: '/idTag' });
  assert.ok(Authorize.validateRequest({ idTag: 'x'.repeat(20) }).ok);
  // JSON Schema counts characters (code points), not UTF-16 units.
  assert.ok(Authorize.validateRequest({ idTag: '😀'.repeat(20) }).ok);
  assert.equal(violation(Authorize.validateRequest({ idTag: '😀'.repeat(21) })).code, 'PropertyConstraintViolation');
});

test('a missing required field is an OccurenceConstraintViolation at that field', () => {
  const v = violation(BootNotification.validateRequest({ chargePointVendor: 'ACME' }));
  assert.deepEqual({ code: v.code, path: v.path }, { code: 'OccurenceConstraintViolation', path: '/chargePointModel' });
  assert.equal(violationText(v), '/chargePointModel is required');

  const nested = violation(StartTransaction.validateResponse({ idTagInfo: {}, transactionId: 1 }));
  assert.deepEqual({ code: nested.code, path: nested.path }, { code: 'OccurenceConstraintViolation', path: '/idTagInfo/status' });
});

test('a value of the wrong JSON type is a TypeConstraintViolation', () => {
  for (const meterStart of ['100', 1.5, null, true]) {
    const v = violation(StartTransaction.validateRequest({ ...start, meterStart }));
    assert.deepEqual({ code: v.code, path: v.path }, { code: 'TypeConstraintViolation', path: '/meterStart' }, String(meterStart));
  }
  // A number where an enum string is expected is a type error before it is an enum error.
  const v = violation(StatusNotification.validateRequest({ connectorId: 1, errorCode: 'NoError', status: 3 }));
  assert.deepEqual({ code: v.code, path: v.path }, { code: 'TypeConstraintViolation', path: '/status' });
});

test('a malformed date-time is a TypeConstraintViolation', () => {
  // The last two are years 10000 and -1 once their offsets are applied: no store keeps them as text that sorts.
  for (const timestamp of ['yesterday', '2024-05-01', '2024-05-01T10:00:00', '2024-02-30T10:00:00Z', '9999-12-31T23:59:59-23:59', '0000-01-01T00:00:00+00:01']) {
    const v = violation(StartTransaction.validateRequest({ ...start, timestamp }));
    assert.deepEqual({ code: v.code, path: v.path }, { code: 'TypeConstraintViolation', path: '/timestamp' }, timestamp);
  }
});

test('the first and last instants of four-digit years are times', () => {
  for (const timestamp of ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59+00:00', '0000-01-01T00:00:00Z', '0000-01-01T01:00:00+01:00']) {
    assert.equal(StartTransaction.validateRequest({ ...start, timestamp }).ok, true, timestamp);
  }
});

test('an unknown enum value is a PropertyConstraintViolation', () => {
  const v = violation(StatusNotification.validateRequest({ connectorId: 1, errorCode: 'NoError', status: 'Broken' }));
  assert.deepEqual({ code: v.code, path: v.path }, { code: 'PropertyConstraintViolation', path: '/status' });
  assert.match(v.message, /must be one of Available, Preparing/);

  const bad = structuredClone(meterValues);
  bad.meterValue[0]!.sampledValue[1]!.unit = 'Kelvin';
  const deep = violation(MeterValues.validateRequest(bad));
  assert.deepEqual(
    { code: deep.code, path: deep.path },
    { code: 'PropertyConstraintViolation', path: '/meterValue/0/sampledValue/1/unit' },
  );
});

test('a property the message does not define is a FormationViolation at that property', () => {
  const v = violation(Heartbeat.validateRequest({ foo: 1 }));
  assert.deepEqual({ code: v.code, path: v.path }, { code: 'FormationViolation', path: '/foo' });
  assert.equal(violationText(v), '/foo is not defined by the message');

  const bad = structuredClone(meterValues) as { meterValue: { sampledValue: Record<string, unknown>[] }[] };
  bad.meterValue[0]!.sampledValue[0]!.signature = 'abc';
  const deep = violation(MeterValues.validateRequest(bad));
  assert.deepEqual({ code: deep.code, path: deep.path }, { code: 'FormationViolation', path: '/meterValue/0/sampledValue/0/signature' });
});

test('a payload that is not an object is a FormationViolation of the payload', () => {
  for (const payload of [[], null, 'x', 1]) {
    const v = violation(Heartbeat.validateRequest(payload));
    assert.deepEqual({ code: v.code, path: v.path }, { code: 'FormationViolation', path: '' }, JSON.stringify(payload));
    assert.match(violationText(v), /^payload /);
  }
});

test('a number that is not a multiple of 0.1 is a PropertyConstraintViolation', () => {
  const schedule = (limit: number) => ({
    status: 'Accepted',
    chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
  });
  assert.ok(GetCompositeSchedule.validateResponse(schedule(16)).ok);
  assert.ok(GetCompositeSchedule.validateResponse(schedule(16.5)).ok);
  const v = violation(GetCompositeSchedule.validateResponse(schedule(16.25)));
  assert.deepEqual(
    { code: v.code, path: v.path },
    { code: 'PropertyConstraintViolation', path: '/chargingSchedule/chargingSchedulePeriod/0/limit' },
  );
});


test('one-decimal limits such as 16.3 A are accepted', () => {
  for (const limit of [0.3, 16.3, 7.4, 22.1, 350000.1, 1234567.3]) {
    const result = GetCompositeSchedule.validateResponse({
      status: 'Accepted',
      chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit }] },
    });
    assert.ok(result.ok, `limit ${limit}`);
  }
});

test('paths are JSON pointers even for odd property names', () => {
  const v = violation(Heartbeat.validateRequest({ 'a/b~c': 1 }));
  assert.equal(v.path, '/a~1b~0c');
});
