// Reconnect storm on one node: charge points known to the node (registered by a first
// connection) all drop and come back at once (bench/lib/storm-run.ts). On a fresh SQLite file by
// default; with `postgres`, on a fresh schema of a PostgreSQL database, as a node of a cluster
// stores (no NATS: one node has no one to tell). The open-file limit of one process (20,000 here)
// bounds one node's share: see idle.ts.
import BetterSqlite3 from 'better-sqlite3';
import { Fleet, LOOPBACK_SOURCES, PER_WORKER } from '../lib/load.js';
import { chargePointIds } from '../lib/measure.js';
import type { BenchSchema } from '../lib/pg-schema.js';
import { mib, ProcWatch } from '../lib/proc-stats.js';
import { groupCommits, removeDir, startTomadaStoring, type TomadaProcess } from '../lib/servers.js';
import { ONE_SOURCE_ADDRESS, reconnectStorm, type StoredSince, type StormResult } from '../lib/storm-run.js';

export interface StormOptions {
  count: number;
  cpuProfDir?: string | undefined;
  /** Store on this PostgreSQL database (a fresh schema in it) instead of a SQLite file. */
  postgres?: string | undefined;
  /** The storm's load processes' scheduling priority (0: the server's; 19: the lowest). */
  loadNiceness?: number;
}

/** How long the storm's charge points keep retrying. */
const DEADLINE_MS = 300_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The storm's boots and statuses as the SQLite file holds them. */
function sqliteStored(server: TomadaProcess): StoredSince {
  return async (since) => {
    const db = new BetterSqlite3(server.dbPath, { readonly: true });
    try {
      const count = (query: string) => (db.prepare(query).get(since) as { n: number }).n;
      return {
        booted: count("select count(*) as n from charge_points where id like 'STORM-%' and last_boot_at >= ?"),
        statuses: count("select count(*) as n from connectors where charge_point_id like 'STORM-%' and connector_id = 1 and updated_at >= ?"),
      };
    } finally {
      db.close();
    }
  };
}

/** The same, as the run's PostgreSQL schema holds them. */
function postgresStored(schema: BenchSchema): StoredSince {
  return async (since) => ({
    booted: await schema.count("select count(*) as n from {schema}.charge_points where id like 'STORM-%' and last_boot_at >= $1", [since]),
    statuses: await schema.count("select count(*) as n from {schema}.connectors where charge_point_id like 'STORM-%' and connector_id = 1 and updated_at >= $1", [since]),
  });
}

export async function storm(options: StormOptions): Promise<StormResult & { store: string; groupCommits: { batches: number; units: number; seconds: number }; maxRssMiB: number; extrapolated100kSeconds: number }> {
  const server = await startTomadaStoring(options.postgres, 'bench_storm', { cpuProfDir: options.cpuProfDir });
  const schema = server.schema;
  let watch: ProcWatch | undefined;
  try {
    watch = new ProcWatch(server.pid, 500);
    const ids = chargePointIds(options.count, 'STORM-');
    console.log(`registering ${options.count} charge points (first connection), store: ${schema ? `PostgreSQL schema ${schema.name}` : 'SQLite'}`);
    const first = new Fleet({
      url: server.wsUrl,
      ids,
      workers: Math.max(1, Math.ceil(ids.length / PER_WORKER)),
      localAddresses: ids.length > ONE_SOURCE_ADDRESS ? LOOPBACK_SOURCES : [],
      mode: 'idle',
      heartbeatMs: 60_000,
      warmupMs: 0,
      durationMs: 0,
      connectConcurrency: 200,
      connectDeadlineMs: DEADLINE_MS,
      statusAfterBoot: false,
    });
    try {
      const registered = await first.connect();
      if (registered.failed > 0) throw new Error(`${registered.failed} could not register: ${registered.errors.join('; ')}`);
    } finally {
      await first.close();
    }
    // Let the node see every connection go before they all come back.
    await sleep(5000);

    const commitsBefore = await groupCommits(server);
    const result = await reconnectStorm([{ name: 'tomada', pid: server.pid, wsUrl: server.wsUrl, ids }], schema ? postgresStored(schema) : sqliteStored(server), DEADLINE_MS, options.loadNiceness);
    watch.stop();
    const commitsAfter = await groupCommits(server);
    // How busy the group committer was. It runs one batch at a time, so on PostgreSQL its seconds
    // against the storm's tell whether the batches' round trips set the pace; on SQLite a batch's
    // time includes its WAL sync, which overlaps the next batch, so the sum can exceed the storm.
    const commits = {
      batches: commitsAfter.batches - commitsBefore.batches,
      units: commitsAfter.units - commitsBefore.units,
      seconds: Math.round((commitsAfter.seconds - commitsBefore.seconds) * 100) / 100,
    };
    const extrapolated100kSeconds = 100_000 / result.perSecond;
    console.log(
      `group commits during the storm: ${commits.batches} batches of ${(commits.units / commits.batches).toFixed(0)} units (${(commits.units / options.count).toFixed(1)} per charge point), ` +
        `their times (first statement to durable) summed ${commits.seconds} s, the storm ${result.seconds} s`,
    );
    console.log(`server max RSS ${mib(watch.maxRssBytes).toFixed(0)} MiB`);
    console.log(`at that rate 100,000 would take ${extrapolated100kSeconds.toFixed(0)} s (target ≤ 45 s) — measured up to ${options.count} on one node`);
    return { ...result, store: schema ? 'postgres' : 'sqlite', groupCommits: commits, maxRssMiB: mib(watch.maxRssBytes), extrapolated100kSeconds };
  } finally {
    watch?.stop();
    await server.stop();
    removeDir(server.dir);
  }
}
