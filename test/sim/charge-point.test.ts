// The simulated charge point against a fake central system over real sockets: boot, status,
// heartbeat, and sessions whose reported energy agrees with what the simulator measured.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EnergyMode, EnergyUnit } from '../../src/sim/meter.js';
import { sleep, waitFor } from './fake-central-system.js';
import { energySample, fakeCentralSystem, sampledValues, meterValueList, simulator, valueInWh } from './harness.js';

test('boots with Basic auth on the ocpp1.6 subprotocol, then reports connector 0 and every connector', async (t) => {
  const fake = await fakeCentralSystem(t);
  const cp = simulator(t, fake, { id: 'CP 7', password: 'secret', connectors: 3, vendor: 'Acme', model: 'X1' });
  await cp.ready();
  await waitFor('four StatusNotifications', () => fake.callsOf('StatusNotification').length === 4);

  assert.deepEqual(fake.handshakes, [
    { chargePointId: 'CP 7', protocol: 'ocpp1.6', authorization: `Basic ${Buffer.from('CP 7:secret').toString('base64')}` },
  ]);
  assert.deepEqual(
    fake.calls.map((c) => c.action),
    ['BootNotification', 'StatusNotification', 'StatusNotification', 'StatusNotification', 'StatusNotification'],
  );
  const boot = fake.calls[0]?.payload;
  assert.equal(boot?.['chargePointVendor'], 'Acme');
  assert.equal(boot?.['chargePointModel'], 'X1');
  assert.deepEqual(
    fake.callsOf('StatusNotification').map((c) => [c.payload['connectorId'], c.payload['status'], c.payload['errorCode']]),
    [
      [0, 'Available', 'NoError'],
      [1, 'Available', 'NoError'],
      [2, 'Available', 'NoError'],
      [3, 'Available', 'NoError'],
    ],
  );
  assert.deepEqual(fake.schemaViolations, []);
});

test('sends no Authorization header without a password', async (t) => {
  const fake = await fakeCentralSystem(t);
  const cp = simulator(t, fake);
  await cp.ready();
  assert.equal(fake.handshakes[0]?.authorization, undefined);
});

test('sends a Heartbeat every interval the boot answer gave (floored by minIntervalMs)', async (t) => {
  const fake = await fakeCentralSystem(t, { interval: 0 });
  const cp = simulator(t, fake, { minIntervalMs: 40 });
  await cp.ready();
  await waitFor('three heartbeats', () => fake.callsOf('Heartbeat').length >= 3, 2_000);
});

test('retries a Pending boot after the interval and reports status only once accepted', async (t) => {
  const fake = await fakeCentralSystem(t, { interval: 0, bootStatus: (n) => (n < 3 ? 'Pending' : 'Accepted') });
  const cp = simulator(t, fake);
  await cp.ready();
  await waitFor('status after boot', () => fake.callsOf('StatusNotification').length === 3);
  const actions = fake.calls.map((c) => c.action);
  assert.deepEqual(actions.slice(0, 3), ['BootNotification', 'BootNotification', 'BootNotification']);
  assert.ok(actions.slice(3).every((a) => a === 'StatusNotification'));
  assert.ok(fake.calls.every((c) => c.connection === 1), 'retried on the same connection');
});

test('retries a Rejected boot too, and stays silent meanwhile', async (t) => {
  const fake = await fakeCentralSystem(t, { interval: 0, bootStatus: (n) => (n === 1 ? 'Rejected' : 'Accepted') });
  const cp = simulator(t, fake);
  await cp.ready();
  assert.deepEqual(fake.calls.slice(0, 2).map((c) => c.action), ['BootNotification', 'BootNotification']);
});

