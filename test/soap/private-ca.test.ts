// A SOAP charge point whose command endpoint is https:// under the network's own CA (a private PKI
// for the chargers, as docs/SECURITY.md makes one). Node trusts the CAs its system trusts, and
// those of the file NODE_EXTRA_CA_CERTS names at the process's start: commands then reach the
// endpoint. Without it, the 502 says how to trust that CA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePki, opensslSkip } from '../security/pki.js';
import { spawnServer } from '../support/process.js';
import { CP_NS, envelope, SOAP12_NS } from './helpers.js';

const ADMIN = 'private-ca-admin-token';

/** An https:// endpoint answering every command Reset's Accepted; counts what it was sent. */
async function endpointUnder(cert: Buffer, key: Buffer): Promise<{ url: string; posts: () => number; close: () => Promise<void> }> {
  let posts = 0;
  const server: Server = createServer({ cert, key }, (request, response) => {
    posts += 1;
    request.resume();
    request.on('end', () => {
      response
        .writeHead(200, { 'content-type': 'application/soap+xml; charset=utf-8' })
        .end(`<s:Envelope xmlns:s="${SOAP12_NS}"><s:Body><resetResponse xmlns="${CP_NS}"><status>Accepted</status></resetResponse></s:Body></s:Envelope>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/ocpp/cp`,
    posts: () => posts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A node on a fresh SQLite file; a SOAP charge point boots naming `endpoint`; then a Reset through the API. */
async function resetThroughNode(endpoint: string, env: Record<string, string>): Promise<{ status: number; message: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-private-ca-'));
  const node = await spawnServer({ TOMADA_DATABASE_URL: `sqlite:${join(dir, 'tomada.db')}`, TOMADA_ADMIN_TOKEN: ADMIN, TOMADA_UNKNOWN_CHARGE_POINTS: 'accept',
    // The endpoint listens on loopback, which a From may not name by default (docs/SECURITY.md).
    TOMADA_SOAP_ENDPOINT_NETWORKS: '127.0.0.1/32',
    ...env,
  });
  try {
    const boot = envelope({ id: 'CP-PRIVATE-CA', action: '/BootNotification', from: endpoint, body: '<cs:bootNotificationRequest><cs:chargePointVendor>V</cs:chargePointVendor><cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>' });
    const booted = await fetch(`http://127.0.0.1:${node.ocppPort}/ocpp/soap`, { method: 'POST', headers: { 'content-type': 'application/soap+xml; charset=utf-8' }, body: boot });
    assert.equal(booted.status, 200, await booted.text());
    const reset = await fetch(`http://127.0.0.1:${node.httpPort}/api/v1/charge-points/CP-PRIVATE-CA/commands/reset`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'Soft' }),
    });
    const body = (await reset.json()) as { message?: string; status?: string };
    return { status: reset.status, message: body.message ?? body.status ?? '' };
  } finally {
    node.child.kill('SIGTERM');
    await node.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

test("commands reach an https:// endpoint under the network's own CA once NODE_EXTRA_CA_CERTS names it; without it, the 502 says so", { skip: opensslSkip() }, async () => {
  const pki = makePki({ clients: [] });
  const endpoint = await endpointUnder(pki.server.cert, pki.server.key);
  try {
    const untrusted = await resetThroughNode(endpoint.url, {});
    assert.equal(untrusted.status, 502, untrusted.message);
    assert.match(untrusted.message, /is unreachable \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\) \(the endpoint's certificate is not signed by a CA this machine trusts: name its CA with NODE_EXTRA_CA_CERTS=FILE\)/);
    assert.equal(endpoint.posts(), 0, 'refused in the TLS handshake, before any request');

    const trusted = await resetThroughNode(endpoint.url, { NODE_EXTRA_CA_CERTS: pki.ca.certFile });
    assert.equal(trusted.status, 200, trusted.message);
    assert.equal(trusted.message, 'Accepted');
    assert.equal(endpoint.posts(), 1);
  } finally {
    await endpoint.close();
    pki.remove();
  }
});
