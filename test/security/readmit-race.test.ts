// A connection admitted under the old password, whose handshake is still completing when the
// password change commits and its connection is ended, is attached afterwards: it must be ended
// then (found by an independent review: 2 of 25 trials kept an impostor connected). An impostor
// reconnects again and again with the old password while the operator sets a new one.
// test/cluster/connection-ends.test.ts checks the mechanism itself, without a race.
// store: sqlite-only. The race is in the transport and the router, not the store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient } from '../support/ocpp-client.js';
import { startTestTomada } from '../support/tomada.js';

const OLD = 'old-password-0123456789';
const NEW = 'new-password-0123456789';

test('no connection admitted under the old password survives a password change', async () => {
  const t = await startTestTomada({ unknownChargePoints: 'reject' });
  const survivors: number[] = [];
  try {
    for (let trial = 0; trial < 25; trial++) {
      const id = `CP-RACE-${trial}`;
      const put = (password: string) => t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { securityProfile: 1, password } });
      await put(OLD);
      const open: TestClient[] = [];
      let stop = false;
      // The impostor: connection after connection with the old password, several in flight.
      const hammer = async () => {
        while (!stop) {
          try {
            open.push(await TestClient.connect(t.wsUrl, id, { password: OLD }));
          } catch {
            return; // refused: the new password is in force
          }
        }
      };
      const hammers = [hammer(), hammer(), hammer()];
      await new Promise((r) => setTimeout(r, 20 + trial));
      await put(NEW);
      await Promise.all(hammers);
      stop = true;
      await new Promise((r) => setTimeout(r, 300));
      const alive = open.filter((c) => c.ws.readyState === c.ws.OPEN);
      if (alive.length > 0) {
        // Is it really served? A Heartbeat answered means the impostor still talks under the old password.
        try {
          await alive.at(-1)!.ok('Heartbeat', {});
          survivors.push(trial);
        } catch {}
      }
      for (const c of open) c.ws.terminate();
    }
  } finally {
    await t.close();
  }
  assert.deepEqual(survivors, [], 'trials with a connection admitted under the old password still answered after the change');
});
