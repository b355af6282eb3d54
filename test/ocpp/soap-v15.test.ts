// The SOAP codec with the real OCPP 1.5 schemas (src/ocpp/v15): hand-written messages shaped
// like the WSDLs' decode, convert and validate; our answers and commands encode as the WSDLs say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeEnvelope,
  encodeEnvelope,
  faultFromViolation,
  OCPP15_CP_NS,
  OCPP15_CS_NS,
  OCPP_PREFIX,
  operationOfRequestElement,
  parseXml,
  payloadToXml,
  requestAddressing,
  requestElementOf,
  responseAddressing,
  responseElementOf,
  SOAP12_ENVELOPE_NS,
  WSA_NS,
  xmlToPayload,
} from '../../src/ocpp/soap/index.js';
import { BootNotification, MeterValues, RemoteStartTransaction, StopTransaction, v15Actions } from '../../src/ocpp/v15/index.js';

const meterValuesXml = `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing">
  <soap:Header>
    <chargeBoxIdentity xmlns="urn://Ocpp/Cs/2012/06/">PT-MOBIE-0042</chargeBoxIdentity>
    <wsa:Action>/MeterValues</wsa:Action>
    <wsa:MessageID>urn:uuid:0b7d3d57-2f9f-4d3e-a7a4-0d6a1b2c3d4e</wsa:MessageID>
    <wsa:From><wsa:Address>http://10.20.30.40:8080/ocpp</wsa:Address></wsa:From>
    <wsa:ReplyTo><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo>
    <wsa:To>http://csms.example.pt/ocpp/soap</wsa:To>
  </soap:Header>
  <soap:Body>
    <meterValuesRequest xmlns="urn://Ocpp/Cs/2012/06/">
      <connectorId>1</connectorId>
      <transactionId>1337</transactionId>
      <values>
        <timestamp>2013-07-01T10:15:00Z</timestamp>
        <value context="Sample.Periodic" unit="Wh" measurand="Energy.Active.Import.Register">148200</value>
        <value unit="kWh" measurand="Energy.Active.Import.Interval" location="Outlet">0.75</value>
      </values>
      <values>
        <timestamp>2013-07-01T10:30:00Z</timestamp>
        <value>149100</value>
      </values>
    </meterValuesRequest>
  </soap:Body>
</soap:Envelope>`;

test('a 1.5 MeterValues request decodes, converts and validates', () => {
  const decoded = decodeEnvelope(meterValuesXml);
  assert.equal(decoded.headers.chargeBoxIdentity, 'PT-MOBIE-0042');
  assert.equal(operationOfRequestElement(decoded.bodyElement), 'MeterValues');
  const payload = xmlToPayload(decoded.body, MeterValues.request);
  assert.deepEqual(payload, {
    connectorId: 1,
    transactionId: 1337,
    values: [
      {
        timestamp: '2013-07-01T10:15:00Z',
        value: [
          { value: '148200', context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unit: 'Wh' },
          { value: '0.75', measurand: 'Energy.Active.Import.Interval', location: 'Outlet', unit: 'kWh' },
        ],
      },
      { timestamp: '2013-07-01T10:30:00Z', value: [{ value: '149100' }] },
    ],
  });
  assert.ok(MeterValues.validateRequest(payload).ok);
});

test('a 1.5 MeterValues request without values, and one with a bad reading attribute', () => {
  const empty = decodeEnvelope(
    `<s:Envelope xmlns:s="${SOAP12_ENVELOPE_NS}"><s:Body><cs:meterValuesRequest xmlns:cs="${OCPP15_CS_NS}"><cs:connectorId>0</cs:connectorId></cs:meterValuesRequest></s:Body></s:Envelope>`,
  );
  const payload = xmlToPayload(empty.body, MeterValues.request);
  assert.deepEqual(payload, { connectorId: 0 });
  assert.ok(MeterValues.validateRequest(payload).ok);

  const badUnit = decodeEnvelope(meterValuesXml.replace('unit="kWh"', 'unit="MWh"'));
  const result = MeterValues.validateRequest(xmlToPayload(badUnit.body, MeterValues.request));
  assert.equal(result.ok, false);
  if (!result.ok) {
    assert.equal(result.violation.code, 'PropertyConstraintViolation');
    assert.equal(result.violation.path, '/values/0/value/1/unit');
    const fault = faultFromViolation(result.violation);
    assert.equal(fault.code, 'Sender');
    assert.equal(fault.subcode, 'PropertyConstraintViolation');
    assert.equal(fault.subcodeNamespace, OCPP15_CS_NS);
  }
});

