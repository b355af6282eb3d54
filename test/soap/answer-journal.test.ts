// A SOAP answer that cannot be journaled (the batch it waits for failed) does not leave: the charge
// point gets an InternalError fault instead, the fault is journaled, and the store hears of that
// message's answer once, for that message (Store.withFrames: the same object names it to both).
// The batch's failure is injected at the store's journalAnswer: a real one needs a database
// failing at that moment.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JournalFrame } from '../../src/store/journal-chain.js';
import type { InboundMessage } from '../../src/store/store.js';
import { verifyJournal } from '../../src/audit/verify-journal.js';
import { startTestTomada } from '../support/tomada.js';
import { envelope, postRaw, readFault } from './helpers.js';

const CP = 'CP-SOAP-ANSWER';

const heartbeat = (n: number) =>
  envelope({ id: CP, action: '/Heartbeat', messageId: `urn:uuid:00000000-0000-4000-8000-00000000000${n}`, body: '<cs:heartbeatRequest/>' });

test('an answer that could not be journaled: an InternalError fault, journaled, and one answer counted for the message', async () => {
  const t = await startTestTomada({ unknownChargePoints: 'accept' });
  try {
    const store = t.store;
    const journalAnswer = store.journalAnswer.bind(store);
    const counted: string[] = [];
    const messages: InboundMessage[] = [];
    const withFrames = store.withFrames.bind(store);
    store.withFrames = (frames, message, work) => {
      messages.push(message);
      return withFrames(frames, message, work);
    };
    let failNext = true;
    store.journalAnswer = (frames: readonly JournalFrame[], message: InboundMessage) => {
      counted.push(frames[0]!.frame.toString('utf8'));
      assert.equal(message, messages.at(-1), 'the answer names the message it answers');
      if (!failNext) return journalAnswer(frames, message);
      failNext = false;
      return Promise.reject(new Error('the batch this answer waits for failed'));
    };

    const refused = await postRaw(t, heartbeat(1));
    assert.equal(refused.status, 500, refused.text.slice(0, 300));
    assert.equal(readFault(refused.text).subcode?.name, 'InternalError');
    assert.equal(counted.length, 1, 'the message\'s answer was counted once, the fault not again');
    assert.match(counted[0]!, /heartbeatResponse/);

    // The fault is in the journal all the same (recorded on its own, as it left).
    const faultJournaled = async () => (await store.listJournal({ limit: 100 })).some((row) => row.direction === 'out' && row.frame.toString('utf8') === refused.text);
    for (let i = 0; i < 200 && !(await faultJournaled()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(await faultJournaled(), 'the fault was journaled');

    // The next message is answered as usual, its answer counted once.
    const answered = await postRaw(t, heartbeat(2));
    assert.equal(answered.status, 200, answered.text.slice(0, 300));
    assert.equal(counted.length, 2);
  } finally {
    await t.close();
  }
});

test('a charge point that sends no MessageID: its session is replayed by journal verify, as its answers carry no RelatesTo', async () => {
  const t = await startTestTomada({ unknownChargePoints: 'accept' });
  try {
    await t.api('/api/v1/id-tags/TAG-NO-ID', { method: 'PUT', body: { status: 'Accepted' } });
    const post = async (body: string) => {
      const answer = await postRaw(t, envelope({ id: 'CP-SOAP-NO-MESSAGE-ID', body }));
      assert.equal(answer.status, 200, answer.text.slice(0, 300));
      assert.doesNotMatch(answer.text, /RelatesTo/);
      return answer.text;
    };
    const started = await post('<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>TAG-NO-ID</cs:idTag><cs:timestamp>2025-04-01T10:00:00Z</cs:timestamp><cs:meterStart>1000</cs:meterStart></cs:startTransactionRequest>');
    const id = Number(/transactionId>(\d+)</.exec(started)?.[1]);
    await post(`<cs:meterValuesRequest><cs:connectorId>1</cs:connectorId><cs:transactionId>${id}</cs:transactionId><cs:values><cs:timestamp>2025-04-01T10:05:00Z</cs:timestamp><cs:value unit="kWh">1.5</cs:value></cs:values></cs:meterValuesRequest>`);
    await post(`<cs:stopTransactionRequest><cs:transactionId>${id}</cs:transactionId><cs:timestamp>2025-04-01T10:10:00Z</cs:timestamp><cs:meterStop>2000</cs:meterStop></cs:stopTransactionRequest>`);
    assert.equal((await t.api(`/api/v1/transactions/${id}`)).body.energyWh, 1000);

    const report = await verifyJournal(t.store);
    assert.deepEqual(report.mismatches, []);
    assert.equal(report.transactionsChecked, 1, 'the session was replayed from its frames');
  } finally {
    await t.close();
  }
});

test("a SOAP StopTransaction with a day's transactionData is taken under the default body limit, and journal verify replays it", async () => {
  const t = await startTestTomada({ unknownChargePoints: 'accept' });
  try {
    await t.api('/api/v1/id-tags/TAG-LONG', { method: 'PUT', body: { status: 'Accepted' } });
    let n = 0;
    const post = async (body: string) => {
      const answer = await postRaw(t, envelope({ id: 'CP-SOAP-LONG', action: '/x', messageId: `urn:uuid:00000000-0000-4000-8000-1000000000${String(++n).padStart(2, '0')}`, body }));
      assert.equal(answer.status, 200, answer.text.slice(0, 300));
      return answer.text;
    };
    const started = await post('<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>TAG-LONG</cs:idTag><cs:timestamp>2025-04-01T00:00:00Z</cs:timestamp><cs:meterStart>0</cs:meterStart></cs:startTransactionRequest>');
    const id = Number(/transactionId>(\d+)</.exec(started)?.[1]);
    // Every minute of a day: the register, and a voltage (1.5 has no phase: three alike).
    const minute = (m: number) => new Date(Date.UTC(2025, 3, 1) + m * 60_000).toISOString();
    const values = Array.from(
      { length: 1440 },
      (_, m) => `<cs:values><cs:timestamp>${minute(m)}</cs:timestamp><cs:value unit="Wh" context="Sample.Periodic">${m * 10}</cs:value>${'<cs:value measurand="Voltage" unit="Volt">230</cs:value>'.repeat(3)}</cs:values>`,
    ).join('');
    const stop = `<cs:stopTransactionRequest><cs:transactionId>${id}</cs:transactionId><cs:timestamp>${minute(1440)}</cs:timestamp><cs:meterStop>14400</cs:meterStop><cs:transactionData>${values}</cs:transactionData></cs:stopTransactionRequest>`;
    assert.ok(Buffer.byteLength(stop) > 256 * 1024, `${Buffer.byteLength(stop)} bytes: more than the envelope reader's own default`);
    await post(stop);
    const session = (await t.api(`/api/v1/transactions/${id}`)).body;
    assert.equal(session.energyWh, 14400);
    assert.equal(session.meterValues.length, 1440 * 4, 'every reading, the three alike voltages each');

    const report = await verifyJournal(t.store);
    assert.deepEqual(report.mismatches, []);
    assert.equal(report.transactionsChecked, 1, 'the session was replayed from its frames, the long stop included');
  } finally {
    await t.close();
  }
});
