// Slow and silent clients on the OCPP listeners (small configured timeouts): a client that
// connects and sends nothing, a TLS handshake that never starts, headers that never end, a SOAP
// body that trickles: each is dropped, and the listener keeps serving others.
import assert from 'node:assert/strict';
import { connect as netConnect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { assertWorks, register, sleep, Sockets, startSecureTomada, type SecureTomada } from './helpers.js';
import { makePki, opensslSkip, type TestPki } from './pki.js';

const HANDSHAKE_MS = 300;
const REQUEST_MS = 800;

/** Resolves when the socket is closed by the server: the time it took and what it was sent. */
function closedBy(socket: Socket): Promise<{ ms: number; received: string }> {
  const started = Date.now();
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  return new Promise((resolve) => {
    socket.on('error', () => undefined);
    socket.once('close', () => resolve({ ms: Date.now() - started, received }));
  });
}

function opened(socket: Socket, event = 'connect'): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once(event, () => resolve());
    socket.once('error', reject);
  });
}

const skip = opensslSkip();

describe('slow and silent clients', { skip }, () => {
  let pki: TestPki;
  let t: SecureTomada;
  let sockets: Sockets;
  const raw: Socket[] = [];

  before(async () => {
    pki = makePki({ clients: [] });
    t = await startSecureTomada(pki, { handshakeTimeoutMs: HANDSHAKE_MS, requestTimeoutMs: REQUEST_MS });
    sockets = new Sockets();
    await register(t, 'CP-PATIENT', {});
    await register(t, 'CP-QUIET', {});
  });

  after(async () => {
    for (const s of raw) s.destroy();
    sockets?.closeAll();
    await t?.close();
    pki?.remove();
  });

  const track = <S extends Socket>(socket: S): S => (raw.push(socket), socket);

  test('a client that connects to the plain listener and sends nothing is dropped', async () => {
    const socket = track(netConnect(t.ocppPort, '127.0.0.1'));
    await opened(socket);
    const { ms } = await closedBy(socket);
    assert.ok(ms >= HANDSHAKE_MS - 50 && ms < HANDSHAKE_MS + 1_500, `dropped after ${ms} ms`);
  });

  test('a client that never starts its TLS handshake is dropped', async () => {
    const socket = track(netConnect(t.ocppTlsPort!, '127.0.0.1'));
    await opened(socket);
    const { ms } = await closedBy(socket);
    assert.ok(ms < HANDSHAKE_MS + 1_500, `dropped after ${ms} ms`);
  });

  test('a client that completes TLS and then sends nothing is dropped', async () => {
    const socket = track(tlsConnect({ host: '127.0.0.1', port: t.ocppTlsPort!, ca: pki.ca.cert }));
    await opened(socket, 'secureConnect');
    const { ms } = await closedBy(socket);
    assert.ok(ms < HANDSHAKE_MS + 1_500, `dropped after ${ms} ms`);
  });

  test('a handshake whose headers never end is dropped', async () => {
    const socket = track(netConnect(t.ocppPort, '127.0.0.1'));
    await opened(socket);
    const closed = closedBy(socket);
    socket.write('GET /ocpp/CP-PATIENT HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
    const { ms, received } = await closed;
    assert.ok(ms < HANDSHAKE_MS + 1_500, `dropped after ${ms} ms`);
    assert.doesNotMatch(received, /101/, 'never upgraded');
  });

  test('a SOAP body that trickles is cut off by the request timeout', async () => {
    const socket = track(netConnect(t.ocppPort, '127.0.0.1'));
    await opened(socket);
    const closed = closedBy(socket);
    socket.write('POST /ocpp/soap HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/soap+xml\r\nContent-Length: 5000\r\n\r\n<?xml');
    const trickle = setInterval(() => socket.writable && socket.write(' '), 100);
    try {
      const { ms, received } = await closed;
      assert.ok(ms >= REQUEST_MS - 100 && ms < REQUEST_MS + 2_000, `dropped after ${ms} ms`);
      assert.match(received, /^HTTP\/1\.1 408 /, 'told it took too long');
      assert.doesNotMatch(received, /\bat .*\(.*:\d+:\d+\)/, 'no stack trace');
    } finally {
      clearInterval(trickle);
    }
  });

  test('the listeners still serve well-behaved charge points, whose connections outlive these timeouts', async () => {
    const plain = await sockets.connect(t.wsUrl, 'CP-PATIENT');
    await assertWorks(plain);
    const secure = await sockets.connect(t.wssUrl, 'CP-QUIET', { ca: pki.ca.cert });
    await assertWorks(secure);
    // Quiet for longer than both timeouts: an open WebSocket is not a slow request.
    await sleep(REQUEST_MS + 1_200);
    await assertWorks(plain);
    await assertWorks(secure);
  });
});
