// Three Tomada processes (`tomada serve`) on one database and one NATS, charge points spread over
// them: commands sent through every node reach every charge point; one node is killed with
// SIGKILL while its charge points are sending meter values; they reconnect to the other nodes,
// which take them over; and everything that was acknowledged is stored afterwards, exactly once.
//
// Runs on PostgreSQL (a fresh schema per run), the store several processes share; skipped with
// the reason when this build's store does not open postgres:// or the server does not answer.
// (One SQLite file is no store for several writing processes: its write transactions collide.)
// store: postgres-only (scripts/run-tests.mjs runs it in the PostgreSQL pass alone).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import pg from 'pg';
import { openStore } from '../../src/store/open.js';
import { TestClient, type Frame } from '../support/ocpp-client.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { eventually, natsUnavailable, randomPrefix, SHARED_NATS } from './helpers.js';

const TOKEN = 'multi-process-admin-token-0123';
const POSTGRES = process.env.TOMADA_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const natsSkip = await natsUnavailable();

interface Database {
  url: string;
  drop(): Promise<void>;
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why the PostgreSQL run cannot happen (in CI: a failure), or undefined. */
async function postgresSkip(): Promise<string | undefined> {
  let reason: string | undefined;
  try {
    await adminQuery('select 1');
    const probe = await openStore(`${POSTGRES}?schema=tomada_probe_${randomBytes(4).toString('hex')}`).catch((error: Error) => error);
    if (probe instanceof Error) reason = `this build's store does not open postgres:// yet (${probe.message})`;
    else await probe.close();
  } catch (error) {
    reason = `PostgreSQL is not reachable at ${POSTGRES} (${(error as Error).message})`;
  }
  if (reason && process.env.CI === 'true') throw new Error(`${reason}; CI runs the multi-node test on PostgreSQL`);
  return reason;
}

async function postgresDatabase(): Promise<Database> {
  const schema = `tomada_test_${Math.floor(Date.now() / 1000)}_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create schema ${schema}`);
  return { url: `${POSTGRES}?schema=${schema}`, drop: () => adminQuery(`drop schema if exists ${schema} cascade`) };
}

class Node {
  constructor(
    readonly id: string,
    readonly server: ServerProcess,
  ) {}

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.server.ocppPort}/ocpp`;
  }

  async api(path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`http://127.0.0.1:${this.server.httpPort}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }
}

/** A charge point that remembers every message the central system acknowledged. */
class ChargePoint {
  client!: TestClient;
  transactionId: number | undefined;
  meterWh = 10_000;
  clock = Date.parse('2026-01-01T08:00:00Z');
  readonly ackedSamples: string[] = [];
  stopped = false;

  constructor(readonly id: string) {}

  async connect(node: Node): Promise<void> {
    this.client = await TestClient.connect(node.wsUrl, this.id);
    this.client.onCall = (action) => ({ status: action === 'UnlockConnector' ? 'Unlocked' : 'Accepted' });
    await this.client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
  }

  private tick(): string {
    this.clock += 60_000;
    return new Date(this.clock).toISOString();
  }

