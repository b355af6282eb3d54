// The charge point resource over real HTTP: register and edit with PUT, read what a connected
// charge point reported, and never leak its password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient } from '../support/ocpp-client.js';
import { startTestTomada } from '../support/tomada.js';

const CHARGE_POINT_KEYS = [
  'id',
  'connected',
  'ocppVersion',
  'transport',
  'soapEndpoint',
  'soapEndpointSetByAdministrator',
  'securityProfile',
  'allowedSources',
  'meterPublicKey',
  'declaredOcppVersion',
  'declaredTransport',
  'softwareValidated',
  'vendor',
  'model',
  'firmwareVersion',
  'serialNumber',
  'chargeBoxSerialNumber',
  'meterType',
  'meterSerialNumber',
  'iccid',
  'imsi',
  'registrationStatus',
  'operator',
  'connection',
  'lenient',
  'passwordSet',
  'lastSeenAt',
  'lastBootAt',
  'connectors',
].sort();
const CONNECTOR_KEYS = ['connectorId', 'status', 'errorCode', 'info', 'updatedAt'].sort();
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function assertShape(cp: any) {
  assert.deepEqual(Object.keys(cp).sort(), CHARGE_POINT_KEYS);
  assert.ok(Array.isArray(cp.connectors));
  for (const c of cp.connectors) assert.deepEqual(Object.keys(c).sort(), CONNECTOR_KEYS);
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 3000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const PASSWORD = 'correct-horse-battery-staple';

test('charge points over the REST API', async (s) => {
  const t = await startTestTomada();
  try {
    await s.test('PUT creates (201), then updates (200), with the documented shape', async () => {
      assert.equal((await t.api('/api/v1/operators/OPC-Lisboa', { method: 'PUT', body: { name: 'OPC Lisboa', kind: 'OPC' } })).status, 201);
      const created = await t.api('/api/v1/charge-points/CP-1', { method: 'PUT', body: {} });
      assert.equal(created.status, 201);
      assertShape(created.body);
      assert.deepEqual(created.body, {
        id: 'CP-1',
        connected: false,
        ocppVersion: null,
        transport: null,
        soapEndpoint: null,
        soapEndpointSetByAdministrator: false,
        securityProfile: 0,
        allowedSources: [],
        meterPublicKey: null,
        declaredOcppVersion: null,
        declaredTransport: null,
        softwareValidated: null,
        vendor: null,
        model: null,
        firmwareVersion: null,
        serialNumber: null,
        chargeBoxSerialNumber: null,
        meterType: null,
        meterSerialNumber: null,
        iccid: null,
        imsi: null,
        registrationStatus: 'Accepted',
        operator: null,
        connection: 'direct',
        lenient: false,
        passwordSet: false,
        lastSeenAt: null,
        lastBootAt: null,
        connectors: [],
      });

      const updated = await t.api('/api/v1/charge-points/CP-1', {
        method: 'PUT',
        body: { operator: 'OPC-Lisboa', declaredOcppVersion: '1.6', registrationStatus: 'Pending', lenient: true },
      });
      assert.equal(updated.status, 200);
      assertShape(updated.body);
      assert.equal(updated.body.operator, 'OPC-Lisboa');
      assert.equal(updated.body.declaredOcppVersion, '1.6');
      assert.equal(updated.body.registrationStatus, 'Pending');
      assert.equal(updated.body.lenient, true);

      // A partial PUT changes only what it names.
      const partial = await t.api('/api/v1/charge-points/CP-1', { method: 'PUT', body: { registrationStatus: 'Accepted' } });
      assert.equal(partial.status, 200);
      assert.equal(partial.body.registrationStatus, 'Accepted');
      assert.equal(partial.body.operator, 'OPC-Lisboa');
      assert.equal(partial.body.declaredOcppVersion, '1.6');
      assert.equal(partial.body.lenient, true);

      // null clears what may be cleared.
      const cleared = await t.api('/api/v1/charge-points/CP-1', { method: 'PUT', body: { operator: null, declaredOcppVersion: null, lenient: false } });
      assert.equal(cleared.status, 200);
      assert.equal(cleared.body.operator, null);
      assert.equal(cleared.body.declaredOcppVersion, null);
      assert.equal(cleared.body.lenient, false);

      const read = await t.api('/api/v1/charge-points/CP-1');
      assert.equal(read.status, 200);
      assert.deepEqual(read.body, cleared.body);
    });

    await s.test('a new charge point takes the registrationStatus given at creation', async () => {
      const created = await t.api('/api/v1/charge-points/CP-REJ', { method: 'PUT', body: { registrationStatus: 'Rejected' } });
      assert.equal(created.status, 201);
      assert.equal(created.body.registrationStatus, 'Rejected');
    });

    await s.test('the password is never in an answer, neither in clear nor hashed', async () => {
      const put = await fetch(`${t.httpUrl}/api/v1/charge-points/CP-PW`, {
        method: 'PUT',
        headers: { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'application/json' },
        body: JSON.stringify({ password: PASSWORD }),
      });
      assert.equal(put.status, 201);
      const putText = await put.text();
      const stored = await t.store.getChargePoint('CP-PW');
      const hash = stored!.passwordHash!;
      assert.equal(typeof hash, 'string');
      assert.notEqual(hash, PASSWORD, 'stored hashed');
      for (const path of ['/api/v1/charge-points/CP-PW', '/api/v1/charge-points']) {
        const response = await fetch(`${t.httpUrl}${path}`, { headers: { authorization: 'Bearer test-admin-token-0123456789' } });
        const text = await response.text();
        for (const answer of [putText, text]) {
          assert.ok(!answer.includes(PASSWORD), `${path}: no clear password`);
          assert.ok(!answer.includes(hash), `${path}: no hash`);
          // Nor any recognisable part of the hash (its salt or digest).
          for (const part of hash.split(/[$:]/).filter((p) => p.length >= 12)) assert.ok(!answer.includes(part), `${path}: no hash part`);
          assert.ok(!/"password(Hash)?"\s*:/i.test(answer), `${path}: no password field`);
          assert.ok(!/hash/i.test(answer), `${path}: no hash field`);
        }
      }
      assert.equal((await t.api('/api/v1/charge-points/CP-PW')).body.passwordSet, true);
    });

    await s.test('validation: 400 for a short password, an unknown field, wrong types, an invalid id', async () => {
      const cases: [string, string, unknown][] = [
        ['15-character password', '/api/v1/charge-points/CP-V', { password: 'a'.repeat(15) }],
        ['41-character password', '/api/v1/charge-points/CP-V', { password: 'a'.repeat(41) }],
        ['unknown field', '/api/v1/charge-points/CP-V', { operator: 'X', color: 'red' }],
        ['passwordHash is not writable', '/api/v1/charge-points/CP-V', { passwordHash: 'x' }],
        ['bad version', '/api/v1/charge-points/CP-V', { declaredOcppVersion: '2.0.1' }],
        ['bad registration status', '/api/v1/charge-points/CP-V', { registrationStatus: 'Maybe' }],
        ['lenient is a boolean', '/api/v1/charge-points/CP-V', { lenient: 'yes' }],
        // A JSON body is checked as sent, without type coercion.
        ['lenient as the text "true"', '/api/v1/charge-points/CP-V', { lenient: 'true' }],
        ['password as a number', '/api/v1/charge-points/CP-V', { password: 1234567890123456 }],
        ['empty operator (not coerced to null)', '/api/v1/charge-points/CP-V', { operator: '' }],
        ['operator in an array', '/api/v1/charge-points/CP-V', { operator: ['OPC'] }],
        ['body is an array', '/api/v1/charge-points/CP-V', []],
        ['id with a space', '/api/v1/charge-points/CP%20V', {}],
        ['id with a slash', '/api/v1/charge-points/CP%2FV', {}],
        ['id of 49 characters', `/api/v1/charge-points/${'A'.repeat(49)}`, {}],
      ];
      for (const [what, path, body] of cases) {
        const result = await t.api(path, { method: 'PUT', body });
        assert.equal(result.status, 400, `${what}: ${JSON.stringify(result.body)}`);
        assert.equal(typeof result.body.error, 'string', what);
        assert.equal(typeof result.body.message, 'string', what);
      }
      // A field that takes one of a few values (null among them, or a union of unions) names them.
      const version = await t.api('/api/v1/charge-points/CP-V', { method: 'PUT', body: { declaredOcppVersion: '2.0.1' } });
      assert.equal(version.body.message, 'body/declaredOcppVersion must be one of "1.5", "1.6", null');
      const transport = await t.api('/api/v1/charge-points/CP-V', { method: 'PUT', body: { declaredTransport: 5 } });
      assert.equal(transport.body.message, 'body/declaredTransport must be one of "json", "soap", null');
      // Nothing was created by a refused PUT.
      assert.equal((await t.api('/api/v1/charge-points/CP-V')).status, 404);
      // A 16-character password and a 48-character id are fine.
      assert.equal((await t.api(`/api/v1/charge-points/${'A'.repeat(48)}`, { method: 'PUT', body: { password: 'p'.repeat(16) } })).status, 201);
      // An invalid id is also refused on GET.
      assert.equal((await t.api('/api/v1/charge-points/CP%20V')).status, 400);
    });

    await s.test('an unknown charge point is 404 with {error, message}', async () => {
      const result = await t.api('/api/v1/charge-points/NOPE-1');
      assert.equal(result.status, 404);
      assert.deepEqual(Object.keys(result.body).sort(), ['error', 'message']);
    });

    await s.test('what a connected 1.6 charge point reports is visible, and its disconnection', async () => {
      assert.equal((await t.api('/api/v1/charge-points/CP-LIVE', { method: 'PUT', body: { password: PASSWORD } })).status, 201);
      const before = Date.now();
      const client = await TestClient.connect(t.wsUrl, 'CP-LIVE', { password: PASSWORD });
      try {
        const boot = await client.ok('BootNotification', {
          chargePointVendor: 'Efacec',
          chargePointModel: 'QC45',
          chargePointSerialNumber: 'SN-0042',
          chargeBoxSerialNumber: 'BOX-7',
          firmwareVersion: '3.2.1',
          meterType: 'EM340',
          meterSerialNumber: 'M-99',
          iccid: '8935101234',
          imsi: '268011234',
        });
        assert.equal(boot.status, 'Accepted');
        await client.ok('StatusNotification', { connectorId: 0, status: 'Available', errorCode: 'NoError' });
        await client.ok('StatusNotification', { connectorId: 1, status: 'Available', errorCode: 'NoError' });
        await client.ok('StatusNotification', { connectorId: 2, status: 'Available', errorCode: 'NoError' });
        // Later reports replace earlier ones.
        await client.ok('StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError' });
        await client.ok('StatusNotification', {
          connectorId: 2,
          status: 'Faulted',
          errorCode: 'GroundFailure',
          info: 'RCD tripped',
          timestamp: new Date().toISOString(),
        });

        const read = await t.api('/api/v1/charge-points/CP-LIVE');
        assert.equal(read.status, 200);
        const cp = read.body;
        assertShape(cp);
        assert.equal(cp.connected, true);
        assert.equal(cp.ocppVersion, '1.6');
        assert.equal(cp.transport, 'json');
        assert.equal(cp.vendor, 'Efacec');
        assert.equal(cp.model, 'QC45');
        assert.equal(cp.serialNumber, 'SN-0042');
        assert.equal(cp.chargeBoxSerialNumber, 'BOX-7');
        assert.equal(cp.firmwareVersion, '3.2.1');
        assert.equal(cp.meterType, 'EM340');
        assert.equal(cp.meterSerialNumber, 'M-99');
        assert.equal(cp.iccid, '8935101234');
        assert.equal(cp.imsi, '268011234');
        assert.equal(cp.passwordSet, true);
        assert.match(cp.lastSeenAt, ISO_UTC);
        assert.match(cp.lastBootAt, ISO_UTC);
        assert.ok(Date.parse(cp.lastSeenAt) >= before - 1000 && Date.parse(cp.lastSeenAt) <= Date.now() + 1000);
        assert.ok(Date.parse(cp.lastSeenAt) >= Date.parse(cp.lastBootAt));

        const connectors = [...cp.connectors].sort((a: any, b: any) => a.connectorId - b.connectorId);
        assert.deepEqual(
          connectors.map((c: any) => [c.connectorId, c.status, c.errorCode, c.info]),
          [
            [0, 'Available', 'NoError', null],
            [1, 'Preparing', 'NoError', null],
            [2, 'Faulted', 'GroundFailure', 'RCD tripped'],
          ],
        );
        for (const c of connectors) assert.match(c.updatedAt, ISO_UTC);

        const list = await t.api('/api/v1/charge-points');
        assert.equal(list.status, 200);
        const listed = list.body.items.find((item: any) => item.id === 'CP-LIVE');
        assert.ok(listed, 'listed');
        assertShape(listed);
        assert.deepEqual(
          { ...listed, connectors: [...listed.connectors].sort((a: any, b: any) => a.connectorId - b.connectorId) },
          { ...cp, connectors },
        );
        assert.deepEqual(
          list.body.items.map((item: any) => item.id).sort(),
          ['A'.repeat(48), 'CP-1', 'CP-LIVE', 'CP-PW', 'CP-REJ'].sort(),
        );
      } finally {
        await client.close();
      }
      await eventually(async () => (await t.api('/api/v1/charge-points/CP-LIVE')).body.connected === false, 'connected false');
      const after = (await t.api('/api/v1/charge-points/CP-LIVE')).body;
      assert.equal(after.vendor, 'Efacec', 'what it reported stays');
      assert.equal(after.connectors.length, 3);
      assert.equal((await t.api('/api/v1/charge-points')).body.items.find((i: any) => i.id === 'CP-LIVE').connected, false);
    });

    await s.test(
      'a late StatusNotification (older timestamp) does not replace a newer status',
      async () => {
        assert.equal((await t.api('/api/v1/charge-points/CP-LATE', { method: 'PUT', body: {} })).status, 201);
        const client = await TestClient.connect(t.wsUrl, 'CP-LATE');
        try {
          await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
          await client.ok('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: '2025-03-01T10:05:00Z' });
          // Queued while offline, delivered after the newer one: history, not the current state.
          await client.ok('StatusNotification', { connectorId: 1, status: 'Preparing', errorCode: 'NoError', timestamp: '2025-03-01T10:00:00Z' });
          const cp = (await t.api('/api/v1/charge-points/CP-LATE')).body;
          const c1 = cp.connectors.find((c: any) => c.connectorId === 1);
          assert.equal(c1.status, 'Charging');
          assert.equal(c1.updatedAt, '2025-03-01T10:05:00.000Z');
        } finally {
          await client.close();
        }
      },
    );

    await s.test('a node running alone says so at /cluster, and names no node for its charge points', async () => {
      assert.equal((await t.api('/api/v1/charge-points/CP-ALONE', { method: 'PUT', body: {} })).status, 201);
      const client = await TestClient.connect(t.wsUrl, 'CP-ALONE');
      try {
        await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
        const view = (await t.api('/api/v1/charge-points/CP-ALONE')).body;
        assert.equal(view.connected, true);
        assert.equal('node' in view, false);
        assert.deepEqual((await t.api('/api/v1/cluster')).body, { clustered: false, node: null, natsUp: null, nodes: [] });
      } finally {
        await client.close();
      }
    });
  } finally {
    await t.close();
  }
});

test('the list is read whole or a page at a time by id; a bad page is 400', async () => {
  const t = await startTestTomada();
  try {
    for (const id of ['PG-3', 'PG-1', 'PG-5', 'PG-2', 'PG-4']) assert.equal((await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: {} })).status, 201);
    const ids = async (query: string) => {
      const res = await t.api(`/api/v1/charge-points${query}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.items.map((cp: { id: string; connectors: unknown[] }) => cp.id);
    };
    assert.deepEqual(await ids(''), ['PG-1', 'PG-2', 'PG-3', 'PG-4', 'PG-5']);
    assert.deepEqual(await ids('?limit=2'), ['PG-1', 'PG-2']);
    assert.deepEqual(await ids('?limit=2&afterId=PG-2'), ['PG-3', 'PG-4']);
    assert.deepEqual(await ids('?limit=2&afterId=PG-4'), ['PG-5']);
    assert.deepEqual(await ids('?afterId=PG-3'), ['PG-4', 'PG-5'], 'afterId alone: the rest');
    assert.deepEqual(await ids('?limit=2&afterId=PG-5'), []);
    for (const bad of ['?limit=0', '?limit=10001', '?limit=two', '?after=PG-1']) {
      const res = await t.api(`/api/v1/charge-points${bad}`);
      assert.equal(res.status, 400, bad);
      assert.equal(typeof res.body.message, 'string');
    }
  } finally {
    await t.close();
  }
});

test("a charge point's status history: what it reported over OCPP, newest first, a page at a time; unknown is 404, a bad query 400", async () => {
  const t = await startTestTomada({ unknownChargePoints: 'accept' });
  const client = await TestClient.connect(t.wsUrl, 'HIST-1');
  try {
    await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    const sent = [
      { connectorId: 1, status: 'Available', errorCode: 'NoError' },
      { connectorId: 2, status: 'Available', errorCode: 'NoError', timestamp: '2026-12-06T08:00:00.000Z' },
      { connectorId: 1, status: 'Faulted', errorCode: 'GroundFailure', info: 'RCD tripped', vendorId: 'ACME', vendorErrorCode: 'E-31', timestamp: '2026-12-06T08:01:00.000Z' },
      { connectorId: 1, status: 'Available', errorCode: 'NoError', timestamp: '2026-12-06T08:05:00.000Z' },
    ];
    for (const report of sent) await client.ok('StatusNotification', report);

    const res = await t.api('/api/v1/charge-points/HIST-1/status-history');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const items = res.body.items as { id: number; connectorId: number; status: string; errorCode: string; info: string | null; vendorId: string | null; vendorErrorCode: string | null; reportedAt: string | null; receivedAt: string }[];
    assert.deepEqual(
      items.map(({ id: _id, receivedAt: _at, ...rest }) => rest),
      [...sent].reverse().map((r) => ({ connectorId: r.connectorId, status: r.status, errorCode: r.errorCode, info: r.info ?? null, vendorId: r.vendorId ?? null, vendorErrorCode: r.vendorErrorCode ?? null, reportedAt: r.timestamp ?? null })),
    );
    for (const item of items) assert.match(item.receivedAt, ISO_UTC);

    const page = async (query: string) => {
      const answer = await t.api(`/api/v1/charge-points/HIST-1/status-history${query}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.items.map((item: { id: number }) => item.id);
    };
    const ids = items.map((item) => item.id);
    assert.deepEqual(await page('?limit=2'), ids.slice(0, 2));
    assert.deepEqual(await page(`?limit=2&beforeId=${ids[1]}`), ids.slice(2, 4));
    assert.deepEqual(await page('?connectorId=2'), [ids[2]]);
    assert.deepEqual(await page(`?connectorId=1&beforeId=${ids[0]}`), [ids[1], ids[3]]);

    assert.equal((await t.api('/api/v1/charge-points/NOBODY/status-history')).status, 404);
    assert.deepEqual(await page('?connectorId=-1'), [], 'any connector id a charge point may report can be asked for');
    // Beyond what the columns hold: 400 on both stores (PostgreSQL refused them with a 500).
    for (const bad of ['?limit=0', '?limit=501', '?beforeId=0', '?before=3', '?connectorId=2147483648', '?connectorId=1e20', '?beforeId=9223372036854775808', '?beforeId=1e400']) {
      const answer = await t.api(`/api/v1/charge-points/HIST-1/status-history${bad}`);
      assert.equal(answer.status, 400, bad);
      assert.equal(typeof answer.body.message, 'string');
    }
  } finally {
    await client.close();
    await t.close();
  }
});

