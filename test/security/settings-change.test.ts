// A connection is admitted under the charge point's password, security profile and allowed
// sources as they were then. An operator who changes one of them (a stolen password set anew, a
// profile raised) ends the connection, on whichever node holds it, so that it must be admitted
// again: an impostor already connected kept charging under the old settings until a restart.
// Other edits (lenient, declarations) leave the connection alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boot, TestClient } from '../support/ocpp-client.js';
import { startTestTomada } from '../support/tomada.js';
import { clusterFormed, eventually, natsUnavailable, startCluster } from '../cluster/helpers.js';

const PASSWORD = 'a-new-password-0123456789';
const NOT_YET = Symbol('still open');

/** Whether the connection has closed within a moment, with its close code and reason. */
async function closedSoon(client: TestClient, ms = 2_000): Promise<{ code: number; reason: string } | typeof NOT_YET> {
  return Promise.race([client.closed, new Promise<typeof NOT_YET>((resolve) => setTimeout(() => resolve(NOT_YET), ms))]);
}

test('a change of password, profile or allowed sources ends the connection; the charge point is admitted again under the new ones', async () => {
  const t = await startTestTomada({ unknownChargePoints: 'reject' });
  try {
    const put = (body: object) => t.api('/api/v1/charge-points/CP-SET', { method: 'PUT', body });
    assert.equal((await put({})).status, 201);
    let client = await TestClient.connect(t.wsUrl, 'CP-SET');
    assert.equal((await boot(client)).status, 'Accepted');

    // Edits that do not touch admission leave it connected.
    assert.equal((await put({ lenient: true, declaredOcppVersion: '1.6' })).status, 200);
    assert.equal(await closedSoon(client, 500), NOT_YET);
    await client.ok('Heartbeat', {});

    // Profile 1 with a password: the connection, admitted without one, ends.
    assert.equal((await put({ securityProfile: 1, password: PASSWORD })).status, 200);
    assert.deepEqual(await closedSoon(client), { code: 1000, reason: 'its security settings changed: connect again' });
    await assert.rejects(TestClient.connect(t.wsUrl, 'CP-SET'), /HTTP 401/, 'without the password it is no longer admitted');
    client = await TestClient.connect(t.wsUrl, 'CP-SET', { password: PASSWORD });
    await client.ok('Heartbeat', {});

    // The same password set again (whoever holds the old one is to be locked out): it ends again.
    assert.equal((await put({ password: PASSWORD })).status, 200);
    assert.notEqual(await closedSoon(client), NOT_YET);
    client = await TestClient.connect(t.wsUrl, 'CP-SET', { password: PASSWORD });

    // Allowed sources that leave this one out: ended, and refused at once.
    assert.equal((await put({ allowedSources: ['192.0.2.1'] })).status, 200);
    assert.notEqual(await closedSoon(client), NOT_YET);
    await assert.rejects(TestClient.connect(t.wsUrl, 'CP-SET', { password: PASSWORD }), /HTTP 403/);
  } finally {
    await t.close();
  }
});

test('with several nodes, the node holding the connection ends it when another node takes the edit', { skip: await natsUnavailable() }, async () => {
  const cluster = await startCluster(2);
  try {
    const [a, b] = cluster.nodes as [NonNullable<(typeof cluster.nodes)[0]>, NonNullable<(typeof cluster.nodes)[1]>];
    await clusterFormed(cluster.nodes);
    const client = await TestClient.connect(a.wsUrl, 'CP-FAR');
    await boot(client);
    await eventually('node b knows node a holds it', async () => (await b.api('/api/v1/charge-points/CP-FAR')).body.connected === true);
    assert.equal((await b.api('/api/v1/charge-points/CP-FAR', { method: 'PUT', body: { securityProfile: 1, password: PASSWORD } })).status, 200);
    assert.deepEqual(await closedSoon(client, 5_000), { code: 1000, reason: 'its security settings changed: connect again' });
  } finally {
    await cluster.close();
  }
});
