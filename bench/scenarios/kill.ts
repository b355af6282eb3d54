// SIGKILL under load: charge points run sessions against Tomada while the server process is
// killed with SIGKILL at a random moment, cycle after cycle, and restarted on the same database.
// Afterwards every acknowledged message must be in the database exactly once: 0 lost, 0 doubled.
import BetterSqlite3 from 'better-sqlite3';
import type { Acked, KillWorkerReport } from '../kill/kill-worker.js';
import { forkWorker, workerBeside } from '../lib/load.js';
import { chargePointIds } from '../lib/measure.js';
import { freshSchema } from '../lib/pg-schema.js';
import { log } from '../lib/report.js';
import { removeDir, startTomada, type TomadaProcess } from '../lib/servers.js';

const WORKER = workerBeside('../kill/kill-worker.ts', import.meta.url);
/** A call unanswered this long on an open connection is given up (a SIGKILL closes the connection at once). */
const ANSWER_TIMEOUT_MS = 10_000;

export interface KillOptions {
  cycles: number;
  /** Store on this PostgreSQL database (a fresh schema in it, dropped after) instead of a SQLite file. */
  postgres?: string | undefined;
  chargePoints: number;
  /** Load time before each kill: random between these (ms). */
  minRunMs: number;
  maxRunMs: number;
  /** Node's arguments that start `tomada` (startTomada's `command`). */
  command?: string[];
  quiet?: boolean;
}

export interface KillResult {
  store: 'sqlite' | 'postgres';
  cycles: number;
  acked: Record<Acked['kind'], number>;
  lost: number;
  doubled: number;
  /** Examples of what was lost or doubled, for the report. */
  problems: string[];
  resends: number;
  reconnects: number;
  /** Calls the server kept the connection of but never answered, each given up after ANSWER_TIMEOUT_MS (then resent on a new connection). */
  unanswered: number;
  /** Restart times (ms from SIGKILL to the restarted server answering /health). */
  restartMs: number[];
  seconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What a run stored, as the check reads it: the SQLite file, or the run's PostgreSQL schema.
 * Queries name tables `{schema}.table` and parameters $1, $2…, read alike by both.
 */
interface StoredRows {
  rows(query: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): void;
}

function sqliteRows(dbPath: string): StoredRows {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    async rows(query, params = []) {
      let statement = statements.get(query);
      if (!statement) statements.set(query, (statement = db.prepare(query.replaceAll('{schema}.', '').replace(/\$\d+/g, '?'))));
      return statement.all(...params) as Record<string, unknown>[];
    },
    close: () => db.close(),
  };
}

/** Compares the acknowledgements with what was stored: each must be there exactly once. */
export async function checkStored(stored: StoredRows, acked: Acked[]): Promise<Pick<KillResult, 'lost' | 'doubled' | 'problems'>> {
  let lost = 0;
  let doubled = 0;
  const problems: string[] = [];
  const problem = (text: string) => problems.length < 10 && problems.push(text);
  // PostgreSQL gives bigint columns and counts as text.
  const number = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  for (const a of acked) {
    if (a.kind === 'start') {
      const rows = await stored.rows('select id from {schema}.transactions where charge_point_id = $1 and started_at = $2 and meter_start_wh = $3', [a.chargePointId, a.timestamp, a.meterStart]);
      if (rows.length === 0) (lost++, problem(`lost start ${JSON.stringify(a)}`));
      else if (rows.length > 1) (doubled++, problem(`doubled start ${JSON.stringify(a)}`));
      else if (number(rows[0]!.id) !== a.transactionId) (doubled++, problem(`start acknowledged as ${a.transactionId}, stored as ${rows[0]!.id}`));
    } else if (a.kind === 'meter') {
      const [row] = await stored.rows('select count(*) as n from {schema}.meter_samples where charge_point_id = $1 and transaction_id = $2 and timestamp = $3 and value = $4', [a.chargePointId, a.transactionId, a.timestamp, a.value]);
      const n = number(row!.n)!;
      if (n === 0) (lost++, problem(`lost meter value ${JSON.stringify(a)}`));
      else if (n > 1) (doubled++, problem(`meter value stored ${n} times ${JSON.stringify(a)}`));
    } else {
      const [row] = await stored.rows('select stopped_at, meter_stop_wh from {schema}.transactions where id = $1', [a.transactionId]);
      if (!row || row.stopped_at === null || Date.parse(String(row.stopped_at)) !== Date.parse(a.timestamp) || number(row.meter_stop_wh) !== a.meterStop) {
        lost++;
        problem(`lost stop ${JSON.stringify(a)} (stored: ${JSON.stringify(row)})`);
      }
    }
  }
  // Doubles among everything stored, acknowledged or not: a resent message must add nothing.
  const [starts] = await stored.rows('select count(*) as n from (select 1 from {schema}.transactions group by charge_point_id, connector_id, id_tag, started_at, meter_start_wh having count(*) > 1) doubles');
  const [samples] = await stored.rows('select count(*) as n from (select 1 from {schema}.meter_samples group by charge_point_id, transaction_id, timestamp, value, measurand having count(*) > 1) doubles');
  const doubleStarts = number(starts!.n)!;
  const doubleSamples = number(samples!.n)!;
  if (doubleStarts + doubleSamples > 0) problem(`stored twice: ${doubleStarts} starts, ${doubleSamples} samples`);
  doubled += doubleStarts + doubleSamples;
  return { lost, doubled, problems };
}

