// A node killed before any running node heard from it, under an id no process takes again (the
// default id names the process: host and pid), is judged lost by nobody. Its campaigns stayed
// "running" for good, and their cancel went to a node that no longer exists (503). A node that
// starts closes them once it has heard every live node; the campaigns of live nodes stay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runningCampaign } from '../support/campaign-records.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import { eventually, natsUnavailable, SHARED_NATS, startCluster } from './helpers.js';

const skip = await natsUnavailable();

test("a starting node closes the campaigns of nodes it does not hear, and only those", { skip }, async () => {
  const cluster = await startCluster(1, { heartbeatMs: 200 });
  const a = cluster.nodes[0]!;
  let b: TestTomada | undefined;
  try {
    // As a node killed under the default id leaves it, and one of a live node.
    await a.store.transact(async (tx) => {
      await tx.putValidation(runningCampaign('val-unheard', 'host-4711'));
      await tx.putValidation(runningCampaign('val-live', 'node-a'));
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
