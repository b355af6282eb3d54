// An operator's lists of events and of validation campaigns are read for its charge points, not
// read for the whole network and thinned on the way out: following its events with a cursor
// (afterId), a page of others' events came back empty and the client had no cursor to move past
// them; a page of campaigns held fewer than asked for, or none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestTomada, type TestTomada } from '../support/tomada.js';

/** A node with operators OPC-A and OPC-B holding CP-A and CP-B; `run` gets it and an operator token of A. */
async function withTwoOperators(run: (t: TestTomada, tokenA: string) => Promise<void>): Promise<void> {
  const t = await startTestTomada();
  try {
    for (const id of ['OPC-A', 'OPC-B']) await t.api(`/api/v1/operators/${id}`, { method: 'PUT', body: { name: id, kind: 'OPC' } });
    await t.api('/api/v1/charge-points/CP-A', { method: 'PUT', body: { operator: 'OPC-A' } });
    await t.api('/api/v1/charge-points/CP-B', { method: 'PUT', body: { operator: 'OPC-B' } });
    const tokenA = (await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'a', role: 'operator', operator: 'OPC-A' } })).body.token;
    await run(t, tokenA);
  } finally {
    await t.close();
  }
}

test('an operator following events with afterId gets its own next events past others\' ones', async () => {
  await withTwoOperators(async (t, tokenA) => {
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
  });
});

test('an operator\'s page of validation campaigns holds its own, however many others\' are newer', async () => {
  await withTwoOperators(async (t, tokenA) => {
    // Finished campaigns, stored as the campaign runner stores them: A's oldest, then four of B's.
    await t.store.transact(async (tx) => {
      for (const [i, chargePointId] of ['CP-A', 'CP-B', 'CP-B', 'CP-B', 'CP-B'].entries()) {
        await tx.putValidation({
          id: `VAL-${i}`,
          chargePointId,
          connectorId: 1,
          idTag: 'TAG',
          blockedIdTag: 'TAG-X',
          status: 'finished',
          verdict: 'pass',
          software: { vendor: 'V', model: 'M' },
          timing: { caseTimeoutS: 60, manualTimeoutS: 60, heartbeatIntervalS: 60, pendingIntervalS: 5 } as never,
          startedAt: `2024-05-0${i + 1}T10:00:00.000Z`,
          finishedAt: `2024-05-0${i + 1}T10:10:00.000Z`,
          counts: { pass: 0, fail: 0, skipped: 0, manual: 0, pending: 0 },
          cases: [],
        });
      }
    });
    const page = (await t.api('/api/v1/validations?limit=2', { token: tokenA })).body.items;
    assert.deepEqual(page.map((v: { id: string }) => v.id), ['VAL-0']);
    assert.equal((await t.api('/api/v1/validations?limit=2')).body.items.length, 2, 'the administrator sees the newest two of all');
  });
});
