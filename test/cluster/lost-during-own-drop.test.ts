// A node that dies while another node's own NATS link is down (its NATS server went away with it,
// a blip on the other's side, NATS restarted) must still be judged lost by that node once its link
// is back. The view of the others starts afresh on every connection, and a node it held that was
// never heard on the new one was never judged lost: no nodeLost event, a command waiting on it
// answered 504 after its whole wait rather than "node lost" at once, and, with no other node to
// notice, its validation campaigns stayed "running" for good (the charge point's one running
// campaign: none could be started on it again). Node a and node b each reach NATS through a TCP
// proxy; node b's link is cut for good while node a's is down, as a machine lost with the NATS
// server node a was connected to.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runningCampaign } from '../support/campaign-records.js';
import { boot, TestClient } from '../support/ocpp-client.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import type { TestTomada } from '../support/tomada.js';
import { closeBehindProxies, clusterFormed, eventually, natsUnavailable, pastLookForNodesNotLive, proxiedNats, startCluster, type TestCluster } from './helpers.js';

const skip = await natsUnavailable();
let cluster: TestCluster;
let a: TestTomada, b: TestTomada;
let proxyA: TcpProxy, proxyB: TcpProxy;
let client: TestClient;

before(async () => {
  if (skip) return;
  const [toA, toB] = [await proxiedNats(), await proxiedNats()];
  [proxyA, proxyB] = [toA.proxy, toB.proxy];
  cluster = await startCluster(2, { natsUrl: [toA.url, toB.url] });
  [a, b] = cluster.nodes as [TestTomada, TestTomada];
  await clusterFormed(cluster.nodes);
  client = await TestClient.connect(b.wsUrl, 'CP-ON-B');
  await boot(client);
});

after(async () => {
  client?.ws.terminate();
  await closeBehindProxies(cluster, [proxyA, proxyB]);
});

test('a node lost while this node was off NATS is judged lost once the link is back', { skip, timeout: 60_000 }, async () => {
  // Past each node's one look for campaigns of nodes it does not hear: only a lost node's closes this.
  await pastLookForNodesNotLive([a]);
  await a.store.transact((tx) => tx.putValidation(runningCampaign('val-on-b', 'node-b', 'CP-ON-B')));
  await eventually('node a sees CP-ON-B on node b', () => a.cluster!.holderOf('CP-ON-B') === 'node-b');
  client.onCall = () => undefined; // never answers: the command waits on node b
  const pending = a.api('/api/v1/charge-points/CP-ON-B/commands/reset', { method: 'POST', body: { type: 'Hard' } });
  await client.waitFor((f) => f[0] === 2 && f[2] === 'Reset');

  // Node a's link drops; meanwhile node b is gone from NATS for good.
  proxyA.refuse();
  proxyA.cutAll();
  await eventually('node a notices its link is down', () => !a.cluster!.natsUp);
  proxyB.refuse();
  proxyB.cutAll();
  proxyA.restore();
  await eventually('node a is back on NATS', () => a.cluster!.natsUp);

  const failed = await pending;
  assert.equal(failed.status, 502, JSON.stringify(failed.body));
  assert.match(failed.body.message, /node-b was lost .*may have been carried out/);
  const lost = await eventually('node a recorded node b lost', async () => (await a.store.listEvents({ type: 'nodeLost', limit: 10 })).find((e) => e.data.node === 'node-b'));
  assert.deepEqual([lost.data.noticedBy, lost.data.chargePointIds], ['node-a', ['CP-ON-B']]);
  const campaign = await eventually('node b’s campaign is closed', async () => {
    const { body } = await a.api('/api/v1/validations/val-on-b');
    return body.status !== 'running' && body;
  });
  assert.deepEqual([campaign.status, campaign.verdict], ['cancelled', 'incomplete']);
  assert.equal(await a.cluster!.holderOf('CP-ON-B'), undefined);
});
