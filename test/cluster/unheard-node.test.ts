// A node killed before any running node heard from it, under an id no process takes again (the
// default id names the process: host and pid), is judged lost by nobody. Its campaigns stayed
// "running" for good, and their cancel went to a node that no longer exists (503). A node that
// starts closes them once it has heard every live node; the campaigns of live nodes stay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { ClusterRouter } from '../../src/cluster/cluster-router.js';
import { runningCampaign } from '../support/campaign-records.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import { eventually, natsUnavailable, randomPrefix, SHARED_NATS, sleep, startCluster } from './helpers.js';

const skip = await natsUnavailable();

test("a starting node closes the campaigns of nodes it does not hear, and only those", { skip }, async () => {
  const cluster = await startCluster(1, { heartbeatMs: 200 });
  const a = cluster.nodes[0]!;
  let b: TestTomada | undefined;
  try {
    // As a node killed under the default id leaves it, and one of a live node.
    await a.store.transact(async (tx) => {
      await tx.putValidation(runningCampaign('val-unheard', 'host-4711'));
      await tx.putValidation(runningCampaign('val-live', 'node-a', 'CP-LIVE'));
    });
    // A second node on the same store and NATS, as the replacement of the killed one starts.
    b = await startTestTomada({ unknownChargePoints: 'accept', cluster: { natsUrl: SHARED_NATS, nodeId: 'node-b', prefix: cluster.prefix, heartbeatMs: 200 } }, a.dir);
    const closed = await eventually('the unheard node’s campaign is closed', async () => {
      const record = (await b!.api('/api/v1/validations/val-unheard')).body;
      return record.status === 'cancelled' && record;
    });
    assert.equal(closed.verdict, 'incomplete');
    assert.match(closed.registry.reason, /interrupted/);
    // Past the sweep of both nodes (800 ms after each start): the live node's campaign stays.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal((await b.api('/api/v1/validations/val-live')).body.status, 'running');
  } finally {
    await b?.close();
    await cluster.close();
  }
});

// Counted from the start, the look came when NATS was down (and was given up for good), or just
// after the link came up, before the live nodes' next heartbeats: it closed their campaigns.
test('a node whose NATS link comes up after its start looks once it has heard the others on it', { skip }, async () => {
  const cluster = await startCluster(1, { heartbeatMs: 200 });
  const a = cluster.nodes[0]!;
  const proxy = await TcpProxy.start({ host: '127.0.0.1', port: Number(new URL(SHARED_NATS).port) });
  let b: TestTomada | undefined;
  try {
    // Past node-a's own look (800 ms after its start): only node-b's can close these.
    await sleep(1_000);
    await a.store.transact(async (tx) => {
      await tx.putValidation(runningCampaign('val-unheard-late', 'host-4712'));
      await tx.putValidation(runningCampaign('val-live-late', 'node-a', 'CP-LIVE'));
    });
    proxy.refuse();
    b = await startTestTomada({ unknownChargePoints: 'accept', cluster: { natsUrl: `nats://127.0.0.1:${proxy.port}`, nodeId: 'node-b', prefix: cluster.prefix, heartbeatMs: 200 } }, a.dir);
    // Past the 800 ms after its start that the look once waited, NATS unreachable all along.
    await sleep(1_200);
    assert.equal((await b.api('/api/v1/validations/val-unheard-late')).body.status, 'running');
    proxy.restore();
    await eventually('the unheard node’s campaign is closed', async () => (await b!.api('/api/v1/validations/val-unheard-late')).body.status === 'cancelled');
    assert.equal((await b.api('/api/v1/validations/val-live-late')).body.status, 'running');
  } finally {
    await b?.close();
    await proxy.close();
    await cluster.close();
  }
});

// What the look waits on: the time listened since the link's connection, not since the start. A
// node that heard nobody yet has no one to leave out.
test('a node has listened to the others only since its link connected', { skip }, async () => {
  let clock = 0;
  const router = new ClusterRouter({ natsUrl: SHARED_NATS, nodeId: 'listener', prefix: randomPrefix(), heartbeatMs: 200, requestTimeoutMs: 1_000, log: pino({ level: 'silent' }), clock: () => clock });
  try {
    assert.equal(router.listeningForMs(), 0);
    // Long after its start (the connection is made later, never within the constructor).
    clock = 10_000;
    await eventually('the link is up', () => router.natsUp);
    assert.equal(router.listeningForMs(), 0);
    clock = 10_300;
    assert.equal(router.listeningForMs(), 300);
  } finally {
    await router.close();
  }
});
