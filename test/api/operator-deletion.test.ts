// An operator deleted takes its webhook with it. The webhook stayed, and a company later given the
// same operator id had its charge points' events POSTed to the old company's address, signed with
// the old company's secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestTomada } from '../support/tomada.js';

test("deleting an operator deletes its webhook; the id's next operator starts with none", async () => {
  const t = await startTestTomada();
  try {
    assert.equal((await t.api('/api/v1/operators/DPC-W', { method: 'PUT', body: { name: 'First company', kind: 'DPC' } })).status, 201);
    const hook = await t.api('/api/v1/operators/DPC-W/webhook', { method: 'PUT', body: { url: 'http://127.0.0.1:9/first-company', secret: 'a-secret-of-sixteen+' } });
    assert.ok(hook.status === 200 || hook.status === 201, JSON.stringify(hook.body));
    assert.equal((await t.api('/api/v1/operators/DPC-W', { method: 'DELETE' })).status, 204);
    assert.equal((await t.api('/api/v1/operators/DPC-W/webhook')).status, 404, 'gone with its operator');
    assert.equal((await t.api('/api/v1/operators/DPC-W', { method: 'PUT', body: { name: 'Another company', kind: 'DPC' } })).status, 201);
    assert.equal((await t.api('/api/v1/operators/DPC-W/webhook')).status, 404, "the new operator has no one else's webhook");
  } finally {
    await t.close();
  }
});
