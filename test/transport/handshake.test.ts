// The WebSocket handshake over real sockets: subprotocol negotiation, paths, admission of unknown
// ids, HTTP Basic passwords, one live connection per charge point, and dead-peer detection.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { boot, TestClient } from '../support/ocpp-client.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import { assertAlive, Clients, eventually, refusedWith, sleep, startFastTomada } from './helpers.js';

const PASSWORD = 'correct-horse-battery-staple';

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Sends a hand-written upgrade request and returns the status line of the answer. */
function rawUpgrade(port: number, path: string, headers: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      answer += chunk;
      if (answer.includes('\r\n')) socket.destroy();
    });
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

/**
 * Sends a hand-written upgrade request, reads the refusal, and keeps its own side open (a client
 * that never closes), then writes a byte: a socket the node has let go of answers it with a reset.
 */
function holdRefused(port: number, path: string, headers: readonly string[]): Promise<{ statusLine: string; destroyedByNode: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (answer += chunk));
    let reset = false;
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') reset = true;
      else reject(error);
    });
    const statusLine = () => answer.split('\r\n')[0] ?? '';
    socket.on('end', () => {
      // The node's answer is complete. Wait for it to let go (it does once its answer is written),
      // then poke: a closed socket resets, a held one takes the byte in silence.
      setTimeout(() => {
        socket.write('x');
        setTimeout(() => {
          socket.write('x', () => undefined);
          setTimeout(() => {
            socket.destroy();
            resolve({ statusLine: statusLine(), destroyedByNode: reset });
          }, 300);
        }, 100);
      }, 200);
    });
  });
}

