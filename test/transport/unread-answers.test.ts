// A charge point that sends CALLs and reads none of the answers: the node stops reading it once
// what it was sent and did not read passes UNSENT_HIGH_WATER_BYTES, instead of keeping every answer
// in memory; once it reads again, every CALL is answered, in order, none lost; another charge point
// is answered all along.
// store: sqlite-only. Nothing here depends on the store, and the run is long (16,000 calls: the
// kernels' buffers take megabytes before the node's limit is reached).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient, boot } from '../support/ocpp-client.js';
import { startTestTomada } from '../support/tomada.js';

const CALLS = 16_000;
/**
 * A reading of a measurand OCPP does not name: its PropertyConstraintViolation lists every one that
 * it does, an answer of about 540 bytes (8.6 MB for all of them, beyond what kernel buffers take). Not an unknown action echoed: what
 * a charge point sent is echoed cut to 64 characters (echo.ts), so its answer is short.
 */
const READING = JSON.stringify({ connectorId: 1, meterValue: [{ timestamp: '2026-01-01T00:00:00Z', sampledValue: [{ value: '1', measurand: 'Nonsense' }] }] });

test('a charge point that reads none of its answers is no longer read, and loses nothing once it reads', async () => {
  // One charge point's calls are answered one after another, each once its batch is durable:
  // without the 3 ms between batches that gathers many connections' calls into one, the 16,000
  // take 29 s here instead of 65 s.
  const t = await startTestTomada({ unknownChargePoints: 'accept', maxMessagesPerSecond: 0, commitIntervalMs: 0 });
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
    for (let i = 0; i < CALLS; i++) unreading.sendRaw(`[2,"u${i}","MeterValues",${READING}]`);

    // Until the node answers no more of them (five looks in a row without a change).
    let seen = -1;
    for (let still = 0, looks = 0; still < 5 && looks < 900; looks++) {
      await new Promise((r) => setTimeout(r, 200));
      still = answered === seen ? still + 1 : 0;
      seen = answered;
    }
    // Kernel buffers on both ends take some MB of answers, and calls already read are still
    // answered; without the limit all 400 were, their 24 MB kept by the node.
    assert.ok(answered < CALLS * 0.75, `the node stopped reading a charge point that reads nothing: ${answered} of ${CALLS} answered`);
    assert.equal((await other.call('Heartbeat', {}))[0], 3, 'another charge point is answered meanwhile');

    unreading.ws.resume();
    await unreading.waitFor((frame) => frame[1] === `u${CALLS - 1}`, 180_000);
    const answers = unreading.received.filter((frame) => typeof frame[1] === 'string' && frame[1].startsWith('u'));
    assert.deepEqual(answers.map((frame) => frame[1]), Array.from({ length: CALLS }, (_, i) => `u${i}`), 'every call answered once, in order');
    assert.ok(answers.every((frame) => frame[0] === 4 && frame[2] === 'PropertyConstraintViolation'));
    // The premise: answers long enough that the limit is reached by a number of calls a test sends.
    assert.ok(JSON.stringify(answers[0]).length > 400, `answers of ${JSON.stringify(answers[0]).length} bytes`);
    assert.equal((await unreading.call('Heartbeat', {}))[0], 3, 'the same connection works on');
  } finally {
    await unreading.close();
    await other.close();
    await t.close();
  }
});
