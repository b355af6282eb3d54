// One load-generator process: a share of the simulated charge points, driven by the parent
// (load.ts) over IPC. Phases: connect (connect and boot every charge point), run (closed loop,
// fixed rate, or idle heartbeats, for a set time), close.
import { BenchClient } from './bench-client.js';
import { ChargePointScript, type BenchAction } from './charge-point-script.js';
import { Histogram } from './histogram.js';
import type { WorkerCommand, WorkerConfig, WorkerReport } from './load-protocol.js';

interface ChargePoint {
  script: ChargePointScript;
  client: BenchClient | undefined;
}

let config: WorkerConfig;
const chargePoints: ChargePoint[] = [];

function send(report: WorkerReport): void {
  process.send!(report);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connects, boots and (storm) reports status for one charge point, retrying until the deadline. */
async function bring(cp: ChargePoint, deadline: number, stats: { attempts: number; failures: number; errors: Set<string> }): Promise<boolean> {
  for (;;) {
    stats.attempts++;
    try {
      const client = await BenchClient.connect(config.url, cp.script.id, { localAddress: config.localAddress });
      const boot = await client.call('BootNotification', ChargePointScript.boot());
      if (!boot.ok || boot.payload.status !== 'Accepted') throw new Error(`boot: ${boot.errorCode ?? String(boot.payload.status)}`);
      if (config.statusAfterBoot) {
        const status = await client.call('StatusNotification', ChargePointScript.status());
        if (!status.ok) throw new Error(`status: ${status.errorCode}`);
      }
      cp.client = client;
      return true;
    } catch (error) {
      stats.failures++;
      stats.errors.add((error as Error).message);
      if (Date.now() > deadline) return false;
      // Like a real charger: back off with jitter, then try again.
      await sleep(500 + Math.random() * 1500);
    }
  }
}

async function connectAll(): Promise<void> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const deadline = Date.now() + config.connectDeadlineMs;
  for (const id of config.ids) chargePoints.push({ script: new ChargePointScript(id, config.meterValuesPerSession), client: undefined });
  const stats = { attempts: 0, failures: 0, errors: new Set<string>() };
  let next = 0;
  let connected = 0;
  const lane = async () => {
    while (next < chargePoints.length) {
      const cp = chargePoints[next++]!;
      if (await bring(cp, deadline, stats)) connected++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.connectConcurrency, chargePoints.length) }, lane));
  send({
    type: 'connected',
    connected,
    failed: chargePoints.length - connected,
    attempts: stats.attempts,
    failures: stats.failures,
    errors: [...stats.errors].slice(0, 5),
    ms: performance.now() - started,
    cpuMs: cpuMilliseconds(process.cpuUsage(cpuBefore)),
  });
}

const cpuMilliseconds = ({ user, system }: NodeJS.CpuUsage) => (user + system) / 1000;

interface RunTotals {
  calls: number;
  /**
   * What calls/s counts, CALLRESULTs only: closed loop, those that came back inside the measured
   * window (after the warm-up, no later than its end); on a schedule, those to the calls due in it.
   */
  callsInWindow: number;
  errors: number;
  errorCodes: Record<string, number>;
  byAction: Record<string, number>;
  histogram: Histogram;
}

function newTotals(): RunTotals {
  return { calls: 0, callsInWindow: 0, errors: 0, errorCodes: {}, byAction: {}, histogram: new Histogram() };
}

async function run(): Promise<void> {
  const warmupEnd = performance.now() + config.warmupMs;
  const end = warmupEnd + config.durationMs;
  const totals = newTotals();
  const measuring = () => performance.now() >= warmupEnd;
  let measureStart = NaN;
  let measureEnd = NaN;

  // Closed loop: a call is measured when its answer comes back in the window. On a schedule (fixed
  // rate, idle), when it was due: a call due during the warm-up and answered after it (a backlog the
  // warm-up built) is the warm-up's, in neither the latency nor calls/s, and every call due in the
  // window counts, however late its answer.
  const scheduled = config.mode !== 'closed';
  const record = (action: BenchAction, intendedAt: number, answer: { ok: boolean; errorCode?: string }) => {
    const now = performance.now();
    if (scheduled ? intendedAt < warmupEnd || intendedAt > end : now < warmupEnd || intendedAt > end) return;
    if (Number.isNaN(measureStart)) measureStart = now;
    measureEnd = now;
    totals.calls++;
    // Only a CALLRESULT is a call served: a CALLERROR, or the ConnectionClosed the client makes up
    // when the connection drops, is counted by its code but not towards calls/s (a server that
    // refuses calls quickly would otherwise read as a fast one). Closed loop: a call still in
    // flight at the end is answered after it: its latency counts, but not towards calls/s, which is
    // over the measured window only (as the server's CPU is).
    if (answer.ok && (scheduled || now <= end)) totals.callsInWindow++;
    totals.byAction[action] = (totals.byAction[action] ?? 0) + 1;
    totals.histogram.recordMs(now - intendedAt);
    if (!answer.ok) {
      totals.errors++;
      const code = answer.errorCode ?? '?';
      totals.errorCodes[code] = (totals.errorCodes[code] ?? 0) + 1;
    }
  };

  const live = chargePoints.filter((cp) => cp.client);
  if (config.mode === 'closed') {
    await Promise.all(
      live.map(async (cp) => {
        while (performance.now() < end && !cp.client!.closedNow) {
          const [action, payload] = cp.script.next();
          const sentAt = performance.now();
          const answer = await cp.client!.call(action, payload);
          cp.script.answered(action, answer.payload);
          record(action, sentAt, answer);
        }
      }),
    );
  } else {
    // Fixed rate: each charge point has its own schedule; latency counts from the intended send
    // time, so a slow answer that delays the next call is charged to the server (no coordinated omission).
    const interval = config.mode === 'rate' ? (live.length / config.ratePerSecond!) * 1000 : config.heartbeatMs!;
    const start = performance.now();
    await Promise.all(
      live.map(async (cp, index) => {
        let intended = start + (interval * index) / Math.max(1, live.length);
        for (;;) {
          if (intended > end || cp.client!.closedNow) return;
          // Never before the intended time: a timer may fire up to a millisecond early (libuv counts
          // whole milliseconds), and an answer that came back "before it was due" would count as
          // no latency at all. Woken late instead, the delay counts, for every server alike.
          for (let wait = intended - performance.now(); wait > 0; wait = intended - performance.now()) await sleep(wait);
          const [action, payload] = config.mode === 'idle' ? (['Heartbeat', '{}'] as [BenchAction, string]) : cp.script.next();
          const answer = await cp.client!.call(action, payload);
          cp.script.answered(action, answer.payload);
          record(action, intended, answer);
          intended += interval;
        }
      }),
    );
  }
  void measuring;
  send({
    type: 'result',
    calls: totals.calls,
    callsInWindow: totals.callsInWindow,
    errors: totals.errors,
    errorCodes: totals.errorCodes,
    byAction: totals.byAction,
    histogram: totals.histogram.toJSON(),
    seconds: Number.isNaN(measureStart) ? 0 : (measureEnd - measureStart) / 1000,
    disconnected: live.filter((cp) => cp.client!.closedNow).length,
  });
}

async function closeAll(): Promise<void> {
  for (const cp of chargePoints) cp.client?.terminate();
  send({ type: 'closed' });
  setTimeout(() => process.exit(0), 50);
}

process.on('message', (command: WorkerCommand) => {
  switch (command.type) {
    case 'connect':
      config = command.config;
      void connectAll();
      return;
    case 'run':
      void run();
      return;
    case 'close':
      void closeAll();
      return;
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
