// /metrics, /ready and /health over real HTTP, without a token: the exposition parses, and its
// numbers follow what really happened (a charge point connected, commits made, commands sent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boot, TestClient } from '../support/ocpp-client.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN)$/;

/** Parses the text format strictly: every line a HELP, a TYPE or a sample of a declared metric. */
async function scrape(t: TestTomada): Promise<Map<string, number>> {
  const response = await fetch(`${t.httpUrl}/metrics`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await response.text();
  assert.ok(text.endsWith('\n'));
  const types = new Map<string, string>();
  const samples = new Map<string, number>();
  for (const line of text.trimEnd().split('\n')) {
    const type = /^# TYPE (\S+) (counter|gauge|histogram)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const sample = SAMPLE.exec(line);
    assert.ok(sample, `a sample line: ${line}`);
    const base = sample[1]!.replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(sample[1]!) || types.get(base) === 'histogram', `${sample[1]} is declared`);
    samples.set(`${sample[1]}${sample[2] ?? ''}`, Number(sample[3]!.replace('+Inf', 'Infinity')));
  }
  return samples;
}

const value = (samples: Map<string, number>, key: string) => samples.get(key) ?? 0;

test('a call\'s answer time includes the commit it waits for, and its answer shares that commit', async () => {
  // An idle committer waits this long before each batch. A Heartbeat's data and its answer's
  // journal row go into one batch, so it waits for that delay once (it waited twice when the
  // answer's row took a batch of its own).
  const t = await startTestTomada({ commitDelayMs: 40 });
  await t.api('/api/v1/charge-points/MET-WAIT', { method: 'PUT', body: {} });
  const client = await TestClient.connect(t.wsUrl, 'MET-WAIT');
  try {
    await boot(client);
    const before = await scrape(t);
    await client.ok('Heartbeat', {});
    const after = await scrape(t);
    const delta = (key: string) => value(after, key) - value(before, key);
    assert.equal(delta('tomada_ocpp_answer_duration_seconds_count{action="Heartbeat",result="ok"}'), 1);
    assert.equal(delta('tomada_ocpp_answer_duration_seconds_bucket{action="Heartbeat",result="ok",le="0.025"}'), 0, 'not answered before its commit');
    assert.ok(delta('tomada_ocpp_answer_duration_seconds_sum{action="Heartbeat",result="ok"}') >= 0.04);
    assert.equal(delta('tomada_store_commit_duration_seconds_count'), 1, 'the CALL, its data and its answer in one commit');
  } finally {
    await client.close();
    await t.close();
  }
});

