// Tomada's SOAP client against an independent SOAP server: the `soap` npm package serves the
// official ChargePointService WSDL on 127.0.0.1, a `soap` client boots a charge point whose
// WS-Addressing From is that server, and the operator's four commands go through Tomada's REST
// API to it. Also every way a command can fail: endpoint unreachable (502), no answer (504), a
// SOAP fault (502), no endpoint known (409), and an endpoint the operator sets with PUT.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import * as soap from 'soap';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import { centralSystemClient, closeServer, CP_NS, CP_WSDL, CS_WSDL, listen, readXml, child, SOAP12_NS, WSA_NS, wsdlSkip } from './helpers.js';
import { eventually, sleep } from '../transport/helpers.js';

const skip = wsdlSkip(CS_WSDL, CP_WSDL);

interface Received {
  operation: string;
  args: any;
  headers: any;
  /** Namespace of the chargeBoxIdentity header block and its text, read from the raw request. */
  identity: { namespace: string; text: string } | undefined;
  /** WS-Addressing headers of the raw request. */
  wsa: Record<string, string>;
}

type Behaviour = 'answer' | 'fault' | 'hang';

/** A charge point: the official ChargePointService WSDL served by the soap package. */
class FakeChargePoint {
  readonly received: Received[] = [];
  /** What the next commands are answered with, by operation. */
  answers: Record<string, string> = { RemoteStartTransaction: 'Accepted', RemoteStopTransaction: 'Accepted', Reset: 'Accepted', UnlockConnector: 'Accepted' };
  behaviour: Behaviour = 'answer';
  private readonly server: Server;
  private readonly rawRequests: string[] = [];
  port = 0;

