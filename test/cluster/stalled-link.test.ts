// A node whose own link to NATS goes silent (half-open TCP, a stalled path: nothing is closed, so
// nats.js notices only when its pings go unanswered) hears nobody, and must take that for its own
// outage: it declares no other node lost, keeps no nodeLost event, and fails no command with
// "node X was lost". When the link carries messages again, everything works as before.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { boot, TestClient } from '../support/ocpp-client.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startTestTomada } from '../support/tomada.js';
import { clusterFormed, eventually, PrivateNats, randomPrefix, sleep } from './helpers.js';

const skip = PrivateNats.unavailable();

test('a node whose own NATS link stalls declares no healthy node lost', { skip, timeout: 60_000 }, async () => {
  const nats = await PrivateNats.start();
  const proxy = await TcpProxy.start({ host: '127.0.0.1', port: nats.port });
  const dir = mkdtempSync(join(tmpdir(), 'tomada-stall-'));
  const prefix = randomPrefix();
  // 200 ms heartbeats: the others are judged lost after 600 ms, long before NATS's pings fail.
  const cluster = (nodeId: string, natsUrl: string) => ({ unknownChargePoints: 'accept' as const, callTimeoutMs: 3_000, cluster: { natsUrl, nodeId, prefix, heartbeatMs: 200 } });
  const a = await startTestTomada(cluster('node-a', `nats://127.0.0.1:${proxy.port}`), dir);
  const b = await startTestTomada(cluster('node-b', nats.url), dir);
  const client = await TestClient.connect(b.wsUrl, 'CP-ON-B');
  const reset = () => a.api('/api/v1/charge-points/CP-ON-B/commands/reset', { method: 'POST', body: { type: 'Soft' } });
  try {
    await boot(client);
    client.onCall = () => ({ status: 'Accepted' });
    await clusterFormed([a, b]);
    await eventually('node a sees CP-ON-B', () => a.cluster!.holderOf('CP-ON-B') === 'node-b');

    proxy.stall();
    const waiting = reset();
    await sleep(1_500);
    assert.deepEqual(a.cluster!.liveNodes(), ['node-b'], 'node a still counts node b as alive');
    assert.equal(a.cluster!.natsUp, false, 'node a knows its own link carries nothing');
    assert.equal(a.cluster!.holderOf('CP-ON-B'), undefined, 'as when NATS is down: what others hold is not known');
    const answer = await waiting;
    assert.notEqual(answer.status, 200);
    assert.doesNotMatch(String(answer.body.message), /was lost/);
    const lost = (await a.store.listEvents({ type: 'nodeLost', limit: 50 })).filter((e) => e.data.noticedBy === 'node-a');
    assert.deepEqual(lost, [], 'node a declared node b lost for its own outage');

    proxy.restore();
    await clusterFormed([a, b]);
    await eventually('node a routes to CP-ON-B again', async () => (await reset()).status === 200, 20_000);
  } finally {
    proxy.restore();
    client.ws.terminate();
    await Promise.race([Promise.all([a.close(), b.close()]), sleep(10_000)]);
    await proxy.close();
    await nats.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
