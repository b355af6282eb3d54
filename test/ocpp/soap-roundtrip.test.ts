// Property: a payload generated from a schema goes through payloadToXml → encodeEnvelope →
// decodeEnvelope → xmlToPayload unchanged — for schemas of this file (arrays, attributes, text,
// nested objects) and for every OCPP 1.5 action, request and response — with strings full of
// what XML must escape (<, &, quotes, ]]>, CR, tabs, leading and trailing spaces) and non-ASCII.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Type, type TSchema } from '@sinclair/typebox';
import { compileValidator } from '../../src/ocpp/validate.js';
import {
  decodeEnvelope,
  encodeEnvelope,
  OCPP15_CP_NS,
  OCPP15_CS_NS,
  OCPP_PREFIX,
  payloadToXml,
  requestAddressing,
  responseAddressing,
  xmlAttribute,
  xmlRole,
  xmlText,
  xmlToPayload,
} from '../../src/ocpp/soap/index.js';
import { centralSystemActions, chargePointActions } from '../../src/ocpp/v15/index.js';

// ---------------------------------------------------------------- arbitraries from a schema

/** One code point XML 1.0 can carry, biased towards what needs escaping. */
const xmlChar: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 4, arbitrary: fc.constantFrom('<', '>', '&', '"', "'", ']', ' ', '\t', '\n', '\r', ';', '#', 'x') },
  { weight: 1, arbitrary: fc.integer({ min: 0xa0, max: 0xd7ff }).map((c) => String.fromCodePoint(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0xe000, max: 0xfffd }).map((c) => String.fromCodePoint(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
);

const tricky = [']]>', '&amp;', '&lt;x&gt;', '<![CDATA[x]]>', '&#x41;', ' 12 ', '\r\n', '<!DOCTYPE x>', '"\'', 'São João', '充电桩', '🔌⚡'];

const codePoints = (s: string) => [...s].length;

function stringArbitrary(minLength: number, maxLength: number | undefined): fc.Arbitrary<string> {
  const max = maxLength ?? 30;
  const fitting = tricky.filter((s) => codePoints(s) >= minLength && codePoints(s) <= max);
  const strings = fc.string({ unit: xmlChar, minLength, maxLength: max });
  return fitting.length > 0 ? fc.oneof({ weight: 5, arbitrary: strings }, { weight: 1, arbitrary: fc.constantFrom(...fitting) }) : strings;
}

const dateTime = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
  .chain((d) => fc.constantFrom(d.toISOString(), d.toISOString().slice(0, 19) + 'Z', d.toISOString().slice(0, 19) + '+01:00'));

type Schema = Record<string, unknown>;

/**
 * Valid payloads of `schema`, for the subset the OCPP schemas use. What XML cannot tell apart is
 * not generated (see convert.ts): an optional array is never empty, an optional text never ''.
 */
function arbitraryOf(schema: Schema, optional = false): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if ('const' in schema) return fc.constant(schema.const);
  switch (schema.type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required ?? []) as string[]);
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, sub] of Object.entries(properties)) model[name] = arbitraryOf(sub, !required.has(name));
      return fc.record(model, { requiredKeys: [...required] });
    }
    case 'array': {
      const minLength = Math.max(schema.minItems as number | undefined ?? 0, optional ? 1 : 0);
      return fc.array(arbitraryOf(schema.items as Schema), { minLength, maxLength: minLength + 3 });
    }
    case 'string': {
      if (schema.format === 'date-time') return dateTime;
      if (schema.format === 'uri') return fc.webUrl();
      const min = Math.max(schema.minLength as number | undefined ?? 0, optional && xmlRole(schema) === 'text' ? 1 : 0);
      return stringArbitrary(min, schema.maxLength as number | undefined);
    }
    case 'integer':
      return fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.integer(), fc.maxSafeInteger(), fc.maxSafeNat());
    case 'number':
      return fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
    case 'boolean':
      return fc.boolean();
    default:
      throw new Error(`no arbitrary for ${JSON.stringify(schema)}`);
  }
}

/** What the payload is as JSON (-0 is 0): what must come back. */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

function roundTrip(payload: unknown, schema: TSchema, element: string, namespace: string): unknown {
  const bodyXml = payloadToXml(payload, schema, element, OCPP_PREFIX);
  const headers =
    namespace === OCPP15_CP_NS
      ? requestAddressing({ chargeBoxIdentity: 'CB-1', operation: 'Op', to: 'http://cp.example/' })
      : responseAddressing({ headers: { messageId: 'urn:uuid:x' } }, 'Op');
  const decoded = decodeEnvelope(encodeEnvelope({ namespace, headers, bodyXml }));
  assert.equal(decoded.bodyElement, element);
  assert.equal(decoded.namespace, namespace);
  return xmlToPayload(decoded.body, schema);
}