  constructor(private readonly path = '/ocpp/cp') {
    this.server = createServer((_req, res) => {
      res.writeHead(404).end();
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}${this.path}`;
  }

  async start(): Promise<this> {
    this.port = await listen(this.server);
    const handler = (operation: string) => (args: any, _callback: unknown, headers: any) => {
      const raw = this.rawRequests.shift() ?? '';
      const root = readXml(raw);
      const header = child(root, SOAP12_NS, 'Header');
      const identity = header?.children.find((h) => h.name === 'chargeBoxIdentity');
      const wsa: Record<string, string> = {};
      for (const h of header?.children ?? []) if (h.namespace === WSA_NS) wsa[h.name] = child(h, WSA_NS, 'Address')?.text ?? h.text;
      this.received.push({ operation, args, headers, identity: identity && { namespace: identity.namespace, text: identity.text }, wsa });
      if (this.behaviour === 'hang') return new Promise(() => undefined);
      if (this.behaviour === 'fault') {
        throw {
          Fault: {
            Code: { Value: 'soap:Receiver', Subcode: { value: 'tns:InternalError' } },
            Reason: { Text: 'the connector relay is stuck' },
            statusCode: 500,
          },
        };
      }
      return { status: this.answers[operation] };
    };
    const services = {
      ChargePointService: {
        ChargePointServiceSoap12: {
          RemoteStartTransaction: handler('RemoteStartTransaction'),
          RemoteStopTransaction: handler('RemoteStopTransaction'),
          Reset: handler('Reset'),
          UnlockConnector: handler('UnlockConnector'),
        },
      },
    };
    const listener = soap.listen(this.server, { path: this.path, services, xml: readFileSync(CP_WSDL, 'utf8'), forceSoap12Headers: true });
    listener.log = (type: string, data: unknown) => {
      if (type === 'received') this.rawRequests.push(String(data));
    };
    return this;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}

describe('commands from Tomada to a charge point served by the soap package (official ChargePointService WSDL)', { skip }, () => {
  let t: TestTomada;
  let cp: FakeChargePoint;
  const CP = 'CP-SOAP-CMD';

  const command = (id: string, path: string, body: unknown) => t.api(`/api/v1/charge-points/${id}/commands/${path}`, { method: 'POST', body });

  before(async () => {
    t = await startTestTomada({ unknownChargePoints: 'accept' });
    cp = await new FakeChargePoint().start();
    const cs = await centralSystemClient(t, CP, cp.url);
    const boot = await cs.call('BootNotification', { chargePointVendor: 'Magnum Cap', chargePointModel: 'MC-22' });
    assert.equal(boot.result.status, 'Accepted');
    const { body } = await t.api(`/api/v1/charge-points/${CP}`);
    assert.equal(body.soapEndpoint, cp.url);
    assert.equal(body.transport, 'soap');
  });

  after(async () => {
    await cp?.close();
    await t?.close();
  });

  const cases = [
    { path: 'remote-start', body: { idTag: 'TAG-1', connectorId: 2 }, operation: 'RemoteStartTransaction', args: { idTag: 'TAG-1', connectorId: 2 }, answers: ['Accepted', 'Rejected'] },
    { path: 'remote-start', body: { idTag: 'TAG-2' }, operation: 'RemoteStartTransaction', args: { idTag: 'TAG-2' }, answers: ['Accepted'] },
    { path: 'remote-stop', body: { transactionId: 4711 }, operation: 'RemoteStopTransaction', args: { transactionId: 4711 }, answers: ['Accepted', 'Rejected'] },
    { path: 'reset', body: { type: 'Soft' }, operation: 'Reset', args: { type: 'Soft' }, answers: ['Accepted', 'Rejected'] },
    { path: 'reset', body: { type: 'Hard' }, operation: 'Reset', args: { type: 'Hard' }, answers: ['Accepted'] },
    { path: 'unlock', body: { connectorId: 1 }, operation: 'UnlockConnector', args: { connectorId: 1 }, answers: ['Accepted', 'Rejected'] },
  ];
  for (const c of cases) {
    test(`${c.path} ${JSON.stringify(c.body)} reaches the soap server as ${c.operation} ${JSON.stringify(c.args)}, its answer passed back`, async () => {
      for (const answer of c.answers) {
        cp.answers[c.operation] = answer;
        const since = cp.received.length;
        const result = await command(CP, c.path, c.body);
        assert.deepEqual(result, { status: 200, body: { status: answer } });
        const got = cp.received.slice(since);
        assert.equal(got.length, 1, 'exactly one request');
        const [r] = got as [Received];
        assert.equal(r.operation, c.operation);
        assert.deepEqual({ ...r.args }, c.args, 'the fields as the soap package decoded them from the WSDL types');
        assert.equal(r.headers?.chargeBoxIdentity, CP, 'the chargeBoxIdentity header, as the soap package read it');
        assert.deepEqual(r.identity, { namespace: CP_NS, text: CP }, 'chargeBoxIdentity in the ChargePointService namespace');
        assert.equal(r.wsa.Action, `/${c.operation}`);
        assert.equal(r.wsa.To, cp.url);
        assert.match(r.wsa.MessageID ?? '', /^urn:uuid:[0-9a-f-]{36}$/);
      }
    });
  }

  test('each command has a MessageID of its own', () => {
    const ids = cp.received.map((r) => r.wsa.MessageID);
    assert.ok(ids.length >= 10, `${ids.length} commands seen`);
    assert.equal(new Set(ids).size, ids.length);
  });

  test('a SOAP fault from the charge point: 502 naming the fault', async () => {
    cp.behaviour = 'fault';
    try {
      const result = await command(CP, 'reset', { type: 'Soft' });
      assert.equal(result.status, 502, JSON.stringify(result.body));
      assert.equal(result.body.error, 'CommandFailed');
      assert.match(result.body.message, /SOAP fault/);
      assert.match(result.body.message, /Receiver/);
      assert.match(result.body.message, /the connector relay is stuck/);
    } finally {
      cp.behaviour = 'answer';
    }
    assert.equal((await command(CP, 'reset', { type: 'Soft' })).status, 200, 'the next command works');
  });

  test('an answer the WSDL does not allow: 502', async () => {
    cp.answers.Reset = 'Maybe';
    try {
      const result = await command(CP, 'reset', { type: 'Hard' });
      assert.equal(result.status, 502, JSON.stringify(result.body));
      assert.match(result.body.message, /invalid/i);
    } finally {
      cp.answers.Reset = 'Accepted';
    }
  });

  test('an answer giving its status twice: 502 naming the element, lenient or not', async () => {
    const id = 'CP-SOAP-TWICE';
    const twice = createServer((request, response) => {
      request.resume();
      request.on('end', () =>
        response
          .writeHead(200, { 'content-type': 'application/soap+xml' })
          .end(`<s:Envelope xmlns:s="${SOAP12_NS}"><s:Body><resetResponse xmlns="${CP_NS}"><status>Accepted</status><status>Rejected</status></resetResponse></s:Body></s:Envelope>`),
      );
    });
    const port = await listen(twice);
    try {
      await (await centralSystemClient(t, id, `http://127.0.0.1:${port}/cp`)).call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      for (const lenient of [false, true]) {
        assert.equal((await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { lenient } })).status, 200);
        const result = await command(id, 'reset', { type: 'Soft' });
        assert.equal(result.status, 502, `lenient ${lenient}: ${JSON.stringify(result.body)}`);
        assert.equal(result.body.error, 'CommandFailed');
        assert.equal(result.body.message, 'Reset answer is invalid: /status is given 2 times: the element status may occur once');
      }
    } finally {
      await closeServer(twice);
    }
  });

  test('a charge point that never gave a From and has no soapEndpoint: 409; PUT soapEndpoint, and commands go there', async () => {
    const id = 'CP-SOAP-NO-FROM';
    const cs = await centralSystemClient(t, id);
    assert.equal((await cs.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' })).result.status, 'Accepted');
    let { body } = await t.api(`/api/v1/charge-points/${id}`);
    assert.equal(body.transport, 'soap');
    assert.equal(body.soapEndpoint, null);

    const refused = await command(id, 'reset', { type: 'Soft' });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error, 'NotConnected');
    assert.match(refused.body.message, /has no SOAP endpoint to send commands to: it has named none in a WS-Addressing From; an administrator may set its soapEndpoint$/);

    const other = await new FakeChargePoint('/configured').start();
    try {
      const put = await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { soapEndpoint: other.url } });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      ({ body } = await t.api(`/api/v1/charge-points/${id}`));
      assert.equal(body.soapEndpoint, other.url);

      other.answers.UnlockConnector = 'Rejected';
      assert.deepEqual(await command(id, 'unlock', { connectorId: 3 }), { status: 200, body: { status: 'Rejected' } });
      assert.equal(other.received.length, 1);
      assert.equal(other.received[0]?.headers?.chargeBoxIdentity, id);
      assert.deepEqual({ ...other.received[0]?.args }, { connectorId: 3 });

      // The charge point keeps talking without a From: the configured endpoint stays.
      await cs.call('Heartbeat', {});
      ({ body } = await t.api(`/api/v1/charge-points/${id}`));
      assert.equal(body.soapEndpoint, other.url);
      assert.equal((await command(id, 'reset', { type: 'Hard' })).status, 200);
      assert.equal(other.received.length, 2);
    } finally {
      await other.close();
    }
  });

  test('the operator moves the endpoint with PUT: the next command goes to the new one', async () => {
    const id = 'CP-SOAP-MOVED';
    const first = await new FakeChargePoint('/first').start();
    const second = await new FakeChargePoint('/second').start();
    try {
      const put = await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { soapEndpoint: first.url } });
      assert.equal(put.status, 201, JSON.stringify(put.body));
      const cs = await centralSystemClient(t, id);
      await cs.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      assert.equal((await command(id, 'reset', { type: 'Soft' })).status, 200);
      assert.equal(first.received.length, 1);

      assert.equal((await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { soapEndpoint: second.url } })).status, 200);
      assert.equal((await command(id, 'reset', { type: 'Soft' })).status, 200);
      assert.equal(second.received.length, 1, 'the command went to the endpoint the operator set');
      assert.equal(first.received.length, 1, 'not to the old one');
    } finally {
      await first.close();
      await second.close();
    }
  });

  test("an administrator's endpoint is not replaced by the charge point's From (behind NAT, its private address) until an administrator clears it", async () => {
    const id = 'CP-SOAP-BEHIND-NAT';
    const own = await new FakeChargePoint('/own').start();
    const set = await new FakeChargePoint('/set').start();
    try {
      const cs = await centralSystemClient(t, id, own.url);
      await cs.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      assert.equal((await command(id, 'reset', { type: 'Soft' })).status, 200);
      assert.equal(own.received.length, 1);

      assert.equal((await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { soapEndpoint: set.url } })).status, 200);
      assert.equal((await command(id, 'reset', { type: 'Soft' })).status, 200);
      assert.equal(set.received.length, 1, "the administrator's endpoint is used");

      await cs.call('Heartbeat', {});
      const kept = (await t.api(`/api/v1/charge-points/${id}`)).body;
      assert.deepEqual([kept.soapEndpoint, kept.soapEndpointSetByAdministrator], [set.url, true], "the From did not replace the administrator's endpoint");
      assert.equal((await command(id, 'reset', { type: 'Soft' })).status, 200);
      assert.equal(set.received.length, 2, "the command still goes to the administrator's endpoint");
      assert.equal(own.received.length, 1);

      assert.equal((await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { soapEndpoint: null } })).status, 200);
      await cs.call('Heartbeat', {});
      const cleared = (await t.api(`/api/v1/charge-points/${id}`)).body;
      assert.deepEqual([cleared.soapEndpoint, cleared.soapEndpointSetByAdministrator], [own.url, false], 'cleared, the From is taken again');
      assert.equal((await command(id, 'reset', { type: 'Soft' })).status, 200);
      assert.equal(own.received.length, 2, 'the command follows the From');
      assert.equal(set.received.length, 2);

      // Written back as read (a client saving the whole record, a sync from an asset register),
      // the endpoint the charge point named stays its own: its next From is still taken.
      const read = (await t.api(`/api/v1/charge-points/${id}`)).body;
      assert.equal((await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { soapEndpoint: read.soapEndpoint } })).status, 200);
      assert.equal((await t.api(`/api/v1/charge-points/${id}`)).body.soapEndpointSetByAdministrator, false, 'written back unchanged, it is not pinned');
      await (await centralSystemClient(t, id, set.url)).call('Heartbeat', {});
      assert.equal((await t.api(`/api/v1/charge-points/${id}`)).body.soapEndpoint, set.url, 'the next From is taken');
    } finally {
      await own.close();
      await set.close();
    }
  });

  test('the endpoint is unreachable (its server closed): 502 with a clear message', async () => {
    const id = 'CP-SOAP-GONE';
    const gone = await new FakeChargePoint().start();
    const cs = await centralSystemClient(t, id, gone.url);
    await cs.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    await gone.close();
    const result = await command(id, 'remote-start', { idTag: 'TAG-1' });
    assert.equal(result.status, 502, JSON.stringify(result.body));
    assert.equal(result.body.error, 'CommandFailed');
    assert.match(result.body.message, /unreachable/);
    assert.ok(result.body.message.includes(gone.url), `the message names the endpoint: ${result.body.message}`);
    assert.match(result.body.message, /ECONNREFUSED/);
    assert.match(result.body.message, /it was not sent/);
    // Never sent, so never journaled (until 2026-12-07 it was, as sent).
    const frames = (await t.api(`/api/v1/charge-points/${id}/frames`)).body.items as { direction: string; frame: string }[];
    assert.equal(frames.filter((f) => f.direction === 'out' && f.frame.includes('remoteStartTransactionRequest')).length, 0, JSON.stringify(frames.map((f) => f.frame.slice(0, 80))));
  });

  test('an endpoint that reads the command, then drops the connection: 502 "may have been carried out", and the command is journaled', async () => {
    const id = 'CP-SOAP-DROPS';
    let received = '';
    const dropping = createServer((request) => {
      request.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
      request.on('end', () => request.socket.destroy());
    });
    const port = await listen(dropping);
    try {
      await (await centralSystemClient(t, id, `http://127.0.0.1:${port}/cp`)).call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      const result = await command(id, 'reset', { type: 'Hard' });
      assert.equal(result.status, 502, JSON.stringify(result.body));
      assert.match(result.body.message, /was sent to the charge point's endpoint .* and the connection failed before its answer \(.*\): it may have been carried out/);
      assert.match(received, /resetRequest/, 'the endpoint had read the whole command');
      const frames = (await t.api(`/api/v1/charge-points/${id}/frames`)).body.items as { direction: string; frame: string }[];
      assert.equal(frames.filter((f) => f.direction === 'out' && f.frame.includes('resetRequest')).length, 1, 'the command, journaled once');
    } finally {
      await closeServer(dropping);
    }
  });

  test('an id tag XML cannot carry (a control character): 400 naming it, nothing sent, nothing journaled', async () => {
    const since = cp.received.length;
    for (const idTag of ['AB\u0001C', 'AB\uFFFE']) {
      const result = await command(CP, 'remote-start', { idTag });
      assert.equal(result.status, 400, JSON.stringify(result.body));
      assert.equal(result.body.error, 'BadRequest');
      assert.match(result.body.message, /RemoteStartTransaction cannot be sent to charge point "CP-SOAP-CMD" over OCPP 1\.5 SOAP: .*; it was not sent/);
    }
    assert.equal(cp.received.length, since, 'nothing reached the charge point');
    const frames = (await t.api(`/api/v1/charge-points/${CP}/frames?limit=500`)).body.items as { direction: string; frame: string }[];
    assert.ok(!frames.some((f) => f.frame.includes('AB\u0001C') || f.frame.includes('AB&#')), 'nothing journaled with it');
    assert.deepEqual(await command(CP, 'reset', { type: 'Soft' }), { status: 200, body: { status: 'Accepted' } }, 'the next command is sent');
  });

  test('an endpoint that answers with a redirect: 502, and the command does not go where it points', async () => {
    const id = 'CP-SOAP-REDIRECTS';
    const elsewhere = await new FakeChargePoint('/internal').start();
    const redirecting = createServer((_req, res) => res.writeHead(307, { location: elsewhere.url }).end());
    const port = await listen(redirecting);
    try {
      const cs = await centralSystemClient(t, id, `http://127.0.0.1:${port}/cp`);
      await cs.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      const result = await command(id, 'reset', { type: 'Soft' });
      assert.equal(result.status, 502, JSON.stringify(result.body));
      assert.equal(result.body.error, 'CommandFailed');
      assert.match(result.body.message, /HTTP 307, a redirect to .*\/internal, which is not followed/);
      await sleep(200);
      assert.equal(elsewhere.received.length, 0, 'nothing was sent where the redirect pointed');
    } finally {
      await closeServer(redirecting);
      await elsewhere.close();
    }
  });

  test('an endpoint with a wrong path (HTTP 404), or one answering a failure without a fault: 502 naming the HTTP status', async () => {
    const id = 'CP-SOAP-WRONG-PATH';
    const cs = await centralSystemClient(t, id, `http://127.0.0.1:${cp.port}/wrong/path`);
    await cs.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    let result = await command(id, 'reset', { type: 'Soft' });
    assert.equal(result.status, 502, JSON.stringify(result.body));
    assert.match(result.body.message, /answered HTTP 404 Not Found, not a SOAP message/);

    const failing = createServer((request, response) => {
      request.resume();
      request.on('end', () =>
        response
          .writeHead(500, { 'content-type': 'application/soap+xml' })
          .end(`<s:Envelope xmlns:s="${SOAP12_NS}"><s:Body><resetResponse xmlns="${CP_NS}"><status>Accepted</status></resetResponse></s:Body></s:Envelope>`),
      );
    });
    const port = await listen(failing);
    try {
      await (await centralSystemClient(t, id, `http://127.0.0.1:${port}/cp`)).call('Heartbeat', {});
      result = await command(id, 'reset', { type: 'Soft' });
      assert.equal(result.status, 502, JSON.stringify(result.body));
      assert.match(result.body.message, /answered HTTP 500 Internal Server Error with resetResponse, not a SOAP fault/);
    } finally {
      await closeServer(failing);
    }
  });
});

