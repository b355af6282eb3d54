// Reconnect storm: charge points known to the node (registered by a first connection) all drop
// and come back at once; each reconnects, boots and reports its connector status, retrying with
// backoff when refused, as chargers do after an outage. Measures the time until every one is
// booted with its status stored (acknowledged, so durable), then checks the database agrees.
// The open-file limit of one process (20,000 here) bounds one node's share: see idle.ts.
import BetterSqlite3 from 'better-sqlite3';
import { Fleet } from '../lib/load.js';
import { chargePointIds } from '../lib/measure.js';
import { acceptQueueDrops, cpuPercent, mib, ProcWatch, sampleProcess } from '../lib/proc-stats.js';
import { log } from '../lib/report.js';
import { removeDir, startTomada } from '../lib/servers.js';
import { LOOPBACK_SOURCES, PER_WORKER } from './idle.js';

export interface StormOptions {
  count: number;
  cpuProfDir?: string | undefined;
}

/**
 * Connections one source address serves without binding: the kernel picks each a free port of
 * its own (32768-60999 here, ~28,000, and reuses those in TIME_WAIT on loopback). Binding to a
 * chosen address makes the kernel search its ports on every connect: the load processes spent
 * 0.7-2.1 ms of CPU per charge point instead of 0.5, on the cores the server needs.
 */
const ONE_SOURCE_ADDRESS = 20_000;

export async function storm(options: StormOptions): Promise<Record<string, unknown>> {
  const server = await startTomada({ cpuProfDir: options.cpuProfDir });
  const ids = chargePointIds(options.count, 'STORM-');
  const fleetFor = (statusAfterBoot: boolean, concurrency: number) =>
    new Fleet({
      url: server.wsUrl,
      ids,
      workers: Math.max(1, Math.ceil(ids.length / PER_WORKER)),
      localAddresses: ids.length > ONE_SOURCE_ADDRESS ? LOOPBACK_SOURCES : [],
      mode: 'idle',
      heartbeatMs: 60_000,
      warmupMs: 0,
      durationMs: 0,
      connectConcurrency: concurrency,
      connectDeadlineMs: 300_000,
      statusAfterBoot,
    });
  const watch = new ProcWatch(server.pid, 500);
  try {
    log(`registering ${options.count} charge points (first connection)`);
    const first = fleetFor(false, 200);
    const registered = await first.connect();
    if (registered.failed > 0) throw new Error(`${registered.failed} could not register: ${registered.errors.join('; ')}`);
    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 5000));

    log(`storm: ${options.count} reconnect at once`);
    const since = new Date().toISOString();
    const stormFleet = fleetFor(true, PER_WORKER);
    const cpuBefore = sampleProcess(server.pid);
    const queueBefore = acceptQueueDrops();
    const result = await stormFleet.connect();
    const cpuAfter = sampleProcess(server.pid);
    const queueAfter = acceptQueueDrops();
    await stormFleet.close();
    watch.stop();

    const db = new BetterSqlite3(server.dbPath, { readonly: true });
    const booted = (db.prepare("select count(*) as n from charge_points where id like 'STORM-%' and last_boot_at >= ?").get(since) as { n: number }).n;
    const statuses = (db.prepare("select count(*) as n from connectors where charge_point_id like 'STORM-%' and connector_id = 1 and updated_at >= ?").get(since) as { n: number }).n;
    db.close();
    const seconds = result.ms / 1000;
    const rate = result.connected / seconds;
    const summary = {
      options: { count: options.count },
      seconds,
      connected: result.connected,
      failed: result.failed,
      attempts: result.attempts,
      refusedOrFailedAttempts: result.failures,
      errors: result.errors,
      bootedInDatabase: booted,
      statusStoredInDatabase: statuses,
      perSecond: rate,
      extrapolated100kSeconds: 100_000 / rate,
      maxRssMiB: mib(watch.maxRssBytes),
      // Whether the server or the load was the limit: the server's share of the two cores, and
      // its CPU time per charge point (handshake, boot, status, their commits).
      serverCpuPercent: cpuPercent(cpuBefore, cpuAfter),
      serverCpuMsPerChargePoint: ((cpuAfter.cpuSeconds - cpuBefore.cpuSeconds) * 1000) / options.count,
      // The load processes share the same two cores: what they spent is what the server could not.
      loadCpuPercent: (result.loadCpuMs / result.ms) * 100,
      loadCpuMsPerChargePoint: result.loadCpuMs / options.count,
      // Connections the kernel dropped, the accept queue full: each waits a SYN retransmission.
      acceptQueueDrops: queueAfter.drops - queueBefore.drops,
      somaxconn: queueAfter.somaxconn,
    };
    console.log(`\nreconnect storm of ${options.count}: all booted with status stored in ${seconds.toFixed(1)} s (${rate.toFixed(0)}/s); ${result.failures} attempts refused or failed and retried`);
    console.log(`database: ${booted} booted since the storm began, ${statuses} connector statuses stored; server max RSS ${summary.maxRssMiB.toFixed(0)} MiB`);
    console.log(`server CPU during the storm: ${summary.serverCpuPercent.toFixed(0)} % of one core, ${summary.serverCpuMsPerChargePoint.toFixed(2)} ms per charge point`);
    console.log(`connections dropped with the accept queue full: ${summary.acceptQueueDrops} (net.core.somaxconn ${summary.somaxconn})`);
    console.log(`load processes' CPU: ${summary.loadCpuPercent.toFixed(0)} % of one core, ${summary.loadCpuMsPerChargePoint.toFixed(2)} ms per charge point`);
    console.log(`at that rate 100,000 would take ${summary.extrapolated100kSeconds.toFixed(0)} s (target ≤ 45 s) — measured up to ${options.count} on one node`);
    return summary;
  } finally {
    watch.stop();
    await server.stop();
    removeDir(server.dir);
  }
}
