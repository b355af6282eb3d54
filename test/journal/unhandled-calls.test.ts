// A CALL the node read but never handled (waiting its turn behind the earlier ones when a newer
// connection replaced this one, or the link dropped) is still a frame that crossed the wire: it is
// journaled as received, with no answer. Until 2026-12-07 such frames vanished from the journal,
// its frames view and a validation's evidence (an audit). Runs on both stores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boot, TestClient } from '../support/ocpp-client.js';
import { startTestTomada } from '../support/tomada.js';
import { eventually } from '../transport/helpers.js';

const SENT = 50;

test('CALLs still waiting their turn when their connection is replaced are journaled, unanswered', async () => {
  const t = await startTestTomada({ unknownChargePoints: 'accept' });
  const clients: TestClient[] = [];
  try {
    const first = await TestClient.connect(t.wsUrl, 'JRN-QUEUED');
    clients.push(first);
    await boot(first);
    // Fewer than the 100 unanswered CALLs that pause reading: the node reads every one of them.
    for (let i = 0; i < SENT; i++) first.sendRaw(JSON.stringify([2, `queued-${i}`, 'Heartbeat', {}]));
    // Each is answered after its own commit, one at a time: most still wait when the newer connection comes.
    clients.push(await TestClient.connect(t.wsUrl, 'JRN-QUEUED'));
    await first.closed;
    const answered = first.received.filter((frame) => String(frame[1]).startsWith('queued-')).length;
    assert.ok(answered < SENT, `the node answered all ${SENT} before the replacement: nothing was left waiting`);
    const journaled = async () => {
      const frames = await t.api('/api/v1/charge-points/JRN-QUEUED/frames?limit=500');
      assert.equal(frames.status, 200);
      return (frames.body.items as { direction: string; frame: string }[]).filter((f) => f.direction === 'in' && f.frame.includes('"queued-')).length;
    };
    await eventually(`all ${SENT} CALLs journaled as received`, async () => (await journaled()) === SENT);
    assert.equal(await journaled(), SENT, 'each once');
  } finally {
    for (const client of clients) client.ws.terminate();
    await t.close();
  }
});