// 1 234 567 W for 50 ms is 17.146… Wh a tick: fractions must be carried, never lost or invented.
for (const mode of ['register', 'interval'] as EnergyMode[]) {
  for (const unit of ['Wh', 'kWh'] as EnergyUnit[]) {
    test(`a session in ${mode} mode, ${unit}: MeterValues and meterStop agree with the simulator's own energy`, async (t) => {
      const fake = await fakeCentralSystem(t);
      const cp = simulator(t, fake, {
        meter: { mode, unit, powerW: 1_234_567, sampleIntervalMs: 50, initialRegisterWh: 1_234_567 },
      });
      await cp.ready();
      await cp.startSession(1, 'TAG-1');
      await waitFor('five MeterValues', () => fake.callsOf('MeterValues').length >= 5);
      await cp.stopSession(1);
      await cp.drain();

      const [session] = cp.sessions();
      assert.ok(session);
      assert.equal(session.transactionId, 100);
      assert.equal(session.meterStartWh, 1_234_567);
      assert.equal(session.stopReason, 'Local');
      assert.equal(session.deliveredWh, (session.meterStopWh ?? NaN) - session.meterStartWh);

      const start = fake.callsOf('StartTransaction')[0]?.payload;
      assert.equal(start?.['meterStart'], 1_234_567);
      assert.equal(start?.['idTag'], 'TAG-1');
      assert.equal(start?.['timestamp'], session.startedAt);

      const meterValues = fake.callsOf('MeterValues').map((c) => c.payload);
      const ticks = meterValues.length;
      // Each tick adds exactly 1 234 567 × 50 W·ms; the register is its floor in Wh.
      assert.equal(session.deliveredWh, Math.floor((1_234_567 * 3_600_000 + ticks * 1_234_567 * 50) / 3_600_000) - 1_234_567);
      for (const payload of meterValues) {
        assert.equal(payload['transactionId'], 100);
        assert.equal(payload['connectorId'], 1);
        const energy = energySample(payload);
        assert.equal(energy['measurand'], mode === 'register' ? 'Energy.Active.Import.Register' : 'Energy.Active.Import.Interval');
        assert.equal(energy['context'], 'Sample.Periodic');
        assert.equal(energy['unit'], unit);
        const power = sampledValues(meterValueList(payload)[0]).find((v) => v['measurand'] === 'Power.Active.Import');
        assert.deepEqual([power?.['value'], power?.['unit']], ['1234567', 'W']);
      }
      if (unit === 'kWh') assert.match(String(energySample(meterValues[0] ?? {})['value']), /^\d+\.\d{3}$/);

      const stop = fake.callsOf('StopTransaction')[0]?.payload ?? {};
      assert.equal(stop['transactionId'], 100);
      assert.equal(stop['meterStop'], session.meterStopWh);
      assert.equal(stop['reason'], 'Local');
      const end = energySample(stop);
      assert.equal(end['context'], 'Transaction.End');
      assert.equal(end['unit'], unit);

      const reported = meterValues.map((p) => valueInWh(energySample(p)));
      if (mode === 'register') {
        assert.equal(reported.at(-1), session.meterStopWh, 'last register is meterStop');
        assert.equal(valueInWh(end), session.meterStopWh);
        assert.ok(reported.every((wh, i) => i === 0 || wh >= (reported[i - 1] ?? 0)), 'register never goes back');
      } else {
        const sum = reported.reduce((a, b) => a + b, 0) + valueInWh(end);
        assert.equal(sum, session.deliveredWh, 'intervals add up to the delivered energy');
      }
      assert.deepEqual(fake.schemaViolations, []);
    });
  }
}

test('a session goes Authorize, Preparing, StartTransaction, Charging, MeterValues…, StopTransaction, Finishing, Available', async (t) => {
  const fake = await fakeCentralSystem(t);
  const cp = simulator(t, fake);
  await cp.ready();
  await waitFor('boot status', () => fake.callsOf('StatusNotification').length === 3);
  const bootCalls = fake.calls.length;
  await cp.startSession(2);
  await waitFor('a MeterValues', () => fake.callsOf('MeterValues').length >= 1);
  await cp.stopSession(2, 'EVDisconnected');
  await cp.drain();
  await sleep(120); // no MeterValues may follow the stop

  const steps = fake.calls.slice(bootCalls).map((c) => (c.action === 'StatusNotification' ? String(c.payload['status']) : c.action));
  const collapsed = steps.filter((s, i) => !(s === 'MeterValues' && steps[i - 1] === 'MeterValues'));
  assert.deepEqual(collapsed, [
    'Authorize',
    'Preparing',
    'StartTransaction',
    'Charging',
    'MeterValues',
    'StopTransaction',
    'Finishing',
    'Available',
  ]);
  assert.equal(fake.callsOf('Authorize')[0]?.payload['idTag'], 'SIMTAG01');
  assert.equal(fake.callsOf('StopTransaction')[0]?.payload['reason'], 'EVDisconnected');
  assert.equal(cp.connectorStatus(2), 'Available');
});

