// The servers under test, each its own OS process: Tomada (`node dist/cli.js serve`, or the
// TypeScript source through tsx for tests) on a fresh SQLite file, and the two baselines.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repositoryRoot } from '../../scripts/repository-root.js';
import { freshSchema, type BenchSchema } from './pg-schema.js';

export const ROOT = repositoryRoot(import.meta.url);
export const ADMIN_TOKEN = 'bench-admin-token-0123456789';

export interface ServerProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  /** ws://127.0.0.1:PORT/ocpp: charge point ids are appended. */
  wsUrl: string;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after 15 s. */
  stop(): Promise<void>;
}

export interface TomadaProcess extends ServerProcess {
  httpUrl: string;
  ocppPort: number;
  httpPort: number;
  dir: string;
  dbPath: string;
  /** Calls the operator API with the admin token. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

/**
 * A TCP port free right now on 127.0.0.1, below the ephemeral range (32768 and up on Linux). A
 * port the kernel hands out for listening is from that range, where the load's thousands of
 * client sockets also take theirs: a storm's server then failed to start now and then
 * (EADDRINUSE), its port taken by a client socket between the check and the server's bind.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  throw new Error('no free port found between 20000 and 32000 on 127.0.0.1');
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function watchExit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
}

function stopper(child: ChildProcess, exited: Promise<number | null>) {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
}

export interface TomadaOptions {
  /** An existing folder holding tomada.db (a restart); default: a fresh temporary one. */
  dir?: string;
  /**
   * Node's arguments that start `tomada`, before its own (the tests' tomadaArgs(), which need no
   * build); default the built dist/cli.js.
   */
  command?: string[];
  /** Write a V8 CPU profile of the server into this folder when it exits. */
  cpuProfDir?: string;
  env?: Record<string, string>;
  /** Keep the OCPP port of an earlier run (a restart after a kill, so clients reconnect to it). */
  ocppPort?: number;
  /** Node.js flags of this server, after the run's own (--node-args). */
  nodeArgs?: string[];
}

/** Node.js flags for every Tomada process of the run (`npm run bench -- ... --node-args=...`). */
function nodeFlags(): string[] {
  return (process.env.TOMADA_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
}

export async function startTomada(options: TomadaOptions = {}): Promise<TomadaProcess> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tomada-bench-'));
  const dbPath = join(dir, 'tomada.db');
  const ocppPort = options.ocppPort ?? (await freePort());
  const httpPort = await freePort();
  const nodeArgs = [
    ...nodeFlags(),
    ...(options.nodeArgs ?? []),
    ...(options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : []),
    ...(options.command ?? ['dist/cli.js']),
    'serve',
  ];
  const child = spawn(process.execPath, nodeArgs, {
    cwd: ROOT,
    env: {
      ...process.env,
      TOMADA_HOST: '127.0.0.1',
      TOMADA_OCPP_PORT: String(ocppPort),
      TOMADA_HTTP_PORT: String(httpPort),
      TOMADA_DATABASE_URL: `sqlite:${dbPath}`,
      TOMADA_ADMIN_TOKEN: ADMIN_TOKEN,
      TOMADA_UNKNOWN_CHARGE_POINTS: 'accept',
      // The bench sends far more than a real charger's 100 messages/s per connection.
      TOMADA_MAX_MESSAGES_PER_SECOND: '0',
      TOMADA_LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = watchExit(child);
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  // Generous: under tsx on a busy 2-core machine a start can take well over 20 s.
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Tomada exited (${child.exitCode}) before it was ready: ${stderr}`);
    try {
      if ((await fetch(`${httpUrl}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Tomada was not ready within 90 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    name: 'tomada',
    child,
    pid: child.pid!,
    wsUrl: `ws://127.0.0.1:${ocppPort}/ocpp`,
    httpUrl,
    ocppPort,
    httpPort,
    dir,
    dbPath,
    exited,
    stop: stopper(child, exited),
    async api(method, path, body) {
      const response = await fetch(`${httpUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
  };
}

/**
 * Tomada on a fresh SQLite file, or, given a PostgreSQL database, on a fresh schema of it (named
 * `prefix_…`), which its stop() drops.
 */
export async function startTomadaStoring(postgres: string | undefined, prefix: string, options: TomadaOptions = {}): Promise<TomadaProcess & { schema?: BenchSchema }> {
  if (!postgres) return startTomada(options);
  const schema = await freshSchema(postgres, prefix);
  try {
    const server = await startTomada({ ...options, env: { ...options.env, TOMADA_DATABASE_URL: schema.url } });
    return {
      ...server,
      schema,
      async stop() {
        try {
          await server.stop();
        } finally {
          await schema.drop();
        }
      },
    };
  } catch (error) {
    await schema.drop();
    throw error;
  }
}

/** The server's group commits so far, from its /metrics: units of work, batches, and seconds spent committing them. */
export async function groupCommits(server: TomadaProcess): Promise<{ units: number; batches: number; seconds: number }> {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  const value = (name: string) => Number(text.match(new RegExp(`^${name} (\\S+)$`, 'm'))?.[1]);
  return {
    units: value('tomada_store_batch_size_sum'),
    batches: value('tomada_store_batch_size_count'),
    seconds: value('tomada_store_commit_duration_seconds_sum'),
  };
}

/** Removes a Tomada folder (database and profile files) made by startTomada. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export type BaselineKind = 'bare-ws' | 'ocpp-rpc';

export async function startBaseline(kind: BaselineKind): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', `bench/servers/${kind}.ts`, '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = watchExit(child);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} did not start`)), 20_000);
    void exited.then((code) => reject(new Error(`${kind} exited (${code})`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^listening (\d+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  return { name: kind, child, pid: child.pid!, wsUrl: `ws://127.0.0.1:${port}`, exited, stop: stopper(child, exited) };
}
