// Fuzzing a running Tomada: ≥ 1,000,000 frames (framing mutations, and every OCPP 1.6 and 1.5
// action's schema, valid and invalid) over connections of both protocols. Passes when the server
// never crashed, every frame due an answer got exactly one (with its message id), no stray
// answer was answered, and no connection was dropped.
import type { FuzzReport, FuzzTally, FuzzWorkerConfig } from '../fuzz/fuzz-worker.js';
import { forkWorker, workerBeside } from '../lib/load.js';
import { cpuPercent, mib, ProcWatch, sampleProcess } from '../lib/proc-stats.js';
import { log } from '../lib/report.js';
import { removeDir, startTomada, type TomadaProcess } from '../lib/servers.js';

const WORKER = workerBeside('../fuzz/fuzz-worker.ts', import.meta.url);

export interface FuzzOptions {
  frames: number;
  /** Connections per worker process (half OCPP 1.6, half OCPP 1.5 JSON). */
  connections: number;
  workers: number;
  seed?: number;
  perAction?: number;
  /** Node's arguments that start `tomada` (startTomada's `command`). */
  command?: string[];
  /** Keep the server (and its database) for the caller, which must stop it and remove its folder. */
  keepServer?: boolean;
  quiet?: boolean;
}

export interface FuzzResult extends FuzzTally {
  serverAlive: boolean;
  serverExitCode: number | null;
  healthAfter: boolean;
  seconds: number;
  framesPerSecond: number;
  cpuPercent: number;
  maxRssMiB: number;
  seed: number;
  server?: TomadaProcess;
}

export function fuzzPassed(result: FuzzResult): boolean {
  return result.serverAlive && result.healthAfter && result.answered === result.due && result.unanswered === 0 && result.unexpected === 0 && result.closes === 0;
}

export async function fuzz(options: FuzzOptions): Promise<FuzzResult> {
  const seed = options.seed ?? Date.now() % 1_000_000;
  const server = await startTomada({ command: options.command });
  const say = options.quiet ? () => undefined : log;
  try {
    say(`fuzz: ${options.frames} frames, ${options.workers} processes × ${options.connections} connections, seed ${seed}`);
    const watch = new ProcWatch(server.pid);
    const before = sampleProcess(server.pid);
    const started = performance.now();
    const workers = Array.from({ length: options.workers }, (_, w) => {
      const worker = forkWorker<FuzzReport>(WORKER);
      const config: FuzzWorkerConfig = {
        url: server.wsUrl,
        connections: Array.from({ length: options.connections }, (_, c) => [`FUZZ-${w}-${c}`, c % 2 === 0 ? 'ocpp1.6' : 'ocpp1.5']),
        frames: Math.ceil(options.frames / options.workers),
        seed: seed + w * 7_777_777,
        ...(options.perAction ? { perAction: options.perAction } : {}),
        answerTimeoutMs: 15_000,
      };
      worker.child.send(config);
      return worker;
    });
    const sent = workers.map(() => 0);
    const tallies = await Promise.all(
      workers.map(async (worker, w) => {
        for (;;) {
          const report = await worker.next();
          if (report.type === 'done') return report;
          sent[w] = report.sent;
          if (w === 0) say(`  ${sent.reduce((a, b) => a + b, 0)} frames sent`);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const serverAlive = server.child.exitCode === null && server.child.signalCode === null;
    const after = serverAlive ? sampleProcess(server.pid) : before;
    watch.stop();
    let healthAfter = false;
    try {
      healthAfter = (await fetch(`${server.httpUrl}/health`)).ok;
    } catch {
      healthAfter = false;
    }
    const total = tallies.reduce<FuzzTally>(
      (sum, t) => {
        for (const key of ['sent', 'due', 'answered', 'unanswered', 'unexpected', 'closes'] as const) sum[key] += t[key];
        for (const [k, n] of Object.entries(t.byKind)) sum.byKind[k as keyof FuzzTally['byKind']] += n;
        for (const [k, n] of Object.entries(t.answers)) sum.answers[k] = (sum.answers[k] ?? 0) + n;
        return sum;
      },
      { sent: 0, due: 0, answered: 0, unanswered: 0, unexpected: 0, closes: 0, byKind: { valid: 0, invalid: 0, framing: 0, 'stray-answer': 0, binary: 0 }, answers: {} },
    );
    return {
      ...total,
      serverAlive,
      serverExitCode: server.child.exitCode,
      healthAfter,
      seconds,
      framesPerSecond: total.sent / seconds,
      cpuPercent: cpuPercent(before, after),
      maxRssMiB: mib(watch.maxRssBytes),
      seed,
      ...(options.keepServer ? { server } : {}),
    };
  } finally {
    if (!options.keepServer) {
      await server.stop();
      removeDir(server.dir);
    }
  }
}

export function printFuzz(result: FuzzResult): void {
  console.log(`\nfuzz (seed ${result.seed}): ${result.sent} frames in ${result.seconds.toFixed(0)} s (${result.framesPerSecond.toFixed(0)}/s), server CPU ${result.cpuPercent.toFixed(0)} %, max RSS ${result.maxRssMiB.toFixed(0)} MiB`);
  console.log(`  by kind: ${JSON.stringify(result.byKind)}`);
  console.log(`  due an answer: ${result.due}, answered: ${result.answered}, unanswered: ${result.unanswered}, unexpected answers: ${result.unexpected}, connections dropped: ${result.closes}`);
  console.log(`  answers: ${JSON.stringify(result.answers)}`);
  console.log(`  server alive: ${result.serverAlive}, /health after: ${result.healthAfter}`);
  console.log(`  ${fuzzPassed(result) ? 'PASS' : 'FAIL'}: 0 crashes and every CALL answered`);
}
