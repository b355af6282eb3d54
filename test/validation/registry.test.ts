// The validated-software registry and what the network does at boot with software not in it;
// the operator's declaration of OCPP version and transport against what is observed; events and
// their delivery to an operator's webhook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SimulatedChargePoint } from '../../src/sim/charge-point.js';
import { signature, SIGNATURE_HEADER, EVENT_ID_HEADER } from '../../src/events/webhooks.js';
import { ADMIN_TOKEN, startTestTomada, type TestTomada } from '../support/tomada.js';
import { TestClient } from '../support/ocpp-client.js';
import { centralSystemClient, envelope, postRaw } from '../soap/helpers.js';
import { ocpp16 } from '../../src/sim/protocol-16.js';
import type { ChargePointProtocol } from '../../src/sim/protocol.js';
import { finished, idTagFor, runCampaign, summary } from './rig.js';

const BOOT = { chargePointVendor: 'Acme', chargePointModel: 'Wall-22', firmwareVersion: '4.2.0', chargePointSerialNumber: 'SN-1' };

async function boot(t: TestTomada, id: string, firmwareVersion = BOOT.firmwareVersion) {
  const client = await TestClient.connect(t.wsUrl, id);
  const answer = await client.ok('BootNotification', { ...BOOT, firmwareVersion });
  return { client, answer: answer as { status: string; interval: number } };
}

async function events(t: TestTomada, query: string) {
  return (await t.api(`/api/v1/events?${query}`)).body.items as { type: string; data: any; chargePointId: string | null; id: number }[];
}

for (const [policy, expected] of [
  ['flag', 'Accepted'],
  ['pending', 'Pending'],
  ['reject', 'Rejected'],
] as const) {
  test(`TOMADA_UNVALIDATED_SOFTWARE=${policy}: unvalidated software is flagged at boot and answered ${expected}; validated software is Accepted`, async () => {
    const t = await startTestTomada({ unvalidatedSoftware: policy });
    try {
      await t.api('/api/v1/charge-points/CP-1', { method: 'PUT', body: { registrationStatus: 'Accepted' } });
      const first = await boot(t, 'CP-1');
      assert.equal(first.answer.status, expected);
      await first.client.close();
      // A reboot with the same software is answered by the same policy, but not flagged again.
      const reboot = await boot(t, 'CP-1');
      assert.equal(reboot.answer.status, expected);
      await reboot.client.close();
      const flagged = await events(t, 'chargePointId=CP-1&type=unvalidatedSoftware');
      assert.equal(flagged.length, 1);
      assert.deepEqual(flagged[0]!.data.software, { vendor: 'Acme', model: 'Wall-22', firmwareVersion: '4.2.0', ocppVersion: '1.6', transport: 'json' });
      assert.equal((await t.api('/api/v1/charge-points/CP-1')).body.softwareValidated, false);
      // Stored registration is untouched: the policy answers the boot, it does not rewrite the registry.
      assert.equal((await t.api('/api/v1/charge-points/CP-1')).body.registrationStatus, 'Accepted');

      const approval = await t.api('/api/v1/software', { body: { vendor: 'Acme', model: 'Wall-22', firmwareVersion: '4.2.0', ocppVersion: '1.6', transport: 'json', reference: 'bench report LAB-2026-117' } });
      assert.equal(approval.status, 201);
      assert.equal(approval.body.source, 'manual');
      assert.equal(approval.body.reference, 'bench report LAB-2026-117');
      assert.equal(approval.body.approvedBy, 'TOMADA_ADMIN_TOKEN');
      const again = await t.api('/api/v1/software', { body: { vendor: 'Acme', model: 'Wall-22', firmwareVersion: '4.2.0', ocppVersion: '1.6', transport: 'json', reference: 'another' } });
      assert.equal(again.status, 200, 'an identity already validated is not added twice');

      const second = await boot(t, 'CP-1');
      assert.equal(second.answer.status, 'Accepted');
      assert.equal((await t.api('/api/v1/charge-points/CP-1')).body.softwareValidated, true);
      assert.equal((await events(t, 'chargePointId=CP-1&type=unvalidatedSoftware')).length, 1, 'validated software raises no flag');

      // A firmware update is new software: recorded as a change, and flagged again.
      await second.client.close();
      const third = await boot(t, 'CP-1', '4.3.0');
      assert.equal(third.answer.status, expected);
      const changes = await events(t, 'chargePointId=CP-1&type=firmwareChanged');
      assert.deepEqual(changes.map((e) => e.data), [{ from: '4.2.0', to: '4.3.0' }]);
      assert.equal((await events(t, 'chargePointId=CP-1&type=unvalidatedSoftware')).length, 2);
      await third.client.close();

      const withdrawn = await t.api(`/api/v1/software/${approval.body.id}`, { method: 'DELETE' });
      assert.equal(withdrawn.status, 204);
      assert.equal((await t.api(`/api/v1/software/${approval.body.id}`, { method: 'DELETE' })).status, 404);
    } finally {
      await t.close();
    }
  });
}

