// Limits over real sockets: failed attempts per source address (429), the per-charge-point source
// allow list, the cap on queued commands, the inbound message rate, and the operator API's
// connections.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import { after, before, describe, test } from 'node:test';
import { TestClient } from '../support/ocpp-client.js';
import {
  assertWorks,
  call,
  faultSubcode,
  PASSWORD,
  postSoap,
  refusal,
  register,
  sleep,
  Sockets,
  soapBoot,
  soapMessage,
  startSecureTomada,
  type SecureTomada,
} from './helpers.js';

describe('failed attempts per source address', () => {
  let t: SecureTomada;
  let sockets: Sockets;
  const LIMIT = 3;

  before(async () => {
    t = await startSecureTomada(undefined, { authFailureLimit: LIMIT, authFailureWindowS: 2 });
    sockets = new Sockets();
    await register(t, 'CP-L1', { securityProfile: 1, password: PASSWORD });
    await register(t, 'CP-L-SOAP', { securityProfile: 1, password: PASSWORD });
  });

  after(async () => {
    sockets?.closeAll();
    await t?.close();
  });

  test(`after ${LIMIT} failures an address gets 429, even with the right password; another address still gets in; the block ends with the window`, async () => {
    const attacker = { localAddress: '127.0.0.3' };
    for (let i = 0; i < LIMIT; i++) {
      assert.equal((await refusal(sockets.connect(t.wsUrl, 'CP-L1', { ...attacker, password: `wrong-password-number-${i}` }))).statusCode, 401, `attempt ${i + 1}`);
    }
    const started = Date.now();
    const blocked = await refusal(sockets.connect(t.wsUrl, 'CP-L1', { ...attacker, password: PASSWORD }));
    assert.equal(blocked.statusCode, 429, `attempt ${LIMIT + 1}`);
    const retryAfter = Number(blocked.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 2, `Retry-After: ${blocked.headers['retry-after']}`);
    // Refused without checking the password (no scrypt work): as fast as a map lookup allows.
    assert.ok(Date.now() - started < 500);

    // SOAP from the same address: 429 too, with a SOAP fault.
    const soap = await postSoap(t.soapUrl, soapBoot('CP-L-SOAP'), { ...attacker, id: 'CP-L-SOAP', password: PASSWORD });
    assert.equal(soap.status, 429);
    assert.match(String(soap.headers['content-type']), /^application\/soap\+xml/);
    assert.equal(faultSubcode(soap.text), 'SecurityError');

    // Another address with the right password: connected.
    await assertWorks(await sockets.connect(t.wsUrl, 'CP-L1', { localAddress: '127.0.0.1', password: PASSWORD }));
    assert.equal((await postSoap(t.soapUrl, soapBoot('CP-L-SOAP'), { localAddress: '127.0.0.4', id: 'CP-L-SOAP', password: PASSWORD })).status, 200);

    // Once the failures leave the window, the address may try again.
    await sleep(2_100);
    await assertWorks(await sockets.connect(t.wsUrl, 'CP-L1', { ...attacker, password: PASSWORD }));
  });

  test('unknown ids and refused SOAP messages count as failures; protocol mistakes do not', async () => {
    const prober = { localAddress: '127.0.0.5' };
    // A subprotocol nobody speaks is not a credential guess: not counted.
    for (let i = 0; i < LIMIT + 2; i++) {
      assert.equal((await refusal(sockets.connect(t.wsUrl, 'CP-L1', { ...prober, password: PASSWORD }, ['ocpp9.9']))).statusCode, 400);
    }
    assert.equal((await refusal(sockets.connect(t.wsUrl, 'CP-UNKNOWN-1', prober))).statusCode, 404);
    const soap = await postSoap(t.soapUrl, soapBoot('CP-UNKNOWN-2'), prober);
    assert.equal(faultSubcode(soap.text), 'SecurityError');
    assert.equal((await postSoap(t.soapUrl, soapBoot('CP-L-SOAP'), { ...prober, id: 'CP-L-SOAP', password: 'wrong-password-0123456789' })).status, 400);
    assert.equal((await refusal(sockets.connect(t.wsUrl, 'CP-L1', { ...prober, password: PASSWORD }))).statusCode, 429);
  });
});

