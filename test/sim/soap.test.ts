// The simulated charge point speaking OCPP 1.5 over SOAP to a fake SOAP central system (node:http,
// the project's codec): requests as POSTs with WS-Addressing, commands as POSTs to the simulator's
// own endpoint, faults both ways, and the offline backlog while the central system is down.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { CallTimeoutError, PeerClosedError } from '../../src/ocpp/rpc-peer.js';
import { decodeEnvelope, encodeEnvelope, newMessageId, OCPP15_CP_NS, OCPP15_CS_NS, readFault, WSA_FAULT_ACTION, type SoapFault } from '../../src/ocpp/soap/index.js';
import type { SimLogEntry } from '../../src/sim/charge-point.js';
import type { LinkHandlers } from '../../src/sim/link.js';
import { soapTransport, SoapFaultResponse } from '../../src/sim/soap-link.js';
import { sleep, waitFor } from './fake-central-system.js';
import { FakeSoapCentralSystem, faultName } from './fake-soap-central-system.js';
import { energySample, meterValueList, simulator, soapCentralSystem, timestampOf, transactionMessages, valueInWh } from './harness.js';

// 3 600 000 W for 50 ms is exactly 50 Wh a tick, so a missing MeterValues shows as a gap.
const meter = { mode: 'register' as const, unit: 'Wh' as const, powerW: 3_600_000, sampleIntervalMs: 50 };

test('SOAP: boots with a POST carrying chargeBoxIdentity and WS-Addressing, From = its own endpoint', async (t) => {
  const fake = await soapCentralSystem(t, { interval: 1 });
  const cp = simulator(t, fake, { connectors: 2, password: 'secret', minIntervalMs: 50 });
  await cp.ready();
  await waitFor('the connectors reported', () => fake.callsOf('StatusNotification').length === 3);

  const [boot] = fake.requests;
  assert.equal(boot?.operation, 'BootNotification');
  assert.equal(boot.contentType, 'application/soap+xml; charset=utf-8');
  assert.equal(boot.authorization, `Basic ${Buffer.from('CP-1:secret').toString('base64')}`);
  assert.equal(boot.headers.chargeBoxIdentity, 'CP-1');
  assert.equal(boot.headers.action, '/BootNotification');
  assert.match(boot.headers.messageId ?? '', /^urn:uuid:[0-9a-f-]{36}$/);
  assert.equal(boot.headers.to, fake.baseUrl);
  assert.match(boot.headers.from ?? '', /^http:\/\/127\.0\.0\.1:\d+\/CP-1$/);
  assert.equal(boot.headers.replyTo, 'http://www.w3.org/2005/08/addressing/anonymous');
  assert.notEqual(new URL(boot.headers.from ?? '').port, String(fake.port));
  assert.deepEqual(fake.callsOf('BootNotification')[0]?.payload, {
    chargePointVendor: 'Tomada',
    chargePointModel: 'Simulator',
    chargePointSerialNumber: 'CP-1',
    firmwareVersion: '1.0.0',
  });
  assert.deepEqual(
    fake.callsOf('StatusNotification').map((c) => [c.payload['connectorId'], c.payload['status']]),
    [
      [0, 'Available'],
      [1, 'Available'],
      [2, 'Available'],
    ],
  );
  // heartbeatInterval 1 s, read from the SOAP answer.
  await waitFor('a heartbeat', () => fake.callsOf('Heartbeat').length === 1, 2_000);
  assert.ok(fake.requests.every((r) => r.headers.from === boot.headers.from), 'the same From on every request');
  assert.deepEqual(fake.headerViolations, []);
  assert.deepEqual(fake.schemaViolations, []);
});

