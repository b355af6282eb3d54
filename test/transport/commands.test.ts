// Operator commands through the REST API to a raw OCPP-J client over real sockets: the exact 1.6
// CALL on the wire, the answer passed back, every failure mapped to its HTTP status, and one CALL
// in flight at a time.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { boot, type Frame, type TestClient } from '../support/ocpp-client.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import { assertAlive, Clients, sleep } from './helpers.js';

const calls = (client: TestClient, since = 0) => client.received.slice(since).filter((f) => f[0] === 2);

function assertWireCall(frame: Frame | undefined, action: string, payload: object): void {
  assert.ok(frame, `a ${action} CALL was received`);
  assert.equal(frame.length, 4);
  assert.equal(frame[0], 2);
  assert.equal(typeof frame[1], 'string');
  assert.ok((frame[1] as string).length > 0 && (frame[1] as string).length <= 36, 'message id of 1 to 36 characters');
  assert.equal(frame[2], action);
  assert.deepEqual(frame[3], payload);
}

function assertErrorBody(result: { status: number; body: any }, status: number, what: string): void {
  assert.equal(result.status, status, `${what}: ${JSON.stringify(result.body)}`);
  assert.equal(typeof result.body, 'object', `${what}: JSON body`);
  assert.deepEqual(Object.keys(result.body).sort(), ['error', 'message'], `${what}: {error, message}`);
  assert.equal(typeof result.body.error, 'string');
  assert.ok(typeof result.body.message === 'string' && result.body.message.length > 0);
}

