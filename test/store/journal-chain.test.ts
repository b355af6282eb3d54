// Several nodes on one PostgreSQL database: two stores, each with its own connection pool (as two
// Tomada processes have), append frames at the same time, and the journal is still one unbroken
// hash chain. Without the journal lock both would read the same last row and fork the chain; so
// would the lock under repeatable read (the head read in a snapshot taken before the lock), which a
// database or role may have as its default: the store sets read committed for its connections.
// store: postgres-only (scripts/run-tests.mjs runs it in the PostgreSQL pass alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyJournal } from '../../src/audit/verify-journal.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { JournalFrame } from '../../src/store/journal-chain.js';
import { createTestSchema, needsPostgres } from '../support/database.js';

const frame = (node: string, i: number): JournalFrame => ({
  at: new Date().toISOString(),
  chargePointId: `${node}-CP${i % 7}`,
  direction: 'in',
  protocol: 'ocpp1.6-json',
  frame: Buffer.from(`[2,"${node}-${i}","Heartbeat",{}]`),
});

/** The schema's URL with server options that make repeatable read the connections' default. */
function repeatableReadByDefault(url: string): string {
  const withOptions = new URL(url);
  withOptions.searchParams.set('options', '-c default_transaction_isolation=repeatable\\ read');
  return withOptions.toString();
}

for (const [journalKey, repeatableRead] of [
  [undefined, false],
  ['chain-key-for-two-nodes', false],
  [undefined, true],
] as const) {
  const named = `${journalKey ? ' (keyed)' : ''}${repeatableRead ? ' (on a database whose default is repeatable read)' : ''}`;
  test(`two nodes appending at once keep one hash chain${named}`, await needsPostgres(), async () => {
    const schema = await createTestSchema();
    const options = { poolSize: 4, ...(journalKey ? { journalKey } : {}) };
    const url = repeatableRead ? repeatableReadByDefault(schema.url) : schema.url;
    const [a, b] = await Promise.all([openPostgresStore(url, options), openPostgresStore(url, options)]);
    try {
      // Each node submits waves of units; a wave becomes one batch, so batches of both nodes
      // interleave, each racing the other for the chain's head.
      const waves = 15;
      const perWave = 20;
      const node = async (store: typeof a, name: string) => {
        for (let wave = 0; wave < waves; wave++) {
          await Promise.all(Array.from({ length: perWave }, (_, i) => store.journal([frame(name, wave * perWave + i)])));
        }
      };
      await Promise.all([node(a, 'A'), node(b, 'B')]);

      const report = await verifyJournal(a, journalKey ? { journalKey } : {});
      assert.equal(report.firstBrokenLink, undefined, JSON.stringify(report.firstBrokenLink));
      assert.equal(report.rowsChecked, 2 * waves * perWave);
      const rows = await b.listJournal({ limit: 10_000 });
      // No two rows link to one previous row.
      assert.equal(new Set(rows.map((r) => r.prevHash)).size, rows.length);
      // Both nodes' frames are in the one chain, each exactly once.
      const texts = rows.map((r) => r.frame.toString());
      assert.equal(new Set(texts).size, texts.length);
      assert.equal(texts.filter((t) => t.includes('"A-')).length, waves * perWave);
      // And they really interleaved: the chain changes hands between the nodes more than once.
      const owners = rows.map((r) => r.chargePointId![0]);
      const handovers = owners.filter((o, i) => i > 0 && o !== owners[i - 1]).length;
      assert.ok(handovers > 1, `the nodes' batches did not interleave (${handovers} handovers)`);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await schema.drop();
    }
  });
}
