// Throughput: N closed-loop charge points against the bare ws ceiling, the ocpp-rpc strict
// baseline and Tomada's full path, in the same run; then Tomada at a fixed rate of half its
// measured saturation, for the latency target.
import { ChargePointScript } from '../lib/charge-point-script.js';
import { chargePointIds, measure, type Measured } from '../lib/measure.js';
import { log, printTable, saveResult, type Row } from '../lib/report.js';
import { groupCommits, removeDir, startBaseline, startTomadaStoring, type BaselineKind, type ServerProcess, type TomadaProcess } from '../lib/servers.js';

const BASELINES: BaselineKind[] = ['bare-ws', 'ocpp-rpc'];

export interface ThroughputOptions {
  chargePoints: number;
  workers: number;
  warmupMs: number;
  durationMs: number;
  /** Also run Tomada at 50 % of its saturation (fixed rate). */
  halfRate: boolean;
  cpuProfDir?: string | undefined;
  only?: string[] | undefined;
  /** Tomada stores on this PostgreSQL database (a fresh schema per server) instead of a SQLite file. */
  postgres?: string | undefined;
  /** MeterValues per charging session (default 4). */
  meterValuesPerSession?: number | undefined;
  /**
   * Tomada alone at this fixed rate (calls/s), instead of the closed loop and its half rate: the
   * same load for two revisions, to compare their latency.
   */
  fixedRate?: number | undefined;
}

