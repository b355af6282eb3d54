// The central system's commands to the simulated charge point: the answers and what follows them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CallErrorResponse } from '../../src/ocpp/rpc-peer.js';
import { waitFor } from './fake-central-system.js';
import { fakeCentralSystem, simulator } from './harness.js';

test('RemoteStartTransaction starts on the given or first free connector, and is refused when none is free', async (t) => {
  const fake = await fakeCentralSystem(t);
  const cp = simulator(t, fake, { connectors: 2 });
  await cp.ready();

  assert.deepEqual(await fake.call('CP-1', 'RemoteStartTransaction', { connectorId: 2, idTag: 'REMOTE-A' }), { status: 'Accepted' });
  assert.deepEqual(await fake.call('CP-1', 'RemoteStartTransaction', { connectorId: 2, idTag: 'REMOTE-B' }), { status: 'Rejected' });
  assert.deepEqual(await fake.call('CP-1', 'RemoteStartTransaction', { connectorId: 5, idTag: 'REMOTE-B' }), { status: 'Rejected' });
  assert.deepEqual(await fake.call('CP-1', 'RemoteStartTransaction', { idTag: 'REMOTE-C' }), { status: 'Accepted' });
  assert.deepEqual(await fake.call('CP-1', 'RemoteStartTransaction', { idTag: 'REMOTE-D' }), { status: 'Rejected' });

  await waitFor('two StartTransactions', () => fake.callsOf('StartTransaction').length === 2);
  const starts = fake.callsOf('StartTransaction').map((c) => [c.payload['connectorId'], c.payload['idTag']]);
  assert.deepEqual(starts.sort(), [
    [1, 'REMOTE-C'],
    [2, 'REMOTE-A'],
  ]);
  assert.deepEqual(fake.callsOf('Authorize').map((c) => c.payload['idTag']).sort(), ['REMOTE-A', 'REMOTE-C']);
  assert.deepEqual(fake.schemaViolations, []);
});

test('RemoteStopTransaction stops the named transaction with reason Remote, and refuses an unknown one', async (t) => {
  const fake = await fakeCentralSystem(t);
  const cp = simulator(t, fake);
  await cp.ready();
  await cp.startSession(1, 'TAG-1');
  await cp.drain();
  const transactionId = cp.sessions()[0]?.transactionId;
  assert.equal(transactionId, 100);

  assert.deepEqual(await fake.call('CP-1', 'RemoteStopTransaction', { transactionId: 999 }), { status: 'Rejected' });
  assert.deepEqual(await fake.call('CP-1', 'RemoteStopTransaction', { transactionId: 100 }), { status: 'Accepted' });
  await waitFor('StopTransaction', () => fake.callsOf('StopTransaction').length === 1);
  assert.equal(fake.callsOf('StopTransaction')[0]?.payload['reason'], 'Remote');
  assert.equal(cp.sessions()[0]?.stopReason, 'Remote');
  // The session is over: a second stop is refused.
  assert.deepEqual(await fake.call('CP-1', 'RemoteStopTransaction', { transactionId: 100 }), { status: 'Rejected' });
  assert.deepEqual(fake.schemaViolations, []);
});

test('UnlockConnector unlocks an existing connector (stopping its session) and is NotSupported for a missing one', async (t) => {
  const fake = await fakeCentralSystem(t);
  const cp = simulator(t, fake, { connectors: 2 });
  await cp.ready();
  await cp.startSession(1, 'TAG-1');
  await cp.drain();

  assert.deepEqual(await fake.call('CP-1', 'UnlockConnector', { connectorId: 3 }), { status: 'NotSupported' });
  assert.deepEqual(await fake.call('CP-1', 'UnlockConnector', { connectorId: 2 }), { status: 'Unlocked' });
  assert.equal(fake.callsOf('StopTransaction').length, 0, 'connector 2 had no session');
  assert.deepEqual(await fake.call('CP-1', 'UnlockConnector', { connectorId: 1 }), { status: 'Unlocked' });
  await waitFor('StopTransaction', () => fake.callsOf('StopTransaction').length === 1);
  assert.equal(fake.callsOf('StopTransaction')[0]?.payload['reason'], 'UnlockCommand');
  assert.equal(cp.sessions()[0]?.stopReason, 'UnlockCommand');
  assert.deepEqual(fake.schemaViolations, []);
});

for (const type of ['Soft', 'Hard'] as const) {
  test(`Reset ${type} stops the sessions, closes the connection and boots again`, async (t) => {
    const fake = await fakeCentralSystem(t);
    const cp = simulator(t, fake, { connectors: 2 });
    await cp.ready();
    await cp.startSession(2, 'TAG-1');
    await cp.drain();

    assert.deepEqual(await fake.call('CP-1', 'Reset', { type }), { status: 'Accepted' });
    await waitFor('a second boot', () => fake.callsOf('BootNotification').length === 2);
    await cp.ready();
    await waitFor('status after the second boot', () => fake.calls.filter((c) => c.connection === 2 && c.action === 'StatusNotification').length === 3);

    const stop = fake.callsOf('StopTransaction');
    assert.equal(stop.length, 1);
    assert.equal(stop[0]?.payload['reason'], `${type}Reset`);
    assert.equal(stop[0]?.connection, 1, 'the StopTransaction went out before the reboot');
    assert.equal(fake.callsOf('BootNotification')[1]?.connection, 2);
    assert.equal(cp.sessions()[0]?.stopReason, `${type}Reset`);
    assert.deepEqual(fake.schemaViolations, []);
  });
}

test('any other action is answered NotImplemented; a malformed command gets the constraint code', async (t) => {
  const fake = await fakeCentralSystem(t);
  const cp = simulator(t, fake);
  await cp.ready();

  const refusedWith = (code: string) => (e: unknown) => e instanceof CallErrorResponse && e.code === code;
  await assert.rejects(fake.call('CP-1', 'GetConfiguration', {}), refusedWith('NotImplemented'));
  await assert.rejects(fake.call('CP-1', 'RemoteStopTransaction', {}), refusedWith('OccurenceConstraintViolation'));
  await assert.rejects(fake.call('CP-1', 'Reset', { type: 'Warm' }), refusedWith('PropertyConstraintViolation'));
  await assert.rejects(fake.call('CP-1', 'UnlockConnector', { connectorId: '1' }), refusedWith('TypeConstraintViolation'));
  // The conversation survives.
  assert.deepEqual(await fake.call('CP-1', 'UnlockConnector', { connectorId: 1 }), { status: 'Unlocked' });
});
