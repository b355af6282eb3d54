// A charge point that sends CALLs and reads none of the answers: the node stops reading it once
// what it was sent and did not read passes UNSENT_HIGH_WATER_BYTES, instead of keeping every answer
// in memory; once it reads again, every CALL is answered, in order, none lost; another charge point
// is answered all along.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient, boot } from '../support/ocpp-client.js';
import { startTestTomada } from '../support/tomada.js';

const CALLS = 400;
/** Each answer echoes the unknown action: a NotImplemented of about 60 KB (24 MB for all of them). */
const ACTION = 'A'.repeat(60_000);

test('a charge point that reads none of its answers is no longer read, and loses nothing once it reads', async () => {
  const t = await startTestTomada({ unknownChargePoints: 'accept', maxMessagesPerSecond: 0 });
  const unreading = await TestClient.connect(t.wsUrl, 'CP-UNREAD');
  const other = await TestClient.connect(t.wsUrl, 'CP-READS');
  try {
    await boot(unreading);
    await boot(other);
    let answered = 0;
    t.domain.activity.listen((activity) => {
      if (activity.kind === 'answered' && activity.chargePointId === 'CP-UNREAD') answered++;
    });
    unreading.ws.pause(); // reads nothing from now on
    for (let i = 0; i < CALLS; i++) unreading.sendRaw(JSON.stringify([2, `u${i}`, ACTION, {}]));

    // Until the node answers no more of them (five looks in a row without a change).
    let seen = -1;
    for (let still = 0, looks = 0; still < 5 && looks < 300; looks++) {
      await new Promise((r) => setTimeout(r, 200));
      still = answered === seen ? still + 1 : 0;
      seen = answered;
    }
    // Kernel buffers on both ends take some MB of answers, and calls already read are still
    // answered; without the limit all 400 were, their 24 MB kept by the node.
    assert.ok(answered < CALLS * 0.75, `the node stopped reading a charge point that reads nothing: ${answered} of ${CALLS} answered`);
    assert.equal((await other.call('Heartbeat', {}))[0], 3, 'another charge point is answered meanwhile');

    unreading.ws.resume();
    await unreading.waitFor((frame) => frame[1] === `u${CALLS - 1}`, 60_000);
    const answers = unreading.received.filter((frame) => typeof frame[1] === 'string' && frame[1].startsWith('u'));
    assert.deepEqual(answers.map((frame) => frame[1]), Array.from({ length: CALLS }, (_, i) => `u${i}`), 'every call answered once, in order');
    assert.ok(answers.every((frame) => frame[0] === 4 && frame[2] === 'NotImplemented'));
    assert.equal((await unreading.call('Heartbeat', {}))[0], 3, 'the same connection works on');
  } finally {
    await unreading.close();
    await other.close();
    await t.close();
  }
});
