// What the load generator (bench/lib/load.ts and its worker processes) counts, against small
// stand-in servers whose behaviour is known: which calls fall in the measured window, and which
// count towards calls/s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { Fleet } from '../../bench/lib/load.js';
import { chargePointIds, measure } from '../../bench/lib/measure.js';
import type { ServerProcess } from '../../bench/lib/servers.js';
import { runProblems } from '../../bench/scenarios/throughput.js';

type Frame = [number, string, string, unknown];
type Respond = (frame: Frame, answer: (text: string) => void, socket: WebSocket) => void;

/** A stand-in OCPP-J server on 127.0.0.1: `respond` decides what each CALL gets, and when. */
async function standIn(t: { after(fn: () => Promise<void>): void }, respond: Respond): Promise<string> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'ocpp1.6' });
  wss.on('connection', (socket) => socket.on('message', (data) => respond(JSON.parse(data.toString()) as Frame, (text) => socket.send(text), socket)));
  await once(wss, 'listening');
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  );
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
}

/** The CALLRESULT a bench charge point needs for each action (a boot Accepted, a transaction id). */
function result(frame: Frame): string {
  const payload =
    frame[2] === 'BootNotification'
      ? { status: 'Accepted', currentTime: new Date().toISOString(), interval: 300 }
      : frame[2] === 'StartTransaction'
        ? { transactionId: 1, idTagInfo: { status: 'Accepted' } }
        : {};
  return JSON.stringify([3, frame[1], payload]);
}

test('at a fixed rate, a backlog the warm-up built is the warm-up\'s: only calls due in the window are measured', async (t) => {
  // 10 charge points at 100 calls/s; the server answers nothing for the first 900 ms of the run
  // (inside the 1 s warm-up), then one answer every 5 ms (about 200/s). The ~90 calls due during the
  // stall drain at about 100/s beyond the offered rate, well into the measured window.
  const RATE = 100;
  const WARMUP_MS = 1000;
  const DURATION_MS = 2000;
  let stallUntil = 0; // set when the run starts (the boots are answered at once)
  const queue: Array<() => void> = [];
  let pumping = false;
  const pump = () => {
    if (pumping) return;
    const next = queue.shift();
    if (!next) return;
    pumping = true;
    setTimeout(() => {
      next();
      pumping = false;
      pump();
    }, Math.max(5, stallUntil - Date.now()));
  };
  const url = await standIn(t, (frame, answer) => {
    if (frame[2] === 'BootNotification') return answer(result(frame));
    queue.push(() => answer(result(frame)));
    pump();
  });
  const ids = chargePointIds(10, 'RW-');
  const fleet = new Fleet({ url, ids, workers: 1, mode: 'rate', ratePerSecond: RATE, warmupMs: WARMUP_MS, durationMs: DURATION_MS, connectConcurrency: 10, connectDeadlineMs: 10_000, statusAfterBoot: false });
  t.after(() => fleet.close());
  const connected = await fleet.connect();
  assert.equal(connected.connected, ids.length);
  stallUntil = Date.now() + 900;
  const summary = await fleet.run();
  // Each charge point has 20 calls due in the 2 s window, give or take one at either edge.
  const due = (RATE * DURATION_MS) / 1000;
  assert.equal(summary.errors, 0);
  assert.ok(Math.abs(summary.calls - due) <= ids.length, `${summary.calls} calls measured, ${due} due in the window`);
  assert.ok(Math.abs(summary.callsPerSecond - RATE) <= ids.length / (DURATION_MS / 1000), `calls/s ${summary.callsPerSecond} at an offered ${RATE}`);
});

/** A stand-in taken for a server process by measure() (its CPU and memory are this process's). */
const asServer = (name: string, wsUrl: string): ServerProcess => ({ name, child: undefined as never, pid: process.pid, wsUrl, exited: new Promise(() => undefined), stop: async () => undefined });

test('a CALLERROR, or a connection dropped under a call, is counted by its code and is no call served: calls/s counts CALLRESULTs only', async (t) => {
  const ids = chargePointIds(6, 'ER-');
  const options = { ids, workers: 1, mode: 'closed' as const, warmupMs: 300, durationMs: 1000, connectConcurrency: 6, connectDeadlineMs: 10_000, statusAfterBoot: false };

  // Boots the charge points, then refuses every call.
  const refusing = await standIn(t, (frame, answer) => answer(frame[2] === 'BootNotification' ? result(frame) : JSON.stringify([4, frame[1], 'InternalError', 'refused', {}])));
  const refused = await measure(asServer('refusing', refusing), options);
  assert.ok(refused.calls > 100, `${refused.calls} calls measured`);
  assert.equal(refused.callsPerSecond, 0, 'no call was served');
  assert.equal(refused.errors, refused.calls);
  assert.deepEqual(refused.errorCodes, { InternalError: refused.calls });

  // Serves every call, until half-way through the window (timed from the run's first call after the
  // boots) it drops each connection at its next call.
  let runStart: number | undefined;
  const droppingUrl = await standIn(t, (frame, answer, socket) => {
    if (frame[2] !== 'BootNotification') runStart ??= Date.now();
    if (runStart !== undefined && Date.now() >= runStart + options.warmupMs + options.durationMs / 2) return socket.terminate();
    answer(result(frame));
  });
  const dropped = await measure(asServer('dropping', droppingUrl), options);
  assert.equal(dropped.disconnected, ids.length);
  assert.deepEqual(dropped.errorCodes, { ConnectionClosed: ids.length }, 'the call each connection dropped under');
  assert.ok(dropped.calls > 100, `${dropped.calls} calls measured`);
  // Every measured call was answered within the window (none was in flight at its end).
  assert.equal(Math.round(dropped.callsPerSecond * (options.durationMs / 1000)), dropped.calls - dropped.errors);

  // The throughput scenario names both runs (and the bench then exits 1), not a clean one.
  const clean = { ...dropped, errors: 0, errorCodes: {}, disconnected: 0 };
  assert.deepEqual(runProblems({ 'refusing closed': refused, 'dropping closed': dropped, 'clean closed': clean }), [
    `refusing closed: ${refused.calls} errors in the measured window {"InternalError":${refused.calls}}, 0 charge points disconnected`,
    `dropping closed: ${ids.length} errors in the measured window {"ConnectionClosed":${ids.length}}, ${ids.length} charge points disconnected`,
  ]);
});
