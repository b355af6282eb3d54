// One measured load run against one server: connect the fleet, run it, read the server's CPU and
// memory from /proc around the measured part.
import { Fleet, type FleetOptions, type LoadSummary } from './load.js';
import { cpuPercent, mib, ProcWatch, sampleProcess } from './proc-stats.js';
import type { ServerProcess } from './servers.js';

export interface Measured extends LoadSummary {
  server: string;
  chargePoints: number;
  /** Server CPU over the run, percent of one core. */
  cpuPercent: number;
  rssMiB: number;
  maxRssMiB: number;
  connectMs: number;
  /** The rate the load offered (fixed rate only), calls/s; callsPerSecond is what was answered. */
  ratePerSecond?: number;
}

export async function measure(server: ServerProcess, options: Omit<FleetOptions, 'url'>): Promise<Measured> {
  const fleet = new Fleet({ ...options, url: server.wsUrl });
  try {
    const connected = await fleet.connect();
    if (connected.failed > 0) throw new Error(`${server.name}: ${connected.failed} charge points could not connect (${connected.errors.join('; ')})`);
    const watch = new ProcWatch(server.pid);
    // CPU is read over the measured window only, as calls/s is: the warm-up is left out, and so is
    // the tail after the window while the load processes wait for their last answers and report.
    const running = fleet.run();
    const sampleAt = (ms: number) => new Promise<ReturnType<typeof sampleProcess>>((resolve) => setTimeout(() => resolve(sampleProcess(server.pid)), ms));
    const [before, after] = await Promise.all([sampleAt(options.warmupMs), sampleAt(options.warmupMs + options.durationMs)]);
    const summary = await running;
    watch.stop();
    return {
      server: server.name,
      chargePoints: options.ids.length,
      ...summary,
      cpuPercent: cpuPercent(before, after),
      rssMiB: mib(after.rssBytes),
      maxRssMiB: mib(Math.max(watch.maxRssBytes, after.rssBytes)),
      connectMs: connected.ms,
      ...(options.mode === 'rate' ? { ratePerSecond: options.ratePerSecond } : {}),
    };
  } finally {
    await fleet.close();
  }
}

export function chargePointIds(count: number, prefix = 'BENCH-'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);
}
