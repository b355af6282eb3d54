// The SOAP 1.2 + WS-Addressing envelope codec: decoding real-looking OCPP 1.5 messages (various
// prefixes and namespace placements), encoding responses, commands and faults, naming helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeEnvelope,
  encodeEnvelope,
  encodeFault,
  faultAddressing,
  faultForCode,
  faultFromViolation,
  newMessageId,
  OCPP15_CP_NS,
  OCPP15_CS_NS,
  OCPP_PREFIX,
  operationOfAction,
  operationOfRequestElement,
  operationOfResponseElement,
  parseXml,
  readFault,
  requestActionOf,
  requestAddressing,
  requestElementOf,
  responseActionOf,
  responseAddressing,
  responseElementOf,
  SOAP11_ENVELOPE_NS,
  SOAP12_ENVELOPE_NS,
  SoapFault,
  TOMADA_FAULT_NS,
  WSA_2004_ANONYMOUS,
  WSA_2004_NS,
  WSA_ANONYMOUS,
  WSA_FAULT_ACTION,
  WSA_NS,
  XML_NS,
  type XmlElement,
} from '../../src/ocpp/soap/index.js';

const UUID = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function child(element: XmlElement | undefined, name: string, namespace?: string): XmlElement {
  const found = element?.children.find((c) => c.name === name && (namespace === undefined || c.namespace === namespace));
  assert.ok(found, `no <${name}> in <${element?.name}>`);
  return found;
}

// ---------------------------------------------------------------- decoding requests

test('decodes a BootNotification with soap:/cs: prefixes and all WS-Addressing headers', () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"
               xmlns:cs="urn://Ocpp/Cs/2012/06/"
               xmlns:wsa="http://www.w3.org/2005/08/addressing">
  <soap:Header>
    <cs:chargeBoxIdentity soap:mustUnderstand="true">CB-0001</cs:chargeBoxIdentity>
    <wsa:Action soap:mustUnderstand="true">/BootNotification</wsa:Action>
    <wsa:ReplyTo>
      <wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address>
    </wsa:ReplyTo>
    <wsa:MessageID>urn:uuid:5b5cf4b4-8b4f-4d4b-9e31-0a1c3bd1f1aa</wsa:MessageID>
    <wsa:From>
      <wsa:Address>http://10.0.0.7:8080/ChargeBox/Ocpp</wsa:Address>
    </wsa:From>
    <wsa:To soap:mustUnderstand="true">http://cs.example.pt/ocpp/soap</wsa:To>
  </soap:Header>
  <soap:Body>
    <cs:bootNotificationRequest>
      <cs:chargePointVendor>Efacec</cs:chargePointVendor>
      <cs:chargePointModel>QC45</cs:chargePointModel>
      <cs:firmwareVersion>1.2.3</cs:firmwareVersion>
    </cs:bootNotificationRequest>
  </soap:Body>
</soap:Envelope>`;
  const decoded = decodeEnvelope(xml);
  assert.equal(decoded.soapVersion, '1.2');
  assert.deepEqual(decoded.headers, {
    chargeBoxIdentity: 'CB-0001',
    action: '/BootNotification',
    replyTo: WSA_ANONYMOUS,
    messageId: 'urn:uuid:5b5cf4b4-8b4f-4d4b-9e31-0a1c3bd1f1aa',
    from: 'http://10.0.0.7:8080/ChargeBox/Ocpp',
    to: 'http://cs.example.pt/ocpp/soap',
  });
  assert.equal(decoded.addressingNamespace, WSA_NS);
  assert.equal(decoded.namespace, OCPP15_CS_NS);
  assert.equal(decoded.service, 'centralSystem');
  assert.equal(decoded.bodyElement, 'bootNotificationRequest');
  assert.deepEqual(
    decoded.body.children.map((c) => [c.name, c.namespace, c.text]),
    [
      ['chargePointVendor', OCPP15_CS_NS, 'Efacec'],
      ['chargePointModel', OCPP15_CS_NS, 'QC45'],
      ['firmwareVersion', OCPP15_CS_NS, '1.2.3'],
    ],
  );
});

test('decodes a default-namespaced body, namespaces declared on inner elements, no XML declaration', () => {
  const xml = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">
	<s:Header>
		<chargeBoxIdentity xmlns="urn://Ocpp/Cs/2012/06/">PT-EFA-00042</chargeBoxIdentity>
		<a:Action xmlns:a="http://www.w3.org/2005/08/addressing">/Authorize</a:Action>
		<a:MessageID xmlns:a="http://www.w3.org/2005/08/addressing">uuid:1</a:MessageID>
		<From xmlns="http://www.w3.org/2005/08/addressing"><Address>http://192.168.1.20/</Address></From>
	</s:Header>
	<s:Body>
		<authorizeRequest xmlns="urn://Ocpp/Cs/2012/06/">
			<idTag>ABCDEF01</idTag>
		</authorizeRequest>
	</s:Body>
</s:Envelope>`;
  const decoded = decodeEnvelope(xml);
  assert.deepEqual(decoded.headers, {
    chargeBoxIdentity: 'PT-EFA-00042',
    action: '/Authorize',
    messageId: 'uuid:1',
    from: 'http://192.168.1.20/',
  });
  assert.equal(decoded.namespace, OCPP15_CS_NS);
  assert.equal(decoded.bodyElement, 'authorizeRequest');
  assert.equal(child(decoded.body, 'idTag', OCPP15_CS_NS).text, 'ABCDEF01');
});

