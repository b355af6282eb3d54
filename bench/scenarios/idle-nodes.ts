// Idle charge points over several Tomada nodes: `npm run bench -- idle --nodes 6 --count 100000`.
//
// One process here may hold at most 20,000 open files (a hard limit this machine does not let us
// raise), so one node cannot hold 100,000 connections; several nodes can, as a production cluster
// would: N `tomada serve` processes on one fresh PostgreSQL schema and one NATS prefix (both made
// for the run and removed after). The charge points are spread evenly over the nodes (each under
// --max-per-node), connect in stages from load processes of at most 5,000 connections each (every
// load process its own loopback source address, 127.0.0.1 upwards, so no address runs out of
// ports), boot, and then all stay connected for one full heartbeat interval, each sending its
// Heartbeat on its own schedule. Measured: every node's RSS before the first stage and after each
// one, so memory per connection is a slope per node and for the whole cluster; heartbeats answered,
// errors, disconnections and heartbeat latency (from the scheduled time), per node and in total.
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { Histogram } from '../lib/histogram.js';
import { Fleet, PER_WORKER, type LoadSummary } from '../lib/load.js';
import { chargePointIds } from '../lib/measure.js';
import { freshSchema, type BenchSchema } from '../lib/pg-schema.js';
import { mib, ProcWatch, sampleProcess } from '../lib/proc-stats.js';
import { log, printTable } from '../lib/report.js';
import { removeDir, startTomada, type TomadaProcess } from '../lib/servers.js';
import { reconnectStorm } from '../lib/storm-run.js';
import { within } from '../lib/within.js';

export interface IdleNodesOptions {
  count: number;
  nodes: number;
  /** Connection stages (each adds count / stages charge points, spread over every node). */
  stages: number;
  heartbeatS: number;
  /** PostgreSQL server and database; a fresh schema is made in it for the run (`?schema=` is added). */
  databaseUrl: string;
  natsUrl: string;
  /** Connections each node may be given at most (its process may hold 20,000 files in all). */
  maxPerNode: number;
  /** Connection attempts in flight per load process while a stage connects. */
  connectConcurrency: number;
  /** PostgreSQL connections per node (TOMADA_DATABASE_POOL). */
  poolSize: number;
  /** After the heartbeat interval, every charge point drops and reconnects at once (a storm over the nodes). */
  storm?: boolean;
  /** The storm's load processes' scheduling priority (0: the nodes'; 19: the lowest). */
  loadNiceness?: number;
  /** Write a V8 CPU profile of every node into this folder when it exits. */
  cpuProfDir?: string | undefined;
}

interface NodeRun {
  name: string;
  server: TomadaProcess;
  emptyRssMiB: number;
  /** Connections given to this node, after each stage. */
  connections: number[];
  /** RSS after each stage. */
  rssMiB: number[];
  connectMs: number[];
  /** The charge points given to this node. */
  ids: string[];
  fleets: Fleet[];
  watch?: ProcWatch;
}

/** A stage's charge points keep retrying until this long after it began. */
const CONNECT_DEADLINE_MS = 600_000;
/** How long after the heartbeat interval the last answers may still come. */
const HEARTBEAT_GRACE_MS = 300_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Least-squares slope of y over x (KiB per connection when x are connections and y MiB). */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/** Splits `items` into `parts` runs whose lengths differ by at most one. */
function split<T>(items: T[], parts: number): T[][] {
  const out: T[][] = [];
  let start = 0;
  for (let p = 0; p < parts; p++) {
    const size = Math.floor(items.length / parts) + (p < items.length % parts ? 1 : 0);
    out.push(items.slice(start, start + size));
    start += size;
  }
  return out;
}

