// Several nodes in this process on the shared NATS (a random subject prefix each run): commands
// sent through any node reach the charge point on the node that holds it and its answer comes
// back; failures keep their meaning across nodes; a reconnect to another node takes the charge
// point over; a silent node is declared lost.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runningCampaign } from '../support/campaign-records.js';
import { boot, TestClient } from '../support/ocpp-client.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { ADMIN_TOKEN, type TestTomada } from '../support/tomada.js';
import { clusterFormed, eventually, natsUnavailable, proxiedNats, SHARED_NATS, startCluster, type TestCluster } from './helpers.js';

const skip = await natsUnavailable();

const command = (node: TestTomada, id: string, path: string, body: unknown) =>
  node.api(`/api/v1/charge-points/${encodeURIComponent(id)}/commands/${path}`, { method: 'POST', body });

const connected = async (node: TestTomada, id: string) => (await node.api(`/api/v1/charge-points/${encodeURIComponent(id)}`)).body.connected as boolean;

describe('commands across three nodes', { skip }, () => {
  let cluster: TestCluster;
  let a: TestTomada, b: TestTomada, c: TestTomada;
  const clients: TestClient[] = [];
  /** Each charge point and the node it connects to; one id has characters that NATS subjects reserve. */
  const placement: [string, number][] = [
    ['CP-A1', 0],
    ['CP-B1', 1],
    ['CP.C*1:x', 2],
  ];

  before(async () => {
    cluster = await startCluster(3);
    [a, b, c] = cluster.nodes as [TestTomada, TestTomada, TestTomada];
    await clusterFormed(cluster.nodes);
    for (const [id, index] of placement) {
      const client = await TestClient.connect(cluster.nodes[index]!.wsUrl, id);
      await boot(client);
      clients.push(client);
    }
    await a.api('/api/v1/charge-points/CP-NOWHERE', { method: 'PUT', body: {} });
  });

  after(async () => {
    for (const client of clients) client.ws.terminate();
    await cluster?.close();
  });

  test('every node reports every charge point as connected, and names its holder', async () => {
    for (const node of cluster.nodes) {
      for (const [id, index] of placement) {
        // Both together: on a loaded machine a node may judge another lost for a moment between two
        // reads, and the charge point then shows as connected nowhere until its holder is heard again.
        const holder = `node-${'abc'[index]}`;
        await eventually(`${id} shows as connected through ${node.cluster!.nodeId}, held by ${holder}`, async () => (await connected(node, id)) && node.cluster!.holderOf(id) === holder);
      }
      assert.equal(await connected(node, 'CP-NOWHERE'), false);
    }
  });

  test('the API names the node of each connected charge point, and lists the nodes with what each holds', async () => {
    for (const node of cluster.nodes) {
      for (const [id, index] of placement) {
        const view = (await node.api(`/api/v1/charge-points/${encodeURIComponent(id)}`)).body;
        assert.equal(view.node, `node-${'abc'[index]}`, `${id} through ${node.cluster!.nodeId}`);
      }
      const listed = (await node.api('/api/v1/charge-points')).body.items as { id: string; node?: string }[];
      assert.deepEqual(
        Object.fromEntries(listed.map((cp) => [cp.id, cp.node ?? null])),
        { 'CP-A1': 'node-a', 'CP-B1': 'node-b', 'CP.C*1:x': 'node-c', 'CP-NOWHERE': null },
      );
      const status = await node.api('/api/v1/cluster');
      assert.equal(status.status, 200);
      const self = node.cluster!.nodeId;
      assert.equal(status.body.clustered, true);
      assert.equal(status.body.node, self);
      assert.equal(status.body.natsUp, true);
      assert.deepEqual(
        status.body.nodes.map((n: { node: string; self: boolean; chargePoints: number }) => [n.node, n.self, n.chargePoints]),
        [[self, true, 1], ...['node-a', 'node-b', 'node-c'].filter((n) => n !== self).map((n) => [n, false, 1])],
      );
      for (const n of status.body.nodes) assert.ok(n.lastHeardMsAgo < 5_000, `${n.node} heard lately`);
    }
  });

  test('a command sent through any node reaches the charge point exactly once, and its answer comes back', async () => {
    for (const [id, index] of placement) {
      const client = clients[placement.findIndex(([x]) => x === id)]!;
      for (const node of cluster.nodes) {
        // Answers differ from one asking node to the next, so each result is this command's own.
        client.onCall = () => ({ status: node === a ? 'Accepted' : 'Rejected' });
        const since = client.received.length;
        const result = await command(node, id, 'reset', { type: 'Soft' });
        assert.deepEqual(result, { status: 200, body: { status: node === a ? 'Accepted' : 'Rejected' } }, `${id} (on node ${index}) via ${node.cluster!.nodeId}`);
        const calls = client.received.slice(since).filter((f) => f[0] === 2);
        assert.equal(calls.length, 1, 'one CALL on the wire');
        assert.equal(calls[0]![2], 'Reset');
        assert.deepEqual(calls[0]![3], { type: 'Soft' });
      }
    }
  });

  test('each command type keeps its fields on the way through another node', async () => {
    const client = clients[1]!;
    const cases: [string, object, string, object, string][] = [
      ['remote-start', { idTag: 'TAG-X', connectorId: 2 }, 'RemoteStartTransaction', { idTag: 'TAG-X', connectorId: 2 }, 'Accepted'],
      ['remote-stop', { transactionId: 77 }, 'RemoteStopTransaction', { transactionId: 77 }, 'Rejected'],
      ['unlock', { connectorId: 1 }, 'UnlockConnector', { connectorId: 1 }, 'Unlocked'],
      ['reset', { type: 'Hard' }, 'Reset', { type: 'Hard' }, 'Accepted'],
    ];
    for (const [path, body, action, wire, status] of cases) {
      client.onCall = () => ({ status });
      const since = client.received.length;
      assert.deepEqual(await command(c, 'CP-B1', path, body), { status: 200, body: { status } });
      const sent = client.received.slice(since).filter((f) => f[0] === 2);
      assert.deepEqual(sent.map((f) => [f[2], f[3]]), [[action, wire]]);
    }
  });

  test("a dead node's leftover subscription to a charge point's commands does not swallow them", async () => {
    // A node whose machine died keeps its NATS subscriptions on the server until the server's pings
    // give up on it, minutes later; here a bare connection subscribed as a holder stands for it.
    const { connect } = await import('nats');
    const dead = await connect({ servers: SHARED_NATS });
    try {
      dead.subscribe(`${cluster.prefix}.cp.CP-B1.command`, { queue: 'holder', callback: () => undefined });
      await dead.flush();
      const client = clients[1]!;
      client.onCall = () => ({ status: 'Unlocked' });
      // Each would have gone to the dead subscriber one time in two, then waited out its timeout.
      const results = await Promise.all(Array.from({ length: 8 }, () => command(a, 'CP-B1', 'unlock', { connectorId: 1 })));
      for (const result of results) assert.deepEqual(result, { status: 200, body: { status: 'Unlocked' } });
    } finally {
      await dead.close();
    }
  });

  test('a command request that reaches its holder after its time to be sent is not sent', async () => {
    // As when the hop stalls (NATS, or the holding node frozen) until the asking node gave up on it:
    // carried out now, it would happen after the operator was told it failed.
    const { connect } = await import('nats');
    const asker = await connect({ servers: SHARED_NATS });
    try {
      const client = clients[1]!;
      client.onCall = () => ({ status: 'Accepted' });
      const since = client.received.length;
      const request = { from: 'node-x', command: { kind: 'reset', type: 'Hard' }, sendWithinMs: 3_000, sentAt: Date.now() - 20_000 };
      const reply = await asker.request(`${cluster.prefix}.cp.CP-B1.command`, new TextEncoder().encode(JSON.stringify(request)), { timeout: 5_000 });
      const body = JSON.parse(new TextDecoder().decode(reply.data));
      assert.equal(body.error?.name, 'CommandTimedOut', JSON.stringify(body));
      assert.match(body.error.message, /was not sent .* retrying is safe/);
      // The same request in time is sent: only its lateness kept it back.
      const fresh = await asker.request(`${cluster.prefix}.cp.CP-B1.command`, new TextEncoder().encode(JSON.stringify({ ...request, sentAt: Date.now() })), { timeout: 5_000 });
      assert.deepEqual(JSON.parse(new TextDecoder().decode(fresh.data)), { node: 'node-b', result: { status: 'Accepted' } });
      assert.deepEqual(client.received.slice(since).filter((f) => f[0] === 2).map((f) => f[2]), ['Reset'], 'one Reset on the wire: the timely one');
    } finally {
      await asker.close();
    }
  });

  test('a charge point connected nowhere is 409 "not connected to any node"', async () => {
    for (const node of cluster.nodes) {
      const result = await command(node, 'CP-NOWHERE', 'reset', { type: 'Soft' });
      assert.equal(result.status, 409);
      assert.match(result.body.message, /not connected to any node/);
    }
  });

  test("the holder's failures keep their meaning: CALLERROR is 502, no answer is 504", async () => {
    const client = clients[2]!;
    client.onCall = () => undefined;
    const pending = command(a, 'CP.C*1:x', 'unlock', { connectorId: 1 });
    const call = await client.waitFor((f) => f[0] === 2 && f[2] === 'UnlockConnector');
    client.sendRaw(JSON.stringify([4, call[1], 'NotSupported', 'no unlocking here', {}]));
    const failed = await pending;
    assert.equal(failed.status, 502);
    assert.match(failed.body.message, /NotSupported/);

    const silent = await command(b, 'CP.C*1:x', 'reset', { type: 'Soft' });
    assert.equal(silent.status, 504, JSON.stringify(silent.body));
    client.onCall = () => ({ status: 'Accepted' });
    assert.equal((await command(b, 'CP.C*1:x', 'reset', { type: 'Soft' })).status, 200, 'the next command works');
  });
});

