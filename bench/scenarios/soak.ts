// Soak: charge points go round whole visits (connect, boot, status, a session, a heartbeat, hang
// up) for many minutes against one node, and the node's heap is measured after a full collection
// every few seconds (bench/soak/heap-after-gc.mjs). A node runs for months: anything it keeps per
// connection, per call or per charge point and never lets go shows here as a heap that keeps
// growing, where a sound one levels off once warmed up. With `strangers`, every visit comes under
// a new id (new chargers joining, or a scanner trying ids), so what is kept per id shows too.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkWorker, workerBeside } from '../lib/load.js';
import { chargePointIds } from '../lib/measure.js';
import { log } from '../lib/report.js';
import { median } from '../lib/turns.js';
import { removeDir, startTomadaStoring } from '../lib/servers.js';
import { registerIdTags } from './throughput.js';
import type { SoakWorkerReport } from '../soak/soak-worker.js';

const WORKER = workerBeside('../soak/soak-worker.ts', import.meta.url);
const HEAP_SAMPLER = fileURLToPath(new URL('../soak/heap-after-gc.mjs', import.meta.url));
const SAMPLE_EVERY_MS = 5_000;

export interface SoakOptions {
  minutes: number;
  chargePoints: number;
  workers: number;
  strangers: boolean;
  /** Store on this PostgreSQL database (a fresh schema in it, dropped after) instead of a SQLite file. */
  postgres?: string | undefined;
}

interface HeapSample {
  seconds: number;
  heapMiB: number;
  rssMiB: number;
}

export interface SoakResult {
  store: 'sqlite' | 'postgres';
  minutes: number;
  chargePoints: number;
  strangers: boolean;
  visits: number;
  calls: number;
  errors: number;
  firstError?: string;
  /** The first minute, warming up, is left out of what follows. */
  warmupSeconds: number;
  /** Medians of the heap after a full collection, and of RSS, in the first and the last minute measured. */
  heapFirstMiB: number;
  heapLastMiB: number;
  rssFirstMiB: number;
  rssLastMiB: number;
  /** The least-squares slope of the heap after a full collection, over the minutes measured. */
  heapMiBPerHour: number;
  /** The heap's growth from the first minute measured to the last, per 1,000 visits made meanwhile. */
  heapKiBPer1000Visits: number;
  samples: HeapSample[];
}

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((sum, p) => sum + p.x, 0) / n;
  const my = points.reduce((sum, p) => sum + p.y, 0) / n;
  const sxy = points.reduce((sum, p) => sum + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((sum, p) => sum + (p.x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

function readSamples(file: string, startedAt: number): HeapSample[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ').map(Number))
    .map(([ms, heap, rss]) => ({ seconds: (ms! - startedAt) / 1000, heapMiB: heap! / 2 ** 20, rssMiB: rss! / 2 ** 20 }));
}

export async function soak(options: SoakOptions): Promise<SoakResult> {
  if (options.minutes < 3) throw new Error('a soak needs at least 3 minutes: one to warm up, one at each end');
  const heapDir = mkdtempSync(join(tmpdir(), 'tomada-soak-'));
  const heapFile = join(heapDir, 'heap.txt');
  const server = await startTomadaStoring(options.postgres, 'bench_soak', {
    nodeArgs: ['--expose-gc', `--import=${HEAP_SAMPLER}`],
    env: { TOMADA_BENCH_HEAP_FILE: heapFile, TOMADA_BENCH_HEAP_EVERY_MS: String(SAMPLE_EVERY_MS) },
  });
  const ids = chargePointIds(options.chargePoints, 'SOAK-');
  const workers: ReturnType<typeof forkWorker<SoakWorkerReport>>[] = [];
  try {
    await registerIdTags(server, ids);
    const startedAt = Date.now();
    workers.push(...Array.from({ length: options.workers }, () => forkWorker<SoakWorkerReport>(WORKER)));
    workers.forEach((worker, w) => {
      const own = ids.filter((_, i) => i % options.workers === w);
      worker.child.send({ type: 'start', config: { url: server.wsUrl, ids: own, strangers: options.strangers } });
    });
    for (let minute = 1; minute <= options.minutes; minute++) {
      await new Promise((resolve) => setTimeout(resolve, 60_000));
      const samples = readSamples(heapFile, startedAt);
      const last = samples.at(-1);
      log(`minute ${minute}/${options.minutes}: heap after a full collection ${last?.heapMiB.toFixed(1) ?? '?'} MiB, RSS ${last?.rssMiB.toFixed(0) ?? '?'} MiB`);
    }
    for (const worker of workers) worker.child.send({ type: 'stop' });
    const reports = await Promise.all(workers.map((worker) => worker.next()));
    const visits = reports.reduce((sum, r) => sum + r.visits, 0);
    const samples = readSamples(heapFile, startedAt);
    const warmupSeconds = 60;
    const measured = samples.filter((s) => s.seconds >= warmupSeconds);
    const first = measured.filter((s) => s.seconds < warmupSeconds + 60);
    const endSeconds = samples.at(-1)?.seconds ?? 0;
    const last = measured.filter((s) => s.seconds >= endSeconds - 60);
    const heapFirstMiB = median(first.map((s) => s.heapMiB));
    const heapLastMiB = median(last.map((s) => s.heapMiB));
    // The visits made between the middles of the first and the last minute measured: they come at
    // an even enough pace to share them out by time.
    const measuredVisits = (visits * (endSeconds - warmupSeconds - 60)) / endSeconds;
    const errors = reports.reduce((sum, r) => sum + r.errors, 0);
    const firstError = reports.find((r) => r.firstError)?.firstError;
    return {
      store: options.postgres ? 'postgres' : 'sqlite',
      minutes: options.minutes,
      chargePoints: options.chargePoints,
      strangers: options.strangers,
      visits,
      calls: reports.reduce((sum, r) => sum + r.calls, 0),
      errors,
      ...(firstError ? { firstError } : {}),
      warmupSeconds,
      heapFirstMiB,
      heapLastMiB,
      rssFirstMiB: median(first.map((s) => s.rssMiB)),
      rssLastMiB: median(last.map((s) => s.rssMiB)),
      heapMiBPerHour: slope(measured.map((s) => ({ x: s.seconds / 3600, y: s.heapMiB }))),
      heapKiBPer1000Visits: ((heapLastMiB - heapFirstMiB) * 1024) / (measuredVisits / 1000),
      samples,
    };
  } finally {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await server.stop();
    removeDir(server.dir);
    removeDir(heapDir);
  }
}

export function printSoak(result: SoakResult): void {
  const who = result.strangers ? 'each visit under a new id' : 'the same ids';
  console.log(`\nsoak: ${result.minutes} min, ${result.chargePoints} charge points going round visits (${who}), store: ${result.store}`);
  console.log(`  ${result.visits} visits (connect, boot, status, start, 2 meter values, stop, heartbeat, hang up), ${result.calls} calls, ${result.errors} errors${result.firstError ? ` (first: ${result.firstError})` : ''}`);
  console.log(`  heap after a full collection, first minute after the warm-up → last minute: ${result.heapFirstMiB.toFixed(1)} → ${result.heapLastMiB.toFixed(1)} MiB`);
  console.log(`  its slope over the run: ${result.heapMiBPerHour.toFixed(2)} MiB per hour; ${result.heapKiBPer1000Visits.toFixed(2)} KiB per 1,000 visits`);
  console.log(`  RSS: ${result.rssFirstMiB.toFixed(0)} → ${result.rssLastMiB.toFixed(0)} MiB`);
}
