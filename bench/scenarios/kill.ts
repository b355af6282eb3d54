// SIGKILL under load: charge points run sessions against Tomada while the server process is
// killed with SIGKILL at a random moment, cycle after cycle, and restarted on the same database.
// Afterwards every acknowledged message must be in the database exactly once: 0 lost, 0 doubled.
import BetterSqlite3 from 'better-sqlite3';
import type { Acked, KillWorkerReport } from '../kill/kill-worker.js';
import { forkWorker, workerBeside } from '../lib/load.js';
import { chargePointIds } from '../lib/measure.js';
import { log } from '../lib/report.js';
import { removeDir, startTomada, type TomadaProcess } from '../lib/servers.js';

const WORKER = workerBeside('../kill/kill-worker.ts', import.meta.url);

export interface KillOptions {
  cycles: number;
  chargePoints: number;
  /** Load time before each kill: random between these (ms). */
  minRunMs: number;
  maxRunMs: number;
  fromSource?: boolean;
  quiet?: boolean;
}

export interface KillResult {
  cycles: number;
  acked: Record<Acked['kind'], number>;
  lost: number;
  doubled: number;
  /** Examples of what was lost or doubled, for the report. */
  problems: string[];
  resends: number;
  reconnects: number;
  /** Restart times (ms from SIGKILL to the restarted server answering /health). */
  restartMs: number[];
  seconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Compares the acknowledgements with the database: each must be there exactly once. */
export function checkDatabase(dbPath: string, acked: Acked[]): Pick<KillResult, 'lost' | 'doubled' | 'problems'> {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  let lost = 0;
  let doubled = 0;
  const problems: string[] = [];
  const problem = (text: string) => problems.length < 10 && problems.push(text);
  try {
    const starts = db.prepare('select id from transactions where charge_point_id = ? and started_at = ? and meter_start_wh = ?');
    const samples = db.prepare('select count(*) as n from meter_samples where charge_point_id = ? and transaction_id = ? and timestamp = ? and value = ?');
    const stops = db.prepare('select stopped_at, meter_stop_wh from transactions where id = ?');
    for (const a of acked) {
      if (a.kind === 'start') {
        const rows = starts.all(a.chargePointId, a.timestamp, a.meterStart) as { id: number }[];
        if (rows.length === 0) (lost++, problem(`lost start ${JSON.stringify(a)}`));
        else if (rows.length > 1) (doubled++, problem(`doubled start ${JSON.stringify(a)}`));
        else if (rows[0]!.id !== a.transactionId) (doubled++, problem(`start acknowledged as ${a.transactionId}, stored as ${rows[0]!.id}`));
      } else if (a.kind === 'meter') {
        const { n } = samples.get(a.chargePointId, a.transactionId, a.timestamp, a.value) as { n: number };
        if (n === 0) (lost++, problem(`lost meter value ${JSON.stringify(a)}`));
        else if (n > 1) (doubled++, problem(`meter value stored ${n} times ${JSON.stringify(a)}`));
      } else {
        const row = stops.get(a.transactionId) as { stopped_at: string | null; meter_stop_wh: number | null } | undefined;
        if (!row || row.stopped_at === null || Date.parse(row.stopped_at) !== Date.parse(a.timestamp) || row.meter_stop_wh !== a.meterStop) {
          lost++;
          problem(`lost stop ${JSON.stringify(a)} (stored: ${JSON.stringify(row)})`);
        }
      }
    }
    // Doubles among everything stored, acknowledged or not: a resent message must add nothing.
    const doubleStarts = db.prepare('select count(*) as n from (select 1 from transactions group by charge_point_id, connector_id, id_tag, started_at, meter_start_wh having count(*) > 1)').get() as { n: number };
    const doubleSamples = db.prepare('select count(*) as n from (select 1 from meter_samples group by charge_point_id, transaction_id, timestamp, value, measurand having count(*) > 1)').get() as { n: number };
    if (doubleStarts.n + doubleSamples.n > 0) problem(`stored twice: ${doubleStarts.n} starts, ${doubleSamples.n} samples`);
    doubled += doubleStarts.n + doubleSamples.n;
  } finally {
    db.close();
  }
  return { lost, doubled, problems };
}

export async function killCycles(options: KillOptions): Promise<KillResult> {
  const say = options.quiet ? () => undefined : log;
  const started = performance.now();
  let server: TomadaProcess = await startTomada({ fromSource: options.fromSource });
  const { dir, ocppPort } = server;
  const worker = forkWorker<KillWorkerReport>(WORKER);
  const restartMs: number[] = [];
  try {
    worker.child.send({ type: 'start', config: { url: server.wsUrl, ids: chargePointIds(options.chargePoints, 'KILL-') } });
    for (let cycle = 1; cycle <= options.cycles; cycle++) {
      await sleep(options.minRunMs + Math.random() * (options.maxRunMs - options.minRunMs));
      server.child.kill('SIGKILL');
      const killedAt = performance.now();
      await server.exited;
      server = await startTomada({ dir, ocppPort, fromSource: options.fromSource });
      restartMs.push(performance.now() - killedAt);
      say(`cycle ${cycle}/${options.cycles}: killed, restarted in ${Math.round(restartMs.at(-1)!)} ms`);
    }
    // Let the charge points get through what the last kill interrupted.
    await sleep(options.minRunMs);
    worker.child.send({ type: 'stop' });
    const report = await worker.next();
    await server.stop();
    const check = checkDatabase(server.dbPath, report.acked);
    const acked = { start: 0, meter: 0, stop: 0 };
    for (const a of report.acked) acked[a.kind]++;
    return { cycles: options.cycles, acked, ...check, resends: report.resends, reconnects: report.reconnects, restartMs, seconds: (performance.now() - started) / 1000 };
  } finally {
    if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await server.stop();
    removeDir(dir);
  }
}

export function printKill(result: KillResult): void {
  console.log(`\nkill: ${result.cycles} SIGKILL cycles in ${result.seconds.toFixed(0)} s`);
  console.log(`  acknowledged: ${result.acked.start} starts, ${result.acked.meter} meter values, ${result.acked.stop} stops; ${result.resends} resends, ${result.reconnects} connections`);
  console.log(`  restart after SIGKILL: ${result.restartMs.map((ms) => Math.round(ms)).join(', ')} ms`);
  console.log(`  lost: ${result.lost}, doubled: ${result.doubled}`);
  for (const p of result.problems) console.log(`  ${p}`);
  console.log(`  ${result.lost === 0 && result.doubled === 0 ? 'PASS' : 'FAIL'}: every acknowledged message stored exactly once`);
}
