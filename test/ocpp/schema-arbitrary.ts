// fast-check arbitraries built from a draft-04 JSON schema: valid payloads, and invalid ones made
// by one mutation of a valid payload. Covers the subset of JSON Schema the OCPP schemas use
// (objects with required/optional properties and additionalProperties: false, arrays, enums,
// strings with length limits and the date-time/uri formats, integers, numbers with multipleOf,
// booleans). Anything else throws, so a new keyword cannot be silently ignored.
import fc from 'fast-check';
import type { RpcErrorCode } from '../../src/ocpp/rpc.js';

export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  format?: string;
  minimum?: number;
  maximum?: number;
  multipleOf?: number;
}

/** Keywords the generator understands; annotations are ignored. */
const known = new Set([
  ...['type', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems', 'enum'],
  ...['minLength', 'maxLength', 'format', 'minimum', 'maximum', 'multipleOf'],
  ...['$schema', 'id', 'title', 'description'],
]);

function checkKeywords(schema: JsonSchema): void {
  for (const key of Object.keys(schema)) {
    if (!known.has(key)) throw new Error(`schema-arbitrary does not handle the keyword "${key}"`);
  }
}

export type PathSegment = string | number;

/** JSON pointer of a path, as Ajv writes instancePath. */
export function pointer(path: PathSegment[]): string {
  return path.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

// ---------------------------------------------------------------- valid payloads

const dateTime: fc.Arbitrary<string> = fc
  .tuple(
    fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
    fc.constantFrom('Z', 'ms', '+01:00', '-05:30', '+00:00'),
  )
  .map(([date, style]) => {
    const iso = date.toISOString();
    if (style === 'ms') return iso;
    return iso.slice(0, 19) + style;
  });

const uri: fc.Arbitrary<string> = fc.oneof(
  fc.webUrl(),
  fc
    .tuple(fc.constantFrom('ftp', 'ftps', 'sftp', 'http', 'https'), fc.domain(), fc.webPath())
    .map(([scheme, host, path]) => `${scheme}://${host}${path}`),
);

function boundedString(minLength: number, maxLength: number | undefined): fc.Arbitrary<string> {
  // Without a limit, keep strings short; with one, lean on the boundary where bugs live.
  const max = maxLength ?? 40;
  const nearMax = Math.max(minLength, max - 2);
  return fc.oneof(
    fc.string({ minLength, maxLength: max }),
    // Astral characters: JSON Schema counts code points, JavaScript's .length counts UTF-16 units.
    fc.string({ unit: 'binary', minLength, maxLength: max }),
    fc.string({ minLength: nearMax, maxLength: max }),
  );
}

function decimals(step: number): number {
  const text = String(step);
  return text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
}

export function validArbitrary(schema: JsonSchema): fc.Arbitrary<unknown> {
  checkKeywords(schema);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'object': {
      const properties = schema.properties ?? {};
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, sub] of Object.entries(properties)) model[key] = validArbitrary(sub);
      return fc.record(model, { requiredKeys: schema.required ?? [] });
    }
    case 'array': {
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.min(schema.maxItems ?? Infinity, minLength + 3);
      return fc.array(validArbitrary(schema.items ?? {}), { minLength, maxLength });
    }
    case 'string':
      if (schema.format === 'date-time') return dateTime;
      if (schema.format === 'uri') return uri;
      if (schema.format !== undefined) throw new Error(`schema-arbitrary does not handle format "${schema.format}"`);
      return boundedString(schema.minLength ?? 0, schema.maxLength);
    case 'integer': {
      const min = schema.minimum ?? Number.MIN_SAFE_INTEGER;
      const max = schema.maximum ?? Number.MAX_SAFE_INTEGER;
      return fc.oneof(fc.integer({ min: Math.max(min, -1000), max: Math.min(max, 1000) }), fc.integer({ min, max }));
    }
    case 'number': {
      const step = schema.multipleOf;
      if (step !== undefined) {
        // k·step written with the step's own decimals (0.3, not 0.30000000000000004).
        const places = decimals(step);
        return fc.integer({ min: -1_000_000, max: 1_000_000 }).map((k) => Number((k * step).toFixed(places)));
      }
      return fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
    }
    case 'boolean':
      return fc.boolean();
    default:
      throw new Error(`schema-arbitrary does not handle type ${JSON.stringify(schema.type)}`);
  }
}

// ---------------------------------------------------------------- invalid payloads

export type MutationKind =
  | 'wrong-type'
  | 'missing-required'
  | 'extra-property'
  | 'too-long'
  | 'unknown-enum'
  | 'not-date-time'
  | 'not-uri'
  | 'not-multiple'
  | 'too-few-items';

export interface Mutant {
  kind: MutationKind;
  /** Where the defect is, as a JSON pointer (for a missing or extra property: that property). */
  at: string;
  payload: unknown;
}

/** One JSON value of each type other than the schema's own. */
function wrongTypeValues(type: JsonSchema['type']): unknown[] {
  const all: Record<string, unknown> = { string: 'x', number: 1.5, boolean: true, null: null, object: {}, array: [] };
  const same: Record<string, string[]> = {
    string: ['string'],
    integer: [], // 1.5 is a number but not an integer
    number: ['number'],
    boolean: ['boolean'],
    object: ['object'],
    array: ['array'],
  };
  return Object.entries(all)
    .filter(([name]) => !(same[type ?? ''] ?? []).includes(name))
    .map(([, value]) => value);
}