describe('source address allow list', () => {
  let t: SecureTomada;
  let sockets: Sockets;

  before(async () => {
    t = await startSecureTomada(undefined, { authFailureLimit: 1_000 });
    sockets = new Sockets();
    await register(t, 'CP-SRC-SOAP', { allowedSources: ['127.0.0.2', '10.0.0.0/8'] });
    await register(t, 'CP-SRC-WS', { allowedSources: ['2001:db8::/32', '127.0.0.2/32'] });
    await register(t, 'CP-SRC-TYPO', { allowedSources: ['127.0.0.300'] });
  });

  after(async () => {
    sockets?.closeAll();
    await t?.close();
  });

  test('a SOAP message from a source not in allowedSources gets a SecurityError fault and stores nothing', async () => {
    const refused = await postSoap(t.soapUrl, soapBoot('CP-SRC-SOAP'), { localAddress: '127.0.0.1' });
    assert.equal(refused.status, 400);
    assert.equal(faultSubcode(refused.text), 'SecurityError');
    assert.match(refused.text, /address/);
    assert.equal((await t.api('/api/v1/charge-points/CP-SRC-SOAP')).body.lastBootAt, null, 'nothing stored');
    const allowed = await postSoap(t.soapUrl, soapBoot('CP-SRC-SOAP'), { localAddress: '127.0.0.2' });
    assert.equal(allowed.status, 200, allowed.text);
    assert.notEqual((await t.api('/api/v1/charge-points/CP-SRC-SOAP')).body.lastBootAt, null);
  });

  test('the same list applies to WebSocket handshakes: 403 from elsewhere', async () => {
    assert.equal((await refusal(sockets.connect(t.wsUrl, 'CP-SRC-WS', { localAddress: '127.0.0.1' }))).statusCode, 403);
    await assertWorks(await sockets.connect(t.wsUrl, 'CP-SRC-WS', { localAddress: '127.0.0.2' }));
  });

  test('an entry that is not an address allows nothing (fails closed)', async () => {
    assert.equal((await refusal(sockets.connect(t.wsUrl, 'CP-SRC-TYPO', { localAddress: '127.0.0.1' }))).statusCode, 403);
  });
});