// ---------------------------------------------------------------- schemas of this file

const Leaf = Type.Object(
  {
    text: Type.String(xmlText),
    label: Type.Optional(Type.String(xmlAttribute)),
    weight: Type.Optional(Type.Number(xmlAttribute)),
    count: Type.Optional(Type.Integer(xmlAttribute)),
    on: Type.Optional(Type.Boolean(xmlAttribute)),
  },
  { additionalProperties: false },
);
const Tree = Type.Object(
  {
    id: Type.Integer(),
    name: Type.Optional(Type.String()),
    ratio: Type.Optional(Type.Number()),
    flag: Type.Optional(Type.Boolean()),
    leaves: Type.Array(Leaf),
    tags: Type.Optional(Type.Array(Type.String({ maxLength: 5 }))),
    branch: Type.Optional(
      Type.Object(
        {
          when: Type.String({ format: 'date-time' }),
          kind: Type.Unsafe<string>({ type: 'string', enum: ['Alpha', 'Beta.Gamma'] }),
          twigs: Type.Optional(Type.Array(Type.Object({ x: Type.Integer(), y: Type.Optional(Type.String()) }, { additionalProperties: false }))),
          empty: Type.Optional(Type.Object({}, { additionalProperties: false })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

test('property: payloads of a schema with arrays, attributes, text and nested objects round-trip unchanged', () => {
  const validate = compileValidator(Tree);
  fc.assert(
    fc.property(arbitraryOf(Tree as unknown as Schema), (payload) => {
      assert.ok(validate(payload).ok, 'the generator makes valid payloads');
      const back = roundTrip(payload, Tree, 'tree', OCPP15_CS_NS);
      assert.deepStrictEqual(back, asJson(payload));
      assert.ok(validate(back).ok);
    }),
    { numRuns: 500 },
  );
});

test('property: any string, as element text or attribute, comes back exactly', () => {
  const Strings = Type.Object({ a: Type.String(xmlAttribute), t: Type.String(xmlText) });
  fc.assert(
    fc.property(stringArbitrary(0, 200), stringArbitrary(0, 200), (a, t) => {
      assert.deepStrictEqual(roundTrip({ a, t }, Strings, 's', OCPP15_CS_NS), { a, t });
    }),
    { numRuns: 1000 },
  );
});

test('property: request headers (identity, addresses) come back as sent', () => {
  // Header values are read trimmed of XML whitespace, so generate them without any at the ends.
  const value = stringArbitrary(1, 60).filter((s) => !/^[ \t\r\n]|[ \t\r\n]$/.test(s));
  fc.assert(
    fc.property(value, value, value, value, (chargeBoxIdentity, to, from, messageId) => {
      const xml = encodeEnvelope({
        namespace: OCPP15_CP_NS,
        headers: requestAddressing({ chargeBoxIdentity, operation: 'Reset', to, from, messageId }),
        bodyXml: '<ocpp:resetRequest><ocpp:type>Hard</ocpp:type></ocpp:resetRequest>',
      });
      const { headers } = decodeEnvelope(xml);
      assert.deepStrictEqual({ ...headers }, { chargeBoxIdentity, action: '/Reset', messageId, to, from, replyTo: 'http://www.w3.org/2005/08/addressing/anonymous' });
    }),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------- every OCPP 1.5 action

const services = [
  { actions: centralSystemActions, requestNs: OCPP15_CS_NS, responseNs: OCPP15_CS_NS },
  { actions: chargePointActions, requestNs: OCPP15_CP_NS, responseNs: OCPP15_CP_NS },
];

for (const { actions, requestNs, responseNs } of services) {
  for (const [name, action] of Object.entries(actions)) {
    test(`property: OCPP 1.5 ${name} request and response round-trip unchanged and stay valid`, () => {
      const lower = name.charAt(0).toLowerCase() + name.slice(1);
      const cases = [
        { schema: action.request, validate: action.validateRequest, element: `${lower}Request`, namespace: requestNs },
        { schema: action.response, validate: action.validateResponse, element: `${lower}Response`, namespace: responseNs },
      ];
      for (const { schema, validate, element, namespace } of cases) {
        fc.assert(
          fc.property(arbitraryOf(schema as unknown as Schema), (payload) => {
            assert.ok(validate(payload).ok, `generated ${element} is valid: ${JSON.stringify(payload)}`);
            const back = roundTrip(payload, schema, element, namespace);
            assert.deepStrictEqual(back, asJson(payload));
            assert.ok(validate(back).ok);
          }),
          { numRuns: 60 },
        );
      }
    });
  }
}
