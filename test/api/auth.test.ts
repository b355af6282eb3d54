// Operator API authentication over real HTTP: /health is open, every /api/v1 route demands a
// known bearer token, and the first admin token is generated once per database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ADMIN_TOKEN, startTestTomada, type TestTomada } from '../support/tomada.js';

/** Every operator route, with a body that would be valid so only authentication can refuse it. */
const routes: { method: string; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/api/v1/charge-points' },
  { method: 'GET', path: '/api/v1/charge-points/CP-AUTH' },
  { method: 'PUT', path: '/api/v1/charge-points/CP-AUTH', body: { connection: 'platform' } },
  { method: 'POST', path: '/api/v1/charge-points/CP-AUTH/commands/remote-start', body: { idTag: 'TAG1', connectorId: 1 } },
  { method: 'POST', path: '/api/v1/charge-points/CP-AUTH/commands/remote-stop', body: { transactionId: 1 } },
  { method: 'POST', path: '/api/v1/charge-points/CP-AUTH/commands/reset', body: { type: 'Soft' } },
  { method: 'POST', path: '/api/v1/charge-points/CP-AUTH/commands/unlock', body: { connectorId: 1 } },
  { method: 'GET', path: '/api/v1/id-tags' },
  { method: 'PUT', path: '/api/v1/id-tags/TAG1', body: { status: 'Accepted' } },
  { method: 'GET', path: '/api/v1/transactions' },
  { method: 'GET', path: '/api/v1/transactions/1' },
  { method: 'GET', path: '/api/v1/charge-points/CP-AUTH/frames' },
  { method: 'GET', path: '/api/v1/transactions/1/energy' },
  { method: 'GET', path: '/api/v1/id-tags/TAG1' },
  { method: 'GET', path: '/api/v1/operators' },
  { method: 'GET', path: '/api/v1/operators/OPC-AUTH' },
  { method: 'PUT', path: '/api/v1/operators/OPC-AUTH', body: { name: 'Auth', kind: 'OPC' } },
  { method: 'DELETE', path: '/api/v1/operators/OPC-GONE' },
  { method: 'GET', path: '/api/v1/me' },
  { method: 'GET', path: '/api/v1/tokens' },
  { method: 'POST', path: '/api/v1/tokens', body: { name: 'auth test', role: 'readonly' } },
  { method: 'GET', path: '/api/v1/tokens/nope' },
  { method: 'DELETE', path: '/api/v1/tokens/nope' },
];

async function raw(t: TestTomada, method: string, path: string, authorization: string | undefined, body?: unknown) {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${t.httpUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text };
}

function assertUnauthorized(result: { status: number; contentType: string; text: string }, what: string) {
  assert.equal(result.status, 401, `${what}: status`);
  assert.match(result.contentType, /^application\/json/, `${what}: JSON answer`);
  const body = JSON.parse(result.text);
  assert.deepEqual(Object.keys(body).sort(), ['error', 'message'], `${what}: {error, message}`);
  assert.equal(typeof body.error, 'string');
  assert.equal(typeof body.message, 'string');
  assert.ok(body.message.length > 0);
}

test('authentication of the operator API', async (s) => {
  const t = await startTestTomada();
  try {
    await s.test('/health answers without a token', async () => {
      const result = await raw(t, 'GET', '/health', undefined);
      assert.equal(result.status, 200);
      assert.deepEqual(JSON.parse(result.text), { status: 'ok' });
    });

    const badHeaders: [string, string | undefined][] = [
      ['no Authorization header', undefined],
      ['an empty header', ''],
      ['Bearer without a token', 'Bearer'],
      ['Bearer with only spaces', 'Bearer    '],
      ['another scheme', `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`],
      ['the token without a scheme', ADMIN_TOKEN],
      ['a wrong token', 'Bearer not-the-admin-token-0000000'],
      ['the admin token with a suffix', `Bearer ${ADMIN_TOKEN}x`],
      ['a prefix of the admin token', `Bearer ${ADMIN_TOKEN.slice(0, -1)}`],
    ];
    for (const [what, header] of badHeaders) {
      await s.test(`every /api/v1 route answers 401 for ${what}`, async () => {
        for (const route of routes) {
          assertUnauthorized(await raw(t, route.method, route.path, header, route.body), `${route.method} ${route.path}`);
        }
      });
    }

    await s.test('a refused request changes nothing', async () => {
      // The PUTs above were all refused: neither the charge point nor the id tag exists.
      assert.equal((await t.api('/api/v1/charge-points/CP-AUTH')).status, 404);
      assert.deepEqual((await t.api('/api/v1/id-tags')).body, { items: [] });
    });

    await s.test('the admin token opens every route', async () => {
      for (const route of routes) {
        const result = await raw(t, route.method, route.path, `Bearer ${ADMIN_TOKEN}`, route.body);
        assert.notEqual(result.status, 401, `${route.method} ${route.path}: ${result.text}`);
        assert.ok(result.status < 500 || result.status === 502 || result.status === 504, `${route.method} ${route.path}: ${result.status}`);
      }
      assert.equal((await t.api('/api/v1/charge-points')).status, 200);
      // The charge point exists but is not connected: a command is refused as such, not as unauthorized.
      const command = await t.api('/api/v1/charge-points/CP-AUTH/commands/reset', { body: { type: 'Soft' } });
      assert.equal(command.status, 409);
    });

    await s.test('the auth scheme is case-insensitive (RFC 7235)', async () => {
      for (const scheme of ['bearer', 'BEARER']) {
        const result = await raw(t, 'GET', '/api/v1/id-tags', `${scheme} ${ADMIN_TOKEN}`);
        assert.equal(result.status, 200, `${scheme}: ${result.text}`);
      }
    });
  } finally {
    await t.close();
  }
});