describe('answers in the charset they name', { skip }, () => {
  let t: TestTomada;
  let answer = { body: Buffer.alloc(0), contentType: '' };
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': answer.contentType }).end(answer.body));
  });

  before(async () => {
    t = await startTestTomada({ unknownChargePoints: 'accept' });
    const cs = await centralSystemClient(t, 'CP-SOAP-CHARSET', `http://127.0.0.1:${await listen(server)}/cp`);
    await cs.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  });

  after(async () => {
    await closeServer(server);
    await t?.close();
  });

  const reset = () => t.api('/api/v1/charge-points/CP-SOAP-CHARSET/commands/reset', { method: 'POST', body: { type: 'Soft' } });
  const resetResponse = (declaration: string) =>
    `<?xml version="1.0" encoding="${declaration}"?><s:Envelope xmlns:s="${SOAP12_NS}" xmlns:cp="${CP_NS}"><s:Body><cp:resetResponse><cp:status>Accepted</cp:status></cp:resetResponse></s:Body></s:Envelope>`;

  test('UTF-16 with its byte order mark is read (as UTF-8 it was not); bytes not valid in the charset named are a 502 that says so', async () => {
    answer = { body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(resetResponse('UTF-16'), 'utf16le')]), contentType: 'application/soap+xml' };
    assert.deepEqual(await reset(), { status: 200, body: { status: 'Accepted' } });
    answer = { body: Buffer.from(resetResponse('ISO-8859-1').replace('Accepted', 'Accepted\u00e9'), 'latin1'), contentType: 'application/soap+xml; charset=ISO-8859-1' };
    const latin = await reset();
    assert.equal(latin.status, 502, 'read, and refused for its status word, not its charset');
    assert.doesNotMatch(latin.body.message, /cannot be read/);
    answer = { body: Buffer.concat([Buffer.from(resetResponse('UTF-8')), Buffer.from([0xff])]), contentType: 'application/soap+xml; charset=utf-8' };
    const broken = await reset();
    assert.equal(broken.status, 502);
    assert.match(broken.body.message, /^Reset was answered with text that cannot be read: the body is not valid text in the charset "utf-8" named by the Content-Type/);
  });
});

