// A fleet of simulated charge points and the `tomada sim` command, against a fake central system.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { simCommand, type SimIo } from '../../src/sim/cli.js';
import { chargePointId, defaultIdTags, fleetMembers, runFleet } from '../../src/sim/fleet.js';
import { waitFor } from './fake-central-system.js';
import { fakeCentralSystem, soapCentralSystem } from './harness.js';
import { makePki, opensslSkip } from '../security/pki.js';

test('chargePointId pads the number to four digits', () => {
  assert.equal(chargePointId('SIM-', 1), 'SIM-0001');
  assert.equal(chargePointId('X', 12345), 'X12345');
});

test('default id tags come from the charge point id, so fleets with different prefixes share none', () => {
  assert.deepEqual(defaultIdTags('SIM-0001', 2), ['SIM0001T1', 'SIM0001T2', 'SIM0001T3']);
  const north = fleetMembers({ count: 50, prefix: 'NORTH-', connectors: 2 }).flatMap((m) => m.idTags);
  const south = fleetMembers({ count: 50, prefix: 'south_', connectors: 2 }).flatMap((m) => m.idTags);
  assert.equal(new Set([...north, ...south]).size, 300);
  assert.equal(south[0], 'SOUTH0001T1');
  // An id whose letters and digits leave no room for the suffix within OCPP's 20 characters.
  const long = defaultIdTags('OPERATOR-PORTO-00001', 9);
  assert.equal(long.length, 10);
  assert.ok(long.every((tag) => tag.length <= 20 && /^SIM[0-9A-F]{10}T\d+$/.test(tag)), long.join());
  assert.notDeepEqual(defaultIdTags('OPERATOR-PORTO-00002', 9), long);
});

test('runFleet runs every session on every charge point and sums what it measured', async (t) => {
  const fake = await fakeCentralSystem(t);
  const fleet = runFleet({
    baseUrl: fake.baseUrl,
    count: 3,
    connectors: 2,
    sessionsPerChargePoint: 3,
    sessionMs: 120,
    pauseMs: 20,
    staggerMs: 10,
    chargePoint: { meter: { powerW: 3_600_000, sampleIntervalMs: 30 }, callTimeoutMs: 2_000, reconnectDelayMs: 100 },
  });
  t.after(() => fleet.stop());
  const summary = await fleet.summary;

  assert.equal(summary.complete, true, summary.failures.join('; '));
  assert.equal(summary.chargePoints, 3);
  assert.equal(summary.sessions.length, 9);
  assert.deepEqual([...new Set(summary.sessions.map((s) => s.chargePointId))].sort(), ['SIM-0001', 'SIM-0002', 'SIM-0003']);
  // Three sessions on two connectors: two on connector 1, one on connector 2.
  const onConnector1 = summary.sessions.filter((s) => s.chargePointId === 'SIM-0001' && s.connectorId === 1);
  assert.equal(onConnector1.length, 2);
  // Each charge point uses its own tags, so no tag is presented on two charge points.
  assert.ok(summary.sessions.every((s) => s.idTag.startsWith(`SIM000${s.chargePointId.slice(-1)}T`)));
  assert.equal(summary.totalDeliveredWh, summary.sessions.reduce((sum, s) => sum + (s.deliveredWh ?? 0), 0));
  assert.ok(summary.totalDeliveredWh > 0);

  // The central system heard exactly what the fleet measured.
  const stops = fake.callsOf('StopTransaction');
  assert.equal(stops.length, 9);
  for (const session of summary.sessions) {
    const stop = stops.find((c) => c.payload['transactionId'] === session.transactionId);
    assert.equal(stop?.payload['meterStop'], session.meterStopWh);
    assert.equal(stop?.chargePointId, session.chargePointId);
  }
  assert.deepEqual(fake.schemaViolations, []);
});

test('a forever fleet charges until stop(), and stop() ends every session cleanly', async (t) => {
  const fake = await fakeCentralSystem(t);
  const fleet = runFleet({
    baseUrl: fake.baseUrl,
    count: 2,
    connectors: 1,
    sessionMs: 60,
    pauseMs: 10,
    staggerMs: 0,
    forever: true,
    chargePoint: { meter: { sampleIntervalMs: 20 } },
  });
  t.after(() => fleet.stop());
  await waitFor('several sessions', () => fake.callsOf('StopTransaction').length >= 4);
  const summary = await fleet.stop();
  assert.equal(summary.complete, true, summary.failures.join('; '));
  assert.ok(summary.sessions.length >= 4);
  assert.ok(summary.sessions.every((s) => s.stopReason === 'EVDisconnected' && s.transactionId !== undefined));
  assert.equal(fake.callsOf('StopTransaction').length, summary.sessions.length);
});