test("a SOAP charge point's boot is judged by the software and protocol it boots with, from its very first message", async () => {
  const t = await startTestTomada({ unvalidatedSoftware: 'pending' });
  try {
    const software = { vendor: 'Acme', model: 'Soap-15', firmwareVersion: '2.0', ocppVersion: '1.5', transport: 'soap' };
    assert.equal((await t.api('/api/v1/software', { body: { ...software, reference: 'lab' } })).status, 201);
    for (const id of ['CP-SOAP-NEW', 'CP-WAS-JSON']) await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { registrationStatus: 'Accepted' } });
    // One charge point that spoke 1.6 over JSON before, with other software: now 1.5 over SOAP.
    const before = await TestClient.connect(t.wsUrl, 'CP-WAS-JSON');
    assert.equal(((await before.ok('BootNotification', { ...BOOT })) as { status: string }).status, 'Pending');
    await before.close();
    for (const id of ['CP-SOAP-NEW', 'CP-WAS-JSON']) {
      const cs = await centralSystemClient(t, id);
      const boot = await cs.call('BootNotification', { chargePointVendor: software.vendor, chargePointModel: software.model, firmwareVersion: software.firmwareVersion });
      assert.equal(boot.result.status, 'Accepted', `${id}: validated software, answered at its first SOAP boot`);
      const flagged = (await events(t, `chargePointId=${id}&type=unvalidatedSoftware`)).map((e) => e.data.software);
      assert.ok(!flagged.some((s) => s.model === software.model), `${id} flagged as unvalidated: ${JSON.stringify(flagged)}`);
      assert.equal((await t.api(`/api/v1/charge-points/${id}`)).body.softwareValidated, true);
    }
  } finally {
    await t.close();
  }
});

const SOFTWARE_HELD = /SecurityError.*software is not validated/;
const callText = (frame: unknown[]) => JSON.stringify(frame);

for (const [policy, answered] of [
  ['pending', 'Pending'],
  ['reject', 'Rejected'],
] as const) {
  test(`TOMADA_UNVALIDATED_SOFTWARE=${policy}: unvalidated software gets nothing but a boot through, also on a connection that did not boot and from SOAP`, async () => {
    const t = await startTestTomada({ unvalidatedSoftware: policy });
    try {
      for (const id of ['CP-J', 'CP-S']) await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { registrationStatus: 'Accepted' } });
      const first = await boot(t, 'CP-J');
      assert.equal(first.answer.status, answered);
      assert.match(callText(await first.client.call('Heartbeat', {})), SOFTWARE_HELD);
      await first.client.close();
      // The charger reconnects without booting, as after a lost connection.
      const again = await TestClient.connect(t.wsUrl, 'CP-J');
      assert.match(callText(await again.call('StartTransaction', { connectorId: 1, idTag: 'T1', meterStart: 0, timestamp: new Date().toISOString() })), SOFTWARE_HELD);

      const soap = await centralSystemClient(t, 'CP-S');
      assert.equal((await soap.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Soap-9', firmwareVersion: '1' })).result.status, 'Rejected');
      const heartbeat = await postRaw(t, envelope({ id: 'CP-S', action: '/Heartbeat', messageId: 'urn:uuid:00000000-0000-4000-8000-0000000000aa', body: '<cs:heartbeatRequest/>' }));
      assert.equal(heartbeat.status, 400, heartbeat.text);
      assert.match(heartbeat.text, /SecurityError/);
      assert.equal((await t.store.listTransactions({ limit: 10 })).length, 0, 'nothing started');

      // Approved meanwhile: the open connection is let through at once, without a boot.
      const identity = { vendor: BOOT.chargePointVendor, model: BOOT.chargePointModel, firmwareVersion: BOOT.firmwareVersion, ocppVersion: '1.6', transport: 'json' };
      const approval = await t.api('/api/v1/software', { body: { ...identity, reference: 'lab' } });
      assert.equal(approval.status, 201);
      const started = await again.ok('StartTransaction', { connectorId: 1, idTag: 'T1', meterStart: 0, timestamp: new Date().toISOString() });
      // Withdrawn while it charges: it is held again at once, but what it measured and its stop still get in.
      assert.equal((await t.api(`/api/v1/software/${approval.body.id}`, { method: 'DELETE' })).status, 204);
      assert.match(callText(await again.call('Heartbeat', {})), SOFTWARE_HELD);
      const at = new Date().toISOString();
      await again.ok('MeterValues', { connectorId: 1, transactionId: started.transactionId, meterValue: [{ timestamp: at, sampledValue: [{ value: '1500' }] }] });
      await again.ok('StopTransaction', { transactionId: started.transactionId, meterStop: 2000, timestamp: at });
      const stored = await t.store.getTransaction(started.transactionId);
      assert.equal(stored?.meterStopWh, 2000);
      await again.close();
    } finally {
      await t.close();
    }
  });
}

