// store: sqlite-only. What it tests is where a command's connection goes, above the store.
// A SOAP charge point's From naming a host name is checked as each command goes (sendRefusal), but
// until 2026-12-06 fetch() then resolved the name again for its connection: a name that answered
// a public address to the check and 127.0.0.1 to the connection (DNS rebinding) had the command
// POSTed to a service beside the node, whose answer was journaled among the charge point's frames.
// The address is now checked where the connection opens (endpoint-post.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { EndpointAddressRefused, postToEndpoint } from '../../src/transport/endpoint-post.js';
import { addressRefusal, DEFAULT_ENDPOINT_NETWORKS } from '../../src/transport/soap-endpoint-networks.js';
import { startTestTomada } from '../support/tomada.js';
import { centralSystemClient, closeServer, CP_WSDL, CS_WSDL, listen, wsdlSkip } from './helpers.js';

const SECRET = 'inside-only-4711';
/** Set in the child run in its own namespaces (below), whose resolver is this file's DNS server. */
const IN_NAMESPACE = process.env.TOMADA_TEST_REBIND_NAMESPACE === '1';

/** A service beside the node that must never hear from it. */
function insideService(): { server: Server; hits: () => number } {
  let hits = 0;
  const server = createServer((request, response) => {
    hits++;
    request.resume();
    response.writeHead(200, { 'content-type': 'text/plain' }).end(SECRET);
  });
  return { server, hits: () => hits };
}

describe('the address of a command to a SOAP endpoint is checked where its connection opens', { skip: IN_NAMESPACE }, () => {
  const inside = insideService();
  let port = 0;
  before(async () => (port = await listen(inside.server)));
  after(() => closeServer(inside.server));
  const post = (refusal?: (address: string) => string | undefined) =>
    postToEndpoint(`http://localhost:${port}/steal`, { headers: { 'content-type': 'text/plain' }, body: 'x', signal: AbortSignal.timeout(5_000), refusal });

  test('a name resolving to loopback is refused before any connection; unchecked, it is reached', async () => {
    await assert.rejects(post((address) => addressRefusal(address, DEFAULT_ENDPOINT_NETWORKS)), (error: unknown) => {
      assert.ok(error instanceof EndpointAddressRefused, String(error));
      assert.match(error.message, /^localhost resolves to (127\.0\.0\.1|::1) is the node's own/);
      return true;
    });
    assert.equal(inside.hits(), 0);
    const reached = await post();
    assert.equal(await reached.text(), SECRET);
    assert.equal(inside.hits(), 1);
  });
});

test("an answer whose body stops coming fails with the timeout's own error, as fetch's did", { skip: IN_NAMESPACE }, async () => {
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'application/soap+xml' });
    response.write('<env:Envelope');
  });
  const port = await listen(server);
  try {
    const answer = await postToEndpoint(`http://127.0.0.1:${port}/`, { headers: {}, body: 'x', signal: AbortSignal.timeout(300) });
    await assert.rejects(answer.text(), (error: Error) => error.name === 'TimeoutError');
  } finally {
    server.closeAllConnections();
    await closeServer(server);
  }
});

/** Whether this process may run a child in its own mount and network namespaces (root, unshare). */
function namespacesUsable(): boolean {
  return process.getuid?.() === 0 && spawnSync('unshare', ['-mn', 'true']).status === 0;
}

describe('a name rebound between the check and the connection', () => {
  test('whole node: the command is refused and nothing reaches the service on 127.0.0.1', { skip: !IN_NAMESPACE && !namespacesUsable() && 'needs root and unshare (a private network and resolver)' }, async () => {
    if (!IN_NAMESPACE) {
      // Run again in private namespaces: loopback only, and /etc/resolv.conf naming this file's
      // DNS server on 127.0.0.1:53, so the machine's own resolver and network are untouched.
      const dir = mkdtempSync(join(tmpdir(), 'tomada-rebind-'));
      writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
      writeFileSync(join(dir, 'nsswitch.conf'), 'hosts: files dns\n');
      const script = `ip link set lo up && mount --bind ${dir}/resolv.conf /etc/resolv.conf && mount --bind ${dir}/nsswitch.conf /etc/nsswitch.conf && exec "$0" --enable-source-maps --test --test-reporter=tap "$1"`;
      // Not as a child of this test runner (NODE_TEST_CONTEXT): a run of its own, whose report is read here.
      const { NODE_TEST_CONTEXT: _, ...env } = process.env;
      const child = spawnSync('unshare', ['-mn', 'sh', '-c', script, process.execPath, fileURLToPath(import.meta.url)], {
        env: { ...env, TOMADA_TEST_REBIND_NAMESPACE: '1', TOMADA_TEST_STORE: 'sqlite' },
        encoding: 'utf8',
        timeout: 120_000,
      });
      rmSync(dir, { recursive: true, force: true });
      assert.equal(child.status, 0, `${child.stdout}\n${child.stderr}`);
      assert.match(child.stdout, /# pass 1\n/);
      assert.match(child.stdout, /# fail 0\n/);
      return;
    }
    if (wsdlSkip(CS_WSDL, CP_WSDL)) return;
    // The name's first address (the check's) is a public one; every later one (the connection's) is 127.0.0.1.
    let aQueries = 0;
    const dns = createSocket('udp4');
    dns.on('message', (query, peer) => {
      let end = 12;
      while (query[end] !== 0 && end < query.length) end += query[end]! + 1;
      const isA = query.readUInt16BE(end + 1) === 1;
      const address = isA ? (++aQueries === 1 ? [192, 0, 2, 10] : [127, 0, 0, 1]) : undefined;
      const header = Buffer.alloc(12);
      query.copy(header, 0, 0, 2);
      header.writeUInt16BE(0x8180, 2); // a response, recursion desired and available, no error
      header.writeUInt16BE(1, 4);
      header.writeUInt16BE(address ? 1 : 0, 6);
      const answer = address ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, ...address]) : Buffer.alloc(0);
      dns.send(Buffer.concat([header, query.subarray(12, end + 5), answer]), peer.port, peer.address);
    });
    await new Promise<void>((resolve) => dns.bind(53, '127.0.0.1', () => resolve()));
    const inside = insideService();
    const port = await listen(inside.server);
    const dir = mkdtempSync(join(tmpdir(), 'tomada-rebind-node-'));
    const t = await startTestTomada({ soapEndpointNetworks: DEFAULT_ENDPOINT_NETWORKS }, dir);
    try {
      await t.api('/api/v1/operators/OPC-A', { method: 'PUT', body: { name: 'A', kind: 'OPC' } });
      const token = (await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'a', role: 'operator', operator: 'OPC-A' } })).body.token;
      await t.api('/api/v1/charge-points/CP-R', { method: 'PUT', body: { registrationStatus: 'Accepted' }, token });
      await (await centralSystemClient(t, 'CP-R', `http://cp.rebind.test:${port}/steal`)).call('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
      const reset = await t.api('/api/v1/charge-points/CP-R/commands/reset', { method: 'POST', body: { type: 'Soft' }, token });
      assert.ok(aQueries >= 2, `the name was resolved ${aQueries} times`);
      assert.equal(reset.status, 502, JSON.stringify(reset.body));
      assert.match(reset.body.message, /cp\.rebind\.test resolves to 127\.0\.0\.1 is the node's own/);
      assert.equal(inside.hits(), 0);
      const frames = JSON.stringify((await t.api('/api/v1/charge-points/CP-R/frames?limit=50', { token })).body);
      assert.doesNotMatch(frames, new RegExp(SECRET));
    } finally {
      await t.close();
      await closeServer(inside.server);
      dns.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
