// The load orchestrator: forks worker processes (load-worker.ts), hands each a share of the charge
// points, and merges what they measure. Runs in the bench's main process, apart from the server.
import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Histogram, type HistogramData } from './histogram.js';
import type { ConnectedReport, ResultReport, WorkerConfig, WorkerReport } from './load-protocol.js';

const WORKER = workerBeside('./load-worker.ts', import.meta.url);

/** Connections per load process: well under its own open-file limit. */
export const PER_WORKER = 5000;
/** Source addresses for loads larger than one address's ports serve (127.0.0.1-127.0.0.8). */
export const LOOPBACK_SOURCES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 1}`);

export interface FleetOptions extends Omit<WorkerConfig, 'ids' | 'localAddress' | 'ratePerSecond'> {
  ids: string[];
  workers: number;
  /** Source addresses spread over the workers (127.0.0.x), so no address runs out of ports. */
  localAddresses?: string[];
  /** Total calls per second over all workers (rate mode). */
  ratePerSecond?: number;
  /**
   * Scheduling priority of the load processes (os.setPriority; 0 by default, 19 the lowest): they
   * stand in for chargers, whose CPUs are not the server's. Linux shares a core equally between
   * runnable processes, so 30 load processes at the server's priority leave 6 nodes a sixth of it.
   */
  niceness?: number;
}

export interface ConnectSummary {
  connected: number;
  failed: number;
  attempts: number;
  failures: number;
  errors: string[];
  /** From the order to connect (the workers already started) until the last worker had every charge point connected and booted. */
  ms: number;
  /** CPU time of all the load processes while they connected, ms. */
  loadCpuMs: number;
}

export interface LoadSummary {
  /**
   * Answers measured (latency): closed loop, including those of calls still in flight when the
   * window ended; at a fixed rate, those of the calls due in the window (not in the warm-up).
   */
  calls: number;
  /** CALLRESULTs per second of the measured window: closed loop, those that came back within it; at a fixed rate, those to the calls due in it. */
  callsPerSecond: number;
  /** Measured calls answered otherwise: a CALLERROR, or ConnectionClosed when the connection dropped. */
  errors: number;
  /** The errors by CALLERROR code (ConnectionClosed: the connection dropped with the call in flight). */
  errorCodes: Record<string, number>;
  byAction: Record<string, number>;
  p50: number;
  p99: number;
  p999: number;
  maxMs: number;
  disconnected: number;
}

export interface Worker<Report> {
  child: ChildProcess;
  /** The worker's next message (queued if it came before it was asked for). */
  next(): Promise<Report>;
}

/**
 * A worker module beside the caller (`moduleUrl`, its import.meta.url), named by its TypeScript
 * file: the compiled one when the caller runs compiled (the tests, from .build/main/).
 */
export function workerBeside(path: string, moduleUrl: string): string {
  return fileURLToPath(new URL(moduleUrl.endsWith('.ts') ? path : path.replace(/\.ts$/, '.js'), moduleUrl));
}

/** Forks a worker script with an IPC channel; a TypeScript one through tsx. */
export function forkWorker<Report>(script: string): Worker<Report> {
  const execArgv = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = fork(script, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const inbox: Report[] = [];
  const waiting: { resolve: (report: Report) => void; reject: (error: Error) => void }[] = [];
  child.on('message', (report: Report) => {
    const waiter = waiting.shift();
    if (waiter) waiter.resolve(report);
    else inbox.push(report);
  });
  child.once('exit', (code) => {
    for (const waiter of waiting.splice(0)) waiter.reject(new Error(`worker ${script} exited (${code})`));
  });
  return {
    child,
    next: () =>
      new Promise((resolve, reject) => {
        const queued = inbox.shift();
        if (queued !== undefined) return resolve(queued);
        if (child.exitCode !== null) return reject(new Error(`worker ${script} exited (${child.exitCode})`));
        waiting.push({ resolve, reject });
      }),
  };
}

export class Fleet {
  private readonly workers: Worker<WorkerReport>[] = [];
  /** The latencies of the last run(), merged over the workers (to merge further across fleets). */
  histogram: HistogramData | undefined;

  constructor(private readonly options: FleetOptions) {}

  /**
   * Forks the workers and waits until each has loaded its code and can take an order, so that what
   * is timed next (a storm, a connect phase) starts when the charge points start, not when the
   * processes do: a worker takes 0.5-0.8 s of CPU to start through tsx, on the server's cores.
   * Returns how long that took. connect() calls it when it was not called before.
   */
  async start(): Promise<number> {
    if (this.workers.length > 0) return 0;
    const started = performance.now();
    for (let w = 0; w < this.options.workers; w++) {
      const worker = forkWorker<WorkerReport>(WORKER);
      this.workers.push(worker);
      const { niceness } = this.options;
      if (niceness !== undefined && worker.child.pid !== undefined) setPriority(worker.child.pid, niceness);
    }
    for (const report of await Promise.all(this.workers.map((w) => w.next()))) {
      if (report.type !== 'ready') throw new Error(`a load worker sent ${report.type} before it was ready`);
    }
    return performance.now() - started;
  }

  /** Starts the workers (unless start() did), then each connects and boots its charge points. */
  async connect(): Promise<ConnectSummary> {
    await this.start();
    // The niceness is applied to the processes, not sent to them.
    const { ids, workers: count, localAddresses = [], ratePerSecond, niceness: _niceness, ...rest } = this.options;
    const started = performance.now();
    const shares = Array.from({ length: count }, (_, w) => ids.filter((_, i) => i % count === w));
    for (const [w, share] of shares.entries()) {
      const config: WorkerConfig = {
        ...rest,
        ids: share,
        localAddress: localAddresses.length > 0 ? localAddresses[w % localAddresses.length] : undefined,
        ...(ratePerSecond !== undefined ? { ratePerSecond: (ratePerSecond * share.length) / ids.length } : {}),
      };
      this.workers[w]!.child.send({ type: 'connect', config });
    }
    const reports = (await Promise.all(this.workers.map((w) => w.next()))) as ConnectedReport[];
    return {
      connected: sum(reports.map((r) => r.connected)),
      failed: sum(reports.map((r) => r.failed)),
      attempts: sum(reports.map((r) => r.attempts)),
      failures: sum(reports.map((r) => r.failures)),
      errors: [...new Set(reports.flatMap((r) => r.errors))].slice(0, 5),
      ms: performance.now() - started,
      loadCpuMs: sum(reports.map((r) => r.cpuMs)),
    };
  }

  /** Runs the load (warm-up, then the measured time) and merges the workers' results. */
  async run(): Promise<LoadSummary> {
    for (const worker of this.workers) worker.child.send({ type: 'run' });
    const reports = (await Promise.all(this.workers.map((w) => w.next()))) as ResultReport[];
    const histogram = new Histogram();
    const errorCodes: Record<string, number> = {};
    const byAction: Record<string, number> = {};
    for (const report of reports) {
      histogram.merge(report.histogram);
      for (const [code, n] of Object.entries(report.errorCodes)) errorCodes[code] = (errorCodes[code] ?? 0) + n;
      for (const [action, n] of Object.entries(report.byAction)) byAction[action] = (byAction[action] ?? 0) + n;
    }
    this.histogram = histogram.toJSON();
    const calls = sum(reports.map((r) => r.calls));
    return {
      calls,
      callsPerSecond: sum(reports.map((r) => r.callsInWindow)) / (this.options.durationMs / 1000),
      errors: sum(reports.map((r) => r.errors)),
      errorCodes,
      byAction,
      p50: histogram.percentileMs(0.5),
      p99: histogram.percentileMs(0.99),
      p999: histogram.percentileMs(0.999),
      maxMs: histogram.max / 1000,
      disconnected: sum(reports.map((r) => r.disconnected)),
    };
  }

  /** The worker processes' ids (to read their memory from /proc). */
  pids(): number[] {
    return this.workers.map((w) => w.child.pid).filter((pid): pid is number => pid !== undefined);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(async (worker) => {
        if (worker.child.exitCode !== null) return;
        const exited = new Promise((resolve) => worker.child.once('exit', resolve));
        worker.child.send({ type: 'close' });
        const timer = setTimeout(() => worker.child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