export async function killCycles(options: KillOptions): Promise<KillResult> {
  const say = options.quiet ? () => undefined : log;
  const started = performance.now();
  // On PostgreSQL every restart comes back to the same fresh schema, as to the same SQLite file.
  const schema = options.postgres ? await freshSchema(options.postgres, 'bench_kill') : undefined;
  const env = schema ? { TOMADA_DATABASE_URL: schema.url } : undefined;
  let server: TomadaProcess;
  try {
    server = await startTomada({ command: options.command, env });
  } catch (error) {
    await schema?.drop();
    throw error;
  }
  const { dir, ocppPort } = server;
  const worker = forkWorker<KillWorkerReport>(WORKER);
  const restartMs: number[] = [];
  try {
    worker.child.send({ type: 'start', config: { url: server.wsUrl, ids: chargePointIds(options.chargePoints, 'KILL-'), answerTimeoutMs: ANSWER_TIMEOUT_MS } });
    for (let cycle = 1; cycle <= options.cycles; cycle++) {
      await sleep(options.minRunMs + Math.random() * (options.maxRunMs - options.minRunMs));
      server.child.kill('SIGKILL');
      const killedAt = performance.now();
      await server.exited;
      server = await startTomada({ dir, ocppPort, command: options.command, env });
      restartMs.push(performance.now() - killedAt);
      say(`cycle ${cycle}/${options.cycles}: killed, restarted in ${Math.round(restartMs.at(-1)!)} ms`);
    }
    // Let the charge points get through what the last kill interrupted.
    await sleep(options.minRunMs);
    worker.child.send({ type: 'stop' });
    const report = await worker.next();
    await server.stop();
    const stored = schema ? { rows: schema.rows, close: () => undefined } : sqliteRows(server.dbPath);
    let check: Pick<KillResult, 'lost' | 'doubled' | 'problems'>;
    try {
      check = await checkStored(stored, report.acked);
    } finally {
      stored.close();
    }
    const acked = { start: 0, meter: 0, stop: 0 };
    for (const a of report.acked) acked[a.kind]++;
    return { store: schema ? 'postgres' : 'sqlite', cycles: options.cycles, acked, ...check, resends: report.resends, reconnects: report.reconnects, unanswered: report.unanswered, restartMs, seconds: (performance.now() - started) / 1000 };
  } finally {
    if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await server.stop();
    removeDir(dir);
    await schema?.drop();
  }
}

/** Every acknowledged message stored exactly once, and every call answered (or its connection closed). */
export function killPassed(result: KillResult): boolean {
  return result.lost === 0 && result.doubled === 0 && result.unanswered === 0;
}

export function printKill(result: KillResult): void {
  console.log(`\nkill: ${result.cycles} SIGKILL cycles in ${result.seconds.toFixed(0)} s, store: ${result.store}`);
  console.log(`  acknowledged: ${result.acked.start} starts, ${result.acked.meter} meter values, ${result.acked.stop} stops; ${result.resends} resends, ${result.reconnects} connections`);
  console.log(`  restart after SIGKILL: ${result.restartMs.map((ms) => Math.round(ms)).join(', ')} ms`);
  console.log(`  lost: ${result.lost}, doubled: ${result.doubled}`);
  console.log(`  calls unanswered after ${ANSWER_TIMEOUT_MS / 1000} s on an open connection (given up, resent on a new one): ${result.unanswered}`);
  for (const p of result.problems) console.log(`  ${p}`);
  console.log(`  ${killPassed(result) ? 'PASS' : 'FAIL'}: every acknowledged message stored exactly once, every call answered`);
}
