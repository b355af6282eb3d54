// The pieces of the defences on their own: source address matching (IPv4, IPv6, CIDRs), the
// failure limiter's window and memory bound, the token bucket, the command cap, configuration.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { NODE_NETWORKS } from '../../src/networks.js';
import { CommandFailed } from '../../src/domain/errors.js';
import { sourceAllowed } from '../../src/domain/registry.js';
import { addressKey, FailureLimiter } from '../../src/transport/auth-failures.js';
import { basicPassword } from '../../src/transport/basic-auth.js';
import { CommandCap } from '../../src/transport/command-cap.js';
import { TokenBucket } from '../../src/transport/rate-limit.js';

describe('sourceAllowed', () => {
  const allowed = (list: string[], address: string | undefined) => sourceAllowed(list, address).allowed;

  test('an empty list allows any address', () => {
    assert.equal(allowed([], '203.0.113.9'), true);
    assert.equal(allowed([], undefined), true);
  });

  test('IPv4 addresses and CIDRs', () => {
    const list = ['192.0.2.10', '10.0.0.0/8', '198.51.100.0/24'];
    assert.equal(allowed(list, '192.0.2.10'), true);
    assert.equal(allowed(list, '192.0.2.11'), false);
    assert.equal(allowed(list, '10.255.1.2'), true);
    assert.equal(allowed(list, '11.0.0.1'), false);
    assert.equal(allowed(list, '198.51.100.255'), true);
    assert.equal(allowed(list, '198.51.101.0'), false);
  });

  test('IPv6 addresses and CIDRs, in any spelling', () => {
    const list = ['2001:db8::/32', 'fe80::1'];
    assert.equal(allowed(list, '2001:db8:1:2::3'), true);
    assert.equal(allowed(list, '2001:0db8:0000::0001'), true);
    assert.equal(allowed(list, '2001:db9::1'), false);
    assert.equal(allowed(list, 'fe80::1'), true);
    assert.equal(allowed(list, 'fe80::1%eth0'), true, 'a zone index is not part of the address');
    assert.equal(allowed(list, 'fe80::2'), false);
  });

  test('an IPv4 client seen on a dual-stack socket (::ffff:a.b.c.d) matches its IPv4 entry', () => {
    assert.equal(allowed(['192.0.2.0/24'], '::ffff:192.0.2.7'), true);
    assert.equal(allowed(['192.0.2.0/24'], '::ffff:192.0.3.7'), false);
  });

  test('entries that are not addresses allow nothing and are reported', () => {
    const result = sourceAllowed(['192.0.2.300', 'example.com', '10.0.0.0/33', '10.0.0.0/8/1', '::1/129'], '10.1.1.1');
    assert.equal(result.allowed, false);
    assert.deepEqual(result.invalid, ['192.0.2.300', 'example.com', '10.0.0.0/33', '10.0.0.0/8/1', '::1/129']);
    assert.equal(allowed(['nonsense', '10.0.0.0/8'], '10.1.1.1'), true, 'the valid entries still count');
  });

  test('a non-empty list refuses an unknown address', () => {
    assert.equal(allowed(['10.0.0.0/8'], undefined), false);
    assert.equal(allowed(['10.0.0.0/8'], 'not an address'), false);
  });
});

