// A node reads another's full list of holdings (its heartbeat's digest differed: a node just
// started, or an announcement missed) in pages, while charge points keep connecting to and leaving
// the node read, as on a large network. The list read is the node's as at one moment, and the
// announcements heard while it was read apply on top of it: one read makes the view right, and the
// next heartbeats ask for no other.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from 'nats';
import { pino } from 'pino';
import { ClusterRouter } from '../../src/cluster/cluster-router.js';
import { eventually, natsUnavailable, randomPrefix, SHARED_NATS, sleep } from './helpers.js';

const skip = await natsUnavailable();
const HEARTBEAT_MS = 200;
/** Three pages of holdings (2,000 each). */
const HELD = 5_000;

const router = (nodeId: string, prefix: string) =>
  new ClusterRouter({ natsUrl: SHARED_NATS, nodeId, prefix, heartbeatMs: HEARTBEAT_MS, requestTimeoutMs: 2_000, log: pino({ level: 'silent' }) });
const target = { execute: async () => ({ status: 'Accepted' }) };

test('holdings read in pages while charge points come and go: one read, and the view matches the node', { skip, timeout: 60_000 }, async () => {
  const prefix = randomPrefix();
  const held = router('node-held', prefix);
  const detach = new Map<string, () => void>();
  for (let i = 0; i < HELD; i++) detach.set(`CP-${i}`, held.attach(`CP-${i}`, target));
  // Every request for node-held's holdings, as NATS carries it.
  const listener = await connect({ servers: SHARED_NATS });
  let reads = 0;
  listener.subscribe(`${prefix}.node.node-held.>`, {
    callback: (_e, msg) => {
      if (msg.subject.endsWith('.holdings') && (msg.json<{ offset: number }>().offset === 0)) reads++;
    },
  });
  await listener.flush();
  // Churn: the oldest charge point leaves and a new one connects, a pair every millisecond or so.
  let next = HELD;
  let churning = true;
  const churn = (async () => {
    while (churning) {
      const [oldest, leave] = detach.entries().next().value as [string, () => void];
      leave();
      detach.delete(oldest);
      const id = `CP-${next++}`;
      detach.set(id, held.attach(id, target));
      await sleep(1);
    }
  })();
  const reader = router('node-reader', prefix);
  try {
    await eventually('the reader has read the holdings once', () => reads >= 1);
    await sleep(10 * HEARTBEAT_MS);
    churning = false;
    await churn;
    const readsDuringChurn = reads;
    // Quiet now: whatever the view lacks, the next heartbeat shows and one more read mends.
    await sleep(3 * HEARTBEAT_MS);
    const missing = [...detach.keys()].filter((id) => reader.holderOf(id) !== 'node-held');
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} charge points held and not in the reader's view`);
    assert.equal(readsDuringChurn, 1, 'one read of the holdings while they changed: the view it made matched at every heartbeat after it');
    assert.ok(next - HELD > 100, `the premise: charge points came and went during the reads (${next - HELD} pairs)`);
  } finally {
    churning = false;
    await churn;
    await Promise.all([held.close(), reader.close()]);
    await listener.close();
  }
});