describe('a charge point endpoint that never answers', { skip }, () => {
  let t: TestTomada;
  let cp: FakeChargePoint;

  before(async () => {
    t = await startTestTomada({ unknownChargePoints: 'accept', callTimeoutMs: 300 });
    cp = await new FakeChargePoint().start();
    const cs = await centralSystemClient(t, 'CP-SOAP-SLOW', cp.url);
    await cs.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  });

  after(async () => {
    await cp?.close();
    await t?.close();
  });

  test('504 after callTimeoutMs, and the next command is sent and answered', async () => {
    cp.behaviour = 'hang';
    const started = performance.now();
    const result = await t.api('/api/v1/charge-points/CP-SOAP-SLOW/commands/reset', { method: 'POST', body: { type: 'Hard' } });
    const ms = performance.now() - started;
    assert.equal(result.status, 504, JSON.stringify(result.body));
    assert.equal(result.body.error, 'Timeout');
    assert.match(result.body.message, /300 ms/);
    assert.ok(ms >= 250 && ms < 3_000, `answered after ${Math.round(ms)} ms`);
    assert.equal(cp.received.length, 1, 'the request reached the charge point');

    cp.behaviour = 'answer';
    assert.deepEqual(await t.api('/api/v1/charge-points/CP-SOAP-SLOW/commands/reset', { method: 'POST', body: { type: 'Soft' } }), { status: 200, body: { status: 'Accepted' } });
  });
});

