// Stopping a node of a cluster: the stop always finishes, whatever state its NATS link is in
// (down and reconnecting, or silent without being closed), so `tomada serve` exits on SIGTERM
// and its store is closed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestTomada } from '../support/tomada.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { eventually, PrivateNats, randomPrefix, sleep, startCluster } from './helpers.js';

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
