// The node's limit on calls handled at once (TOMADA_MAX_CALLS_IN_FLIGHT), over real sockets and
// the store under test: a burst from many charge points waits its turn, is answered in full, and
// is stored; the limit holds throughout, as the operator's metric shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boot } from '../support/ocpp-client.js';
import { Clients, startFastTomada } from './helpers.js';

const CHARGE_POINTS = 40;

test('a burst from many charge points waits at the node\'s limit, and every call is answered and stored', async (t) => {
  const tomada = await startFastTomada({ unknownChargePoints: 'accept', maxCallsInFlight: 2 });
  t.after(() => tomada.close());
  const clients = new Clients(tomada);
  t.after(() => clients.closeAll());
  const ids = Array.from({ length: CHARGE_POINTS }, (_, i) => `GATE-${i}`);
  const connected = await Promise.all(ids.map((id) => clients.connect(id)));
  await Promise.all(connected.map((client) => boot(client)));

  // The operator's gauge, read as a scrape would, as often as the event loop lets it.
  const seen = { handling: 0, waiting: 0 };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const text = (await tomada.metrics.calls.render()).join('\n');
      const value = (state: string) => Number(new RegExp(`tomada_ocpp_calls\\{state="${state}"\\} (\\d+)`).exec(text)?.[1]);
      seen.handling = Math.max(seen.handling, value('handling'));
      seen.waiting = Math.max(seen.waiting, value('waiting'));
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();

  // Every charge point sends at once: a status for connector 1, then a heartbeat, without waiting.
  const answers = await Promise.all(
    connected.map(async (client, i) => {
      const status = client.call('StatusNotification', { connectorId: 1, status: i % 2 ? 'Charging' : 'Available', errorCode: 'NoError' });
      const heartbeat = client.call('Heartbeat', {});
      return [await status, await heartbeat];
    }),
  );
  sampling = false;
  await sampler;

  for (const [status, heartbeat] of answers) {
    assert.equal(status![0], 3, `StatusNotification answered with a result: ${JSON.stringify(status)}`);
    assert.equal(heartbeat![0], 3, `Heartbeat answered with a result: ${JSON.stringify(heartbeat)}`);
  }
  assert.ok(seen.handling <= 2, `at most 2 calls handled at once, saw ${seen.handling}`);
  assert.ok(seen.waiting > 0, 'calls waited their turn during the burst');

  for (const [i, id] of ids.entries()) {
    const cp = (await tomada.api(`/api/v1/charge-points/${id}`)).body;
    const connector = cp.connectors.find((c: { connectorId: number }) => c.connectorId === 1);
    assert.equal(connector?.status, i % 2 ? 'Charging' : 'Available', `${id}'s status is stored`);
  }
  // Over HTTP, as Prometheus scrapes it: nothing handled or waiting once the burst is answered.
  const after = await (await fetch(`${tomada.httpUrl}/metrics`)).text();
  assert.match(after, /tomada_ocpp_calls\{state="handling"\} 0/);
  assert.match(after, /tomada_ocpp_calls\{state="waiting"\} 0/);
});
