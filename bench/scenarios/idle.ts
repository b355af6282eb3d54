// Idle charge points on one node: they connect in stages, boot, and then only send a Heartbeat
// every 60 s. Measures the server's RSS at each stage, so memory per connection is a measured
// slope, and the heartbeats' latency over a full interval. One process here may hold at most
// 20,000 open files (a hard limit this machine does not let us raise), so one node is measured up
// to ~19,000 connections and 100,000 is extrapolated from the slope (docs/PERFORMANCE.md).
import { Fleet, LOOPBACK_SOURCES, PER_WORKER, type LoadSummary } from '../lib/load.js';
import { chargePointIds } from '../lib/measure.js';
import { mib, ProcWatch, sampleProcess } from '../lib/proc-stats.js';
import { log, printTable } from '../lib/report.js';
import { removeDir, startTomada } from '../lib/servers.js';

export interface IdleOptions {
  count: number;
  stages: number;
  heartbeatS: number;
}


const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function idle(options: IdleOptions): Promise<Record<string, unknown>> {
  const server = await startTomada({ env: { TOMADA_HEARTBEAT_INTERVAL: String(options.heartbeatS) } });
  const fleets: Fleet[] = [];
  const watch = new ProcWatch(server.pid, 1000);
  try {
    await sleep(2000);
    const empty = sampleProcess(server.pid);
    const stages: { connections: number; rssMiB: number; connectMs: number }[] = [{ connections: 0, rssMiB: mib(empty.rssBytes), connectMs: 0 }];
    const ids = chargePointIds(options.count, 'IDLE-');
    const perStage = Math.ceil(options.count / options.stages);
    for (let stage = 0; stage < options.stages; stage++) {
      const share = ids.slice(stage * perStage, (stage + 1) * perStage);
      const fleet = new Fleet({
        url: server.wsUrl,
        ids: share,
        workers: Math.max(1, Math.ceil(share.length / PER_WORKER)),
        localAddresses: LOOPBACK_SOURCES.slice(stage % 2 === 0 ? 0 : 4),
        mode: 'idle',
        heartbeatMs: options.heartbeatS * 1000,
        warmupMs: 0,
        durationMs: options.heartbeatS * 1000 + 5000,
        connectConcurrency: 200,
        connectDeadlineMs: 120_000,
        statusAfterBoot: false,
      });
      fleets.push(fleet);
      const connected = await fleet.connect();
      if (connected.failed > 0) throw new Error(`${connected.failed} idle charge points could not connect: ${connected.errors.join('; ')}`);
      await sleep(3000);
      const connections = stages.at(-1)!.connections + share.length;
      stages.push({ connections, rssMiB: mib(sampleProcess(server.pid).rssBytes), connectMs: connected.ms });
      log(`${connections} connected, server RSS ${stages.at(-1)!.rssMiB.toFixed(0)} MiB`);
    }
    // One full heartbeat interval with every charge point connected.
    log(`heartbeats for ${options.heartbeatS + 5} s`);
    // The peak while the heartbeats run, apart from the connection stages' own.
    const heartbeatWatch = new ProcWatch(server.pid, 250);
    const runs: LoadSummary[] = await Promise.all(fleets.map((f) => f.run()));
    heartbeatWatch.stop();
    const heartbeats = runs.reduce((n, r) => n + r.calls, 0);
    const errors = runs.reduce((n, r) => n + r.errors + r.disconnected, 0);
    const after = sampleProcess(server.pid);
    const first = stages[0]!;
    const last = stages.at(-1)!;
    const perConnectionKiB = ((last.rssMiB - first.rssMiB) * 1024) / last.connections;
    const extrapolatedGiB = (first.rssMiB + (perConnectionKiB * 100_000) / 1024) / 1024;
    const result = {
      options,
      stages,
      rssAfterHeartbeatsMiB: mib(after.rssBytes),
      maxRssMiB: mib(watch.maxRssBytes),
      maxRssDuringHeartbeatsMiB: mib(heartbeatWatch.maxRssBytes),
      perConnectionKiB,
      extrapolated100kGiB: extrapolatedGiB,
      heartbeats,
      errors,
      heartbeatP50: Math.max(...runs.map((r) => r.p50)),
      heartbeatP99: Math.max(...runs.map((r) => r.p99)),
    };
    printTable(`idle charge points on one node (heartbeat every ${options.heartbeatS} s)`, stages.map((s) => ({ connections: s.connections, 'rss MiB': Math.round(s.rssMiB), 'connect+boot s': s.connectMs / 1000 })));
    console.log(`\nRSS per connection (slope 0 → ${last.connections}): ${perConnectionKiB.toFixed(1)} KiB; max RSS ${result.maxRssMiB.toFixed(0)} MiB, ${result.maxRssDuringHeartbeatsMiB.toFixed(0)} MiB while the heartbeats ran`);
    console.log(`heartbeats answered: ${heartbeats}, errors or drops: ${errors}, p50 ${result.heartbeatP50.toFixed(1)} ms, p99 ${result.heartbeatP99.toFixed(1)} ms (worst stage)`);
    console.log(`extrapolated to 100,000 connections: ${extrapolatedGiB.toFixed(2)} GiB (target ≤ 1.5 GiB) — measured up to ${last.connections}`);
    return result;
  } finally {
    watch.stop();
    await Promise.all(fleets.map((f) => f.close()));
    await server.stop();
    removeDir(server.dir);
  }
}