test('decodes an env: envelope with the OCPP namespace as default, no Header at all, CRLF line ends', () => {
  const xml = [
    '<?xml version="1.0"?>',
    '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns="urn://Ocpp/Cs/2012/06/">',
    '  <env:Body>',
    '    <heartbeatRequest/>',
    '  </env:Body>',
    '</env:Envelope>',
  ].join('\r\n');
  const decoded = decodeEnvelope(xml);
  assert.deepEqual(decoded.headers, {});
  assert.equal(decoded.addressingNamespace, undefined);
  assert.equal(decoded.bodyElement, 'heartbeatRequest');
  assert.equal(decoded.namespace, OCPP15_CS_NS);
  assert.deepEqual(decoded.body.children, []);
});

test('resolves a prefix re-bound on an inner element to its innermost declaration', () => {
  // x means the SOAP namespace on the envelope, then the OCPP namespace inside the body.
  const xml = `<x:Envelope xmlns:x="http://www.w3.org/2003/05/soap-envelope">
  <x:Body>
    <x:statusNotificationRequest xmlns:x="urn://Ocpp/Cs/2012/06/">
      <x:connectorId>2</x:connectorId>
    </x:statusNotificationRequest>
  </x:Body>
</x:Envelope>`;
  const decoded = decodeEnvelope(xml);
  assert.equal(decoded.namespace, OCPP15_CS_NS);
  assert.equal(decoded.bodyElement, 'statusNotificationRequest');
  assert.equal(child(decoded.body, 'connectorId').namespace, OCPP15_CS_NS);
});

test('an element whose default namespace is undeclared (xmlns="") is in no namespace', () => {
  const root = parseXml('<a xmlns="urn:a"><b xmlns=""><c/></b><d/></a>');
  assert.equal(root.namespace, 'urn:a');
  assert.equal(child(root, 'b').namespace, '');
  assert.equal(child(child(root, 'b'), 'c').namespace, '');
  assert.equal(child(root, 'd').namespace, 'urn:a');
  assert.equal(parseXml('<a xml:lang="en"/>').attributes[0]?.namespace, XML_NS);
});

