// A command whose asker answered "node lost" must not be carried out by the holder when the holder
// comes back (commit 1d0b94a: "a holder frozen 22 s carried out on waking an Unlock its asker had
// answered 502 'node lost' 15 s before"). With the call timeout the nodes run by default (30 s),
// the request carries 30 s to be sent, and a holder back within that carried it out.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { boot, TestClient } from '../support/ocpp-client.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startTestTomada } from '../support/tomada.js';
import { clusterFormed, eventually, natsUnavailable, randomPrefix, SHARED_NATS, sleep } from './helpers.js';

const skip = await natsUnavailable();

test('a command answered "node lost" is not carried out when the holder comes back', { skip, timeout: 60_000 }, async () => {
  const shared = new URL(SHARED_NATS);
  // The holder's link goes silent, as a frozen process's does (SIGSTOP), then comes back.
  const proxy = await TcpProxy.start({ host: shared.hostname, port: Number(shared.port) });
  const dir = mkdtempSync(join(tmpdir(), 'tomada-late-'));
  const prefix = randomPrefix();
  // The default call timeout (30 s); 200 ms heartbeats: a silent node is lost after 600 ms.
  const cluster = (nodeId: string, natsUrl: string) => ({ unknownChargePoints: 'accept' as const, callTimeoutMs: 30_000, cluster: { natsUrl, nodeId, prefix, heartbeatMs: 200 } });
  const a = await startTestTomada(cluster('node-a', SHARED_NATS), dir);
  const b = await startTestTomada(cluster('node-b', `nats://127.0.0.1:${proxy.port}`), dir);
  const client = await TestClient.connect(b.wsUrl, 'CP-ON-B');
  try {
    await boot(client);
    const received: string[] = [];
    client.onCall = (action: string) => {
      received.push(action);
      return { status: 'Unlocked' };
    };
    await clusterFormed([a, b]);
    await eventually('node a sees CP-ON-B', () => a.cluster!.holderOf('CP-ON-B') === 'node-b');

    proxy.stall();
    const answer = await a.api('/api/v1/charge-points/CP-ON-B/commands/unlock', { method: 'POST', body: { connectorId: 1 } });
    const toldAt = Date.now();
    assert.notEqual(answer.status, 200, JSON.stringify(answer.body));
    assert.match(String(answer.body.message), /was lost/, JSON.stringify(answer.body));
    // Back before nats.js gives up on the silent link (two unanswered pings, 1 s apart).
    await sleep(200);
    proxy.restore();
    await sleep(3_000);
    assert.deepEqual(received, [], `UnlockConnector carried out after the operator was told ${answer.status} "${answer.body.message}" (${Date.now() - toldAt} ms before this check)`);
  } finally {
    proxy.restore();
    client.ws.terminate();
    await Promise.race([Promise.all([a.close(), b.close()]), sleep(10_000)]);
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
