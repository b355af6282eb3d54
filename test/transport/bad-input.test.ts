// Bad input over real sockets: every malformed or illegal frame gets the precise OCPP-J answer, the
// connection that sent it survives (unless the frame is too big to read), another charge point
// does not notice, and nothing stored changes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { boot, type Frame, type TestClient } from '../support/ocpp-client.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import { assertAlive, assertCallError, Clients, now, startFastTomada, sendAndExpectError, sleep, within } from './helpers.js';

const MAX_FRAME_BYTES = 4096;

describe('bad input from a charge point', () => {
  let t: TestTomada;
  let clients: Clients;
  let bad: TestClient; // the charge point sending the bad frames
  let other: TestClient; // a bystander that must not notice
  let transactionId: number;
  let storedTransactions: unknown;
  let storedConnectors: unknown;

  before(async () => {
    t = await startFastTomada({ unknownChargePoints: 'accept', maxFrameBytes: MAX_FRAME_BYTES });
    clients = new Clients(t);
    assert.equal((await t.api('/api/v1/id-tags/TAG-OK', { method: 'PUT', body: { status: 'Accepted' } })).status, 201);
    bad = await clients.connect('CP-BAD');
    other = await clients.connect('CP-OTHER');
    assert.equal((await boot(bad)).status, 'Accepted');
    assert.equal((await boot(other)).status, 'Accepted');
    await bad.ok('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging', timestamp: now() });
    const started = await bad.ok('StartTransaction', { connectorId: 1, idTag: 'TAG-OK', meterStart: 1000, timestamp: now() });
    transactionId = started.transactionId;
    assert.equal(started.idTagInfo.status, 'Accepted');
    await bad.ok('MeterValues', {
      connectorId: 1,
      transactionId,
      meterValue: [{ timestamp: now(), sampledValue: [{ value: '1500', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
    });
    const transactions = await t.api('/api/v1/transactions');
    assert.equal(transactions.body.items.length, 1);
    assert.equal(transactions.body.items[0].energyWh, 500, 'the setup transaction has its energy');
    storedTransactions = transactions.body;
    storedConnectors = (await t.api('/api/v1/charge-points/CP-BAD')).body.connectors;
  });

  after(async () => {
    clients.closeAll();
    await t.close();
  });

  /** The sender still works (unless the case closed it), the bystander too, and no data changed. */
  async function assertUnharmed(options: { senderClosed?: boolean } = {}): Promise<void> {
    if (!options.senderClosed) await assertAlive(bad, 'the sending connection');
    await assertAlive(other, 'the other charge point');
    assert.deepEqual((await t.api('/api/v1/transactions')).body, storedTransactions, 'transactions unchanged');
    assert.deepEqual((await t.api(`/api/v1/transactions/${transactionId}`)).body.meterValues.length, 1, 'meter values unchanged');
    assert.deepEqual((await t.api('/api/v1/charge-points/CP-BAD')).body.connectors, storedConnectors, 'connector status unchanged');
  }

  test('invalid JSON is a FormationViolation with id "-1"', async () => {
    for (const text of ['[2,"j1","Heartbeat",{}', 'not json at all', '', '[2,"j2","Heartbeat",{},]']) {
      assertCallError(await sendAndExpectError(bad, text), '-1', 'FormationViolation');
    }
    await assertUnharmed();
  });

  test('a frame that is not an array is a FormationViolation with id "-1"', async () => {
    for (const text of ['{"messageTypeId":2,"uniqueId":"o1","action":"Heartbeat","payload":{}}', '"Heartbeat"', '42', 'null', 'true']) {
      assertCallError(await sendAndExpectError(bad, text), '-1', 'FormationViolation');
    }
    await assertUnharmed();
  });

  test('a wrong message type id is a FormationViolation with the frame\'s own id', async () => {
    assertCallError(await sendAndExpectError(bad, '[7,"type-7","Heartbeat",{}]'), 'type-7', 'FormationViolation');
    assertCallError(await sendAndExpectError(bad, '[0,"type-0","Heartbeat",{}]'), 'type-0', 'FormationViolation');
    assertCallError(await sendAndExpectError(bad, '["2","type-str","Heartbeat",{}]'), 'type-str', 'FormationViolation');
    // A CALL of the wrong length or with a payload that is not an object keeps its id too.
    assertCallError(await sendAndExpectError(bad, '[2,"short","Heartbeat"]'), 'short', 'FormationViolation');
    assertCallError(await sendAndExpectError(bad, '[2,"arr","Heartbeat",[]]'), 'arr', 'FormationViolation');
    assertCallError(await sendAndExpectError(bad, '[2,"noaction",5,{}]'), 'noaction', 'FormationViolation');
    await assertUnharmed();
  });

  test('a missing or non-string message id is answered with id "-1"', async () => {
    for (const text of ['[2]', '[]', '[2,17,"Heartbeat",{}]', '[2,null,"Heartbeat",{}]', '[2,"","Heartbeat",{}]', `[2,"${'x'.repeat(37)}","Heartbeat",{}]`]) {
      assertCallError(await sendAndExpectError(bad, text), '-1', 'FormationViolation');
    }
    await assertUnharmed();
  });

  test('an unknown action is NotImplemented', async () => {
    assertCallError(await bad.call('FlyToTheMoon', {}, 'unknown-1'), 'unknown-1', 'NotImplemented');
    assertCallError(await bad.call('heartbeat', {}, 'unknown-2'), 'unknown-2', 'NotImplemented');
    await assertUnharmed();
  });

  test('what a frame sent is echoed in the error\'s description cut short, not at the frame\'s size', async () => {
    // A description is answered, logged and journaled: until 2026-12-07 each held the whole of a
    // long action name, message type or property name, so one frame was written out three times.
    const long = 'A'.repeat(3000);
    const cases: [Frame, string, string][] = [
      [await bad.call(long, {}, 'echo-1'), 'echo-1', 'NotImplemented'],
      [await sendAndExpectError(bad, JSON.stringify([long, 'echo-2', 'Heartbeat', {}])), 'echo-2', 'FormationViolation'],
      [await sendAndExpectError(bad, JSON.stringify([2, 'echo-3', 'Heartbeat', { [long]: 1 }])), 'echo-3', 'FormationViolation'],
    ];
    for (const [frame, messageId, code] of cases) {
      assertCallError(frame, messageId, code);
      const description = frame[3] as string;
      assert.ok(description.length < 300, `a short description: ${description.length} characters`);
      assert.match(description, /AAAA…/, 'the start of what was sent, marked as cut');
      assert.match(description, /\(300\d characters\)/, 'and how long it was (quotes or a slash included)');
    }
    await assertUnharmed();
  });

  test('an action only the central system may send is NotSupported', async () => {
    assertCallError(await bad.call('Reset', { type: 'Hard' }, 'cp-reset'), 'cp-reset', 'NotSupported');
    assertCallError(await bad.call('RemoteStartTransaction', { idTag: 'TAG-OK' }, 'cp-rst'), 'cp-rst', 'NotSupported');
    await assertUnharmed();
  });

  test('a missing required field is an OccurenceConstraintViolation', async () => {
    assertCallError(await bad.call('StatusNotification', { connectorId: 1, errorCode: 'NoError' }, 'miss-1'), 'miss-1', 'OccurenceConstraintViolation');
    assertCallError(await bad.call('Authorize', {}, 'miss-2'), 'miss-2', 'OccurenceConstraintViolation');
    assertCallError(await bad.call('StopTransaction', { transactionId, timestamp: now() }, 'miss-3'), 'miss-3', 'OccurenceConstraintViolation');
    await assertUnharmed();
  });

  test('a field of the wrong type is a TypeConstraintViolation', async () => {
    const status = { connectorId: '1', errorCode: 'NoError', status: 'Faulted' };
    assertCallError(await bad.call('StatusNotification', status, 'type-1'), 'type-1', 'TypeConstraintViolation');
    // A meter reading as a number instead of a string must not reach the transaction.
    const meterValues = { connectorId: 1, transactionId, meterValue: [{ timestamp: now(), sampledValue: [{ value: 99999 }] }] };
    assertCallError(await bad.call('MeterValues', meterValues, 'type-2'), 'type-2', 'TypeConstraintViolation');
    const stop = { transactionId: String(transactionId), meterStop: 99999, timestamp: now() };
    assertCallError(await bad.call('StopTransaction', stop, 'type-3'), 'type-3', 'TypeConstraintViolation');
    assertCallError(await bad.call('StopTransaction', { transactionId, meterStop: 99999, timestamp: 'yesterday' }, 'type-4'), 'type-4', 'TypeConstraintViolation');
    await assertUnharmed();
  });

  test('an idTag of 21 characters is a PropertyConstraintViolation', async () => {
    assertCallError(await bad.call('Authorize', { idTag: 'A'.repeat(21) }, 'len-1'), 'len-1', 'PropertyConstraintViolation');
    const start = { connectorId: 2, idTag: 'A'.repeat(21), meterStart: 0, timestamp: now() };
    assertCallError(await bad.call('StartTransaction', start, 'len-2'), 'len-2', 'PropertyConstraintViolation');
    // 20 characters is the limit, not beyond it.
    assert.equal((await bad.call('Authorize', { idTag: 'A'.repeat(20) }, 'len-3'))[0], 3);
    await assertUnharmed();
  });

  test('an unknown enum value is a PropertyConstraintViolation', async () => {
    const status = { connectorId: 1, errorCode: 'NoError', status: 'Flying' };
    assertCallError(await bad.call('StatusNotification', status, 'enum-1'), 'enum-1', 'PropertyConstraintViolation');
    await assertUnharmed();
  });

  test('an extra property is a FormationViolation', async () => {
    assertCallError(await bad.call('Heartbeat', { extra: 1 }, 'extra-1'), 'extra-1', 'FormationViolation');
    const stop = { transactionId, meterStop: 99999, timestamp: now(), note: 'x' };
    assertCallError(await bad.call('StopTransaction', stop, 'extra-2'), 'extra-2', 'FormationViolation');
    await assertUnharmed();
  });

  test('a CALLRESULT or CALLERROR for no pending call is ignored and not answered', async () => {
    const since = bad.received.length;
    bad.sendRaw(JSON.stringify([3, 'nobody-asked', { status: 'Accepted' }]));
    bad.sendRaw(JSON.stringify([4, 'nobody-asked-2', 'GenericError', 'oops', {}]));
    await assertUnharmed();
    await sleep(50);
    const answers = bad.received.slice(since).filter((f) => f[1] === 'nobody-asked' || f[1] === 'nobody-asked-2' || f[0] === 4);
    assert.deepEqual(answers, [], 'nothing answered the stray results');
  });

  test('a CALLRESULT or CALLERROR whose message id cannot be read is not answered either', async () => {
    // Its id is no string, empty or too long: still an answer, and an answer is never answered
    // (a CALLERROR "-1" went back to a charge point for its own CALLRESULT).
    const since = bad.received.length;
    for (const frame of [[3, 17, {}], [3, '', {}], [3, 'x'.repeat(37), {}], [4, null, 'GenericError', 'oops', {}], [3], [4]]) bad.sendRaw(JSON.stringify(frame));
    await assertUnharmed();
    await sleep(50);
    assert.deepEqual(bad.received.slice(since).filter((f) => f[0] === 4), [], 'nothing answered the unreadable answers');
  });

  test('a binary frame is a FormationViolation and the connection stays', async () => {
    assertCallError(await sendAndExpectError(bad, Buffer.from(JSON.stringify([2, 'bin', 'Heartbeat', {}])), true), '-1', 'FormationViolation');
    await assertUnharmed();
  });

  test('a frame bigger than maxFrameBytes closes that connection with 1009, and nobody else\'s', async () => {
    const big = await clients.connect('CP-BIG');
    await boot(big);
    // Just under the limit is fine.
    const fits = JSON.stringify([2, 'fits', 'DataTransfer', { vendorId: 'V', data: 'a'.repeat(MAX_FRAME_BYTES - 100) }]);
    assert.ok(Buffer.byteLength(fits) <= MAX_FRAME_BYTES);
    big.sendRaw(fits);
    assert.equal((await big.waitFor((f) => f[1] === 'fits'))[0], 3);
    big.sendRaw(JSON.stringify([2, 'huge', 'DataTransfer', { vendorId: 'V', data: 'a'.repeat(MAX_FRAME_BYTES) }]));
    const closed = await big.closed;
    assert.equal(closed.code, 1009);
    assert.equal(big.received.some((f) => f[1] === 'huge'), false, 'the oversize frame was not handled');
    await assertUnharmed();
    // The charge point may come back.
    const again = await clients.connect('CP-BIG');
    await assertAlive(again, 'the reconnected charge point');
  });

  test('a text frame that is not UTF-8 closes that connection with 1007, and nobody else\'s', async () => {
    const broken = await clients.connect('CP-UTF8');
    await boot(broken);
    broken.sendRaw(Buffer.from([0x5b, 0x32, 0x2c, 0x22, 0xff, 0xfe, 0x22, 0x5d]), false);
    assert.equal((await broken.closed).code, 1007);
    await assertUnharmed();
  });

  test('a burst of 2,000 frames is answered exactly once each, in order, without starving others', async () => {
    // Twenty times the inbound high-water mark, so reading pauses and resumes many times. One
    // connection's answers each wait for a commit in turn (batches at least 3 ms apart): 10,000
    // frames took 41 s and checked nothing more.
    const total = 2_000;
    const frames: string[] = [];
    const expected: { id: string; ok: boolean }[] = [];
    let garbage = 0;
    for (let i = 0; i < total; i++) {
      const id = `b${i}`;
      if (i % 100 === 37) {
        frames.push(`[2,"${id}","Heartbeat",{}`); // unreadable: answered with "-1"
        garbage++;
      } else if (i % 100 === 71) {
        frames.push(JSON.stringify([2, id, 'Heartbeat', { extra: true }]));
        expected.push({ id, ok: false });
      } else {
        frames.push(JSON.stringify([2, id, 'Heartbeat', {}]));
        expected.push({ id, ok: true });
      }
    }
    const answers: Frame[] = [];
    let unreadable = 0;
    let onMessage: (data: WebSocket.RawData) => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      onMessage = (data) => {
        const frame = JSON.parse(data.toString()) as Frame;
        if (frame[1] === '-1') unreadable++;
        else if (typeof frame[1] === 'string' && frame[1].startsWith('b')) answers.push(frame);
        if (answers.length >= expected.length && unreadable >= garbage) resolve();
      };
      bad.ws.on('message', onMessage);
    });
    const started = Date.now();
    for (const frame of frames) bad.ws.send(frame);

    // While the burst is worked through, another charge point is answered promptly.
    const latencies: number[] = [];
    let burstDone = false;
    void done.then(() => (burstDone = true));
    while (!burstDone && latencies.length < 5) {
      const sent = Date.now();
      await assertAlive(other, 'the other charge point during the burst');
      latencies.push(Date.now() - sent);
      await sleep(50);
    }
    await within(120_000, done, () => `burst not answered: ${answers.length}/${expected.length}`);
    const elapsed = Date.now() - started;
    assert.ok(latencies.length > 0, 'the bystander was served during the burst');
    assert.ok(Math.max(...latencies) < 1000, `bystander latencies during the burst: ${latencies.join(', ')} ms (burst took ${elapsed} ms)`);

    assert.equal(answers.length, expected.length, 'one answer per CALL');
    assert.equal(unreadable, garbage, 'one "-1" error per unreadable frame');
    answers.forEach((frame, i) => {
      const want = expected[i]!;
      assert.equal(frame[1], want.id, `answer ${i} is in order`);
      if (want.ok) assert.equal(frame[0], 3, `${want.id} answered with a CALLRESULT`);
      else assertCallError(frame, want.id, 'FormationViolation');
    });
    await sleep(200);
    bad.ws.off('message', onMessage);
    assert.equal(answers.length, expected.length, 'no answer came twice');
    assert.equal(unreadable, garbage, 'no error came twice');
    assert.equal((await t.api('/health')).status, 200);
    await assertUnharmed();
  });
});

describe('the registration gate', () => {
  let t: TestTomada;
  let clients: Clients;

  before(async () => {
    t = await startTestTomada({ unknownChargePoints: 'pending', bootRetryIntervalS: 17, heartbeatIntervalS: 123 });
    clients = new Clients(t);
  });

  after(async () => {
    clients.closeAll();
    await t.close();
  });

  const statusNotification = () => ({ connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp: now() });

  test('a Pending charge point may only boot until the operator accepts it', async () => {
    const cp = await clients.connect('CP-PENDING');
    const first = await boot(cp);
    assert.equal(first.status, 'Pending');
    assert.equal(first.interval, 17, 'a Pending charge point is told the boot retry interval');
    assertCallError(await cp.call('StatusNotification', statusNotification(), 'p-1'), 'p-1', 'SecurityError');
    assertCallError(await cp.call('Heartbeat', {}, 'p-2'), 'p-2', 'SecurityError');
    assertCallError(await cp.call('StartTransaction', { connectorId: 1, idTag: 'T', meterStart: 0, timestamp: now() }, 'p-3'), 'p-3', 'SecurityError');
    // Nothing it sent was stored.
    const stored = (await t.api('/api/v1/charge-points/CP-PENDING')).body;
    assert.equal(stored.registrationStatus, 'Pending');
    assert.deepEqual(stored.connectors, []);
    assert.deepEqual((await t.api('/api/v1/transactions')).body.items, []);

    const put = await t.api('/api/v1/charge-points/CP-PENDING', { method: 'PUT', body: { registrationStatus: 'Accepted' } });
    assert.equal(put.status, 200);
    const second = await boot(cp);
    assert.equal(second.status, 'Accepted');
    assert.equal(second.interval, 123, 'an Accepted charge point is told the heartbeat interval');
    await cp.ok('StatusNotification', statusNotification());
    await assertAlive(cp);
    assert.equal((await t.api('/api/v1/charge-points/CP-PENDING')).body.connectors[0]?.status, 'Available');
  });

  test('a Rejected charge point is refused everything but BootNotification', async () => {
    const cp = await clients.connect('CP-REJECTED');
    assert.equal((await boot(cp)).status, 'Pending');
    const put = await t.api('/api/v1/charge-points/CP-REJECTED', { method: 'PUT', body: { registrationStatus: 'Rejected' } });
    assert.equal(put.status, 200);
    const answer = await boot(cp);
    assert.equal(answer.status, 'Rejected');
    assert.equal(answer.interval, 17);
    const refused = await cp.call('Heartbeat', {}, 'r-1');
    assertCallError(refused, 'r-1', 'SecurityError');
    assert.match(String(refused[3]), /^Charge point is not Accepted \(its registration is Rejected\)/);
    assertCallError(await cp.call('StatusNotification', statusNotification(), 'r-2'), 'r-2', 'SecurityError');
    assert.deepEqual((await t.api('/api/v1/charge-points/CP-REJECTED')).body.connectors, []);
    // A reconnect without a boot does not get around the gate.
    cp.ws.terminate();
    const again = await clients.connect('CP-REJECTED');
    assertCallError(await again.call('Heartbeat', {}, 'r-3'), 'r-3', 'SecurityError');
    assert.equal((await boot(again)).status, 'Rejected');
  });

  test('a message that fails validation from a Pending charge point is still answered precisely', async () => {
    const cp = await clients.connect('CP-PENDING-2');
    assert.equal((await boot(cp)).status, 'Pending');
    assertCallError(await cp.call('Heartbeat', { extra: 1 }, 'pv-1'), 'pv-1', 'FormationViolation');
    assertCallError(await cp.call('NoSuchAction', {}, 'pv-2'), 'pv-2', 'NotImplemented');
    assertCallError(await cp.call('Heartbeat', {}, 'pv-3'), 'pv-3', 'SecurityError');
  });
});

describe('lenient mode', () => {
  let t: TestTomada;
  let clients: Clients;

  before(async () => {
    t = await startTestTomada({ unknownChargePoints: 'accept' });
    clients = new Clients(t);
  });

  after(async () => {
    clients.closeAll();
    await t.close();
  });

  const longModel = 'M'.repeat(25);
  const withExtra = { chargePointVendor: 'V', chargePointModel: 'M', firmwareVersion: '1', vendorSpecific: 'x' };
  const tooLong = { chargePointVendor: 'V', chargePointModel: longModel };

  test('a strict charge point is refused a schema-violating BootNotification', async () => {
    const strict = await clients.connect('CP-STRICT');
    assertCallError(await strict.call('BootNotification', withExtra, 's-1'), 's-1', 'FormationViolation');
    assertCallError(await strict.call('BootNotification', tooLong, 's-2'), 's-2', 'PropertyConstraintViolation');
    assert.equal((await t.api('/api/v1/charge-points/CP-STRICT')).body.lastBootAt, null, 'no boot was recorded');
  });

  test('a lenient charge point gets the same usable messages accepted', async () => {
    const put = await t.api('/api/v1/charge-points/CP-LENIENT', { method: 'PUT', body: { lenient: true } });
    assert.equal(put.status, 201);
    assert.equal(put.body.lenient, true);
    const lenient = await clients.connect('CP-LENIENT');
    const first = await lenient.call('BootNotification', withExtra, 'l-1');
    assert.equal(first[0], 3, JSON.stringify(first));
    assert.equal((first[2] as { status: string }).status, 'Accepted');
    const second = await lenient.call('BootNotification', tooLong, 'l-2');
    assert.equal(second[0], 3, JSON.stringify(second));
    assert.equal((second[2] as { status: string }).status, 'Accepted');
    const stored = (await t.api('/api/v1/charge-points/CP-LENIENT')).body;
    assert.equal(stored.model, longModel, 'the long model is kept as sent');
    assert.equal(stored.vendor, 'V');
    await assertAlive(lenient);
  });

  test('a status outside OCPP\'s, forgiven a lenient charge point, is stored and read back as sent: the API answers, the list of every charge point too', async () => {
    await t.api('/api/v1/charge-points/CP-LENIENT-STATUS', { method: 'PUT', body: { lenient: true } });
    const cp = await clients.connect('CP-LENIENT-STATUS');
    assert.equal((await cp.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' }, 'st-1'))[0], 3);
    const answered = await cp.call('StatusNotification', { connectorId: 1, status: 'SuspendedEv', errorCode: 'NoError' }, 'st-2');
    assert.deepEqual(answered, [3, 'st-2', {}]);
    const one = await t.api('/api/v1/charge-points/CP-LENIENT-STATUS');
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.connectors.find((c: { connectorId: number }) => c.connectorId === 1).status, 'SuspendedEv');
    const history = await t.api('/api/v1/charge-points/CP-LENIENT-STATUS/status-history');
    assert.equal(history.status, 200, JSON.stringify(history.body));
    assert.equal(history.body.items[0].status, 'SuspendedEv');
    const all = await t.api('/api/v1/charge-points');
    assert.equal(all.status, 200, JSON.stringify(all.body).slice(0, 300));
    assert.equal((await t.api('/api/v1/charge-points/CP-LENIENT-STATUS', { method: 'PUT', body: { lenient: false } })).status, 200, 'and the operator can turn lenient off');
  });

  test('turning lenient on or off for a connected charge point takes effect without a reconnect', async () => {
    const cp = await clients.connect('CP-TOGGLE');
    assertCallError(await cp.call('BootNotification', withExtra, 't-1'), 't-1', 'FormationViolation');
    assert.equal((await t.api('/api/v1/charge-points/CP-TOGGLE', { method: 'PUT', body: { lenient: true } })).status, 200);
    const accepted = await cp.call('BootNotification', withExtra, 't-2');
    assert.equal(accepted[0], 3, `accepted once lenient: ${JSON.stringify(accepted)}`);
    assert.equal((await t.api('/api/v1/charge-points/CP-TOGGLE', { method: 'PUT', body: { lenient: false } })).status, 200);
    assertCallError(await cp.call('BootNotification', withExtra, 't-3'), 't-3', 'FormationViolation');
  });

  test('lenient mode forgives what it forgives only: a wrong type after a forgiven field is refused', async () => {
    await t.api('/api/v1/charge-points/CP-LENIENT-3', { method: 'PUT', body: { lenient: true } });
    const cp = await clients.connect('CP-LENIENT-3');
    assert.equal((await cp.call('BootNotification', withExtra, 'm-1'))[0], 3);
    const longTag = 'T'.repeat(25);
    const start = { connectorId: 1, idTag: longTag, meterStart: 5000, timestamp: '2025-01-01T10:00:00Z' };
    // The first violation (a tag too long) is forgiven; what follows it in the payload is checked all the same.
    assertCallError(await cp.call('StartTransaction', { ...start, meterStart: 'abc' }, 'm-2'), 'm-2', 'TypeConstraintViolation');
    assertCallError(await cp.call('StartTransaction', { ...start, meterStart: '5000' }, 'm-3'), 'm-3', 'TypeConstraintViolation');
    assertCallError(await cp.call('StartTransaction', { ...start, vendorField: 1, timestamp: 12345 }, 'm-4'), 'm-4', 'TypeConstraintViolation');
    assertCallError(await cp.call('StartTransaction', { ...start, vendorField: 1, timestamp: '2025-01-01T10:00:00' }, 'm-5'), 'm-5', 'TypeConstraintViolation');
    const { status, body } = await t.api('/api/v1/transactions?chargePointId=CP-LENIENT-3');
    assert.equal(status, 200, 'the session list still reads');
    assert.deepEqual(body.items, [], 'nothing was stored');
    // Forgivable violations alone are still forgiven.
    const accepted = await cp.call('StartTransaction', { ...start, vendorField: 1 }, 'm-6');
    assert.equal(accepted[0], 3, JSON.stringify(accepted));
  });

  test('turning lenient off makes the charge point strict again', async () => {
    await t.api('/api/v1/charge-points/CP-LENIENT-2', { method: 'PUT', body: { lenient: true } });
    await t.api('/api/v1/charge-points/CP-LENIENT-2', { method: 'PUT', body: { lenient: false } });
    const cp = await clients.connect('CP-LENIENT-2');
    assertCallError(await cp.call('BootNotification', withExtra, 'o-1'), 'o-1', 'FormationViolation');
  });
});