test('header values are trimmed of XML whitespace; From needs exactly one Address', () => {
  const xml = `<e:Envelope xmlns:e="${SOAP12_ENVELOPE_NS}" xmlns:w="${WSA_NS}" xmlns:o="${OCPP15_CS_NS}">
  <e:Header>
    <o:chargeBoxIdentity>
       CB 7
    </o:chargeBoxIdentity>
    <w:Action>
      /Heartbeat
    </w:Action>
  </e:Header>
  <e:Body><o:heartbeatRequest/></e:Body>
</e:Envelope>`;
  assert.deepEqual(decodeEnvelope(xml).headers, { chargeBoxIdentity: 'CB 7', action: '/Heartbeat' });
  const noAddress = xml.replace('<e:Header>', '<e:Header><w:From><w:Reference/></w:From>');
  assert.throws(() => decodeEnvelope(noAddress), (e: unknown) => e instanceof SoapFault && e.subcode === 'InvalidAddressingHeader');
});

test('reads the pre-standard WS-Addressing (2004/08) headers and answers in kind', () => {
  const xml = `<soap:Envelope xmlns:soap="${SOAP12_ENVELOPE_NS}" xmlns:wsa="${WSA_2004_NS}" xmlns:cs="${OCPP15_CS_NS}">
  <soap:Header>
    <cs:chargeBoxIdentity>CB1</cs:chargeBoxIdentity>
    <wsa:Action>/Heartbeat</wsa:Action>
    <wsa:MessageID>uuid:old-1</wsa:MessageID>
    <wsa:From><wsa:Address>http://cp.local/</wsa:Address></wsa:From>
  </soap:Header>
  <soap:Body><cs:heartbeatRequest/></soap:Body>
</soap:Envelope>`;
  const decoded = decodeEnvelope(xml);
  assert.equal(decoded.addressingNamespace, WSA_2004_NS);
  assert.equal(decoded.headers.from, 'http://cp.local/');
  const response = encodeEnvelope({
    namespace: OCPP15_CS_NS,
    headers: responseAddressing(decoded, 'Heartbeat'),
    bodyXml: '<ocpp:heartbeatResponse><ocpp:currentTime>2024-01-01T00:00:00Z</ocpp:currentTime></ocpp:heartbeatResponse>',
  });
  const answer = decodeEnvelope(response);
  assert.equal(answer.addressingNamespace, WSA_2004_NS);
  assert.equal(answer.headers.to, WSA_2004_ANONYMOUS);
  assert.equal(answer.headers.relatesTo, 'uuid:old-1');
  const fault = decodeEnvelope(encodeFault(new SoapFault('Receiver', 'busy'), faultAddressing(decoded)));
  assert.equal(fault.addressingNamespace, WSA_2004_NS);
  assert.equal(fault.headers.action, 'http://schemas.xmlsoap.org/ws/2004/08/addressing/fault');
});

test('decodes a charge point response (Cp namespace) to one of our commands', () => {
  const xml = `<SOAP-ENV:Envelope xmlns:SOAP-ENV="${SOAP12_ENVELOPE_NS}" xmlns:ns1="${OCPP15_CP_NS}" xmlns:wsa5="${WSA_NS}">
  <SOAP-ENV:Header>
    <wsa5:MessageID>urn:uuid:aaaa</wsa5:MessageID>
    <wsa5:RelatesTo>urn:uuid:bbbb</wsa5:RelatesTo>
    <wsa5:Action>/ResetResponse</wsa5:Action>
  </SOAP-ENV:Header>
  <SOAP-ENV:Body><ns1:resetResponse><ns1:status>Accepted</ns1:status></ns1:resetResponse></SOAP-ENV:Body>
</SOAP-ENV:Envelope>`;
  const decoded = decodeEnvelope(xml);
  assert.equal(decoded.service, 'chargePoint');
  assert.equal(decoded.headers.relatesTo, 'urn:uuid:bbbb');
  assert.equal(operationOfResponseElement(decoded.bodyElement), 'Reset');
  assert.equal(readFault(decoded.body), undefined);
});

