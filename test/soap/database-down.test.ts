// The database unreachable for a while, seen by an OCPP 1.5 SOAP charge point: PostgreSQL behind a
// TCP proxy that is cut and restored. Every message is answered with a SOAP fault (never a 200
// with a response: the charge point would take it as stored), and once the database is back the
// same messages, sent again, are stored once each.
// store: postgres-only (scripts/run-tests.mjs runs it in the PostgreSQL pass alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestSchema, needsPostgres, schemaUrlVia, testPostgresAddress } from '../support/database.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startTestTomada } from '../support/tomada.js';
import { child, CS_NS, envelope, postRaw, readFault, readXml, SOAP12_NS } from './helpers.js';

const ID = 'SOAP-DB-DOWN';

test('database cut off: a SOAP charge point gets a fault for every message, and its resends are stored once after', await needsPostgres(), async () => {
  const schema = await createTestSchema();
  const proxy = await TcpProxy.start(testPostgresAddress());
  const t = await startTestTomada({ databaseUrl: schemaUrlVia(schema, proxy.port), unknownChargePoints: 'accept' });
  let n = 0;
  const post = (body: string) => postRaw(t, envelope({ id: ID, action: '/x', messageId: `urn:uuid:00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`, body }));
  const boot = '<cs:bootNotificationRequest><cs:chargePointVendor>V</cs:chargePointVendor><cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>';
  const start = '<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>SOAPDOWN</cs:idTag><cs:timestamp>2025-05-01T10:00:00Z</cs:timestamp><cs:meterStart>1000</cs:meterStart></cs:startTransactionRequest>';
  const meterValues = (id: number) => `<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId>${id}</cs:transactionId><cs:values><cs:timestamp>2025-05-01T10:10:00Z</cs:timestamp><cs:value>2000</cs:value></cs:values></cs:meterValuesRequest>`;
  const stop = (id: number) => `<cs:stopTransactionRequest><cs:transactionId>${id}</cs:transactionId><cs:timestamp>2025-05-01T10:30:00Z</cs:timestamp><cs:meterStop>2500</cs:meterStop></cs:stopTransactionRequest>`;
  const status = '<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>Available</cs:status><cs:errorCode>NoError</cs:errorCode></cs:statusNotificationRequest>';
  try {
    await t.domain.idTags.put({ idTag: 'SOAPDOWN', status: 'Accepted', expiryDate: null, parentIdTag: null });
    assert.equal((await post(boot)).status, 200);

    proxy.refuse();
    proxy.cutAll();
    // Every kind of message, the first of a session included, is a fault while the database is away.
    for (const body of [start, meterValues(1), status, '<cs:heartbeatRequest/>']) {
      const answer = await post(body);
      assert.notEqual(answer.status, 200, `no acknowledgement while the database is away: ${answer.text.slice(0, 400)}`);
      const fault = readFault(answer.text);
      assert.deepEqual(fault.code, { namespace: SOAP12_NS, name: 'Receiver' }, `the central system's fault, not the charge point's: ${fault.reason}`);
      assert.ok(fault.reason.length > 0);
    }
    const down = await fetch(`${t.httpUrl}/ready`);
    assert.equal(down.status, 503, 'the node does not call itself ready');

    proxy.restore();
    // The charge point sends its session's start again until it is answered.
    let started;
    for (let i = 0; i < 150; i++) {
      started = await post(start);
      if (started.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(started?.status, 200, `answered once the database is back: ${started?.text.slice(0, 400)}`);
    const body = child(readXml(started!.text), SOAP12_NS, 'Body');
    const transactionId = Number(child(child(body, CS_NS, 'startTransactionResponse'), CS_NS, 'transactionId')?.text);
    assert.ok(Number.isInteger(transactionId) && transactionId > 0, started!.text);
    // The start sent again (its answer lost, say) is the same session.
    const again = await post(start);
    assert.equal(again.status, 200);
    assert.equal(Number(child(child(child(readXml(again.text), SOAP12_NS, 'Body'), CS_NS, 'startTransactionResponse'), CS_NS, 'transactionId')?.text), transactionId);
    for (const message of [meterValues(transactionId), meterValues(transactionId), status, stop(transactionId), stop(transactionId)]) {
      const answer = await post(message);
      assert.equal(answer.status, 200, answer.text.slice(0, 400));
    }
    const sessions = (await t.api(`/api/v1/transactions?chargePointId=${ID}`)).body;
    const list = Array.isArray(sessions) ? sessions : sessions.items ?? sessions.transactions;
    assert.equal(list.length, 1, JSON.stringify(sessions));
    const stored = (await t.api(`/api/v1/transactions/${transactionId}`)).body;
    assert.deepEqual(stored.meterValues.map((m: { value: string }) => m.value), ['2000']);
    assert.equal(stored.energyWh, 1500);
    // Ready again at the check whose probe write commits (docs/OPERATIONS.md).
    let ready;
    for (let i = 0; i < 50; i++) {
      ready = await fetch(`${t.httpUrl}/ready`);
      if (ready.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(ready?.status, 200, await ready?.text());
  } finally {
    await t.close();
    await proxy.close();
    await schema.drop();
  }
});