test('metrics, readiness and health', async (s) => {
  const t = await startTestTomada();
  let client: TestClient | undefined;
  try {
    await s.test('/health and /ready answer without a token', async () => {
      assert.deepEqual(await (await fetch(`${t.httpUrl}/health`)).json(), { status: 'ok' });
      const ready = await fetch(`${t.httpUrl}/ready`);
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready', checks: { store: true, storeWrites: true, ocppListeners: true } });
    });

    await s.test('connections, commits and commands are counted', async () => {
      const before = await scrape(t);
      assert.equal(value(before, 'tomada_ocpp_connections{ocpp_version="1.6",transport="json"}'), 0);
      assert.equal(value(before, 'tomada_build_info{version="0.1.0"}'), 1);

      await t.api('/api/v1/charge-points/MET-1', { method: 'PUT', body: {} });
      client = await TestClient.connect(t.wsUrl, 'MET-1');
      await boot(client);
      assert.equal((await t.api('/api/v1/charge-points/MET-1/commands/reset', { body: { type: 'Soft' } })).status, 200);
      assert.equal((await t.api('/api/v1/charge-points/MET-1/commands/reset', { body: { type: 'Hard' } })).status, 200);
      await t.api('/api/v1/charge-points/MET-OFF', { method: 'PUT', body: {} });
      assert.equal((await t.api('/api/v1/charge-points/MET-OFF/commands/unlock', { body: { connectorId: 1 } })).status, 409);

      const after = await scrape(t);
      assert.equal(value(after, 'tomada_ocpp_connections{ocpp_version="1.6",transport="json"}'), 1);
      assert.equal(value(after, 'tomada_command_duration_seconds_count{command="reset",result="answered"}'), 2);
      assert.equal(value(after, 'tomada_command_duration_seconds_bucket{command="reset",result="answered",le="+Inf"}'), 2);
      assert.ok(value(after, 'tomada_command_duration_seconds_sum{command="reset",result="answered"}') > 0);
      assert.equal(value(after, 'tomada_command_duration_seconds_count{command="unlock",result="not_connected"}'), 1);

      const commits = value(after, 'tomada_store_commit_duration_seconds_count');
      assert.ok(commits > value(before, 'tomada_store_commit_duration_seconds_count'), 'the boot and the PUTs were committed');
      assert.equal(value(after, 'tomada_store_batch_size_count'), commits, 'one batch size per commit');
      assert.ok(value(after, 'tomada_store_batch_size_sum') >= commits, 'each batch holds a unit at least');
      // Buckets are cumulative.
      let previous = 0;
      for (const le of ['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf']) {
        const count = value(after, `tomada_store_commit_duration_seconds_bucket{le="${le}"}`);
        assert.ok(count >= previous, `bucket ${le}`);
        previous = count;
      }
      assert.equal(previous, commits);
    });

    await s.test('messages by action and result, errors by code, from every layer', async () => {
      const before = await scrape(t);
      assert.ok(client, 'connected above');
      await client.ok('Heartbeat', {});
      const wrongType = await client.call('StatusNotification', { connectorId: 'one', errorCode: 'NoError', status: 'Available' });
      assert.equal(wrongType[0], 4);
      const unknown = await client.call('Frobnicate', {});
      assert.equal(unknown[2], 'NotImplemented');
      client.ws.send('this is not JSON');
      await client.waitFor((f) => f[0] === 4 && f[1] === '-1');
      const soap = await fetch(`${t.wsUrl.replace('ws:', 'http:')}/soap`, { method: 'POST', headers: { 'content-type': 'application/soap+xml' }, body: '<not-soap/>' });
      assert.ok(soap.status >= 400);
      await soap.text();

      const after = await scrape(t);
      const delta = (key: string) => value(after, key) - value(before, key);
      assert.equal(delta('tomada_ocpp_messages_total{action="Heartbeat",result="ok"}'), 1);
      assert.equal(delta('tomada_ocpp_messages_total{action="StatusNotification",result="error"}'), 1);
      assert.equal(delta('tomada_ocpp_messages_total{action="unknown",result="error"}'), 1, 'a name a client made up is not a label');
      assert.equal(delta(`tomada_ocpp_errors_total{code="${wrongType[2]}"}`), 1);
      assert.equal(delta('tomada_ocpp_errors_total{code="NotImplemented"}'), 1);
      const errors = [...after].filter(([key]) => key.startsWith('tomada_ocpp_errors_total')).reduce((sum, [key, v]) => sum + v - value(before, key), 0);
      assert.equal(errors, 4, 'two call errors, one unreadable frame, one SOAP fault');
      assert.ok(![...after.keys()].some((key) => key.includes('Frobnicate')));
      // How long each call waited for its answer, counted with the same labels.
      assert.equal(delta('tomada_ocpp_answer_duration_seconds_count{action="Heartbeat",result="ok"}'), 1);
      assert.ok(delta('tomada_ocpp_answer_duration_seconds_sum{action="Heartbeat",result="ok"}') > 0);
      assert.equal(delta('tomada_ocpp_answer_duration_seconds_count{action="StatusNotification",result="error"}'), 1);
      assert.equal(delta('tomada_ocpp_answer_duration_seconds_count{action="unknown",result="error"}'), 1);
    });

    await s.test('/ready says 503 when the store does not answer', async () => {
      await t.store.close();
      const ready = await fetch(`${t.httpUrl}/ready`);
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), { status: 'not ready', checks: { store: false, storeWrites: true, ocppListeners: true } });
    });
  } finally {
    await client?.close();
    await t.close();
  }
});
