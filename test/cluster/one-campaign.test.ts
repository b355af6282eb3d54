// Two starts of a validation campaign on one SOAP charge point that no node holds, reaching two
// nodes on one database at the same moment (a load balancer, two engineers, a retried request):
// each node's own check lets its start through, and before migration 0025 both campaigns ran,
// driving one charge point at once. The store holds one running campaign per charge point: one
// start is answered 202, the other 409 naming it and its node; once it ends, a new one starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freeSoapChargePoint } from '../support/free-soap.js';
import { clusterFormed, eventually, natsUnavailable, startCluster } from './helpers.js';

const skip = await natsUnavailable();
const CP = 'CP-SOAP-RACED';
const IDTAG = 'TAG-SOAP-RACED';
/** A campaign that waits for the operator to present a card: it runs until cancelled. */
const body = { chargePointId: CP, connectorId: 1, idTag: IDTAG, cases: ['authorize.valid'] };

test('two nodes racing to start a campaign on one SOAP charge point: one starts, the other gets 409 naming it', { skip, timeout: 60_000 }, async () => {
  const cluster = await startCluster(2);
  const [a, b] = cluster.nodes as [NonNullable<(typeof cluster.nodes)[0]>, NonNullable<(typeof cluster.nodes)[1]>];
  try {
    await clusterFormed(cluster.nodes);
    await freeSoapChargePoint(a.store, CP, IDTAG);
    assert.equal(a.cluster!.holderOf(CP), undefined, 'held by no node: either node may start its campaign');
    const answers = await Promise.all([a.api('/api/v1/validations', { body }), b.api('/api/v1/validations', { body })]);
    assert.deepEqual(answers.map((r) => r.status).sort(), [202, 409], JSON.stringify(answers.map((r) => r.body)));
    const started = answers.find((r) => r.status === 202)!.body;
    const refused = answers.find((r) => r.status === 409)!.body;
    assert.equal(refused.error, 'Conflict');
    assert.equal(refused.message, `A validation campaign is already running for "${CP}" (${started.id}, on node "${started.node}")`);
    const runningNow = (await a.api(`/api/v1/validations?chargePointId=${CP}`)).body.items.filter((v: { status: string }) => v.status === 'running');
    assert.deepEqual(runningNow.map((v: { id: string }) => v.id), [started.id], 'one campaign running');

    // Ended, it frees the charge point: a new start, through the node refused before, runs.
    const winner = started.node === 'node-a' ? a : b;
    const loser = winner === a ? b : a;
    assert.equal((await winner.api(`/api/v1/validations/${started.id}/cancel`, { body: {} })).status, 202);
    await eventually('the first campaign has ended', async () => (await loser.api(`/api/v1/validations/${started.id}`)).body.status === 'cancelled');
    const next = await loser.api('/api/v1/validations', { body });
    assert.equal(next.status, 202, JSON.stringify(next.body));
    assert.equal(next.body.status, 'running');
  } finally {
    await cluster.close();
  }
});
