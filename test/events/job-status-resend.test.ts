// A firmware or diagnostics status notification sent again by its charge point (its answer was
// lost) raises no second event and no second webhook delivery; a new status does, and so does the
// same status once the resend window has passed (a new job that repeats the last one's status).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isResend, RESEND_WITHIN_MS } from '../../src/domain/status-resends.js';
import { boot, TestClient } from '../support/ocpp-client.js';
import { startTestTomada } from '../support/tomada.js';

const CP = 'CP-JOBS';

test('a resent firmware or diagnostics status raises no second event nor webhook delivery; a new status does', async (t) => {
  const delivered: { type: string; status: unknown }[] = [];
  const receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const event = JSON.parse(body) as { type: string; data: { status?: unknown } };
      delivered.push({ type: event.type, status: event.data.status });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => (receiver.closeAllConnections(), receiver.close(resolve))));
  const tomada = await startTestTomada();
  t.after(() => tomada.close());

  assert.equal((await tomada.api('/api/v1/operators/OPC-J', { method: 'PUT', body: { name: 'OPC J', kind: 'OPC' } })).status, 201);
  assert.equal((await tomada.api(`/api/v1/charge-points/${CP}`, { method: 'PUT', body: { operator: 'OPC-J' } })).status, 201);
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  assert.equal((await tomada.api('/api/v1/operators/OPC-J/webhook', { method: 'PUT', body: { url, secret: 'a-secret-of-sixteen+' } })).status, 201);

  const client = await TestClient.connect(tomada.wsUrl, CP);
  t.after(() => client.close());
  await boot(client);
  // Each status twice in a row, as a charge point resends one whose answer it lost.
  for (const status of ['Downloading', 'Downloading', 'Downloaded', 'Downloaded', 'Installing', 'Installed', 'Installed']) {
    await client.ok('FirmwareStatusNotification', { status });
  }
  for (const status of ['Uploading', 'Uploading', 'UploadFailed', 'UploadFailed', 'Uploading', 'Uploaded']) {
    await client.ok('DiagnosticsStatusNotification', { status });
  }

  const statuses = async (type: string) =>
    ((await tomada.api(`/api/v1/events?chargePointId=${CP}&type=${type}&afterId=0`)).body.items as { data: { status: string } }[]).map((event) => event.data.status);
  assert.deepEqual(await statuses('firmwareStatus'), ['Downloading', 'Downloaded', 'Installing', 'Installed']);
  // A new job (Uploading again after UploadFailed) is a new status, and raised.
  assert.deepEqual(await statuses('diagnosticsStatus'), ['Uploading', 'UploadFailed', 'Uploading', 'Uploaded']);

  // The webhook gets each once: wait for the last one, then a later event, delivered after them all.
  await client.ok('DataTransfer', { vendorId: 'test.last' });
  const deadline = Date.now() + 20_000;
  while (!delivered.some((event) => event.type === 'dataTransfer')) {
    if (Date.now() > deadline) throw new Error(`the webhook got only ${JSON.stringify(delivered)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const jobs = delivered.filter((event) => event.type === 'firmwareStatus' || event.type === 'diagnosticsStatus');
  assert.deepEqual(
    jobs.map((event) => `${event.type} ${String(event.status)}`),
    [
      'firmwareStatus Downloading',
      'firmwareStatus Downloaded',
      'firmwareStatus Installing',
      'firmwareStatus Installed',
      'diagnosticsStatus Uploading',
      'diagnosticsStatus UploadFailed',
      'diagnosticsStatus Uploading',
      'diagnosticsStatus Uploaded',
    ],
  );
});

test('the same status is a resend within the window after the latest, and new after it', () => {
  const latest = { id: 1, at: '2026-12-07T10:00:00.000Z', chargePointId: CP, type: 'diagnosticsStatus', data: { status: 'UploadFailed' } };
  const after = (ms: number) => new Date(Date.parse(latest.at) + ms).toISOString();
  assert.equal(isResend(latest, 'UploadFailed', after(30_000)), true);
  assert.equal(isResend(latest, 'UploadFailed', after(RESEND_WITHIN_MS)), true);
  assert.equal(isResend(latest, 'UploadFailed', after(RESEND_WITHIN_MS + 1)), false, 'a new job failing the same way, later');
  assert.equal(isResend(latest, 'Uploaded', after(1_000)), false, 'another status');
  assert.equal(isResend(undefined, 'UploadFailed', after(1_000)), false, 'the first');
});