describe('commands to a charge point this node resolves for each command (endpoint set by the operator)', { skip }, () => {
  let t: TestTomada;
  let cp: FakeChargePoint;
  const id = 'CP-SOAP-BUSY';

  before(async () => {
    t = await startTestTomada({ unknownChargePoints: 'accept', callTimeoutMs: 1_000, maxQueuedCommands: 2 });
    cp = await new FakeChargePoint().start();
    // No From: this node holds no target for it; each command finds the endpoint anew.
    const cs = await centralSystemClient(t, id);
    await cs.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    assert.equal((await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { soapEndpoint: cp.url } })).status, 200);
  });

  after(async () => {
    await cp?.close();
    await t?.close();
  });

  test('they are sent one at a time, and capped', async () => {
    cp.behaviour = 'hang';
    const send = () => t.api(`/api/v1/charge-points/${id}/commands/reset`, { method: 'POST', body: { type: 'Soft' } });
    const answers = Promise.all([send(), send(), send()]);
    await eventually('the first command reaches the charge point', () => cp.received.length > 0);
    await sleep(300);
    assert.equal(cp.received.length, 1, 'one command in flight');
    const statuses = (await answers).map((r) => r.status).sort();
    assert.deepEqual(statuses, [502, 504, 504], 'the third over the cap of 2 fails at once');
  });
});