test('SOAP: one session end to end, its energy what the simulator measured', async (t) => {
  const fake = await soapCentralSystem(t);
  const cp = simulator(t, fake, { meter: { mode: 'register', unit: 'kWh', powerW: 1_234_567, sampleIntervalMs: 50, initialRegisterWh: 1_234_567 } });
  await cp.ready();
  await waitFor('boot status', () => fake.callsOf('StatusNotification').length === 3);
  const bootCalls = fake.calls.length;
  await cp.startSession(1, 'TAG-1');
  await waitFor('four MeterValues', () => fake.callsOf('MeterValues').length >= 4);
  await cp.stopSession(1, 'EVDisconnected');
  await cp.drain();
  await waitFor('Available', () => fake.callsOf('StatusNotification').length === 5);

  const [session] = cp.sessions();
  assert.ok(session?.meterStopWh !== undefined);
  assert.equal(session.transactionId, 100);
  const steps = fake.calls.slice(bootCalls).map((c) => (c.action === 'StatusNotification' ? String(c.payload['status']) : c.action));
  assert.deepEqual(
    steps.filter((s, i) => !(s === 'MeterValues' && steps[i - 1] === 'MeterValues')),
    ['Authorize', 'Occupied', 'StartTransaction', 'MeterValues', 'StopTransaction', 'Available'],
  );
  assert.equal(fake.callsOf('StartTransaction')[0]?.payload['meterStart'], 1_234_567);
  for (const call of fake.callsOf('MeterValues')) {
    assert.equal(call.payload['transactionId'], 100);
    assert.equal(meterValueList(call.payload).length, 1);
    assert.equal(energySample(call.payload)['unit'], 'kWh');
  }
  const stop = fake.callsOf('StopTransaction')[0]?.payload ?? {};
  assert.equal(stop['meterStop'], session.meterStopWh);
  assert.equal('reason' in stop, false);
  assert.equal(valueInWh(energySample(stop)), session.meterStopWh);
  assert.equal(valueInWh(energySample(fake.callsOf('MeterValues').at(-1)?.payload ?? {})), session.meterStopWh);
  assert.equal(session.deliveredWh, session.meterStopWh - 1_234_567);
  assert.ok((session.deliveredWh ?? 0) > 0);
  assert.deepEqual(fake.headerViolations, []);
  assert.deepEqual(fake.schemaViolations, []);
});

test('SOAP: commands POSTed to the From address are handled and answered with RelatesTo', async (t) => {
  const fake = await soapCentralSystem(t);
  const cp = simulator(t, fake, { connectors: 2 });
  await cp.ready();

  assert.deepEqual(await fake.call('CP-1', 'RemoteStartTransaction', { idTag: 'REMOTE-A', connectorId: 2 }), { status: 'Accepted' });
  assert.deepEqual(await fake.call('CP-1', 'RemoteStartTransaction', { idTag: 'REMOTE-B', connectorId: 2 }), { status: 'Rejected' });
  await waitFor('the remote session started', () => cp.sessions()[0]?.transactionId === 100);
  assert.equal(fake.callsOf('StartTransaction')[0]?.payload['idTag'], 'REMOTE-A');
  assert.deepEqual(await fake.call('CP-1', 'RemoteStopTransaction', { transactionId: 7 }), { status: 'Rejected' });
  assert.deepEqual(await fake.call('CP-1', 'RemoteStopTransaction', { transactionId: 100 }), { status: 'Accepted' });
  await waitFor('StopTransaction', () => fake.callsOf('StopTransaction').length === 1);
  assert.equal(cp.sessions()[0]?.stopReason, 'Remote');

  await cp.startSession(1, 'TAG-U');
  await cp.drain();
  assert.deepEqual(await fake.call('CP-1', 'UnlockConnector', { connectorId: 9 }), { status: 'Rejected' });
  assert.deepEqual(await fake.call('CP-1', 'UnlockConnector', { connectorId: 1 }), { status: 'Accepted' });
  await waitFor('the unlock stopped the session', () => fake.callsOf('StopTransaction').length === 2);
  assert.equal(cp.sessions()[1]?.stopReason, 'UnlockCommand');

  await cp.startSession(2, 'TAG-R');
  await cp.drain();
  const endpoint = fake.endpoints.get('CP-1');
  assert.deepEqual(await fake.call('CP-1', 'Reset', { type: 'Hard' }), { status: 'Accepted' });
  await waitFor('a second boot', () => fake.callsOf('BootNotification').length === 2);
  await cp.ready();
  assert.equal(fake.callsOf('StopTransaction')[2]?.connection, 1, 'the StopTransaction went out before the reboot');
  assert.equal(cp.sessions()[2]?.stopReason, 'HardReset');
  assert.equal(fake.endpoints.get('CP-1'), endpoint, 'the command endpoint keeps its address across the reboot');
  assert.deepEqual(await fake.call('CP-1', 'RemoteStopTransaction', { transactionId: 7 }), { status: 'Rejected' });
  assert.deepEqual(fake.headerViolations, []);
  assert.deepEqual(fake.schemaViolations, []);
});

