// The offline backlog: transaction messages survive a lost connection, arrive after the next boot
// in their own order with their own timestamps, and none is missing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeCentralSystem, sleep, waitFor, type ReceivedCall } from './fake-central-system.js';
import { energySample, fakeCentralSystem, simulator, timestampOf, transactionMessages, valueInWh } from './harness.js';

// 3 600 000 W for 50 ms is exactly 50 Wh a tick, so a missing MeterValues shows as a gap.
const meter = { mode: 'register' as const, unit: 'Wh' as const, powerW: 3_600_000, sampleIntervalMs: 50 };
const WH_PER_TICK = 50;

/** Checks one complete session: Start, every MeterValues without a gap, Stop, in timestamp order. */
function assertCompleteSession(calls: ReceivedCall[], meterStartWh: number, meterStopWh: number, transactionId: number): void {
  const messages = transactionMessages(calls);
  assert.equal(messages[0]?.action, 'StartTransaction');
  assert.equal(messages.at(-1)?.action, 'StopTransaction');
  const stamps = messages.map(timestampOf);
  assert.deepEqual(stamps, [...stamps].sort(), 'arrived in timestamp order');
  assert.equal(new Set(stamps).size, stamps.length, 'one timestamp per message');

  const registers = messages.filter((m) => m.action === 'MeterValues').map((m) => valueInWh(energySample(m.payload)));
  const expected = Array.from({ length: (meterStopWh - meterStartWh) / WH_PER_TICK }, (_, i) => meterStartWh + (i + 1) * WH_PER_TICK);
  assert.deepEqual(registers, expected, 'every sample arrived, none twice');
  for (const m of messages.slice(1)) assert.equal(m.payload['transactionId'], transactionId);
  assert.equal(messages.at(-1)?.payload['meterStop'], meterStopWh);
}

test('a connection dropped mid-session: queued MeterValues and the StopTransaction arrive after the new boot', async (t) => {
  const fake = await fakeCentralSystem(t);
  const cp = simulator(t, fake, { meter, reconnectDelayMs: 300 });
  await cp.ready();
  await cp.startSession(1, 'TAG-1');
  await waitFor('two MeterValues', () => fake.callsOf('MeterValues').length >= 2);

  cp.dropConnection();
  await waitFor('the fake to see the drop', () => !fake.isConnected('CP-1'));
  const droppedAt = Date.now();
  await waitFor('the reconnect', () => fake.callsOf('BootNotification').length === 2, 3_000);
  await waitFor('two more MeterValues after the reconnect', () =>
    fake.calls.filter((c) => c.connection === 2 && c.action === 'MeterValues' && Date.parse(timestampOf(c)) > droppedAt + 300).length >= 2,
  );
  await cp.stopSession(1);
  await cp.drain();

  const [session] = cp.sessions();
  assert.ok(session?.meterStopWh !== undefined && session.transactionId === 100);
  assertCompleteSession(fake.calls, session.meterStartWh, session.meterStopWh, 100);
  const backlog = fake.calls.filter(
    (c) => c.connection === 2 && c.action === 'MeterValues' && Date.parse(timestampOf(c)) >= droppedAt && Date.parse(timestampOf(c)) < droppedAt + 250,
  );
  assert.ok(backlog.length >= 3, `samples taken offline were sent after the reconnect (${backlog.length})`);
  // The new connection sent the boot before anything else.
  assert.equal(fake.calls.find((c) => c.connection === 2)?.action, 'BootNotification');
  assert.deepEqual(fake.schemaViolations, []);
});

test('a whole session while offline: MeterValues and StopTransaction get the transactionId the late StartTransaction brings', async (t) => {
  const fake = await fakeCentralSystem(t);
  const cp = simulator(t, fake, { meter, reconnectDelayMs: 400 });
  await cp.ready();
  cp.dropConnection();
  await waitFor('offline', () => !fake.isConnected('CP-1') && !cp.accepted);

  await cp.startSession(1, 'TAG-OFF');
  await sleep(200);
  const stopped = await cp.stopSession(1, 'EVDisconnected');
  assert.equal(stopped.transactionId, undefined, 'no answer yet while offline');
  assert.equal(fake.calls.filter((c) => c.connection === 2).length, 0, 'still offline');

  await waitFor('the reconnect', () => fake.isConnected('CP-1'), 3_000);
  await cp.drain();
  const [session] = cp.sessions();
  assert.equal(session?.transactionId, 100);
  assert.ok(session.meterStopWh !== undefined && session.meterStopWh > session.meterStartWh);
  assertCompleteSession(fake.calls, session.meterStartWh, session.meterStopWh, 100);
  assert.ok(transactionMessages(fake.calls).every((m) => m.connection === 2));
  assert.equal(fake.callsOf('Authorize').length, 0, 'authorized locally while offline');
  assert.equal(fake.callsOf('StopTransaction')[0]?.payload['reason'], 'EVDisconnected');
  assert.deepEqual(fake.schemaViolations, []);
});

test('the backlog survives several drops in one session', async (t) => {
  const fake = await fakeCentralSystem(t);
  const cp = simulator(t, fake, { meter, reconnectDelayMs: 60 });
  await cp.ready();
  await cp.startSession(1, 'TAG-1');
  for (let drop = 0; drop < 3; drop++) {
    await sleep(90);
    cp.dropConnection();
    await waitFor('reconnect', () => fake.callsOf('BootNotification').length === drop + 2, 3_000);
  }
  await sleep(90);
  await cp.stopSession(1);
  await cp.drain();
  const [session] = cp.sessions();
  assert.ok(session?.meterStopWh !== undefined && session.transactionId === 100);
  assertCompleteSession(fake.calls, session.meterStartWh, session.meterStopWh, 100);
});

test('the backlog waits while the central system is down (connections refused) and goes to it when it is back', async (t) => {
  const first = await FakeCentralSystem.start();
  t.after(() => first.close()); // in case the test fails before closing it itself
  const port = first.port;
  const cp = simulator(t, first, { meter, reconnectDelayMs: 50 });
  await cp.ready();
  await cp.startSession(1, 'TAG-1');
  await waitFor('a MeterValues', () => first.callsOf('MeterValues').length >= 1);
  await first.close();
  await sleep(300); // about six refused reconnects, six samples queued

  const second = await fakeCentralSystem(t, { port });
  await waitFor('the reconnect', () => second.callsOf('BootNotification').length === 1, 3_000);
  await cp.stopSession(1);
  await cp.drain();
  const [session] = cp.sessions();
  assert.ok(session?.meterStopWh !== undefined && session.transactionId === 100);
  assertCompleteSession([...first.calls, ...second.calls], session.meterStartWh, session.meterStopWh, 100);
  assert.ok(second.callsOf('MeterValues').length >= 5);
});
