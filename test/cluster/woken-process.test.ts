// A frozen process (SIGSTOP: its NATS connection and subscriptions stay) wakes up beside the
// process that replaced it under its node id. What it says on waking (heartbeats of its own
// instance, the release of a charge point that left it while it was frozen) is that of a process
// superseded: the other nodes keep the replacement's claims and send it the commands.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import { pino } from 'pino';
import { ClusterRouter } from '../../src/cluster/cluster-router.js';
import { TestClient } from '../support/ocpp-client.js';
import { spawnServer } from '../support/process.js';
import { eventually, natsUnavailable, randomPrefix, SHARED_NATS, sleep } from './helpers.js';

const skip = await natsUnavailable();
const HEARTBEAT_MS = 200;

const router = (nodeId: string, prefix: string) =>
  new ClusterRouter({ natsUrl: SHARED_NATS, nodeId, prefix, heartbeatMs: HEARTBEAT_MS, requestTimeoutMs: 1_000, log: pino({ level: 'silent' }) });

test('a frozen process that wakes beside its replacement: the other nodes keep the replacement as the holder', { skip, timeout: 60_000 }, async () => {
  const prefix = randomPrefix();
  const dir = mkdtempSync(join(tmpdir(), 'tomada-woken-'));
  const earlier = await spawnServer({
    TOMADA_DATABASE_URL: `sqlite:${join(dir, 'earlier.db')}`,
    TOMADA_NATS_URL: SHARED_NATS,
    TOMADA_NATS_PREFIX: prefix,
    TOMADA_NODE_ID: 'node-a',
    TOMADA_NODE_HEARTBEAT_MS: String(HEARTBEAT_MS),
    TOMADA_UNKNOWN_CHARGE_POINTS: 'accept',
  });
  const routers: ClusterRouter[] = [];
  // What node-a's processes say on NATS, heard as any node hears it.
  const listener: NatsConnection = await connect({ servers: SHARED_NATS });
  const releasedLeft: unknown[] = [];
  const heartbeatInstances = new Set<string>();
  listener.subscribe(`${prefix}.cp.CP-LEFT.released`, { callback: (_e, msg) => releasedLeft.push(msg.json()) });
  try {
    const asker = router('node-b', prefix);
    routers.push(asker);
    const leaving = await TestClient.connect(`ws://127.0.0.1:${earlier.ocppPort}/ocpp`, 'CP-LEFT');
    await eventually('the asker hears the earlier process hold CP-LEFT', () => asker.holderOf('CP-LEFT') === 'node-a');

    earlier.child.kill('SIGSTOP');
    // The charge point gives up on the frozen process and reconnects to its replacement. Its
    // socket is closed by the kernel; the frozen process reads the end only when it wakes.
    leaving.ws.terminate();
    const replacement = router('node-a', prefix);
    routers.push(replacement);
    const sent: string[] = [];
    const target = (id: string) => ({
      execute: async () => {
        sent.push(id);
        return { status: 'Accepted' };
      },
    });
    await eventually('the asker hears the replacement', () => asker.liveNodes().includes('node-a') && asker.cluster().nodes.some((n) => n.node === 'node-a' && n.chargePoints === 0));
    replacement.attach('CP-LEFT', target('CP-LEFT'));
    replacement.attach('CP-STAYED', target('CP-STAYED'));
    await eventually('the asker knows the replacement holds both', () => asker.holderOf('CP-LEFT') === 'node-a' && asker.holderOf('CP-STAYED') === 'node-a');

    listener.subscribe(`${prefix}.node.heartbeat`, {
      callback: (_e, msg) => {
        const body = msg.json<{ node: string; instance: string }>();
        if (body.node === 'node-a') heartbeatInstances.add(body.instance);
      },
    });
    earlier.child.kill('SIGCONT');
    await eventually('the earlier process has woken and released CP-LEFT', () => earlier.logged.includes('charge point disconnected') && releasedLeft.length > 0, 10_000);
    // Ten of its heartbeats: at no moment may the asker lose the replacement's claims.
    const lapses: string[] = [];
    const until = Date.now() + 10 * HEARTBEAT_MS;
    while (Date.now() < until) {
      for (const id of ['CP-LEFT', 'CP-STAYED']) if (asker.holderOf(id) !== 'node-a') lapses.push(`${id} at +${Date.now() - until + 10 * HEARTBEAT_MS} ms`);
      await sleep(5);
    }
    assert.deepEqual(lapses, [], 'the replacement held both all along');
    // The premise: both processes of node-a were heard meanwhile, and the replacement never released CP-LEFT.
    assert.equal(heartbeatInstances.size, 2, 'heartbeats of the earlier process and of its replacement');
    assert.equal(releasedLeft.length, 1, 'CP-LEFT released once, by the earlier process');
    const answers = await Promise.allSettled(['CP-LEFT', 'CP-STAYED'].flatMap((id) => Array.from({ length: 4 }, () => asker.send(id, { kind: 'reset', type: 'Soft' }))));
    assert.deepEqual(answers.filter((a) => a.status === 'rejected').map((a) => String((a as PromiseRejectedResult).reason)), [], 'every command answered by the replacement');
    assert.equal(sent.length, 8);
  } finally {
    earlier.child.kill('SIGKILL');
    await earlier.exited;
    await Promise.all(routers.map((r) => r.close()));
    await listener.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
