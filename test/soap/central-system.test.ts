// Interoperability of Tomada's OCPP 1.5 SOAP CentralSystemService with an independent SOAP stack:
// the `soap` npm package, driven by the official CentralSystemService WSDL, posts every operation
// over real HTTP with the chargeBoxIdentity and WS-Addressing headers; the decoded answers, the
// answers' WS-Addressing headers and what Tomada stored (through the REST API) are checked.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verifyJournal } from '../../src/audit/verify-journal.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import { addressingHeaders, centralSystemClient, CS_WSDL, WSA_ANONYMOUS, wsdlSkip, type CentralSystemClient } from './helpers.js';

const skip = wsdlSkip(CS_WSDL);
const CP = 'CP-SOAP-INTEROP';
const FROM = 'http://10.1.2.3:8080/ocpp/ChargePointService';
const HEARTBEAT_S = 123;

// The soap package writes a Date argument as an empty element (it walks the object's own
// properties, and a Date has none): s:dateTime values are passed as ISO strings.
const iso = (ms: number) => new Date(ms).toISOString();
/** An empty response element: the soap package gives undefined (or an empty object). */
function assertEmpty(result: unknown, what: string): void {
  assert.ok(result === undefined || result === null || (typeof result === 'object' && Object.keys(result).length === 0), `${what}: empty answer, got ${JSON.stringify(result)}`);
}

