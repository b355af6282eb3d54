// The dashboard's server side over real HTTP: its static files (and nothing else) at / and /ui/,
// the live stream of charge point and transaction changes, a charge point's recent journal frames
// and a session's energy over time, with a simulated charge point on a real socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { createGunzip } from 'node:zlib';
import { join } from 'node:path';
import { SimulatedChargePoint } from '../../src/sim/charge-point.js';
import { UI_DIR, uiFile } from '../../src/api/ui.js';
import { acceptsGzip } from '../../src/api/routes/stream.js';
import { openStream } from '../support/stream.js';
import { ADMIN_TOKEN, startTestTomada, type TestTomada } from '../support/tomada.js';

test('the dashboard files are served at / and /ui/, with a strict content security policy', async (s) => {
  const t = await startTestTomada();
  try {
    await s.test('/ is the page, without a token', async () => {
      const res = await fetch(`${t.httpUrl}/`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(await res.text(), readFileSync(join(UI_DIR, 'index.html'), 'utf8'));
    });

    await s.test('every module the page loads, and every module they import, is served as JavaScript', async () => {
      const seen = new Set<string>();
      const queue = ['app.js'];
      while (queue.length > 0) {
        const file = queue.shift()!;
        if (seen.has(file)) continue;
        seen.add(file);
        const res = await fetch(`${t.httpUrl}/ui/${file}`);
        assert.equal(res.status, 200, file);
        assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/, file);
        const source = await res.text();
        for (const [, spec] of source.matchAll(/^\s*import[^'"]*'([^']+)'/gm)) {
          queue.push(new URL(spec!, `http://x/${file}`).pathname.slice(1));
        }
      }
      assert.ok(seen.size >= 10, `modules found: ${[...seen].join(', ')}`);
      const css = await fetch(`${t.httpUrl}/ui/style.css`);
      assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    });

    await s.test('nothing outside ui/ and no file of another kind is served', async () => {
      for (const path of ['/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/..%2fpackage.json', '/ui/tsconfig.json', '/ui/.secret.js', '/ui/missing.js', '/ui/lib/../../src/app.ts']) {
        const res = await fetch(`${t.httpUrl}${path}`);
        assert.equal(res.status, 404, path);
        const body = await res.text();
        assert.doesNotMatch(body, /"name": "tomada"|startTomada/, path);
      }
    });
  } finally {
    await t.close();
  }
});

test('uiFile resolves names inside ui/ only', () => {
  assert.equal(uiFile('app.js'), join(UI_DIR, 'app.js'));
  assert.equal(uiFile('lib/dom.js'), join(UI_DIR, 'lib', 'dom.js'));
  for (const bad of ['../package.json', 'lib/../../x.js', '%2e%2e/x.js', '.hidden.css', 'tsconfig.json', 'a\0.js', '%E0%A4%A.js', '/etc/passwd.js']) {
    assert.equal(uiFile(bad), undefined, bad);
  }
});

test('the live stream: a token is needed, then the current state, then every change', async () => {
  const t = await startTestTomada();
  const cp = new SimulatedChargePoint({ id: 'LIVE-1', baseUrl: t.wsUrl, connectors: 2, idTags: ['LIVE-TAG'], minIntervalMs: 50, meter: { powerW: 36_000, sampleIntervalMs: 100 } });
  try {
    const refused = await fetch(`${t.httpUrl}/api/v1/stream`);
    assert.equal(refused.status, 401);
    const wrong = await fetch(`${t.httpUrl}/api/v1/stream`, { headers: { authorization: 'Bearer not-a-known-token-000000' } });
    assert.equal(wrong.status, 401);

    await t.api('/api/v1/charge-points/LIVE-1', { method: 'PUT', body: { registrationStatus: 'Accepted' } });
    await t.api('/api/v1/id-tags/LIVE-TAG', { method: 'PUT', body: { status: 'Accepted' } });
    const stream = openStream(t);
    const res = await stream.response;
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(res.headers.get('content-encoding'), 'gzip', 'the client asks for gzip, as browsers do, and every change below arrives through it');
    const first = await stream.waitFor('chargePoint', (d) => d.id === 'LIVE-1');
    assert.equal(first.connected, false);
    await stream.waitFor('ready');

    cp.start();
    await cp.ready();
    const online = await stream.waitFor('chargePoint', (d) => d.id === 'LIVE-1' && d.connected);
    assert.equal(online.ocppVersion, '1.6');

    await cp.startSession(1, 'LIVE-TAG');
    const started = await stream.waitFor('transaction', (d) => d.chargePointId === 'LIVE-1' && d.stoppedAt === null);
    assert.equal(started.connectorId, 1);
    const { meterValues: _samples, ...listed } = (await t.api(`/api/v1/transactions/${started.id}`)).body;
    assert.deepEqual(Object.keys(started).sort(), Object.keys(listed).sort(), 'the stream gives a transaction as the API does');
    await stream.waitFor('chargePoint', (d) => d.id === 'LIVE-1' && d.connectors.some((c: any) => c.connectorId === 1 && c.status === 'Charging'));
    await new Promise((r) => setTimeout(r, 400));
    const session = await cp.stopSession(1);
    const stopped = await stream.waitFor('transaction', (d) => d.id === started.id && d.stoppedAt !== null);
    assert.equal(stopped.energyWh, session.deliveredWh);
    assert.ok(stopped.energyWh > 0);

    await cp.stop();
    await stream.waitFor('chargePoint', (d) => d.id === 'LIVE-1' && !d.connected && d.lastBootAt !== null);
    // An open stream does not hold the server up when it stops.
    await t.close();
    await stream.reading;
  } finally {
    await cp.stop();
    await t.close();
  }
});

test('acceptsGzip reads Accept-Encoding as HTTP means it', () => {
  for (const header of ['gzip', 'gzip, deflate', 'br, GZIP;q=0.5', 'deflate, *', 'x-gzip']) assert.equal(acceptsGzip(header), true, header);
  for (const header of [undefined, '', 'identity', 'br, deflate', 'gzip;q=0', 'gzip; q=0.000', 'gzipped', 'gzip;q=0, *', '*;q=0', 'br, *;q=0']) {
    assert.equal(acceptsGzip(header), false, String(header));
  }
});

/** GET /api/v1/stream over a bare HTTP request, its body read (and gunzipped when it is gzip) until `ready` arrives. */
function streamUntilReady(t: TestTomada, headers: Record<string, string>): Promise<{ headers: IncomingHttpHeaders; text: string; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const request = httpGet(`${t.httpUrl}/api/v1/stream`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers } }, (res) => {
      const body = res.headers['content-encoding'] === 'gzip' ? res.pipe(createGunzip()) : res;
      let text = '';
      let ended = false;
      res.once('end', () => (ended = true));
      body.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if (!text.includes('event: ready\n')) return;
        resolve({ headers: res.headers, text, ended });
        request.destroy();
      });
      body.on('error', () => undefined);
    });
    request.on('error', (error) => (error.message.includes('socket hang up') ? undefined : reject(error)));
    setTimeout(() => reject(new Error('no ready event within 10 s')), 10_000).unref();
  });
}

