// The fuzz scenario's worker (bench/fuzz/fuzz-worker.ts) closes each connection when its frames
// are sent. A server that drops the connection on the last frame, unanswered, must be reported (a
// frame unanswered, a connection dropped), not make the worker wait for a close that has been.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { FuzzReport, FuzzWorkerConfig } from '../../bench/fuzz/fuzz-worker.js';
import { forkWorker, workerBeside } from '../../bench/lib/load.js';

test('a connection the server drops on its last frame is counted, and the worker reports', { timeout: 120_000 }, async (t) => {
  const FRAMES = 3;
  // A stand-in that answers every frame due an answer with a CALLERROR, and drops the connection on the last one.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (offered) => [...offered][0] ?? false });
  let droppedAt: () => void = () => undefined;
  const dropped = new Promise<void>((resolve) => (droppedAt = resolve));
  wss.on('connection', (socket) => {
    let received = 0;
    socket.on('message', (data, isBinary) => {
      if (++received === FRAMES) return (socket.terminate(), droppedAt());
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        frame = undefined;
      }
      if (Array.isArray(frame) && (frame[0] === 3 || frame[0] === 4)) return; // a stray answer: none due
      const id = !isBinary && Array.isArray(frame) && typeof frame[1] === 'string' && frame[1].length > 0 && frame[1].length <= 36 ? frame[1] : '-1';
      socket.send(JSON.stringify([4, id, 'FormationViolation', 'stand-in', {}]));
    });
  });
  await once(wss, 'listening');
  const worker = forkWorker<FuzzReport>(workerBeside('../../bench/fuzz/fuzz-worker.ts', import.meta.url));
  t.after(async () => {
    worker.child.kill('SIGKILL');
    await new Promise((resolve) => wss.close(resolve));
  });
  const config: FuzzWorkerConfig = { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, connections: [['FUZZ-X', 'ocpp1.6']], frames: FRAMES, seed: 4, perAction: 2, answerTimeoutMs: 500 };
  worker.child.send(config);
  const report = await Promise.race([
    (async () => {
      for (;;) {
        const report = await worker.next();
        if (report.type === 'done') return report;
      }
    })(),
    // Timed from the drop (the worker's start, building its frame pools, is slow on a busy machine):
    // the last frame's answer is given up after 0.5 s, and the report is due then.
    dropped.then(() => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no report 5 s after the connection was dropped: the fuzz worker hangs')), 5000))),
  ]);
  // Seed 4's three frames are all due an answer: two answered, the last one dropped with its connection.
  assert.deepEqual(
    { sent: report.sent, due: report.due, answered: report.answered, unanswered: report.unanswered, closes: report.closes },
    { sent: FRAMES, due: 3, answered: 2, unanswered: 1, closes: 1 },
  );
});