const uuidUrn = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('the soap package, driven by the official CentralSystemService WSDL, against Tomada', { skip }, () => {
  let t: TestTomada;
  let cs: CentralSystemClient;
  const seenResponseIds = new Set<string>();

  /** Calls `operation` and checks the WS-Addressing headers of Tomada's answer, raw and as the soap package read them. */
  async function call(operation: string, args: object) {
    const answer = await cs.call(operation, args);
    const sentId = cs.lastMessageId();
    assert.ok(sentId, 'the request carried a MessageID');
    assert.ok(answer.request.includes(sentId), 'the MessageID is in the raw request');
    assert.equal(cs.client.lastResponse, answer.raw, 'lastResponse is the raw answer');
    assert.match(String(cs.client.lastResponseHeaders?.['content-type']), /^application\/soap\+xml\b/);

    const wsa = addressingHeaders(answer.raw);
    assert.equal(wsa.Action, `/${operation}Response`, `${operation}: Action`);
    assert.equal(wsa.RelatesTo, sentId, `${operation}: RelatesTo is the request's MessageID`);
    assert.match(wsa.MessageID ?? '', uuidUrn, `${operation}: a MessageID of its own`);
    assert.notEqual(wsa.MessageID, sentId);
    assert.ok(!seenResponseIds.has(wsa.MessageID as string), `${operation}: a fresh MessageID`);
    seenResponseIds.add(wsa.MessageID as string);
    assert.equal(wsa.To, WSA_ANONYMOUS, `${operation}: To is the request's (anonymous) ReplyTo`);
    // The soap package read the same headers.
    assert.equal(answer.header?.RelatesTo, sentId);
    assert.equal(answer.header?.Action, `/${operation}Response`);
    return answer.result;
  }

  before(async () => {
    t = await startTestTomada({ unknownChargePoints: 'accept', heartbeatIntervalS: HEARTBEAT_S });
    for (const [tag, body] of [
      ['TAG-PARENT', { status: 'Accepted' }],
      ['TAG-OK', { status: 'Accepted', expiryDate: '2099-01-01T00:00:00.000Z', parentIdTag: 'TAG-PARENT' }],
      ['TAG-B', { status: 'Accepted' }],
      ['TAG-BLOCKED', { status: 'Blocked' }],
    ] as const) {
      const put = await t.api(`/api/v1/id-tags/${tag}`, { method: 'PUT', body });
      assert.ok(put.status === 200 || put.status === 201, JSON.stringify(put));
    }
    cs = await centralSystemClient(t, CP, FROM);
  });

  after(async () => {
    await t?.close();
  });

  test('the request the soap package writes is SOAP 1.2 with the OCPP header and WS-Addressing', async () => {
    await call('Heartbeat', {});
    const request = cs.client.lastRequest ?? '';
    assert.match(request, /xmlns:soap="http:\/\/www\.w3\.org\/2003\/05\/soap-envelope"/);
    assert.match(request, /<chargeBoxIdentity xmlns="urn:\/\/Ocpp\/Cs\/2012\/06\/">CP-SOAP-INTEROP<\/chargeBoxIdentity>/);
    assert.match(request, /<heartbeatRequest xmlns="urn:\/\/Ocpp\/Cs\/2012\/06\/"/);
    assert.match(String(cs.client.lastRequestHeaders?.['Content-Type'] ?? cs.client.lastRequestHeaders?.['content-type']), /^application\/soap\+xml; charset=utf-8; action="\/Heartbeat"$/);
  });

  test('BootNotification: Accepted, the configured heartbeatInterval, the current time', async () => {
    const before = Date.now();
    const result = await call('BootNotification', {
      chargePointVendor: 'Efacec',
      chargePointModel: 'QC45',
      chargePointSerialNumber: 'SN-1',
      chargeBoxSerialNumber: 'CB-1',
      firmwareVersion: '1.2.3',
      iccid: '8935101',
      imsi: '26801',
      meterType: 'ABB',
      meterSerialNumber: 'M-1',
    });
    assert.equal(result.status, 'Accepted');
    assert.equal(result.heartbeatInterval, HEARTBEAT_S);
    assert.ok(result.currentTime instanceof Date, 'currentTime read as an s:dateTime');
    assert.ok(Math.abs(result.currentTime.getTime() - before) < 10_000, `currentTime ${result.currentTime.toISOString()} is now`);

    const { status, body } = await t.api(`/api/v1/charge-points/${CP}`);
    assert.equal(status, 200);
    assert.equal(body.ocppVersion, '1.5');
    assert.equal(body.transport, 'soap');
    assert.equal(body.soapEndpoint, FROM, 'the WS-Addressing From is where commands go');
    assert.equal(body.registrationStatus, 'Accepted');
    assert.deepEqual(
      [body.vendor, body.model, body.serialNumber, body.chargeBoxSerialNumber, body.firmwareVersion, body.iccid, body.imsi, body.meterType, body.meterSerialNumber],
      ['Efacec', 'QC45', 'SN-1', 'CB-1', '1.2.3', '8935101', '26801', 'ABB', 'M-1'],
    );
  });

  test('Heartbeat: the current time, and how long it waited in the metrics', async () => {
    const answered = async () => Number(/^tomada_ocpp_answer_duration_seconds_count\{action="Heartbeat",result="ok"\} (\S+)$/m.exec(await (await fetch(`${t.httpUrl}/metrics`)).text())?.[1] ?? 0);
    const before = await answered();
    const result = await call('Heartbeat', {});
    assert.ok(result.currentTime instanceof Date, 'currentTime read as an s:dateTime');
    assert.ok(Math.abs(result.currentTime.getTime() - Date.now()) < 10_000, `currentTime ${result.currentTime.toISOString()} is now`);
    assert.equal(await answered(), before + 1);
  });

  test('Authorize: the whole idTagInfo (status, expiryDate, parentIdTag), Invalid and Blocked', async () => {
    const ok = await call('Authorize', { idTag: 'TAG-OK' });
    assert.equal(ok.idTagInfo.status, 'Accepted');
    assert.ok(ok.idTagInfo.expiryDate instanceof Date, 'expiryDate read as an s:dateTime');
    assert.equal(ok.idTagInfo.expiryDate.toISOString(), '2099-01-01T00:00:00.000Z');
    assert.equal(ok.idTagInfo.parentIdTag, 'TAG-PARENT');
    assert.deepEqual(await call('Authorize', { idTag: 'TAG-UNKNOWN' }), { idTagInfo: { status: 'Invalid' } });
    assert.deepEqual(await call('Authorize', { idTag: 'TAG-BLOCKED' }), { idTagInfo: { status: 'Blocked' } });
  });

  test('StatusNotification: an empty answer, and the connector state (1.5 Occupied) stored', async () => {
    const result = await call('StatusNotification', {
      connectorId: 1,
      status: 'Occupied',
      errorCode: 'NoError',
      info: 'plugged in',
      timestamp: new Date().toISOString(),
      vendorId: 'com.efacec',
      vendorErrorCode: '0',
    });
    assertEmpty(result, 'StatusNotification');
    const { body } = await t.api(`/api/v1/charge-points/${CP}`);
    const connector = body.connectors.find((c: { connectorId: number }) => c.connectorId === 1);
    assert.equal(connector?.status, 'Occupied');
    assert.equal(connector?.errorCode, 'NoError');
    assert.equal(connector?.info, 'plugged in');
  });

  test('DataTransfer: UnknownVendorId (no vendor extension is known)', async () => {
    const result = await call('DataTransfer', { vendorId: 'com.example', messageId: 'hello', data: '<not xml>&amp' });
    assert.equal(result.status, 'UnknownVendorId');
    const events = await t.store.listEvents({ chargePointId: CP, limit: 1000 });
    const kept = events.find((e) => e.type === 'dataTransfer');
    assert.deepEqual(kept?.data, { vendorId: 'com.example', messageId: 'hello', data: '<not xml>&amp' }, 'the data kept exactly, escaped on the wire');
  });

  test('FirmwareStatusNotification and DiagnosticsStatusNotification: empty answers', async () => {
    for (const status of ['Downloaded', 'DownloadFailed', 'InstallationFailed', 'Installed']) {
      const result = await call('FirmwareStatusNotification', { status });
      assertEmpty(result, `FirmwareStatusNotification ${status}`);
    }
    for (const status of ['Uploaded', 'UploadFailed']) {
      const result = await call('DiagnosticsStatusNotification', { status });
      assertEmpty(result, `DiagnosticsStatusNotification ${status}`);
    }
    const events = await t.store.listEvents({ chargePointId: CP, limit: 1000 });
    const statuses = (type: string) => events.filter((e) => e.type === type).map((e) => e.data.status).sort();
    assert.deepEqual(statuses('firmwareStatus'), ['DownloadFailed', 'Downloaded', 'InstallationFailed', 'Installed']);
    assert.deepEqual(statuses('diagnosticsStatus'), ['UploadFailed', 'Uploaded']);
  });

  test('a session read as Energy.Active.Import.Register in Wh and kWh: MeterValues attributes stored, energy in Wh', async () => {
    const t0 = Date.parse('2025-03-01T10:00:00.000Z');
    const start = { connectorId: 1, idTag: 'TAG-OK', timestamp: iso(t0), meterStart: 1000 };
    const started = await call('StartTransaction', start);
    assert.equal(typeof started.transactionId, 'number');
    assert.ok(started.transactionId > 0, `transactionId ${started.transactionId} is positive`);
    assert.equal(started.idTagInfo.status, 'Accepted');
    assert.equal(started.idTagInfo.parentIdTag, 'TAG-PARENT');
    // A charge point that resends (its answer was lost) gets the same transaction.
    assert.equal((await call('StartTransaction', start)).transactionId, started.transactionId);
    const id: number = started.transactionId;

    // `value` is text with attributes: the soap package writes { attributes, $value } as such.
    const meter = await call('MeterValues', {
      connectorId: 1,
      transactionId: id,
      values: [
        {
          timestamp: iso(t0 + 60_000),
          value: [
            { attributes: { context: 'Sample.Periodic', format: 'Raw', measurand: 'Energy.Active.Import.Register', location: 'Outlet', unit: 'Wh' }, $value: '2500' },
            { attributes: { measurand: 'Power.Active.Import', unit: 'kW', context: 'Sample.Periodic' }, $value: '7.2' },
            { attributes: { measurand: 'Voltage', unit: 'Volt', location: 'Inlet' }, $value: '230' },
          ],
        },
        {
          timestamp: iso(t0 + 120_000),
          value: [{ attributes: { context: 'Sample.Clock', measurand: 'Energy.Active.Import.Register', unit: 'kWh' }, $value: '3.75' }],
        },
      ],
    });
    assertEmpty(meter, 'MeterValues');
    assert.match(cs.client.lastRequest ?? '', /<value context="Sample.Clock" measurand="Energy.Active.Import.Register" unit="kWh">3.75<\/value>/);
    // A reading without attributes: the WSDL's defaults apply.
    await call('MeterValues', { connectorId: 1, transactionId: id, values: [{ timestamp: iso(t0 + 150_000), value: ['3800'] }] });
    assert.match(cs.client.lastRequest ?? '', /<value>3800<\/value>/);

    let { status, body } = await t.api(`/api/v1/transactions/${id}`);
    assert.equal(status, 200);
    assert.equal(body.stoppedAt, null);
    assert.equal(body.energySource, 'register');
    assert.equal(body.energyWh, 3800 - 1000, 'active session: last register minus meterStart');
    const sample = (value: string) => body.meterValues.find((s: { value: string }) => s.value === value);
    assert.deepEqual(
      { ...sample('2500') },
      { timestamp: iso(t0 + 60_000), value: '2500', measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic', format: 'Raw', location: 'Outlet', phase: null, connectorId: 1 },
    );
    assert.deepEqual(
      { ...sample('3.75') },
      { timestamp: iso(t0 + 120_000), value: '3.75', measurand: 'Energy.Active.Import.Register', unit: 'kWh', context: 'Sample.Clock', format: 'Raw', location: 'Outlet', phase: null, connectorId: 1 },
    );
    assert.deepEqual(
      [sample('7.2')?.measurand, sample('7.2')?.unit, sample('230')?.measurand, sample('230')?.unit, sample('230')?.location],
      ['Power.Active.Import', 'kW', 'Voltage', 'Volt', 'Inlet'],
    );
    assert.deepEqual(
      { ...sample('3800') },
      { timestamp: iso(t0 + 150_000), value: '3800', measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic', format: 'Raw', location: 'Outlet', phase: null, connectorId: 1 },
      'absent attributes take the WSDL defaults',
    );

    // StopTransaction with transactionData in kWh.
    const stopped = await call('StopTransaction', {
      transactionId: id,
      idTag: 'TAG-OK',
      timestamp: iso(t0 + 180_000),
      meterStop: 5000,
      transactionData: [
        {
          values: [
            { timestamp: iso(t0 + 170_000), value: [{ attributes: { context: 'Sample.Periodic', unit: 'kWh' }, $value: '4.9' }] },
            { timestamp: iso(t0 + 180_000), value: [{ attributes: { context: 'Transaction.End', measurand: 'Energy.Active.Import.Register', unit: 'kWh' }, $value: '5.000' }] },
          ],
        },
      ],
    });
    assert.equal(stopped.idTagInfo.status, 'Accepted');
    // A resent StopTransaction changes nothing.
    await call('StopTransaction', { transactionId: id, idTag: 'TAG-OK', timestamp: iso(t0 + 180_000), meterStop: 5000 });

    ({ status, body } = await t.api(`/api/v1/transactions/${id}`));
    assert.equal(status, 200);
    assert.equal(body.chargePointId, CP);
    assert.equal(body.connectorId, 1);
    assert.equal(body.idTag, 'TAG-OK');
    assert.equal(body.startedAt, iso(t0));
    assert.equal(body.stoppedAt, iso(t0 + 180_000));
    assert.equal(body.meterStartWh, 1000);
    assert.equal(body.meterStopWh, 5000);
    assert.equal(body.energyWh, 4000);
    assert.deepEqual(body.anomalies, [], 'registers in Wh and kWh agree with meterStart/meterStop');
    const end = body.meterValues.find((s: { value: string }) => s.value === '5.000');
    assert.deepEqual([end?.context, end?.unit, end?.timestamp], ['Transaction.End', 'kWh', iso(t0 + 180_000)]);
    assert.equal(body.meterValues.filter((s: { value: string }) => s.value === '4.9').length, 1);
    assert.equal(body.meterValues.length, 7, 'five MeterValues readings and two transactionData readings, none twice');
  });

  test('a session read as Energy.Active.Import.Interval in kWh and Wh: the energy is the sum', async () => {
    const t0 = Date.parse('2025-03-02T08:00:00.000Z');
    const started = await call('StartTransaction', { connectorId: 2, idTag: 'TAG-B', timestamp: iso(t0), meterStart: 20_000 });
    assert.equal(started.idTagInfo.status, 'Accepted');
    const id: number = started.transactionId;
    const interval = (unit: string, value: string, context = 'Sample.Periodic') => ({
      attributes: { measurand: 'Energy.Active.Import.Interval', unit, context },
      $value: value,
    });
    await call('MeterValues', {
      connectorId: 2,
      transactionId: id,
      values: [
        { timestamp: iso(t0 + 900_000), value: [interval('kWh', '0.5')] },
        { timestamp: iso(t0 + 1_800_000), value: [interval('Wh', '700')] },
      ],
    });
    let { body } = await t.api(`/api/v1/transactions/${id}`);
    assert.equal(body.energySource, 'interval');
    assert.equal(body.energyWh, 1200);
    const stopped = await call('StopTransaction', {
      transactionId: id,
      timestamp: iso(t0 + 2_700_000),
      meterStop: 21_500,
      transactionData: [{ values: [{ timestamp: iso(t0 + 2_700_000), value: [interval('kWh', '0.3', 'Transaction.End')] }] }],
    });
    // No idTag in the stop: nothing to authorize, the answer may omit idTagInfo.
    assert.ok(stopped === undefined || stopped === null || stopped.idTagInfo === undefined || typeof stopped.idTagInfo.status === 'string', JSON.stringify(stopped));
    ({ body } = await t.api(`/api/v1/transactions/${id}`));
    assert.equal(body.energySource, 'interval');
    assert.equal(body.energyWh, 1500, '0.5 kWh + 700 Wh + 0.3 kWh');
    assert.deepEqual(body.anomalies, [], 'the interval sum agrees with meterStop - meterStart');
    assert.equal(body.meterStopWh, 21_500);
  });

  test('the transaction list shows both sessions, stopped', async () => {
    const { status, body } = await t.api(`/api/v1/transactions?chargePointId=${CP}`);
    assert.equal(status, 200);
    assert.equal(body.items.length, 2);
    assert.ok(body.items.every((tx: { stoppedAt: string | null }) => tx.stoppedAt !== null), 'both stopped');
    assert.deepEqual(body.items.map((tx: { energyWh: number }) => tx.energyWh).sort((a: number, b: number) => a - b), [1500, 4000]);
  });

  test('readings alike in one message (1.5 has no phase: three phases at 230 V) are each stored; resent, or repeated by the stop, they add none', async () => {
    const t0 = Date.parse('2025-03-03T08:00:00.000Z');
    const started = await call('StartTransaction', { connectorId: 3, idTag: 'TAG-B', timestamp: iso(t0), meterStart: 0 });
    const id: number = started.transactionId;
    const reading = (measurand: string, unit: string, value: string) => ({ attributes: { measurand, unit }, $value: value });
    const phases = {
      timestamp: iso(t0 + 60_000),
      value: [
        reading('Voltage', 'Volt', '230'),
        reading('Voltage', 'Volt', '230'),
        reading('Voltage', 'Volt', '231'),
        reading('Current.Import', 'Amp', '16'),
        reading('Current.Import', 'Amp', '16'),
        reading('Current.Import', 'Amp', '16'),
        reading('Energy.Active.Import.Register', 'Wh', '250'),
      ],
    };
    const sent = () => ['230', '230', '231', '16', '16', '16', '250'];
    const stored = async () => (await t.api(`/api/v1/transactions/${id}`)).body.meterValues.map((s: { value: string }) => s.value).sort();
    await call('MeterValues', { connectorId: 3, transactionId: id, values: [phases] });
    assert.deepEqual(await stored(), sent().sort(), 'every reading the message gave, the alike ones included');
    await call('MeterValues', { connectorId: 3, transactionId: id, values: [phases] });
    assert.deepEqual(await stored(), sent().sort(), 'the message resent adds none');
    await call('StopTransaction', { transactionId: id, timestamp: iso(t0 + 120_000), meterStop: 500, transactionData: [{ values: [phases] }] });
    const { body } = await t.api(`/api/v1/transactions/${id}`);
    assert.deepEqual(body.meterValues.map((s: { value: string }) => s.value).sort(), sent().sort(), 'nor the stop repeating them');
    assert.equal(body.energyWh, 500);
    assert.deepEqual(body.anomalies, []);
    const report = await verifyJournal(t.store);
    assert.deepEqual(report.mismatches, [], 'journal verify finds the stored readings to be the ones sent');
  });

  test('a SOAP fault reaches the soap package as an error with its code and subcode', async () => {
    await assert.rejects(cs.call('StartTransaction', { connectorId: 1, idTag: 'TAG-OK', timestamp: new Date().toISOString(), meterStart: -1, extra: 1 }), (error: any) => {
      const fault = error?.root?.Envelope?.Body?.Fault;
      assert.ok(fault, `a parsed fault, got ${error}`);
      assert.equal(fault.Code?.Value, 'env:Sender');
      assert.match(String(fault.Code?.Subcode?.Value), /:FormationViolation$/);
      assert.equal(error.response?.status, 400);
      return true;
    });
    // The fault is addressed too: RelatesTo the request, the WS-Addressing fault action.
    const wsa = addressingHeaders(cs.client.lastResponse);
    assert.equal(wsa.RelatesTo, cs.lastMessageId());
    assert.equal(wsa.Action, 'http://www.w3.org/2005/08/addressing/soap/fault');
  });
});