describe('a From outside TOMADA_SOAP_ENDPOINT_NETWORKS is not taken as the command endpoint', { skip }, () => {
  let t: TestTomada;
  let cp: FakeChargePoint;
  const id = 'CP-SOAP-FENCED';

  before(async () => {
    t = await startTestTomada({ unknownChargePoints: 'accept', soapEndpointNetworks: { allowed: ['127.0.0.1/32', '10.64.0.0/12'], denied: [] } });
    cp = await new FakeChargePoint().start();
  });

  after(async () => {
    await cp?.close();
    await t?.close();
  });

  const endpointNow = async () => (await t.api(`/api/v1/charge-points/${id}`)).body.soapEndpoint;
  const refusals = async () => (await t.store.listEvents({ chargePointId: id, limit: 100 })).filter((e) => e.type === 'soapEndpointRefused').map((e) => e.data.from);

  test('an address outside, or a host name, is refused and recorded once per host; one inside is taken, and commands go there', async () => {
    const metadata = 'http://169.254.169.254/latest/meta-data/';
    const booted = await (await centralSystemClient(t, id, metadata)).call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    assert.equal(booted.result.status, 'Accepted', 'the message itself is handled as any other');
    assert.equal(await endpointNow(), null);
    const refused = await t.api(`/api/v1/charge-points/${id}/commands/reset`, { method: 'POST', body: { type: 'Soft' } });
    assert.equal(refused.status, 409, 'no endpoint, so nothing is sent to the address refused');

    // A host name, even one that resolves inside the networks: what it resolves to when a command goes is not what was checked.
    const named = await centralSystemClient(t, id, `http://localhost:${cp.port}/ocpp/cp`);
    await named.call('Heartbeat', {});
    await named.call('Heartbeat', {});
    assert.equal(await endpointNow(), null);
    assert.deepEqual((await refusals()).sort(), [metadata, `http://localhost:${cp.port}/ocpp/cp`].sort(), 'each address refused once, sent twice');

    await (await centralSystemClient(t, id, cp.url)).call('Heartbeat', {});
    assert.equal(await endpointNow(), cp.url);
    assert.deepEqual(await t.api(`/api/v1/charge-points/${id}/commands/reset`, { method: 'POST', body: { type: 'Soft' } }), { status: 200, body: { status: 'Accepted' } });
    assert.equal(cp.received.length, 1);
    assert.equal((await refusals()).length, 2, 'one event per address refused, however often it is sent');

    // The same host under other paths is one event; a charge point naming host after host makes ten, then only log lines.
    await (await centralSystemClient(t, id, 'http://169.254.169.254/latest/user-data?1')).call('Heartbeat', {});
    assert.equal((await refusals()).length, 2);
    for (let i = 1; i <= 12; i++) await (await centralSystemClient(t, id, `http://192.0.2.${i}/cp`)).call('Heartbeat', {});
    assert.equal((await refusals()).length, 10);
    assert.equal(await endpointNow(), cp.url, 'the endpoint taken stays');
  });
});