test('a header block marked mustUnderstand that we do not understand is a MustUnderstand fault', () => {
  const envelope = (header: string) =>
    `<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}"><s:Header>${header}</s:Header><s:Body><heartbeatRequest xmlns="${OCPP15_CS_NS}"/></s:Body></s:Envelope>`;
  const security = '<wsse:Security xmlns:wsse="urn:sec" s:mustUnderstand="true"><wsse:Token>x</wsse:Token></wsse:Security>';
  assert.throws(
    () => decodeEnvelope(envelope(security)),
    (e: unknown) =>
      e instanceof SoapFault &&
      e.code === 'MustUnderstand' &&
      e.httpStatus === 500 &&
      e.notUnderstood?.namespace === 'urn:sec' &&
      e.notUnderstood.name === 'Security',
  );
  // Not marked, marked false, or aimed at another role: ignored.
  assert.doesNotThrow(() => decodeEnvelope(envelope('<x:Trace xmlns:x="urn:t">1</x:Trace>')));
  assert.doesNotThrow(() => decodeEnvelope(envelope('<x:Trace xmlns:x="urn:t" s:mustUnderstand="false">1</x:Trace>')));
  assert.doesNotThrow(() =>
    decodeEnvelope(envelope(`<x:Trace xmlns:x="urn:t" s:mustUnderstand="1" s:role="${SOAP12_ENVELOPE_NS}/role/none">1</x:Trace>`)),
  );
  const fault = encodeFault(
    (() => {
      try {
        decodeEnvelope(envelope(security));
      } catch (e) {
        return e as SoapFault;
      }
      throw new Error('unreachable');
    })(),
  );
  const notUnderstood = child(child(parseXml(fault), 'Header'), 'NotUnderstood', SOAP12_ENVELOPE_NS);
  const qname = notUnderstood.attributes.find((a) => a.name === 'qname')?.value ?? '';
  const [prefix] = qname.split(':');
  assert.equal(notUnderstood.scope.get(prefix ?? ''), 'urn:sec');
  assert.equal(qname.split(':')[1], 'Security');
});

// ---------------------------------------------------------------- encoding

test('a response carries Action /<Op>Response, RelatesTo, a fresh MessageID and To = ReplyTo', () => {
  const request = decodeEnvelope(`<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}" xmlns:a="${WSA_NS}">
  <s:Header>
    <a:MessageID>urn:uuid:req-1</a:MessageID>
    <a:ReplyTo><a:Address>http://cp.example/reply</a:Address></a:ReplyTo>
  </s:Header>
  <s:Body><bootNotificationRequest xmlns="${OCPP15_CS_NS}"><chargePointVendor>V</chargePointVendor><chargePointModel>M</chargePointModel></bootNotificationRequest></s:Body>
</s:Envelope>`);
  const addressing = responseAddressing(request, 'BootNotification');
  assert.deepEqual(addressing, {
    direction: 'response',
    action: '/BootNotificationResponse',
    relatesTo: 'urn:uuid:req-1',
    to: 'http://cp.example/reply',
    addressingNamespace: WSA_NS,
  });
  const body = `<${OCPP_PREFIX}:bootNotificationResponse><${OCPP_PREFIX}:status>Accepted</${OCPP_PREFIX}:status></${OCPP_PREFIX}:bootNotificationResponse>`;
  const xml = encodeEnvelope({ namespace: OCPP15_CS_NS, headers: addressing, bodyXml: body });
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>'));
  const decoded = decodeEnvelope(xml);
  assert.equal(decoded.headers.action, '/BootNotificationResponse');
  assert.equal(decoded.headers.relatesTo, 'urn:uuid:req-1');
  assert.equal(decoded.headers.to, 'http://cp.example/reply');
  assert.match(decoded.headers.messageId ?? '', UUID);
  assert.equal(decoded.headers.chargeBoxIdentity, undefined);
  assert.equal(decoded.namespace, OCPP15_CS_NS);
  assert.equal(decoded.bodyElement, 'bootNotificationResponse');
  // A second response gets another MessageID.
  assert.notEqual(decodeEnvelope(encodeEnvelope({ namespace: OCPP15_CS_NS, headers: addressing, bodyXml: body })).headers.messageId, decoded.headers.messageId);
});

