// The live stream lasts no longer than its token: revoked or expired while the stream is open, the
// token is found out at the next change sent (or keepalive), and the stream ends with an `error`
// event instead of going on telling a revoked or expired token about the network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestTomada, type TestTomada } from '../support/tomada.js';

/** A stream read into `text` as it comes, until the server ends it. */
async function openStream(t: TestTomada, token: string, signal: AbortSignal) {
  const response = await fetch(`${t.httpUrl}/api/v1/stream`, { headers: { authorization: `Bearer ${token}` }, signal });
  assert.equal(response.status, 200);
  const stream = { text: '', ended: Promise.resolve() };
  stream.ended = (async () => {
    for await (const chunk of response.body!) stream.text += Buffer.from(chunk).toString('utf8');
  })();
  return stream;
}

async function until(what: string, check: () => boolean, text: () => string) {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    assert.ok(Date.now() < deadline, `${what} within 10 s; the stream so far: ${text().slice(-500)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a stream whose token is revoked, or expires, ends with an error event at its next change', async () => {
  const t = await startTestTomada();
  const controller = new AbortController();
  try {
    await t.api('/api/v1/operators/OPC-A', { method: 'PUT', body: { name: 'A', kind: 'OPC' } });
    await t.api('/api/v1/charge-points/CP-WALL', { method: 'PUT', body: { operator: 'OPC-A' } });
    const wall = (await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'wall screen', role: 'readonly', operator: 'OPC-A' } })).body;
    const visitor = (await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'visitor', role: 'readonly', operator: 'OPC-A', expiresAt: '2099-01-01T00:00:00Z' } })).body;
    const revoked = await openStream(t, wall.token, controller.signal);
    const expiring = await openStream(t, visitor.token, controller.signal);
    for (const [name, stream] of [['revoked', revoked], ['expiring', expiring]] as const) {
      await until(`${name}: ready`, () => stream.text.includes('event: ready'), () => stream.text);
    }
    // A change while the tokens are valid is told.
    await t.api('/api/v1/charge-points/CP-WALL', { method: 'PUT', body: { connection: 'platform' } });
    for (const stream of [revoked, expiring]) await until('the change', () => stream.text.includes('"platform"'), () => stream.text);

    await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the check's interval
    assert.equal((await t.api(`/api/v1/tokens/${wall.id}`, { method: 'DELETE' })).status, 200);
    // The visitor's time comes (written to the store: no test waits for a clock).
    const past = new Date(Date.now() - 1_000).toISOString();
    const stored = (await t.store.getApiToken(visitor.id))!;
    await t.store.transact((tx) => tx.putApiToken({ ...stored, expiresAt: past }));
    await t.api('/api/v1/charge-points/CP-WALL', { method: 'PUT', body: { connection: 'direct' } });
    for (const stream of [revoked, expiring]) await until('the error event', () => stream.text.includes('event: error'), () => stream.text);
    assert.match(revoked.text, /event: error\ndata: \{"error":"Unauthorized","message":"The token was revoked"\}/);
    assert.ok(expiring.text.includes(`event: error\ndata: {"error":"Unauthorized","message":"The token expired at ${past}"}`), expiring.text.slice(-300));
    await revoked.ended; // the server ended the streams
    await expiring.ended;
  } finally {
    controller.abort();
    await t.close();
  }
});