test('the live stream is gzip for a client that takes it, each event sent at once; plain otherwise', async () => {
  const t = await startTestTomada();
  try {
    for (const id of ['GZ-1', 'GZ-2']) await t.api(`/api/v1/charge-points/${id}`, { method: 'PUT', body: {} });
    const zipped = await streamUntilReady(t, { 'accept-encoding': 'gzip' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(zipped.headers.vary, 'accept-encoding');
    assert.equal(zipped.ended, false, 'the events came through while the stream stays open: gzip was flushed, not held to its end');
    const plain = await streamUntilReady(t, {});
    assert.equal(plain.headers['content-encoding'], undefined);
    for (const { text } of [zipped, plain]) {
      assert.match(text, /^retry: 3000\n\n/);
      assert.deepEqual([...text.matchAll(/^event: chargePoint\ndata: (.+)$/gm)].map((m) => JSON.parse(m[1]!).id).sort(), ['GZ-1', 'GZ-2']);
    }
    // A compressed stream still open when the node stops: the stop cuts it once its end is out,
    // instead of waiting out the connection's 5 s keep-alive.
    const open = openStream(t);
    assert.equal((await open.response).headers.get('content-encoding'), 'gzip');
    await open.waitFor('ready');
    const closing = t.close().then(() => 'closed' as const);
    assert.equal(await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 3_000, 'still closing'))]), 'closed');
    await open.reading;
  } finally {
    await t.close();
  }
});

