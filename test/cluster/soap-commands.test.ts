// Commands to a SOAP charge point in a cluster: every node can reach its endpoint by HTTP, but its
// commands go through the node holding it, so they are sent one at a time whichever node the
// operator asks; when its holder no longer answers for it, a node sends them itself.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { TestTomada } from '../support/tomada.js';
import { centralSystemClient, closeServer, CS_WSDL, listen, wsdlSkip } from '../soap/helpers.js';
import { clusterFormed, eventually, natsUnavailable, sleep, startCluster, type TestCluster } from './helpers.js';

const skip = (await natsUnavailable()) ?? wsdlSkip(CS_WSDL);

describe('commands to a SOAP charge point through several nodes', { skip }, () => {
  let cluster: TestCluster;
  let a: TestTomada, b: TestTomada;
  let server: Server;
  /** The charge point's endpoint never answers; these count the commands it gets. */
  let received = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  before(async () => {
    server = createServer((request, response) => {
      request.resume();
      received++;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      response.on('close', () => inFlight--);
    });
    const port = await listen(server);
    cluster = await startCluster(2, { overrides: { callTimeoutMs: 1_000 } });
    [a, b] = cluster.nodes as [TestTomada, TestTomada];
    await clusterFormed(cluster.nodes);
    const cs = await centralSystemClient(a, 'CP-SOAP', `http://127.0.0.1:${port}/cp`);
    assert.equal((await cs.call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' })).result.status, 'Accepted');
    await eventually('node b sees CP-SOAP held by node a', () => b.cluster!.holderOf('CP-SOAP') === 'node-a');
  });

  after(async () => {
    await cluster?.close();
    server?.closeAllConnections();
    if (server) await closeServer(server);
  });

  const reset = (node: TestTomada) => node.api('/api/v1/charge-points/CP-SOAP/commands/reset', { method: 'POST', body: { type: 'Soft' } });

  test('commands through both nodes at once reach the endpoint one at a time', async () => {
    const answers = Promise.all([reset(a), reset(b), reset(a), reset(b)]);
    await eventually('the first command reaches the endpoint', () => received > 0);
    await sleep(300);
    assert.equal(maxInFlight, 1, 'one command in flight at the endpoint');
    for (const answer of await answers) assert.equal(answer.status, 504, JSON.stringify(answer.body));
    assert.equal(maxInFlight, 1);
  });

  test('when its holder no longer answers for it, another node sends the command itself', async () => {
    await a.cluster!.close(); // node a's subscriptions are gone; node b may still name it as the holder
    const before = received;
    const answer = await reset(b);
    assert.equal(answer.status, 504, JSON.stringify(answer.body));
    assert.match(answer.body.message, /got no answer from http:\/\/127\.0\.0\.1:\d+\/cp/, 'sent to the endpoint by node b, not refused as not connected');
    assert.equal(received, before + 1);
  });
});
