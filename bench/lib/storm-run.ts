// The reconnect storm itself, for one node (bench/scenarios/storm.ts) or several
// (bench/scenarios/idle-nodes.ts --storm): every charge point, already known to its node, comes
// back at once, reconnects, boots and reports a connector status (acknowledged, so durable),
// retrying with backoff when refused, as chargers do after an outage. Measures the time until the
// last one is done, what it cost the nodes and the load processes, and what the kernel dropped;
// then checks that the database agrees.
import { loadavg } from 'node:os';
import { Fleet, LOOPBACK_SOURCES, PER_WORKER } from './load.js';
import { acceptQueueDrops, cpuPercent, sampleProcess } from './proc-stats.js';
import { log } from './report.js';
import { within } from './within.js';

/**
 * Connections one source address serves without binding: the kernel picks each a free port of
 * its own (32768-60999 here, ~28,000, and reuses those in TIME_WAIT on loopback). Binding to a
 * chosen address makes the kernel search its ports on every connect: the load processes spent
 * 0.7-2.1 ms of CPU per charge point instead of 0.5, on the cores the server needs.
 */
export const ONE_SOURCE_ADDRESS = 20_000;

export interface StormTarget {
  /** The node's name in the report. */
  name: string;
  pid: number;
  wsUrl: string;
  /** The charge points that reconnect to it (registered there before). */
  ids: string[];
}

/** What the database holds of the storm: charge points booted, and connector statuses stored, since `since`. */
export type StoredSince = (since: string) => Promise<{ booted: number; statuses: number }>;

export interface StormResult {
  count: number;
  seconds: number;
  perSecond: number;
  connected: number;
  failed: number;
  attempts: number;
  refusedOrFailedAttempts: number;
  errors: string[];
  bootedInDatabase: number;
  statusStoredInDatabase: number;
  /** Each node's share of one core during the storm, and its CPU time per charge point it took. */
  nodes: { node: string; chargePoints: number; cpuPercent: number; cpuMsPerChargePoint: number }[];
  /** The load processes share the same cores: what they spent is what the nodes could not. */
  loadCpuPercent: number;
  loadCpuMsPerChargePoint: number;
  loadNiceness: number;
  /** Connections the kernel dropped, the accept queue full: each waits a SYN retransmission. */
  acceptQueueDrops: number;
  somaxconn: number;
  loadAverage1m: number;
  /** How long the load processes took to start, before the storm's time began (not in `seconds`). */
  loadStartSeconds: number;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Every target's charge points reconnect at once; resolves when all are booted with a status stored
 * (or the deadline passes). `loadNiceness`: the load processes' scheduling priority (Fleet).
 */
export async function reconnectStorm(targets: StormTarget[], stored: StoredSince, deadlineMs: number, loadNiceness = 0): Promise<StormResult> {
  const count = targets.reduce((n, t) => n + t.ids.length, 0);
  const fleets = targets.map(
    (target) =>
      new Fleet({
        url: target.wsUrl,
        ids: target.ids,
        workers: Math.max(1, Math.ceil(target.ids.length / PER_WORKER)),
        localAddresses: target.ids.length > ONE_SOURCE_ADDRESS ? LOOPBACK_SOURCES : [],
        mode: 'idle',
        heartbeatMs: 60_000,
        warmupMs: 0,
        durationMs: 0,
        connectConcurrency: PER_WORKER,
        connectDeadlineMs: deadlineMs,
        statusAfterBoot: true,
        niceness: loadNiceness,
      }),
  );
  try {
    // The load processes start first: their start is the bench's, not part of a storm (chargers
    // are running when the central system comes back). Until 2026-12-05 it was timed with it.
    const loadStartMs = Math.max(...(await Promise.all(fleets.map((f) => f.start()))));
    log(`storm: ${count} reconnect at once${targets.length > 1 ? `, over ${targets.length} nodes` : ''} (the load processes took ${(loadStartMs / 1000).toFixed(2)} s to start, not counted)`);
    const since = new Date().toISOString();
    const cpuBefore = targets.map((t) => sampleProcess(t.pid));
    const queueBefore = acceptQueueDrops();
    const started = performance.now();
    const results = await within(deadlineMs + 120_000, 'the storm', Promise.all(fleets.map((f) => f.connect())));
    const ms = performance.now() - started;
    const cpuAfter = targets.map((t) => sampleProcess(t.pid));
    const queueAfter = acceptQueueDrops();
    const { booted, statuses } = await stored(since);
    const loadCpuMs = results.reduce((n, r) => n + r.loadCpuMs, 0);
    const storm: StormResult = {
      count,
      seconds: round(ms / 1000),
      perSecond: round(count / (ms / 1000), 1),
      connected: results.reduce((n, r) => n + r.connected, 0),
      failed: results.reduce((n, r) => n + r.failed, 0),
      attempts: results.reduce((n, r) => n + r.attempts, 0),
      refusedOrFailedAttempts: results.reduce((n, r) => n + r.failures, 0),
      errors: [...new Set(results.flatMap((r) => r.errors))].slice(0, 5),
      bootedInDatabase: booted,
      statusStoredInDatabase: statuses,
      nodes: targets.map((target, i) => ({
        node: target.name,
        chargePoints: target.ids.length,
        cpuPercent: round(cpuPercent(cpuBefore[i]!, cpuAfter[i]!), 1),
        cpuMsPerChargePoint: round(((cpuAfter[i]!.cpuSeconds - cpuBefore[i]!.cpuSeconds) * 1000) / target.ids.length),
      })),
      loadCpuPercent: round((loadCpuMs / ms) * 100, 1),
      loadCpuMsPerChargePoint: round(loadCpuMs / count),
      loadNiceness,
      acceptQueueDrops: queueAfter.drops - queueBefore.drops,
      somaxconn: queueAfter.somaxconn,
      loadAverage1m: round(loadavg()[0]!),
      loadStartSeconds: round(loadStartMs / 1000),
    };
    printStorm(storm);
    return storm;
  } finally {
    await Promise.all(fleets.map((f) => f.close()));
  }
}

/** Whether every charge point came back, and the database holds a boot and a status of each. */
export function stormPassed(storm: StormResult): boolean {
  return storm.failed === 0 && storm.bootedInDatabase === storm.count && storm.statusStoredInDatabase === storm.count;
}

function printStorm(storm: StormResult): void {
  const over = storm.nodes.length > 1 ? ` over ${storm.nodes.length} nodes` : '';
  const outcome = storm.failed === 0 ? `all booted with status stored in ${storm.seconds} s (${storm.perSecond.toFixed(0)}/s)` : `${storm.connected} of ${storm.count} booted with status stored, the rest gave up, after ${storm.seconds} s`;
  console.log(`\nreconnect storm of ${storm.count}${over}: ${outcome}; ${storm.refusedOrFailedAttempts} attempts refused or failed and retried; ${storm.failed} never made it`);
  console.log(`database: ${storm.bootedInDatabase} booted since the storm began, ${storm.statusStoredInDatabase} connector statuses stored`);
  console.log(`server CPU during the storm: ${storm.nodes.map((n) => `${n.node} ${n.cpuPercent} % of one core, ${n.cpuMsPerChargePoint} ms per charge point`).join('; ')}`);
  console.log(`load processes' CPU: ${storm.loadCpuPercent} % of one core, ${storm.loadCpuMsPerChargePoint} ms per charge point (niceness ${storm.loadNiceness})`);
  console.log(`connections dropped with the accept queue full: ${storm.acceptQueueDrops} (net.core.somaxconn ${storm.somaxconn}); load average ${storm.loadAverage1m}`);
}
