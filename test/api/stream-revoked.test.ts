// The live stream lasts no longer than its token: revoked while the stream is open, the token is
// found out at the next change sent (or keepalive), and the stream ends with an `error` event
// instead of going on telling a revoked token about the network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestTomada } from '../support/tomada.js';

test('a stream whose token is revoked ends with an error event at its next change', async () => {
  const t = await startTestTomada();
  const controller = new AbortController();
  try {
    await t.api('/api/v1/operators/OPC-A', { method: 'PUT', body: { name: 'A', kind: 'OPC' } });
    await t.api('/api/v1/charge-points/CP-WALL', { method: 'PUT', body: { operator: 'OPC-A' } });
    const wall = (await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'wall screen', role: 'readonly', operator: 'OPC-A' } })).body;
    const response = await fetch(`${t.httpUrl}/api/v1/stream`, { headers: { authorization: `Bearer ${wall.token}` }, signal: controller.signal });
    assert.equal(response.status, 200);
    let text = '';
    const ended = (async () => {
      for await (const chunk of response.body!) text += Buffer.from(chunk).toString('utf8');
    })();
    const until = async (what: string, check: () => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!check()) {
        assert.ok(Date.now() < deadline, `${what} within 10 s; the stream so far: ${text.slice(-500)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await until('ready', () => text.includes('event: ready'));
    // A change while the token is valid is told.
    await t.api('/api/v1/charge-points/CP-WALL', { method: 'PUT', body: { connection: 'platform' } });
    await until('the change', () => text.includes('"platform"'));

    await new Promise((resolve) => setTimeout(resolve, 1_100)); // past the check's interval
    assert.equal((await t.api(`/api/v1/tokens/${wall.id}`, { method: 'DELETE' })).status, 200);
    await t.api('/api/v1/charge-points/CP-WALL', { method: 'PUT', body: { connection: 'direct' } });
    await until('the error event', () => text.includes('event: error'));
    assert.match(text, /event: error\ndata: \{"error":"Unauthorized","message":"The token was revoked"\}/);
    await ended; // the server ended the stream
  } finally {
    controller.abort();
    await t.close();
  }
});
