// One validation campaign per charge point, held by the store (migration 0025), not only by the
// set of charge points busy on one node: two starts that get past that set (two nodes, here two
// Campaigns on one store) must still start one campaign, and the other is refused naming it. A
// campaign its node left running (killed, stopped, lost) blocks the charge point only until it is
// closed as interrupted. test/cluster/one-campaign.test.ts races two nodes through the API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Conflict } from '../../src/domain/errors.js';
import type { Validation } from '../../src/domain/validation/types.js';
import { Campaigns, type CampaignDeps, type CampaignRequest } from '../../src/validation/campaign.js';
import { runningCampaign } from '../support/campaign-records.js';
import { freeSoapChargePoint } from '../support/free-soap.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import { eventually } from '../cluster/helpers.js';

/** A campaign that waits for the operator to present a card: it runs until cancelled. */
const request = (chargePointId: string): CampaignRequest => ({ chargePointId, connectorId: 1, idTag: `TAG-${chargePointId}`, cases: ['authorize.valid'] });

/** The running campaigns the store holds for the charge point. */
async function running(t: TestTomada, chargePointId: string): Promise<Validation[]> {
  return (await t.store.listValidations({ chargePointId, limit: 50 })).filter((v) => v.status === 'running');
}

test('two starts at once past the busy set of one node: the store starts one, the other is refused naming it', { timeout: 30_000 }, async () => {
  const t = await startTestTomada();
  // A second set of campaigns on the same store, as another node has: its busy set is its own.
  const other = new Campaigns((t.campaigns as unknown as { deps: CampaignDeps }).deps);
  try {
    const CP = 'CP-ONE-CAMPAIGN';
    await freeSoapChargePoint(t.store, CP, request(CP).idTag);
    const outcomes = await Promise.allSettled([t.campaigns.start(request(CP)), other.start(request(CP))]);
    const started = outcomes.filter((o): o is PromiseFulfilledResult<Validation> => o.status === 'fulfilled').map((o) => o.value);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as Error);
    assert.equal(started.length, 1, `one started: ${JSON.stringify(outcomes.map((o) => o.status))}`);
    assert.equal(refused.length, 1);
    assert.ok(refused[0] instanceof Conflict, String(refused[0]));
    assert.equal(refused[0]!.message, `A validation campaign is already running for "${CP}" (${started[0]!.id})`);
    assert.deepEqual((await running(t, CP)).map((v) => v.id), [started[0]!.id], 'one running campaign stored');

    // Ended (here cancelled), it frees the charge point for the next campaign, through either.
    const winner = outcomes[0]!.status === 'fulfilled' ? t.campaigns : other;
    const loser = winner === t.campaigns ? other : t.campaigns;
    await winner.cancel(started[0]!.id);
    await eventually('the first campaign has ended', async () => (await t.store.getValidation(started[0]!.id))?.status === 'cancelled');
    const next = await loser.start(request(CP));
    assert.equal(next.status, 'running');
    await assert.rejects(winner.start(request(CP)), new Conflict(`A validation campaign is already running for "${CP}" (${next.id})`));
  } finally {
    await other.close();
    await t.close();
  }
});

test('a campaign its node left running blocks the charge point until it is closed as interrupted', { timeout: 30_000 }, async () => {
  const t = await startTestTomada();
  try {
    // Left by a node judged lost since, and by a node alone killed during it (no node named).
    for (const [CP, node] of [['CP-OF-LOST-NODE', 'node-gone'], ['CP-OF-KILLED-NODE', undefined]] as const) {
      await freeSoapChargePoint(t.store, CP, request(CP).idTag);
      const left = { ...runningCampaign(`val-left-${CP.toLowerCase()}`, node), chargePointId: CP };
      await t.store.transact((tx) => tx.putValidation(left));
      const named = node === undefined ? `(${left.id})` : `(${left.id}, on node "${node}")`;
      await assert.rejects(t.campaigns.start(request(CP)), new Conflict(`A validation campaign is already running for "${CP}" ${named}`));
      // How the nodes close such a campaign: the others once they judge its node lost, a node
      // alone at its start (Campaigns.closeLostNodes, closeInterrupted).
      assert.equal(node === undefined ? await t.campaigns.closeInterrupted() : await t.campaigns.closeLostNodes(node), 1);
      assert.equal((await t.store.getValidation(left.id))?.status, 'cancelled');
      const next = await t.campaigns.start(request(CP));
      assert.deepEqual((await running(t, CP)).map((v) => v.id), [next.id]);
    }
  } finally {
    await t.close();
  }
});

test('a campaign left running behind 500 newer campaigns is still closed at the start, and frees its charge point', { timeout: 60_000 }, async () => {
  const t = await startTestTomada();
  try {
    const CP = 'CP-LEFT-LONG-AGO';
    await freeSoapChargePoint(t.store, CP, request(CP).idTag);
    // Killed during it long ago (a node alone: no node named), then 500 campaigns ran and ended
    // on other charge points: the stale one is not among the 500 newest records.
    const left = { ...runningCampaign('val-left-long-ago', undefined, CP), startedAt: '2020-01-01T00:00:00.000Z' };
    await t.store.transact(async (tx) => {
      await tx.putValidation(left);
      for (let i = 0; i < 500; i++) {
        const ended = runningCampaign(`val-ended-${i}`, undefined, `CP-OTHER-${i}`);
        await tx.putValidation({ ...ended, status: 'finished', verdict: 'pass', finishedAt: ended.startedAt });
      }
    });
    assert.equal(await t.campaigns.closeInterrupted(), 1, 'the stale campaign is closed');
    assert.equal((await t.store.getValidation(left.id))?.status, 'cancelled');
    const next = await t.campaigns.start(request(CP));
    assert.deepEqual((await running(t, CP)).map((v) => v.id), [next.id]);
  } finally {
    await t.close();
  }
});

test('a campaign a node alone left running (no node named) is closed by a cluster once it has heard every live node', { timeout: 30_000 }, async () => {
  const t = await startTestTomada();
  try {
    const CP = 'CP-LEFT-BEFORE-CLUSTER';
    await freeSoapChargePoint(t.store, CP, request(CP).idTag);
    // A node alone was killed during it; the store is now shared by a cluster, whose nodes all name theirs.
    const left = runningCampaign('val-left-before-cluster', undefined, CP);
    const live = runningCampaign('val-of-live-node', 'node-a', 'CP-OF-LIVE-NODE');
    await t.store.transact(async (tx) => {
      await tx.putValidation(left);
      await tx.putValidation(live);
    });
    assert.equal(await t.campaigns.closeOfNodesNotLive(new Set(['node-a', 'node-b'])), 1);
    assert.equal((await t.store.getValidation(left.id))?.status, 'cancelled');
    assert.equal((await t.store.getValidation(live.id))?.status, 'running', 'a live node\'s campaign is left alone');
    const next = await t.campaigns.start(request(CP));
    assert.deepEqual((await running(t, CP)).map((v) => v.id), [next.id]);
  } finally {
    await t.close();
  }
});