test('stop() of a fleet whose central system never accepts the boot reports the failure', async (t) => {
  const fake = await fakeCentralSystem(t, { bootStatus: () => 'Pending', interval: 0 });
  const fleet = runFleet({ baseUrl: fake.baseUrl, count: 1, sessionMs: 10, chargePoint: { minIntervalMs: 20 } });
  t.after(() => fleet.stop());
  await waitFor('a few boots', () => fake.callsOf('BootNotification').length >= 2);
  const summary = await fleet.stop();
  assert.equal(summary.complete, false);
  assert.deepEqual(summary.sessions, []);
  assert.match(summary.failures[0] ?? '', /SIM-0001: stopped before its boot was accepted/);
});

function capture(): SimIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (text: string) => {
      io.stdout += text;
    },
    err: (text: string) => {
      io.stderr += text;
    },
  };
  return io;
}

test('tomada sim runs the fleet and prints the summary JSON, exit code 0', async (t) => {
  const fake = await fakeCentralSystem(t);
  const io = capture();
  const code = await simCommand(
    [
      '--url', fake.baseUrl,
      '--count', '2',
      '--prefix', 'CLI-',
      '--connectors', '1',
      '--sessions', '2',
      '--session-seconds', '0.15',
      '--sample-seconds', '0.05',
      '--power-w', '72000',
      '--unit', 'kWh',
      '--energy', 'interval',
      '--password', 'pw',
      '--id-tag', 'AAA,BBB',
    ],
    io,
  );
  assert.equal(code, 0, io.stderr);
  const summary = JSON.parse(io.stdout) as { sessions: Array<{ chargePointId: string; idTag: string; deliveredWh: number }>; totalDeliveredWh: number };
  assert.equal(summary.sessions.length, 4);
  assert.deepEqual([...new Set(summary.sessions.map((s) => s.chargePointId))].sort(), ['CLI-0001', 'CLI-0002']);
  assert.deepEqual([...new Set(summary.sessions.map((s) => s.idTag))].sort(), ['AAA', 'BBB']);
  assert.equal(summary.totalDeliveredWh, summary.sessions.reduce((sum, s) => sum + s.deliveredWh, 0));
  assert.match(io.stderr, /CLI-0001 boot accepted/);
  assert.ok(fake.handshakes.every((h) => h.authorization === `Basic ${Buffer.from(`${h.chargePointId}:pw`).toString('base64')}`));
  const energy = fake.callsOf('MeterValues').map((c) => (c.payload['meterValue'] as Array<{ sampledValue: Array<{ measurand: string; unit: string }> }>)[0]?.sampledValue[0]);
  assert.ok(energy.every((v) => v?.measurand === 'Energy.Active.Import.Interval' && v.unit === 'kWh'));
  assert.deepEqual(fake.schemaViolations, []);
});

test('tomada sim exits 1 when a session could not run (id tag refused)', async (t) => {
  const fake = await fakeCentralSystem(t, { authorizeStatus: () => 'Blocked' });
  const io = capture();
  const code = await simCommand(['--url', fake.baseUrl, '--connectors', '1', '--session-seconds', '0.05'], io);
  assert.equal(code, 1);
  const summary = JSON.parse(io.stdout) as { sessions: unknown[]; failures: string[]; complete: boolean };
  assert.deepEqual(summary.sessions, []);
  assert.equal(summary.complete, false);
  assert.match(summary.failures[0] ?? '', /not authorized: Blocked/);
});

test('tomada sim refuses invalid options with the usage and exit code 2', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--protocol', 'ocpp2'], /--protocol must be one of ocpp1\.6-json, ocpp1\.5-json, ocpp1\.5-soap, got "ocpp2"/],
    [['--protocol', 'ocpp1.5-soap', '--url', 'ws://127.0.0.1:9000/ocpp'], /--url must be the central system's http:\/\/ or https:\/\/ SOAP endpoint for ocpp1\.5-soap/],
    [['--protocol', 'ocpp1.5-json', '--url', 'http://127.0.0.1:9000/ocpp/soap'], /--url must be a ws:\/\/ or wss:\/\/ URL for ocpp1\.5-json/],
    [['--listen-port', '9100'], /--listen-host and --listen-port apply to --protocol ocpp1\.5-soap only/],
    [['--protocol', 'ocpp1.5-soap', '--listen-port', '70000'], /--listen-port must be a port number \(0 to 65535\)/],
    [['--protocol', 'ocpp1.5-soap', '--listen-port', '65535', '--count', '2'], /--listen-port 65535 leaves no room for 2 charge points/],
    [['--protocol', 'ocpp1.5-soap', '--listen-host', ''], /--listen-host must not be empty/],
    [['--count', '0'], /--count must be a positive integer/],
    [['--count', '2.5'], /--count must be a positive integer/],
    [['--unit', 'MWh'], /--unit must be one of Wh, kWh/],
    [['--energy', 'total'], /--energy must be one of register, interval/],
    [['--session-seconds', 'ten'], /--session-seconds must be a positive number/],
    [['--url', 'http://x'], /--url must be a ws:\/\/ or wss:\/\/ URL for ocpp1\.6-json/],
    [['--id-tag', 'TOO-LONG-FOR-AN-ID-TAG-X'], /--id-tag values must be 1 to 20 characters/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['positional'], /positional/],
  ];
  for (const [argv, message] of cases) {
    const io = capture();
    assert.equal(await simCommand(argv, io), 2, argv.join(' '));
    assert.match(io.stderr, message);
    assert.match(io.stderr, /Usage: tomada sim/);
    assert.equal(io.stdout, '');
  }
});

