// Webhook delivery while the store fails. Every pass (every 2 s) failed whole and was logged at
// error as 'webhook delivery failed', as if a receiver were failing, for as long as the database
// was down, with no webhook failing at all (seen with PostgreSQL cut off). The pause is now said
// once, as the store's, and its end once; the events wait and are delivered after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { newChargePoint } from '../../src/domain/registry.js';
import { WebhookDeliverer } from '../../src/events/webhooks.js';
import { openStore } from '../../src/store/open.js';

test('a store that fails is one error line for the whole pause, and one line when delivery resumes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-webhook-down-'));
  const path = join(dir, 'tomada.db');
  const received: string[] = [];
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received.push(String(request.headers['x-tomada-event-id']));
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const store = await openStore(`sqlite:${path}`);
  const lines: { level: string; message: string }[] = [];
  const record = (level: string) => (_detail: object, message: string) => void lines.push({ level, message });
  const deliverer = new WebhookDeliverer(store, { info: record('info'), debug: record('debug'), warn: record('warn'), error: record('error') }, { pollMs: 5, backoffMs: 0, maxBackoffMs: 0, timeoutMs: 2_000 });
  const side = new Database(path);
  try {
    const at = new Date().toISOString();
    await store.transact(async (tx) => {
      await tx.putOperator({ id: 'opw', name: 'Operator W', kind: 'OPC', createdAt: at });
      await tx.insertChargePoint({ ...newChargePoint('HOOK-1', 'Accepted', at), operator: 'opw' });
      await tx.putWebhook({ operator: 'opw', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, secret: 'a-secret-of-sixteen+', createdAt: at });
    });
    // The store cannot read the webhooks (a real SQL failure, as a database gone would give).
    side.exec('alter table webhooks rename to webhooks_away');
    deliverer.start();
    for (let i = 0; i < 1000 && lines.length < 10; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(lines.length >= 10, `ten failed passes at least (${lines.length})`);
    const errors = lines.filter((l) => l.level === 'error');
    assert.equal(errors.length, 1, `one error for the whole pause: ${JSON.stringify(errors.slice(0, 3))}`);
    assert.match(errors[0]!.message, /paused: the store could not be read or written/);

    side.exec('alter table webhooks_away rename to webhooks');
    await store.transact((tx) => tx.insertEvent({ at: new Date().toISOString(), chargePointId: 'HOOK-1', type: 'test', data: {} }));
    const resumed = () => lines.filter((l) => l.level === 'info').map((l) => l.message);
    // The line comes once the pass that delivered has ended, just after the POST.
    for (let i = 0; i < 1000 && (received.length === 0 || resumed().length === 0); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(received.length, 1, 'the event waiting is delivered once the store answers');
    assert.deepEqual(resumed(), ['webhook delivery resumed: the store answers again']);
    assert.equal(lines.filter((l) => l.level === 'error').length, 1);
  } finally {
    await deliverer.stop();
    side.close();
    await store.close();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
});