/** Registers each bench charge point's id tag as Accepted, as an operator would. */
export async function registerIdTags(tomada: TomadaProcess, ids: string[]): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < ids.length) {
      const idTag = ChargePointScript.idTagOf(ids[next++]!);
      const { status } = await tomada.api('PUT', `/api/v1/id-tags/${encodeURIComponent(idTag)}`, { status: 'Accepted' });
      if (status >= 300) throw new Error(`id tag ${idTag}: HTTP ${status}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
}

async function withServer<T>(start: () => Promise<ServerProcess>, body: (server: ServerProcess) => Promise<T>): Promise<T> {
  const server = await start();
  try {
    return await body(server);
  } finally {
    await server.stop();
    if ('dir' in server) removeDir((server as TomadaProcess).dir);
  }
}

/** Units of work per group commit over the server's whole run so far, from its /metrics. */
async function unitsPerBatch(server: TomadaProcess): Promise<number | undefined> {
  const { units, batches } = await groupCommits(server);
  const ratio = units / batches;
  return Number.isFinite(ratio) ? Math.round(ratio * 10) / 10 : undefined;
}

/** Measures Tomada, then reads how large its group commits were. */
async function measureTomada(server: TomadaProcess, options: Parameters<typeof measure>[1]): Promise<Measured & { unitsPerBatch?: number | undefined }> {
  await registerIdTags(server, options.ids);
  const measured = await measure(server, options);
  return { ...measured, unitsPerBatch: await unitsPerBatch(server) };
}

function row(m: Measured & { unitsPerBatch?: number | undefined }, extra: Row = {}): Row {
  return {
    server: m.server,
    mode: extra.mode,
    cps: m.chargePoints,
    'calls/s': Math.round(m.callsPerSecond),
    'p50 ms': m.p50,
    'p99 ms': m.p99,
    'p999 ms': m.p999,
    'cpu %': Math.round(m.cpuPercent),
    // Server CPU time per answered call: steadier than calls/s when other work shares the cores.
    'cpu µs/call': Math.round((m.cpuPercent / 100) * 1e6 / m.callsPerSecond),
    'rss MiB': Math.round(m.maxRssMiB),
    errors: m.errors,
    'units/batch': m.unitsPerBatch ?? '',
    ...extra,
  };
}

/**
 * The runs whose server answered a measured call with an error, or dropped a charge point's
 * connection: their calls/s and latency are not a server's that did the work. One line each.
 */
export function runProblems(runs: Record<string, Measured>): string[] {
  return Object.entries(runs)
    .filter(([, m]) => m.errors > 0 || m.disconnected > 0)
    .map(([name, m]) => `${name}: ${m.errors} errors in the measured window ${JSON.stringify(m.errorCodes)}, ${m.disconnected} charge points disconnected`);
}

/** Prints the problems, if any, under the table; the bench then exits 1. */
function printProblems(problems: string[]): void {
  if (problems.length === 0) return;
  console.log('\nFAIL (the bench exits 1): a server answered measured calls with errors, or dropped connections; calls/s counts CALLRESULTs only, and these figures are no clean run:');
  for (const problem of problems) console.log(`  ${problem}`);
}

export async function throughput(options: ThroughputOptions): Promise<Record<string, unknown> & { problems: string[] }> {
  const ids = chargePointIds(options.chargePoints);
  const base = { ids, workers: options.workers, warmupMs: options.warmupMs, durationMs: options.durationMs, connectConcurrency: 50, connectDeadlineMs: 60_000, statusAfterBoot: false, meterValuesPerSession: options.meterValuesPerSession };
  const results: Record<string, Measured & { unitsPerBatch?: number | undefined }> = {};
  const wanted = (name: string) => !options.only || options.only.includes(name);
  const baseline = (kind: BaselineKind, mode: { mode: 'closed' } | { mode: 'rate'; ratePerSecond: number }) =>
    withServer(() => startBaseline(kind), (server) => measure(server, { ...base, ...mode }));

  const startTomada = () => startTomadaStoring(options.postgres, 'bench_throughput', { cpuProfDir: options.cpuProfDir });
  if (options.fixedRate !== undefined) {
    log(`tomada: fixed rate ${options.fixedRate} calls/s`);
    const measured = await withServer(startTomada, (server) => measureTomada(server as TomadaProcess, { ...base, mode: 'rate', ratePerSecond: options.fixedRate! }));
    printTable(`Tomada at a fixed rate, ${options.chargePoints} charge points, ${options.durationMs / 1000} s measured after ${options.warmupMs / 1000} s warm-up`, [
      row(measured, { mode: `rate ${options.fixedRate}/s` }),
    ]);
    const problems = runProblems({ [`tomada rate ${options.fixedRate}/s`]: measured });
    printProblems(problems);
    return { options: { ...options, only: undefined }, fixedRate: measured, problems };
  }
  for (const kind of BASELINES) {
    if (!wanted(kind)) continue;
    log(`${kind}: ${options.chargePoints} closed-loop charge points`);
    results[kind] = await baseline(kind, { mode: 'closed' });
  }
  if (wanted('tomada')) {
    log(`tomada: ${options.chargePoints} closed-loop charge points`);
    results.tomada = await withServer(startTomada, (server) => measureTomada(server as TomadaProcess, { ...base, mode: 'closed' }));
  }
  let half: (Measured & { unitsPerBatch?: number | undefined }) | undefined;
  if (options.halfRate && results.tomada) {
    const rate = Math.round(results.tomada.callsPerSecond / 2);
    log(`tomada: fixed rate ${rate} calls/s (half of saturation)`);
    half = await withServer(startTomada, (server) => measureTomada(server as TomadaProcess, { ...base, mode: 'rate', ratePerSecond: rate }));
  }
  // The baselines at that same rate: what latency a server that does almost nothing shows on these
  // shared cores, the floor under Tomada's p99. The rate Tomada was offered, not what it answered.
  const sameRate: Record<string, Measured> = {};
  if (half) {
    const ratePerSecond = half.ratePerSecond!;
    for (const kind of BASELINES) {
      if (!results[kind]) continue;
      log(`${kind}: fixed rate ${ratePerSecond} calls/s (Tomada's half rate)`);
      sameRate[kind] = await baseline(kind, { mode: 'rate', ratePerSecond });
    }
  }

  const tomada = results.tomada;
  const ratios = tomada && {
    vsOcppRpc: results['ocpp-rpc'] ? tomada.callsPerSecond / results['ocpp-rpc'].callsPerSecond : undefined,
    vsBareWs: results['bare-ws'] ? tomada.callsPerSecond / results['bare-ws'].callsPerSecond : undefined,
  };
  const rows = Object.values(results).map((m) => row(m, { mode: 'closed' }));
  // The mode names the rate offered; calls/s is what was answered of it.
  if (half) rows.push(row(half, { mode: `rate ${half.ratePerSecond}/s` }));
  for (const m of Object.values(sameRate)) rows.push(row(m, { mode: `rate ${m.ratePerSecond}/s` }));
  printTable(`throughput, ${options.chargePoints} charge points${options.postgres ? ', Tomada on PostgreSQL' : ''}, ${options.durationMs / 1000} s measured after ${options.warmupMs / 1000} s warm-up`, rows);
  if (ratios) {
    console.log(`\ntomada / ocpp-rpc strict = ${ratios.vsOcppRpc?.toFixed(2) ?? '-'} (target ≥ 1.2)`);
    console.log(`tomada / bare ws        = ${ratios.vsBareWs?.toFixed(2) ?? '-'} (target ≥ 0.7)`);
  }
  if (half) console.log(`p99 at half saturation = ${half.p99.toFixed(2)} ms (target ≤ 10 ms)`);
  const floor = Object.entries(sameRate).map(([kind, m]) => `${kind} ${m.p99.toFixed(2)} ms`);
  if (floor.length > 0) console.log(`p99 of the baselines at that rate = ${floor.join(', ')}`);
  const problems = runProblems({
    ...Object.fromEntries(Object.entries(results).map(([name, m]) => [`${name} closed`, m])),
    ...(half ? { [`tomada rate ${half.ratePerSecond}/s`]: half } : {}),
    ...Object.fromEntries(Object.entries(sameRate).map(([name, m]) => [`${name} rate ${m.ratePerSecond}/s`, m])),
  });
  printProblems(problems);
  return { options: { ...options, only: undefined }, results, halfRate: half, baselinesAtHalfRate: sameRate, ratios, problems };
}

export { saveResult };
