// NATS down: a private nats-server that the test kills (SIGKILL) and starts again. Commands to
// charge points held by the asking node keep working; commands for another node's charge point
// fail at once with a clear error; nodes that start while NATS is down serve their own charge
// points; everyone reconnects by itself when NATS is back, and a SOAP charge point first heard
// while NATS was down is held by a node once it is back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { centralSystemClient, CS_WSDL, wsdlSkip, type CentralSystemClient } from '../soap/helpers.js';
import { boot, TestClient } from '../support/ocpp-client.js';
import type { TestTomada } from '../support/tomada.js';
import { clusterFormed, eventually, PrivateNats, startCluster, type TestCluster } from './helpers.js';

const skip = PrivateNats.unavailable() ?? wsdlSkip(CS_WSDL);
const SOAP_ID = 'CP-SOAP-LATE';
let soap: CentralSystemClient;

let nats: PrivateNats;
let cluster: TestCluster;
let a: TestTomada, b: TestTomada;
const clients: TestClient[] = [];

const reset = (node: TestTomada, id: string) => node.api(`/api/v1/charge-points/${id}/commands/reset`, { method: 'POST', body: { type: 'Soft' } });

before(async () => {
  if (skip) return;
  nats = await PrivateNats.start();
  // NATS is down before the nodes start: they must start anyway.
  await nats.kill();
  cluster = await startCluster(2, { natsUrl: nats.url });
  [a, b] = cluster.nodes as [TestTomada, TestTomada];
  for (const [node, id] of [[a, 'CP-LOCAL-A'], [b, 'CP-LOCAL-B']] as const) {
    const client = await TestClient.connect(node.wsUrl, id);
    await boot(client);
    client.onCall = () => ({ status: 'Accepted' });
    clients.push(client);
  }
});

after(async () => {
  for (const client of clients) client.ws.terminate();
  await cluster?.close();
  await nats?.kill();
});

test('started without NATS, a node serves its own charge points and says why it cannot reach the others', { skip }, async () => {
  assert.equal(a.cluster!.natsUp, false);
  assert.deepEqual(await reset(a, 'CP-LOCAL-A'), { status: 200, body: { status: 'Accepted' } });
  const remote = await reset(a, 'CP-LOCAL-B');
  assert.equal(remote.status, 502);
  assert.match(remote.body.message, /NATS is unreachable/);
  // A SOAP charge point heard meanwhile: node a cannot know whether another node holds it.
  soap = await centralSystemClient(a, SOAP_ID, 'http://127.0.0.1:9/cp');
  assert.equal((await soap.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' })).result.status, 'Accepted');
  assert.equal(a.cluster!.holderOf(SOAP_ID), undefined);
});

test('when NATS comes up the nodes connect by themselves and route between them', { skip }, async () => {
  await nats.restart();
  await clusterFormed(cluster.nodes);
  await eventually('node a routes to CP-LOCAL-B', async () => (await reset(a, 'CP-LOCAL-B')).status === 200, 15_000);
  assert.deepEqual(await reset(b, 'CP-LOCAL-A'), { status: 200, body: { status: 'Accepted' } });
  // The SOAP charge point's next message makes the node that handles it its holder.
  await soap.call('Heartbeat', {});
  await eventually(`node b sees ${SOAP_ID} held by node a`, () => b.cluster!.holderOf(SOAP_ID) === 'node-a');
});

test('NATS killed under running nodes: local commands still work, remote ones fail fast and clearly, and all is back after NATS returns', { skip }, async () => {
  await nats.kill();
  await eventually('both nodes notice that NATS is gone', () => !a.cluster!.natsUp && !b.cluster!.natsUp);
  for (const [node, id] of [[a, 'CP-LOCAL-A'], [b, 'CP-LOCAL-B']] as const) {
    assert.deepEqual(await reset(node, id), { status: 200, body: { status: 'Accepted' } }, `${id} through its own node`);
  }
  const remote = await reset(a, 'CP-LOCAL-B');
  assert.equal(remote.status, 502);
  assert.match(remote.body.message, /NATS is unreachable/);
  // A charge point that connects during the outage is served, and announced once NATS is back.
  const late = await TestClient.connect(a.wsUrl, 'CP-DURING-OUTAGE');
  clients.push(late);
  await boot(late);
  late.onCall = () => ({ status: 'Accepted' });
  assert.deepEqual(await reset(a, 'CP-DURING-OUTAGE'), { status: 200, body: { status: 'Accepted' } });
  // Neither node declares the other lost for its own outage.
  const events = await a.store.listEvents({ limit: 100 });
  assert.equal(events.filter((e) => e.type === 'nodeLost').length, 0);

  await nats.restart();
  await clusterFormed(cluster.nodes);
  await eventually('node a routes to CP-LOCAL-B again', async () => (await reset(a, 'CP-LOCAL-B')).status === 200, 15_000);
  await eventually('node b sees CP-LOCAL-A as connected again', async () => (await b.api('/api/v1/charge-points/CP-LOCAL-A')).body.connected === true);
  assert.deepEqual(await reset(b, 'CP-LOCAL-A'), { status: 200, body: { status: 'Accepted' } });
  await eventually('node b routes to the charge point that connected during the outage', async () => (await reset(b, 'CP-DURING-OUTAGE')).status === 200);
});