test('SOAP: an unknown or unimplemented operation, a bad payload, a wrong identity each get a SOAP fault', async (t) => {
  const fake = await soapCentralSystem(t);
  const cp = simulator(t, fake);
  await cp.ready();

  const fault = async (xml: string, expected: string, status: number): Promise<SoapFault> => {
    const answer = await fake.post('CP-1', xml);
    assert.equal(answer.status, status, expected);
    assert.equal(answer.contentType, 'application/soap+xml; charset=utf-8');
    const found = readFault(answer.decoded.body);
    assert.equal(faultName(found), expected);
    return found as SoapFault;
  };

  // A ChargePointService operation the simulator does not implement: the fault answers the request.
  const messageId = newMessageId();
  const answer = await fake.post('CP-1', fake.commandEnvelope('CP-1', 'GetConfiguration', {}, messageId));
  assert.equal(answer.status, 400);
  assert.equal(faultName(readFault(answer.decoded.body)), 'Sender/NotImplemented');
  assert.equal(answer.decoded.headers.relatesTo, messageId);
  assert.equal(answer.decoded.headers.action, WSA_FAULT_ACTION);

  await fault(fake.commandEnvelope('CP-1', 'ChangeAvailability', { connectorId: 0, type: 'Inoperative' }), 'Sender/NotImplemented', 400);
  // No such operation at all.
  await fault(fake.commandEnvelope('CP-1', 'Teleport', {}, newMessageId(), '<ocpp:teleportRequest/>'), 'Sender/NotImplemented', 400);
  // A CentralSystemService message sent to the charge point.
  const misdirected = encodeEnvelope({
    namespace: OCPP15_CS_NS,
    headers: { direction: 'request', chargeBoxIdentity: 'CP-1', action: '/Heartbeat', to: 'http://x/' },
    bodyXml: '<ocpp:heartbeatRequest/>',
  });
  await fault(misdirected, 'Sender/NotImplemented', 400);
  await fault(fake.commandEnvelope('CP-1', 'Reset', { type: 'Warm' }), 'Sender/PropertyConstraintViolation', 400);
  await fault(fake.commandEnvelope('CP-1', 'UnlockConnector', {}, newMessageId(), '<ocpp:unlockConnectorRequest><ocpp:connectorId>one</ocpp:connectorId></ocpp:unlockConnectorRequest>'), 'Sender/TypeConstraintViolation', 400);
  const wrongIdentity = encodeEnvelope({
    namespace: OCPP15_CP_NS,
    headers: { direction: 'request', chargeBoxIdentity: 'CP-2', action: '/Reset', to: fake.endpoints.get('CP-1') ?? '' },
    bodyXml: '<ocpp:resetRequest><ocpp:type>Soft</ocpp:type></ocpp:resetRequest>',
  });
  assert.match((await fault(wrongIdentity, 'Sender/DestinationUnreachable', 400)).reason, /this is charge point CP-1, not CP-2/);
  const wrongAction = encodeEnvelope({
    namespace: OCPP15_CP_NS,
    headers: { direction: 'request', chargeBoxIdentity: 'CP-1', action: '/UnlockConnector', to: fake.endpoints.get('CP-1') ?? '' },
    bodyXml: '<ocpp:resetRequest><ocpp:type>Soft</ocpp:type></ocpp:resetRequest>',
  });
  await fault(wrongAction, 'Sender/ActionNotSupported', 400);
  await fault('<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>', 'Sender/NotWellFormed', 400);
  const get = await fetch(fake.endpoints.get('CP-1') ?? '');
  assert.equal(get.status, 405);
  await get.text();

  // None of it did anything, and the endpoint still serves.
  assert.deepEqual(cp.sessions(), []);
  assert.equal(fake.callsOf('BootNotification').length, 1);
  assert.deepEqual(await fake.call('CP-1', 'UnlockConnector', { connectorId: 1 }), { status: 'Accepted' });
  assert.deepEqual(fake.headerViolations, []);
});

test('SOAP: a fault answered by the central system fails the call with a clear error; the message is resent, then given up', async (t) => {
  const fake = await soapCentralSystem(t, { refuse: (action, payload) => action === 'StartTransaction' && payload['idTag'] === 'REFUSED' });
  const logs: SimLogEntry[] = [];
  const cp = simulator(t, fake, { transactionMessageAttempts: 3, reconnectDelayMs: 20, logger: (e) => logs.push(e) });
  await cp.ready();
  await cp.startSession(1, 'REFUSED');
  await waitFor('three attempts', () => fake.callsOf('StartTransaction').length === 3);
  await cp.startSession(2, 'FINE');
  await cp.stopSession(1);
  await cp.stopSession(2);
  await cp.drain();
  assert.deepEqual(cp.sessions().map((s) => s.transactionId), [undefined, 100]);
  assert.ok(
    logs.some((e) => /StartTransaction given up after 3 refusals: StartTransaction answered with a SOAP fault \(Receiver\/InternalError\): StartTransaction refused by the fake/.test(e.message)),
    logs.map((e) => e.message).join('\n'),
  );
  assert.deepEqual(fake.callsOf('StopTransaction').map((c) => c.payload['transactionId']), [100]);
});

