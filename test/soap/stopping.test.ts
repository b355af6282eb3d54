// A node stopping while a SOAP charge point posts over a kept-alive connection. Node's
// server.close() ends idle connections only; a message in flight when the node began to stop was
// answered keep-alive, the charge point's next message came on the same connection, and the
// listener waited for it: a rolling restart behind a balancer took 18 to 88 s to stop a node
// instead of about one. A message answered while the node stops now ends its connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { startTestTomada } from '../support/tomada.js';
import { envelope, soapUrl } from './helpers.js';

const HEARTBEAT = envelope({ id: 'CP-SOAP-KA', body: '<cs:heartbeatRequest/>' });

/** A POST on the agent's connection; the body is written by the caller. */
function post(url: string, agent: Agent): { request: ClientRequest; answer: Promise<{ response: IncomingMessage; text: string }> } {
  const request = httpRequest(url, { method: 'POST', agent, headers: { 'content-type': 'application/soap+xml; charset=utf-8', 'content-length': Buffer.byteLength(HEARTBEAT) } });
  const answer = new Promise<{ response: IncomingMessage; text: string }>((resolve, reject) => {
    request.once('error', reject);
    request.once('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.once('end', () => resolve({ response, text }));
    });
  });
  return { request, answer };
}

/** Whether a new TCP connection to the port is refused (the listener has closed). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

test('a SOAP message in flight when the node stops is answered with Connection: close, so its kept-alive connection does not hold the stop', async () => {
  const t = await startTestTomada({ unknownChargePoints: 'accept' });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let stopping: Promise<void> | undefined;
  try {
    const url = soapUrl(t);
    const first = post(url, agent);
    first.request.end(HEARTBEAT);
    const answered = await first.answer;
    assert.equal(answered.response.statusCode, 200, answered.text.slice(0, 300));
    assert.equal(answered.response.headers.connection, 'keep-alive', 'the connection is kept alive while the node runs');

    // The next message is in flight (half its body sent) when the node begins to stop.
    const second = post(url, agent);
    second.request.write(HEARTBEAT.slice(0, 40));
    await new Promise((resolve) => setTimeout(resolve, 50));
    stopping = t.stop();
    for (let i = 0; i < 200 && !(await refused(t.ocppPort)); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(await refused(t.ocppPort), 'the OCPP listener closed');
    second.request.end(HEARTBEAT.slice(40));
    const last = await second.answer;
    assert.equal(last.response.statusCode, 200, last.text.slice(0, 300));
    assert.match(last.text, /heartbeatResponse/);
    assert.equal(last.response.headers.connection, 'close', 'the message in flight is answered, and its connection ends');

    // The charge point's next message finds no connection to reuse, and no listener: it goes to
    // another node, and this one finishes stopping.
    const third = post(url, agent);
    third.request.end(HEARTBEAT);
    await assert.rejects(third.answer, /ECONNREFUSED/);
    await stopping;
  } finally {
    agent.destroy();
    await (stopping ?? Promise.resolve());
    await t.close();
  }
});
