// Stopping a node of a cluster: the stop always finishes, whatever state its NATS link is in
// (down and reconnecting, or silent without being closed), so `tomada serve` exits on SIGTERM
// and its store is closed; and the other nodes are told it left, so a planned stop (a rolling
// restart) is no lost node, while its charge points end up on the nodes they reconnect to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { ClusterRouter } from '../../src/cluster/cluster-router.js';
import { boot, TestClient } from '../support/ocpp-client.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import { clusterFormed, eventually, PrivateNats, randomPrefix, sleep, startCluster } from './helpers.js';

const skip = PrivateNats.unavailable();

/** How long `work` took, or 'still running' once `limitMs` has passed. */
async function timed(work: Promise<unknown>, limitMs: number): Promise<number | 'still running'> {
  const started = Date.now();
  return Promise.race([work.then(() => Date.now() - started), sleep(limitMs).then(() => 'still running' as const)]);
}

test('a node stops while NATS is down, after having been connected', { skip, timeout: 30_000 }, async () => {
  const nats = await PrivateNats.start();
  const cluster = await startCluster(1, { natsUrl: nats.url });
  const node = cluster.nodes[0]!;
  try {
    await eventually('connected to NATS', () => node.cluster!.natsUp);
    await nats.kill();
    await eventually('NATS noticed down', () => !node.cluster!.natsUp);
    const took = await timed(node.stop(), 8_000);
    assert.ok(typeof took === 'number' && took < 3_000, `stop took ${took}`);
  } finally {
    await Promise.race([cluster.close(), sleep(5_000)]);
    await nats.kill();
  }
});

test('a node stops while its link to NATS is silent (nothing closed, nothing gets through)', { skip, timeout: 30_000 }, async () => {
  const nats = await PrivateNats.start();
  const proxy = await TcpProxy.start({ host: '127.0.0.1', port: nats.port });
  const node = await startTestTomada({ cluster: { natsUrl: `nats://127.0.0.1:${proxy.port}`, nodeId: 'node-a', prefix: randomPrefix(), heartbeatMs: 200 } });
  try {
    await eventually('connected to NATS', () => node.cluster!.natsUp);
    proxy.stall();
    // The drain cannot be flushed through a silent link: it is given up after 2 s.
    const took = await timed(node.stop(), 8_000);
    assert.ok(typeof took === 'number' && took < 4_000, `stop took ${took}`);
  } finally {
    proxy.restore();
    await Promise.race([node.close(), sleep(5_000)]);
    await proxy.close();
    await nats.kill();
  }
});

test('a node that stops says it leaves: the others forget it at once, as left and not lost, and its charge point ends up on the node it reconnects to', { skip, timeout: 60_000 }, async () => {
  const nats = await PrivateNats.start();
  // 1 s heartbeats: a node would be judged lost 3 s after its last one, well after it has left.
  const cluster = await startCluster(3, { natsUrl: nats.url, heartbeatMs: 1_000 });
  const [a, b, c] = cluster.nodes as [TestTomada, TestTomada, TestTomada];
  // A second charge point, behind a link that goes silent, keeps node a's stop waiting for its
  // close handshake (2 s): the time during which a charge point told to go may come back.
  const proxy = await TcpProxy.start({ host: '127.0.0.1', port: a.ocppPort });
  const clients: TestClient[] = [];
  const connect = async (url: string, id = 'CP-MOVING') => {
    const client = await TestClient.connect(url, id);
    clients.push(client);
    return client;
  };
  try {
    await clusterFormed(cluster.nodes);
    await boot(await connect(a.wsUrl));
    await boot(await connect(`ws://127.0.0.1:${proxy.port}/ocpp`, 'CP-SILENT'));
    await eventually('node c sees CP-MOVING on node a', () => c.cluster!.holderOf('CP-MOVING') === 'node-a');
    // Told to go, the charge point tries the stopping node again first (a load balancer may not
    // know yet), then another one.
    const moved = clients[0]!.closed.then(async (close) => {
      const again = await connect(a.wsUrl).then(
        () => 'accepted',
        () => 'refused',
      );
      const client = await connect(b.wsUrl);
      await boot(client);
      client.onCall = () => ({ status: 'Accepted' });
      return { close, again };
    });

    proxy.stall();
    const took = await timed(a.stop(), 10_000);
    assert.ok(typeof took === 'number' && took < 5_000, `stop took ${took}`);
    for (const node of [b, c]) {
      await eventually(`${node.cluster!.nodeId} forgets node a at once`, () => node.cluster!.liveNodes().length === 1, 500);
    }
    const { close, again } = await moved;
    assert.equal(close.code, 1001);
    assert.equal(again, 'refused', 'the stopping node took the charge point back');
    for (const node of [b, c]) await eventually(`${node.cluster!.nodeId} sees CP-MOVING on node b`, () => node.cluster!.holderOf('CP-MOVING') === 'node-b');
    const reset = await c.api('/api/v1/charge-points/CP-MOVING/commands/reset', { method: 'POST', body: { type: 'Soft' } });
    assert.deepEqual(reset, { status: 200, body: { status: 'Accepted' } });

    await sleep(4_000); // past the time node a would have been judged lost
    const events = await b.store.listEvents({ limit: 100 });
    assert.deepEqual(events.filter((e) => e.type === 'nodeLost'), []);
    const left = events.filter((e) => e.type === 'nodeLeft');
    assert.deepEqual(left.map((e) => e.data.noticedBy).sort(), ['node-b', 'node-c']);
    // Its charge points' releases went out before it left: it claimed none any more.
    for (const event of left) assert.deepEqual(event.data, { node: 'node-a', noticedBy: event.data.noticedBy, chargePoints: 0, chargePointIds: [] });
    assert.deepEqual(c.cluster!.liveNodes(), ['node-b']);
  } finally {
    for (const client of clients) client.ws.terminate();
    await proxy.close();
    await Promise.race([cluster.close(), sleep(10_000)]);
    await nats.kill();
  }
});

test('a node that stops sends the answers it finishes meanwhile before it says it leaves', { skip, timeout: 30_000 }, async () => {
  const nats = await PrivateNats.start();
  const prefix = randomPrefix();
  const log = pino({ level: 'silent' });
  const asker = new ClusterRouter({ natsUrl: nats.url, nodeId: 'asker', prefix, heartbeatMs: 200, requestTimeoutMs: 3_000, log });
  const stopping = new ClusterRouter({ natsUrl: nats.url, nodeId: 'stopping', prefix, heartbeatMs: 200, requestTimeoutMs: 3_000, log });
  let release!: () => void;
  let runs = 0;
  stopping.serve('api', async () => {
    runs++;
    await new Promise<void>((resolve) => (release = resolve));
    return new TextEncoder().encode('done');
  });
  try {
    await eventually('the nodes hear each other', () => asker.liveNodes().includes('stopping') && stopping.liveNodes().includes('asker'));
    const answer = asker.ask('stopping', 'api', new TextEncoder().encode('work'), 5_000).then(
      (data) => new TextDecoder().decode(data),
      (error: unknown) => error,
    );
    await eventually('the stopping node works on the request', () => runs === 1);
    const stopped = stopping.close();
    await sleep(200); // the work ends while the node stops
    release();
    await stopped;
    assert.equal(await answer, 'done');
    assert.equal(runs, 1);
  } finally {
    await Promise.all([asker.close(), stopping.close()]);
    await nats.kill();
  }
});
