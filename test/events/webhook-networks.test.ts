// Operators set their own webhook URLs, so a POST must not reach the networks beside the central
// system unless the administrator allows it (TOMADA_WEBHOOK_DENIED_NETWORKS, by default the
// private ones): refused before connecting, whether the URL names an address or a host name, with
// the same words for an open port as for a closed one, and with the event kept for later.
// store: sqlite-only. The guard is the same on every store; delivery on both is in webhook-nodes.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfig } from '../../src/config.js';
import { PRIVATE_NETWORKS } from '../../src/networks.js';
import { WebhookDeliverer } from '../../src/events/webhooks.js';
import { Events } from '../../src/events/events.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';

const SECRET = 'a-secret-of-sixteen-or-more';
const quiet = { warn: () => undefined, error: () => undefined };

/** A receiver on 127.0.0.1 that counts the POSTs reaching it. */
async function receiver() {
  let posts = 0;
  const server = createServer((request, response) => {
    posts += 1;
    request.resume();
    response.writeHead(204).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, posts: () => posts, close: () => server.close() };
}

/** A port nothing listens on: a server's, once closed. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Operator `opa` with a charge point and a webhook to `url`, and one event after it. `stored`: the
 * webhook is written as a node with no denied networks would (one set before an upgrade, or on a
 * node with another setting), past the refusal of the node's own API.
 */
async function operatorWithEvent(t: TestTomada, url: string, stored = false): Promise<void> {
  assert.equal((await t.api('/api/v1/operators/opa', { method: 'PUT', body: { name: 'opa', kind: 'OPC' } })).status, 201);
  await t.api('/api/v1/charge-points/NET-1', { method: 'PUT', body: { registrationStatus: 'Accepted', operator: 'opa' } });
  if (stored) assert.equal((await new Events(t.store).setWebhook('opa', { url, secret: SECRET })).created, true);
  else assert.equal((await t.api('/api/v1/operators/opa/webhook', { method: 'PUT', body: { url, secret: SECRET } })).status, 201);
  await t.api('/api/v1/charge-points/NET-1', { method: 'PUT', body: { declaredOcppVersion: '1.6', declaredTransport: 'json' } });
}

async function setUrl(t: TestTomada, url: string): Promise<void> {
  assert.equal((await t.api('/api/v1/operators/opa/webhook', { method: 'PUT', body: { url, secret: SECRET } })).status, 200);
}

const deliverer = (t: TestTomada, deniedNetworks: readonly string[]) => new WebhookDeliverer(t.store, quiet, { pollMs: 10, backoffMs: 0, maxBackoffMs: 0, timeoutMs: 2_000, deniedNetworks });

test('a webhook aimed at a private network is refused before it connects, and its events wait', async () => {
  const hook = await receiver();
  const t = await startTestTomada({ webhookDelivery: false });
  try {
    await operatorWithEvent(t, `http://127.0.0.1:${hook.port}/hook`);
    const guarded = deliverer(t, PRIVATE_NETWORKS);
    await guarded.deliverAll();
    assert.equal(hook.posts(), 0, 'nothing reached the receiver');
    const refused = (await t.api('/api/v1/operators/opa/webhook')).body;
    assert.match(refused.lastError, /^the address 127\.0\.0\.1 is in a network webhooks may not reach \(TOMADA_WEBHOOK_DENIED_NETWORKS\) for event \d+$/);
    assert.equal(refused.lastEventId, 0, 'the event is still to be sent');

    // A closed port reads the same as the open one: lastError tells nothing of what listens there.
    await setUrl(t, `http://127.0.0.1:${await closedPort()}/hook`);
    await guarded.deliverAll();
    assert.equal((await t.api('/api/v1/operators/opa/webhook')).body.lastError, refused.lastError);

    // A host name is checked on what it resolves to; an IPv6 address that carries an IPv4 one
    // (mapped, NAT64, 6to4) as that IPv4 address too.
    const carriers = ['[::ffff:127.0.0.1]', '[64:ff9b::10.0.0.7]', '[64:ff9b::a00:7]', '[2002:c0a8:1::1]'];
    for (const url of [`http://localhost:${hook.port}/hook`, `http://[::1]:${hook.port}/hook`, ...carriers.map((host) => `http://${host}:${hook.port}/hook`)]) {
      await setUrl(t, url);
      await guarded.deliverAll();
      assert.match((await t.api('/api/v1/operators/opa/webhook')).body.lastError, /is in a network webhooks may not reach/, url);
    }
    assert.equal(hook.posts(), 0);

    // Once the administrator allows the network, the waiting event goes out.
    await setUrl(t, `http://127.0.0.1:${hook.port}/hook`);
    await deliverer(t, []).deliverAll();
    assert.equal(hook.posts(), 1);
    assert.equal((await t.api('/api/v1/operators/opa/webhook')).body.lastError, null);
  } finally {
    await t.close();
    hook.close();
  }
});

test("a node's own deliverer refuses by the setting it was started with", async () => {
  const hook = await receiver();
  const t = await startTestTomada({ webhookDelivery: true, webhookDeniedNetworks: loadConfig({}).webhookDeniedNetworks });
  try {
    await operatorWithEvent(t, `http://127.0.0.1:${hook.port}/hook`, true);
    let lastError: string | null = null;
    // The node's timer passes every two seconds.
    for (let i = 0; i < 100 && lastError === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      lastError = (await t.api('/api/v1/operators/opa/webhook')).body.lastError;
    }
    assert.match(lastError ?? '', /is in a network webhooks may not reach/);
    assert.equal(hook.posts(), 0);
  } finally {
    await t.close();
    hook.close();
  }
});

test('a webhook URL naming a denied address is refused when it is set, with the reason; a host name is checked at each POST', async () => {
  const t = await startTestTomada({ webhookDelivery: false, webhookDeniedNetworks: PRIVATE_NETWORKS });
  try {
    assert.equal((await t.api('/api/v1/operators/opa', { method: 'PUT', body: { name: 'opa', kind: 'OPC' } })).status, 201);
    const put = (url: string) => t.api('/api/v1/operators/opa/webhook', { method: 'PUT', body: { url, secret: SECRET } });
    const cases: [string, string][] = [
      ['http://127.0.0.1:8080/api/v1/tokens', '127.0.0.1'],
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
      ['http://[::ffff:10.1.2.3]:5432/', '::ffff:a01:203'],
      ['http://0x7f000001/', '127.0.0.1'],
      ['https://LOCALHOST./hook', 'localhost.'],
    ];
    for (const [url, host] of cases) {
      const refused = await put(url);
      assert.equal(refused.status, 400, `${url}: ${JSON.stringify(refused.body)}`);
      assert.match(refused.body.message, new RegExp(`^url: ${host.replace(/\./g, '\\.')} is in a network webhooks may not reach \\(TOMADA_WEBHOOK_DENIED_NETWORKS`), url);
    }
    assert.equal((await t.api('/api/v1/operators/opa/webhook')).status, 404, 'nothing was set');
    assert.equal((await put('https://hooks.example.net/in')).status, 201);
  } finally {
    await t.close();
  }
  const open = await startTestTomada({ webhookDelivery: false, webhookDeniedNetworks: [] });
  try {
    assert.equal((await open.api('/api/v1/operators/opa', { method: 'PUT', body: { name: 'opa', kind: 'OPC' } })).status, 201);
    assert.equal((await open.api('/api/v1/operators/opa/webhook', { method: 'PUT', body: { url: 'http://127.0.0.1:9/hook', secret: SECRET } })).status, 201, 'none: any address');
  } finally {
    await open.close();
  }
});

test('TOMADA_WEBHOOK_DENIED_NETWORKS: the private networks unless set, none, or the networks given', () => {
  assert.deepEqual(loadConfig({}).webhookDeniedNetworks, PRIVATE_NETWORKS);
  assert.deepEqual(loadConfig({ TOMADA_WEBHOOK_DENIED_NETWORKS: 'none' }).webhookDeniedNetworks, []);
  assert.deepEqual(loadConfig({ TOMADA_WEBHOOK_DENIED_NETWORKS: '10.0.0.0/8, 192.0.2.7' }).webhookDeniedNetworks, ['10.0.0.0/8', '192.0.2.7']);
  assert.throws(() => loadConfig({ TOMADA_WEBHOOK_DENIED_NETWORKS: 'intranet' }), (error: unknown) => error instanceof ConfigError && /TOMADA_WEBHOOK_DENIED_NETWORKS/.test(error.message));
});
