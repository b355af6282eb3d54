// Shared helpers of the transport integration tests: clients that are closed at the end, frames
// awaited by position, and checks that a connection (or the stored data) is still as it was.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { TestClient, type Frame } from '../support/ocpp-client.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import type { Config } from '../../src/config.js';

/**
 * A test node whose SQLite file lives in memory-backed /dev/shm when there is one: still a real
 * file with real commits, but a burst of thousands of sequential commits is not timed by the disk.
 */
export async function startFastTomada(overrides: Partial<Config>): Promise<TestTomada> {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'tomada-transport-'));
  const t = await startTestTomada(overrides, dir);
  return {
    ...t,
    async close() {
      try {
        await t.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Opens clients and closes every one of them at the end, so the test process can exit. */
export class Clients {
  private readonly open = new Set<{ terminate(): void }>();

  constructor(private readonly t: TestTomada) {}

  async connect(id: string, options: { protocols?: string[]; password?: string } = {}): Promise<TestClient> {
    const client = await TestClient.connect(this.t.wsUrl, id, options);
    this.open.add(client.ws);
    return client;
  }

  /** A raw `ws` socket to the charge point `id` (for what TestClient cannot do, such as not answering pings). */
  raw(id: string, options: WebSocket.ClientOptions = {}, protocols: string[] = ['ocpp1.6']): Promise<WebSocket> {
    return this.rawUrl(`${this.t.wsUrl}/${encodeURIComponent(id)}`, options, protocols);
  }

  /** A raw `ws` socket to any URL; rejects with `statusCode` set when the handshake is refused. */
  async rawUrl(url: string, options: WebSocket.ClientOptions = {}, protocols: string[] = ['ocpp1.6']): Promise<WebSocket> {
    const ws = new WebSocket(url, protocols, options);
    this.open.add(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode, headers: res.headers }));
      });
      ws.once('error', reject);
    });
    return ws;
  }

  closeAll(): void {
    for (const ws of this.open) ws.terminate();
    this.open.clear();
  }
}

/** The HTTP status with which a handshake is refused (fails the test if it succeeds). */
export async function refusedWith(connecting: Promise<unknown>): Promise<number> {
  try {
    const opened = await connecting;
    if (opened instanceof TestClient) opened.ws.terminate();
    else if (opened instanceof WebSocket) opened.terminate();
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    assert.equal(typeof status, 'number', `handshake failed without an HTTP status: ${(error as Error).message}`);
    return status!;
  }
  assert.fail('the handshake succeeded but should have been refused');
}

/** Waits for the first frame received at or after position `since` that matches. */
export function frameAfter(client: TestClient, since: number, match: (frame: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
  return client.waitFor((f) => client.received.indexOf(f) >= since && match(f), timeoutMs);
}

/** Sends raw text (or bytes) and resolves with the CALLERROR that answers it. */
export async function sendAndExpectError(client: TestClient, data: string | Buffer, binary = false): Promise<Frame> {
  const since = client.received.length;
  client.sendRaw(data, binary);
  return frameAfter(client, since, (f) => f[0] === 4);
}

/** Asserts the shape of a CALLERROR with the given id and code. */
export function assertCallError(frame: Frame, messageId: string, code: string): void {
  assert.equal(frame.length, 5, `CALLERROR has 5 elements: ${JSON.stringify(frame)}`);
  assert.equal(frame[0], 4, `a CALLERROR: ${JSON.stringify(frame)}`);
  assert.equal(frame[1], messageId, `message id of ${JSON.stringify(frame)}`);
  assert.equal(frame[2], code, `error code of ${JSON.stringify(frame)}`);
  assert.equal(typeof frame[3], 'string');
  assert.ok(typeof frame[4] === 'object' && frame[4] !== null && !Array.isArray(frame[4]), 'error details are an object');
}

/** The connection still works: a Heartbeat is answered with a CALLRESULT. */
export async function assertAlive(client: TestClient, what = 'connection'): Promise<void> {
  assert.equal(client.ws.readyState, WebSocket.OPEN, `${what} is open`);
  const answer = await client.call('Heartbeat', {});
  assert.equal(answer[0], 3, `${what}: Heartbeat answered with a CALLRESULT, got ${JSON.stringify(answer)}`);
  assert.equal(typeof (answer[2] as { currentTime?: unknown }).currentTime, 'string');
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Resolves as `promise` does, or fails with `message` after `ms` (the timer never outlives it). */
export async function within<T>(ms: number, promise: Promise<T>, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message())), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export const now = () => new Date().toISOString();
