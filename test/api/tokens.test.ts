// API tokens and operators over real HTTP: a token's secret is shown once and stored hashed,
// revocation works at once, who may make which token, and what ownership a create assigns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestTomada } from '../support/tomada.js';
import { hashToken } from '../../src/domain/api-tokens.js';

test('API tokens and operators', async (s) => {
  const t = await startTestTomada();
  try {
    assert.equal((await t.api('/api/v1/operators/OPC-1', { method: 'PUT', body: { name: 'Operator One', kind: 'OPC' } })).status, 201);
    assert.equal((await t.api('/api/v1/operators/DPC-2', { method: 'PUT', body: { name: 'Holder Two', kind: 'DPC' } })).status, 201);

    await s.test('a token is shown once, stored hashed, works, and stops working when revoked', async () => {
      const made = await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'ops laptop', role: 'operator', operator: 'OPC-1' } });
      assert.equal(made.status, 201);
      const secret: string = made.body.token;
      assert.ok(secret.length >= 24);
      assert.deepEqual(
        { name: made.body.name, role: made.body.role, operator: made.body.operator, revokedAt: made.body.revokedAt, expiresAt: made.body.expiresAt },
        { name: 'ops laptop', role: 'operator', operator: 'OPC-1', revokedAt: null, expiresAt: null },
      );
      const me = await t.api('/api/v1/me', { token: secret });
      assert.equal(me.status, 200);
      assert.equal(me.body.tokenId, made.body.id);

      const listed = await t.api('/api/v1/tokens');
      const item = listed.body.items.find((i: any) => i.id === made.body.id);
      assert.deepEqual(Object.keys(item).sort(), ['createdAt', 'expiresAt', 'id', 'name', 'operator', 'revokedAt', 'role']);
      assert.ok(!JSON.stringify(listed.body).includes(secret), 'no secret in a list');

      // Only a hash is in the database (read through the store, whichever database it is).
      const rows = await t.store.listApiTokens();
      assert.ok(!JSON.stringify(rows).includes(secret), 'the secret is not stored');
      assert.equal(rows.length, 2);

      const revoked = await t.api(`/api/v1/tokens/${made.body.id}`, { method: 'DELETE' });
      assert.equal(revoked.status, 200);
      assert.match(revoked.body.revokedAt, /^\d{4}-\d\d-\d\dT/);
      const after = await t.api('/api/v1/me', { token: secret });
      assert.equal(after.status, 401);
      assert.equal(after.body.message, 'Unknown or revoked token');
      assert.equal((await t.api(`/api/v1/tokens/${made.body.id}`)).body.revokedAt, revoked.body.revokedAt, 'kept, marked revoked');
    });

    await s.test('a token made to expire works until then, is refused (401) after, and a past or unreadable expiry is 400', async () => {
      const made = await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'contractor', role: 'readonly', expiresAt: '2099-06-01T12:00:00+02:00' } });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.equal(made.body.expiresAt, '2099-06-01T10:00:00.000Z', 'kept as UTC');
      const me = await t.api('/api/v1/me', { token: made.body.token });
      assert.equal(me.status, 200, 'until then it works');
      assert.equal(me.body.expiresAt, '2099-06-01T10:00:00.000Z', 'the token says when it ends');
      assert.equal((await t.api(`/api/v1/tokens/${made.body.id}`)).body.expiresAt, '2099-06-01T10:00:00.000Z');
      assert.equal((await t.api('/api/v1/tokens')).body.items.find((i: any) => i.id === made.body.id).expiresAt, '2099-06-01T10:00:00.000Z', 'shown in the list');

      // Its time come (written to the store, as no test waits for a clock): refused as a revoked one is.
      const stored = (await t.store.getApiToken(made.body.id))!;
      const past = new Date(Date.now() - 1_000).toISOString();
      await t.store.transact((tx) => tx.putApiToken({ ...stored, expiresAt: past }));
      assert.equal(stored.tokenHash, hashToken(made.body.token));
      const refused = await t.api('/api/v1/me', { token: made.body.token });
      assert.equal(refused.status, 401);
      assert.deepEqual(refused.body, { error: 'Unauthorized', message: `The token expired at ${past}` });
      assert.equal((await t.api('/api/v1/charge-points', { token: made.body.token })).status, 401, 'on every route');

      const before = (await t.store.listApiTokens()).length;
      const cases: [string, unknown][] = [
        ['a time past', '2020-01-01T00:00:00Z'],
        ['not a time', 'next year'],
        ['a date without a time', '2099-01-01'],
        ['an empty text', ''],
        ['a number', 4102444800000],
        ['past the year 9999', '9999-12-31T23:59:59-23:59'],
      ];
      for (const [what, expiresAt] of cases) {
        const answer = await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'bad expiry', role: 'readonly', expiresAt } });
        assert.equal(answer.status, 400, `${what}: ${JSON.stringify(answer.body)}`);
        assert.match(answer.body.message, /expiresAt/, what);
      }
      assert.equal((await t.store.listApiTokens()).length, before, 'nothing made');
      assert.equal((await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'no expiry', role: 'readonly', expiresAt: null } })).body.expiresAt, null);
    });

    await s.test('a token that expires makes only tokens that expire no later: absent, they end when it does', async () => {
      const ends = '2099-06-01T10:00:00.000Z';
      const contractor = (await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'contractor', role: 'operator', operator: 'OPC-1', expiresAt: ends } })).body.token;
      const post = (body: Record<string, unknown>) => t.api('/api/v1/tokens', { method: 'POST', body: { name: 'made by the contractor', role: 'operator', ...body }, token: contractor });
      const before = (await t.store.listApiTokens()).length;
      for (const [what, expiresAt] of [['until revoked', null], ['a moment later', '2099-06-01T10:00:00.001Z']] as const) {
        const refused = await post({ expiresAt });
        assert.equal(refused.status, 403, `${what}: ${JSON.stringify(refused.body)}`);
        assert.match(refused.body.message, /expires at 2099-06-01T10:00:00.000Z/, what);
      }
      assert.equal((await t.store.listApiTokens()).length, before, 'nothing made');
      const inherited = await post({});
      assert.equal(inherited.status, 201);
      assert.equal(inherited.body.expiresAt, ends, 'it ends when the token that made it does');
      assert.equal((await post({ expiresAt: '2099-01-01T00:00:00Z' })).body.expiresAt, '2099-01-01T00:00:00.000Z', 'or sooner');
    });

    await s.test('who may make which token', async () => {
      const operator = (await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'op', role: 'operator', operator: 'OPC-1' } })).body.token;
      const readonly = (await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'ro', role: 'readonly' } })).body.token;
      const post = (body: unknown, token?: string) => t.api('/api/v1/tokens', { method: 'POST', body, ...(token ? { token } : {}) });

      assert.equal((await post({ name: 'x', role: 'admin' }, operator)).status, 403, 'an operator makes no admin');
      assert.equal((await post({ name: 'x', role: 'readonly', operator: 'DPC-2' }, operator)).status, 404, 'nor tokens of another operator');
      // Asking for no operator is asking for the whole network's: refused, not made its own.
      assert.equal((await post({ name: 'x', role: 'readonly', operator: null }, operator)).status, 403, 'nor a token of the whole network');
      const own = await post({ name: 'x', role: 'readonly' }, operator);
      assert.equal(own.status, 201);
      assert.equal(own.body.operator, 'OPC-1', 'an operator\'s tokens are its own');
      assert.equal((await post({ name: 'x', role: 'readonly' }, readonly)).status, 403, 'read-only makes nothing');

      assert.equal((await post({ name: 'x', role: 'operator' })).status, 400, 'an operator token needs its operator');
      assert.equal((await post({ name: 'x', role: 'admin', operator: 'OPC-1' })).status, 400, 'an admin token has none');
      assert.equal((await post({ name: 'x', role: 'operator', operator: 'NOPE' })).status, 400, 'an unknown operator');
      assert.equal((await post({ name: 'x', role: 'superuser' })).status, 400, 'an unknown role');

      // The operator lists its own tokens only.
      const items = (await t.api('/api/v1/tokens', { token: operator })).body.items;
      assert.ok(items.length >= 2 && items.every((i: any) => i.operator === 'OPC-1'));
    });

    await s.test('what a create assigns: an operator\'s charge points and tags are its own', async () => {
      const operator = (await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'op', role: 'operator', operator: 'DPC-2' } })).body.token;
      const cp = await t.api('/api/v1/charge-points/DPC-CP-1', { method: 'PUT', body: { connection: 'platform' }, token: operator });
      assert.equal(cp.status, 201);
      assert.deepEqual({ operator: cp.body.operator, connection: cp.body.connection }, { operator: 'DPC-2', connection: 'platform' });
      const moved = await t.api('/api/v1/charge-points/DPC-CP-1', { method: 'PUT', body: { operator: 'OPC-1' }, token: operator });
      assert.equal(moved.status, 403, 'an operator cannot give its charge point away');
      assert.equal((await t.api('/api/v1/charge-points/DPC-CP-1')).body.operator, 'DPC-2');
      const tag = await t.api('/api/v1/id-tags/DPC-TAG', { method: 'PUT', body: { status: 'Accepted' }, token: operator });
      assert.equal(tag.status, 201);
      assert.equal(tag.body.operator, 'DPC-2');
      // The administrator moves them, to operators that exist.
      assert.equal((await t.api('/api/v1/charge-points/DPC-CP-1', { method: 'PUT', body: { operator: 'NOPE' } })).status, 400);
      assert.equal((await t.api('/api/v1/charge-points/DPC-CP-1', { method: 'PUT', body: { operator: 'OPC-1' } })).body.operator, 'OPC-1');
      assert.equal((await t.api('/api/v1/charge-points/DPC-CP-1', { token: operator })).status, 404, 'gone from the old operator\'s view');
      assert.equal((await t.api('/api/v1/charge-points/DPC-CP-1', { method: 'PUT', body: { connection: 'foo' } })).status, 400);
    });

    await s.test('operators: kinds, and no removal while they own something', async () => {
      assert.equal((await t.api('/api/v1/operators/X-1', { method: 'PUT', body: { name: 'X', kind: 'EMSP' } })).status, 400);
      assert.equal((await t.api('/api/v1/operators/bad%20id', { method: 'PUT', body: { name: 'X', kind: 'OPC' } })).status, 400);
      const renamed = await t.api('/api/v1/operators/OPC-1', { method: 'PUT', body: { name: 'Operator 1', kind: 'OPC' } });
      assert.equal(renamed.status, 200);
      assert.equal(renamed.body.name, 'Operator 1');
      const busy = await t.api('/api/v1/operators/OPC-1', { method: 'DELETE' });
      assert.equal(busy.status, 409);
      assert.equal((await t.api('/api/v1/operators/OPC-1')).status, 200, 'still there');
      assert.equal((await t.api('/api/v1/operators/EMPTY', { method: 'PUT', body: { name: 'Empty', kind: 'DPC' } })).status, 201);
      assert.equal((await t.api('/api/v1/operators/EMPTY', { method: 'DELETE' })).status, 204);
      assert.equal((await t.api('/api/v1/operators/EMPTY', { method: 'DELETE' })).status, 404);
    });
  } finally {
    await t.close();
  }
});