describe('handshake with the default policy (reject unknown charge points)', () => {
  let t: TestTomada;
  let clients: Clients;

  before(async () => {
    t = await startTestTomada({ callTimeoutMs: 10_000 });
    clients = new Clients(t);
    for (const id of ['CP-KNOWN', 'CP-REPLACED']) {
      assert.equal((await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: {} })).status, 201);
    }
    assert.equal((await t.api('/api/v1/charge-points/CP-PW', { method: 'PUT', body: { password: PASSWORD } })).status, 201);
  });

  after(async () => {
    clients.closeAll();
    await t.close();
  });

  test('ocpp1.6 offered alone is chosen', async () => {
    const client = await clients.connect('CP-KNOWN', { protocols: ['ocpp1.6'] });
    assert.equal(client.ws.protocol, 'ocpp1.6');
    await assertAlive(client);
    client.ws.terminate();
  });

  test('ocpp1.6 is chosen among versions offered in any order', async () => {
    const client = await clients.connect('CP-KNOWN', { protocols: ['ocpp2.0.1', 'ocpp1.6'] });
    assert.equal(client.ws.protocol, 'ocpp1.6');
    await assertAlive(client);
    client.ws.terminate();
  });

  test('no acceptable subprotocol, or none at all, is refused with 400', async () => {
    assert.equal(await refusedWith(clients.connect('CP-KNOWN', { protocols: ['ocpp2.0.1'] })), 400);
    assert.equal(await refusedWith(clients.connect('CP-KNOWN', { protocols: ['OCPP1.6', 'ocpp1.6x', 'ocpp2.0.1'] })), 400);
    assert.equal(await refusedWith(clients.connect('CP-KNOWN', { protocols: [] })), 400);
  });

  test('a path other than /ocpp/{id} is 404', async () => {
    const base = t.wsUrl.replace(/\/ocpp$/, '');
    for (const path of ['/other/CP-KNOWN', '/ocpp', '/ocpp/', '/ocpp/CP-KNOWN/extra', '/OCPP/CP-KNOWN', '/']) {
      assert.equal(await refusedWith(clients.rawUrl(`${base}${path}`)), 404, path);
    }
    // A plain HTTP request to the OCPP port is told to upgrade, and is not a crash.
    const plain = await fetch(`${base.replace(/^ws:/, 'http:')}/ocpp/CP-KNOWN`);
    assert.equal(plain.status, 426);
    await plain.text();
  });

  test('a refused handshake lets go of its socket even when the client keeps its side open', async () => {
    // A stranger that never closes: ended only, the node's side stayed open for good, and enough
    // of them used up its file descriptors.
    const upgrade = ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='];
    for (const [path, headers, status] of [
      ['/nowhere/CP-KNOWN', [...upgrade, 'Sec-WebSocket-Protocol: ocpp1.6'], 404],
      ['/ocpp/CP-KNOWN', upgrade, 400],
    ] as const) {
      const { statusLine, destroyedByNode } = await holdRefused(t.ocppPort, path, headers);
      assert.match(statusLine, new RegExp(`^HTTP/1\\.1 ${status} `), path);
      assert.ok(destroyedByNode, `${path}: the node still held the socket of a refused handshake`);
    }
  });

  test('an unknown charge point is refused with 404 and nothing is stored', async () => {
    assert.equal(await refusedWith(clients.connect('CP-STRANGER')), 404);
    assert.equal((await t.api('/api/v1/charge-points/CP-STRANGER')).status, 404);
    const ids = (await t.api('/api/v1/charge-points')).body.items.map((cp: { id: string }) => cp.id);
    assert.deepEqual(ids.sort(), ['CP-KNOWN', 'CP-PW', 'CP-REPLACED']);
  });

  test('a password-protected charge point must present its password with HTTP Basic', async () => {
    const url = `${t.wsUrl}/CP-PW`;
    assert.equal(await refusedWith(clients.rawUrl(url)), 401, 'no credentials');
    assert.equal(await refusedWith(clients.rawUrl(url, { headers: { authorization: basic('CP-PW', 'wrong-password-123456') } })), 401, 'wrong password');
    assert.equal(await refusedWith(clients.rawUrl(url, { headers: { authorization: basic('CP-OTHER', PASSWORD) } })), 401, 'right password, other user');
    assert.equal(await refusedWith(clients.rawUrl(url, { headers: { authorization: basic('CP-PW', `${PASSWORD}x`) } })), 401, 'password with a suffix');
    assert.equal(await refusedWith(clients.rawUrl(url, { headers: { authorization: `Bearer ${PASSWORD}` } })), 401, 'another scheme');
    await assert.rejects(clients.rawUrl(url), (error: { statusCode?: number; headers?: Record<string, string> }) => {
      assert.equal(error.statusCode, 401);
      assert.match(String(error.headers?.['www-authenticate']), /^Basic /, 'the 401 names Basic');
      return true;
    });
    const client = await clients.connect('CP-PW', { password: PASSWORD });
    assert.equal(client.ws.protocol, 'ocpp1.6');
    await boot(client);
    await assertAlive(client);
    assert.equal((await t.api('/api/v1/charge-points/CP-PW')).body.connected, true);
    client.ws.terminate();
  });

  test('a charge point whose id has a colon (an allowed character) is admitted with its password', async () => {
    // HTTP Basic joins user and password with a colon: the id is known, so it is the part before
    // the password. Read up to the first colon, the user was "MOBI" and every attempt a 401.
    const id = 'MOBI:E:0001';
    assert.equal((await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: { password: PASSWORD } })).status, 201);
    assert.equal(await refusedWith(clients.rawUrl(`${t.wsUrl}/${id}`, { headers: { authorization: basic(id, `${PASSWORD}x`) } })), 401, 'wrong password');
    const client = await clients.connect(id, { password: PASSWORD });
    await boot(client);
    await assertAlive(client);
    client.ws.terminate();
  });

  test('a second connection with the same id replaces the first; a command in flight on the first fails cleanly', async () => {
    const first = await clients.connect('CP-REPLACED');
    await boot(first);
    first.onCall = () => undefined; // never answers
    const started = Date.now();
    const inFlight = t.api('/api/v1/charge-points/CP-REPLACED/commands/reset', { body: { type: 'Soft' } });
    await first.waitFor((f) => f[0] === 2 && f[2] === 'Reset');

    const second = await clients.connect('CP-REPLACED');
    const closed = await first.closed;
    assert.ok(closed.code === 1000 || closed.code === 1001, `the first connection was closed, code ${closed.code}`);
    const answer = await inFlight;
    assert.ok(answer.status === 502 || answer.status === 409, `the command in flight failed cleanly: ${answer.status} ${JSON.stringify(answer.body)}`);
    assert.ok(Date.now() - started < 5_000, 'it failed at once, not after the call timeout');
    assert.equal(typeof answer.body.error, 'string');
    assert.equal(typeof answer.body.message, 'string');

    // The old connection's close must not unregister the new one.
    await sleep(50);
    assert.equal((await t.api('/api/v1/charge-points/CP-REPLACED')).body.connected, true);
    second.onCall = (action) => (action === 'Reset' ? { status: 'Rejected' } : undefined);
    const next = await t.api('/api/v1/charge-points/CP-REPLACED/commands/reset', { body: { type: 'Hard' } });
    assert.deepEqual(next, { status: 200, body: { status: 'Rejected' } });
    assert.deepEqual(second.received.filter((f) => f[0] === 2).map((f) => [f[2], f[3]]), [['Reset', { type: 'Hard' }]]);
    await assertAlive(second);
    assert.equal(first.ws.readyState, WebSocket.CLOSED);
  });
});