/** Checks one complete session: Start, every MeterValues without a gap, Stop, in timestamp order. */
function assertCompleteSession(fakes: FakeSoapCentralSystem[], meterStartWh: number, meterStopWh: number): void {
  const messages = transactionMessages(fakes.flatMap((f) => f.calls));
  assert.equal(messages[0]?.action, 'StartTransaction');
  assert.equal(messages.at(-1)?.action, 'StopTransaction');
  const stamps = messages.map(timestampOf);
  assert.deepEqual(stamps, [...stamps].sort(), 'arrived in timestamp order');
  const registers = messages.filter((m) => m.action === 'MeterValues').map((m) => valueInWh(energySample(m.payload)));
  const expected = Array.from({ length: (meterStopWh - meterStartWh) / 50 }, (_, i) => meterStartWh + (i + 1) * 50);
  assert.deepEqual(registers, expected, 'every sample arrived, none twice');
  assert.equal(messages.at(-1)?.payload['meterStop'], meterStopWh);
  for (const fake of fakes) {
    assert.deepEqual(fake.headerViolations, []);
    assert.deepEqual(fake.schemaViolations, []);
  }
}

test('SOAP: the backlog waits while the central system is down (POSTs fail) and goes to it in order when it is back', async (t) => {
  const first = await FakeSoapCentralSystem.start();
  t.after(() => first.close());
  const port = first.port;
  const logs: string[] = [];
  const cp = simulator(t, first, { meter, reconnectDelayMs: 50, logger: (e) => logs.push(e.message) });
  await cp.ready();
  await cp.startSession(1, 'TAG-1');
  await waitFor('a MeterValues', () => first.callsOf('MeterValues').length >= 1);
  await first.close();
  await sleep(300); // about six samples queued, boots refused meanwhile
  assert.ok(logs.some((m) => /central system unreachable at http:\/\/127\.0\.0\.1:\d+\/ocpp\/soap \(ECONNREFUSED\)/.test(m)), logs.join('\n'));

  const second = await FakeSoapCentralSystem.start({ port });
  t.after(() => second.close());
  await waitFor('the boot at the central system that is back', () => second.callsOf('BootNotification').length === 1, 3_000);
  await cp.stopSession(1);
  await cp.drain();
  const [session] = cp.sessions();
  assert.ok(session?.meterStopWh !== undefined && session.transactionId === 100);
  assertCompleteSession([first, second], session.meterStartWh, session.meterStopWh);
  assert.ok(second.callsOf('MeterValues').length >= 5, 'the samples taken while it was down');
  assert.equal(second.calls[0]?.action, 'BootNotification', 'the boot went first');
});

test('SOAP: dropConnection is a lost network: the charge point boots again and sends its backlog', async (t) => {
  const fake = await soapCentralSystem(t);
  const cp = simulator(t, fake, { meter, reconnectDelayMs: 200 });
  await cp.ready();
  await cp.startSession(1, 'TAG-1');
  await waitFor('two MeterValues', () => fake.callsOf('MeterValues').length >= 2);
  cp.dropConnection();
  assert.equal(cp.accepted, false);
  await sleep(30); // a POST on its way when the link dropped may still land
  const dropped = fake.callsOf('MeterValues').length;
  await sleep(120);
  assert.equal(fake.callsOf('MeterValues').length, dropped, 'nothing sent while offline');
  await waitFor('the new boot', () => fake.callsOf('BootNotification').length === 2);
  await cp.stopSession(1);
  await cp.drain();
  const [session] = cp.sessions();
  assert.ok(session?.meterStopWh !== undefined);
  assertCompleteSession([fake], session.meterStartWh, session.meterStopWh);
});

test('SOAP: stop() closes the command endpoint', async (t) => {
  const fake = await soapCentralSystem(t);
  const cp = simulator(t, fake);
  await cp.ready();
  const endpoint = fake.endpoints.get('CP-1') ?? '';
  await cp.stop();
  await assert.rejects(fetch(endpoint, { method: 'POST', body: '' }), /fetch failed/);
});

// ---- the link alone ------------------------------------------------------------------------------

