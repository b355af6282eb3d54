// A command through another node for a charge point whose holding node is off NATS (its link
// dropped, its process died) and not yet judged lost: nothing can reach it, and the command is
// answered 409 at once, as before; but the answer said "not connected to any node" while the same
// node's API still listed the charge point as connected to that node, and the operator could not
// tell a charge point gone from a node cut off. It now names the node and why. Likewise just after
// the asking node's own link came back, while that node has not been heard on it yet. Node a and
// node b each reach the shared NATS through a TCP proxy the test cuts; 1 s heartbeats, so that
// node b is judged lost only 3 s after it falls silent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { boot, TestClient } from '../support/ocpp-client.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import type { TestTomada } from '../support/tomada.js';
import { closeBehindProxies, clusterFormed, eventually, natsUnavailable, proxiedNats, startCluster, type TestCluster } from './helpers.js';

const skip = await natsUnavailable();
let cluster: TestCluster;
let a: TestTomada, b: TestTomada;
let proxyA: TcpProxy, proxyB: TcpProxy;
let client: TestClient;
const reset = () => a.api('/api/v1/charge-points/CP-ON-B/commands/reset', { method: 'POST', body: { type: 'Soft' } });

before(async () => {
  if (skip) return;
  const [toA, toB] = [await proxiedNats(), await proxiedNats()];
  [proxyA, proxyB] = [toA.proxy, toB.proxy];
  cluster = await startCluster(2, { heartbeatMs: 1_000, natsUrl: [toA.url, toB.url] });
  [a, b] = cluster.nodes as [TestTomada, TestTomada];
  await clusterFormed(cluster.nodes);
  client = await TestClient.connect(b.wsUrl, 'CP-ON-B');
  await boot(client);
  client.onCall = () => ({ status: 'Accepted' });
});

after(async () => {
  client?.ws.terminate();
  await closeBehindProxies(cluster, [proxyA, proxyB]);
});

async function cut(proxy: TcpProxy, node: TestTomada): Promise<void> {
  proxy.refuse();
  proxy.cutAll();
  await eventually(`${node.cluster!.nodeId} notices its link's drop`, () => !node.cluster!.natsUp);
}

test('a command for a charge point whose holder is off NATS names the holder and why', { skip, timeout: 60_000 }, async () => {
  await eventually('node a sees CP-ON-B on node b', () => a.cluster!.holderOf('CP-ON-B') === 'node-b');
  await cut(proxyB, b);
  const off = await reset();
  assert.equal(off.status, 409, JSON.stringify(off.body));
  assert.match(off.body.message, /^Charge point "CP-ON-B" is not connected to any node NATS reaches: node node-b, which holds it as last heard, is not on NATS \(it stopped, or its link to NATS is down\); the command was not sent/);
  assert.deepEqual(client.received.filter((f) => f[0] === 2), [], 'nothing reached the charge point');

  // Node a's own link drops and comes back while node b's is still down: node b is not heard on
  // the new link yet, and what it held before is not known for sure.
  await cut(proxyA, a);
  proxyA.restore();
  await eventually('node a is back on NATS', () => a.cluster!.natsUp);
  const unheard = await reset();
  assert.equal(unheard.status, 409, JSON.stringify(unheard.body));
  assert.match(unheard.body.message, /^Charge point "CP-ON-B" is not connected to any node NATS reaches: node node-b, which held it before this node's NATS link dropped, has not been heard since; the command was not sent/);

  proxyB.restore();
  await eventually('node a reaches CP-ON-B again', async () => (await reset()).status === 200);
});