describe('handshake with the accept policy', () => {
  let t: TestTomada;
  let clients: Clients;

  before(async () => {
    t = await startTestTomada({ unknownChargePoints: 'accept' });
    clients = new Clients(t);
  });

  after(async () => {
    clients.closeAll();
    await t.close();
  });

  test('an unknown charge point is registered automatically', async () => {
    assert.equal((await t.api('/api/v1/charge-points/CP-NEW')).status, 404);
    const client = await clients.connect('CP-NEW');
    assert.equal((await boot(client)).status, 'Accepted');
    const stored = await t.api('/api/v1/charge-points/CP-NEW');
    assert.equal(stored.status, 200);
    assert.equal(stored.body.registrationStatus, 'Accepted');
    assert.equal(stored.body.connected, true);
    assert.equal(stored.body.ocppVersion, '1.6');
    assert.equal(stored.body.vendor, 'TestVendor');
  });

  test('an id with invalid characters is refused even so, and not stored', async () => {
    const refused = ['CP 1', 'CP/1', 'CP%1', 'CP<script>', 'C'.repeat(49), 'CP\u00e9', 'CP?x'];
    for (const id of refused) {
      const status = await refusedWith(clients.connect(id));
      assert.ok(status === 400 || status === 404, `${JSON.stringify(id)} refused with ${status}`);
    }
    const ids = (await t.api('/api/v1/charge-points')).body.items.map((cp: { id: string }) => cp.id);
    assert.deepEqual(ids, ['CP-NEW']);

    // A malformed handshake is refused before anyone is registered.
    const upgrade = ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13'];
    const key = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==';
    const malformed: [string, string[]][] = [
      ['CP-NO-KEY', [...upgrade, 'Sec-WebSocket-Protocol: ocpp1.6']],
      ['CP-BAD-KEY', [...upgrade, 'Sec-WebSocket-Key: short', 'Sec-WebSocket-Protocol: ocpp1.6']],
      ['CP-DUP-PROTOCOL', [...upgrade, key, 'Sec-WebSocket-Protocol: ocpp1.6, ocpp1.6']],
      ['CP-BAD-VERSION', ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 99', key, 'Sec-WebSocket-Protocol: ocpp1.6']],
    ];
    for (const [id, headers] of malformed) {
      assert.match(await rawUpgrade(t.ocppPort, `/ocpp/${id}`, headers), /^HTTP\/1\.1 400 /, id);
      assert.equal((await t.api(`/api/v1/charge-points/${id}`)).status, 404, `${id} was not registered`);
    }
    // The same request done right is accepted (the raw request itself is not the problem).
    assert.match(await rawUpgrade(t.ocppPort, '/ocpp/CP-RAW-OK', [...upgrade, key, 'Sec-WebSocket-Protocol: ocpp1.6']), /^HTTP\/1\.1 101 /);
    assert.equal((await t.api('/api/v1/charge-points/CP-RAW-OK')).status, 200);
    // Empty elements of the list are allowed (RFC 7230 §7): they were a 400.
    const emptyElements = await rawUpgrade(t.ocppPort, '/ocpp/CP-RAW-EMPTY', [...upgrade, key, 'Sec-WebSocket-Protocol: ocpp1.6,,ocpp1.5, ']);
    assert.match(emptyElements, /^HTTP\/1\.1 101 /);
    assert.equal((await t.api('/api/v1/charge-points/CP-RAW-EMPTY')).status, 200, 'admitted, and registered by the accept policy');

    // The longest valid id is fine.
    const longest = await clients.connect('C'.repeat(48));
    await assertAlive(longest);
  });
});

describe('dead-peer detection', () => {
  let t: TestTomada;
  let clients: Clients;

  before(async () => {
    t = await startFastTomada({ unknownChargePoints: 'accept', pingIntervalMs: 200 });
    clients = new Clients(t);
  });

  after(async () => {
    clients.closeAll();
    await t.close();
  });

  test('a charge point that stops answering pings is dropped within a few intervals', async () => {
    const healthy = await clients.connect('CP-HEALTHY');
    const silent = await clients.raw('CP-SILENT', { autoPong: false });
    const closed = new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
    let pings = 0;
    silent.on('ping', () => pings++);
    assert.equal((await t.api('/api/v1/charge-points/CP-SILENT')).body.connected, true);
    const started = Date.now();
    const code = await closed;
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 1_500, `dropped after ${elapsed} ms`);
    assert.ok(pings >= 1, 'it was pinged first');
    assert.equal(code, 1006, 'terminated, not closed politely');
    await eventually('CP-SILENT shown disconnected', async () => (await t.api('/api/v1/charge-points/CP-SILENT')).body.connected === false);
    const command = await t.api('/api/v1/charge-points/CP-SILENT/commands/reset', { body: { type: 'Soft' } });
    assert.equal(command.status, 409, 'a command to the dropped charge point is NotConnected');
    // A charge point that answers pings stays.
    await sleep(600);
    await assertAlive(healthy, 'the healthy charge point');
    assert.equal((await t.api('/api/v1/charge-points/CP-HEALTHY')).body.connected, true);
  });

  test('a charge point on a slow link is not dropped while a frame that takes several pings to arrive is coming in', async () => {
    // Its pong waits behind the frame's bytes in the same TCP stream: bytes arriving prove the peer
    // is there as a pong would (until 2026-12-07 a long StopTransaction at 2G speeds was cut at every
    // resend, and the session never ended).
    const proxy = await TcpProxy.start({ host: '127.0.0.1', port: t.ocppPort });
    try {
      const slow = await TestClient.connect(`ws://127.0.0.1:${proxy.port}/ocpp`, 'CP-SLOW-LINK');
      await boot(slow);
      proxy.throttle(20_000);
      // About 60 KB: three seconds on the wire, fifteen ping intervals.
      const sampledValue = Array.from({ length: 1_000 }, (_, i) => ({ value: String(i), measurand: 'Voltage', unit: 'V', context: 'Sample.Periodic' }));
      const started = Date.now();
      const answer = await slow.call('MeterValues', { connectorId: 1, meterValue: [{ timestamp: new Date().toISOString(), sampledValue }] });
      assert.equal(answer[0], 3, `answered ${JSON.stringify(answer).slice(0, 200)}`);
      assert.ok(Date.now() - started > 1_000, 'the frame took several ping intervals to arrive');
      assert.equal(slow.ws.readyState, WebSocket.OPEN);
      await slow.close();
    } finally {
      await proxy.close();
    }
  });

  test('a charge point working through a big backlog is not mistaken for a dead one', async () => {
    // While the server stops reading to work through a backlog, the pong to its ping waits in the
    // socket behind the queued frames: that silence is the server's own doing.
    const busy = await clients.connect('CP-BUSY');
    await boot(busy);
    const total = 2_000;
    let answered = 0;
    busy.ws.on('message', () => answered++);
    for (let i = 0; i < total; i++) busy.ws.send(JSON.stringify([2, `hb${i}`, 'Heartbeat', {}]));
    // Generous: each answer waits for its commits, and on PostgreSQL a commit is a network round
    // trip; what is checked is that the connection survives, not how fast the backlog drains.
    await eventually('all answers (or a close)', () => answered >= total || busy.ws.readyState !== WebSocket.OPEN, 120_000);
    assert.equal(busy.ws.readyState, WebSocket.OPEN, `the connection was dropped after ${answered} of ${total} answers`);
    assert.equal(answered, total);
    await assertAlive(busy);
  });

  test('a replaced or dropped connection can come back', async () => {
    const silent = await clients.raw('CP-BACK', { autoPong: false });
    await new Promise((resolve) => silent.once('close', resolve));
    const back = await TestClient.connect(t.wsUrl, 'CP-BACK');
    try {
      await assertAlive(back);
      await sleep(500);
      await assertAlive(back, 'the returning charge point after several ping intervals');
    } finally {
      back.ws.terminate();
    }
  });
});

describe('shutdown', () => {
  test('a charge point that never answers the close handshake does not hold the shutdown up', async () => {
    const t = await startTestTomada({ unknownChargePoints: 'accept' });
    const clients = new Clients(t);
    let stopped = false;
    try {
      const polite = await clients.connect('CP-POLITE');
      const frozen = await clients.connect('CP-FROZEN');
      await boot(polite);
      await boot(frozen);
      // The frozen charge point's socket is no longer read: it will never answer a close frame.
      (frozen.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const started = Date.now();
      await t.close();
      stopped = true;
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 5_000, `shutdown took ${elapsed} ms`);
      assert.equal((await polite.closed).code, 1001, 'the polite charge point was told why');
    } finally {
      clients.closeAll();
      if (!stopped) await t.close();
    }
  });
});