function handlers(events: string[]): LinkHandlers {
  return {
    handleCall: () => Promise.resolve({}),
    opened: () => events.push('opened'),
    closed: (reason) => events.push(`closed: ${reason}`),
    log: () => undefined,
  };
}

test('SOAP link: one POST at a time, in order, and a call unanswered in time fails with CallTimeoutError', async (t) => {
  let active = 0;
  let maxActive = 0;
  const seen: string[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    void (async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      let text = '';
      for await (const chunk of request) text += String(chunk);
      const decoded = decodeEnvelope(text);
      const n = seen.push(decoded.headers.messageId ?? '');
      await sleep(n === 1 ? 300 : 20); // the first is answered too late
      active -= 1;
      response.writeHead(200, { 'content-type': 'application/soap+xml; charset=utf-8' });
      response.end(
        encodeEnvelope({
          namespace: OCPP15_CS_NS,
          headers: { direction: 'response', action: '/HeartbeatResponse', relatesTo: decoded.headers.messageId ?? '' },
          bodyXml: `<ocpp:heartbeatResponse><ocpp:currentTime>2024-05-01T10:00:0${n}Z</ocpp:currentTime></ocpp:heartbeatResponse>`,
        }),
      );
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  const transport = soapTransport({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ocpp/soap`,
    chargeBoxIdentity: 'CP-L',
    basicAuth: undefined,
    callTimeoutMs: 150,
    listenHost: '127.0.0.1',
    listenPort: 0,
  });
  t.after(() => transport.shutdown());
  const events: string[] = [];
  const link = transport.open(handlers(events));
  await waitFor('opened', () => events.includes('opened'));
  assert.match(transport.endpoint ?? '', /^http:\/\/127\.0\.0\.1:\d+\/CP-L$/);

  const answers = [link.call('Heartbeat', {}), link.call('Heartbeat', {}), link.call('Heartbeat', {})];
  await assert.rejects(answers[0] as Promise<unknown>, (e: unknown) => e instanceof CallTimeoutError);
  assert.deepEqual(await answers[1], { currentTime: '2024-05-01T10:00:02Z' });
  assert.deepEqual(await answers[2], { currentTime: '2024-05-01T10:00:03Z' });
  assert.equal(maxActive <= 2, true, 'the timed-out POST may still be open on the server, no more');
  assert.equal(new Set(seen).size, 3, 'a fresh MessageID each');
  assert.deepEqual(events, ['opened'], 'a timeout does not end the link');

  link.terminate();
  assert.deepEqual(events, ['opened', 'closed: connection dropped']);
  await assert.rejects(link.call('Heartbeat', {}), (e: unknown) => e instanceof PeerClosedError);
});

test('SOAP link: a fault from the central system is a SoapFaultResponse naming code, subcode and reason', async (t) => {
  const fake = await soapCentralSystem(t, { refuse: (action) => action === 'Heartbeat' });
  const transport = soapTransport({ url: fake.baseUrl, chargeBoxIdentity: 'CP-F', basicAuth: undefined, callTimeoutMs: 1_000, listenHost: '127.0.0.1', listenPort: 0 });
  t.after(() => transport.shutdown());
  const events: string[] = [];
  const link = transport.open(handlers(events));
  await waitFor('opened', () => events.includes('opened'));
  await assert.rejects(link.call('Heartbeat', {}), (e: unknown) => {
    assert.ok(e instanceof SoapFaultResponse);
    assert.equal(e.code, 'Receiver/InternalError');
    assert.equal(e.message, 'Heartbeat answered with a SOAP fault (Receiver/InternalError): Heartbeat refused by the fake');
    return true;
  });
  // A payload the central system's schema refuses is a Sender fault with the violation's code.
  await assert.rejects(link.call('StartTransaction', { connectorId: 1, idTag: 'X'.repeat(21), timestamp: new Date().toISOString(), meterStart: 0 }), /SOAP fault \(Sender\/PropertyConstraintViolation\)/);
  assert.deepEqual(events, ['opened'], 'a fault does not end the link');
});

test('SOAP link: a listen port in use ends the link with the reason', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const port = (blocker.address() as AddressInfo).port;
  const transport = soapTransport({ url: 'http://127.0.0.1:1/ocpp/soap', chargeBoxIdentity: 'CP-P', basicAuth: undefined, callTimeoutMs: 100, listenHost: '127.0.0.1', listenPort: port });
  t.after(() => transport.shutdown());
  const events: string[] = [];
  transport.open(handlers(events));
  await waitFor('closed', () => events.length > 0);
  assert.match(events[0] ?? '', new RegExp(`^closed: cannot listen for commands on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
});