test('a response to a request without ReplyTo or MessageID goes to the anonymous address', () => {
  const addressing = responseAddressing({ headers: {} }, 'Heartbeat');
  const decoded = decodeEnvelope(
    encodeEnvelope({ namespace: OCPP15_CS_NS, headers: addressing, bodyXml: '<ocpp:heartbeatResponse/>' }),
  );
  assert.equal(decoded.headers.to, WSA_ANONYMOUS);
  assert.equal(decoded.headers.relatesTo, undefined);
  assert.equal(decoded.headers.action, '/HeartbeatResponse');
  // ReplyTo "none" means no reply is wanted: the response is not addressed to it.
  assert.equal(responseAddressing({ headers: { replyTo: `${WSA_NS}/none` } }, 'Heartbeat').to, undefined);
});

test('a command carries chargeBoxIdentity in the Cp namespace, Action /<Op>, To, From and ReplyTo', () => {
  const addressing = requestAddressing({
    chargeBoxIdentity: 'CB-0001',
    operation: 'RemoteStartTransaction',
    to: 'http://10.0.0.7:8080/ChargeBox/Ocpp',
    from: 'http://cs.example.pt/ocpp/soap',
  });
  const xml = encodeEnvelope({
    namespace: OCPP15_CP_NS,
    headers: addressing,
    bodyXml: '<ocpp:remoteStartTransactionRequest><ocpp:idTag>TAG&amp;1</ocpp:idTag></ocpp:remoteStartTransactionRequest>',
  });
  const decoded = decodeEnvelope(xml);
  assert.equal(decoded.headers.chargeBoxIdentity, 'CB-0001');
  assert.equal(decoded.headers.action, '/RemoteStartTransaction');
  assert.equal(decoded.headers.to, 'http://10.0.0.7:8080/ChargeBox/Ocpp');
  assert.equal(decoded.headers.from, 'http://cs.example.pt/ocpp/soap');
  assert.equal(decoded.headers.replyTo, WSA_ANONYMOUS);
  assert.match(decoded.headers.messageId ?? '', UUID);
  assert.equal(decoded.service, 'chargePoint');
  const header = child(parseXml(xml), 'Header', SOAP12_ENVELOPE_NS);
  assert.equal(child(header, 'chargeBoxIdentity').namespace, OCPP15_CP_NS);
  assert.equal(child(header, 'Action').namespace, WSA_NS);
  // Without our own address, From is anonymous; a given MessageID is used as it is.
  const anonymous = decodeEnvelope(
    encodeEnvelope({
      namespace: OCPP15_CP_NS,
      headers: requestAddressing({ chargeBoxIdentity: 'CB<&>', operation: 'Reset', to: 'http://cp/?a=1&b=2', messageId: 'urn:uuid:fixed' }),
      bodyXml: '<ocpp:resetRequest><ocpp:type>Soft</ocpp:type></ocpp:resetRequest>',
    }),
  );
  assert.equal(anonymous.headers.from, WSA_ANONYMOUS);
  assert.equal(anonymous.headers.messageId, 'urn:uuid:fixed');
  assert.equal(anonymous.headers.chargeBoxIdentity, 'CB<&>');
  assert.equal(anonymous.headers.to, 'http://cp/?a=1&b=2');
});

test('fresh MessageIDs are urn:uuid and unique', () => {
  const ids = new Set(Array.from({ length: 100 }, newMessageId));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, UUID);
});