test("an operator's scope shows only its own among the charge points asked about, reading only those", async () => {
  const t = await startTestTomada();
  try {
    for (const [operator, name] of [['OPC-MINE', 'Mine'], ['OPC-OTHER', 'Other']]) {
      assert.equal((await t.api(`/api/v1/operators/${operator}`, { method: 'PUT', body: { name, kind: 'OPC' } })).status, 201);
    }
    for (const [id, operator] of [['VIS-1', 'OPC-MINE'], ['VIS-2', 'OPC-OTHER'], ['VIS-3', 'OPC-MINE'], ['VIS-4', null]]) {
      assert.equal((await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { operator } })).status, 201);
    }
    const asked = ['VIS-1', 'VIS-2', 'VIS-3', 'VIS-4', 'VIS-UNKNOWN', 'VIS-1'];
    assert.deepEqual([...(await t.domain.access.visibleChargePoints({ operator: 'OPC-MINE' }, asked))].sort(), ['VIS-1', 'VIS-3']);
    assert.deepEqual([...(await t.domain.access.visibleChargePoints({ operator: 'OPC-OTHER' }, asked))].sort(), ['VIS-2']);
    assert.deepEqual([...(await t.domain.access.visibleChargePoints({}, asked))].sort(), ['VIS-1', 'VIS-2', 'VIS-3', 'VIS-4', 'VIS-UNKNOWN'], 'the whole network: nothing to read');
    const many = Array.from({ length: 1200 }, (_, i) => `VIS-X${i}`).concat('VIS-3');
    assert.deepEqual([...(await t.domain.access.visibleChargePoints({ operator: 'OPC-MINE' }, many))], ['VIS-3'], 'asked in chunks');
    const sliced = await t.store.listChargePoints({ ids: ['VIS-4', ...many, 'VIS-1'], limit: 2 });
    assert.deepEqual(sliced.map((cp) => cp.id), ['VIS-1', 'VIS-3'], 'the store reads 1,203 ids in slices, then orders the whole and cuts it at the limit');
  } finally {
    await t.close();
  }
});
