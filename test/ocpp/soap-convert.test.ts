// The schema-driven XML ⇄ payload mapping (convert.ts), on small schemas of this file: element
// order, arrays, attributes, text, nested objects, strict scalars, what is left for the validator
// to report, escaping, and what cannot be encoded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { compileValidator } from '../../src/ocpp/validate.js';
import {
  decodeEnvelope,
  encodeEnvelope,
  OCPP15_CS_NS,
  OCPP_PREFIX,
  parseXml,
  payloadToXml,
  readPayload,
  responseAddressing,
  SoapFault,
  xmlAttribute,
  xmlText,
  xmlToPayload,
  XSI_NS,
  type XmlElement,
} from '../../src/ocpp/soap/index.js';

const Reading = Type.Object(
  {
    value: Type.String(xmlText),
    unit: Type.Optional(Type.Unsafe<string>({ type: 'string', enum: ['Wh', 'kWh'], ...xmlAttribute })),
    phase: Type.Optional(Type.Integer(xmlAttribute)),
    signed: Type.Optional(Type.Boolean(xmlAttribute)),
  },
  { additionalProperties: false },
);
const Sample = Type.Object(
  {
    timestamp: Type.String({ format: 'date-time' }),
    reading: Type.Array(Reading, { minItems: 1 }),
  },
  { additionalProperties: false },
);
const Info = Type.Object(
  { status: Type.Unsafe<string>({ type: 'string', enum: ['Accepted', 'Blocked'] }), note: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
const Message = Type.Object(
  {
    id: Type.Integer(),
    ratio: Type.Optional(Type.Number()),
    enabled: Type.Optional(Type.Boolean()),
    name: Type.Optional(Type.String()),
    tags: Type.Optional(Type.Array(Type.String())),
    samples: Type.Array(Sample),
    info: Type.Optional(Info),
  },
  { additionalProperties: false },
);
const validate = compileValidator(Message);

/** The body element of `inner` wrapped in a `message` element of the OCPP namespace. */
function body(inner: string, attributes = ''): XmlElement {
  return parseXml(`<m:message xmlns:m="${OCPP15_CS_NS}"${attributes}>${inner}</m:message>`);
}

function violationOf(payload: unknown) {
  const result = validate(payload);
  assert.equal(result.ok, false, `expected ${JSON.stringify(payload)} to be refused`);
  return (result as { ok: false; violation: { code: string; path: string } }).violation;
}

test('elements, nested objects, arrays, attributes and text map onto the payload', () => {
  const payload = xmlToPayload(
    body(`
      <m:id>7</m:id>
      <m:ratio>0.25</m:ratio>
      <m:enabled>true</m:enabled>
      <m:name>Posto Lisboa 1</m:name>
      <m:tags>a</m:tags>
      <m:tags>b</m:tags>
      <m:samples>
        <m:timestamp>2024-05-01T10:00:00Z</m:timestamp>
        <m:reading unit="kWh" phase="2" signed="false">12.5</m:reading>
        <m:reading>1000</m:reading>
      </m:samples>
      <m:info><m:status>Accepted</m:status></m:info>`),
    Message,
  );
  assert.deepEqual(payload, {
    id: 7,
    ratio: 0.25,
    enabled: true,
    name: 'Posto Lisboa 1',
    tags: ['a', 'b'],
    samples: [
      {
        timestamp: '2024-05-01T10:00:00Z',
        reading: [{ value: '12.5', unit: 'kWh', phase: 2, signed: false }, { value: '1000' }],
      },
    ],
    info: { status: 'Accepted' },
  });
  assert.ok(validate(payload).ok);
});

test('child elements are accepted in any order; a single element of an array is an array of one', () => {
  const payload = xmlToPayload(
    body(`<m:info><m:note>n</m:note><m:status>Blocked</m:status></m:info>
          <m:samples><m:reading>1</m:reading><m:timestamp>2024-05-01T10:00:00Z</m:timestamp></m:samples>
          <m:tags>only</m:tags>
          <m:id>1</m:id>`),
    Message,
  );
  assert.deepEqual(payload, {
    id: 1,
    tags: ['only'],
    samples: [{ timestamp: '2024-05-01T10:00:00Z', reading: [{ value: '1' }] }],
    info: { status: 'Blocked', note: 'n' },
  });
  assert.ok(validate(payload).ok);
});

test('a required array with no element is empty; an optional one is absent', () => {
  assert.deepEqual(xmlToPayload(body('<m:id>1</m:id>'), Message), { id: 1, samples: [] });
  // minItems still applies: a sample without readings is an occurrence violation.
  const payload = xmlToPayload(body('<m:id>1</m:id><m:samples><m:timestamp>2024-05-01T10:00:00Z</m:timestamp></m:samples>'), Message);
  assert.deepEqual(payload, { id: 1, samples: [{ timestamp: '2024-05-01T10:00:00Z', reading: [] }] });
  assert.deepEqual(violationOf(payload), { code: 'OccurenceConstraintViolation', path: '/samples/0/reading', message: 'must NOT have fewer than 1 items' });
});

test('elements in another namespace or in none are matched by local name', () => {
  const payload = xmlToPayload(
    parseXml(`<message xmlns="${OCPP15_CS_NS}"><id xmlns="">3</id><x:name xmlns:x="urn:other">n</x:name></message>`),
    Message,
  );
  assert.deepEqual(payload, { id: 3, name: 'n', samples: [] });
});

test('integers, numbers and booleans are read strictly; anything else stays a string for the validator', () => {
  const id = (text: string) => (xmlToPayload(body(`<m:id>${text}</m:id>`), Message) as { id: unknown }).id;
  assert.equal(id('12'), 12);
  assert.equal(id(' 12 '), 12);
  assert.equal(id('\n\t 12\r\n'), 12);
  assert.equal(id('+12'), 12);
  assert.equal(id('-12'), -12);
  assert.equal(id('007'), 7);
  assert.ok(Object.is(id('-0'), 0));
  for (const text of ['12.5', '12.0', '1e3', 'abc', '', ' ', '0x10', '1 2', '١٢', 'Infinity', '99999999999999999999']) {
    assert.equal(id(text), text, `integer text ${JSON.stringify(text)}`);
  }
  const bad = xmlToPayload(body('<m:id>12.5</m:id>'), Message);
  assert.deepEqual(violationOf(bad), { code: 'TypeConstraintViolation', path: '/id', message: 'must be integer' });

  const ratio = (text: string) => (xmlToPayload(body(`<m:id>1</m:id><m:ratio>${text}</m:ratio>`), Message) as { ratio: unknown }).ratio;
  assert.equal(ratio('2.5'), 2.5);
  assert.equal(ratio(' .5 '), 0.5);
  assert.equal(ratio('5.'), 5);
  assert.equal(ratio('-1.5E3'), -1500);
  assert.equal(ratio('12'), 12);
  for (const text of ['INF', '-INF', 'NaN', '1e999', '2,5', '', '.', 'e3', '1.2.3']) assert.equal(ratio(text), text, `number text ${JSON.stringify(text)}`);

  const enabled = (text: string) => (xmlToPayload(body(`<m:id>1</m:id><m:enabled>${text}</m:enabled>`), Message) as { enabled: unknown }).enabled;
  assert.equal(enabled('true'), true);
  assert.equal(enabled(' 1 '), true);
  assert.equal(enabled('false'), false);
  assert.equal(enabled('0'), false);
  for (const text of ['True', 'yes', '', 'on']) assert.equal(enabled(text), text);
  assert.equal(violationOf(xmlToPayload(body('<m:id>1</m:id><m:enabled>yes</m:enabled>'), Message)).code, 'TypeConstraintViolation');

  // Attributes too.
  const reading = (attributes: string) =>
    (xmlToPayload(body(`<m:id>1</m:id><m:samples><m:timestamp>t</m:timestamp><m:reading${attributes}>1</m:reading></m:samples>`), Message) as {
      samples: [{ reading: [Record<string, unknown>] }];
    }).samples[0].reading[0];
  assert.deepEqual(reading(' phase=" 3 " signed="1"'), { value: '1', phase: 3, signed: true });
  assert.deepEqual(reading(' phase="three"'), { value: '1', phase: 'three' });
});

test('strings are kept exactly as received: whitespace, entities, CDATA, non-ASCII', () => {
  const name = (inner: string) => (xmlToPayload(body(`<m:id>1</m:id><m:name>${inner}</m:name>`), Message) as { name: unknown }).name;
  assert.equal(name('  padded \n\t'), '  padded \n\t');
  assert.equal(name('a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;'), 'a <b> & "c" \'d\'');
  assert.equal(name('&#233;&#xE9;&#x1F50C;'), 'éé🔌');
  assert.equal(name('<![CDATA[<raw> & ]]>tail'), '<raw> & tail');
  assert.equal(name('São João — 充电 🔌'), 'São João — 充电 🔌');
  assert.equal(name('line1&#13;&#10;line2'), 'line1\r\nline2');
  assert.equal(name(''), '');
  assert.equal(name('a<!-- comment -->b'), 'ab');
  // Text of the MeterValue-like value element, too.
  const reading = xmlToPayload(body('<m:id>1</m:id><m:samples><m:timestamp>t</m:timestamp><m:reading> 12 </m:reading></m:samples>'), Message) as {
    samples: [{ reading: [{ value: string }] }];
  };
  assert.equal(reading.samples[0].reading[0].value, ' 12 ');
});

test('a dateTime is read without the whitespace around it, which XSD collapses; inside it, whitespace stays and is refused', () => {
  const timestamp = (text: string) =>
    (xmlToPayload(body(`<m:id>1</m:id><m:samples><m:timestamp>${text}</m:timestamp><m:reading>1</m:reading></m:samples>`), Message) as {
      samples: [{ timestamp: unknown }];
    }).samples[0].timestamp;
  assert.equal(timestamp('\n      2025-01-01T10:00:00Z\n    '), '2025-01-01T10:00:00Z');
  assert.equal(timestamp(' 2025-01-01T10:00:00+01:00\t'), '2025-01-01T10:00:00+01:00');
  const payload = xmlToPayload(body('<m:id>1</m:id><m:samples><m:timestamp>\r\n 2025-01-01T10:00:00Z </m:timestamp><m:reading>1</m:reading></m:samples>'), Message);
  assert.equal(validate(payload).ok, true, JSON.stringify(payload));
  assert.equal(timestamp('2025-01-01 T10:00:00Z'), '2025-01-01 T10:00:00Z');
  assert.equal(violationOf(xmlToPayload(body('<m:id>1</m:id><m:samples><m:timestamp>2025-01-01 T10:00:00Z</m:timestamp><m:reading>1</m:reading></m:samples>'), Message)).code, 'TypeConstraintViolation');
});

test('elements and attributes the schema does not define are kept, so validation reports them', () => {
  const extraElement = xmlToPayload(body('<m:id>1</m:id><m:colour>red</m:colour>'), Message);
  assert.deepEqual(extraElement, { id: 1, samples: [], colour: 'red' });
  assert.deepEqual(violationOf(extraElement), { code: 'FormationViolation', path: '/colour', message: 'is not defined by the message' });

  const nested = xmlToPayload(body('<m:id>1</m:id><m:info><m:status>Accepted</m:status><m:extra a="1"><m:x>1</m:x><m:x>2</m:x></m:extra></m:info>'), Message);
  assert.deepEqual((nested as { info: unknown }).info, { status: 'Accepted', extra: { a: '1', x: ['1', '2'] } });
  assert.equal(violationOf(nested).path, '/info/extra');

  const extraAttribute = xmlToPayload(
    body('<m:id>1</m:id><m:samples><m:timestamp>2024-05-01T10:00:00Z</m:timestamp><m:reading colour="red">1</m:reading></m:samples>'),
    Message,
  );
  assert.deepEqual(violationOf(extraAttribute), { code: 'FormationViolation', path: '/samples/0/reading/0/colour', message: 'is not defined by the message' });

  // An attribute on the message element itself; XML's own attributes (xsi:type, xml:lang) are not the message's.
  assert.equal(violationOf(xmlToPayload(body('<m:id>1</m:id>', ' version="2"'), Message)).path, '/version');
  assert.ok(validate(xmlToPayload(body('<m:id>1</m:id>', ` xml:lang="pt" xmlns:xsi="${XSI_NS}" xsi:type="m:message"`), Message)).ok);
  // Another namespace's annotation (wsu:Id on a part a WS-Security stack signed) is not the message's either.
  assert.ok(validate(xmlToPayload(body('<m:id>1</m:id>', ' xmlns:wsu="urn:wsu" wsu:Id="id-1"'), Message)).ok);
});

test("attributes of the OCPP namespace are read by local name; another namespace's named like one, or one given twice, is refused", () => {
  const reading = (attributes: string) =>
    xmlToPayload(body(`<m:id>1</m:id><m:samples><m:timestamp>2024-05-01T10:00:00Z</m:timestamp><m:reading${attributes}>12.5</m:reading></m:samples>`), Message) as {
      samples: { reading: Record<string, unknown>[] }[];
    };
  // Some stacks qualify every attribute. Left out, `m:unit="kWh"` made a kWh register a Wh one.
  assert.deepEqual(reading(' m:unit="kWh" m:phase="2"').samples[0]!.reading[0], { value: '12.5', unit: 'kWh', phase: 2 });
  // Another namespace's `unit` can be taken neither as the unit nor as nothing: refused, named as itself.
  const foreign = reading(' xmlns:x="urn:other" x:unit="kWh"');
  assert.deepEqual(violationOf(foreign), { code: 'FormationViolation', path: '/samples/0/reading/0/{urn:other}unit', message: 'is not defined by the message' });
  const twice = reading(' unit="Wh" m:unit="kWh"');
  assert.equal(twice.samples[0]!.reading[0]!.unit, 'Wh');
  assert.deepEqual(violationOf(twice), { code: 'FormationViolation', path: '/samples/0/reading/0/unit#unexpected', message: 'is not defined by the message' });
  assert.ok(validate(reading(` xmlns:xsi="${XSI_NS}" xsi:type="m:reading"`)).ok, 'xsi:type is XML\'s own');

  // Text where the schema expects only elements.
  const stray = xmlToPayload(body('<m:id>1</m:id> stray text '), Message);
  assert.equal((stray as Record<string, unknown>)['#text'], '<m:id>1</m:id> stray text '.replace('<m:id>1</m:id>', ''));
  assert.equal(violationOf(stray).code, 'FormationViolation');
});

test('an element named __proto__ becomes an own property, not a prototype', () => {
  const payload = xmlToPayload(body('<m:id>1</m:id><m:__proto__><m:polluted>yes</m:polluted></m:__proto__><m:constructor>x</m:constructor>'), Message) as Record<string, unknown>;
  assert.ok(Object.hasOwn(payload, '__proto__'));
  assert.equal(Object.getPrototypeOf(payload), Object.prototype);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(payload.constructor, 'x');
  assert.equal(violationOf(payload).code, 'FormationViolation');
});

test('an element given more often than once, where once is allowed, is named as an occurrence violation', () => {
  // To the validator it is only an array where a value is due: the wrong code, TypeConstraintViolation.
  const twice = readPayload(body('<m:id>1</m:id><m:id>2</m:id><m:samples><m:timestamp>t</m:timestamp><m:reading>1</m:reading></m:samples>'), Message);
  assert.deepEqual(twice.repeated, { code: 'OccurenceConstraintViolation', path: '/id', message: 'is given 2 times: the element id may occur once' });
  assert.deepEqual((twice.payload as { id: unknown }).id, [1, 2]);
  // Deep inside, the first in the document is named; lists and a single occurrence are not.
  const nested = readPayload(
    body('<m:id>1</m:id><m:samples><m:timestamp>t</m:timestamp><m:timestamp>u</m:timestamp><m:timestamp>v</m:timestamp><m:reading>1</m:reading><m:reading>2</m:reading></m:samples><m:info><m:status>A</m:status><m:status>B</m:status></m:info>'),
    Message,
  );
  assert.deepEqual(nested.repeated, { code: 'OccurenceConstraintViolation', path: '/samples/0/timestamp', message: 'is given 3 times: the element timestamp may occur once' });
  assert.equal(readPayload(body('<m:id>1</m:id><m:tags>a</m:tags><m:tags>b</m:tags>'), Message).repeated, undefined);
});

test('wrong occurrences and shapes are left for the validator to report', () => {
  // Elements inside what should be a plain value.
  assert.deepEqual(violationOf(xmlToPayload(body('<m:id>1</m:id><m:name><m:first>A</m:first></m:name>'), Message)), {
    code: 'TypeConstraintViolation',
    path: '/name',
    message: 'must be string',
  });
  // Missing required element.
  assert.deepEqual(violationOf(xmlToPayload(body('<m:samples><m:timestamp>t</m:timestamp><m:reading>1</m:reading></m:samples>'), Message)), {
    code: 'OccurenceConstraintViolation',
    path: '/id',
    message: 'is required',
  });
  // An object given as text: its properties are missing (and the text is an extra '#text').
  const asText = xmlToPayload(body('<m:id>1</m:id><m:info>Accepted</m:info>'), Message);
  assert.deepEqual((asText as { info: unknown }).info, { '#text': 'Accepted' });
  assert.deepEqual(violationOf(asText), { code: 'OccurenceConstraintViolation', path: '/info/status', message: 'is required' });
});

test('xsi:nil: absent when optional, null (a type violation) when required or in an array', () => {
  const nil = `xmlns:xsi="${XSI_NS}" xsi:nil="true"`;
  assert.deepEqual(xmlToPayload(body(`<m:id>1</m:id><m:name ${nil}/><m:info ${nil}/><m:ratio xmlns:i="${XSI_NS}" i:nil=" 1 "/>`), Message), { id: 1, samples: [] });
  const required = xmlToPayload(body(`<m:id ${nil}/>`), Message);
  assert.deepEqual(required, { id: null, samples: [] });
  assert.deepEqual(violationOf(required), { code: 'TypeConstraintViolation', path: '/id', message: 'must be integer' });
  const item = xmlToPayload(body(`<m:id>1</m:id><m:tags>a</m:tags><m:tags ${nil}/>`), Message);
  assert.deepEqual((item as { tags: unknown }).tags, ['a', null]);
  assert.equal(violationOf(item).path, '/tags/1');
  // xsi:nil="false" is an ordinary element.
  assert.equal((xmlToPayload(body(`<m:id>1</m:id><m:name xmlns:xsi="${XSI_NS}" xsi:nil="false">x</m:name>`), Message) as { name: unknown }).name, 'x');
});

// ---------------------------------------------------------------- writing

test('payloadToXml writes elements in schema order, arrays repeated, attributes and text, absent omitted', () => {
  const xml = payloadToXml(
    {
      info: { note: 'n', status: 'Accepted' },
      samples: [{ reading: [{ phase: 1, value: '7', unit: 'Wh' }, { value: '8' }], timestamp: '2024-05-01T10:00:00Z' }],
      tags: ['x', 'y'],
      id: 5,
      ratio: 1e21,
      enabled: false,
    },
    Message,
    'message',
    'p',
  );
  assert.equal(
    xml,
    '<p:message><p:id>5</p:id><p:ratio>1e+21</p:ratio><p:enabled>false</p:enabled><p:tags>x</p:tags><p:tags>y</p:tags>' +
      '<p:samples><p:timestamp>2024-05-01T10:00:00Z</p:timestamp><p:reading unit="Wh" phase="1">7</p:reading><p:reading>8</p:reading></p:samples>' +
      '<p:info><p:status>Accepted</p:status><p:note>n</p:note></p:info></p:message>',
  );
});

test('payloadToXml escapes text and attributes', () => {
  const Escapes = Type.Object({ a: Type.String(xmlAttribute), t: Type.String(xmlText) });
  const payload = { a: `<"'&>\t\n\r x`, t: `]]> <&> "q" 'a' \r\n é 🔌` };
  const xml = payloadToXml(payload, Escapes, 'e', '');
  assert.equal(xml, `<e a="&lt;&quot;&apos;&amp;&gt;&#9;&#10;&#13; x">]]&gt; &lt;&amp;&gt; "q" 'a' &#13;\n é 🔌</e>`);
  assert.deepEqual(xmlToPayload(parseXml(xml), Escapes), payload);
});

test('payloadToXml: dates as ISO text, empty strings as empty elements, declaring the namespace when asked', () => {
  const Dated = Type.Object({ at: Type.String({ format: 'date-time' }), empty: Type.String(), count: Type.Integer() });
  const xml = payloadToXml({ at: new Date('2024-05-01T10:00:00Z'), empty: '', count: -0 }, Dated, 'dated', 'cs', OCPP15_CS_NS);
  assert.equal(xml, `<cs:dated xmlns:cs="${OCPP15_CS_NS}"><cs:at>2024-05-01T10:00:00.000Z</cs:at><cs:empty/><cs:count>0</cs:count></cs:dated>`);
  const root = parseXml(xml);
  assert.equal(root.namespace, OCPP15_CS_NS);
  assert.deepEqual(xmlToPayload(root, Dated), { at: '2024-05-01T10:00:00.000Z', empty: '', count: 0 });
  assert.equal(payloadToXml({ count: 1 }, Dated, 'dated', '', OCPP15_CS_NS), `<dated xmlns="${OCPP15_CS_NS}"><count>1</count></dated>`);
  assert.equal(payloadToXml({}, Type.Object({}), 'heartbeatRequest', OCPP_PREFIX), '<ocpp:heartbeatRequest/>');
});

test('payloadToXml ignores properties the schema does not define', () => {
  assert.equal(payloadToXml({ id: 1, samples: [], secret: 'x' }, Message, 'message', ''), '<message><id>1</id></message>');
});

test('what XML cannot carry is a Receiver fault (NotEncodable), not broken XML', () => {
  const cases: [unknown, RegExp][] = [
    [{ id: 1, samples: [], name: 'nul\u0000byte' }, /\/name holds U\+0000/],
    [{ id: 1, samples: [], name: 'bad \uFFFE' }, /U\+FFFE/],
    [{ id: 1, samples: [], name: 'lone \uD800 surrogate' }, /U\+D800/],
    [{ id: Number.NaN, samples: [] }, /\/id is NaN/],
    [{ id: Number.POSITIVE_INFINITY, samples: [] }, /\/id is Infinity/],
    [{ id: 1, samples: [{ timestamp: 't', reading: [{ value: { nested: true } }] }] }, /\/samples\/0\/reading\/0\/value is object/],
  ];
  for (const [payload, reason] of cases) {
    assert.throws(
      () => payloadToXml(payload, Message, 'message', 'p'),
      (e: unknown) => e instanceof SoapFault && e.code === 'Receiver' && e.subcode === 'NotEncodable' && reason.test(e.reason),
      String(reason),
    );
  }
  assert.throws(() => payloadToXml({ 'not a name': 1 }, Type.Object({ 'not a name': Type.Integer() }), 'm', ''), SoapFault);
});

test('a payload with no schema information is written and read generically', () => {
  const Anything = Type.Object({ data: Type.Unknown() });
  const xml = payloadToXml({ data: { a: '1', list: ['x', 'y'], deep: { b: 2 } } }, Anything, 'm', '');
  assert.equal(xml, '<m><data><a>1</a><list>x</list><list>y</list><deep><b>2</b></deep></data></m>');
  assert.deepEqual(xmlToPayload(parseXml(xml), Anything), { data: { a: '1', list: ['x', 'y'], deep: { b: '2' } } });
});

test('unions, literals and allOf are understood', () => {
  const Schema = Type.Object({
    kind: Type.Union([Type.Literal('a'), Type.Literal('b')]),
    n: Type.Union([Type.Integer(), Type.Number()]),
    flag: Type.Literal(true),
    both: Type.Intersect([Type.Object({ x: Type.Integer() }), Type.Object({ y: Type.Optional(Type.String({ ...xmlAttribute })) })]),
  });
  const payload = { kind: 'b', n: 1.5, flag: true, both: { x: 3, y: 'why' } };
  const xml = payloadToXml(payload, Schema, 's', '');
  assert.equal(xml, '<s><kind>b</kind><n>1.5</n><flag>true</flag><both y="why"><x>3</x></both></s>');
  assert.deepEqual(xmlToPayload(parseXml(xml), Schema), payload);
});

test('a payload through a whole envelope and back', () => {
  const payload = {
    id: 42,
    name: 'Ponto <A&B> "x"',
    samples: [{ timestamp: '2024-05-01T10:00:00Z', reading: [{ value: '1.5', unit: 'kWh' }] }],
  };
  const xml = encodeEnvelope({
    namespace: OCPP15_CS_NS,
    headers: responseAddressing({ headers: { messageId: 'm-1' } }, 'Message'),
    bodyXml: payloadToXml(payload, Message, 'message', OCPP_PREFIX),
  });
  const decoded = decodeEnvelope(xml);
  assert.equal(decoded.bodyElement, 'message');
  assert.deepEqual(xmlToPayload(decoded.body, Message), payload);
});
