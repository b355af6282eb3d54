// The kill scenario's charge points (bench/kill/kill-worker.ts) resend every message until it is
// acknowledged. A server that keeps the connection but never answers a call must not hold them,
// and the bench's end, forever: the call is given up after its timeout, counted as unanswered,
// and resent on a new connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { KillWorkerReport } from '../../bench/kill/kill-worker.js';
import { forkWorker, workerBeside } from '../../bench/lib/load.js';

test('a call the server never answers is given up after its timeout, counted as unanswered, and resent: the worker still reports', { timeout: 120_000 }, async (t) => {
  // Each connection's fifth CALL (the third MeterValues of the first session) gets no answer.
  // Once a later connection sends its third call, the call given up was resent and acknowledged.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'ocpp1.6' });
  let connections = 0;
  let resentAndAcknowledged: () => void = () => undefined;
  const resent = new Promise<void>((resolve) => (resentAndAcknowledged = resolve));
  wss.on('connection', (socket) => {
    const connection = ++connections;
    let calls = 0;
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as [number, string, string];
      if (++calls === 5) return;
      if (connection > 1 && calls === 3) resentAndAcknowledged();
      const payload =
        frame[2] === 'BootNotification'
          ? { status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 }
          : frame[2] === 'StartTransaction'
            ? { transactionId: calls, idTagInfo: { status: 'Accepted' } }
            : {};
      socket.send(JSON.stringify([3, frame[1], payload]));
    });
  });
  await once(wss, 'listening');
  const worker = forkWorker<KillWorkerReport>(workerBeside('../../bench/kill/kill-worker.ts', import.meta.url));
  t.after(async () => {
    worker.child.kill('SIGKILL');
    for (const client of wss.clients) client.terminate();
    await new Promise((resolve) => wss.close(resolve));
  });
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  worker.child.send({ type: 'start', config: { url, ids: ['KILL-1'], answerTimeoutMs: 300 } });
  await Promise.race([resent, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  worker.child.send({ type: 'stop' });
  const report = await Promise.race([
    worker.next(),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no report 5 s after stop: the kill worker hangs')), 5000)),
  ]);
  assert.ok(report.unanswered >= 1, `unanswered ${report.unanswered}`);
  assert.ok(report.reconnects >= report.unanswered, `a new connection after each call given up: ${report.reconnects} connections`);
  // The call given up was resent and acknowledged: the session went on past it.
  assert.ok(report.acked.filter((a) => a.kind === 'meter').length >= 3, JSON.stringify(report.acked));
});
