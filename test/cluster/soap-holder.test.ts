// A SOAP charge point's messages in a cluster. A load balancer may send each of its HTTP requests to
// any node; the node holding the charge point handles them all, as the node holding a WebSocket
// handles its frames, so its validation campaign and its offline hold see every one. Without NATS,
// the node a message reaches handles it itself.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { TcpProxy } from '../support/tcp-proxy.js';
import type { TestTomada } from '../support/tomada.js';
import { centralSystemClient, closeServer, CS_WSDL, listen, wsdlSkip, type CentralSystemClient } from '../soap/helpers.js';
import { clusterFormed, eventually, natsUnavailable, SHARED_NATS, sleep, startCluster, type TestCluster } from './helpers.js';

const skip = (await natsUnavailable()) ?? wsdlSkip(CS_WSDL);
const ID = 'CP-SOAP-HELD';

/** The most the NATS server carries in one message (1 MB unless its configuration says otherwise). */
async function natsMaxPayload(): Promise<number> {
  const { connect } = await import('nats');
  const connection = await connect({ servers: SHARED_NATS, timeout: 1_000, maxReconnectAttempts: 0 });
  const max = connection.info?.max_payload ?? 1024 * 1024;
  await connection.close();
  return max;
}

describe("a SOAP charge point's messages through several nodes", { skip }, () => {
  let cluster: TestCluster;
  let a: TestTomada, b: TestTomada;
  let server: Server;
  let viaA: CentralSystemClient, viaB: CentralSystemClient;
  let maxPayload: number;
  /** Node a's way to NATS, so that a test can cut it. */
  let natsOfA: TcpProxy;
  /** The actions of the charge point's calls each node handled, in order. */
  const handled: Record<string, string[]> = { 'node-a': [], 'node-b': [] };

  before(async () => {
    // The charge point's command endpoint: no test here sends it a command.
    server = createServer((request, response) => {
      request.resume();
      response.writeHead(500).end();
    });
    const endpoint = `http://127.0.0.1:${await listen(server)}/cp`;
    // Room for a message larger than NATS carries.
    maxPayload = await natsMaxPayload();
    const shared = new URL(SHARED_NATS);
    natsOfA = await TcpProxy.start({ host: shared.hostname, port: Number(shared.port) });
    cluster = await startCluster(2, {
      natsUrl: [`nats://127.0.0.1:${natsOfA.port}`, SHARED_NATS],
      overrides: { maxFrameBytes: Math.max(4 * 1024 * 1024, 3 * maxPayload) },
    });
    [a, b] = cluster.nodes as [TestTomada, TestTomada];
    await clusterFormed(cluster.nodes);
    for (const node of cluster.nodes) {
      node.domain.activity.listen((activity) => {
        if (activity.kind === 'call' && activity.chargePointId === ID) handled[node.cluster!.nodeId]!.push(activity.action);
      });
    }
    viaA = await centralSystemClient(a, ID, endpoint);
    viaB = await centralSystemClient(b, ID, endpoint);
    assert.equal((await viaA.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' })).result.status, 'Accepted');
    await eventually(`node b sees ${ID} held by node a`, () => b.cluster!.holderOf(ID) === 'node-a');
  });

  after(async () => {
    await cluster?.close();
    await natsOfA?.close();
    server?.closeAllConnections();
    if (server) await closeServer(server);
  });

  test('a message that reaches another node is handled by the node holding the charge point, and answered', async () => {
    const before = { a: handled['node-a']!.length, b: handled['node-b']!.length };
    const { result } = await viaB.call('Heartbeat', {});
    assert.ok(result.currentTime instanceof Date && Math.abs(result.currentTime.getTime() - Date.now()) < 10_000, `answered with the time: ${JSON.stringify(result)}`);
    assert.deepEqual(handled['node-a']!.slice(before.a), ['Heartbeat'], 'handled by node a');
    assert.equal(handled['node-b']!.length, before.b, 'not by node b');
  });

  test('its validation campaign, started through any node, runs on its holder and sees its messages through any node', async () => {
    assert.equal((await b.api('/api/v1/id-tags/TAG-SOAP-HELD', { method: 'PUT', body: { status: 'Accepted' } })).status, 201);
    const started = await b.api('/api/v1/validations', { body: { chargePointId: ID, connectorId: 1, idTag: 'TAG-SOAP-HELD', cases: ['authorize.valid'] } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.equal(started.body.node, 'node-a', 'run by the node holding the charge point, not by the node asked');
    const id = started.body.id as string;
    await eventually('the campaign asks for the card', async () => (await b.api(`/api/v1/validations/${id}`)).body.cases[0].status === 'waiting');
    // The card, presented at the charge point; its Authorize reaches node b.
    assert.equal((await viaB.call('Authorize', { idTag: 'TAG-SOAP-HELD' })).result.idTagInfo.status, 'Accepted');
    const finished = await eventually('the campaign ends', async () => {
      const { body } = await a.api(`/api/v1/validations/${id}`);
      return body.status === 'finished' && body;
    });
    assert.deepEqual([finished.verdict, finished.cases[0].status], ['pass', 'pass'], JSON.stringify(finished.cases[0]));
  });

  test('a campaign started for a SOAP charge point no node holds takes it over, and sees its messages through any node', async () => {
    const FREE = 'CP-SOAP-FREE';
    // Spoke without a From, so no node holds it; an administrator gave it its endpoint.
    const noFrom = await centralSystemClient(a, FREE);
    assert.equal((await noFrom.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' })).result.status, 'Accepted');
    assert.equal((await b.api(`/api/v1/charge-points/${FREE}`, { method: 'PUT', body: { soapEndpoint: 'http://127.0.0.1:9/cp' } })).status, 200);
    assert.equal(a.cluster!.holderOf(FREE), undefined, 'held by no node');
    const started = await b.api('/api/v1/validations', { body: { chargePointId: FREE, connectorId: 1, idTag: 'TAG-SOAP-HELD', cases: ['authorize.valid'] } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.equal(started.body.node, 'node-b');
    await eventually(`node a sees ${FREE} held by node b`, () => a.cluster!.holderOf(FREE) === 'node-b');
    await eventually('the campaign asks for the card', async () => (await b.api(`/api/v1/validations/${started.body.id}`)).body.cases[0].status === 'waiting');
    assert.equal((await noFrom.call('Authorize', { idTag: 'TAG-SOAP-HELD' })).result.idTagInfo.status, 'Accepted');
    const finished = await eventually('the campaign ends', async () => {
      const { body } = await b.api(`/api/v1/validations/${started.body.id}`);
      return body.status === 'finished' && body;
    });
    assert.deepEqual([finished.verdict, finished.cases[0].status], ['pass', 'pass'], JSON.stringify(finished.cases[0]));
  });

  test('held offline on its holder, its message to another node is lost as on a dead link', async () => {
    a.domain.holds.hold(ID, 60_000);
    try {
      await assert.rejects(viaB.call('Heartbeat', {}), /socket hang up|ECONNRESET/);
    } finally {
      a.domain.holds.release(ID);
    }
    await viaB.call('Heartbeat', {});
    assert.equal(handled['node-a']!.at(-1), 'Heartbeat', 'released: handled by node a again');
  });

  test('a message too large for NATS is handled where it arrived, and leaves the charge point with its holder', async () => {
    const before = { a: handled['node-a']!.length, b: handled['node-b']!.length };
    // Random bytes as base64 text: about 1.1 times NATS's limit once compressed.
    const { result } = await viaB.call('DataTransfer', { vendorId: 'com.example', data: randomBytes(Math.ceil(1.1 * maxPayload)).toString('base64') });
    assert.equal(result.status, 'UnknownVendorId', JSON.stringify(result).slice(0, 200));
    assert.deepEqual(handled['node-b']!.slice(before.b), ['DataTransfer'], 'handled by node b');
    await viaB.call('Heartbeat', {});
    assert.deepEqual(handled['node-a']!.slice(before.a), ['Heartbeat'], 'the next message is carried to node a again: node b did not take the charge point over');
    assert.equal(b.cluster!.holderOf(ID), 'node-a');
  });

  test('when its holder cannot be asked, the node the message reached handles it itself', async () => {
    // Node a's link to NATS is cut: NATS drops its subscriptions at once, while node b names it as
    // the holder until it judges it lost (three heartbeats of 200 ms).
    natsOfA.refuse();
    natsOfA.cutAll();
    await sleep(100);
    assert.equal(b.cluster!.holderOf(ID), 'node-a', 'node b still names node a');
    const before = handled['node-b']!.length;
    await viaB.call('StatusNotification', { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure' });
    assert.deepEqual(handled['node-b']!.slice(before), ['StatusNotification']);
    const history = await b.api(`/api/v1/charge-points/${ID}/status-history?limit=1`);
    assert.deepEqual(history.body.items.map((item: { status: string; errorCode: string }) => [item.status, item.errorCode]), [['Faulted', 'GroundFailure']], 'stored');
  });
});