describe('FailureLimiter', () => {
  test('blocks after `limit` failures within the window, until the oldest of them leaves it', () => {
    let now = 1_000_000;
    const limiter = new FailureLimiter({ limit: 3, windowMs: 60_000, now: () => now });
    assert.equal(limiter.record('192.0.2.1'), false);
    now += 10_000;
    assert.equal(limiter.record('192.0.2.1'), false);
    assert.equal(limiter.blockedForS('192.0.2.1'), 0);
    now += 10_000;
    assert.equal(limiter.record('192.0.2.1'), true, 'the third failure blocks');
    assert.equal(limiter.blockedForS('192.0.2.1'), 40, 'until the first failure is 60 s old');
    assert.equal(limiter.blockedForS('192.0.2.2'), 0, 'another address is not blocked');
    now += 40_001;
    assert.equal(limiter.blockedForS('192.0.2.1'), 0);
    assert.equal(limiter.record('192.0.2.1'), true, 'two failures are still in the window: a new one blocks again');
  });

  test('IPv4-mapped IPv6 addresses count as their IPv4 address', () => {
    const limiter = new FailureLimiter({ limit: 2, windowMs: 60_000 });
    limiter.record('::ffff:192.0.2.1');
    limiter.record('192.0.2.1');
    assert.ok(limiter.blockedForS('192.0.2.1') > 0);
    assert.ok(limiter.blockedForS('::FFFF:192.0.2.1') > 0);
    assert.equal(addressKey(undefined), 'unknown');
  });

  test('memory is bounded: old entries are pruned and at most maxAddresses kept', () => {
    let now = 0;
    const limiter = new FailureLimiter({ limit: 5, windowMs: 1_000, maxAddresses: 100, now: () => now });
    for (let i = 0; i < 1_000; i++) limiter.record(`10.0.${i >> 8}.${i & 255}`);
    assert.equal(limiter.size, 100, 'capped');
    for (let i = 0; i < 50; i++) for (let k = 0; k < 10; k++) limiter.record('192.0.2.99');
    assert.ok(limiter.size <= 100);
    now += 5_000;
    limiter.record('192.0.2.1');
    assert.equal(limiter.size, 1, 'everything older than the window was forgotten');
  });
});

describe('TokenBucket', () => {
  test('a burst up to the capacity, then the sustained rate', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 5, () => now);
    for (let i = 0; i < 5; i++) assert.equal(bucket.tryTake(), true);
    assert.equal(bucket.tryTake(), false);
    assert.equal(bucket.msUntilToken(), 100);
    now += 100;
    assert.equal(bucket.tryTake(), true);
    assert.equal(bucket.tryTake(), false);
    now += 10_000;
    assert.equal(bucket.full, true, 'never more than the capacity');
  });
});

describe('CommandCap', () => {
  test('beyond the limit a command fails at once with CommandFailed; the count goes down as they finish', async () => {
    const cap = new CommandCap('CP-1', 2);
    const gates: (() => void)[] = [];
    const waiting = () => new Promise<string>((resolve) => gates.push(() => resolve('done')));
    const a = cap.run(waiting);
    const b = cap.run(waiting);
    await assert.rejects(cap.run(waiting), (error: unknown) => {
      // Exactly CommandFailed: the API maps it (by its class) to 502.
      assert.equal((error as Error).constructor, CommandFailed);
      assert.match((error as Error).message, /CP-1.*2 commands waiting/);
      return true;
    });
    gates[0]!();
    assert.equal(await a, 'done');
    const c = cap.run(async () => 'c');
    assert.equal(await c, 'c');
    await assert.rejects(cap.run(() => Promise.reject(new Error('x'))), /x/);
    gates[1]!();
    assert.equal(await b, 'done');
    assert.equal(cap.size, 0);
  });
});

describe('basicPassword', () => {
  const header = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  test('the password of the charge point itself, with colons kept', () => {
    assert.equal(basicPassword(header('CP-1', 'pa:ss:word'), 'CP-1'), 'pa:ss:word');
    assert.equal(basicPassword(header('CP-2', 'password'), 'CP-1'), undefined);
    assert.equal(basicPassword('Bearer abc', 'CP-1'), undefined);
    assert.equal(basicPassword(undefined, 'CP-1'), undefined);
    assert.equal(basicPassword(`Basic ${'A'.repeat(2000)}`, 'CP-1'), undefined, 'oversized headers are not read');
    assert.equal(basicPassword(header('CP:1', 'pa:ss'), 'CP:1'), 'pa:ss', 'an id with a colon is the user, up to the password');
    assert.equal(basicPassword(header('CP', '1:pa:ss'), 'CP:1'), 'pa:ss', 'the bytes are the same: the known id decides where the user ends');
    assert.equal(basicPassword(header('CP:1', 'pa:ss'), 'CP'), '1:pa:ss');
    assert.equal(basicPassword(header('CP:12', 'pa:ss'), 'CP:1'), undefined);
  });
});