test("a charge point's recent frames and a session's energy over time", async (s) => {
  const t = await startTestTomada();
  const cp = new SimulatedChargePoint({ id: 'FRAMES-1', baseUrl: t.wsUrl, connectors: 1, idTags: ['FR-TAG'], minIntervalMs: 50, meter: { powerW: 36_000, sampleIntervalMs: 100, unit: 'kWh' } });
  try {
    await t.api('/api/v1/charge-points/FRAMES-1', { method: 'PUT', body: { registrationStatus: 'Accepted' } });
    await t.api('/api/v1/id-tags/FR-TAG', { method: 'PUT', body: { status: 'Accepted' } });
    cp.start();
    await cp.ready();
    await cp.startSession(1);
    await new Promise((r) => setTimeout(r, 600));
    const session = await cp.stopSession(1);
    await cp.drain();

    await s.test('frames: newest first, raw, both directions, limited', async () => {
      const { status, body } = await t.api('/api/v1/charge-points/FRAMES-1/frames?limit=500');
      assert.equal(status, 200);
      const seqs = body.items.map((f: any) => f.seq);
      assert.deepEqual(seqs, [...seqs].sort((a: number, b: number) => b - a));
      const boot = body.items.find((f: any) => f.direction === 'in' && f.frame.includes('"BootNotification"'));
      assert.ok(boot, 'the BootNotification as received');
      assert.equal(boot.encoding, 'utf8');
      assert.equal(boot.protocol, 'ocpp1.6-json');
      const callId = JSON.parse(boot.frame)[1];
      assert.ok(body.items.some((f: any) => f.direction === 'out' && JSON.parse(f.frame)[0] === 3 && JSON.parse(f.frame)[1] === callId), 'its answer');
      assert.ok(body.items.some((f: any) => f.frame.includes('"StopTransaction"')));
      const two = await t.api('/api/v1/charge-points/FRAMES-1/frames?limit=2');
      assert.deepEqual(two.body.items.map((f: any) => f.seq), seqs.slice(0, 2));
      assert.equal((await t.api('/api/v1/charge-points/FRAMES-1/frames?limit=0')).status, 400);
      assert.equal((await t.api('/api/v1/charge-points/FRAMES-1/frames?limit=501')).status, 400);
      assert.equal((await t.api('/api/v1/charge-points/NOPE/frames')).status, 404);
      assert.equal((await fetch(`${t.httpUrl}/api/v1/charge-points/FRAMES-1/frames`)).status, 401);
    });

    await s.test('energy: from 0 at the start, never down, to the stored energy at the stop', async () => {
      const { status, body } = await t.api(`/api/v1/transactions/${session.transactionId}/energy`);
      assert.equal(status, 200);
      assert.equal(body.active, false);
      const points = body.points as { at: string; energyWh: number }[];
      assert.ok(points.length >= 4, JSON.stringify(points));
      assert.deepEqual(points[0], { at: (await t.api(`/api/v1/transactions/${session.transactionId}`)).body.startedAt, energyWh: 0 });
      for (let i = 1; i < points.length; i++) {
        assert.ok(points[i]!.energyWh >= points[i - 1]!.energyWh, `point ${i}`);
        assert.ok(Date.parse(points[i]!.at) >= Date.parse(points[i - 1]!.at), `time of point ${i}`);
      }
      assert.equal(points.at(-1)!.energyWh, session.deliveredWh);
      assert.ok(points.slice(1, -1).some((p) => p.energyWh > 0 && p.energyWh < session.deliveredWh!), 'intermediate samples on the curve');
      assert.equal((await t.api('/api/v1/transactions/999999/energy')).status, 404);
      assert.equal((await fetch(`${t.httpUrl}/api/v1/transactions/${session.transactionId}/energy`)).status, 401);
      assert.equal((await t.api('/api/v1/transactions/abc/energy')).status, 400);
    });
  } finally {
    await cp.stop();
    await t.close();
  }
});
