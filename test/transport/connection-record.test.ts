// A WebSocket connection whose record could not be written when it opened (the store failing for a
// moment between the admission's read and that write) is recorded once writes work again: its
// OCPP version and transport, and the ocppVersionChanged event the network's reporting relies on,
// are not left as they were until the charge point happens to reconnect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient } from '../support/ocpp-client.js';
import { refuseWrites } from '../support/refusing-trigger.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';

const ID = 'CP-RECORD-LATER';

/** Makes every write that changes a charge point's OCPP version fail, in the store itself; returns how to undo it. */
const failVersionChanges = (t: TestTomada) =>
  refuseWrites(t, {
    name: 'fail_version_change',
    on: 'before update on charge_points',
    when: { sqlite: 'old.ocpp_version is not new.ocpp_version', postgres: 'old.ocpp_version is distinct from new.ocpp_version' },
  });

test('a connection whose record failed when it opened is recorded once writes work again', async () => {
  const t = await startTestTomada({ unknownChargePoints: 'accept' });
  let client: TestClient | undefined;
  try {
    // Known as an OCPP 1.5 JSON charge point.
    const before = await TestClient.connect(t.wsUrl, ID, { protocols: ['ocpp1.5'] });
    await before.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    await before.close();
    assert.equal((await t.store.getChargePoint(ID))?.ocppVersion, '1.5');

    // It comes back on 1.6, and the write of that connection fails.
    const restore = await failVersionChanges(t);
    client = await TestClient.connect(t.wsUrl, ID, { protocols: ['ocpp1.6'] });
    await client.ok('Heartbeat', {});
    assert.equal((await t.store.getChargePoint(ID))?.ocppVersion, '1.5', 'the failure this test is about: the connection was not recorded');
    await restore();

    // Writes work again: the connection's next answered call records it.
    await client.ok('Heartbeat', {});
    let chargePoint;
    for (let i = 0; i < 50; i++) {
      chargePoint = await t.store.getChargePoint(ID);
      if (chargePoint?.ocppVersion === '1.6') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(chargePoint?.ocppVersion, '1.6', 'the connection recorded once writes work');
    assert.equal(chargePoint?.transport, 'json');
    const changes = await t.store.listEvents({ type: 'ocppVersionChanged' });
    assert.deepEqual(
      changes.filter((e) => e.chargePointId === ID).map((e) => e.data),
      [{ from: { ocppVersion: '1.5', transport: 'json' }, to: { ocppVersion: '1.6', transport: 'json' } }],
      'the change is an event, once',
    );
    // Recorded once: further calls write nothing more.
    await client.ok('Heartbeat', {});
    assert.equal((await t.store.listEvents({ type: 'ocppVersionChanged' })).filter((e) => e.chargePointId === ID).length, 1);
  } finally {
    await client?.close();
    await t.close();
  }
});