test('under TOMADA_UNVALIDATED_SOFTWARE=pending, a campaign lets its charge point through while it runs, and not after it', async () => {
  const t = await startTestTomada({ unvalidatedSoftware: 'pending' });
  try {
    await t.api('/api/v1/charge-points/CP-C', { method: 'PUT', body: { registrationStatus: 'Accepted', declaredOcppVersion: '1.6', declaredTransport: 'json' } });
    await t.api('/api/v1/id-tags/TAG-C', { method: 'PUT', body: { status: 'Accepted' } });
    const client = await TestClient.connect(t.wsUrl, 'CP-C');
    client.onCall = (action) => ({ status: action === 'Reset' ? 'Rejected' : 'Accepted' });
    assert.equal((await client.ok('BootNotification', { ...BOOT })).status, 'Pending');
    // A manual case, waiting a few seconds for the operator, keeps the campaign running meanwhile.
    const started = await t.api('/api/v1/validations', {
      body: { chargePointId: 'CP-C', connectorId: 1, idTag: 'TAG-C', cases: ['authorize.valid'], timing: { manualTimeoutS: 3 } },
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.equal((await client.ok('BootNotification', { ...BOOT })).status, 'Accepted', 'the campaign answers the boot');
    assert.ok(await client.ok('Heartbeat', {}), 'taken while the campaign runs');
    assert.equal((await t.api(`/api/v1/validations/${started.body.id}`)).body.status, 'running');
    let validation = started.body;
    // Its manual step gives up after 3 s; 30 s is a campaign that never ends.
    for (let i = 0; i < 300 && validation.status === 'running'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      validation = (await t.api(`/api/v1/validations/${validation.id}`)).body;
    }
    assert.notEqual(validation.status, 'running', 'the campaign ended');
    // One case is not a validation of the software: held again, though its connection stayed open
    // (it refused the campaign's closing reset).
    assert.equal((await t.api('/api/v1/charge-points/CP-C')).body.softwareValidated, false);
    assert.match(callText(await client.call('StartTransaction', { connectorId: 1, idTag: 'TAG-C', meterStart: 0, timestamp: new Date().toISOString() })), SOFTWARE_HELD);
    await client.close();
  } finally {
    await t.close();
  }
});

test('declared OCPP version and transport: every change recorded, a mismatch with what is observed raised', async () => {
  const t = await startTestTomada();
  try {
    await t.api('/api/v1/charge-points/CP-D', { method: 'PUT', body: { registrationStatus: 'Accepted', declaredOcppVersion: '1.6', declaredTransport: 'json' } });
    const v16 = await boot(t, 'CP-D');
    await v16.client.close();
    assert.equal((await events(t, 'chargePointId=CP-D&type=ocppVersionMismatch')).length, 0, 'as declared: no mismatch');

    // It comes back speaking 1.5: a change, and a mismatch with the declaration.
    const v15 = await TestClient.connect(t.wsUrl, 'CP-D', { protocols: ['ocpp1.5'] });
    await v15.ok('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Wall-22' });
    await v15.close();
    const changed = await events(t, 'chargePointId=CP-D&type=ocppVersionChanged');
    assert.deepEqual(changed[0]!.data, { from: { ocppVersion: '1.6', transport: 'json' }, to: { ocppVersion: '1.5', transport: 'json' } });
    const mismatches = await events(t, 'chargePointId=CP-D&type=ocppVersionMismatch');
    assert.equal(mismatches.length, 1);
    assert.deepEqual(mismatches[0]!.data, { declared: { ocppVersion: '1.6', transport: 'json' }, observed: { ocppVersion: '1.5', transport: 'json' } });

    // Reconnecting the same way is not a new mismatch.
    const again = await TestClient.connect(t.wsUrl, 'CP-D', { protocols: ['ocpp1.5'] });
    await again.ok('Heartbeat', {});
    await again.close();
    assert.equal((await events(t, 'chargePointId=CP-D&type=ocppVersionMismatch')).length, 1);

    // The operator corrects the declaration: recorded, and it now agrees.
    const put = await t.api('/api/v1/charge-points/CP-D', { method: 'PUT', body: { declaredOcppVersion: '1.5' } });
    assert.equal(put.body.declaredOcppVersion, '1.5');
    assert.equal(put.body.declaredTransport, 'json');
    const declared = await events(t, 'chargePointId=CP-D&type=ocppVersionDeclared');
    assert.deepEqual(declared.map((e) => e.data.to), [{ ocppVersion: '1.5', transport: 'json' }, { ocppVersion: '1.6', transport: 'json' }]);
    assert.equal((await events(t, 'chargePointId=CP-D&type=ocppVersionMismatch')).length, 1);

    // Declaring SOAP for a charge point seen over JSON is a mismatch at once.
    await t.api('/api/v1/charge-points/CP-D', { method: 'PUT', body: { declaredTransport: 'soap' } });
    const latest = (await events(t, 'chargePointId=CP-D&type=ocppVersionMismatch'))[0]!;
    assert.deepEqual(latest.data.declared, { ocppVersion: '1.5', transport: 'soap' });
    const bad = await t.api('/api/v1/charge-points/CP-D', { method: 'PUT', body: { declaredTransport: 'carrier-pigeon' } });
    assert.equal(bad.status, 400);
  } finally {
    await t.close();
  }
});

test('events reach the operator webhook in order, signed, and are retried until the receiver takes them', async () => {
  const received: { body: string; signature: string | undefined; eventId: string | undefined }[] = [];
  let failuresLeft = 2;
  const server = createServer(async (request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      response.writeHead(503).end();
      return;
    }
    received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: request.headers[SIGNATURE_HEADER] as string, eventId: request.headers[EVENT_ID_HEADER] as string });
    response.writeHead(204).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const t = await startTestTomada({ webhookDelivery: false });
  try {
    // Charge points name operators that exist (docs/OPERATOR.md).
    for (const id of ['opa', 'opb']) assert.equal((await t.api(`/api/v1/operators/${id}`, { method: 'PUT', body: { name: id, kind: 'OPC' } })).status, 201);
    await t.api('/api/v1/charge-points/OP-A-1', { method: 'PUT', body: { registrationStatus: 'Accepted', operator: 'opa' } });
    await t.api('/api/v1/charge-points/OP-B-1', { method: 'PUT', body: { registrationStatus: 'Accepted', operator: 'opb' } });
    const secret = 'a-secret-of-sixteen-or-more';
    const put = await t.api('/api/v1/operators/opa/webhook', { method: 'PUT', body: { url, secret } });
    assert.equal(put.status, 201);
    assert.equal(put.body.secret, undefined, 'the secret is never read back');
    assert.equal((await t.api('/api/v1/operators/opa/webhook', { method: 'PUT', body: { url: 'ftp://x', secret } })).status, 400);

    // Events after the webhook was set: two for opa's charge point, one for opb's.
    await t.api('/api/v1/charge-points/OP-A-1', { method: 'PUT', body: { declaredOcppVersion: '1.6', declaredTransport: 'json' } });
    await t.api('/api/v1/charge-points/OP-B-1', { method: 'PUT', body: { declaredOcppVersion: '1.6', declaredTransport: 'json' } });
    await t.api('/api/v1/charge-points/OP-A-1', { method: 'PUT', body: { declaredOcppVersion: '1.5' } });

    // Deliver by hand, pass after pass, as the node's timer would (backoff set to zero here).
    const deliverer = new (await import('../../src/events/webhooks.js')).WebhookDeliverer(t.store, { warn: () => undefined, error: () => undefined }, { pollMs: 10, backoffMs: 0, maxBackoffMs: 0, timeoutMs: 2_000 });
    await deliverer.deliverAll();
    assert.equal(received.length, 0);
    const state = await t.api('/api/v1/operators/opa/webhook');
    assert.match(state.body.lastError, /HTTP 503/);
    await deliverer.deliverAll();
    await deliverer.deliverAll();
    assert.equal(received.length, 2);
    const bodies = received.map((r) => JSON.parse(r.body));
    assert.deepEqual(bodies.map((b) => [b.chargePointId, b.type, b.operator]), [
      ['OP-A-1', 'ocppVersionDeclared', 'opa'],
      ['OP-A-1', 'ocppVersionDeclared', 'opa'],
    ]);
    assert.ok(bodies[0].id < bodies[1].id);
    for (const r of received) {
      assert.equal(r.signature, signature(secret, r.body));
      assert.equal(r.eventId, String(JSON.parse(r.body).id));
    }
    await deliverer.deliverAll();
    assert.equal(received.length, 2, 'delivered events are not sent again');
    const after = await t.api('/api/v1/operators/opa/webhook');
    assert.equal(after.body.lastError, null);
    assert.equal(after.body.lastEventId, bodies[1].id);
    assert.equal((await t.api('/api/v1/operators/opa/webhook', { method: 'DELETE' })).status, 204);
    assert.equal((await t.api('/api/v1/operators/opa/webhook')).status, 404);
  } finally {
    await t.close();
    server.close();
  }
});

