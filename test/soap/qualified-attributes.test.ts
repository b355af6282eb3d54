// The 1.5 WSDL leaves a reading's attributes (unit, measurand, context…) unqualified, but some SOAP
// stacks write them with the OCPP prefix (`cs:unit="kWh"`). They were left out as XML annotations,
// so the reading fell back to OCPP's defaults: a kWh register stored as Wh, a voltage as an energy
// register, with nothing to say so. They are read by local name now, as elements are, and an
// attribute given twice is refused with nothing stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestTomada } from '../support/tomada.js';
import { envelope, postRaw, readFault } from './helpers.js';

const CP = 'CP-SOAP-QUALIFIED';
const at = (minute: number) => `2025-06-01T10:${String(minute).padStart(2, '0')}:00Z`;

test('qualified attributes of a SOAP reading are read as its attributes; one given twice is a fault', async () => {
  const t = await startTestTomada({ unknownChargePoints: 'accept' });
  try {
    await t.api('/api/v1/id-tags/QTAG', { method: 'PUT', body: { status: 'Accepted' } });
    const post = async (action: string, body: string) => postRaw(t, envelope({ id: CP, action: `/${action}`, messageId: `urn:uuid:${crypto.randomUUID()}`, body }));
    assert.equal((await post('BootNotification', '<cs:bootNotificationRequest><cs:chargePointVendor>V</cs:chargePointVendor><cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>')).status, 200);
    const started = await post(
      'StartTransaction',
      `<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>QTAG</cs:idTag><cs:timestamp>${at(0)}</cs:timestamp><cs:meterStart>0</cs:meterStart></cs:startTransactionRequest>`,
    );
    const transactionId = Number(/<[^>]*transactionId>(\d+)</.exec(started.text)?.[1]);
    assert.ok(transactionId > 0, started.text);
    const meterValues = (value: string) =>
      `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId>${transactionId}</cs:transactionId><cs:values><cs:timestamp>${at(15)}</cs:timestamp>${value}</cs:values></cs:meterValuesRequest>`;

    const read = await post('MeterValues', meterValues('<cs:value cs:measurand="Energy.Active.Import.Register" cs:unit="kWh">12.5</cs:value><cs:value cs:measurand="Voltage" cs:unit="Volt" cs:location="Inlet">230</cs:value>'));
    assert.equal(read.status, 200, read.text.slice(0, 500));
    const session = (await t.api(`/api/v1/transactions/${transactionId}`)).body;
    assert.deepEqual(
      session.meterValues.map((s: Record<string, unknown>) => [s.value, s.measurand, s.unit, s.location]).sort(),
      [
        ['12.5', 'Energy.Active.Import.Register', 'kWh', 'Outlet'],
        ['230', 'Voltage', 'Volt', 'Inlet'],
      ],
    );
    assert.equal(session.energyWh, 12_500, 'a 12.5 kWh register, not 12.5 Wh (nor 230 Wh from the voltage)');

    const twice = await post('MeterValues', meterValues('<cs:value unit="Wh" cs:unit="kWh">13</cs:value>'));
    assert.equal(twice.status, 400, twice.text.slice(0, 500));
    assert.equal(readFault(twice.text).subcode?.name, 'FormationViolation');
    assert.equal((await t.api(`/api/v1/transactions/${transactionId}`)).body.meterValues.length, 2, 'nothing of the refused message is stored');
  } finally {
    await t.close();
  }
});
