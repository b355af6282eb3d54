// Shared helpers of the cluster tests: NATS reachability (skip, or fail in CI), a random subject
// prefix per test, a private nats-server the test can kill, nodes sharing one database, and
// waiting for something the cluster settles on its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../src/config.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';

export const SHARED_NATS = 'nats://127.0.0.1:4222';
export const NATS_SERVER_BINARY = '/usr/sbin/nats-server';

/**
 * Undefined when the NATS server answers; otherwise the reason to skip. In CI (CI=true) an
 * unreachable NATS is a failure, not a skip.
 */
export async function natsUnavailable(url = SHARED_NATS): Promise<string | undefined> {
  try {
    // Loaded here: most files that use these helpers never reach NATS.
    const { connect } = await import('nats');
    // 5 s: under a loaded machine (the suite beside other work, load average 9) 1 s timed out
    // against a NATS that was up, and failed a CI run.
    const connection = await connect({ servers: url, timeout: 5_000, maxReconnectAttempts: 0 });
    await connection.close();
    return undefined;
  } catch (error) {
    const reason = `NATS is not reachable at ${url} (${(error as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${reason}; CI runs the cluster tests`);
    return reason;
  }
}

/** A subject prefix of its own, so concurrent test runs on the shared NATS never hear each other. */
export function randomPrefix(): string {
  return `test_${randomBytes(6).toString('hex')}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value other than undefined/false, or fails with `what`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(50);
  }
}

export interface TestCluster {
  nodes: TestTomada[];
  prefix: string;
  close(): Promise<void>;
}

/**
 * Nodes in this process on one NATS, sharing one SQLite file (in /dev/shm when there is one), as
 * a cluster shares one database. Node ids are node-a, node-b, ... `natsUrl` may list one URL per
 * node (one that reaches NATS through a proxy, say).
 */
export async function startCluster(count: number, options: { natsUrl?: string | string[]; heartbeatMs?: number; overrides?: Partial<Config> } = {}): Promise<TestCluster> {
  const prefix = randomPrefix();
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'tomada-cluster-'));
  const nodes: TestTomada[] = [];
  const close = async () => {
    await Promise.all(nodes.map((node) => node.close()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < count; i++) {
      const natsUrl = (Array.isArray(options.natsUrl) ? options.natsUrl[i] : options.natsUrl) ?? SHARED_NATS;
      const cluster = { natsUrl, nodeId: `node-${String.fromCharCode(97 + i)}`, prefix, heartbeatMs: options.heartbeatMs ?? 200 };
      // One after another: the first one creates the tables.
      nodes.push(await startTestTomada({ unknownChargePoints: 'accept', callTimeoutMs: 3_000, ...options.overrides, cluster }, dir));
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { nodes, prefix, close };
}

/** A TCP proxy in front of the shared NATS server, and the URL that reaches NATS through it: a link a test can cut. */
export async function proxiedNats(): Promise<{ proxy: TcpProxy; url: string }> {
  const nats = new URL(SHARED_NATS);
  const proxy = await TcpProxy.start({ host: nats.hostname, port: Number(nats.port) });
  return { proxy, url: `nats://127.0.0.1:${proxy.port}` };
}

/** Closes a cluster whose nodes reach NATS through proxies: the links restored first, so that the nodes stop cleanly. */
export async function closeBehindProxies(cluster: TestCluster | undefined, proxies: (TcpProxy | undefined)[]): Promise<void> {
  for (const proxy of proxies) proxy?.restore();
  await cluster?.close();
  await Promise.all(proxies.map((proxy) => proxy?.close()));
}

/** Waits until every node's router is connected to NATS and has heard from all the others. */
export async function clusterFormed(nodes: TestTomada[]): Promise<void> {
  await eventually('every node hears every other node', () =>
    nodes.every((node) => node.cluster?.natsUp && node.cluster.liveNodes().length === nodes.length - 1),
  );
}

/**
 * Waits until every node has had its one look for the campaigns of nodes it does not hear (app.ts,
 * lostAfterMs and a heartbeat after it listens) and that look has read the store: a campaign a test
 * stores after this for a node nobody hears is closed only by what the test does. Stored before,
 * the look may close it first, sooner or later as the machine is loaded.
 */
export async function pastLookForNodesNotLive(nodes: TestTomada[], heartbeatMs = 200): Promise<void> {
  const readMs = 1_000;
  await eventually('every node has had its look for nodes it does not hear', () =>
    nodes.every((node) => node.cluster !== undefined && node.cluster.listeningForMs() > node.cluster.lostAfterMs + heartbeatMs + readMs),
  );
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** A nats-server of the test's own, on a random port, that the test may kill and start again. */
export class PrivateNats {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateNats> {
    const nats = new PrivateNats(await freePort());
    await nats.restart();
    return nats;
  }

  static unavailable(): string | undefined {
    if (existsSync(NATS_SERVER_BINARY)) return undefined;
    const reason = `${NATS_SERVER_BINARY} is not installed`;
    if (process.env.CI === 'true') throw new Error(`${reason}; CI runs the NATS outage tests`);
    return reason;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    if (this.child) throw new Error('nats-server is already running');
    const child = spawn(NATS_SERVER_BINARY, ['-a', '127.0.0.1', '-p', String(this.port)], { stdio: 'ignore' });
    this.child = child;
    await eventually(`nats-server listens on ${this.port}`, async () => {
      if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
      return accepts(this.port);
    });
  }

  /** SIGKILL: the server is gone without saying goodbye. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
