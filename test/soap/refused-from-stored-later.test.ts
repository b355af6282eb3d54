// A SOAP charge point's From refused as its command endpoint is recorded once per host, as a
// soapEndpointRefused event. When that event could not be stored (the store failing for a moment),
// the host was still counted as recorded, and the charge point's resend of the message, once writes
// worked again, stored nothing: the refusal was in no event until the node restarted. Now the
// resend records it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_ENDPOINT_NETWORKS } from '../../src/transport/soap-endpoint-networks.js';
import { refuseWrites } from '../support/refusing-trigger.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import { centralSystemClient, CS_WSDL, wsdlSkip } from './helpers.js';

const ID = 'CP-SOAP-REFUSED-LATER';
// Loopback: refused under the default TOMADA_SOAP_ENDPOINT_NETWORKS (the tests' nodes allow any
// unless told). Port 9 (discard): nothing is sent there anyway.
const FROM = 'http://127.0.0.1:9/refused';

describe('a refused From whose event failed to store is recorded at the resend', { skip: wsdlSkip(CS_WSDL) }, () => {
  let t: TestTomada;
  const refusals = async () => (await t.store.listEvents({ chargePointId: ID, limit: 100 })).filter((e) => e.type === 'soapEndpointRefused');
  const heartbeat = async () => (await centralSystemClient(t, ID, FROM)).call('Heartbeat', {});

  before(async () => {
    t = await startTestTomada({ soapEndpointNetworks: DEFAULT_ENDPOINT_NETWORKS });
    const put = await t.api(`/api/v1/charge-points/${ID}`, { method: 'PUT', body: { registrationStatus: 'Accepted' } });
    assert.equal(put.status, 201, JSON.stringify(put.body));
  });

  after(() => t?.close());

  test('the message fails while the event cannot be stored, and its resend stores the event once', async () => {
    const restore = await refuseWrites(t, { name: 'fail_endpoint_refused', on: 'before insert on events', when: "new.type = 'soapEndpointRefused'" });
    await assert.rejects(heartbeat(), 'the message whose refusal could not be recorded is not answered as handled');
    assert.equal((await refusals()).length, 0);
    await restore();

    const resent = await heartbeat();
    assert.ok(resent.result.currentTime, 'the resend is answered');
    const events = await refusals();
    assert.equal(events.length, 1, 'the refusal is recorded at the resend');
    assert.equal(events[0]!.data.from, FROM);

    await heartbeat();
    assert.equal((await refusals()).length, 1, 'once per host, as before');
    assert.equal((await t.api(`/api/v1/charge-points/${ID}`)).body.soapEndpoint, null, 'never taken');
  });
});