describe('configuration of the defences', () => {
  test('defaults', () => {
    const config = loadConfig({});
    assert.equal(config.tls, undefined);
    assert.equal(config.ocppTlsPort, 9443);
    assert.equal(config.authFailureLimit, 10);
    assert.equal(config.authFailureWindowS, 60);
    assert.equal(config.maxMessagesPerSecond, 100);
    assert.equal(config.messageBurst, 10_000);
    assert.equal(config.maxQueuedCommands, 10);
    assert.equal(config.maxCallsInFlight, 1_000);
    assert.equal(config.handshakeTimeoutMs, 10_000);
    assert.equal(config.requestTimeoutMs, 30_000);
    assert.deepEqual(config.soapEndpointNetworks, { allowed: [], denied: NODE_NETWORKS }, "a SOAP From may name any address but the node's own unless networks are set");
    assert.equal(config.httpMaxConnections, 1_000);
    assert.equal(config.httpMaxConnectionsPerAddress, 0, 'no cap by address: behind a balancer every client has its address');
    assert.equal(loadConfig({ TOMADA_HTTP_MAX_CONNECTIONS_PER_ADDRESS: '50' }).httpMaxConnectionsPerAddress, 50);
    assert.throws(() => loadConfig({ TOMADA_HTTP_MAX_CONNECTIONS: '0' }), /TOMADA_HTTP_MAX_CONNECTIONS/);
  });

  test("the networks a SOAP charge point's From may name: addresses and CIDR networks, anything else stops the start", () => {
    assert.deepEqual(loadConfig({ TOMADA_SOAP_ENDPOINT_NETWORKS: ' 10.64.0.0/12, 192.0.2.7 ,2001:db8::/32,' }).soapEndpointNetworks, { allowed: ['10.64.0.0/12', '192.0.2.7', '2001:db8::/32'], denied: [] });
    assert.deepEqual(loadConfig({ TOMADA_SOAP_ENDPOINT_NETWORKS: 'any' }).soapEndpointNetworks, { allowed: [], denied: [] }, 'any: the node itself too');
    assert.throws(() => loadConfig({ TOMADA_SOAP_ENDPOINT_NETWORKS: '10.0.0.0/8,chargers.example.net' }), /TOMADA_SOAP_ENDPOINT_NETWORKS .*"chargers\.example\.net"/);
    assert.throws(() => loadConfig({ TOMADA_SOAP_ENDPOINT_NETWORKS: '10.0.0.0/33' }), /TOMADA_SOAP_ENDPOINT_NETWORKS/);
  });

  test('TLS files come as a pair; a CA needs them', () => {
    assert.deepEqual(loadConfig({ TOMADA_TLS_CERT: 'c.pem', TOMADA_TLS_KEY: 'k.pem' }).tls, { certFile: 'c.pem', keyFile: 'k.pem', caFile: undefined });
    assert.throws(() => loadConfig({ TOMADA_TLS_CERT: 'c.pem' }), ConfigError);
    assert.throws(() => loadConfig({ TOMADA_TLS_KEY: 'k.pem' }), ConfigError);
    assert.throws(() => loadConfig({ TOMADA_TLS_CA: 'ca.pem' }), ConfigError);
    assert.throws(() => loadConfig({ TOMADA_AUTH_FAILURE_LIMIT: '0' }), /TOMADA_AUTH_FAILURE_LIMIT/);
    assert.throws(() => loadConfig({ TOMADA_MAX_CALLS_IN_FLIGHT: '0' }), /TOMADA_MAX_CALLS_IN_FLIGHT/);
    assert.equal(loadConfig({ TOMADA_MAX_CALLS_IN_FLIGHT: '250' }).maxCallsInFlight, 250);
    assert.throws(() => loadConfig({ TOMADA_HANDSHAKE_TIMEOUT_MS: '20000', TOMADA_REQUEST_TIMEOUT_MS: '10000' }), /TOMADA_REQUEST_TIMEOUT_MS/);
  });
});
