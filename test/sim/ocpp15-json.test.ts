// The simulated charge point speaking OCPP 1.5 over JSON (subprotocol ocpp1.5) to a fake 1.5
// central system over real sockets; every payload both ways is validated against the 1.5 schemas.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CallErrorResponse } from '../../src/ocpp/rpc-peer.js';
import type { JsonObject } from '../../src/ocpp/rpc.js';
import type { EnergyMode, EnergyUnit } from '../../src/sim/meter.js';
import { sleep, waitFor } from './fake-central-system.js';
import { energySample, fakeCentralSystem, meterValueList, sampledValues, simulator, timestampOf, transactionMessages, valueInWh } from './harness.js';

test('1.5 JSON: boots on the ocpp1.5 subprotocol, reads heartbeatInterval, reports connectors Available', async (t) => {
  const fake = await fakeCentralSystem(t, { version: '1.5', interval: 1 });
  const cp = simulator(t, fake, { connectors: 2, vendor: 'Acme', model: 'X1', minIntervalMs: 50 });
  await cp.ready();
  const bootedAt = Date.now();
  assert.deepEqual(fake.handshakes.map((h) => h.protocol), ['ocpp1.5']);
  assert.deepEqual(fake.calls[0]?.payload, { chargePointVendor: 'Acme', chargePointModel: 'X1', chargePointSerialNumber: 'CP-1', firmwareVersion: '1.0.0' });
  await waitFor('the connectors reported', () => fake.callsOf('StatusNotification').length === 3);
  assert.deepEqual(
    fake.callsOf('StatusNotification').map((c) => [c.payload['connectorId'], c.payload['status'], c.payload['errorCode']]),
    [
      [0, 'Available', 'NoError'],
      [1, 'Available', 'NoError'],
      [2, 'Available', 'NoError'],
    ],
  );
  // heartbeatInterval 1 s: the first Heartbeat comes a second after the boot, not at the 50 ms floor.
  await waitFor('a heartbeat', () => fake.callsOf('Heartbeat').length === 1, 2_000);
  assert.ok(Date.now() - bootedAt >= 900, `heartbeat after ${Date.now() - bootedAt} ms`);
  assert.deepEqual(fake.callsOf('Heartbeat')[0]?.payload, {});
  assert.deepEqual(fake.schemaViolations, []);
});

for (const mode of ['register', 'interval'] as EnergyMode[]) {
  for (const unit of ['Wh', 'kWh'] as EnergyUnit[]) {
    test(`1.5 JSON: a session in ${mode} mode, ${unit}, reports the energy the simulator measured`, async (t) => {
      const fake = await fakeCentralSystem(t, { version: '1.5' });
      const cp = simulator(t, fake, { meter: { mode, unit, powerW: 1_234_567, sampleIntervalMs: 50, initialRegisterWh: 1_234_567 } });
      await cp.ready();
      await cp.startSession(1, 'TAG-1');
      await waitFor('four MeterValues', () => fake.callsOf('MeterValues').length >= 4);
      await cp.stopSession(1, 'EVDisconnected');
      await cp.drain();

      const [session] = cp.sessions();
      assert.ok(session?.meterStopWh !== undefined && session.deliveredWh !== undefined);
      assert.equal(session.transactionId, 100);
      assert.deepEqual(fake.callsOf('StartTransaction')[0]?.payload, {
        connectorId: 1,
        idTag: 'TAG-1',
        timestamp: session.startedAt,
        meterStart: 1_234_567,
      });

      const meterValues = fake.callsOf('MeterValues').map((c) => c.payload);
      for (const payload of meterValues) {
        assert.deepEqual(Object.keys(payload), ['connectorId', 'transactionId', 'values']);
        assert.equal(payload['transactionId'], 100);
        const [meterValue, ...more] = meterValueList(payload);
        assert.equal(more.length, 0);
        assert.deepEqual(Object.keys(meterValue ?? {}), ['timestamp', 'value']);
        const energy = energySample(payload);
        assert.equal(energy['measurand'], mode === 'register' ? 'Energy.Active.Import.Register' : 'Energy.Active.Import.Interval');
        assert.equal(energy['unit'], unit);
        assert.equal(energy['context'], 'Sample.Periodic');
        assert.equal(typeof energy['value'], 'string');
        const power = sampledValues(meterValue).find((v) => v['measurand'] === 'Power.Active.Import');
        assert.deepEqual([power?.['value'], power?.['unit']], ['1234567', 'W']);
      }

      const stop = fake.callsOf('StopTransaction')[0]?.payload ?? {};
      assert.deepEqual(Object.keys(stop), ['transactionId', 'idTag', 'timestamp', 'meterStop', 'transactionData']);
      assert.equal(stop['meterStop'], session.meterStopWh);
      assert.equal(stop['timestamp'], session.stoppedAt);
      const transactionData = stop['transactionData'] as JsonObject[];
      assert.equal(transactionData.length, 1);
      assert.deepEqual(Object.keys(transactionData[0] ?? {}), ['values']);
      const final = energySample(stop);
      assert.equal(final['context'], 'Transaction.End');

      // What the central system can compute from the messages is what the simulator measured.
      const reported = meterValues.map((p) => valueInWh(energySample(p)));
      if (mode === 'register') {
        assert.equal(valueInWh(final), session.meterStopWh);
        assert.equal(reported.at(-1), session.meterStopWh);
      } else {
        assert.equal(reported.reduce((a, b) => a + b, 0) + valueInWh(final), session.deliveredWh);
      }
      assert.equal(session.deliveredWh, session.meterStopWh - 1_234_567);
      assert.deepEqual(fake.schemaViolations, []);
    });
  }
}

