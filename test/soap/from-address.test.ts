// Which WS-Addressing From a SOAP charge point's commands go to, over real HTTP: a Heartbeat names
// the endpoint, and a Reset through the operator API must reach a server of the test's own there.
// WS-Addressing 2004/08's anonymous address names no endpoint, as 1.0's does, so it leaves the
// endpoint where it was; a From whose scheme is written in capitals (HTTP://) is an endpoint.
// Commands are written in the WS-Addressing the charge point speaks, after a restart too.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import { child, closeServer, CP_NS, envelope, listen, postRaw, readXml, SOAP12_NS, WSA_ANONYMOUS, WSA_NS } from './helpers.js';

const CP = 'CP-SOAP-FROM';
const WSA_2004_NS = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';
const WSA_2004_ANONYMOUS = 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous';

/** A charge point's command endpoint: answers every POST with an Accepted resetResponse, and keeps the paths posted to. */
class CommandEndpoint {
  readonly paths: string[] = [];
  readonly bodies: string[] = [];
  port = 0;
  private readonly server: Server = createServer((request, response) => {
    this.paths.push(request.url ?? '');
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      this.bodies.push(body);
      response.writeHead(200, { 'content-type': 'application/soap+xml; charset=utf-8' });
      response.end(
        `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:cp="${CP_NS}"><s:Body><cp:resetResponse><cp:status>Accepted</cp:status></cp:resetResponse></s:Body></s:Envelope>`,
      );
    });
  });

  async start(): Promise<this> {
    this.port = await listen(this.server);
    return this;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}

describe("a SOAP charge point's From as its command endpoint", () => {
  let t: TestTomada;
  let endpoint: CommandEndpoint;
  let messages = 0;
  /** The node's database folder, kept across its restart. */
  const dir = mkdtempSync(join(tmpdir(), 'tomada-soap-from-'));

  async function heartbeatFrom(from: string, addressingNamespace?: string): Promise<void> {
    const messageId = `urn:uuid:from-${++messages}`;
    const answer = await postRaw(t, envelope({ id: CP, action: '/Heartbeat', messageId, from, body: '<cs:heartbeatRequest/>', ...(addressingNamespace ? { addressingNamespace } : {}) }));
    assert.equal(answer.status, 200, answer.text.slice(0, 500));
  }

  const soapEndpoint = async () => (await t.api(`/api/v1/charge-points/${CP}`)).body.soapEndpoint;

  /** A Reset through the operator API: its result, and the paths it was posted to, with the bodies. */
  async function reset() {
    const since = endpoint.paths.length;
    const result = await t.api(`/api/v1/charge-points/${CP}/commands/reset`, { method: 'POST', body: { type: 'Soft' } });
    return { result, paths: endpoint.paths.slice(since), bodies: endpoint.bodies.slice(since) };
  }

  before(async () => {
    t = await startTestTomada({}, dir);
    endpoint = await new CommandEndpoint().start();
    assert.equal((await t.api(`/api/v1/charge-points/${CP}`, { method: 'PUT', body: {} })).status, 201);
  });

  after(async () => {
    await endpoint?.close();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The WS-Addressing headers of a command as the charge point received it: namespace and text, by local name. */
  const headersOf = (body: string) => {
    const root = readXml(body);
    const header = child(root, SOAP12_NS, 'Header');
    return Object.fromEntries((header?.children ?? []).map((h) => [h.name, { namespace: h.namespace, text: h.children[0]?.text ?? h.text }]));
  };

  test("WS-Addressing 2004/08's anonymous From leaves the endpoint the charge point named before", async () => {
    const good = `http://127.0.0.1:${endpoint.port}/good`;
    await heartbeatFrom(good, WSA_2004_NS);
    assert.equal(await soapEndpoint(), good);
    await heartbeatFrom(WSA_2004_ANONYMOUS, WSA_2004_NS);
    assert.equal(await soapEndpoint(), good);
    const { result, paths } = await reset();
    assert.deepEqual(result, { status: 200, body: { status: 'Accepted' } });
    assert.deepEqual(paths, ['/good'], 'the Reset reached the endpoint the charge point named');
  });

  test('a From whose scheme is in capitals (HTTP://) becomes the endpoint, and commands reach it', async () => {
    const upper = `HTTP://127.0.0.1:${endpoint.port}/upper`;
    await heartbeatFrom(upper);
    assert.equal(await soapEndpoint(), upper);
    const { result, paths } = await reset();
    assert.deepEqual(result, { status: 200, body: { status: 'Accepted' } });
    assert.deepEqual(paths, ['/upper']);
  });

  test('a From longer than an endpoint may be is not taken: the endpoint stays, and an event says why, with the From cut short', async () => {
    const good = `http://127.0.0.1:${endpoint.port}/good`;
    await heartbeatFrom(good);
    const long = `http://127.0.0.1:${endpoint.port}/${'x'.repeat(100_000)}`;
    await heartbeatFrom(long);
    assert.equal(await soapEndpoint(), good, 'a 100 KB From did not replace the endpoint');
    const refused = (await t.store.listEvents({ chargePointId: CP, limit: 100 })).filter((e) => e.type === 'soapEndpointRefused');
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.data.reason, `${long.length} characters long, longer than the 500 an endpoint may have`);
    assert.ok(String(refused[0]!.data.from).length < 200, 'the event keeps the From cut short');
    const { paths } = await reset();
    assert.deepEqual(paths, ['/good'], 'commands still go to the endpoint named before');
  });

  test('commands are written in the WS-Addressing the charge point speaks: 2004/08, then 1.0 again', async () => {
    const good = `http://127.0.0.1:${endpoint.port}/good`;
    await heartbeatFrom(good, WSA_2004_NS);
    let { result, bodies } = await reset();
    assert.deepEqual(result, { status: 200, body: { status: 'Accepted' } });
    let headers = headersOf(bodies[0] ?? '');
    for (const name of ['Action', 'MessageID', 'To', 'From', 'ReplyTo']) assert.equal(headers[name]?.namespace, WSA_2004_NS, `${name} in 2004/08`);
    assert.equal(headers.Action?.text, '/Reset');
    assert.equal(headers.ReplyTo?.text, WSA_2004_ANONYMOUS, "2004/08's anonymous address");

    await heartbeatFrom(good);
    ({ result, bodies } = await reset());
    assert.deepEqual(result, { status: 200, body: { status: 'Accepted' } });
    headers = headersOf(bodies[0] ?? '');
    for (const name of ['Action', 'MessageID', 'To', 'From', 'ReplyTo']) assert.equal(headers[name]?.namespace, WSA_NS, `${name} in 1.0`);
    assert.equal(headers.ReplyTo?.text, WSA_ANONYMOUS);
  });

  test("the WS-Addressing a charge point speaks outlives the node's restart: the first command after it is in 2004/08", async () => {
    const good = `http://127.0.0.1:${endpoint.port}/good`;
    await heartbeatFrom(good, WSA_2004_NS);
    await t.close();
    t = await startTestTomada({}, dir);
    const { result, bodies } = await reset();
    assert.deepEqual(result, { status: 200, body: { status: 'Accepted' } });
    const headers = headersOf(bodies[0] ?? '');
    for (const name of ['Action', 'MessageID', 'To', 'ReplyTo']) assert.equal(headers[name]?.namespace, WSA_2004_NS, `${name} in 2004/08`);
  });
});