test('operation, element and action names', () => {
  assert.equal(operationOfRequestElement('bootNotificationRequest'), 'BootNotification');
  assert.equal(operationOfRequestElement('getLocalListVersionRequest'), 'GetLocalListVersion');
  assert.equal(operationOfRequestElement('bootNotificationResponse'), undefined);
  assert.equal(operationOfRequestElement('Request'), undefined);
  assert.equal(operationOfResponseElement('dataTransferResponse'), 'DataTransfer');
  assert.equal(operationOfResponseElement('dataTransferRequest'), undefined);
  assert.equal(requestElementOf('BootNotification'), 'bootNotificationRequest');
  assert.equal(responseElementOf('BootNotification'), 'bootNotificationResponse');
  assert.equal(requestElementOf('DiagnosticsStatusNotification'), 'diagnosticsStatusNotificationRequest');
  assert.equal(requestActionOf('Reset'), '/Reset');
  assert.equal(responseActionOf('Reset'), '/ResetResponse');
  assert.equal(operationOfAction('/BootNotification'), 'BootNotification');
  assert.equal(operationOfAction('urn://Ocpp/Cs/2012/06/BootNotification'), 'BootNotification');
  assert.equal(operationOfAction('Heartbeat'), 'Heartbeat');
  for (const op of ['Authorize', 'StartTransaction', 'UnlockConnector']) {
    assert.equal(operationOfRequestElement(requestElementOf(op)), op);
    assert.equal(operationOfResponseElement(responseElementOf(op)), op);
  }
});

// ---------------------------------------------------------------- faults

test('SoapFault: HTTP status by code (SOAP 1.2 HTTP binding) and subcode namespaces', () => {
  assert.equal(new SoapFault('Sender', 'x').httpStatus, 400);
  assert.equal(new SoapFault('Receiver', 'x').httpStatus, 500);
  assert.equal(new SoapFault('VersionMismatch', 'x').httpStatus, 500);
  assert.equal(new SoapFault('MustUnderstand', 'x').httpStatus, 500);
  assert.equal(new SoapFault('Sender', 'x', { subcode: 'FormationViolation' }).subcodeNamespace, OCPP15_CS_NS);
  assert.equal(new SoapFault('Sender', 'x', { subcode: 'ActionNotSupported' }).subcodeNamespace, WSA_NS);
  assert.equal(new SoapFault('Sender', 'x', { subcode: 'NotWellFormed' }).subcodeNamespace, TOMADA_FAULT_NS);
  assert.equal(new SoapFault('Sender', 'x', { subcode: 'Z', subcodeNamespace: 'urn:z' }).subcodeNamespace, 'urn:z');
  assert.equal(new SoapFault('Sender', 'x').contentType, 'application/soap+xml; charset=utf-8');
  assert.ok(new SoapFault('Sender', 'x') instanceof Error);
  assert.equal(faultForCode('InternalError', 'boom').code, 'Receiver');
  assert.equal(faultForCode('NotImplemented', 'no such action').code, 'Sender');
  const fromViolation = faultFromViolation({ code: 'TypeConstraintViolation', path: '/connectorId', message: 'must be integer' });
  assert.equal(fromViolation.code, 'Sender');
  assert.equal(fromViolation.subcode, 'TypeConstraintViolation');
  assert.equal(fromViolation.reason, '/connectorId must be integer');
});