function summarize(runs: LoadSummary[], fleets: Fleet[]) {
  const histogram = new Histogram();
  for (const fleet of fleets) if (fleet.histogram) histogram.merge(fleet.histogram);
  const errorCodes: Record<string, number> = {};
  for (const run of runs) for (const [code, n] of Object.entries(run.errorCodes)) errorCodes[code] = (errorCodes[code] ?? 0) + n;
  return {
    heartbeats: runs.reduce((n, r) => n + r.calls - r.errors, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    errorCodes,
    disconnected: runs.reduce((n, r) => n + r.disconnected, 0),
    p50Ms: round(histogram.percentileMs(0.5), 2),
    p99Ms: round(histogram.percentileMs(0.99), 2),
    p999Ms: round(histogram.percentileMs(0.999), 2),
    maxMs: round(histogram.max / 1000, 2),
  };
}

function openFiles(pid: number): string {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  return line ? line.replace(/^Max open files\s+/, '').replace(/\s+/g, ' ').trim() : 'unknown';
}

const rssOf = (pid: number) => {
  try {
    return mib(sampleProcess(pid).rssBytes);
  } catch {
    return 0; // ended
  }
};

export async function idleNodes(options: IdleNodesOptions) {
  const perNode = Math.ceil(options.count / options.nodes);
  if (perNode > options.maxPerNode) {
    throw new Error(`${options.count} charge points over ${options.nodes} nodes is ${perNode} per node, above ${options.maxPerNode} (the 20,000-file limit of a process): use --nodes ${Math.ceil(options.count / options.maxPerNode)} or more`);
  }
  const schema = await freshSchema(options.databaseUrl, 'bench_idle');
  const tag = schema.name;
  log(`NATS ${options.natsUrl} prefix ${tag}`);

  const nodes: NodeRun[] = [];
  const allFleets: Fleet[] = [];
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg();
  try {
    // The first node makes the tables (migrations); the others then find them made.
    for (let n = 0; n < options.nodes; n++) {
      const name = `idle-${n + 1}`;
      const server = await startTomada({
        cpuProfDir: options.cpuProfDir,
        env: {
          TOMADA_DATABASE_URL: schema.url,
          TOMADA_DATABASE_POOL: String(options.poolSize),
          TOMADA_NATS_URL: options.natsUrl,
          TOMADA_NATS_PREFIX: tag,
          TOMADA_NODE_ID: name,
          TOMADA_HEARTBEAT_INTERVAL: String(options.heartbeatS),
        },
      });
      nodes.push({ name, server, emptyRssMiB: 0, connections: [], rssMiB: [], connectMs: [], ids: [], fleets: [] });
      log(`${name} started (pid ${server.pid}, ${server.wsUrl})`);
    }
    await sleep(3000);
    for (const node of nodes) node.emptyRssMiB = rssOf(node.server.pid);
    log(`empty: ${nodes.map((n) => `${n.name} ${n.emptyRssMiB.toFixed(0)} MiB`).join(', ')}`);

    const ids = chargePointIds(options.count, 'IDLE-');
    const stageIds = split(ids, options.stages);
    const totals: { connections: number; rssMiB: number; connectMs: number; loadAverage: number }[] = [
      { connections: 0, rssMiB: nodes.reduce((s, n) => s + n.emptyRssMiB, 0), connectMs: 0, loadAverage: loadavg()[0]! },
    ];
    let sourceAddress = 0;
    const nextAddresses = (workers: number) => Array.from({ length: workers }, () => `127.0.0.${1 + (sourceAddress++ % 254)}`);
    let retried = 0;
    for (const [stage, share] of stageIds.entries()) {
      const started = performance.now();
      const shares = split(share, options.nodes);
      const connectStage = async (node: NodeRun, mine: string[]) => {
        if (node.server.child.exitCode !== null) throw new Error(`${node.name} exited (${node.server.child.exitCode})`);
        const workers = Math.max(1, Math.ceil(mine.length / PER_WORKER));
        const fleet = new Fleet({
          url: node.server.wsUrl,
          ids: mine,
          workers,
          localAddresses: nextAddresses(workers),
          mode: 'idle',
          heartbeatMs: options.heartbeatS * 1000,
          warmupMs: 0,
          durationMs: options.heartbeatS * 1000 + 5000,
          connectConcurrency: options.connectConcurrency,
          connectDeadlineMs: CONNECT_DEADLINE_MS,
          statusAfterBoot: false,
        });
        node.fleets.push(fleet);
        allFleets.push(fleet);
        const connected = await fleet.connect();
        return { node, mine, connected };
      };
      const results = await within(
        CONNECT_DEADLINE_MS + 120_000,
        `stage ${stage + 1}`,
        Promise.all(nodes.map((node, n) => connectStage(node, shares[n]!))),
      );
      for (const { node, mine, connected } of results) {
        if (connected.failed > 0) throw new Error(`${node.name}: ${connected.failed} idle charge points could not connect: ${connected.errors.join('; ')}`);
        retried += connected.failures;
        node.connections.push((node.connections.at(-1) ?? 0) + mine.length);
        node.ids.push(...mine);
        node.connectMs.push(connected.ms);
      }
      const stageMs = performance.now() - started;
      await sleep(3000);
      for (const node of nodes) node.rssMiB.push(rssOf(node.server.pid));
      const connections = totals.at(-1)!.connections + share.length;
      totals.push({ connections, rssMiB: nodes.reduce((s, n) => s + n.rssMiB.at(-1)!, 0), connectMs: stageMs, loadAverage: loadavg()[0]! });
      log(
        `stage ${stage + 1}/${options.stages}: ${connections} connected in ${(stageMs / 1000).toFixed(1)} s (${Math.round(share.length / (stageMs / 1000))}/s); ` +
          `RSS ${nodes.map((n) => n.rssMiB.at(-1)!.toFixed(0)).join(' + ')} = ${totals.at(-1)!.rssMiB.toFixed(0)} MiB`,
      );
    }

    // One full heartbeat interval (and 5 s) with every charge point connected.
    log(`all ${options.count} connected; heartbeats for ${options.heartbeatS + 5} s`);
    for (const node of nodes) node.watch = new ProcWatch(node.server.pid, 1000);
    const heartbeatStart = performance.now();
    // Answers come late when the nodes cannot keep up; a heartbeat never answered must not hold the run.
    const perNodeRuns = await within(
      (options.heartbeatS + 5) * 1000 + HEARTBEAT_GRACE_MS,
      'the heartbeat interval',
      Promise.all(nodes.map(async (node) => ({ node, runs: await Promise.all(node.fleets.map((f) => f.run())) }))),
    );
    const heartbeatSeconds = (performance.now() - heartbeatStart) / 1000;
    for (const node of nodes) node.watch!.stop();
    const rssAfter = nodes.map((n) => rssOf(n.server.pid));
    const loadRssMiB = allFleets.flatMap((f) => f.pids()).reduce((s, pid) => s + rssOf(pid), 0);
    const alive = nodes.map((n) => n.server.child.exitCode === null);

    const perNodeResults = perNodeRuns.map(({ node, runs }, i) => {
      const xs = [0, ...node.connections];
      const ys = [node.emptyRssMiB, ...node.rssMiB];
      const last = node.connections.at(-1)!;
      const maxRss = Math.max(node.watch!.maxRssBytes / 1024 / 1024, rssAfter[i]!);
      return {
        node: node.name,
        pid: node.server.pid,
        connections: last,
        emptyRssMiB: round(node.emptyRssMiB),
        rssMiB: node.rssMiB.map((v) => round(v)),
        connectS: node.connectMs.map((ms) => round(ms / 1000)),
        /** (RSS with all its connections − RSS empty) ÷ its connections. */
        perConnectionKiB: round(((node.rssMiB.at(-1)! - node.emptyRssMiB) * 1024) / last, 2),
        /** Least-squares slope over the stages. */
        fitKiB: round(slope(xs, ys) * 1024, 2),
        maxRssDuringHeartbeatsMiB: round(maxRss),
        peakPerConnectionKiB: round(((maxRss - node.emptyRssMiB) * 1024) / last, 2),
        rssAfterHeartbeatsMiB: round(rssAfter[i]!),
        alive: alive[i],
        ...summarize(runs, node.fleets),
      };
    });
    const total = summarize(
      perNodeRuns.flatMap((r) => r.runs),
      allFleets,
    );
    const first = totals[0]!;
    const last = totals.at(-1)!;
    const totalPerConnectionKiB = ((last.rssMiB - first.rssMiB) * 1024) / last.connections;
    const meanEmptyMiB = first.rssMiB / options.nodes;
    const maxNodeKiB = Math.max(...perNodeResults.map((r) => r.perConnectionKiB));
    const maxPeakKiB = Math.max(...perNodeResults.map((r) => r.peakPerConnectionKiB));
    const oneNode100kGiB = (kib: number) => round((meanEmptyMiB + (kib * 100_000) / 1024) / 1024, 3);
    const result = {
      scenario: 'idle',
      mode: 'nodes',
      options: { ...options, databaseUrl: schema.baseUrl },
      schema: tag,
      startedAt,
      machine: {
        cores: cpus().length,
        memoryGiB: round(totalmem() / 1024 ** 3, 1),
        node: process.version,
        /** `Max open files` of a Tomada process (soft and hard), from /proc/PID/limits. */
        openFilesPerProcess: openFiles(nodes[0]!.server.pid),
        loadAverageAtStart: loadBefore.map((v) => round(v, 2)),
        loadAverageAtEnd: loadavg().map((v) => round(v, 2)),
      },
      loadProcesses: allFleets.reduce((s, f) => s + f.pids().length, 0),
      loadProcessesRssMiB: round(loadRssMiB),
      stages: totals.map((t, i) => ({
        connections: t.connections,
        perNodeRssMiB: nodes.map((n) => round(i === 0 ? n.emptyRssMiB : n.rssMiB[i - 1]!)),
        totalRssMiB: round(t.rssMiB),
        connectS: round(t.connectMs / 1000),
        loadAverage1m: round(t.loadAverage, 2),
      })),
      connectRetries: retried,
      heartbeatSeconds: round(heartbeatSeconds),
      nodes: perNodeResults,
      total: {
        connections: last.connections,
        emptyRssMiB: round(first.rssMiB),
        rssMiB: round(last.rssMiB),
        maxRssDuringHeartbeatsMiB: round(perNodeResults.reduce((s, r) => s + r.maxRssDuringHeartbeatsMiB, 0)),
        rssAfterHeartbeatsMiB: round(rssAfter.reduce((a, b) => a + b, 0)),
        perConnectionKiB: round(totalPerConnectionKiB, 2),
        fitKiB: round(slope(totals.map((t) => t.connections), totals.map((t) => t.rssMiB)) * 1024, 2),
        ...total,
      },
      /** One node holding 100,000 at the measured slope of the steepest node: extrapolated, not measured. */
      oneNodeAt100kGiB: { atSlope: oneNode100kGiB(maxNodeKiB), atHeartbeatPeak: oneNode100kGiB(maxPeakKiB) },
    };

    printTable(
      `idle charge points on ${options.nodes} nodes (PostgreSQL + NATS), heartbeat every ${options.heartbeatS} s: RSS MiB after each stage`,
      result.stages.map((s) => ({
        connections: s.connections,
        ...Object.fromEntries(nodes.map((n, i) => [n.name, Math.round(s.perNodeRssMiB[i]!)])),
        total: Math.round(s.totalRssMiB),
        'connect+boot s': s.connectS,
        load: s.loadAverage1m,
      })),
    );
    printTable(
      `per node, over ${result.heartbeatSeconds} s of heartbeats`,
      [
        ...perNodeResults.map((r) => ({
          node: r.node,
          connections: r.connections,
          'KiB/conn': r.perConnectionKiB,
          'fit KiB': r.fitKiB,
          'max RSS MiB': Math.round(r.maxRssDuringHeartbeatsMiB),
          heartbeats: r.heartbeats,
          errors: r.errors,
          dropped: r.disconnected,
          'p50 ms': r.p50Ms,
          'p99 ms': r.p99Ms,
          'max ms': r.maxMs,
        })),
        {
          node: 'total',
          connections: result.total.connections,
          'KiB/conn': result.total.perConnectionKiB,
          'fit KiB': result.total.fitKiB,
          'max RSS MiB': Math.round(result.total.maxRssDuringHeartbeatsMiB),
          heartbeats: result.total.heartbeats,
          errors: result.total.errors,
          dropped: result.total.disconnected,
          'p50 ms': result.total.p50Ms,
          'p99 ms': result.total.p99Ms,
          'max ms': result.total.maxMs,
        },
      ],
    );
    console.log(`\nconnection attempts retried while connecting: ${retried}; nodes alive at the end: ${alive.filter(Boolean).length}/${options.nodes}`);
    console.log(`load processes: ${result.loadProcesses}, their RSS ${Math.round(loadRssMiB)} MiB in all`);
    console.log(
      `one node at 100,000 (extrapolated from the steepest node's slope, ${maxNodeKiB.toFixed(1)} KiB): ${result.oneNodeAt100kGiB.atSlope} GiB; ` +
        `at its heartbeat peak (${maxPeakKiB.toFixed(1)} KiB): ${result.oneNodeAt100kGiB.atHeartbeatPeak} GiB (target ≤ 1.5 GiB)`,
    );
    return { ...result, storm: options.storm ? await stormOver(nodes, allFleets, schema, options.loadNiceness) : undefined };
  } finally {
    for (const node of nodes) node.watch?.stop();
    await Promise.all(allFleets.map((f) => f.close()));
    await Promise.all(nodes.map((n) => n.server.stop()));
    for (const node of nodes) removeDir(node.server.dir);
    await schema.drop();
  }
}

/** Every charge point of every node drops, then all come back at once (bench/lib/storm-run.ts). */
async function stormOver(nodes: NodeRun[], fleets: Fleet[], schema: BenchSchema, loadNiceness = 0) {
  await Promise.all(fleets.map((f) => f.close()));
  // Let the nodes see every connection go (and announce it) before they all come back.
  await sleep(5000);
  return reconnectStorm(
    nodes.map((node) => ({ name: node.name, pid: node.server.pid, wsUrl: node.server.wsUrl, ids: node.ids })),
    async (since) => ({
      booted: await schema.count('select count(*) as n from {schema}.charge_points where last_boot_at >= $1', [since]),
      statuses: await schema.count('select count(*) as n from {schema}.connectors where connector_id = 1 and updated_at >= $1', [since]),
    }),
    CONNECT_DEADLINE_MS,
    loadNiceness,
  );
}
