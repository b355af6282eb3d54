// Where commands to a SOAP charge point are POSTed, and whose answer is journaled and shown among
// its frames: set by an administrator (or by the charge point's own From), never by an operator's
// token, which could otherwise aim the central system at its own network and read the answer.
// An operator sending back the stored one does not make it an administrator's, which a From would
// no longer replace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestTomada } from '../support/tomada.js';
import { envelope, postRaw } from '../soap/helpers.js';

test('only an administrator sets a SOAP endpoint; an operator may send back the one stored', async () => {
  const t = await startTestTomada();
  try {
    await t.api('/api/v1/operators/OPC-A', { method: 'PUT', body: { name: 'A', kind: 'OPC' } });
    const tokenA = (await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'a', role: 'operator', operator: 'OPC-A' } })).body.token;
    const put = (body: object, token?: string) => t.api('/api/v1/charge-points/CP-SOAP-EP', { method: 'PUT', body, ...(token ? { token } : {}) });

    const refused = await put({ operator: 'OPC-A', soapEndpoint: 'http://127.0.0.1:8080/admin' }, tokenA);
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.match(refused.body.message, /Only an administrator sets a SOAP endpoint/);
    assert.equal((await t.api('/api/v1/charge-points/CP-SOAP-EP')).status, 404, 'nothing registered by the refused request');

    assert.equal((await put({ operator: 'OPC-A' }, tokenA)).status, 201);
    assert.equal((await put({ soapEndpoint: 'http://10.1.2.3:8080/ocpp' })).status, 200, 'the administrator sets it');
    const same = await put({ soapEndpoint: 'http://10.1.2.3:8080/ocpp', connection: 'platform' }, tokenA);
    assert.equal(same.status, 200, 'the stored one, sent back with the rest of the record');
    assert.equal((await put({ soapEndpoint: null }, tokenA)).status, 403, 'nor cleared by an operator');
    assert.equal((await t.api('/api/v1/charge-points/CP-SOAP-EP')).body.soapEndpoint, 'http://10.1.2.3:8080/ocpp');

    // Cleared by the administrator: the charge point's From is its endpoint again.
    const heartbeatFrom = async (from: string) => {
      const answer = await postRaw(t, envelope({ id: 'CP-SOAP-EP', action: '/Heartbeat', from, body: '<cs:heartbeatRequest/>' }));
      assert.equal(answer.status, 200, answer.text);
    };
    assert.equal((await put({ soapEndpoint: null })).status, 200);
    await heartbeatFrom('http://10.9.9.9/first');
    assert.equal((await put({ soapEndpoint: 'http://10.9.9.9/first', connection: 'direct' }, tokenA)).status, 200, 'the stored one, sent back');
    await heartbeatFrom('http://10.9.9.9/second');
    assert.equal((await t.api('/api/v1/charge-points/CP-SOAP-EP')).body.soapEndpoint, 'http://10.9.9.9/second', "the operator's edit did not keep it against the From");
  } finally {
    await t.close();
  }
});

test("an administrator keeps the endpoint a charge point named against its next From, and gives it back, without clearing it meanwhile; an operator may do neither", async () => {
  const t = await startTestTomada({ unknownChargePoints: 'accept' });
  try {
    await t.api('/api/v1/operators/OPC-A', { method: 'PUT', body: { name: 'A', kind: 'OPC' } });
    const tokenA = (await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'a', role: 'operator', operator: 'OPC-A' } })).body.token;
    const id = 'CP-SOAP-KEPT';
    const put = (body: object, token?: string) => t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body, ...(token ? { token } : {}) });
    const read = async () => {
      const body = (await t.api(`/api/v1/charge-points/${id}`)).body;
      return [body.soapEndpoint, body.soapEndpointSetByAdministrator];
    };
    const heartbeatFrom = async (from: string) => {
      const answer = await postRaw(t, envelope({ id, action: '/Heartbeat', from, body: '<cs:heartbeatRequest/>' }));
      assert.equal(answer.status, 200, answer.text);
    };

    assert.equal((await put({ operator: 'OPC-A' })).status, 201);
    const none = await put({ soapEndpointSetByAdministrator: true });
    assert.equal(none.status, 400, JSON.stringify(none.body));
    assert.match(none.body.message, /there is none: send the address in soapEndpoint too/);
    assert.equal((await put({ soapEndpoint: null, soapEndpointSetByAdministrator: true })).status, 400);

    await heartbeatFrom('http://10.9.9.9/named');
    assert.deepEqual(await read(), ['http://10.9.9.9/named', false]);
    const byOperator = await put({ soapEndpointSetByAdministrator: true }, tokenA);
    assert.equal(byOperator.status, 403, JSON.stringify(byOperator.body));
    assert.match(byOperator.body.message, /Only an administrator keeps a SOAP endpoint/);
    assert.equal((await put({ soapEndpointSetByAdministrator: false, connection: 'direct' }, tokenA)).status, 200, 'sent back as read, it changes nothing');

    // The address the charge point named, kept: its next From (a private address behind NAT) is not taken.
    assert.equal((await put({ soapEndpointSetByAdministrator: true })).status, 200);
    assert.deepEqual(await read(), ['http://10.9.9.9/named', true]);
    await heartbeatFrom('http://192.168.1.20/private');
    assert.deepEqual(await read(), ['http://10.9.9.9/named', true], 'kept against the From');
    assert.equal((await put({ soapEndpointSetByAdministrator: true, connection: 'direct' }, tokenA)).status, 200, 'sent back as read');
    assert.equal((await put({ soapEndpointSetByAdministrator: false }, tokenA)).status, 403, 'nor given back by an operator');

    // Given back: kept until the next From, which replaces it.
    assert.equal((await put({ soapEndpointSetByAdministrator: false })).status, 200);
    assert.deepEqual(await read(), ['http://10.9.9.9/named', false], 'not cleared');
    await heartbeatFrom('http://10.9.9.9/moved');
    assert.deepEqual(await read(), ['http://10.9.9.9/moved', false]);

    // A new address with false: set now, replaced by the next From.
    assert.equal((await put({ soapEndpoint: 'http://10.1.2.3/for-now', soapEndpointSetByAdministrator: false })).status, 200);
    assert.deepEqual(await read(), ['http://10.1.2.3/for-now', false]);
  } finally {
    await t.close();
  }
});