  async start(): Promise<void> {
    await this.client.ok('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging', timestamp: this.tick() });
    const answer = await this.client.ok('StartTransaction', { connectorId: 1, idTag: 'TAG-MP', meterStart: this.meterWh, timestamp: this.tick() });
    this.transactionId = answer.transactionId;
  }

  /** One MeterValues; true when it was acknowledged. */
  async meterValue(): Promise<boolean> {
    this.meterWh += 250;
    const timestamp = this.tick();
    const answer: Frame = await this.client.call('MeterValues', {
      connectorId: 1,
      transactionId: this.transactionId,
      meterValue: [{ timestamp, sampledValue: [{ value: String(this.meterWh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
    });
    if (answer[0] !== 3) return false;
    this.ackedSamples.push(timestamp);
    return true;
  }

  /** Sends meter values until the connection dies; resolves with how many were acknowledged. */
  async meterUntilCut(): Promise<void> {
    let open = true;
    void this.client.closed.then(() => (open = false));
    while (open) {
      try {
        await Promise.race([this.meterValue(), this.client.closed]);
      } catch {
        return; // no answer: the server is gone
      }
    }
  }

  async stop(): Promise<void> {
    await this.client.ok('StopTransaction', { transactionId: this.transactionId, meterStop: this.meterWh, timestamp: this.tick(), reason: 'Local' });
    this.stopped = true;
  }
}

async function scenario(database: Database): Promise<void> {
  const prefix = randomPrefix();
  const nodes: Node[] = [];
  const chargePoints = Array.from({ length: 6 }, (_, i) => new ChargePoint(`MP-${i + 1}`));
  try {
    for (const id of ['node-a', 'node-b', 'node-c']) {
      const server = await spawnServer({
        TOMADA_DATABASE_URL: database.url,
        TOMADA_ADMIN_TOKEN: TOKEN,
        TOMADA_UNKNOWN_CHARGE_POINTS: 'accept',
        TOMADA_NATS_URL: SHARED_NATS,
        TOMADA_NATS_PREFIX: prefix,
        TOMADA_NODE_ID: id,
        TOMADA_NODE_HEARTBEAT_MS: '200',
        TOMADA_CALL_TIMEOUT_MS: '3000',
      });
      nodes.push(new Node(id, server));
    }
    const [a, b, c] = nodes as [Node, Node, Node];
    assert.equal((await a.api('/api/v1/id-tags/TAG-MP', 'PUT', { status: 'Accepted' })).status < 300, true);
    const home = (index: number) => nodes[index % 3]!;
    await Promise.all(chargePoints.map((cp, i) => cp.connect(home(i))));
    await Promise.all(chargePoints.map((cp) => cp.start()));
    for (const cp of chargePoints) assert.equal(await cp.meterValue(), true);

    const commandEverywhere = async (through: Node[]) => {
      for (const cp of chargePoints) {
        await eventually(`${cp.id} shows as connected through every node`, async () => {
          for (const node of through) if (!(await node.api(`/api/v1/charge-points/${cp.id}`)).body.connected) return false;
          return true;
        });
        for (const node of through) {
          const since = cp.client.received.length;
          const result = await node.api(`/api/v1/charge-points/${cp.id}/commands/unlock`, 'POST', { connectorId: 1 });
          assert.deepEqual(result, { status: 200, body: { status: 'Unlocked' } }, `${cp.id} via ${node.id}`);
          const calls = cp.client.received.slice(since).filter((f) => f[0] === 2);
          assert.deepEqual(calls.map((f) => f[2]), ['UnlockConnector'], `${cp.id} via ${node.id}: one CALL`);
        }
      }
    };
    await commandEverywhere(nodes);

    // Node c dies while its charge points are sending meter values.
    const onC = chargePoints.filter((_, i) => home(i) === c);
    const sending = onC.map((cp) => cp.meterUntilCut());
    await eventually('node c acknowledged meter values under load', () => onC.every((cp) => cp.ackedSamples.length >= 4));
    c.server.child.kill('SIGKILL');
    await c.server.exited;
    await Promise.all(sending);
    await Promise.all(onC.map((cp) => cp.client.closed));

    for (const node of [a, b]) {
      for (const cp of onC) {
        await eventually(`${node.id} no longer counts ${cp.id} (held by the killed node) as connected`, async () => (await node.api(`/api/v1/charge-points/${cp.id}`)).body.connected === false);
      }
    }
    // They reconnect elsewhere and carry on with their sessions.
    await Promise.all(onC.map((cp, i) => cp.connect(i % 2 === 0 ? a : b)));
    await commandEverywhere([a, b]);
    for (const cp of chargePoints) {
      assert.equal(await cp.meterValue(), true);
      await cp.stop();
    }

    // Nothing acknowledged is missing, and nothing is stored twice.
    for (const node of [a, b]) {
      for (const cp of chargePoints) {
        const { status, body } = await node.api(`/api/v1/transactions/${cp.transactionId}`);
        assert.equal(status, 200);
        assert.equal(body.chargePointId, cp.id);
        assert.ok(body.stoppedAt, `${cp.id}: the acknowledged stop is stored`);
        assert.equal(body.meterStopWh, cp.meterWh);
        const stored: string[] = body.meterValues.map((s: { timestamp: string }) => s.timestamp);
        assert.equal(new Set(stored).size, stored.length, `${cp.id}: no sample stored twice`);
        for (const t of cp.ackedSamples) assert.ok(stored.includes(t), `${cp.id}: acknowledged sample ${t} is stored`);
        // Only a sample in flight at the kill may be stored without its acknowledgement.
        assert.ok(stored.length <= cp.ackedSamples.length + (onC.includes(cp) ? 1 : 0), `${cp.id}: ${stored.length} stored, ${cp.ackedSamples.length} acknowledged`);
      }
    }
  } finally {
    for (const cp of chargePoints) cp.client?.ws.terminate();
    for (const node of nodes) {
      if (node.server.child.exitCode === null && node.server.child.signalCode === null) {
        node.server.child.kill('SIGTERM');
        await node.server.exited;
      }
    }
    await database.drop();
  }
}

describe('three processes, one database, one NATS; a node killed with SIGKILL', { skip: natsSkip, timeout: 120_000 }, async () => {
  const pgSkip = natsSkip ? undefined : await postgresSkip();

  test('on PostgreSQL', { skip: pgSkip }, async () => {
    await scenario(await postgresDatabase());
  });
});
