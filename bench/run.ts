// `npm run bench -- SCENARIO [--option value ...]`: the benchmark scenarios. Each one starts its own
// servers as separate processes, drives them from separate load processes, stops by itself, prints
// a table and keeps the figures in bench/results/. See docs/PERFORMANCE.md.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { builtFromCurrentSources } from '../scripts/dist-freshness.js';
import { DEFAULT_DATABASE_URL } from './lib/pg-schema.js';
import { saveResult } from './lib/report.js';
import { ROOT } from './lib/servers.js';

const USAGE = `usage: npm run bench -- SCENARIO [options]

scenarios
  throughput        100 closed-loop charge points: bare ws, ocpp-rpc strict, Tomada; then Tomada at half saturation
  throughput-1000   the same with 1,000 charge points
                    (both with --postgres: Tomada stores on a fresh schema of --database-url instead of a SQLite file)
  idle              idle charge points with 60 s heartbeats on one node: RSS per connection (--count, default 19000);
                    with --nodes N: N nodes on PostgreSQL + NATS, e.g. idle --nodes 6 --count 100000;
                    with --storm as well: then every charge point drops and reconnects at once, over the nodes
  storm             reconnect storm on one node: every charge point connects, boots and reports status at once (--count);
                    with --postgres: the node stores on a fresh schema of --database-url instead of a SQLite file;
                    storms (this and idle --storm) take --load-nice N: the load processes' priority (0-19, default 0)
  fuzz              >= 1,000,000 generated frames (framing and every 1.6/1.5 action's schema): 0 crashes, every CALL answered
  soak              --minutes M (default 10) of charge points (--charge-points, default 200) going round whole
                    visits (connect, boot, a session, hang up): the node's heap after a full collection, to
                    show it levels off; --strangers: each visit under a new id; --postgres as for storm
  kill              SIGKILL under load, 10 cycles: every acknowledged message stored exactly once;
                    with --postgres: on a fresh schema of --database-url instead of a SQLite file
  cross-node        command latency across nodes: local, and through another node over NATS
  disk-sync         how long this disk takes to make a write durable (fdatasync), the floor under every
                    acknowledgement on SQLite: --dir (default ./data), --bytes (default 65536), --syncs (default 2000)

options
  --charge-points N   throughput: charge points (default 100 / 1000)
  --duration S        measured seconds (default 20)      --warmup S   warm-up seconds (default 5)
  --workers N         load processes (default 2)         --only a,b   throughput: servers to run (bare-ws,ocpp-rpc,tomada)
  --profile           write a V8 CPU profile of each Tomada server (bench/results/profiles/)
  --closed-only       throughput: skip the half-saturation (fixed rate) run
  --meter-values N    throughput: MeterValues per charging session (default 4; a real session sends one a minute)
  --rate N            throughput: Tomada alone at a fixed N calls/s (latency at the same load for two revisions)
  --count N           idle/storm: charge points          --frames N   fuzz: frames (default 1000000)
  --cycles N          kill: cycles (default 10)
  --seed N            fuzz: the seed of the frames (printed by every run; the same seed, the same frames per connection)
  --node-args="..."   Node.js flags for every Tomada process (e.g. --node-args=--heap-growing-percent=50)
  --heartbeat S       idle: the charge points' heartbeat interval in seconds (default 60); shorter
                      intervals offer more calls than a node answers, to measure memory while calls queue
  --nodes N           idle: N Tomada nodes on one fresh PostgreSQL schema and one NATS prefix (see
                      bench/scenarios/idle-nodes.ts); --stages N (default: count / 20,000, at least 4),
                      --max-per-node N (default 18000), --connect-concurrency N per load process (default 100),
                      --pool N PostgreSQL connections per node (default 5),
                      --database-url URL (default postgres://postgres@127.0.0.1:5432/test), --nats URL
  --concurrency N --nats URL --database-url URL   cross-node (see bench/scenarios/cross-node.ts)
`;