test('1.5 JSON: the connector is Occupied once for the whole session, then Available', async (t) => {
  const fake = await fakeCentralSystem(t, { version: '1.5' });
  const cp = simulator(t, fake);
  await cp.ready();
  await waitFor('boot status', () => fake.callsOf('StatusNotification').length === 3);
  const bootCalls = fake.calls.length;
  await cp.startSession(2);
  await waitFor('a MeterValues', () => fake.callsOf('MeterValues').length >= 1);
  assert.equal(cp.connectorStatus(2), 'Charging');
  await cp.stopSession(2);
  await cp.drain();
  await sleep(100);

  const steps = fake.calls.slice(bootCalls).map((c) => (c.action === 'StatusNotification' ? `${c.payload['connectorId']} ${String(c.payload['status'])}` : c.action));
  const collapsed = steps.filter((s, i) => !(s === 'MeterValues' && steps[i - 1] === 'MeterValues'));
  assert.deepEqual(collapsed, ['Authorize', '2 Occupied', 'StartTransaction', 'MeterValues', 'StopTransaction', '2 Available']);
  assert.deepEqual(fake.schemaViolations, []);
});

test('1.5 JSON: remote start and stop, unlock and reset, answered in 1.5 words', async (t) => {
  const fake = await fakeCentralSystem(t, { version: '1.5' });
  const cp = simulator(t, fake, { connectors: 2 });
  await cp.ready();

  assert.deepEqual(await fake.call('CP-1', 'RemoteStartTransaction', { idTag: 'REMOTE-A', connectorId: 2 }), { status: 'Accepted' });
  assert.deepEqual(await fake.call('CP-1', 'RemoteStartTransaction', { idTag: 'REMOTE-B', connectorId: 2 }), { status: 'Rejected' });
  await waitFor('the remote session started', () => cp.sessions()[0]?.transactionId !== undefined);
  assert.deepEqual(await fake.call('CP-1', 'RemoteStopTransaction', { transactionId: 999 }), { status: 'Rejected' });
  assert.deepEqual(await fake.call('CP-1', 'RemoteStopTransaction', { transactionId: 100 }), { status: 'Accepted' });
  await waitFor('StopTransaction', () => fake.callsOf('StopTransaction').length === 1);
  assert.equal(cp.sessions()[0]?.stopReason, 'Remote');
  assert.equal('reason' in (fake.callsOf('StopTransaction')[0]?.payload ?? {}), false);

  await cp.startSession(1, 'TAG-U');
  await cp.drain();
  assert.deepEqual(await fake.call('CP-1', 'UnlockConnector', { connectorId: 3 }), { status: 'Rejected' });
  assert.deepEqual(await fake.call('CP-1', 'UnlockConnector', { connectorId: 1 }), { status: 'Accepted' });
  await waitFor('the unlock stopped the session', () => fake.callsOf('StopTransaction').length === 2);
  assert.equal(cp.sessions()[1]?.stopReason, 'UnlockCommand');

  await cp.startSession(2, 'TAG-R');
  await cp.drain();
  assert.deepEqual(await fake.call('CP-1', 'Reset', { type: 'Soft' }), { status: 'Accepted' });
  await waitFor('a second boot', () => fake.callsOf('BootNotification').length === 2);
  await cp.ready();
  assert.equal(fake.callsOf('StopTransaction').length, 3);
  assert.equal(fake.callsOf('StopTransaction')[2]?.connection, 1, 'the StopTransaction went out before the reboot');
  assert.equal(cp.sessions()[2]?.stopReason, 'SoftReset');

  const refusedWith = (code: string) => (e: unknown) => e instanceof CallErrorResponse && e.code === code;
  await assert.rejects(fake.call('CP-1', 'GetConfiguration', {}), refusedWith('NotImplemented'));
  await assert.rejects(fake.call('CP-1', 'Reset', { type: 'Warm' }), refusedWith('PropertyConstraintViolation'));
  assert.deepEqual(fake.schemaViolations, []);
});

test('1.5 JSON: a dropped connection keeps the backlog, sent in order after the new boot', async (t) => {
  const fake = await fakeCentralSystem(t, { version: '1.5' });
  const cp = simulator(t, fake, { meter: { powerW: 3_600_000, sampleIntervalMs: 50 }, reconnectDelayMs: 250 });
  await cp.ready();
  await cp.startSession(1, 'TAG-1');
  await waitFor('a MeterValues', () => fake.callsOf('MeterValues').length >= 1);
  cp.dropConnection();
  await waitFor('the reconnect', () => fake.callsOf('BootNotification').length === 2);
  await cp.stopSession(1);
  await cp.drain();

  const [session] = cp.sessions();
  const messages = transactionMessages(fake.calls);
  const stamps = messages.map(timestampOf);
  assert.deepEqual(stamps, [...stamps].sort());
  const registers = messages.filter((m) => m.action === 'MeterValues').map((m) => valueInWh(energySample(m.payload)));
  assert.deepEqual(registers, registers.map((_, i) => (i + 1) * 50), 'every 50 Wh sample, none missing, none twice');
  assert.equal(messages.at(-1)?.payload['meterStop'], session?.meterStopWh);
  assert.ok(fake.calls.some((c) => c.connection === 2 && c.action === 'MeterValues'));
  assert.deepEqual(fake.schemaViolations, []);
});
