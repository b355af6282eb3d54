// The bookkeeping of what other nodes hold (no NATS): newest claim wins, releases, digests that
// detect a missed announcement, restarts, lost nodes; and subject names for any charge point id.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ClusterView } from '../../src/cluster/cluster-view.js';
import { idHash, SetDigest } from '../../src/cluster/digest.js';
import { Subjects, subjectToken, tokenText } from '../../src/cluster/subjects.js';
import { ConfigError, loadConfig } from '../../src/config.js';

test('the newest claim holds a charge point; ties go to the greater node id; a release by a non-holder changes nothing', () => {
  const view = new ClusterView(1_000);
  view.claim('CP1', 'node-a', 100, 0);
  assert.deepEqual(view.holder('CP1'), { node: 'node-a', since: 100 });
  view.claim('CP1', 'node-b', 200, 0);
  assert.deepEqual(view.holder('CP1'), { node: 'node-b', since: 200 });
  // A late, older takeover does not win.
  view.claim('CP1', 'node-c', 150, 0);
  assert.equal(view.holder('CP1')?.node, 'node-b');
  view.claim('CP2', 'node-a', 300, 0);
  view.claim('CP2', 'node-c', 300, 0);
  assert.equal(view.holder('CP2')?.node, 'node-c');
  view.unclaim('CP1', 'node-a', 0);
  assert.equal(view.holder('CP1')?.node, 'node-b', 'released by a node that does not hold it');
  view.unclaim('CP1', 'node-b', 0);
  assert.equal(view.holder('CP1')?.node, 'node-c', 'the next newest claim is the holder once the newest is released');
  view.unclaim('CP1', 'node-c', 0);
  assert.equal(view.holder('CP1'), undefined);
});

test('a heartbeat whose count and digest differ from what was heard asks for the full list; after it, they match', () => {
  const view = new ClusterView(1_000);
  const held = ['CP1', 'CP2', 'CP3'];
  const digest = new SetDigest();
  held.forEach((id) => digest.add(id));
  view.claim('CP1', 'node-a', 1, 0);
  view.claim('CP2', 'node-a', 1, 0); // CP3's takeover was missed
  assert.equal(view.heartbeat('node-a', 'i1', digest.count, digest.value, 10), true);
  view.replaceClaims('node-a', held.map((id) => [id, 1] as const), 10);
  assert.equal(view.heartbeat('node-a', 'i1', digest.count, digest.value, 20), false);
  assert.equal(view.holder('CP3')?.node, 'node-a');
  // Same count, another set: the digest still tells.
  view.replaceClaims('node-a', [['CP1', 1], ['CP2', 1], ['CP4', 1]], 30);
  assert.equal(view.heartbeat('node-a', 'i1', digest.count, digest.value, 40), true);
});

test('a restarted node (same id, new instance) holds nothing it held before', () => {
  const view = new ClusterView(1_000);
  view.heartbeat('node-a', 'first', 0, 0, 0);
  view.claim('CP1', 'node-a', 1, 0);
  assert.equal(view.heartbeat('node-a', 'second', 0, 0, 10), false, 'an empty node matches an empty view');
  assert.equal(view.holder('CP1'), undefined);
});

test('an earlier process of a node woken beside its replacement is superseded: its heartbeats, claims and releases are not heard', () => {
  const view = new ClusterView(1_000);
  // The replacement (started at 5,000) is heard; the earlier process (started at 1,000) was judged lost meanwhile.
  view.heartbeat('node-a', 'replacement', 1, idHash('CP1'), 6_000, 5_000);
  view.claim('CP1', 'node-a', 5_500, 6_000, 'replacement');
  // The earlier process wakes: its release comes before its heartbeat.
  view.unclaim('CP1', 'node-a', 6_100, 'earlier');
  assert.equal(view.holder('CP1')?.node, 'node-a', 'a release by another process than the one known is not heard');
  assert.equal(view.superseded('node-a', 'earlier', 1_000), true, 'started before the process known');
  assert.equal(view.instanceOf('node-a'), 'replacement');
  assert.equal(view.superseded('node-a', 'replacement', 5_000), false);
  // Known superseded now: its claim is not heard either, even without a start time.
  view.claim('CP2', 'node-a', 6_200, 6_200, 'earlier');
  assert.equal(view.holder('CP2'), undefined);
  assert.equal(view.superseded('node-a', 'earlier'), true);
  // Holdings read from a process the view does not take for the node are not kept.
  assert.equal(view.replaceClaims('node-a', [['CP9', 1]], 6_300, 'earlier'), false);
  assert.equal(view.holder('CP1')?.node, 'node-a');
  // The replacement is lost: the earlier process, still running, is the node again when heard.
  assert.deepEqual(view.expire(7_500), [{ node: 'node-a', chargePointIds: ['CP1'] }]);
  assert.equal(view.superseded('node-a', 'earlier', 1_000), false);
  view.heartbeat('node-a', 'earlier', 0, 0, 7_600, 1_000);
  assert.equal(view.instanceOf('node-a'), 'earlier');
});