describe('cap on queued commands', () => {
  let t: SecureTomada;
  let endpoint: Server;
  let endpointUrl: string;
  const held: { end(): void }[] = [];

  before(async () => {
    t = await startSecureTomada(undefined, { unknownChargePoints: 'accept', maxQueuedCommands: 2, callTimeoutMs: 1_500 });
    // A SOAP charge point endpoint that never answers.
    endpoint = createServer((_req, res) => held.push(res));
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    const address = endpoint.address();
    endpointUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/cp`;
  });

  after(async () => {
    for (const res of held) res.end();
    endpoint?.closeAllConnections();
    await new Promise((resolve) => endpoint?.close(resolve));
    await t?.close();
  });

  test('OCPP-J: beyond the cap a command fails at once with 502; the waiting ones go on', async () => {
    const cp = await TestClient.connect(t.wsUrl, 'CP-CMD');
    try {
      cp.onCall = () => undefined; // never answers
      const reset = () => t.api('/api/v1/charge-points/CP-CMD/commands/reset', { body: { type: 'Soft' } });
      const first = reset();
      const second = reset();
      await cp.waitFor((f) => f[0] === 2 && f[2] === 'Reset');
      // The first is in flight; the second, which sends nothing while it waits, may still be on its
      // way through the API (its store reads): give it time to be counted, well inside the 1.5 s
      // the first one waits for its answer.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const started = Date.now();
      const third = await reset();
      assert.equal(third.status, 502, JSON.stringify(third.body));
      assert.equal(third.body.error, 'CommandFailed');
      assert.match(third.body.message, /2 commands waiting/);
      assert.ok(Date.now() - started < 1_000, 'refused at once, not after a timeout');
      // The two waiting commands were not disturbed: they time out as usual.
      assert.equal((await first).status, 504);
      assert.equal((await second).status, 504);
      // Room again.
      cp.onCall = (action) => (action === 'Reset' ? { status: 'Accepted' } : undefined);
      assert.deepEqual(await reset(), { status: 200, body: { status: 'Accepted' } });
    } finally {
      cp.ws.terminate();
    }
  });

  test('SOAP: the same cap on commands posted to a charge point endpoint', async () => {
    assert.equal((await postSoap(t.soapUrl, soapBoot('CP-SOAP-CMD', endpointUrl))).status, 200);
    const reset = () => t.api('/api/v1/charge-points/CP-SOAP-CMD/commands/reset', { body: { type: 'Soft' } });
    const first = reset();
    const second = reset();
    await sleep(100);
    const third = await reset();
    assert.equal(third.status, 502, JSON.stringify(third.body));
    assert.match(third.body.message, /commands waiting/);
    assert.equal((await first).status, 504);
    assert.equal((await second).status, 504);
  });
});

describe('inbound message rate', () => {
  let t: SecureTomada;
  let sockets: Sockets;
  const RATE = 50;
  const BURST = 10;

  before(async () => {
    t = await startSecureTomada(undefined, { unknownChargePoints: 'accept', maxMessagesPerSecond: RATE, messageBurst: BURST });
    sockets = new Sockets();
  });

  after(async () => {
    sockets?.closeAll();
    await t?.close();
  });

  test('a burst above the rate is answered in full, once each and in order, only more slowly; others are not slowed', async () => {
    const flood = await sockets.connect(t.wsUrl, 'CP-FLOOD');
    const bystander = await sockets.connect(t.wsUrl, 'CP-CALM');
    await assertWorks(flood);
    await sleep(BURST * (1000 / RATE)); // the bucket is full again
    const total = 70;
    const answers: string[] = [];
    const done = new Promise<void>((resolve) =>
      flood.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as unknown[];
        if (typeof frame[1] === 'string' && frame[1].startsWith('f')) answers.push(`${frame[0]}:${frame[1]}`);
        if (answers.length >= total) resolve();
      }),
    );
    const started = Date.now();
    for (let i = 0; i < total; i++) flood.send(JSON.stringify([2, `f${i}`, 'Heartbeat', {}]));
    // Meanwhile another charge point is answered promptly.
    const calmStarted = Date.now();
    assert.equal((await call(bystander, 'Heartbeat', {}))[0], 3);
    assert.ok(Date.now() - calmStarted < 500, 'the bystander was not slowed');
    await done;
    const elapsed = Date.now() - started;
    const expected = ((total - BURST) / RATE) * 1000;
    assert.ok(elapsed >= expected * 0.75, `the burst was slowed: ${elapsed} ms, expected about ${expected} ms`);
    assert.ok(elapsed < expected * 3 + 1_000, `but not stalled: ${elapsed} ms`);
    await sleep(100);
    assert.deepEqual(answers, Array.from({ length: total }, (_, i) => `3:f${i}`), 'each answered once, in order');
    assert.equal((await call(flood, 'Heartbeat', {}))[0], 3, 'the connection survives');
  });

  test('SOAP: the same rate; a message over it gets a 503 with Retry-After and an EndpointUnavailable fault, and is stored once sent again', async () => {
    const id = 'CP-SOAP-FLOOD';
    assert.equal((await postSoap(t.soapUrl, soapBoot(id))).status, 200);
    await sleep(BURST * (1000 / RATE)); // the bucket is full again
    const status = (i: number) =>
      soapMessage(
        id,
        `<cs:statusNotificationRequest><cs:connectorId>1</cs:connectorId><cs:status>Available</cs:status><cs:errorCode>NoError</cs:errorCode>` +
          `<cs:timestamp>${new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()}</cs:timestamp></cs:statusNotificationRequest>`,
      );
    // Far more at once than the burst, and than the rate refills while they are handled: all of
    // them would be admitted only if the node took about 4 s to read them (10 + 50/s).
    const total = 200;
    const answers = await Promise.all(Array.from({ length: total }, (_, i) => postSoap(t.soapUrl, status(i))));
    const refused = answers.flatMap((answer, i) => (answer.status === 503 ? [i] : []));
    assert.deepEqual(
      answers.filter((answer) => answer.status !== 200 && answer.status !== 503).map((answer) => `${answer.status} ${answer.text.slice(0, 300)}`),
      [],
      'each answered, or refused as over the rate',
    );
    assert.ok(refused.length > 0 && total - refused.length >= BURST, `${total - refused.length} handled, ${refused.length} refused`);
    const over = answers[refused[0]!]!;
    assert.match(String(over.headers['content-type']), /^application\/soap\+xml/);
    assert.match(String(over.headers['retry-after']), /^[1-9][0-9]*$/, 'Retry-After in whole seconds');
    assert.match(over.text, /<env:Value>env:Receiver<\/env:Value>/);
    assert.equal(faultSubcode(over.text), 'EndpointUnavailable');
    assert.match(over.text, /<env:Detail><ra:RetryAfter xmlns:ra="http:\/\/www.w3.org\/2005\/08\/addressing">[1-9][0-9]*<\/ra:RetryAfter><\/env:Detail>/);

    const history = async () => (await t.api(`/api/v1/charge-points/${id}/status-history?connectorId=1&limit=500`)).body.items.length;
    assert.equal(await history(), total - refused.length, 'what was answered is stored, what was refused is not');
    // Sent again, as the charge point does with a message it got no answer to, each is stored.
    for (const i of refused) {
      let again = await postSoap(t.soapUrl, status(i));
      while (again.status === 503) {
        await sleep(Number(/<ra:RetryAfter[^>]*>(\d+)</.exec(again.text)?.[1] ?? 20));
        again = await postSoap(t.soapUrl, status(i));
      }
      assert.equal(again.status, 200, again.text.slice(0, 300));
    }
    assert.equal(await history(), total, 'nothing lost');
  });
});

describe('connections to the operator API', () => {
  let t: TestTomada;
  const held: Socket[] = [];

  before(async () => {
    t = await startTestTomada({ httpMaxConnections: 6, httpMaxConnectionsPerAddress: 4 });
  });

  after(async () => {
    held.forEach((socket) => socket.destroy());
    await t?.close();
  });

  const port = () => Number(new URL(t.httpUrl).port);

  /** A connection from `localAddress` that sends half a request and waits: what a slow client holds. */
  async function hold(localAddress: string): Promise<void> {
    const socket = connect({ port: port(), host: '127.0.0.1', localAddress });
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    held.push(socket);
  }

  /** A whole request from `localAddress` on a connection of its own: what came back before the server closed it. */
  async function exchange(localAddress: string): Promise<string> {
    const socket = connect({ port: port(), host: '127.0.0.1', localAddress });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => undefined);
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await new Promise((resolve) => socket.once('close', resolve));
    return text;
  }

  test('one address holds at most its share (then 429), all of them at most the total (then closed unanswered), and places come back as connections close', async () => {
    for (let i = 0; i < 4; i++) await hold('127.0.0.3');
    await sleep(100); // the server has taken them
    const refused = await exchange('127.0.0.3');
    assert.match(refused, /^HTTP\/1\.1 429 Too Many Requests\r\n/);
    assert.deepEqual(JSON.parse(refused.split('\r\n\r\n')[1]!), { error: 'TooManyRequests', message: 'This address has 4 connections open to the operator API already; close some first' });
    assert.match(await exchange('127.0.0.4'), /^HTTP\/1\.1 200 OK\r\n/, 'another address is answered');

    for (let i = 0; i < 2; i++) await hold('127.0.0.4');
    await sleep(100);
    assert.equal(await exchange('127.0.0.5'), '', 'past the total, closed before anything is read or written');

    held.splice(0).forEach((socket) => socket.destroy());
    await sleep(100);
    assert.match(await exchange('127.0.0.3'), /^HTTP\/1\.1 200 OK\r\n/, 'free again');
  });
});