describe('takeover and lost nodes', { skip }, () => {
  let cluster: TestCluster;
  let a: TestTomada, b: TestTomada, c: TestTomada;
  // Node c reaches NATS through it, so the test can cut node c off as a dead machine would be.
  let proxy: TcpProxy;
  const clients: TestClient[] = [];

  before(async () => {
    const toC = await proxiedNats();
    proxy = toC.proxy;
    cluster = await startCluster(3, { natsUrl: [SHARED_NATS, SHARED_NATS, toC.url] });
    const started = Date.now();
    [a, b, c] = cluster.nodes as [TestTomada, TestTomada, TestTomada];
    await clusterFormed(cluster.nodes);
    // Past each node's one look for campaigns of nodes it does not hear (four heartbeats of 200 ms
    // after its start): the records stored below for a node that does not exist must stay running.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 1_200 - Date.now())));
  });

  after(async () => {
    for (const client of clients) client.ws.terminate();
    await cluster?.close();
    await proxy?.close();
  });

  const connectTo = async (node: TestTomada, id: string) => {
    const client = await TestClient.connect(node.wsUrl, id);
    clients.push(client);
    await boot(client);
    return client;
  };

  test('a charge point that reconnects to another node is taken over: the old node closes its old connection', async () => {
    const old = await connectTo(a, 'CP-MOVER');
    await eventually('node c sees CP-MOVER on node a', () => c.cluster!.holderOf('CP-MOVER') === 'node-a');
    const fresh = await connectTo(b, 'CP-MOVER');
    const closed = await old.closed;
    assert.equal(closed.code, 1000);
    assert.match(closed.reason, /node-b/);
    for (const node of cluster.nodes) await eventually(`${node.cluster!.nodeId} sees CP-MOVER on node b`, () => node.cluster!.holderOf('CP-MOVER') === 'node-b');
    fresh.onCall = () => ({ status: 'Accepted' });
    for (const node of cluster.nodes) assert.deepEqual(await command(node, 'CP-MOVER', 'reset', { type: 'Soft' }), { status: 200, body: { status: 'Accepted' } });
    assert.equal(old.received.filter((f) => f[0] === 2).length, 0, 'the old connection got no command');
  });

  test('a validation campaign is started, answered and cancelled through any node: it runs on its charge point\'s node', async () => {
    await a.api('/api/v1/id-tags/TAG-VAL', { method: 'PUT', body: { status: 'Accepted' } });
    await connectTo(b, 'CP-VAL');
    for (const node of [a, c]) await eventually(`${node.cluster!.nodeId} sees CP-VAL on node b`, () => node.cluster!.holderOf('CP-VAL') === 'node-b');
    const campaign = { chargePointId: 'CP-VAL', connectorId: 1, idTag: 'TAG-VAL', cases: ['authorize.valid'] };
    const first = await a.api('/api/v1/validations', { body: campaign });
    assert.equal(first.status, 202, JSON.stringify(first.body));
    assert.equal(first.body.node, 'node-b', 'started on the node holding CP-VAL, not on the node asked');
    const id = first.body.id as string;
    await eventually('its manual step shows through node c', async () => (await c.api(`/api/v1/validations/${id}`)).body.cases[0].status === 'waiting');
    const answered = await c.api(`/api/v1/validations/${id}/cases/authorize.valid/confirm`, { body: { done: false, note: 'no card at hand' } });
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    assert.equal(answered.body.id, id);
    const finished = await eventually('the campaign ends on node b', async () => {
      const { body } = await a.api(`/api/v1/validations/${id}`);
      return body.status === 'finished' && body;
    });
    assert.deepEqual([finished.cases[0].status, finished.cases[0].reason], ['manual', 'not run: no card at hand']);

    const second = await c.api('/api/v1/validations', { body: campaign });
    assert.equal(second.status, 202, JSON.stringify(second.body));
    assert.equal(second.body.node, 'node-b');
    await eventually('the second campaign waits for the operator', async () => (await b.api(`/api/v1/validations/${second.body.id}`)).body.cases[0].status === 'waiting');
    const busy = await a.api('/api/v1/validations', { body: campaign });
    assert.equal(busy.status, 409, JSON.stringify(busy.body));
    assert.match(busy.body.message, /already running for "CP-VAL"/);
    const cancelled = await a.api(`/api/v1/validations/${second.body.id}/cancel`, { body: { reason: 'cancelled through node a' } });
    // Node b answers at once, its wrap-up under way (until 2026-12-07 it answered once that was over).
    assert.equal(cancelled.status, 202, JSON.stringify(cancelled.body));
    assert.deepEqual([cancelled.body.status, cancelled.body.cancelling?.reason], ['running', 'cancelled through node a']);
    await eventually('node b ends the cancelled campaign', async () => (await c.api(`/api/v1/validations/${second.body.id}`)).body.status === 'cancelled');
    assert.equal((await b.api(`/api/v1/validations/${second.body.id}`)).body.cancelling, undefined, 'gone once it has ended');

    // Node b's refusals come back as node b gave them.
    const unknownCase = await c.api('/api/v1/validations', { body: { ...campaign, cases: ['no.such.case'] } });
    assert.equal(unknownCase.status, 400, JSON.stringify(unknownCase.body));
    assert.match(unknownCase.body.message, /^Unknown case no\.such\.case/);

    // A campaign whose node answers nobody: 503, naming it, and nothing changed.
    await a.store.transact((tx) => tx.putValidation(runningCampaign('val-on-gone', 'node-gone')));
    for (const [path, body] of [
      ['/api/v1/validations/val-on-gone/cancel', { reason: 'wrong node' }],
      ['/api/v1/validations/val-on-gone/cases/authorize.valid/confirm', { done: true }],
    ] as const) {
      const unreachable = await a.api(path, { body });
      assert.equal(unreachable.status, 503, JSON.stringify(unreachable.body));
      assert.match(unreachable.body.message, /^Node "node-gone" does not answer: .*Campaign val-on-gone runs on node "node-gone": send this request to that node/);
    }
    assert.equal((await a.api('/api/v1/validations/val-on-gone')).body.status, 'running', 'nothing was cancelled');
    // A request already carried once is answered where it arrives: 409, naming the node.
    const carried = await fetch(`${a.httpUrl}/api/v1/validations/val-on-gone/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'x-tomada-forwarded-by': 'node-c' },
      body: '{}',
    });
    assert.equal(carried.status, 409);
    assert.match(((await carried.json()) as { message: string }).message, /^Campaign val-on-gone runs on node "node-gone": send this request to that node/);
  });

  test('a cancel carried to the campaign’s node during its wrap-up is answered at once, naming the session the wrap-up left', async () => {
    await a.api('/api/v1/id-tags/TAG-WRAP', { method: 'PUT', body: { status: 'Accepted' } });
    const client = await connectTo(b, 'CP-WRAP');
    // It starts the remote start's session, and accepts remote stops without ever stopping it.
    client.onCall = (action, payload) => {
      if (action === 'RemoteStartTransaction') void client.ok('StartTransaction', { connectorId: payload.connectorId, idTag: payload.idTag, meterStart: 0, timestamp: new Date().toISOString() });
      return { status: 'Accepted' };
    };
    await eventually('node a sees CP-WRAP on node b', () => a.cluster!.holderOf('CP-WRAP') === 'node-b');
    // Its wrap-up would wait 30 s for the StopTransaction; node a waits for node b's answer only twice the call timeout and 5 s.
    const started = await a.api('/api/v1/validations', { body: { chargePointId: 'CP-WRAP', connectorId: 1, idTag: 'TAG-WRAP', cases: ['remote.start'], timing: { caseTimeoutS: 30 } } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    await eventually('the wrap-up sent its remote stop', () => client.received.some((f) => f[0] === 2 && f[2] === 'RemoteStopTransaction'));
    const cancelled = await a.api(`/api/v1/validations/${started.body.id}/cancel`, { body: {} });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.deepEqual([cancelled.body.status, cancelled.body.verdict], ['finished', 'pass']);
    assert.equal(cancelled.body.leftRunning?.length, 1, JSON.stringify(cancelled.body.leftRunning));
    assert.match(cancelled.body.leftRunning[0].reason, /^the campaign was cancelled during its wrap-up: /);
  });

  test("a campaign the other nodes closed as their lost node's keeps its closed record when that node wakes up", async () => {
    // Node a was only frozen (a long pause, a stalled link): node b judged it lost and closed its
    // campaign; node a then goes on with it, and must not bring the closed record back to life.
    await a.api('/api/v1/id-tags/TAG-WOKEN', { method: 'PUT', body: { status: 'Accepted' } });
    await connectTo(a, 'CP-WOKEN');
    const started = await a.api('/api/v1/validations', { body: { chargePointId: 'CP-WOKEN', connectorId: 1, idTag: 'TAG-WOKEN', cases: ['authorize.valid'] } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const id = started.body.id as string;
    await eventually('its manual step waits', async () => (await a.api(`/api/v1/validations/${id}`)).body.cases[0].status === 'waiting');
    assert.equal(await b.campaigns.closeLostNodes('node-a'), 1);
    // Node a's run still waits for the step; answered, its case ends and the campaign with it.
    await a.api(`/api/v1/validations/${id}/cases/authorize.valid/confirm`, { body: { done: false, note: 'woken' } });
    await eventually('node a no longer runs it', async () => (await a.campaigns.get(id))?.status !== 'running');
    const stored = await a.store.getValidation(id);
    assert.deepEqual([stored?.status, stored?.verdict, stored?.cases[0]?.reason], ['cancelled', 'incomplete', 'the node running the campaign was lost']);
    const finished = (await a.store.listEvents({ type: 'validationFinished', limit: 50 })).filter((e) => e.data.validationId === id);
    assert.equal(finished.length, 1, 'ended once, by the node that closed it');
  });

  test('a node that falls silent is lost: its charge points stop counting as connected, a command waiting on it fails at once, an event is kept', async () => {
    // A campaign node c was running: once c is lost, it is closed as incomplete, once.
    await a.store.transact((tx) => tx.putValidation(runningCampaign('val-on-c', 'node-c', 'CP-ON-C')));
    const held = await connectTo(c, 'CP-ON-C');
    await eventually('node a sees CP-ON-C', () => connected(a, 'CP-ON-C'));
    held.onCall = () => undefined; // never answers: the command waits on node c
    const pending = command(a, 'CP-ON-C', 'reset', { type: 'Hard' });
    await held.waitFor((f) => f[0] === 2 && f[2] === 'Reset');
    // Node c is cut off from NATS (as if its process or network died): its connection is gone
    // without a word, no more heartbeats, and it cannot connect again.
    proxy.refuse();
    proxy.cutAll();
    const failed = await pending;
    assert.equal(failed.status, 502, JSON.stringify(failed.body));
    // The Reset reached the charge point: the operator must not read the failure as "not done".
    assert.match(failed.body.message, /node-c was lost .*may have been carried out/);
    for (const node of [a, b]) {
      await eventually(`${node.cluster!.nodeId} no longer counts CP-ON-C as connected`, async () => !(await connected(node, 'CP-ON-C')));
      assert.deepEqual(node.cluster!.liveNodes(), [node === a ? 'node-b' : 'node-a']);
    }
    // Each node records its own event as it judges, in a batch of its own: read once both are in.
    const lost = await eventually('both nodes recorded node c lost', async () => {
      const recorded = (await a.store.listEvents({ type: 'nodeLost', limit: 50 })).filter((e) => e.data.node === 'node-c');
      return recorded.length === 2 && recorded;
    });
    assert.deepEqual(lost.map((e) => e.data.noticedBy).sort(), ['node-a', 'node-b']);
    assert.deepEqual(lost[0]!.data.chargePointIds, ['CP-ON-C']);
    const campaign = await eventually('the lost node\'s campaign is closed', async () => {
      const { body } = await b.api('/api/v1/validations/val-on-c');
      return body.status === 'cancelled' && body;
    });
    assert.equal(campaign.verdict, 'incomplete');
    assert.deepEqual(campaign.cases.map((item: { status: string; reason: string }) => [item.status, item.reason]), [
      ['pass', 'ok'],
      ['skipped', 'the node running the campaign was lost'],
    ]);
    const finished = (await a.store.listEvents({ type: 'validationFinished', limit: 50 })).filter((e) => e.data.validationId === 'val-on-c');
    assert.equal(finished.length, 1, 'both nodes noticed; one closed it');
    const after = await command(b, 'CP-ON-C', 'reset', { type: 'Soft' });
    assert.equal(after.status, 409, 'no node holds it any more as far as NATS knows');
    // Node c itself, without NATS, still takes charge points and commands for them.
    const local = await connectTo(c, 'CP-LATE-ON-C');
    local.onCall = () => ({ status: 'Accepted' });
    assert.deepEqual(await command(c, 'CP-LATE-ON-C', 'reset', { type: 'Soft' }), { status: 200, body: { status: 'Accepted' } });
  });
});