test('a process judged lost that wakes while a replacement runs is superseded, whatever the clocks say', () => {
  const view = new ClusterView(1_000);
  view.heartbeat('node-a', 'earlier', 0, 0, 0, 10_000);
  // Frozen, judged lost; its replacement runs on a machine whose clock is behind.
  assert.deepEqual(view.expire(1_500), [{ node: 'node-a', chargePointIds: [] }]);
  assert.equal(view.superseded('node-a', 'replacement', 5_500), false, 'no other process of node-a known: heard');
  view.heartbeat('node-a', 'replacement', 1, idHash('CP1'), 2_000, 5_500);
  view.claim('CP1', 'node-a', 5_600, 2_000, 'replacement');
  // The earlier process wakes: started later by the clocks, but seen lost.
  assert.equal(view.superseded('node-a', 'earlier', 10_000), true);
  view.claim('CP2', 'node-a', 10_500, 2_100, 'earlier');
  view.unclaim('CP1', 'node-a', 2_100, 'earlier');
  view.unclaim('CP1', 'node-a', 2_100);
  assert.equal(view.holder('CP1')?.node, 'node-a', 'neither its release nor one naming no process (an earlier version) is heard');
  assert.equal(view.holder('CP2'), undefined);
  assert.equal(view.instanceOf('node-a'), 'replacement');
});

test('a process replaced by one started later is superseded; without start times (an earlier version) another instance is a restart', () => {
  const view = new ClusterView(1_000);
  view.heartbeat('node-a', 'first', 0, 0, 0, 100);
  assert.equal(view.superseded('node-a', 'second', 200), false, 'started later: a restart');
  view.heartbeat('node-a', 'second', 0, 0, 10, 200);
  assert.equal(view.superseded('node-a', 'first', 100), true, 'the process it replaced, heard again');
  const older = new ClusterView(1_000);
  older.heartbeat('node-b', 'first', 0, 0, 0);
  assert.equal(older.superseded('node-b', 'second'), false);
  older.heartbeat('node-b', 'second', 0, 0, 10);
  assert.equal(older.superseded('node-b', 'first'), false, 'no start times: heard again as a restart, as before');
});

test('a node not heard from for longer than lostAfterMs is lost, with the charge points it claimed', () => {
  const view = new ClusterView(1_000);
  view.heartbeat('node-a', 'i', 0, 0, 0);
  view.heartbeat('node-b', 'i', 0, 0, 0);
  view.claim('CP1', 'node-a', 1, 0);
  view.claim('CP2', 'node-b', 1, 0);
  assert.deepEqual(view.expire(1_000), []);
  view.heartbeat('node-b', 'i', 1, idHash('CP2'), 900);
  assert.deepEqual(view.expire(1_001), [{ node: 'node-a', chargePointIds: ['CP1'] }]);
  assert.deepEqual(view.liveNodes(), ['node-b']);
  assert.equal(view.holder('CP1'), undefined);
  assert.equal(view.holder('CP2')?.node, 'node-b');
});

test('after this node stalled, nodes are forgiven their silence until they can be heard again', () => {
  const view = new ClusterView(1_000);
  view.heartbeat('node-a', 'i', 0, 0, 0);
  view.forgiveAll(5_000);
  assert.deepEqual(view.expire(5_500), []);
  assert.deepEqual(view.expire(6_001).map((l) => l.node), ['node-a']);
});

test('a view made afresh (the link came back) holds no claims, and judges lost the nodes known before that are not heard again', () => {
  const before = new ClusterView(1_000);
  for (const node of ['node-a', 'node-b', 'node-c']) before.heartbeat(node, 'i', 0, 0, 0);
  before.claim('CP-A', 'node-a', 1, 0);
  before.claim('CP-C', 'node-c', 1, 0);
  const view = ClusterView.after(before, 5_000);
  assert.equal(view.holder('CP-A'), undefined, 'what was heard before may be stale');
  assert.deepEqual(view.liveNodes(), []);
  // Node b is heard again; node c restarted under its id (heard again too, as a new process).
  view.heartbeat('node-b', 'i', 0, 0, 5_500);
  view.heartbeat('node-c', 'restarted', 0, 0, 5_500);
  assert.deepEqual(view.expire(6_000), []);
  assert.deepEqual(view.expire(6_001), [{ node: 'node-a', chargePointIds: ['CP-A'] }]);
  assert.deepEqual(view.expire(9_000).map((l) => l.node).sort(), ['node-b', 'node-c']);
  // Still expected across another drop, and forgiven while this node could not hear it.
  const again = ClusterView.after(ClusterView.after(before, 5_000), 7_000);
  again.forgiveAll(8_000);
  assert.deepEqual(again.expire(9_000), []);
  assert.deepEqual(again.expire(9_001).map((l) => l.node).sort(), ['node-a', 'node-b', 'node-c']);
  // One that says it leaves is gone, not lost.
  const leaving = ClusterView.after(before, 5_000);
  assert.equal(leaving.leave('node-a', 'other'), undefined);
  assert.deepEqual(leaving.leave('node-a', 'i'), ['CP-A']);
  assert.deepEqual(leaving.expire(6_001).map((l) => l.node).sort(), ['node-b', 'node-c']);
});