/** Builds dist/ when a source file is newer than dist/cli.js: the bench measures the compiled server. */
function ensureBuilt(): void {
  if (builtFromCurrentSources(ROOT)) return;
  console.log('building dist/ (npm run build) ...');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      'charge-points': { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      workers: { type: 'string' },
      only: { type: 'string' },
      profile: { type: 'boolean' },
      'closed-only': { type: 'boolean' },
      count: { type: 'string' },
      frames: { type: 'string' },
      seed: { type: 'string' },
      cycles: { type: 'string' },
      minutes: { type: 'string' },
      strangers: { type: 'boolean' },
      // idle over several nodes (bench/scenarios/idle-nodes.ts)
      nodes: { type: 'string' },
      storm: { type: 'boolean' },
      postgres: { type: 'boolean' },
      'meter-values': { type: 'string' },
      rate: { type: 'string' },
      'load-nice': { type: 'string' },
      heartbeat: { type: 'string' },
      'node-args': { type: 'string' },
      stages: { type: 'string' },
      'max-per-node': { type: 'string' },
      'connect-concurrency': { type: 'string' },
      pool: { type: 'string' },
      // cross-node (bench/scenarios/cross-node.ts)
      concurrency: { type: 'string' },
      nats: { type: 'string' },
      'database-url': { type: 'string' },
      // disk-sync
      dir: { type: 'string' },
      bytes: { type: 'string' },
      syncs: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const scenario = positionals[0];
  if (!scenario || values.help) {
    console.log(USAGE);
    return scenario ? 0 : 2;
  }
  const number = (value: string | undefined, fallback: number) => (value === undefined ? fallback : Number(value));
  const positive = (name: string, value: string) => {
    if (!/^[1-9]\d*$/.test(value)) throw new Error(`${name} takes a whole number from 1 up, not "${value}"`);
    return Number(value);
  };
  ensureBuilt();
  // Read by startTomada (bench/lib/servers.ts) for every Tomada process, and kept with the results.
  if (values['node-args']) process.env.TOMADA_BENCH_NODE_ARGS = values['node-args'];
  const profileDir = values.profile ? join(ROOT, 'bench', 'results', 'profiles') : undefined;
  switch (scenario) {
    case 'throughput':
    case 'throughput-1000': {
      const { throughput } = await import('./scenarios/throughput.js');
      const chargePoints = number(values['charge-points'], scenario === 'throughput' ? 100 : 1000);
      const result = await throughput({
        chargePoints,
        workers: number(values.workers, 2),
        warmupMs: number(values.warmup, 5) * 1000,
        durationMs: number(values.duration, 20) * 1000,
        halfRate: !values['closed-only'] && (!values.only || values.only.includes('tomada')),
        cpuProfDir: profileDir,
        only: values.only?.split(','),
        postgres: values.postgres ? (values['database-url'] ?? DEFAULT_DATABASE_URL) : undefined,
        meterValuesPerSession: values['meter-values'] === undefined ? undefined : positive('--meter-values', values['meter-values']),
        fixedRate: values.rate === undefined ? undefined : positive('--rate', values.rate),
      });
      const sessions = values['meter-values'] === undefined ? '' : `-mv${values['meter-values']}`;
      const rate = values.rate === undefined ? '' : `-rate${values.rate}`;
      saveResult(`throughput-${chargePoints}${values.postgres ? '-postgres' : ''}${sessions}${rate}`, result);
      // Kept, but not a clean run: a server answered errors or dropped connections (printed above).
      return result.problems.length === 0 ? 0 : 1;
    }
    case 'fuzz': {
      const { fuzz, fuzzPassed, printFuzz } = await import('./scenarios/fuzz.js');
      const seed = values.seed === undefined ? undefined : Number(values.seed);
      if (seed !== undefined && !Number.isSafeInteger(seed)) {
        console.error(`--seed must be an integer, got "${values.seed}"`);
        return 2;
      }
      const result = await fuzz({ frames: number(values.frames, 1_000_000), connections: 16, workers: number(values.workers, 2), ...(seed === undefined ? {} : { seed }) });
      printFuzz(result);
      saveResult('fuzz', { ...result, server: undefined });
      return fuzzPassed(result) ? 0 : 1;
    }
    case 'soak': {
      const { soak, printSoak } = await import('./scenarios/soak.js');
      const postgres = values.postgres ? (values['database-url'] ?? DEFAULT_DATABASE_URL) : undefined;
      const result = await soak({ minutes: number(values.minutes, 10), chargePoints: number(values['charge-points'], 200), workers: number(values.workers, 2), strangers: values.strangers === true, postgres });
      printSoak(result);
      saveResult(`soak${result.strangers ? '-strangers' : ''}${postgres ? '-postgres' : ''}`, result);
      return result.errors === 0 ? 0 : 1;
    }
    case 'kill': {
      const { killCycles, killPassed, printKill } = await import('./scenarios/kill.js');
      const postgres = values.postgres ? (values['database-url'] ?? DEFAULT_DATABASE_URL) : undefined;
      const result = await killCycles({ cycles: number(values.cycles, 10), chargePoints: number(values['charge-points'], 50), minRunMs: 1000, maxRunMs: 4000, postgres });
      printKill(result);
      saveResult(postgres ? 'kill-postgres' : 'kill', result);
      return killPassed(result) ? 0 : 1;
    }
    case 'idle': {
      if (values.nodes !== undefined) {
        const { idleNodes } = await import('./scenarios/idle-nodes.js');
        const count = number(values.count, 100_000);
        const nodes = number(values.nodes, 6);
        const result = await idleNodes({
          count,
          nodes,
          stages: number(values.stages, Math.max(4, Math.ceil(count / 20_000))),
          heartbeatS: number(values.heartbeat, 60),
          databaseUrl: values['database-url'] ?? DEFAULT_DATABASE_URL,
          natsUrl: values.nats ?? process.env.TOMADA_NATS_URL ?? 'nats://127.0.0.1:4222',
          maxPerNode: number(values['max-per-node'], 18_000),
          connectConcurrency: number(values['connect-concurrency'], 100),
          poolSize: number(values.pool, 5),
          storm: values.storm === true,
          loadNiceness: number(values['load-nice'], 0),
          cpuProfDir: profileDir,
        });
        saveResult(`idle-${nodes}-nodes${result.storm ? '-storm' : ''}`, result);
        const { stormPassed } = await import('./lib/storm-run.js');
        const stormed = !result.storm || stormPassed(result.storm);
        return result.total.errors === 0 && result.total.disconnected === 0 && result.nodes.every((n) => n.alive) && stormed ? 0 : 1;
      }
      const { idle } = await import('./scenarios/idle.js');
      saveResult('idle', await idle({ count: number(values.count, 19_000), stages: 4, heartbeatS: number(values.heartbeat, 60) }));
      return 0;
    }
    case 'storm': {
      const { storm } = await import('./scenarios/storm.js');
      const { stormPassed } = await import('./lib/storm-run.js');
      const postgres = values.postgres ? (values['database-url'] ?? DEFAULT_DATABASE_URL) : undefined;
      const result = await storm({ count: number(values.count, 19_000), cpuProfDir: profileDir, postgres, loadNiceness: number(values['load-nice'], 0) });
      saveResult(postgres ? 'storm-postgres' : 'storm', result);
      return stormPassed(result) ? 0 : 1;
    }
    case 'cross-node': {
      const { crossNode } = await import('./scenarios/cross-node.js');
      saveResult('cross-node', await crossNode({ ...values }));
      return 0;
    }
    case 'disk-sync': {
      const { diskSync, printDiskSync } = await import('./scenarios/disk-sync.js');
      const result = diskSync({
        dir: values.dir ?? join(ROOT, 'data'),
        bytes: positive('--bytes', values.bytes ?? '65536'),
        syncs: positive('--syncs', values.syncs ?? '2000'),
        gapMs: 3,
      });
      printDiskSync(result);
      saveResult('disk-sync', result);
      return 0;
    }
    default:
      console.error(`unknown scenario "${scenario}"\n\n${USAGE}`);
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