describe('operator commands to a connected charge point', () => {
  let t: TestTomada;
  let clients: Clients;
  let cp: TestClient;

  before(async () => {
    t = await startTestTomada({ unknownChargePoints: 'accept', callTimeoutMs: 5_000 });
    clients = new Clients(t);
    cp = await clients.connect('CP-CMD');
    await boot(cp);
    assert.equal((await t.api('/api/v1/charge-points/CP-OFFLINE', { method: 'PUT', body: {} })).status, 201);
  });

  after(async () => {
    clients.closeAll();
    await t.close();
  });

  const command = (id: string, path: string, body: unknown, token?: string) =>
    t.api(`/api/v1/charge-points/${id}/commands/${path}`, { method: 'POST', body, ...(token === undefined ? {} : { token }) });

  const cases: { path: string; body: object; action: string; wire: object; answers: string[] }[] = [
    { path: 'remote-start', body: { idTag: 'TAG-1', connectorId: 2 }, action: 'RemoteStartTransaction', wire: { idTag: 'TAG-1', connectorId: 2 }, answers: ['Accepted', 'Rejected'] },
    { path: 'remote-start', body: { idTag: 'TAG-2' }, action: 'RemoteStartTransaction', wire: { idTag: 'TAG-2' }, answers: ['Accepted'] },
    { path: 'remote-stop', body: { transactionId: 42 }, action: 'RemoteStopTransaction', wire: { transactionId: 42 }, answers: ['Accepted', 'Rejected'] },
    { path: 'reset', body: { type: 'Soft' }, action: 'Reset', wire: { type: 'Soft' }, answers: ['Accepted', 'Rejected'] },
    { path: 'reset', body: { type: 'Hard' }, action: 'Reset', wire: { type: 'Hard' }, answers: ['Accepted'] },
    { path: 'unlock', body: { connectorId: 1 }, action: 'UnlockConnector', wire: { connectorId: 1 }, answers: ['Unlocked', 'UnlockFailed', 'NotSupported'] },
  ];
  for (const c of cases) {
    test(`${c.path} ${JSON.stringify(c.body)} sends exactly ${c.action} ${JSON.stringify(c.wire)} and passes the answer back`, async () => {
      for (const status of c.answers) {
        const since = cp.received.length;
        cp.onCall = () => ({ status });
        const result = await command('CP-CMD', c.path, c.body);
        assert.deepEqual(result, { status: 200, body: { status } });
        const sent = calls(cp, since);
        assert.equal(sent.length, 1, 'exactly one CALL');
        assertWireCall(sent[0], c.action, c.wire);
      }
    });
  }

  test('each command gets a fresh message id', async () => {
    const since = cp.received.length;
    cp.onCall = () => ({ status: 'Accepted' });
    for (let i = 0; i < 3; i++) assert.equal((await command('CP-CMD', 'reset', { type: 'Soft' })).status, 200);
    const ids = calls(cp, since).map((f) => f[1]);
    assert.equal(new Set(ids).size, 3);
  });

  test('an unknown charge point is 404', async () => {
    assertErrorBody(await command('CP-NOBODY', 'reset', { type: 'Soft' }), 404, 'unknown charge point');
  });

  test('a registered charge point that is not connected is 409', async () => {
    assertErrorBody(await command('CP-OFFLINE', 'reset', { type: 'Soft' }), 409, 'never connected');
    const gone = await clients.connect('CP-GONE');
    await boot(gone);
    await gone.close();
    // The session is removed once the close is seen.
    let result = await command('CP-GONE', 'unlock', { connectorId: 1 });
    for (let i = 0; i < 50 && result.status !== 409; i++) {
      await sleep(20);
      result = await command('CP-GONE', 'unlock', { connectorId: 1 });
    }
    assertErrorBody(result, 409, 'disconnected');
  });

  test('a charge point held Pending gets no remote start or stop, a Rejected one no command at all: 409, nothing sent', async () => {
    const held = await clients.connect('CP-HELD');
    await boot(held);
    const register = (registrationStatus: string) => t.api('/api/v1/charge-points/CP-HELD', { method: 'PUT', body: { registrationStatus } });
    try {
      assert.equal((await register('Pending')).status, 200);
      const since = held.received.length;
      const start = await command('CP-HELD', 'remote-start', { idTag: 'TAG-1' });
      assertErrorBody(start, 409, 'remote start while Pending');
      assert.match(start.body.message, /^Charge point "CP-HELD" is Pending: OCPP allows no remote start or stop until a boot of it is answered Accepted; the command was not sent$/);
      assertErrorBody(await command('CP-HELD', 'remote-stop', { transactionId: 42 }), 409, 'remote stop while Pending');
      assert.deepEqual(calls(held, since), [], 'nothing reached the charge point');
      // A reset is what gets a held charge point to boot again: allowed.
      assert.deepEqual(await command('CP-HELD', 'reset', { type: 'Soft' }), { status: 200, body: { status: 'Accepted' } });

      assert.equal((await register('Rejected')).status, 200);
      const before = held.received.length;
      for (const [path, body] of [['reset', { type: 'Hard' }], ['unlock', { connectorId: 1 }]] as const) {
        const refused = await command('CP-HELD', path, body);
        assertErrorBody(refused, 409, `${path} while Rejected`);
        assert.match(refused.body.message, /is Rejected: OCPP has the central system send it nothing/);
      }
      assert.deepEqual(calls(held, before), [], 'nothing reached the charge point');
    } finally {
      await held.close();
    }
  });

  test('an OCPP 1.5 charge point held Pending was told Rejected (1.5 has no Pending), and gets no command at all', async () => {
    assert.equal((await t.api('/api/v1/charge-points/CP-HELD-15', { method: 'PUT', body: { registrationStatus: 'Pending' } })).status, 201);
    const held = await clients.connect('CP-HELD-15', { protocols: ['ocpp1.5'] });
    try {
      const [, , answer] = await held.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      assert.equal((answer as { status: string }).status, 'Rejected');
      const since = held.received.length;
      for (const [path, body] of [['reset', { type: 'Soft' }], ['unlock', { connectorId: 1 }], ['remote-start', { idTag: 'TAG-1' }]] as const) {
        const refused = await command('CP-HELD-15', path, body);
        assertErrorBody(refused, 409, `${path} while told Rejected`);
        assert.match(refused.body.message, /is Pending, and its boot was answered Rejected \(OCPP 1\.5 has no Pending\): OCPP has the central system send it nothing/);
      }
      assert.deepEqual(calls(held, since), [], 'nothing reached the charge point');
    } finally {
      await held.close();
    }
  });

  test('a CALLERROR answer is 502', async () => {
    const since = cp.received.length;
    cp.onCall = () => undefined;
    const pending = command('CP-CMD', 'reset', { type: 'Hard' });
    const call = await cp.waitFor((f) => f[0] === 2 && cp.received.indexOf(f) >= since);
    cp.sendRaw(JSON.stringify([4, call[1], 'NotSupported', 'No resets here', {}]));
    const result = await pending;
    assertErrorBody(result, 502, 'CALLERROR');
    assert.match(result.body.message, /NotSupported/);
    // A description of 500 KB (and a code of 300 KB) is no answer to pass whole to the operator.
    const sinceLong = cp.received.length;
    const long = command('CP-CMD', 'reset', { type: 'Hard' });
    const longCall = await cp.waitFor((f) => f[0] === 2 && cp.received.indexOf(f) >= sinceLong);
    cp.sendRaw(JSON.stringify([4, longCall[1], 'E'.repeat(300_000), 'D'.repeat(500_000), {}]));
    const cut = await long;
    assertErrorBody(cut, 502, 'a long CALLERROR');
    assert.ok(cut.body.message.length < 1_000, `cut: ${cut.body.message.length} characters`);
    assert.match(cut.body.message, /E+… \(300000 characters\): D+… \(500000 characters\)/);
    cp.onCall = () => ({ status: 'Accepted' });
    assert.equal((await command('CP-CMD', 'reset', { type: 'Hard' })).status, 200, 'the next command works');
  });

  test('an answer that breaks the schema is 502', async () => {
    const bad: [string, object, object][] = [
      ['reset', { type: 'Soft' }, { status: 'Bogus' }],
      ['reset', { type: 'Soft' }, {}],
      ['reset', { type: 'Soft' }, { status: 'Accepted', extra: true }],
      ['reset', { type: 'Soft' }, { status: 1 }],
      ['unlock', { connectorId: 1 }, { status: 'Accepted' }], // not an UnlockConnector status
      ['remote-start', { idTag: 'TAG-1' }, { status: 'Unlocked' }],
    ];
    for (const [path, body, answer] of bad) {
      cp.onCall = () => answer;
      assertErrorBody(await command('CP-CMD', path, body), 502, `${path} answered ${JSON.stringify(answer)}`);
    }
    await assertAlive(cp);
  });

  test('a lenient charge point is forgiven an unknown field or status in its answer, not a missing status or one of the wrong type', async () => {
    assert.equal((await t.api('/api/v1/charge-points/CP-LENIENT-CMD', { method: 'PUT', body: { lenient: true } })).status, 201);
    const lenient = await clients.connect('CP-LENIENT-CMD');
    await boot(lenient);
    const forgiven: [object, string][] = [
      [{ status: 'Accepted', vendorNote: 'x' }, 'Accepted'],
      [{ status: 'Scheduled' }, 'Scheduled'],
    ];
    for (const [answer, status] of forgiven) {
      lenient.onCall = () => answer;
      const result = await command('CP-LENIENT-CMD', 'reset', { type: 'Soft' });
      assert.equal(result.status, 200, JSON.stringify(result.body));
      assert.deepEqual(result.body, { status }, `answered ${JSON.stringify(answer)}`);
    }
    for (const answer of [{}, { status: 5 }, { status: null }, { status: { a: 1 } }, { vendorNote: 'x' }]) {
      lenient.onCall = () => answer;
      const result = await command('CP-LENIENT-CMD', 'reset', { type: 'Soft' });
      assertErrorBody(result, 502, `answered ${JSON.stringify(answer)}`);
      assert.match(result.body.message, /answer is invalid/);
    }
    await assertAlive(lenient);
  });

  test('a malformed answer frame to our CALL fails the command at once with 502, not a timeout', async () => {
    const malformed: ((id: string) => string)[] = [
      (id) => JSON.stringify([3, id, 'Accepted']),
      (id) => JSON.stringify([3, id, null]),
      (id) => JSON.stringify([3, id]),
      (id) => JSON.stringify([3, id, { status: 'Accepted' }, 'extra']),
      (id) => JSON.stringify([4, id, 'NotSupported']),
      (id) => JSON.stringify([4, id, 'NotSupported', 42, {}]),
    ];
    for (const frame of malformed) {
      const since = cp.received.length;
      cp.onCall = () => undefined;
      const started = Date.now();
      const pending = command('CP-CMD', 'reset', { type: 'Soft' });
      const call = await cp.waitFor((f) => f[0] === 2 && cp.received.indexOf(f) >= since);
      cp.sendRaw(frame(call[1] as string));
      const result = await pending;
      assertErrorBody(result, 502, `answer ${frame(call[1] as string)}`);
      assert.ok(Date.now() - started < 2_000, `failed at once, not after the 5 s call timeout (${Date.now() - started} ms)`);
    }
    cp.onCall = () => ({ status: 'Accepted' });
    assert.equal((await command('CP-CMD', 'reset', { type: 'Soft' })).status, 200, 'the next command works');
    await assertAlive(cp);
  });

  test('invalid bodies are 400 with {error, message}, and nothing is sent', async () => {
    const since = cp.received.length;
    const invalid: [string, unknown][] = [
      ['remote-start', {}],
      ['remote-start', { idTag: 'A'.repeat(21) }],
      ['remote-start', { idTag: '' }],
      ['remote-start', { idTag: 'TAG-1', connectorId: 0 }],
      ['remote-start', { idTag: 'TAG-1', connectorId: 1.5 }],
      ['remote-start', { idTag: 'TAG-1', color: 'red' }],
      ['remote-stop', {}],
      ['remote-stop', { transactionId: 'abc' }],
      ['remote-stop', { transactionId: 1, force: true }],
      ['reset', { type: 'Medium' }],
      ['reset', {}],
      ['reset', { type: 'Soft', delay: 5 }],
      ['unlock', { connectorId: 0 }],
      ['unlock', { connectorId: -1 }],
      ['unlock', {}],
      // Past what an OCPP integer holds (32 bits): it would go out on the wire as written.
      ['unlock', { connectorId: 1e300 }],
      ['unlock', { connectorId: 2_147_483_648 }],
      ['remote-start', { idTag: 'TAG-1', connectorId: 3_000_000_000 }],
      // Values of the wrong type are refused, not coerced.
      ['remote-stop', { transactionId: '42' }],
      ['unlock', { connectorId: '1' }],
      ['unlock', { connectorId: true }],
      ['reset', { type: ['Soft'] }],
      ['remote-start', { idTag: 12345 }],
      ['reset', '{"type":'],
      ['reset', '[]'],
    ];
    for (const [path, body] of invalid) {
      assertErrorBody(await command('CP-CMD', path, body), 400, `${path} ${JSON.stringify(body)}`);
    }
    assert.deepEqual(calls(cp, since), [], 'no CALL reached the charge point');
    // A choice among a few values names them.
    const reset = await command('CP-CMD', 'reset', { type: 'soft' });
    assert.equal(reset.body.message, 'body/type must be one of "Soft", "Hard"');
  });

  test('no token, or a wrong one, is 401 and nothing is sent', async () => {
    const since = cp.received.length;
    const response = await fetch(`${t.httpUrl}/api/v1/charge-points/CP-CMD/commands/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'Hard' }),
    });
    const body = await response.json();
    assertErrorBody({ status: response.status, body }, 401, 'no token');
    assertErrorBody(await command('CP-CMD', 'reset', { type: 'Hard' }, 'not-a-valid-token-at-all'), 401, 'wrong token');
    assert.deepEqual(calls(cp, since), []);
  });

  test('a second command waits until the first is answered (one CALL in flight)', async () => {
    const since = cp.received.length;
    cp.onCall = () => undefined; // answered by hand below
    const first = command('CP-CMD', 'reset', { type: 'Soft' });
    const firstCall = await cp.waitFor((f) => f[0] === 2 && cp.received.indexOf(f) >= since);
    assert.equal(firstCall[2], 'Reset');
    const second = command('CP-CMD', 'unlock', { connectorId: 3 });
    const third = command('CP-CMD', 'remote-stop', { transactionId: 7 });
    await sleep(300);
    assert.equal(calls(cp, since).length, 1, 'the second CALL is held back while the first is unanswered');

    cp.onCall = (action) => (action === 'UnlockConnector' ? { status: 'UnlockFailed' } : { status: 'Rejected' });
    const answeredAt = cp.received.length;
    cp.sendRaw(JSON.stringify([3, firstCall[1], { status: 'Accepted' }]));
    assert.deepEqual(await first, { status: 200, body: { status: 'Accepted' } });
    assert.deepEqual(await second, { status: 200, body: { status: 'UnlockFailed' } });
    assert.deepEqual(await third, { status: 200, body: { status: 'Rejected' } });
    const sent = calls(cp, since);
    assert.equal(sent.length, 3);
    assert.ok(cp.received.indexOf(sent[1]!) >= answeredAt, 'the second CALL came after the first was answered');
    assertWireCall(sent[1], 'UnlockConnector', { connectorId: 3 });
    assertWireCall(sent[2], 'RemoteStopTransaction', { transactionId: 7 });
  });

  test('the charge point\'s own CALLs are still answered while a command waits', async () => {
    const since = cp.received.length;
    cp.onCall = () => undefined;
    const pending = command('CP-CMD', 'reset', { type: 'Soft' });
    const call = await cp.waitFor((f) => f[0] === 2 && cp.received.indexOf(f) >= since);
    await assertAlive(cp, 'the charge point while our CALL is unanswered');
    cp.sendRaw(JSON.stringify([3, call[1], { status: 'Accepted' }]));
    assert.equal((await pending).status, 200);
    cp.onCall = () => ({ status: 'Accepted' });
  });
});

describe('operator commands that time out', () => {
  let t: TestTomada;
  let clients: Clients;

  before(async () => {
    t = await startTestTomada({ unknownChargePoints: 'accept', callTimeoutMs: 300 });
    clients = new Clients(t);
  });

  after(async () => {
    clients.closeAll();
    await t.close();
  });

  test('no answer is 504, and a late answer does not answer the next command', async () => {
    const cp = await clients.connect('CP-SLOW');
    await boot(cp);
    cp.onCall = () => undefined;
    const started = Date.now();
    const result = await t.api('/api/v1/charge-points/CP-SLOW/commands/reset', { body: { type: 'Soft' } });
    assertErrorBody(result, 504, 'no answer');
    assert.ok(Date.now() - started < 3_000, 'timed out after callTimeoutMs, not later');
    const late = calls(cp).at(-1)!;
    assert.equal(late[2], 'Reset');

    // The next command goes out; the late answer to the first must not be taken for its answer.
    const since = cp.received.length;
    const next = t.api('/api/v1/charge-points/CP-SLOW/commands/unlock', { body: { connectorId: 1 } });
    const nextCall = await cp.waitFor((f) => f[0] === 2 && cp.received.indexOf(f) >= since);
    assert.notEqual(nextCall[1], late[1]);
    cp.sendRaw(JSON.stringify([3, late[1], { status: 'Accepted' }])); // late, and not even an Unlock status
    await sleep(50);
    cp.sendRaw(JSON.stringify([3, nextCall[1], { status: 'Unlocked' }]));
    assert.deepEqual(await next, { status: 200, body: { status: 'Unlocked' } });
    await assertAlive(cp);
  });
});

describe('operator commands queued behind a slow charge point', () => {
  let t: TestTomada;
  let clients: Clients;

  before(async () => {
    t = await startTestTomada({ unknownChargePoints: 'accept', callTimeoutMs: 2_500 });
    clients = new Clients(t);
  });

  after(async () => {
    clients.closeAll();
    await t.close();
  });

  test('a command that cannot be sent within the call timeout fails 504 "not sent" and is never sent', async () => {
    const cp = await clients.connect('CP-QUEUE');
    await boot(cp);
    // Each answer in time; the second command's turn comes 900 ms before its 2.5 s run out, the
    // third's 700 ms after: margins that a loaded machine's delays do not cross.
    cp.answerDelayMs = 1_600;
    const since = cp.received.length;
    const reset = () => t.api('/api/v1/charge-points/CP-QUEUE/commands/reset', { body: { type: 'Soft' } });
    // The requests reach the queue in whatever order their reads of the charge point finish (on
    // PostgreSQL, side by side): which one is third is not known in advance.
    const answers = await Promise.all([reset(), reset(), reset()]);
    const accepted = answers.filter((answer) => answer.status === 200);
    const late = answers.filter((answer) => answer.status !== 200);
    assert.deepEqual(accepted.map((answer) => answer.body), [{ status: 'Accepted' }, { status: 'Accepted' }], JSON.stringify(answers));
    assert.equal(late.length, 1);
    assertErrorBody(late[0]!, 504, 'not sent in time');
    assert.equal(late[0]!.body.error, 'Timeout');
    assert.match(late[0]!.body.message, /was not sent to charge point "CP-QUEUE": it waited \d+ ms behind earlier commands.*retrying is safe/);
    await sleep(1_000); // past the time its answer would have been waited for
    assert.deepEqual(calls(cp, since).map((f) => f[2]), ['Reset', 'Reset'], 'the third Reset never reached the charge point');
    await assertAlive(cp);
  });

  test('a connection that closes with commands waiting: the one sent "may have been carried out" (502), the one waiting "was not sent" (409)', async () => {
    const cp = await clients.connect('CP-CLOSES');
    await boot(cp);
    cp.answerDelayMs = 60_000; // never, as far as the test goes
    const since = cp.received.length;
    const reset = () => t.api('/api/v1/charge-points/CP-CLOSES/commands/reset', { body: { type: 'Soft' } });
    const first = reset();
    await cp.waitFor((frame) => frame[0] === 2 && frame[2] === 'Reset');
    const second = reset();
    await sleep(200); // the second is queued behind the first
    await cp.close();
    const [sent, waiting] = await Promise.all([first, second]);
    assertErrorBody(sent, 502, 'the command sent');
    assert.match(sent.body.message, /Reset: the connection closed before the charge point answered .*it may have been carried out/);
    assertErrorBody(waiting, 409, 'the command waiting');
    assert.equal(waiting.body.error, 'NotConnected');
    assert.match(waiting.body.message, /Reset was not sent: .*retrying is safe/);
    assert.deepEqual(calls(cp, since).map((f) => f[2]), ['Reset'], 'only the first reached the charge point');
  });
});