test('a node that leaves is gone at once with its claims; its late release or holdings list brings it back as nothing', () => {
  const view = new ClusterView(1_000);
  view.heartbeat('node-a', 'first', 1, idHash('CP1'), 0);
  view.claim('CP1', 'node-a', 1, 0);
  view.claim('CP1', 'node-b', 2, 0);
  assert.equal(view.leave('node-a', 'another'), undefined, 'another instance of node a (a restart) has not left');
  assert.deepEqual(view.leave('node-a', 'first'), ['CP1']);
  assert.deepEqual(view.liveNodes(), ['node-b']);
  view.unclaim('CP1', 'node-a', 10);
  assert.equal(view.replaceClaims('node-a', [['CP2', 1]], 10), false);
  assert.deepEqual(view.liveNodes(), ['node-b'], 'nothing would be judged lost later');
  assert.equal(view.holder('CP1')?.node, 'node-b');
  assert.equal(view.holder('CP2'), undefined);
});

test('the digest does not depend on order, and adding then removing restores it', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 48 }), { maxLength: 30 }), fc.string({ minLength: 1 }), (ids, extra) => {
      const forward = new SetDigest();
      const backward = new SetDigest();
      ids.forEach((id) => forward.add(id));
      [...ids].reverse().forEach((id) => backward.add(id));
      assert.ok(forward.matches(backward.count, backward.value));
      if (ids.includes(extra)) return;
      forward.add(extra);
      forward.remove(extra);
      assert.ok(forward.matches(backward.count, backward.value));
    }),
  );
});

test('every valid charge point id makes one NATS subject token and reads back the same', () => {
  const subjects = new Subjects('tomada.prod');
  fc.assert(
    fc.property(fc.stringMatching(/^[A-Za-z0-9._~:*@-]{1,48}$/), (id) => {
      const token = subjectToken(id);
      assert.doesNotMatch(token, /[.*>\s]/);
      assert.equal(tokenText(token), id);
      assert.deepEqual(subjects.parseAnnouncement(subjects.takeover(id)), { chargePointId: id, kind: 'takeover' });
      assert.deepEqual(subjects.parseAnnouncement(subjects.released(id)), { chargePointId: id, kind: 'released' });
      assert.deepEqual(subjects.parseAnnouncement(subjects.leftRunning(id)), { chargePointId: id, kind: 'left-running' });
      assert.equal(subjects.parseAnnouncement(subjects.command(id)), undefined);
    }),
  );
  assert.throws(() => new Subjects('bad prefix'), /prefix/);
  assert.throws(() => new Subjects('a.*'), /prefix/);
});

test('cluster configuration: off without TOMADA_NATS_URL, checked when set', () => {
  assert.equal(loadConfig({}).cluster, undefined);
  const config = loadConfig({ TOMADA_NATS_URL: 'nats://10.0.0.5:4222,nats://10.0.0.6:4222', TOMADA_NODE_ID: 'lisbon-1', TOMADA_NATS_PREFIX: 'mobie.prod' });
  assert.deepEqual(config.cluster, { natsUrl: 'nats://10.0.0.5:4222,nats://10.0.0.6:4222', nodeId: 'lisbon-1', prefix: 'mobie.prod', heartbeatMs: 2_000 });
  assert.match(loadConfig({ TOMADA_NATS_URL: 'nats://127.0.0.1:4222' }).cluster!.nodeId, /-\d+$/, 'default node id: host name and process id');
  assert.throws(() => loadConfig({ TOMADA_NATS_URL: 'http://x' }), (e) => e instanceof ConfigError && /TOMADA_NATS_URL/.test(e.message));
  assert.throws(() => loadConfig({ TOMADA_NATS_URL: 'nats://x:1', TOMADA_NODE_ID: 'has space' }), /TOMADA_NODE_ID/);
  assert.throws(() => loadConfig({ TOMADA_NATS_URL: 'nats://x:1', TOMADA_NATS_PREFIX: 'a..b' }), /TOMADA_NATS_PREFIX/);
  assert.throws(() => loadConfig({ TOMADA_NATS_URL: 'nats://x:1', TOMADA_NODE_HEARTBEAT_MS: '10' }), /TOMADA_NODE_HEARTBEAT_MS/);
});
