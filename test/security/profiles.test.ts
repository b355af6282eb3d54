// OCPP security profiles over real sockets, on the plain listener and the TLS listener (a test PKI
// made with openssl): HTTP Basic (profile 1), TLS + Basic (profile 2), mutual TLS (profile 3),
// downgrades refused, for WebSocket handshakes and SOAP messages alike.
import assert from 'node:assert/strict';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import {
  assertWorks,
  faultSubcode,
  PASSWORD,
  postSoap,
  refusal,
  register,
  Sockets,
  soapBoot,
  startSecureTomada,
  type SecureTomada,
} from './helpers.js';
import { makePki, opensslSkip, type TestPki } from './pki.js';

const skip = opensslSkip();

describe('security profiles', { skip }, () => {
  let pki: TestPki;
  let t: SecureTomada;
  let sockets: Sockets;

  before(async () => {
    pki = makePki({ clients: ['CP-P3', 'CP-P3-OTHER', 'CP-S3'], rogueClients: ['CP-P3'] });
    // Many refusals from 127.0.0.1 here: the failure limit is tested on its own (limits.test.ts).
    t = await startSecureTomada(pki, { authFailureLimit: 10_000 });
    sockets = new Sockets();
    await register(t, 'CP-P0', {});
    await register(t, 'CP-P1', { securityProfile: 1, password: PASSWORD });
    await register(t, 'CP-P1-NOPW', { securityProfile: 1 });
    await register(t, 'CP-P2', { securityProfile: 2, password: PASSWORD });
    await register(t, 'CP-P3', { securityProfile: 3 });
    await register(t, 'CP-P3-OTHER', { securityProfile: 3 });
    await register(t, 'CP-S0', {});
    await register(t, 'CP-S2', { securityProfile: 2, password: PASSWORD });
    await register(t, 'CP-S3', { securityProfile: 3 });
  });

  after(async () => {
    sockets?.closeAll();
    await t?.close();
    pki?.remove();
  });

  const tls = () => ({ ca: pki.ca.cert });

  test('profile 0 (the default) connects as before, over ws and over wss', async () => {
    await assertWorks(await sockets.connect(t.wsUrl, 'CP-P0'));
    await assertWorks(await sockets.connect(t.wssUrl, 'CP-P0', tls()));
  });

  test('profile 1: HTTP Basic is required; missing or wrong credentials are 401 with WWW-Authenticate: Basic', async () => {
    const missing = await refusal(sockets.connect(t.wsUrl, 'CP-P1'));
    assert.equal(missing.statusCode, 401);
    assert.match(String(missing.headers['www-authenticate']), /^Basic /);
    assert.equal((await refusal(sockets.connect(t.wsUrl, 'CP-P1', { password: 'wrong-password-0123456789' }))).statusCode, 401, 'wrong password');
    assert.equal((await refusal(sockets.connect(t.wsUrl, 'CP-P1', { password: PASSWORD, user: 'CP-P0' }))).statusCode, 401, 'right password, other user');
    assert.equal((await refusal(sockets.connect(t.wssUrl, 'CP-P1', { ...tls(), password: 'wrong-password-0123456789' }))).statusCode, 401, 'wrong password over wss');
    // With the right password: over ws or wss.
    await assertWorks(await sockets.connect(t.wsUrl, 'CP-P1', { password: PASSWORD }));
    await assertWorks(await sockets.connect(t.wssUrl, 'CP-P1', { ...tls(), password: PASSWORD }));
  });

  test('profile 1 without a password set: nobody gets in', async () => {
    assert.equal((await refusal(sockets.connect(t.wsUrl, 'CP-P1-NOPW'))).statusCode, 401);
    assert.equal((await refusal(sockets.connect(t.wsUrl, 'CP-P1-NOPW', { password: 'any-password-at-all-123' }))).statusCode, 401);
  });

  test('profile 2 over plain ws is a downgrade: 403 even with the right password', async () => {
    assert.equal((await refusal(sockets.connect(t.wsUrl, 'CP-P2', { password: PASSWORD }))).statusCode, 403);
    assert.equal((await refusal(sockets.connect(t.wsUrl, 'CP-P2'))).statusCode, 403);
  });

  test('profile 2 over wss: 401 without or with a wrong password, connected with the right one', async () => {
    assert.equal((await refusal(sockets.connect(t.wssUrl, 'CP-P2', tls()))).statusCode, 401);
    assert.equal((await refusal(sockets.connect(t.wssUrl, 'CP-P2', { ...tls(), password: 'wrong-password-0123456789' }))).statusCode, 401);
    const ws = await sockets.connect(t.wssUrl, 'CP-P2', { ...tls(), password: PASSWORD });
    assert.equal(ws.protocol, 'ocpp1.6');
    await assertWorks(ws);
    const seen = await t.api('/api/v1/charge-points/CP-P2');
    assert.equal(seen.body.connected, true);
    assert.equal(seen.body.securityProfile, 2);
    // A client certificate it happens to present changes nothing for profile 2.
    ws.terminate();
    await assertWorks(await sockets.connect(t.wssUrl, 'CP-P2', { ...tls(), password: PASSWORD, certificate: pki.clients['CP-P3-OTHER']! }));
  });

  test('profile 3 over plain ws is a downgrade: 403', async () => {
    assert.equal((await refusal(sockets.connect(t.wsUrl, 'CP-P3'))).statusCode, 403);
    assert.equal((await refusal(sockets.connect(t.wsUrl, 'CP-P3', { password: PASSWORD }))).statusCode, 403);
  });

  test('profile 3 over wss without a client certificate: 403', async () => {
    assert.equal((await refusal(sockets.connect(t.wssUrl, 'CP-P3', tls()))).statusCode, 403);
  });

  test('profile 3 with a certificate of the right CA but another CN: 403', async () => {
    const other = pki.clients['CP-P3-OTHER']!;
    assert.equal((await refusal(sockets.connect(t.wssUrl, 'CP-P3', { ...tls(), certificate: other }))).statusCode, 403);
    // That certificate is good for its own charge point.
    await assertWorks(await sockets.connect(t.wssUrl, 'CP-P3-OTHER', { ...tls(), certificate: other }));
  });

  test('profile 3 with a certificate for the right CN from another CA: 403', async () => {
    assert.equal((await refusal(sockets.connect(t.wssUrl, 'CP-P3', { ...tls(), certificate: pki.rogueClients['CP-P3']! }))).statusCode, 403);
  });

  test('profile 3 with the right certificate: connected (no password needed)', async () => {
    const ws = await sockets.connect(t.wssUrl, 'CP-P3', { ...tls(), certificate: pki.clients['CP-P3']! });
    await assertWorks(ws);
    assert.equal((await t.api('/api/v1/charge-points/CP-P3')).body.connected, true);
  });

  test('the TLS listener does not speak TLS below 1.2', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: t.ocppTlsPort!, ca: pki.ca.cert, minVersion: 'TLSv1', maxVersion: 'TLSv1.1' });
      socket.once('secureConnect', () => {
        resolve(`connected with ${socket.getProtocol()}`);
        socket.destroy();
      });
      socket.once('error', (error) => resolve(`refused: ${error.message}`));
    });
    assert.match(outcome, /^refused/, outcome);
    const modern = await new Promise<string | null>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: t.ocppTlsPort!, ca: pki.ca.cert }, () => {
        resolve(socket.getProtocol());
        socket.destroy();
      });
      socket.once('error', reject);
    });
    assert.ok(modern === 'TLSv1.2' || modern === 'TLSv1.3', `negotiated ${modern}`);
  });

  describe('SOAP over the TLS listener', () => {
    test('profile 0 over HTTPS without a client certificate: answered', async () => {
      const answer = await postSoap(t.soapsUrl, soapBoot('CP-S0'), tls());
      assert.equal(answer.status, 200, answer.text);
      assert.match(answer.text, /bootNotificationResponse/);
      assert.match(answer.text, /Accepted/);
    });

    test('profile 0 over HTTPS with a client certificate: answered as well', async () => {
      const answer = await postSoap(t.soapsUrl, soapBoot('CP-S0'), { ...tls(), certificate: pki.clients['CP-S3']! });
      assert.equal(answer.status, 200, answer.text);
    });

    test('profile 2 over plain http: SecurityError fault; over HTTPS with its password: answered', async () => {
      const plain = await postSoap(t.soapUrl, soapBoot('CP-S2'), { id: 'CP-S2', password: PASSWORD });
      assert.equal(plain.status, 400);
      assert.equal(faultSubcode(plain.text), 'SecurityError');
      assert.match(plain.text, /TLS/);
      const wrong = await postSoap(t.soapsUrl, soapBoot('CP-S2'), { ...tls(), id: 'CP-S2', password: 'wrong-password-0123456789' });
      assert.equal(faultSubcode(wrong.text), 'SecurityError');
      const right = await postSoap(t.soapsUrl, soapBoot('CP-S2'), { ...tls(), id: 'CP-S2', password: PASSWORD });
      assert.equal(right.status, 200, right.text);
    });

    test('profile 3: the client certificate CN must be the chargeBoxIdentity', async () => {
      const plain = await postSoap(t.soapUrl, soapBoot('CP-S3'));
      assert.equal(faultSubcode(plain.text), 'SecurityError', 'plain http');
      const none = await postSoap(t.soapsUrl, soapBoot('CP-S3'), tls());
      assert.equal(none.status, 400);
      assert.equal(faultSubcode(none.text), 'SecurityError', 'no certificate');
      const otherCn = await postSoap(t.soapsUrl, soapBoot('CP-S3'), { ...tls(), certificate: pki.clients['CP-P3']! });
      assert.equal(faultSubcode(otherCn.text), 'SecurityError', 'a certificate for another charge point');
      const rogue = await postSoap(t.soapsUrl, soapBoot('CP-S3'), { ...tls(), certificate: pki.rogueClients['CP-P3']! });
      assert.equal(faultSubcode(rogue.text), 'SecurityError', 'a certificate from another CA');
      const right = await postSoap(t.soapsUrl, soapBoot('CP-S3'), { ...tls(), certificate: pki.clients['CP-S3']! });
      assert.equal(right.status, 200, right.text);
      assert.match(right.text, /Accepted/);
      // Nothing of the refused messages was stored: only the accepted boot.
      const stored = await t.api('/api/v1/charge-points/CP-S3');
      assert.equal(stored.body.transport, 'soap');
    });
  });
});

