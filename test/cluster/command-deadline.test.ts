// Commands queued behind a slow charge point (one CALL in flight) must be sent within the time
// their asker waits, through another node as through the holder: one that cannot be sent in time
// fails with 504 "was not sent" and never reaches the charge point afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { boot, TestClient } from '../support/ocpp-client.js';
import type { TestTomada } from '../support/tomada.js';
import { clusterFormed, eventually, natsUnavailable, sleep, startCluster, type TestCluster } from './helpers.js';

const skip = await natsUnavailable();

/** Each command may wait this long to be sent, then as long for its answer. */
const CALL_TIMEOUT_MS = 2_500;
/**
 * The charge point answers every call after this long: the second command's turn comes 900 ms
 * before its time to be sent runs out, the third's 700 ms after: margins that a loaded machine's
 * delays do not cross.
 */
const ANSWER_DELAY_MS = 1_600;

describe('commands queued behind a slow charge point', { skip }, () => {
  let cluster: TestCluster;
  let a: TestTomada, b: TestTomada;
  let client: TestClient;

  before(async () => {
    cluster = await startCluster(2, { overrides: { callTimeoutMs: CALL_TIMEOUT_MS } });
    [a, b] = cluster.nodes as [TestTomada, TestTomada];
    client = await TestClient.connect(b.wsUrl, 'CP-SLOW');
    await boot(client);
    client.answerDelayMs = ANSWER_DELAY_MS;
    await clusterFormed(cluster.nodes);
    await eventually('node a sees CP-SLOW on node b', () => a.cluster!.holderOf('CP-SLOW') === 'node-b');
  });

  after(async () => {
    client?.ws.terminate();
    await cluster?.close();
  });

  const resets = () => client.received.filter((f) => f[0] === 2 && f[2] === 'Reset').length;
  const reset = (node: TestTomada) => node.api('/api/v1/charge-points/CP-SLOW/commands/reset', { method: 'POST', body: { type: 'Soft' } });

  for (const via of ['a', 'b']) {
    test(`through node ${via}${via === 'b' ? ' (the holder)' : ''}: two are answered, two fail "not sent" in time and never reach the charge point`, async () => {
      const node = via === 'a' ? a : b;
      const before = resets();
      const started = Date.now();
      const answers = await Promise.all([reset(node), reset(node), reset(node), reset(node)]);
      const answeredWithin = Date.now() - started;
      const statuses = answers.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 200, 504, 504], JSON.stringify(answers));
      for (const late of answers.filter((r) => r.status === 504)) {
        assert.equal(late.body.error, 'Timeout');
        assert.match(late.body.message, /was not sent to charge point "CP-SLOW".*retrying is safe/);
      }
      // The second answer comes at about 2 × 1.6 s; the asker would wait 2 × 2.5 s + 2 s.
      assert.ok(answeredWithin < 2 * CALL_TIMEOUT_MS, `all answered after ${answeredWithin} ms`);
      // Past the time the asker would have waited: nothing more reaches the charge point.
      await sleep(CALL_TIMEOUT_MS + ANSWER_DELAY_MS);
      assert.equal(resets() - before, 2, 'only the two answered Resets reached the charge point');
    });
  }
});