test('an id tag the central system does not accept starts no session', async (t) => {
  const fake = await fakeCentralSystem(t, { authorizeStatus: (tag) => (tag === 'BAD' ? 'Blocked' : 'Accepted') });
  const cp = simulator(t, fake);
  await cp.ready();
  await assert.rejects(cp.startSession(1, 'BAD'), /not authorized: Blocked/);
  assert.deepEqual(cp.sessions(), []);
  assert.equal(fake.callsOf('StartTransaction').length, 0);
  await cp.startSession(1, 'GOOD'); // the connector is free again
  await assert.rejects(cp.startSession(1, 'GOOD'), /not free/);
  await assert.rejects(cp.startSession(3, 'GOOD'), /no connector 3/);
});

test('duplicate mode sends every transaction message twice, and nothing else twice', async (t) => {
  const fake = await fakeCentralSystem(t);
  const cp = simulator(t, fake, { duplicateTransactionMessages: true });
  await cp.ready();
  await cp.startSession(1, 'TAG-1');
  await waitFor('MeterValues', () => fake.callsOf('MeterValues').length >= 4);
  await cp.stopSession(1);
  await cp.drain();

  const transactional = fake.calls.filter((c) => ['StartTransaction', 'MeterValues', 'StopTransaction'].includes(c.action));
  assert.equal(transactional.length % 2, 0);
  for (let i = 0; i < transactional.length; i += 2) {
    const [first, second] = [transactional[i], transactional[i + 1]];
    assert.equal(second?.action, first?.action);
    assert.deepEqual(second?.payload, first?.payload, 'the copy is the same message');
  }
  assert.equal(fake.callsOf('StartTransaction').length, 2);
  assert.equal(fake.callsOf('StopTransaction').length, 2);
  assert.equal(fake.callsOf('Authorize').length, 1);
  assert.equal(fake.callsOf('StatusNotification').length, 3 + 4);
  assert.equal(cp.sessions()[0]?.transactionId, 100);
});

test('a StartTransaction answered with an id tag that is not Accepted stops the session (DeAuthorized)', async (t) => {
  const fake = await fakeCentralSystem(t, { startStatus: 'Expired' });
  const cp = simulator(t, fake);
  await cp.ready();
  await cp.startSession(1, 'OLD');
  await waitFor('StopTransaction', () => fake.callsOf('StopTransaction').length === 1);
  assert.equal(fake.callsOf('StopTransaction')[0]?.payload['reason'], 'DeAuthorized');
  assert.equal(cp.sessions()[0]?.stopReason, 'DeAuthorized');
  assert.equal(cp.connectorStatus(1), 'Available');
});

test('a transaction message refused with a CALLERROR is resent, then given up without blocking the queue', async (t) => {
  const fake = await fakeCentralSystem(t, {
    refuse: (action, payload) => action === 'StartTransaction' && payload['idTag'] === 'REFUSED',
  });
  const cp = simulator(t, fake, { transactionMessageAttempts: 3, reconnectDelayMs: 20 });
  await cp.ready();
  await cp.startSession(1, 'REFUSED');
  await waitFor('three attempts', () => fake.callsOf('StartTransaction').length === 3);
  await cp.startSession(2, 'FINE');
  await waitFor('MeterValues of the second session', () => fake.callsOf('MeterValues').length >= 2);
  await cp.stopSession(1);
  await cp.stopSession(2);
  await cp.drain();

  const [refused, fine] = cp.sessions();
  assert.equal(refused?.transactionId, undefined);
  assert.equal(fine?.transactionId, 100);
  // Nothing of the refused session was sent without its transactionId.
  assert.ok(fake.calls.every((c) => c.action !== 'MeterValues' || c.payload['connectorId'] === 2));
  assert.equal(fake.callsOf('StopTransaction').length, 1);
  assert.equal(fake.callsOf('StopTransaction')[0]?.payload['transactionId'], 100);
});