const notDateTimes = [
  'now',
  '',
  '2024-01-01',
  '2024-01-01T10:00:00', // no offset: RFC 3339 requires one
  '2024-13-01T10:00:00Z',
  '2024-02-30T10:00:00Z',
  '2024-01-01T24:00:00Z',
  '1704103200',
];
const notUris = ['', 'not a uri', '//host/path', 'host/path', 'ftp://host/a file'];

/** A copy of `root` with the value at `path` replaced. */
function replaceAt(root: unknown, path: PathSegment[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root);
  let parent = copy as Record<PathSegment, unknown>;
  for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<PathSegment, unknown>;
  parent[path[path.length - 1] as PathSegment] = value;
  return copy;
}

/** Every single-defect mutation of `value`, which must be valid for `schema`. */
function mutations(schema: JsonSchema, root: unknown, value: unknown, path: PathSegment[]): fc.Arbitrary<Mutant>[] {
  const at = pointer(path);
  const found: fc.Arbitrary<Mutant>[] = [
    fc.constantFrom(...wrongTypeValues(schema.type)).map((v) => ({ kind: 'wrong-type' as const, at, payload: replaceAt(root, path, v) })),
  ];
  const mutant = (kind: MutationKind, arb: fc.Arbitrary<unknown>) =>
    found.push(arb.map((v) => ({ kind, at, payload: replaceAt(root, path, v) })));

  if (schema.enum) {
    const allowed = schema.enum;
    const first = String(allowed[0]);
    const flipped = first === first.toLowerCase() ? first.toUpperCase() : first.toLowerCase();
    mutant(
      'unknown-enum',
      fc.oneof(fc.constantFrom(`${first}X`, ` ${first}`, flipped), fc.string()).filter((s) => !allowed.includes(s)),
    );
  } else if (schema.type === 'string') {
    if (schema.maxLength !== undefined) {
      const over = { minLength: schema.maxLength + 1, maxLength: schema.maxLength + 5 };
      mutant('too-long', fc.oneof(fc.string(over), fc.string({ ...over, unit: 'binary' })));
    }
    if (schema.format === 'date-time') mutant('not-date-time', fc.constantFrom(...notDateTimes));
    if (schema.format === 'uri') mutant('not-uri', fc.constantFrom(...notUris));
  } else if (schema.type === 'number' && schema.multipleOf !== undefined) {
    const step = schema.multipleOf;
    mutant('not-multiple', fc.integer({ min: -1000, max: 1000 }).map((k) => Number(((k + 0.5) * step).toFixed(decimals(step) + 1))));
  } else if (schema.type === 'object') {
    const object = value as Record<string, unknown>;
    const properties = schema.properties ?? {};
    for (const key of schema.required ?? []) {
      found.push(
        fc.constant({
          kind: 'missing-required' as const,
          at: pointer([...path, key]),
          payload: replaceAt(root, path, omit(object, key)),
        }),
      );
    }
    if (schema.additionalProperties === false) {
      // '__proto__' would set the prototype of a plain object rather than add a property. No '/'
      // or '~': validate.ts writes property names into its JSON pointers unescaped (reported).
      const extraKey = fc.oneof(fc.constant('extra'), fc.string({ minLength: 1, maxLength: 10 })).filter(
        (k) => !(k in properties) && k !== '__proto__' && !/[/~]/.test(k),
      );
      found.push(
        fc.tuple(extraKey, fc.jsonValue({ maxDepth: 1 })).map(([key, extra]) => ({
          kind: 'extra-property' as const,
          at: pointer([...path, key]),
          payload: replaceAt(root, path, { ...object, [key]: extra }),
        })),
      );
    }
    for (const [key, sub] of Object.entries(properties)) {
      if (key in object) found.push(...mutations(sub, root, object[key], [...path, key]));
    }
  } else if (schema.type === 'array') {
    const items = value as unknown[];
    if (schema.minItems !== undefined && schema.minItems > 0) {
      mutant('too-few-items', fc.constant(items.slice(0, schema.minItems - 1)));
    }
    items.forEach((item, i) => found.push(...mutations(schema.items ?? {}, root, item, [...path, i])));
  }
  return found;
}

function omit(object: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = object;
  return rest;
}

/** Payloads with exactly one defect: a valid payload, then one mutation chosen among all of its fields. */
export function invalidArbitrary(schema: JsonSchema): fc.Arbitrary<Mutant> {
  return validArbitrary(schema).chain((valid) => fc.oneof(...mutations(schema, valid, valid, [])));
}

/** The OCPP-J code our validator must give for each kind of defect (see validate.ts). */
export const codeOf: Record<MutationKind, RpcErrorCode> = {
  'wrong-type': 'TypeConstraintViolation',
  'missing-required': 'OccurenceConstraintViolation',
  'extra-property': 'FormationViolation',
  'too-long': 'PropertyConstraintViolation',
  'unknown-enum': 'PropertyConstraintViolation',
  'not-date-time': 'TypeConstraintViolation',
  'not-uri': 'TypeConstraintViolation',
  'not-multiple': 'PropertyConstraintViolation',
  'too-few-items': 'OccurenceConstraintViolation',
};
