// An operator following its events with a cursor (afterId) gets its own next events, however many
// of other operators' events came between: the page is read for its charge points, not read for
// the whole network and thinned on the way out (a page of others' events came back empty, and
// the client had no cursor to move past them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestTomada } from '../support/tomada.js';

test('an operator following events with afterId gets its own next events past others\' ones', async () => {
  const t = await startTestTomada();
  try {
    for (const id of ['OPC-A', 'OPC-B']) await t.api(`/api/v1/operators/${id}`, { method: 'PUT', body: { name: id, kind: 'OPC' } });
    await t.api('/api/v1/charge-points/CP-A', { method: 'PUT', body: { operator: 'OPC-A' } });
    await t.api('/api/v1/charge-points/CP-B', { method: 'PUT', body: { operator: 'OPC-B' } });
    const tokenA = (await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'a', role: 'operator', operator: 'OPC-A' } })).body.token;
    const event = (chargePointId: string, n: number) =>
      t.store.transact((tx) => tx.insertEvent({ at: new Date().toISOString(), chargePointId, type: 'scopeTest', data: { n } }));

    await event('CP-A', 1);
    const first = (await t.api('/api/v1/events?type=scopeTest&afterId=0', { token: tokenA })).body.items;
    assert.deepEqual(first.map((e: { data: { n: number } }) => e.data.n), [1]);
    for (let n = 2; n < 8; n++) await event('CP-B', n);
    await event('CP-A', 8);

    const next = (await t.api(`/api/v1/events?type=scopeTest&afterId=${first[0].id}&limit=3`, { token: tokenA })).body.items;
    assert.deepEqual(next.map((e: { chargePointId: string; data: { n: number } }) => [e.chargePointId, e.data.n]), [['CP-A', 8]]);
    // The newest page too: A's, and only A's.
    const newest = (await t.api('/api/v1/events?type=scopeTest&limit=2', { token: tokenA })).body.items;
    assert.deepEqual(newest.map((e: { data: { n: number } }) => e.data.n), [8, 1]);
  } finally {
    await t.close();
  }
});
