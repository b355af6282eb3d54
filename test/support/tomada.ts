// Starts a real Tomada node in the test process: real sockets on 127.0.0.1 (ports chosen by the
// OS) and a real database: a SQLite file in a fresh temporary folder, or with
// TOMADA_TEST_STORE=postgres a fresh PostgreSQL schema, dropped when the node is closed.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTomada, type RunningTomada } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createTestSchema, testStoreKind, type TestStoreKind } from './database.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestTomada extends RunningTomada {
  dir: string;
  /** The SQLite file (on PostgreSQL: unused; see databaseUrl). */
  dbPath: string;
  databaseUrl: string;
  wsUrl: string;
  httpUrl: string;
  /** fetch() against the operator API with the admin token. */
  api(path: string, init?: { method?: string; body?: unknown; token?: string }): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/**
 * The PostgreSQL schema of a node: fresh, or, in a folder the caller keeps across restarts, the
 * one the node before it used there (the folder stands for the database, as the SQLite file does).
 * A kept schema outlives the node; scripts/run-tests.mjs drops it when the whole run ends (a test
 * process cannot know when its last test is done: 'beforeExit' also fires between tests).
 */
async function schemaFor(callerDir: string | undefined): Promise<{ url: string; drop?: () => Promise<void> }> {
  const marker = callerDir && join(callerDir, 'postgres-url');
  if (marker && existsSync(marker)) return { url: readFileSync(marker, 'utf8') };
  const schema = await createTestSchema();
  if (!marker) return { url: schema.url, drop: schema.drop };
  writeFileSync(marker, schema.url);
  return { url: schema.url };
}

/** A node on the store under test (TOMADA_TEST_STORE): a SQLite file, or a fresh PostgreSQL schema. */
export function startTestTomada(overrides: Partial<Config> = {}, dir?: string): Promise<TestTomada> {
  return startOn(testStoreKind, overrides, dir);
}

/** A node on a SQLite file whatever the store under test: for tests about the file itself. */
export function startSqliteTestTomada(overrides: Partial<Config> = {}, dir?: string): Promise<TestTomada> {
  return startOn('sqlite', overrides, dir);
}

async function startOn(kind: TestStoreKind, overrides: Partial<Config>, dir: string | undefined): Promise<TestTomada> {
  const folder = dir ?? mkdtempSync(join(tmpdir(), 'tomada-test-'));
  const dbPath = join(folder, 'tomada.db');
  const postgres = kind === 'postgres' && overrides.databaseUrl === undefined ? await schemaFor(dir) : undefined;
  const config: Config = {
    ...loadConfig({}),
    host: '127.0.0.1',
    ocppPort: 0,
    httpPort: 0,
    databaseUrl: postgres?.url ?? `sqlite:${dbPath}`,
    adminToken: ADMIN_TOKEN,
    pingIntervalMs: 60_000,
    callTimeoutMs: 2_000,
    // The tests' webhook receivers listen on 127.0.0.1; the default refusal has tests of its own.
    webhookDeniedNetworks: [],
    // Their SOAP charge points' endpoints too.
    soapEndpointNetworks: { allowed: [], denied: [] },
    ...overrides,
  };
  let tomada: RunningTomada;
  try {
    tomada = await startTomada(config, createLogger(process.env.TOMADA_TEST_LOG_LEVEL ?? 'silent'));
  } catch (error) {
    await postgres?.drop?.();
    throw error;
  }
  const httpUrl = `http://127.0.0.1:${tomada.httpPort}`;
  return {
    ...tomada,
    dir: folder,
    dbPath,
    databaseUrl: config.databaseUrl,
    wsUrl: `ws://127.0.0.1:${tomada.ocppPort}/ocpp`,
    httpUrl,
    async api(path, init = {}) {
      const response = await fetch(`${httpUrl}${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: {
          authorization: `Bearer ${init.token ?? ADMIN_TOKEN}`,
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body };
    },
    async close() {
      await tomada.stop();
      await postgres?.drop?.();
      if (!dir) rmSync(folder, { recursive: true, force: true });
    },
  };
}
