// `tomada demo` as a newcomer meets it: its charge points connect and charge, its operator token
// sees only that operator's charge points, and the validation charge point can be validated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { demoEnvironment, startDemo } from '../src/demo.js';
import { createLogger } from '../src/log.js';

test('the demo starts, charges, scopes its operator token, and runs a validation from its idle charge point', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-demo-'));
  const config = loadConfig({ TOMADA_HOST: '127.0.0.1', TOMADA_OCPP_PORT: '0', TOMADA_HTTP_PORT: '0', TOMADA_DATABASE_URL: `sqlite:${join(dir, 'demo.db')}` });
  const demo = await startDemo({ config, sessionSeconds: 2, pauseSeconds: 1, sampleIntervalMs: 500, logLevel: 'silent' });
  const api = async (path: string, token: string, body?: unknown) => {
    const response = await fetch(`${demo.httpUrl}/api/v1${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  try {
    let all: any[] = [];
    for (let i = 0; i < 100; i++) {
      all = (await api('/charge-points', demo.adminToken)).body.items;
      if (all.filter((c) => c.connected).length === demo.chargePointIds.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(all.filter((c) => c.connected).map((c) => c.id).sort(), [...demo.chargePointIds].sort());
    const mine = (await api('/charge-points', demo.operatorToken)).body.items.map((c: any) => c.operator);
    assert.ok(mine.length >= 1 && mine.every((o: string) => o === 'OPC-LISBOA'), `the operator token sees only its own: ${mine}`);
    const validationCp = demo.chargePointIds.find((id) => id.includes('VALIDATE'))!;
    const started = await api('/validations', demo.adminToken, { chargePointId: validationCp, connectorId: 1, idTag: 'DEMO-VAL-TAG', cases: ['ocpp.version', 'authorize.valid'], timing: { caseTimeoutS: 10 } });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    let v = started.body;
    for (let i = 0; i < 200 && v.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      v = (await api(`/validations/${v.id}`, demo.adminToken)).body;
    }
    assert.deepEqual(v.cases.map((c: any) => `${c.id}:${c.status}`), ['ocpp.version:pass', 'authorize.valid:pass'], JSON.stringify(v.cases.map((c: any) => c.reason)));
  } finally {
    await demo.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the demo keeps to its own database and out of a cluster, whatever the shell exports for a real node', () => {
  const realNode = { TOMADA_DATABASE_URL: 'postgres://tomada@db.internal/tomada', TOMADA_NATS_URL: 'nats://nats-1.internal:4222', TOMADA_HTTP_PORT: '19603' };
  const config = loadConfig(demoEnvironment(realNode));
  assert.equal(config.databaseUrl, 'sqlite:./data/demo.db');
  assert.equal(config.cluster, undefined);
  assert.equal(config.httpPort, 19603, 'the ports still come from the environment');
  assert.equal(config.host, '127.0.0.1');
  assert.equal(loadConfig(demoEnvironment(realNode, 'sqlite:/tmp/other-demo.db')).databaseUrl, 'sqlite:/tmp/other-demo.db');
});

test('an empty variable is unset for the demo and the log: the demo stays on 127.0.0.1 at warn, and the log starts', () => {
  // As an environment file or a compose file leaves them (TOMADA_HOST=, TOMADA_LOG_LEVEL=).
  const env = demoEnvironment({ TOMADA_HOST: '', TOMADA_LOG_LEVEL: '' });
  assert.equal(loadConfig(env).host, '127.0.0.1', 'not every address of the machine, with its tokens printed');
  assert.equal(env.TOMADA_LOG_LEVEL, 'warn');
  const saved = process.env.TOMADA_LOG_LEVEL;
  process.env.TOMADA_LOG_LEVEL = '';
  try {
    // pino stopped the process: "default level: must be included in custom levels".
    assert.equal(createLogger().level, 'info');
    assert.equal(createLogger('').level, 'info');
  } finally {
    if (saved === undefined) delete process.env.TOMADA_LOG_LEVEL;
    else process.env.TOMADA_LOG_LEVEL = saved;
  }
});
