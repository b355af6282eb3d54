// Where the SOAP CentralSystemService answers: /ocpp/soap, with or without a slash at its end (a
// WebSocket charge point's /ocpp/{id}/ is taken too), and nowhere else on the OCPP port.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestTomada } from '../support/tomada.js';
import { child, CS_NS, envelope, readXml, SOAP12_NS } from './helpers.js';

test('a SOAP message posted to /ocpp/soap/ is answered as at /ocpp/soap', async (t) => {
  const tomada = await startTestTomada({ unknownChargePoints: 'accept' });
  t.after(() => tomada.close());
  const base = `http://127.0.0.1:${tomada.ocppPort}`;
  const post = async (path: string) => {
    const body = envelope({ id: 'CP-SLASH', messageId: `urn:uuid:slash-${path.length}`, body: '<cs:heartbeatRequest/>' });
    const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/soap+xml; charset=utf-8' }, body });
    return { status: response.status, text: await response.text() };
  };
  for (const path of ['/ocpp/soap', '/ocpp/soap/']) {
    const answer = await post(path);
    assert.equal(answer.status, 200, `${path}: ${answer.text.slice(0, 300)}`);
    assert.ok(child(child(readXml(answer.text), SOAP12_NS, 'Body'), CS_NS, 'heartbeatResponse'), `${path}: a heartbeatResponse`);
  }
  // Other paths are still the WebSocket endpoint's, which a plain POST is told to upgrade to.
  for (const path of ['/ocpp/soap//', '/ocpp/soap/CP-SLASH']) assert.equal((await post(path)).status, 426, path);
});
