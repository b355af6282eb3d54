// Cross-node command latency: two Tomada processes (node A, node B) on one NATS; charge points
// connected to node B answer every CALL at once. Operator commands (Reset through the REST API)
// are sent through node B (local: the session is in that process) and then through node A (NATS
// request to node B and back), closed loop, and each path's latency percentiles are reported.
//
//   npm run bench -- cross-node [--charge-points 20] [--concurrency 10] [--duration 10]
//                               [--nats nats://127.0.0.1:4222] [--database-url postgres://...]
//
// Without --database-url each node has its own SQLite file and the charge points are registered
// in both (a command reads only its charge point's registration); with it both share the database.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { ROOT } from '../lib/servers.js';

const TOKEN = 'cross-node-bench-token-0123456789';

export interface CrossNodeOptions {
  'charge-points'?: string | number;
  concurrency?: string | number;
  duration?: string | number;
  warmup?: string | number;
  nats?: string;
  'database-url'?: string;
}

interface Node {
  name: string;
  child: ChildProcess;
  ocppPort: number;
  httpPort: number;
}

interface PathResult {
  commands: number;
  failures: number;
  commandsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

function startNode(name: string, env: Record<string, string>): Promise<Node> {
  const compiled = join(ROOT, 'dist', 'cli.js');
  const args = existsSync(compiled) ? [compiled, 'serve'] : ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), 'serve'];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, TOMADA_HOST: '127.0.0.1', TOMADA_OCPP_PORT: '0', TOMADA_HTTP_PORT: '0', TOMADA_LOG_LEVEL: 'info', TOMADA_ADMIN_TOKEN: TOKEN, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 30 s`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before starting`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line) as { msg?: string; ocppPort?: number; httpPort?: number };
      if (entry.msg === 'Tomada is running') {
        clearTimeout(timer);
        resolve({ name, child, ocppPort: entry.ocppPort!, httpPort: entry.httpPort! });
      }
    });
  });
}

async function api(node: Node, path: string, method: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`http://127.0.0.1:${node.httpPort}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** A charge point that answers every CALL with Accepted at once. */
function connectChargePoint(node: Node, id: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${node.ocppPort}/ocpp/${id}`, ['ocpp1.6']);
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as unknown[];
    if (frame[0] === 2) ws.send(JSON.stringify([3, frame[1], { status: 'Accepted' }]));
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.send(JSON.stringify([2, 'boot', 'BootNotification', { chargePointVendor: 'Bench', chargePointModel: 'CrossNode' }]));
      resolve(ws);
    });
    ws.once('error', reject);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

/** Closed loop: `concurrency` senders, each sends its next command when the last is answered. */
async function measure(node: Node, ids: string[], concurrency: number, seconds: number): Promise<PathResult> {
  const latencies: number[] = [];
  let failures = 0;
  const end = performance.now() + seconds * 1000;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const id = ids[next++ % ids.length]!;
        const t0 = performance.now();
        const result = await api(node, `/api/v1/charge-points/${id}/commands/reset`, 'POST', { type: 'Soft' });
        if (result.status === 200) latencies.push(performance.now() - t0);
        else failures++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    commands: latencies.length,
    failures,
    commandsPerSecond: Math.round(latencies.length / elapsed),
    p50Ms: round(percentile(latencies, 0.5)),
    p99Ms: round(percentile(latencies, 0.99)),
    p999Ms: round(percentile(latencies, 0.999)),
    maxMs: round(latencies.at(-1) ?? NaN),
  };
}

export async function crossNode(options: CrossNodeOptions = {}): Promise<Record<string, unknown>> {
  const chargePoints = Number(options['charge-points'] ?? 20);
  const concurrency = Number(options.concurrency ?? 10);
  const duration = Number(options.duration ?? 10);
  const warmup = Number(options.warmup ?? 2);
  const nats = options.nats ?? process.env.TOMADA_NATS_URL ?? 'nats://127.0.0.1:4222';
  const prefix = `bench_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'tomada-cross-node-'));
  const databaseFor = (name: string) => options['database-url'] ?? `sqlite:${join(dir, `${name}.db`)}`;
  const nodes: Node[] = [];
  const sockets: WebSocket[] = [];
  try {
    for (const name of ['node-a', 'node-b']) {
      nodes.push(
        await startNode(name, {
          TOMADA_DATABASE_URL: databaseFor(name),
          TOMADA_NATS_URL: nats,
          TOMADA_NATS_PREFIX: prefix,
          TOMADA_NODE_ID: name,
          TOMADA_UNKNOWN_CHARGE_POINTS: 'accept',
          TOMADA_MAX_QUEUED_COMMANDS: '1000',
        }),
      );
    }
    const [a, b] = nodes as [Node, Node];
    const ids = Array.from({ length: chargePoints }, (_, i) => `XN-${i + 1}`);
    for (const id of ids) for (const node of nodes) await api(node, `/api/v1/charge-points/${id}`, 'PUT', {});
    for (const id of ids) sockets.push(await connectChargePoint(b, id));
    // Node A must have heard node B's announcements (or its heartbeat digest) before measuring.
    const deadline = Date.now() + 15_000;
    while ((await api(a, `/api/v1/charge-points/${ids.at(-1)}/commands/reset`, 'POST', { type: 'Soft' })).status !== 200) {
      if (Date.now() > deadline) throw new Error('node A never reached the charge points on node B');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await measure(b, ids, concurrency, warmup);
    await measure(a, ids, concurrency, warmup);
    const local = await measure(b, ids, concurrency, duration);
    const crossNodeResult = await measure(a, ids, concurrency, duration);
    const result = {
      scenario: 'cross-node',
      chargePoints,
      concurrency,
      durationS: duration,
      database: options['database-url'] ? 'shared' : 'sqlite per node',
      local,
      crossNode: crossNodeResult,
      addedP50Ms: Math.round((crossNodeResult.p50Ms - local.p50Ms) * 100) / 100,
      addedP99Ms: Math.round((crossNodeResult.p99Ms - local.p99Ms) * 100) / 100,
    };
    console.log(JSON.stringify(result, null, 2));
    return result;
  } finally {
    for (const ws of sockets) ws.terminate();
    await Promise.all(
      nodes.map(
        (node) =>
          new Promise<void>((resolve) => {
            if (node.child.exitCode !== null) return resolve();
            node.child.once('exit', () => resolve());
            node.child.kill('SIGTERM');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run directly: node --import tsx bench/scenarios/cross-node.ts [--duration 10] ...
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const options: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) options[args[i]!.replace(/^--/, '')] = args[i + 1] ?? '';
  crossNode(options).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