test('encodeFault writes a SOAP 1.2 Fault: Code/Value, Subcode in the OCPP namespace, Reason with xml:lang', () => {
  const fault = new SoapFault('Sender', 'connectorId must be integer, got "<one> & two"', { subcode: 'TypeConstraintViolation' });
  const addressing = faultAddressing({ headers: { messageId: 'urn:uuid:req-9', replyTo: 'http://cp/reply', faultTo: 'http://cp/faults' } });
  const xml = encodeFault(fault, addressing);
  const decoded = decodeEnvelope(xml);
  assert.equal(decoded.namespace, SOAP12_ENVELOPE_NS);
  assert.equal(decoded.bodyElement, 'Fault');
  assert.equal(decoded.service, undefined);
  assert.equal(decoded.headers.action, WSA_FAULT_ACTION);
  assert.equal(decoded.headers.relatesTo, 'urn:uuid:req-9');
  assert.equal(decoded.headers.to, 'http://cp/faults');
  const code = child(decoded.body, 'Code', SOAP12_ENVELOPE_NS);
  const value = child(code, 'Value', SOAP12_ENVELOPE_NS);
  assert.equal(value.text, 'env:Sender');
  assert.equal(value.scope.get('env'), SOAP12_ENVELOPE_NS);
  const text = child(child(decoded.body, 'Reason', SOAP12_ENVELOPE_NS), 'Text', SOAP12_ENVELOPE_NS);
  assert.equal(text.text, 'connectorId must be integer, got "<one> & two"');
  assert.deepEqual(text.attributes, [{ name: 'lang', namespace: XML_NS, value: 'en' }]);

  const read = readFault(decoded.body);
  assert.ok(read);
  assert.equal(read.code, 'Sender');
  assert.equal(read.subcode, 'TypeConstraintViolation');
  assert.equal(read.subcodeNamespace, OCPP15_CS_NS);
  assert.equal(read.reason, fault.reason);
});

test('encodeFault without addressing has no Header; tomada subcodes are in the tomada namespace', () => {
  const xml = encodeFault(new SoapFault('Receiver', 'database unavailable', { subcode: 'StoreUnavailable' }));
  const root = parseXml(xml);
  assert.deepEqual(root.children.map((c) => c.name), ['Body']);
  const read = readFault(decodeEnvelope(xml).body);
  assert.equal(read?.code, 'Receiver');
  assert.equal(read?.subcodeNamespace, TOMADA_FAULT_NS);
  // Characters XML cannot carry are replaced in the reason rather than breaking the envelope.
  assert.equal(readFault(decodeEnvelope(encodeFault(new SoapFault('Sender', 'bad \u0000 byte'))).body)?.reason, 'bad \uFFFD byte');
});

test('a VersionMismatch for a SOAP 1.1 sender is itself SOAP 1.1, with the Upgrade header', () => {
  let fault: SoapFault | undefined;
  try {
    decodeEnvelope(`<soap:Envelope xmlns:soap="${SOAP11_ENVELOPE_NS}"><soap:Body><x/></soap:Body></soap:Envelope>`);
  } catch (e) {
    fault = e as SoapFault;
  }
  assert.ok(fault instanceof SoapFault);
  assert.equal(fault.code, 'VersionMismatch');
  assert.equal(fault.contentType, 'text/xml; charset=utf-8');
  const root = parseXml(encodeFault(fault));
  assert.equal(root.namespace, SOAP11_ENVELOPE_NS);
  const upgrade = child(child(root, 'Header'), 'Upgrade', SOAP12_ENVELOPE_NS);
  const supported = child(upgrade, 'SupportedEnvelope', SOAP12_ENVELOPE_NS);
  const qname = supported.attributes.find((a) => a.name === 'qname')?.value ?? '';
  assert.equal(supported.scope.get(qname.split(':')[0] ?? ''), SOAP12_ENVELOPE_NS);
  assert.equal(child(child(child(root, 'Body'), 'Fault'), 'faultcode').text, 'soap:VersionMismatch');
  // A VersionMismatch for another envelope namespace is answered in SOAP 1.2, with Upgrade.
  const other = encodeFault(new SoapFault('VersionMismatch', 'unknown envelope'));
  assert.equal(parseXml(other).namespace, SOAP12_ENVELOPE_NS);
  assert.ok(child(parseXml(other), 'Header').children.some((c) => c.name === 'Upgrade'));
});