test('a manual step the operator cannot do is marked not run and the campaign is incomplete; cancel ends a campaign', async () => {
  const t = await startTestTomada();
  const cp = new SimulatedChargePoint({ id: 'CP-M', baseUrl: t.wsUrl, connectors: 1, reconnectDelayMs: 200, minIntervalMs: 200 });
  try {
    await t.api('/api/v1/charge-points/CP-M', { method: 'PUT', body: { registrationStatus: 'Accepted', declaredOcppVersion: '1.6', declaredTransport: 'json' } });
    await t.api('/api/v1/id-tags/TAG-M', { method: 'PUT', body: { status: 'Accepted' } });
    cp.start();
    await cp.ready();
    const unknownCase = await t.api('/api/v1/validations', { body: { chargePointId: 'CP-M', connectorId: 1, idTag: 'TAG-M', cases: ['authorize.valid', 'no.such.case'] } });
    assert.equal(unknownCase.status, 400);
    assert.match(unknownCase.body.message, /Unknown case no\.such\.case/);
    assert.equal((await t.api('/api/v1/validations', { body: { chargePointId: 'CP-M', connectorId: 1, idTag: 'NOT-A-TAG' } })).status, 409);
    assert.equal((await t.api('/api/v1/validations', { body: { chargePointId: 'CP-NONE', connectorId: 1, idTag: 'TAG-M' } })).status, 404);
    // A connector it has not got would fail a correct charge point: refused, naming those it has.
    // Connector 1's report first: with connector 0's alone there is nothing to check against.
    const reported = async () => ((await t.api('/api/v1/charge-points/CP-M')).body.connectors as { connectorId: number }[]).some((c) => c.connectorId === 1);
    for (let i = 0; i < 100 && !(await reported()); i++) await new Promise((r) => setTimeout(r, 50));
    const noSuchConnector = await t.api('/api/v1/validations', { body: { chargePointId: 'CP-M', connectorId: 3, idTag: 'TAG-M' } });
    assert.equal(noSuchConnector.status, 409);
    assert.equal(noSuchConnector.body.message, 'Charge point "CP-M" has reported connectors 1; connector 3 is not one of them');

    // Two requests at once (a double click): one campaign starts, the other is refused.
    const body = { chargePointId: 'CP-M', connectorId: 1, idTag: 'TAG-M', cases: ['ocpp.version', 'authorize.valid', 'authorize.blocked'], timing: { manualTimeoutS: 30, caseTimeoutS: 5 } };
    const both = await Promise.all([t.api('/api/v1/validations', { body }), t.api('/api/v1/validations', { body })]);
    assert.deepEqual(both.map((r) => r.status).sort(), [202, 409], 'one campaign per charge point');
    const started = both.find((r) => r.status === 202)!;
    const id = started.body.id;
    const waitFor = async (caseId: string) => {
      for (;;) {
        const v = (await t.api(`/api/v1/validations/${id}`)).body;
        const item = v.cases.find((c: any) => c.id === caseId);
        if (item.status === 'waiting') return item;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const waiting = await waitFor('authorize.valid');
    assert.match(waiting.prompt, /Present the card "TAG-M"/);
    assert.deepEqual(waiting.action, { kind: 'presentCard', idTag: 'TAG-M' });
    assert.equal((await t.api(`/api/v1/validations/${id}/cases/authorize.blocked/confirm`, { body: { done: true } })).status, 409, 'only a waiting case is confirmed');
    await t.api(`/api/v1/validations/${id}/cases/authorize.valid/confirm`, { body: { done: false, note: 'no card reader on the bench unit' } });
    await waitFor('authorize.blocked');
    const cancelling = await t.api(`/api/v1/validations/${id}/cancel`, { body: { reason: 'the campaign was cancelled by the operator' } });
    // Answered at once, its wrap-up to come: until 2026-12-07 the answer waited for it.
    assert.equal(cancelling.status, 202);
    assert.equal(cancelling.body.status, 'running');
    assert.equal(cancelling.body.cancelling.reason, 'the campaign was cancelled by the operator');
    const cancelled = { body: await finished(t, id) };
    assert.equal(cancelled.body.status, 'cancelled');
    assert.equal(cancelled.body.verdict, 'incomplete');
    assert.equal(cancelled.body.cancelling, undefined);
    const byId = Object.fromEntries(cancelled.body.cases.map((c: any) => [c.id, c]));
    assert.equal(byId['ocpp.version'].status, 'pass');
    assert.equal(byId['authorize.valid'].status, 'manual');
    assert.equal(byId['authorize.valid'].reason, 'not run: no card reader on the bench unit');
    assert.equal(byId['authorize.blocked'].status, 'skipped');
    assert.match(byId['authorize.blocked'].reason, /cancelled/);
    // The stored record says the same after the run is gone.
    const stored = await t.api(`/api/v1/validations/${id}`);
    assert.equal(stored.body.status, 'cancelled');
    // The report counts the cancelled case as not run, as the API does: not as not applicable.
    const report = await fetch(`${t.httpUrl}/api/v1/validations/${id}/report.html`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.match(await report.text(), /1 passed · 0 failed · 0 not applicable · 1 skipped, not run · 1 manual steps not run · 0 pending/);
    assert.equal((await t.api('/api/v1/software')).body.items.length, 0);
  } finally {
    await cp.stop();
    await t.close();
  }
});

test('a cancelled campaign stops the transaction it started on its card, as a finished one does', async () => {
  const t = await startTestTomada();
  // No MeterValues: meter.values waits its whole limit, so the cancel comes while the campaign's transaction runs.
  const cp = new SimulatedChargePoint({ id: 'CP-C', baseUrl: t.wsUrl, connectors: 1, reconnectDelayMs: 200, minIntervalMs: 200, faults: ['no-meter-values'] });
  try {
    await t.api('/api/v1/charge-points/CP-C', { method: 'PUT', body: { registrationStatus: 'Accepted' } });
    await t.api('/api/v1/id-tags/TAG-C', { method: 'PUT', body: { status: 'Accepted' } });
    cp.start();
    await cp.ready();
    const body = { chargePointId: 'CP-C', connectorId: 1, idTag: 'TAG-C', cases: ['remote.start', 'meter.values'], timing: { caseTimeoutS: 30 } };
    const started = await t.api('/api/v1/validations', { body });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const active = async () => (await t.api('/api/v1/transactions?chargePointId=CP-C&active=true')).body.items as { id: number; idTag: string }[];
    for (let i = 0; i < 100 && (await active()).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await active()).length, 1, 'the campaign started a transaction');
    await t.api(`/api/v1/validations/${started.body.id}/cancel`, { body: {} });
    assert.equal((await finished(t, started.body.id)).status, 'cancelled');
    for (let i = 0; i < 100 && (await active()).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await active(), [], 'the campaign\'s transaction was left charging on its card');
  } finally {
    await cp.stop();
    await t.close();
  }
});

test('a campaign cancelled while it holds the charge point offline stops its transaction once the charge point is back', async () => {
  const t = await startTestTomada();
  // A short call timeout: the call cut by the hold is given up soon, and its queue moves on.
  const cp = new SimulatedChargePoint({ id: 'CP-OFF', baseUrl: t.wsUrl, connectors: 1, reconnectDelayMs: 200, minIntervalMs: 200, callTimeoutMs: 1_000, meter: { sampleIntervalMs: 300, powerW: 50_000 } });
  try {
    await t.api('/api/v1/charge-points/CP-OFF', { method: 'PUT', body: { registrationStatus: 'Accepted' } });
    await t.api('/api/v1/id-tags/TAG-OFF', { method: 'PUT', body: { status: 'Accepted' } });
    cp.start();
    await cp.ready();
    const body = { chargePointId: 'CP-OFF', connectorId: 1, idTag: 'TAG-OFF', cases: ['offline.backlog'], timing: { caseTimeoutS: 10, offlineS: 60 } };
    const started = await t.api('/api/v1/validations', { body });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const active = async () => (await t.api('/api/v1/transactions?chargePointId=CP-OFF&active=true')).body.items as { id: number }[];
    const offline = async () => (await active()).length === 1 && !(await t.api('/api/v1/charge-points/CP-OFF')).body.connected;
    for (let i = 0; i < 200 && !(await offline()); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(await offline(), 'the campaign holds the charge point offline during its transaction');
    const cancelledAt = Date.now();
    await t.api(`/api/v1/validations/${started.body.id}/cancel`, { body: {} });
    const cancelled = { body: await finished(t, started.body.id) };
    assert.equal(cancelled.body.status, 'cancelled');
    assert.ok(Date.now() - cancelledAt < 5_000, `the cancel took ${Date.now() - cancelledAt} ms: the case sat out a wait after it was cancelled`);
    assert.deepEqual(await active(), [], 'the remote stop sent while the charge point was held offline failed and left it charging');
    assert.equal(cancelled.body.leftRunning, undefined, JSON.stringify(cancelled.body.leftRunning));
  } finally {
    await cp.stop();
    await t.close();
  }
});

test('offline.backlog with the connection cut for less than two sampling intervals judged no backlog: not run, not passed', async () => {
  const t = await startTestTomada();
  try {
    // The simulator samples every second: cut for 1 s, no gap can show a lost backlog.
    const { validation, chargePoint } = await runCampaign(t, { id: 'CP-SHORT-OFF', protocol: 'ocpp1.6-json', cases: ['offline.backlog'], timing: { offlineS: 1 } });
    await chargePoint.stop();
    const [backlog] = validation.cases;
    assert.equal(backlog!.status, 'skipped', summary(validation));
    assert.equal(backlog!.notApplicable, false);
    assert.match(backlog!.reason ?? '', /^not run: offline for 1 s, less than twice the charge point’s sampling interval \(1(\.\d)? s\), so a lost backlog could not be told; set offlineS to at least [23]$/);
    assert.equal(validation.verdict, 'incomplete');
  } finally {
    await t.close();
  }
});

test('a transaction the charge point started on another connector than the campaign’s is stopped at the end, and one it cannot stop is named', async () => {
  const t = await startTestTomada();
  // A faulty charge point: asked to start on connector 1, it reports the transaction on connector 2.
  const elsewhere: ChargePointProtocol = { ...ocpp16, startTransaction: (input) => { const call = ocpp16.startTransaction(input); call.payload.connectorId = 2; return call; } };
  const cases = ['remote.start', 'remote.stop'];
  try {
    const [moved, ignored] = await Promise.all([
      runCampaign(t, { id: 'CP-ELSEWHERE', protocol: 'ocpp1.6-json', wording: elsewhere, cases, timing: { caseTimeoutS: 5 } }),
      runCampaign(t, { id: 'CP-NOSTOP', protocol: 'ocpp1.6-json', wording: elsewhere, faults: ['remote-stop-ignored'], cases: ['remote.start'], timing: { caseTimeoutS: 2 } }),
    ]);
    await moved.chargePoint.stop();
    await ignored.chargePoint.stop();
    assert.match(moved.validation.cases[0]!.reason ?? '', /StartTransaction on connector 2/, summary(moved.validation));
    const active = async (id: string) => (await t.api(`/api/v1/transactions?chargePointId=${id}&active=true`)).body.items as { id: number; connectorId: number }[];
    assert.deepEqual(await active('CP-ELSEWHERE'), [], 'only the campaign’s connector was made idle');
    assert.equal(moved.validation.leftRunning, undefined);
    // There, a charge point that ignores remote stops keeps charging (the resets that follow are only
    // for the campaign's connector): the record and an event name the session.
    const [running] = await active('CP-NOSTOP');
    assert.ok(running, 'the session runs on');
    assert.deepEqual(ignored.validation.leftRunning, [{ transactionId: running.id, connectorId: 2, reason: 'RemoteStopTransaction was accepted, but no StopTransaction came within 2 s' }]);
    const left = await events(t, 'type=validationSessionLeftRunning&chargePointId=CP-NOSTOP');
    assert.deepEqual(left.map((e) => e.data), [{ validationId: ignored.validation.id, idTag: idTagFor('CP-NOSTOP'), transactionId: running.id, connectorId: 2, reason: 'RemoteStopTransaction was accepted, but no StopTransaction came within 2 s' }]);
    const report = await fetch(`${t.httpUrl}/api/v1/validations/${ignored.validation.id}/report.html`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.match(await report.text(), new RegExp(`<tr><th>Left running</th><td>transaction ${running.id} on connector 2: RemoteStopTransaction was accepted`));
  } finally {
    await t.close();
  }
});

// Under `reject` the campaign's closing reset goes to a charge point the policy holds Rejected:
// a campaign's command, not held back as an operator's is.
for (const [policy, answered] of [
  ['pending', 'Pending'],
  ['reject', 'Rejected'],
] as const) {
  test(`under TOMADA_UNVALIDATED_SOFTWARE=${policy}, a campaign that does not validate the software puts the charge point back to ${answered}`, async () => {
    const t = await startTestTomada({ unvalidatedSoftware: policy, bootRetryIntervalS: 1 });
    const log: string[] = [];
    const booted = (message: string) => message.includes(`boot ${answered}`);
    const cp = new SimulatedChargePoint({ id: 'CP-P', baseUrl: t.wsUrl, connectors: 1, reconnectDelayMs: 200, minIntervalMs: 200, logger: (e) => log.push(e.message) });
    try {
      await t.api('/api/v1/charge-points/CP-P', { method: 'PUT', body: { registrationStatus: 'Accepted', declaredOcppVersion: '1.6', declaredTransport: 'json' } });
      await t.api('/api/v1/id-tags/TAG-P', { method: 'PUT', body: { status: 'Accepted' } });
      cp.start();
      for (let i = 0; i < 100 && !log.some(booted); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(log.some(booted), `unvalidated software boots ${answered}`);
      // A campaign of one case cannot validate software; during it the boots are the campaign's.
      const started = await t.api('/api/v1/validations', { body: { chargePointId: 'CP-P', connectorId: 1, idTag: 'TAG-P', cases: ['reset.soft.idle'], timing: { caseTimeoutS: 10 } } });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      let v = started.body;
      while (v.status === 'running') {
        await new Promise((r) => setTimeout(r, 100));
        v = (await t.api(`/api/v1/validations/${v.id}`)).body;
      }
      assert.equal(v.cases[0].status, 'pass');
      const before = log.filter(booted).length;
      for (let i = 0; i < 100 && log.filter(booted).length === before; i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(log.filter(booted).length > before, `reset back under the policy: ${log.slice(-6).join(' | ')}`);
    } finally {
      await cp.stop();
      await t.close();
    }
  });
}

test('a charge point the software policy answered Pending gets no remote start or stop from an operator; a Reset is sent', async () => {
  // The registry holds it Accepted: the policy answers its boot, and the refusal of commands
  // followed the registry alone (an independent review).
  const t = await startTestTomada({ unknownChargePoints: 'accept', unvalidatedSoftware: 'pending' });
  const cp = await TestClient.connect(t.wsUrl, 'CP-SW-HELD');
  try {
    assert.equal((await cp.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M', firmwareVersion: '9.9-unvalidated' })).status, 'Pending');
    assert.equal((await t.api('/api/v1/charge-points/CP-SW-HELD')).body.registrationStatus, 'Accepted');
    const start = await t.api('/api/v1/charge-points/CP-SW-HELD/commands/remote-start', { method: 'POST', body: { idTag: 'TAG-1' } });
    assert.equal(start.status, 409, JSON.stringify(start.body));
    assert.match(start.body.message, /is Pending \(its software is not validated by the network\): OCPP allows no remote start or stop/);
    assert.equal((await t.api('/api/v1/charge-points/CP-SW-HELD/commands/reset', { method: 'POST', body: { type: 'Soft' } })).status, 200);
    assert.deepEqual(cp.received.filter((f) => f[0] === 2).map((f) => f[2]), ['Reset'], 'the remote start never reached it');
  } finally {
    await cp.close();
    await t.close();
  }
});

test('a node that stops during a campaign’s wrap-up ends it at once: no wait for the StopTransaction, the session named', async () => {
  const t = await startTestTomada();
  try {
    // This charge point accepts the remote stop and keeps charging: the wrap-up would wait its 30 s.
    const running = runCampaign(t, { id: 'CP-WRAP-STOP', protocol: 'ocpp1.6-json', faults: ['remote-stop-ignored'], cases: ['remote.start'], timing: { caseTimeoutS: 30 } });
    const stopSent = async () => ((await t.api('/api/v1/charge-points/CP-WRAP-STOP/frames?limit=40')).body.items ?? []).some((f: { frame: string }) => f.frame.includes('"RemoteStopTransaction"'));
    for (let i = 0; i < 300 && !(await stopSent()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(await stopSent(), 'the wrap-up sent its remote stop');
    const started = performance.now();
    await t.campaigns.close();
    const ms = performance.now() - started;
    const { validation, chargePoint } = await running;
    await chargePoint.stop();
    // Not a speed goal: whether the stop waited out the 30 s limit or not.
    assert.ok(ms < 15_000, `the node's stop waited ${Math.round(ms)} ms for the wrap-up`);
    assert.equal(validation.leftRunning?.length, 1, JSON.stringify(validation.leftRunning));
    assert.equal(validation.leftRunning[0]!.reason, "the node stopped during the campaign's wrap-up, before the session was seen to stop");
  } finally {
    await t.close();
  }
});

test('an operator’s cancel during a campaign’s wrap-up ends it at once: its cases keep their verdict, the session still running is named', async () => {
  const t = await startTestTomada();
  try {
    // This charge point accepts the remote stop and keeps charging: the wrap-up would wait its 30 s, then reset it.
    const running = runCampaign(t, { id: 'CP-WRAP-CANCEL', protocol: 'ocpp1.6-json', faults: ['remote-stop-ignored'], cases: ['remote.start'], timing: { caseTimeoutS: 30 } });
    const stopSent = async () => ((await t.api('/api/v1/charge-points/CP-WRAP-CANCEL/frames?limit=40')).body.items ?? []).some((f: { frame: string }) => f.frame.includes('"RemoteStopTransaction"'));
    for (let i = 0; i < 300 && !(await stopSent()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(await stopSent(), 'the wrap-up sent its remote stop');
    const [campaign] = (await t.api('/api/v1/validations?chargePointId=CP-WRAP-CANCEL')).body.items;
    const cancelled = await t.api(`/api/v1/validations/${campaign.id}/cancel`, { body: {} });
    const { chargePoint } = await running;
    await chargePoint.stop();
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    // The cancel came after the last case: what it cut short is the wrap-up, not the cases.
    assert.equal(cancelled.body.status, 'finished', summary(cancelled.body));
    assert.equal(cancelled.body.verdict, 'pass');
    const [session] = (await t.api('/api/v1/transactions?chargePointId=CP-WRAP-CANCEL&active=true')).body.items;
    assert.ok(session, 'the session runs on');
    assert.deepEqual(cancelled.body.leftRunning, [
      { transactionId: session.id, connectorId: 1, reason: 'the campaign was cancelled during its wrap-up: RemoteStopTransaction was accepted, but no StopTransaction came before it ended' },
    ]);
  } finally {
    await t.close();
  }
});

test('a first cancel answers at once; a second one ends the wrap-up the first one began, the session still running named', async () => {
  const t = await startTestTomada();
  // No MeterValues: the first cancel comes during meter.values. The remote stop is ignored: its wrap-up would wait 30 s.
  const cp = new SimulatedChargePoint({ id: 'CP-CC', baseUrl: t.wsUrl, connectors: 1, reconnectDelayMs: 200, minIntervalMs: 200, faults: ['no-meter-values', 'remote-stop-ignored'] });
  try {
    await t.api('/api/v1/charge-points/CP-CC', { method: 'PUT', body: { registrationStatus: 'Accepted' } });
    await t.api('/api/v1/id-tags/TAG-CC', { method: 'PUT', body: { status: 'Accepted' } });
    cp.start();
    await cp.ready();
    const started = await t.api('/api/v1/validations', { body: { chargePointId: 'CP-CC', connectorId: 1, idTag: 'TAG-CC', cases: ['remote.start', 'meter.values'], timing: { caseTimeoutS: 30 } } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const caseOf = async (id: string) => (await t.api(`/api/v1/validations/${started.body.id}`)).body.cases.find((c: any) => c.id === id).status;
    for (let i = 0; i < 100 && (await caseOf('meter.values')) !== 'running'; i++) await new Promise((r) => setTimeout(r, 50));
    const first = t.api(`/api/v1/validations/${started.body.id}/cancel`, { body: {} });
    const stopSent = async () => ((await t.api('/api/v1/charge-points/CP-CC/frames?limit=40')).body.items ?? []).some((f: { frame: string }) => f.frame.includes('"RemoteStopTransaction"'));
    for (let i = 0; i < 300 && !(await stopSent()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(await stopSent(), 'the wrap-up sent its remote stop');
    // The first was answered at once, while the cases stopped: the wrap-up was still to come.
    const firstAnswer = await first;
    assert.equal(firstAnswer.status, 202, JSON.stringify(firstAnswer.body));
    assert.deepEqual([firstAnswer.body.status, firstAnswer.body.cancelling?.reason], ['running', 'the campaign was cancelled']);
    const second = await t.api(`/api/v1/validations/${started.body.id}/cancel`, { body: { reason: 'the campaign was cancelled again' } });
    for (const answer of [second, { status: 200, body: await finished(t, started.body.id) }]) {
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      // The first cancel cut the cases: cancelled, whatever the second one cut.
      assert.deepEqual([answer.body.status, answer.body.verdict], ['cancelled', 'incomplete']);
      assert.equal(answer.body.leftRunning?.length, 1, JSON.stringify(answer.body.leftRunning));
      assert.equal(answer.body.leftRunning[0].reason, 'the campaign was cancelled again during its wrap-up: RemoteStopTransaction was accepted, but no StopTransaction came before it ended');
    }
  } finally {
    await cp.stop();
    await t.close();
  }
});
