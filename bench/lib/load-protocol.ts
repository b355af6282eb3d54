// The messages between the load orchestrator (load.ts) and its worker processes (load-worker.ts).
import type { HistogramData } from './histogram.js';

export interface WorkerConfig {
  /** ws://HOST:PORT/ocpp (the charge point id is appended). */
  url: string;
  ids: string[];
  localAddress?: string | undefined;
  /** closed: next CALL as soon as the answer is in; rate: fixed calls/s; idle: a Heartbeat every heartbeatMs. */
  mode: 'closed' | 'rate' | 'idle';
  /** This worker's total calls per second (rate mode). */
  ratePerSecond?: number;
  heartbeatMs?: number;
  warmupMs: number;
  durationMs: number;
  connectConcurrency: number;
  /** Keep retrying a failed connection or boot until this long after the start. */
  connectDeadlineMs: number;
  /** Send a StatusNotification right after the boot (reconnect storm: "status stored"). */
  statusAfterBoot: boolean;
  /** MeterValues per charging session (default 4). */
  meterValuesPerSession?: number | undefined;
}

export type WorkerCommand = { type: 'connect'; config: WorkerConfig } | { type: 'run' } | { type: 'close' };

export interface ConnectedReport {
  type: 'connected';
  connected: number;
  failed: number;
  attempts: number;
  failures: number;
  errors: string[];
  ms: number;
  /** The worker's own CPU time while it connected (ms), to tell whether the load or the server bounded a run. */
  cpuMs: number;
}

export interface ResultReport {
  type: 'result';
  /**
   * Answers measured (latency): closed loop, those that came back after the warm-up, including
   * those of calls still in flight at the end; on a schedule, those of the calls due in the window.
   */
  calls: number;
  /** What calls/s counts, CALLRESULTs only: closed loop, those that came back within the measured window; on a schedule, those to the calls due in it. */
  callsInWindow: number;
  errors: number;
  errorCodes: Record<string, number>;
  byAction: Record<string, number>;
  histogram: HistogramData;
  /** First to last measured answer. */
  seconds: number;
  disconnected: number;
}

/** `ready`: the worker has loaded and waits for its order (sent once, first). */
export type WorkerReport = { type: 'ready' } | ConnectedReport | ResultReport | { type: 'closed' };
