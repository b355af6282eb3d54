// Where a SOAP charge point's own From may send the node's commands when TOMADA_SOAP_ENDPOINT_NETWORKS
// is not set. An operator registers a charge point of its own without a password, sends one SOAP
// message as it naming a service beside the node (here a server on 127.0.0.1) as its From, then
// commands it: until 2026-12-06 the node POSTed the command there and journaled the answer, which
// the operator read among its frames. By default now the node's own (its interfaces' and
// loopback) and link-local addresses are refused as a From, and a host name is checked as each
// command goes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { lookup } from 'node:dns/promises';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_ENDPOINT_NETWORKS } from '../../src/transport/soap-endpoint-networks.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import { centralSystemClient, closeServer, CP_WSDL, CS_WSDL, listen, wsdlSkip } from './helpers.js';

const skip = wsdlSkip(CS_WSDL, CP_WSDL);
const SECRET = 'inside-only-4711';

/** A service beside the node that must never hear from it: counts what reaches it and answers a secret. */
class InsideService {
  requests = 0;
  port = 0;
  private readonly server: Server = createServer((request, response) => {
    this.requests++;
    request.resume();
    response.writeHead(200, { 'content-type': 'text/plain' }).end(SECRET);
  });
  async start(): Promise<this> {
    this.port = await listen(this.server);
    return this;
  }
  close(): Promise<void> {
    return closeServer(this.server);
  }
}

describe("a SOAP charge point's From may not name the node's own addresses by default", { skip }, () => {
  let t: TestTomada;
  let inside: InsideService;
  let operatorToken = '';
  const dir = mkdtempSync(join(tmpdir(), 'tomada-soap-networks-'));
  const id = 'CP-SOAP-OWN';

  const start = (networks = DEFAULT_ENDPOINT_NETWORKS) => startTestTomada({ soapEndpointNetworks: networks }, dir);
  const endpointNow = async () => (await t.api(`/api/v1/charge-points/${id}`)).body.soapEndpoint;
  const reset = () => t.api(`/api/v1/charge-points/${id}/commands/reset`, { method: 'POST', body: { type: 'Soft' }, token: operatorToken });
  const refusals = async () => (await t.store.listEvents({ chargePointId: id, limit: 100 })).filter((e) => e.type === 'soapEndpointRefused');
  const framesText = async () => JSON.stringify((await t.api(`/api/v1/charge-points/${id}/frames?limit=500`, { token: operatorToken })).body);

  before(async () => {
    inside = await new InsideService().start();
    t = await start();
    assert.equal((await t.api('/api/v1/operators/OPC-A', { method: 'PUT', body: { name: 'A', kind: 'OPC' } })).status < 300, true);
    const created = await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'opc-a', role: 'operator', operator: 'OPC-A' } });
    operatorToken = created.body.token;
    // The operator registers a charge point of its own, with no password (profile 0).
    const put = await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { registrationStatus: 'Accepted' }, token: operatorToken });
    assert.ok(put.status === 200 || put.status === 201, JSON.stringify(put.body));
  });

  after(async () => {
    await t?.close();
    await inside?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('loopback, link-local, this-network, IPv4-mapped loopback and localhost are refused; nothing reaches them', async () => {
    const named = [
      `http://127.0.0.1:${inside.port}/steal`,
      `http://127.9.9.9:${inside.port}/steal`,
      `http://0.0.0.0:${inside.port}/steal`,
      `http://2130706433:${inside.port}/steal`, // 127.0.0.1 written as a number
      `http://[::1]:${inside.port}/steal`,
      `http://[::ffff:127.0.0.1]:${inside.port}/steal`,
      'http://169.254.169.254/latest/meta-data/',
      `http://LocalHost:${inside.port}/steal`,
      `http://api.localhost:${inside.port}/steal`,
    ];
    for (const from of named) {
      const booted = await (await centralSystemClient(t, id, from)).call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      assert.equal(booted.result.status, 'Accepted', 'the message itself is handled as any other');
      assert.equal(await endpointNow(), null, `${from} is not taken`);
    }
    const refused = await reset();
    assert.equal(refused.status, 409, `no endpoint, so nothing is sent: ${JSON.stringify(refused.body)}`);
    // Why, where "is not connected" said nothing of the From refused: the latest one, with its reason.
    assert.equal(
      refused.body.message,
      `Charge point "${id}" has no SOAP endpoint to send commands to: its From http://api.localhost:${inside.port}/steal was not taken (api.localhost names the node itself (TOMADA_SOAP_ENDPOINT_NETWORKS)); allow its network in TOMADA_SOAP_ENDPOINT_NETWORKS, or have an administrator set its soapEndpoint`,
    );
    assert.equal(inside.requests, 0);
    assert.doesNotMatch(await framesText(), new RegExp(SECRET));
    const events = await refusals();
    // One per host: 127.0.0.1 is named twice (the second time as a number).
    assert.equal(events.length, named.length - 1);
    const reasons = events.map((e) => String(e.data.reason));
    assert.ok(reasons.includes("169.254.169.254 is the node's own or a link-local address, which no charge point's From may name (TOMADA_SOAP_ENDPOINT_NETWORKS)"), reasons.join('\n'));
    assert.ok(reasons.includes('localhost names the node itself (TOMADA_SOAP_ENDPOINT_NETWORKS)'), reasons.join('\n'));
  });

  test("an address of the node's own interfaces, other than loopback, is refused", async (context) => {
    const own = Object.values(networkInterfaces()).flat().find((entry) => entry && entry.family === 'IPv4' && !entry.internal && !entry.address.startsWith('169.254.'));
    if (!own) return context.skip('this machine has no IPv4 address but loopback');
    // The node's API listens on every address by default: reached there as on 127.0.0.1.
    const from = `http://${own.address}:${t.httpPort}/api/v1/charge-points`;
    await (await centralSystemClient(t, id, from)).call('Heartbeat', {});
    assert.equal(await endpointNow(), null);
    const reasons = (await refusals()).map((e) => String(e.data.reason));
    assert.ok(reasons.includes(`${own.address} is an address of this node, which no charge point's From may name (TOMADA_SOAP_ENDPOINT_NETWORKS)`), reasons.join('\n'));
  });

  test("a host name that resolves to the node is taken, but no command goes there", async (context) => {
    const name = hostname();
    const addresses = await lookup(name, { all: true }).catch(() => []);
    if (!addresses.some((a) => a.address.startsWith('127.') || a.address === '::1')) return context.skip(`${name} does not resolve to a loopback address here`);
    const from = `http://${name}:${inside.port}/steal`;
    await (await centralSystemClient(t, id, from)).call('Heartbeat', {});
    assert.equal(await endpointNow(), from);
    const refused = await reset();
    assert.equal(refused.status, 502, JSON.stringify(refused.body));
    assert.match(refused.body.message, /resolves to 127\.|resolves to ::1/);
    assert.equal(inside.requests, 0);
  });

  test('an endpoint taken while any address was allowed gets no command once the default is back', async () => {
    await t.close();
    t = await start({ allowed: [], denied: [] });
    const from = `http://127.0.0.1:${inside.port}/steal`;
    await (await centralSystemClient(t, id, from)).call('Heartbeat', {});
    assert.equal(await endpointNow(), from, 'TOMADA_SOAP_ENDPOINT_NETWORKS=any takes it');
    await t.close();
    t = await start();
    const refused = await reset();
    assert.equal(refused.status, 502, JSON.stringify(refused.body));
    assert.match(refused.body.message, /127\.0\.0\.1 is the node's own or a link-local address/);
    assert.equal(inside.requests, 0);
  });
});
