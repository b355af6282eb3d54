// Starts a real Tomada node in the test process: real sockets on 127.0.0.1 (ports chosen by the
// OS) and a real SQLite file in a fresh temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTomada, type RunningTomada } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestTomada extends RunningTomada {
  dir: string;
  dbPath: string;
  wsUrl: string;
  httpUrl: string;
  /** fetch() against the operator API with the admin token. */
  api(path: string, init?: { method?: string; body?: unknown; token?: string }): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startTestTomada(overrides: Partial<Config> = {}, dir?: string): Promise<TestTomada> {
  const folder = dir ?? mkdtempSync(join(tmpdir(), 'tomada-test-'));
  const dbPath = join(folder, 'tomada.db');
  const config: Config = {
    ...loadConfig({}),
    host: '127.0.0.1',
    ocppPort: 0,
    httpPort: 0,
    databaseUrl: `sqlite:${dbPath}`,
    adminToken: ADMIN_TOKEN,
    pingIntervalMs: 60_000,
    callTimeoutMs: 2_000,
    ...overrides,
  };
  const tomada = await startTomada(config, createLogger(process.env.TOMADA_TEST_LOG_LEVEL ?? 'silent'));
  const httpUrl = `http://127.0.0.1:${tomada.httpPort}`;
  return {
    ...tomada,
    dir: folder,
    dbPath,
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
      if (!dir) rmSync(folder, { recursive: true, force: true });
    },
  };
}
