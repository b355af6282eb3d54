// Compiles schemas with Ajv and turns the first violation into the OCPP-J error code that names it.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import type { RpcErrorCode } from './rpc.js';
import { isDateTime } from './date-time.js';
import { echoed } from './echo.js';

// ajv-formats is CommonJS and its typings describe an ESM default export: the module itself is
// what an import gives, its `default` the plugin (as in src/api/server.ts).
const addFormats = ajvFormats.default;

// multipleOfPrecision: the 1.6 schemas use `multipleOf: 0.1`, which plain floating point refuses
// for values such as 16.3 (16.3 / 0.1 = 162.99999999999997).
// strictNumbers: `strict: false` (the official schemas carry keywords Ajv does not know) also lets
// Infinity, which JSON.parse makes of 1e400, pass as an integer.
function newAjv(allErrors: boolean): Ajv {
  const instance = new Ajv({ allErrors, strict: false, strictNumbers: true, coerceTypes: false, useDefaults: false, multipleOfPrecision: 6 });
  addFormats(instance, ['uri']);
  // Times a store can place (date-time.ts): refused otherwise, as a TypeConstraintViolation.
  instance.addFormat('date-time', { type: 'string', validate: isDateTime });
  return instance;
}

/** Stops at the first violation: what a strict charge point is told. */
const ajv = newAjv(false);
/** Finds them all: what lenient mode must look through, since it forgives only some kinds. */
const ajvAll = newAjv(true);

export interface Violation {
  code: RpcErrorCode;
  /** JSON pointer to the offending field, '' for the payload itself. */
  path: string;
  message: string;
}

export type ValidationResult<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      /** The first violation found. */
      violation: Violation;
      /** Every violation of the payload (checked again, in full, only when asked). */
      allViolations(): Violation[];
    };

export type Validator<T> = (payload: unknown) => ValidationResult<T>;

/**
 * Which OCPP-J code a schema keyword violation maps to. The spec defines the codes only in words
 * (docs/PROTOCOL.md gives this table and the reasons):
 * a wrong JSON type or format is a TypeConstraintViolation; a value outside its allowed set or
 * length is a PropertyConstraintViolation; a missing field or wrong count of items is an
 * OccurenceConstraintViolation; a field the PDU does not define is a FormationViolation.
 */
const codeByKeyword: Record<string, RpcErrorCode> = {
  type: 'TypeConstraintViolation',
  format: 'TypeConstraintViolation',
  enum: 'PropertyConstraintViolation',
  const: 'PropertyConstraintViolation',
  maxLength: 'PropertyConstraintViolation',
  minLength: 'PropertyConstraintViolation',
  pattern: 'PropertyConstraintViolation',
  minimum: 'PropertyConstraintViolation',
  maximum: 'PropertyConstraintViolation',
  exclusiveMinimum: 'PropertyConstraintViolation',
  exclusiveMaximum: 'PropertyConstraintViolation',
  multipleOf: 'PropertyConstraintViolation',
  required: 'OccurenceConstraintViolation',
  minItems: 'OccurenceConstraintViolation',
  maxItems: 'OccurenceConstraintViolation',
  additionalProperties: 'FormationViolation',
};

/** A property name as one JSON-pointer segment (RFC 6901). */
export const pointerSegment = (name: unknown) => String(name).replace(/~/g, '~0').replace(/\//g, '~1');

/** The value a JSON pointer (RFC 6901) names in `document`, or undefined when there is none. */
export function valueAt(document: unknown, pointer: string): unknown {
  let value = document;
  for (const segment of pointer.split('/').slice(1)) {
    if (value === null || typeof value !== 'object') return undefined;
    const name = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    value = Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined;
  }
  return value;
}

function describe(error: ErrorObject): Violation {
  const code = codeByKeyword[error.keyword] ?? 'FormationViolation';
  let path = error.instancePath;
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'required') {
    path = `${path}/${pointerSegment(error.params.missingProperty)}`;
    message = 'is required';
  } else if (error.keyword === 'additionalProperties') {
    path = `${path}/${pointerSegment(error.params.additionalProperty)}`;
    message = 'is not defined by the message';
  } else if (error.keyword === 'enum') {
    message = `must be one of ${(error.params.allowedValues as unknown[]).join(', ')}`;
  }
  if (path === '' && error.keyword === 'type') return { code: 'FormationViolation', path, message };
  return { code, path, message };
}

/**
 * A validator for the schema, compiled by Ajv on its first use. There are about a hundred request
 * and response schemas over the two versions and a node uses few of them, most a charge point's
 * own; compiling them all when the modules load cost a quarter of a second of every start
 * (docs/PERFORMANCE-LOG.md, "The test suite's ten minutes").
 */
export function compileValidator<T>(schema: TSchema): Validator<T> {
  let check: ValidateFunction | undefined;
  let checkAll: ValidateFunction | undefined;
  const unnamed: Violation = { code: 'FormationViolation', path: '', message: 'is invalid' };
  return (payload) => {
    check ??= ajv.compile(schema);
    if (check(payload)) return { ok: true, value: payload as T };
    const first = check.errors?.[0];
    const allViolations = () => {
      checkAll ??= ajvAll.compile(schema);
      checkAll(payload);
      const all = (checkAll.errors ?? []).map(describe);
      return all.length > 0 ? all : [first ? describe(first) : unnamed];
    };
    return { ok: false, violation: first ? describe(first) : unnamed, allViolations };
  };
}

export function violationText(violation: Violation): string {
  return `${violation.path ? echoed(violation.path) : 'payload'} ${violation.message}`;
}
