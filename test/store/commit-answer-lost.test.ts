// The link to PostgreSQL lost just after a COMMIT was sent: the database committed, the node never
// heard so. The charge point is answered InternalError (the node cannot know it was stored), sends
// the same message again once the link is back, and that resend must find what was committed:
// the same transaction id, no reading stored twice, the journal one intact chain.
// store: postgres-only (scripts/run-tests.mjs runs it in the PostgreSQL pass alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { verifyJournal } from '../../src/audit/verify-journal.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { TestClient } from '../support/ocpp-client.js';
import { createTestSchema, needsPostgres, schemaUrlVia, testPostgresAddress } from '../support/database.js';
import { startTestTomada } from '../support/tomada.js';

/**
 * Forwards to PostgreSQL; once armed, the next connection that sends a COMMIT has it delivered,
 * then loses every answer and is cut a moment later (once the database has had time to commit).
 */
class CommitAnswerLoser {
  private armed = false;
  cuts = 0;
  private readonly sockets = new Set<Socket>();
  private constructor(readonly server: Server, readonly port: number) {}

  static async start(target: { host: string; port: number }): Promise<CommitAnswerLoser> {
    let loser: CommitAnswerLoser | undefined;
    const server = createServer((client) => loser!.accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('no port');
    loser = new CommitAnswerLoser(server, address.port);
    return loser;
  }

  arm(): void {
    this.armed = true;
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    const upstream = connect(target.port, target.host);
    this.sockets.add(client).add(upstream);
    let deaf = false;
    client.on('data', (chunk) => {
      upstream.write(chunk);
      // The simple query "commit" (node-postgres sends it as a Q message ending in NUL).
      if (this.armed && /\bcommit\u0000/i.test(chunk.toString('latin1'))) {
        this.armed = false;
        deaf = true;
        this.cuts++;
        setTimeout(() => {
          client.destroy();
          upstream.destroy();
        }, 300);
      }
    });
    upstream.on('data', (chunk) => {
      if (!deaf) client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

test('a COMMIT whose answer is lost: InternalError, and the resend finds what was committed', await needsPostgres(), async () => {
  const schema = await createTestSchema();
  const loser = await CommitAnswerLoser.start(testPostgresAddress());
  const t = await startTestTomada({ databaseUrl: schemaUrlVia(schema, loser.port), unknownChargePoints: 'accept' });
  const client = await TestClient.connect(t.wsUrl, 'ANSWER-LOST');
  /** Sends the call with its answer's commit lost, then again until answered; the final answer. */
  const committedBeforeResend: number[] = [];
  const lostThenResent = async (action: string, payload: object) => {
    loser.arm();
    const cutsBefore = loser.cuts;
    const first = await client.call(action, payload);
    assert.equal(loser.cuts, cutsBefore + 1, 'the commit was the one cut');
    assert.equal(first[0], 4, `never an acknowledgement the node did not hear committed: ${JSON.stringify(first)}`);
    // The database did commit it: the case this test is about, not a write that never happened.
    const direct = await openPostgresStore(schema.url);
    try {
      committedBeforeResend.push((await direct.listTransactions({ chargePointId: 'ANSWER-LOST' })).length);
    } finally {
      await direct.close();
    }
    for (let i = 0; i < 50; i++) {
      const again = await client.call(action, payload);
      if (again[0] === 3) return again[2] as Record<string, unknown>;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`${action} was never answered again`);
  };
  try {
    await t.domain.idTags.put({ idTag: 'LOST1', status: 'Accepted', expiryDate: null, parentIdTag: null });
    await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    const start = { connectorId: 1, idTag: 'LOST1', meterStart: 1000, timestamp: '2025-06-01T10:00:00Z' };
    const started = await lostThenResent('StartTransaction', start);
    const transactionId = started.transactionId as number;
    assert.equal((started.idTagInfo as { status: string }).status, 'Accepted', 'the resend is the same session, not a second one refused as ConcurrentTx');
    const meterValues = { connectorId: 1, transactionId, meterValue: [{ timestamp: '2025-06-01T10:10:00Z', sampledValue: [{ value: '1600' }] }] };
    await lostThenResent('MeterValues', meterValues);
    await lostThenResent('StatusNotification', { connectorId: 1, status: 'Charging', errorCode: 'NoError', timestamp: '2025-06-01T10:00:01Z' });
    await lostThenResent('StopTransaction', { transactionId, meterStop: 2200, timestamp: '2025-06-01T10:30:00Z' });

    assert.deepEqual(committedBeforeResend, [1, 1, 1, 1], 'the start was committed before its resend');
    const sessions = await t.store.listTransactions({ chargePointId: 'ANSWER-LOST' });
    assert.deepEqual(sessions.map((s: { id: number }) => s.id), [transactionId], 'one session');
    const stored = (await t.api(`/api/v1/transactions/${transactionId}`)).body;
    assert.deepEqual(stored.meterValues.map((m: { value: string }) => m.value), ['1600'], 'the reading once');
    assert.equal(stored.energyWh, 1200);
    assert.equal(stored.stoppedAt, '2025-06-01T10:30:00.000Z');
  } finally {
    await client.close();
    await t.close();
    await loser.close();
  }
  const direct = await openPostgresStore(schema.url);
  try {
    const report = await verifyJournal(direct);
    assert.equal(report.firstBrokenLink, undefined, JSON.stringify(report.firstBrokenLink));
    assert.deepEqual(report.mismatches, []);
  } finally {
    await direct.close();
    await schema.drop();
  }
});
