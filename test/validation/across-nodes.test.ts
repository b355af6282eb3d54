// A campaign behind a load balancer that is not sticky: a charge point that reconnects (after a
// reset, or an offline hold that cuts it on the campaign's node only) comes back on the other node,
// where the campaign does not see its traffic. The case fails, and says why (the charge point's
// node now) rather than only what it missed.
// store: sqlite-only (what it tests lies above the store).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TcpProxy } from '../support/tcp-proxy.js';
import { natsUnavailable, startCluster } from '../cluster/helpers.js';
import { runCampaign, summary } from './rig.js';

const skip = await natsUnavailable();

test('a charge point that came back on another node during its campaign: the failed case names that node', { skip, timeout: 60_000 }, async () => {
  const cluster = await startCluster(2, { overrides: { callTimeoutMs: 3_000 } });
  const [a, b] = cluster.nodes;
  // Connections alternate between the nodes: the first to node a, the next to node b.
  const balancer = await TcpProxy.start([a!, b!].map((node) => ({ host: '127.0.0.1', port: node.ocppPort })));
  try {
    const { validation, chargePoint } = await runCampaign(a!, {
      id: 'CP-ROUND-ROBIN',
      protocol: 'ocpp1.6-json',
      cases: ['reset.soft.idle'],
      timing: { caseTimeoutS: 1 },
      wsUrl: `ws://127.0.0.1:${balancer.port}/ocpp`,
    });
    chargePoint.stop();
    const reset = validation.cases.find((c) => c.id === 'reset.soft.idle')!;
    assert.equal(reset.status, 'fail', summary(validation));
    assert.match(String(reset.reason), /^no BootNotification .*; the charge point is connected to node node-b now, and the campaign runs on node node-a/, summary(validation));
  } finally {
    await balancer.close();
    await cluster.close();
  }
});
