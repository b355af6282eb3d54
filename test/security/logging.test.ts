// What the logs say about refusals, and what they never say: a real `tomada serve` process (its
// own logger, as in production) is refused with wrong passwords, over WebSocket and SOAP; each
// refusal is logged with the charge point id, the address and the reason, and no password,
// Authorization header or token appears anywhere in its output. Failures inside the listener
// reach clients without a stack trace.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { assertWorks, basic, call, faultSubcode, postSoap, refusal, sleep, Sockets, soapBoot, startSecureTomada } from './helpers.js';

const ADMIN = 'logging-test-admin-token-0123456789';
const SECRET = 'the-secret-password-1234';
const WRONG = 'a-wrong-password-98765';

interface LogLine {
  msg?: string;
  chargePointId?: string;
  remote?: string;
  reason?: string;
  transport?: string;
}

/** Ends a describe block's sockets and `tomada serve`, and removes its folder. */
async function stopServer(sockets: Sockets, server: ServerProcess | undefined, dir: string): Promise<void> {
  sockets.closeAll();
  server?.child.kill('SIGTERM');
  await server?.exited;
  rmSync(dir, { recursive: true, force: true });
}

describe('logs of refusals', () => {
  let dir: string;
  let server: ServerProcess;
  let output = '';
  const sockets = new Sockets();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tomada-logging-'));
    server = await spawnServer({ TOMADA_DATABASE_URL: `sqlite:${join(dir, 'tomada.db')}`, TOMADA_ADMIN_TOKEN: ADMIN });
    server.child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    server.child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    for (const [id, body] of [
      ['CP-LOG', { securityProfile: 1, password: SECRET }],
      ['CP-LOG-SOAP', { password: SECRET }],
    ] as const) {
      const answer = await fetch(`http://127.0.0.1:${server.httpPort}/api/v1/charge-points/${id}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(answer.status, 201);
    }
  });

  after(() => stopServer(sockets, server, dir));

  test('each refusal is logged with id, address and reason; no secret is ever written', async () => {
    const ws = `ws://127.0.0.1:${server.ocppPort}/ocpp`;
    const soap = `http://127.0.0.1:${server.ocppPort}/ocpp/soap`;
    assert.equal((await refusal(sockets.connect(ws, 'CP-LOG', { password: WRONG }))).statusCode, 401);
    assert.equal((await refusal(sockets.connect(ws, 'CP-LOG'))).statusCode, 401);
    const fault = await postSoap(soap, soapBoot('CP-LOG-SOAP'), { id: 'CP-LOG-SOAP', password: WRONG });
    assert.equal(faultSubcode(fault.text), 'SecurityError');
    // And the right password, which must not be logged either.
    await assertWorks(await sockets.connect(ws, 'CP-LOG', { password: SECRET }));
    assert.equal((await postSoap(soap, soapBoot('CP-LOG-SOAP'), { id: 'CP-LOG-SOAP', password: SECRET })).status, 200);
    await sleep(200);

    const lines = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
    const refusals = lines.filter((l) => l.msg?.startsWith('charge point refused'));
    assert.deepEqual(
      refusals.map((l) => [l.chargePointId, l.remote, l.reason, l.transport]),
      [
        ['CP-LOG', '127.0.0.1', 'unauthorized', 'websocket'],
        ['CP-LOG', '127.0.0.1', 'unauthorized', 'websocket'],
        ['CP-LOG-SOAP', '127.0.0.1', 'unauthorized', 'soap'],
      ],
    );
    for (const secret of [SECRET, WRONG, ADMIN, basic('CP-LOG', SECRET).slice(6), basic('CP-LOG', WRONG).slice(6), basic('CP-LOG-SOAP', WRONG).slice(6)]) {
      assert.ok(!output.includes(secret), `the output contains a secret (${secret.slice(0, 6)}…)`);
    }
  });

  test("a day's StopTransaction fits the default frame limit; a frame past it is closed with 1009 and logged with the setting to change", async () => {
    const ws = await sockets.connect(`ws://127.0.0.1:${server.ocppPort}/ocpp`, 'CP-LOG', { password: SECRET });
    await assertWorks(ws);
    const tag = await fetch(`http://127.0.0.1:${server.httpPort}/api/v1/id-tags/LOG-TAG`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'Accepted' }),
    });
    assert.equal(tag.status, 201);
    const start = Date.UTC(2026, 11, 6);
    const at = (minute: number) => new Date(start + minute * 60_000).toISOString();
    const started = (await call(ws, 'StartTransaction', { connectorId: 1, idTag: 'LOG-TAG', meterStart: 0, timestamp: at(0) })) as [number, string, { transactionId: number }];
    // A charger sampling every minute for 24 hours: the register, power, three currents, a voltage.
    const transactionData = Array.from({ length: 1440 }, (_, minute) => ({
      timestamp: at(minute),
      sampledValue: [
        { value: String(minute * 100), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' },
        { value: '6000', measurand: 'Power.Active.Import', unit: 'W' },
        ...['L1', 'L2', 'L3'].map((phase) => ({ value: '9', measurand: 'Current.Import', unit: 'A', phase })),
        { value: '230', measurand: 'Voltage', unit: 'V' },
      ],
    }));
    const stop = { transactionId: started[2].transactionId, meterStop: 144_000, timestamp: at(1440), transactionData };
    const bytes = Buffer.byteLength(JSON.stringify([2, 'sec-0', 'StopTransaction', stop]));
    assert.ok(bytes > 8 * 65_536 && bytes < 1024 * 1024, `a frame of ${bytes} bytes: eight times the old limit, within the new one`);
    const stopped = await call(ws, 'StopTransaction', stop, 20_000);
    assert.equal(stopped[0], 3, JSON.stringify(stopped).slice(0, 300));
    const session = await fetch(`http://127.0.0.1:${server.httpPort}/api/v1/transactions/${started[2].transactionId}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(((await session.json()) as { energyWh: number }).energyWh, 144_000);

    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify([2, 'huge', 'DataTransfer', { vendorId: 'V', data: 'a'.repeat(1024 * 1024) }]));
    assert.equal(await closed, 1009);
    await sleep(200);
    const warned = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine)
      .filter((l) => l.msg?.includes('TOMADA_MAX_FRAME_BYTES'));
    assert.deepEqual(warned.map((l) => l.chargePointId), ['CP-LOG'], 'one warning, naming the charge point and the setting');
  });
});

describe('the logger', () => {
  test('redacts passwords, password hashes, tokens, Authorization headers and cookies wherever they are put', () => {
    const script = `
      import { createLogger } from './src/log.ts';
      createLogger('info').info({
        password: 'S1', passwordHash: 'S2', token: 'S3', authorization: 'S4',
        headers: { authorization: 'S5', cookie: 'S6' },
        req: { headers: { authorization: 'S7', cookie: 'S8' } },
        cp: { password: 'S9', passwordHash: 'S10' },
      }, 'secrets');`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    const line = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
    assert.equal(line.msg, 'secrets');
    assert.doesNotMatch(out, /"S\d+"/, out);
    assert.equal(line.password, '[redacted]');
  });
});

describe('failures inside the OCPP listener', () => {
  test('reach clients as a bare 500 or a Receiver fault: no message, no stack trace', async () => {
    const t = await startSecureTomada(undefined, {});
    const sockets = new Sockets();
    try {
      await t.api('/api/v1/charge-points/CP-BOOM', { method: 'PUT', body: {} });
      t.domain.registry.admit = async () => {
        throw new Error('boom: /very/secret/path/db.sqlite is locked');
      };
      const refused = await refusal(sockets.connect(t.wsUrl, 'CP-BOOM'));
      assert.equal(refused.statusCode, 500);
      const soap = await postSoap(t.soapUrl, soapBoot('CP-BOOM'));
      assert.equal(soap.status, 500);
      assert.match(soap.text, /env:Receiver/);
      assert.doesNotMatch(soap.text, /boom|secret|\bat .*:\d+:\d+/);
      // The raw answer to a failed handshake carries no detail either.
      const body = await new Promise<string>((resolve, reject) => {
        const socket = connect(t.ocppPort, '127.0.0.1', () =>
          socket.write(
            'GET /ocpp/CP-BOOM HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: ocpp1.6\r\n\r\n',
          ),
        );
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (c: string) => (text += c));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      assert.match(body, /^HTTP\/1\.1 500 /);
      assert.doesNotMatch(body, /boom|secret|\bat .*:\d+:\d+/);
    } finally {
      sockets.closeAll();
      await t.close();
    }
  });
});

describe('logs of a flood', () => {
  let dir: string;
  let server: ServerProcess;
  let output = '';
  const sockets = new Sockets();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tomada-logging-'));
    server = await spawnServer({
      TOMADA_DATABASE_URL: `sqlite:${join(dir, 'tomada.db')}`,
      TOMADA_ADMIN_TOKEN: ADMIN,
      TOMADA_UNKNOWN_CHARGE_POINTS: 'accept',
      TOMADA_MAX_MESSAGES_PER_SECOND: '20',
      TOMADA_MESSAGE_BURST: '5',
    });
    server.child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  });

  after(() => stopServer(sockets, server, dir));

  test('a WebSocket charge point over its message rate is named in one warning (it was held to the rate without a word)', async () => {
    const ws = `ws://127.0.0.1:${server.ocppPort}/ocpp`;
    const flood = await sockets.connect(ws, 'CP-FLOOD');
    const calm = await sockets.connect(ws, 'CP-CALM');
    const total = 40;
    let answers = 0;
    const done = new Promise<void>((resolve) =>
      flood.on('message', () => {
        if (++answers === total) resolve();
      }),
    );
    // Twice over the rate, in two rounds: still one warning.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < total / 2; i++) flood.send(JSON.stringify([2, `f${round}-${i}`, 'Heartbeat', {}]));
      await sleep(300);
    }
    await done;
    assert.equal((await call(calm, 'Heartbeat', {}))[0], 3);
    await sleep(200);
    const warned = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine & { level: number })
      .filter((l) => l.msg?.includes('TOMADA_MAX_MESSAGES_PER_SECOND'));
    assert.deepEqual(warned.map((l) => [l.chargePointId, l.level]), [['CP-FLOOD', 40]], 'one warning, naming the charge point and the setting');
  });
});
