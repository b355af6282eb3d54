// Two processes started under one TOMADA_NODE_ID: each says so as an error, naming the other
// process, once a minute rather than with each of its heartbeats (five a second here), in a log
// line whose fields are each given once.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { ClusterRouter } from '../../src/cluster/cluster-router.js';
import { natsUnavailable, randomPrefix, SHARED_NATS, sleep } from './helpers.js';

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