test('tomada sim says what to set when the operator API cannot register its charge points', async (t) => {
  // A port just freed: nothing listens there (the README's quick start with its ports moved).
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const freePort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const unreachable = capture();
  assert.equal(await simCommand(['--api-token', 'some-token', '--api-url', `http://127.0.0.1:${freePort}`], unreachable), 1);
  assert.match(unreachable.stderr, new RegExp(`cannot reach the operator API at http://127\\.0\\.0\\.1:${freePort} \\(ECONNREFUSED\\): is Tomada running there\\? Set --api-url or TOMADA_API_URL`));

  const refusing = createServer((_request, response) => response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Unauthorized"}'));
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  t.after(() => refusing.close());
  const denied = capture();
  assert.equal(await simCommand(['--api-token', 'wrong-token', '--api-url', `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`], denied), 1);
  assert.match(denied.stderr, /answered 401: \{"error":"Unauthorized"\} \(check --api-token or TOMADA_API_TOKEN\)/);
});

test('tomada sim takes the operator address as the operator commands do, with /api/v1 or without', async (t) => {
  const paths: string[] = [];
  const api = createServer((request, response) => {
    paths.push(request.url ?? '');
    response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Unauthorized"}');
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  t.after(() => api.close());
  const base = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  for (const url of [base, `${base}/`, `${base}/api/v1`, `${base}/api/v1/`]) {
    paths.length = 0;
    assert.equal(await simCommand(['--api-token', 'some-token', '--api-url', url, '--count', '1'], capture()), 1, url);
    // Until 2026-12-07 `/api/v1` was kept and every path doubled: /api/v1/api/v1/charge-points/…, a 404.
    assert.ok(paths.length > 0 && paths.every((path) => path.startsWith('/api/v1/charge-points/')), `${url}: ${paths.join(', ')}`);
  }
});

test('a refused handshake is logged with what it means: an unknown id (404), a wrong password (401)', async (t) => {
  const statuses: Record<string, string> = { '/ocpp/UNKNOWN-0001': '404 Not Found', '/ocpp/LOCKED-0001': '401 Unauthorized' };
  const server = createServer();
  server.on('upgrade', (request, socket) => socket.end(`HTTP/1.1 ${statuses[request.url ?? ''] ?? '500 Internal Server Error'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const firstWarning = async (prefix: string): Promise<string> => {
    const warnings: string[] = [];
    const fleet = runFleet({ baseUrl: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ocpp`, count: 1, prefix, sessionMs: 10, logger: (entry) => entry.level === 'warn' && warnings.push(entry.message) });
    t.after(() => fleet.stop());
    await waitFor(`a refusal of ${prefix}0001`, () => warnings.length > 0);
    await fleet.stop();
    return warnings[0]!;
  };
  assert.match(await firstWarning('UNKNOWN-'), /Unexpected server response: 404 \(.*a charge point id the central system does not know: register it/);
  assert.match(await firstWarning('LOCKED-'), /Unexpected server response: 401 \(the charge point's password is missing or wrong: --password\)/);
});

test('a central system whose certificate this machine does not trust is logged with how to trust it', { skip: opensslSkip() }, async (t) => {
  const pki = makePki({ clients: [] });
  t.after(() => pki.remove());
  const server = createHttpsServer({ cert: pki.server.cert, key: pki.server.key });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const hint = " \\(the central system's certificate is not signed by a CA this machine trusts: name its CA with NODE_EXTRA_CA_CERTS=FILE\\)";
  for (const [protocol, baseUrl, said] of [
    ['ocpp1.6-json', `wss://127.0.0.1:${port}/ocpp`, new RegExp(`^connection error: .+${hint}$`)],
    ['ocpp1.5-soap', `https://127.0.0.1:${port}/ocpp/soap`, new RegExp(`^central system unreachable at https://\\S+ \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\\)${hint}; reconnecting`)],
  ] as const) {
    const lines: string[] = [];
    const fleet = runFleet({ baseUrl, protocol, count: 1, sessionMs: 10, logger: (entry) => lines.push(entry.message) });
    t.after(() => fleet.stop());
    await waitFor(`the TLS refusal over ${protocol}`, () => lines.some((line) => said.test(line)));
    await fleet.stop();
  }
});

test('tomada sim --help prints the usage, exit code 0', async () => {
  const short = capture();
  assert.equal(await simCommand(['-h'], short), 0, short.stderr);
  assert.match(short.stdout, /^Usage: tomada sim/);
  const io = capture();
  assert.equal(await simCommand(['--help'], io), 0);
  assert.match(io.stdout, /--session-seconds/);
  assert.match(io.stdout, /--protocol NAME +ocpp1\.6-json \(default\), ocpp1\.5-json/);
  assert.match(io.stdout, /ocpp1\.5-soap: the central system's SOAP endpoint/);
  assert.match(io.stdout, /--listen-port PORT/);
});

test('tomada sim --protocol ocpp1.5-json runs the fleet in OCPP 1.5 over JSON', async (t) => {
  const fake = await fakeCentralSystem(t, { version: '1.5' });
  const io = capture();
  const code = await simCommand(
    ['--protocol', 'ocpp1.5-json', '--url', fake.baseUrl, '--count', '2', '--connectors', '1', '--session-seconds', '0.15', '--sample-seconds', '0.05'],
    io,
  );
  assert.equal(code, 0, io.stderr);
  const summary = JSON.parse(io.stdout) as { sessions: Array<{ transactionId: number; meterStopWh: number }> };
  assert.equal(summary.sessions.length, 2);
  assert.deepEqual(fake.handshakes.map((h) => h.protocol), ['ocpp1.5', 'ocpp1.5']);
  for (const session of summary.sessions) {
    const stop = fake.callsOf('StopTransaction').find((c) => c.payload['transactionId'] === session.transactionId);
    assert.equal(stop?.payload['meterStop'], session.meterStopWh);
  }
  assert.ok(fake.callsOf('MeterValues').every((c) => Array.isArray(c.payload['values'])));
  assert.deepEqual(fake.schemaViolations, []);
});

test('tomada sim --protocol ocpp1.5-soap runs the fleet over SOAP, command endpoints on consecutive ports', async (t) => {
  const fake = await soapCentralSystem(t);
  // A free port for the first endpoint (the next one is the port after it).
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const io = capture();
  const code = await simCommand(
    [
      '--protocol', 'ocpp1.5-soap',
      '--url', fake.baseUrl,
      '--listen-port', String(port),
      '--count', '2',
      '--connectors', '1',
      '--session-seconds', '0.15',
      '--sample-seconds', '0.05',
    ],
    io,
  );
  assert.equal(code, 0, io.stderr);
  const summary = JSON.parse(io.stdout) as { sessions: Array<{ chargePointId: string; transactionId: number; meterStopWh: number }>; complete: boolean };
  assert.equal(summary.complete, true);
  assert.equal(summary.sessions.length, 2);
  assert.deepEqual(Object.fromEntries(fake.endpoints), {
    'SIM-0001': `http://127.0.0.1:${port}/SIM-0001`,
    'SIM-0002': `http://127.0.0.1:${port + 1}/SIM-0002`,
  });
  assert.match(io.stderr, new RegExp(`SIM-0001 SOAP ChargePointService listening at http://127\\.0\\.0\\.1:${port}/SIM-0001`));
  for (const session of summary.sessions) {
    const stop = fake.callsOf('StopTransaction', session.chargePointId).find((c) => c.payload['transactionId'] === session.transactionId);
    assert.equal(stop?.payload['meterStop'], session.meterStopWh);
  }
  assert.deepEqual(fake.headerViolations, []);
  assert.deepEqual(fake.schemaViolations, []);
});

test('runFleet takes a protocol: a SOAP fleet against the SOAP fake', async (t) => {
  const fake = await soapCentralSystem(t);
  const fleet = runFleet({
    baseUrl: fake.baseUrl,
    protocol: 'ocpp1.5-soap',
    count: 3,
    connectors: 2,
    sessionsPerChargePoint: 2,
    sessionMs: 100,
    staggerMs: 5,
    chargePoint: { meter: { powerW: 3_600_000, sampleIntervalMs: 25 }, callTimeoutMs: 2_000 },
  });
  t.after(() => fleet.stop());
  const summary = await fleet.summary;
  assert.equal(summary.complete, true, summary.failures.join('; '));
  assert.equal(summary.sessions.length, 6);
  assert.equal(fake.callsOf('StopTransaction').length, 6);
  assert.equal(new Set(fake.endpoints.values()).size, 3, 'each charge point its own endpoint');
  assert.deepEqual(fake.headerViolations, []);
  assert.deepEqual(fake.schemaViolations, []);
});