test('a 1.5 StopTransaction with transactionData decodes, converts and validates', () => {
  const xml = `<env:Envelope xmlns:env="${SOAP12_ENVELOPE_NS}" xmlns:ns="${OCPP15_CS_NS}" xmlns:a="${WSA_NS}">
  <env:Header>
    <ns:chargeBoxIdentity>CB-9</ns:chargeBoxIdentity>
    <a:Action>/StopTransaction</a:Action>
    <a:MessageID>uuid:stop-1</a:MessageID>
  </env:Header>
  <env:Body>
    <ns:stopTransactionRequest>
      <ns:transactionId>1337</ns:transactionId>
      <ns:idTag>04A1B2C3D4E5F6</ns:idTag>
      <ns:timestamp>2013-07-01T11:00:00Z</ns:timestamp>
      <ns:meterStop>150000</ns:meterStop>
      <ns:transactionData>
        <ns:values>
          <ns:timestamp>2013-07-01T10:00:00Z</ns:timestamp>
          <ns:value context="Transaction.Begin">147000</ns:value>
        </ns:values>
        <ns:values>
          <ns:timestamp>2013-07-01T11:00:00Z</ns:timestamp>
          <ns:value context="Transaction.End" unit="kWh">150.0</ns:value>
        </ns:values>
      </ns:transactionData>
      <ns:transactionData/>
    </ns:stopTransactionRequest>
  </env:Body>
</env:Envelope>`;
  const decoded = decodeEnvelope(xml);
  const payload = xmlToPayload(decoded.body, StopTransaction.request);
  assert.deepEqual(payload, {
    transactionId: 1337,
    idTag: '04A1B2C3D4E5F6',
    timestamp: '2013-07-01T11:00:00Z',
    meterStop: 150000,
    transactionData: [
      {
        values: [
          { timestamp: '2013-07-01T10:00:00Z', value: [{ value: '147000', context: 'Transaction.Begin' }] },
          { timestamp: '2013-07-01T11:00:00Z', value: [{ value: '150.0', context: 'Transaction.End', unit: 'kWh' }] },
        ],
      },
      {},
    ],
  });
  assert.ok(StopTransaction.validateRequest(payload).ok);

  // A decimal meterStop is a type violation, not a crash.
  const bad = xmlToPayload(decodeEnvelope(xml.replace('<ns:meterStop>150000</', '<ns:meterStop>150000.5</')).body, StopTransaction.request);
  const result = StopTransaction.validateRequest(bad);
  assert.ok(!result.ok && result.violation.code === 'TypeConstraintViolation' && result.violation.path === '/meterStop');
});

test('a 1.5 BootNotification request decodes; our response encodes as the WSDL orders it', () => {
  const request = decodeEnvelope(`<soap:Envelope xmlns:soap="${SOAP12_ENVELOPE_NS}" xmlns:cs="${OCPP15_CS_NS}" xmlns:wsa="${WSA_NS}">
  <soap:Header>
    <cs:chargeBoxIdentity>CB-1</cs:chargeBoxIdentity>
    <wsa:Action>/BootNotification</wsa:Action>
    <wsa:MessageID>uuid:boot-1</wsa:MessageID>
    <wsa:From><wsa:Address>http://10.0.0.9:8080/</wsa:Address></wsa:From>
  </soap:Header>
  <soap:Body>
    <cs:bootNotificationRequest>
      <cs:chargePointVendor>Magnum Cap</cs:chargePointVendor>
      <cs:chargePointModel>MC-22</cs:chargePointModel>
      <cs:chargePointSerialNumber>SN-0001</cs:chargePointSerialNumber>
      <cs:iccid>8935101234567890123</cs:iccid>
      <cs:unexpected>1</cs:unexpected>
    </cs:bootNotificationRequest>
  </soap:Body>
</soap:Envelope>`);
  const payload = xmlToPayload(request.body, BootNotification.request);
  const check = BootNotification.validateRequest(payload);
  assert.ok(!check.ok && check.violation.code === 'FormationViolation' && check.violation.path === '/unexpected');

  const response = { status: 'Accepted' as const, currentTime: '2024-05-01T10:00:00Z', heartbeatInterval: 900 };
  const bodyXml = payloadToXml(response, BootNotification.response, responseElementOf('BootNotification'), OCPP_PREFIX);
  assert.equal(
    bodyXml,
    '<ocpp:bootNotificationResponse><ocpp:status>Accepted</ocpp:status><ocpp:currentTime>2024-05-01T10:00:00Z</ocpp:currentTime><ocpp:heartbeatInterval>900</ocpp:heartbeatInterval></ocpp:bootNotificationResponse>',
  );
  const xml = encodeEnvelope({ namespace: OCPP15_CS_NS, headers: responseAddressing(request, 'BootNotification'), bodyXml });
  const back = decodeEnvelope(xml);
  assert.equal(back.headers.relatesTo, 'uuid:boot-1');
  assert.equal(back.headers.action, '/BootNotificationResponse');
  assert.deepEqual(xmlToPayload(back.body, BootNotification.response), response);
  assert.ok(BootNotification.validateResponse(xmlToPayload(back.body, BootNotification.response)).ok);
});

test('a 1.5 command to a charge point: RemoteStartTransaction in the Cp namespace', () => {
  const payload = { connectorId: 2, idTag: 'TAG-<&>' };
  const xml = encodeEnvelope({
    namespace: OCPP15_CP_NS,
    headers: requestAddressing({ chargeBoxIdentity: 'CB-1', operation: 'RemoteStartTransaction', to: 'http://10.0.0.9:8080/' }),
    bodyXml: payloadToXml(payload, RemoteStartTransaction.request, requestElementOf('RemoteStartTransaction'), OCPP_PREFIX),
  });
  const root = parseXml(xml);
  const body = root.children.find((c) => c.name === 'Body')?.children[0];
  assert.equal(body?.name, 'remoteStartTransactionRequest');
  assert.equal(body?.namespace, OCPP15_CP_NS);
  // The WSDL's order is idTag, then connectorId.
  assert.deepEqual(body?.children.map((c) => [c.name, c.namespace]), [
    ['idTag', OCPP15_CP_NS],
    ['connectorId', OCPP15_CP_NS],
  ]);
  const decoded = decodeEnvelope(xml);
  assert.equal(decoded.service, 'chargePoint');
  assert.deepEqual(xmlToPayload(decoded.body, RemoteStartTransaction.request), payload);
});

test('every 1.5 action has request and response elements the naming helpers agree on', () => {
  for (const [name, action] of Object.entries(v15Actions)) {
    assert.equal(action.name, name);
    assert.equal(operationOfRequestElement(requestElementOf(name)), name);
    // An empty payload writes an element that reads back to an object.
    const empty = payloadToXml({}, action.response, responseElementOf(name), OCPP_PREFIX, OCPP15_CS_NS);
    assert.equal(typeof xmlToPayload(parseXml(empty), action.response), 'object');
  }
});