test('ensureAdmin: a first admin token is generated once per database', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-api-auth-'));
  try {
    const first = await startTestTomada({ adminToken: undefined }, dir);
    let token: string;
    try {
      assert.equal(typeof first.generatedAdminToken, 'string');
      token = first.generatedAdminToken!;
      assert.ok(token.length >= 16, 'a long random token');
      assert.equal((await first.api('/api/v1/charge-points', { token })).status, 200);
      assert.equal((await first.api('/api/v1/charge-points')).status, 401, 'the test suite default token is not configured here');
    } finally {
      await first.close();
    }

    const second = await startTestTomada({ adminToken: undefined }, dir);
    try {
      assert.equal(second.generatedAdminToken, undefined, 'no new token on a database that has one');
      assert.equal((await second.api('/api/v1/charge-points', { token })).status, 200, 'the first token still works');
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a first start that fails (its API port in use) makes no token, so the start after it prints one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-api-auth-'));
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  try {
    const port = (taken.address() as AddressInfo).port;
    await assert.rejects(startTestTomada({ adminToken: undefined, httpPort: port }, dir), /in use|EADDRINUSE/);
    const next = await startTestTomada({ adminToken: undefined }, dir);
    try {
      assert.equal(typeof next.generatedAdminToken, 'string', 'the start after the failed one shows the first token');
      assert.equal((await next.api('/api/v1/charge-points', { token: next.generatedAdminToken! })).status, 200);
    } finally {
      await next.close();
    }
  } finally {
    taken.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('TOMADA_ADMIN_TOKEN removed: the token it set is revoked at the next start, and an administrator is never locked out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-api-auth-'));
  try {
    const configured = await startTestTomada({}, dir);
    let other: string;
    try {
      assert.equal((await configured.api('/api/v1/charge-points')).status, 200);
      assert.equal(configured.generatedAdminToken, undefined);
    } finally {
      await configured.close();
    }

    // Removed, with no other administrator token: revoked, and a new one generated to be shown once.
    const removed = await startTestTomada({ adminToken: undefined }, dir);
    try {
      assert.equal((await removed.api('/api/v1/charge-points')).status, 401, 'the removed variable\'s token no longer signs in');
      assert.equal(typeof removed.generatedAdminToken, 'string', 'the administrator is not locked out');
      const token = removed.generatedAdminToken!;
      const created = await removed.api('/api/v1/tokens', { token, method: 'POST', body: { name: 'ops admin', role: 'admin' } });
      assert.equal(created.status, 201);
      other = (created.body as { token: string }).token;
      const listed = (await removed.api('/api/v1/tokens/admin-env', { token })).body as { revokedAt: string | null };
      assert.notEqual(listed.revokedAt, null, 'kept, marked revoked');
    } finally {
      await removed.close();
    }

    // Set again: valid again. Removed again while another administrator token is valid: revoked, none generated.
    const again = await startTestTomada({}, dir);
    try {
      assert.equal((await again.api('/api/v1/charge-points')).status, 200, 'the environment is the administrator\'s own setting');
    } finally {
      await again.close();
    }
    const removedAgain = await startTestTomada({ adminToken: undefined }, dir);
    try {
      assert.equal((await removedAgain.api('/api/v1/charge-points')).status, 401);
      assert.equal(removedAgain.generatedAdminToken, undefined, 'another administrator token is valid');
      assert.equal((await removedAgain.api('/api/v1/charge-points', { token: other })).status, 200);
    } finally {
      await removedAgain.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a configured admin token gives no generated token', async () => {
  const t = await startTestTomada();
  try {
    assert.equal(t.generatedAdminToken, undefined);
    assert.equal((await t.api('/api/v1/id-tags')).status, 200);
  } finally {
    await t.close();
  }
});
