// Two processes started under one TOMADA_NODE_ID: each says so as an error, naming the other
// process, once a minute rather than with each of its heartbeats (five a second here), in a log
// line whose fields are each given once. And a frozen process (SIGSTOP: its NATS connection and
// subscriptions stay) whose replacement runs under its node id: commands and requests sent to that
// node by name reach the replacement only.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { ClusterRouter } from '../../src/cluster/cluster-router.js';
import { spawnServer } from '../support/process.js';
import { eventually, natsUnavailable, randomPrefix, SHARED_NATS, sleep } from './helpers.js';

const skip = await natsUnavailable();

/** A router of its own logging JSON lines into `lines`. */
function router(nodeId: string, prefix: string, lines: string[]): ClusterRouter {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return new ClusterRouter({ natsUrl: SHARED_NATS, nodeId, prefix, heartbeatMs: 200, requestTimeoutMs: 1_000, log: pino({ level: 'info' }, stream) });
}

test('a node id used by two running processes: reported by each, once, naming the other', { skip }, async () => {
  const prefix = randomPrefix();
  const first: string[] = [];
  const second: string[] = [];
  const a = router('lisbon-1', prefix, first);
  const b = router('lisbon-1', prefix, second);
  try {
    await sleep(2_000); // about ten heartbeats of each
    for (const lines of [first, second]) {
      const reports = lines.filter((line) => line.includes('same node id'));
      assert.equal(reports.length, 1, `one report, got: ${reports.join('\n')}`);
      const report = reports[0]!;
      assert.equal(report.match(/"node":/g)?.length, 1, `each field once: ${report}`);
      const parsed = JSON.parse(report) as { level: number; node: string; otherInstance: string };
      assert.equal(parsed.level, 50, 'an error');
      assert.equal(parsed.node, 'lisbon-1');
      assert.match(parsed.otherInstance, /^[0-9a-f-]{36}$/);
    }
    const instanceOf = (lines: string[]) => (JSON.parse(lines.find((line) => line.includes('same node id'))!) as { otherInstance: string }).otherInstance;
    assert.notEqual(instanceOf(first), instanceOf(second), 'each names the other process');
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('a frozen process and its replacement under the same node id: commands and requests by name reach the replacement only', { skip, timeout: 60_000 }, async () => {
  const prefix = randomPrefix();
  const dir = mkdtempSync(join(tmpdir(), 'tomada-frozen-'));
  // The earlier process of node-a: it joins the cluster, then freezes with its NATS subscriptions
  // still in place (the server drops them only when its pings give up, minutes later).
  const frozen = await spawnServer({
    TOMADA_DATABASE_URL: `sqlite:${join(dir, 'frozen.db')}`,
    TOMADA_NATS_URL: SHARED_NATS,
    TOMADA_NATS_PREFIX: prefix,
    TOMADA_NODE_ID: 'node-a',
    TOMADA_NODE_HEARTBEAT_MS: '200',
  });
  const routers: ClusterRouter[] = [];
  try {
    await eventually('the earlier process is connected to NATS', () => frozen.logged.includes('connected to NATS'));
    frozen.child.kill('SIGSTOP');
    // Started once it is frozen, as a replacement is: they hear none of its heartbeats.
    const replacement = router('node-a', prefix, []);
    // Served from its start, as a node's services are: subscribed before its first heartbeat goes out.
    replacement.serve('api', async () => new TextEncoder().encode('done'));
    const asker = router('node-b', prefix, []);
    routers.push(replacement, asker);
    // Heard by its heartbeat (nothing is claimed yet): the asker knows the replacement's instance.
    await eventually('the asker hears the replacement', () => asker.liveNodes().includes('node-a'));
    const sent: string[] = [];
    replacement.attach('CP-MOVED', {
      execute: async (command) => {
        sent.push(command.kind);
        return { status: 'Accepted' };
      },
    });
    await eventually('the asker knows the replacement holds CP-MOVED', () => asker.holderOf('CP-MOVED') === 'node-a');
    // Sent at once: a request the frozen process took would time out (after 1 s), not be answered.
    const answers = await Promise.allSettled(Array.from({ length: 8 }, () => asker.send('CP-MOVED', { kind: 'reset', type: 'Soft' })));
    const failures = answers.filter((answer) => answer.status === 'rejected').map((answer) => String((answer as PromiseRejectedResult).reason));
    assert.deepEqual(failures, [], 'every command answered by the replacement');
    assert.equal(sent.length, 8);
    // Work only that node can do (an API request carried to it) takes the same way.
    const asked = await Promise.allSettled(Array.from({ length: 8 }, () => asker.ask('node-a', 'api', new Uint8Array(), 1_000)));
    assert.deepEqual(asked.filter((answer) => answer.status === 'rejected').map((answer) => String((answer as PromiseRejectedResult).reason)), [], 'every request answered by the replacement');
  } finally {
    frozen.child.kill('SIGKILL');
    await frozen.exited;
    await Promise.all(routers.map((r) => r.close()));
    rmSync(dir, { recursive: true, force: true });
  }
});