describe('a TLS listener without a client CA', { skip }, () => {
  let pki: TestPki;
  let t: SecureTomada;
  let sockets: Sockets;

  before(async () => {
    pki = makePki({ clients: ['CP-NOCA-3'] });
    t = await startSecureTomada(undefined, { tls: { certFile: pki.server.certFile, keyFile: pki.server.keyFile, caFile: undefined }, ocppTlsPort: 0 });
    t.wssUrl = `wss://127.0.0.1:${t.ocppTlsPort}/ocpp`;
    sockets = new Sockets();
    await register(t, 'CP-NOCA-2', { securityProfile: 2, password: PASSWORD });
    await register(t, 'CP-NOCA-3', { securityProfile: 3 });
  });

  after(async () => {
    sockets?.closeAll();
    await t?.close();
    pki?.remove();
  });

  test('profile 2 works; profile 3 cannot connect (no certificate is asked for)', async () => {
    await assertWorks(await sockets.connect(t.wssUrl, 'CP-NOCA-2', { ca: pki.ca.cert, password: PASSWORD }));
    const refused = await refusal(sockets.connect(t.wssUrl, 'CP-NOCA-3', { ca: pki.ca.cert, certificate: pki.clients['CP-NOCA-3']! }));
    assert.equal(refused.statusCode, 403);
  });
});
