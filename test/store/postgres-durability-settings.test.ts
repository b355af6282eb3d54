// Every acknowledgement waits for its COMMIT, which on PostgreSQL means durable only while the
// server flushes its WAL at commit (`synchronous_commit` not `off`, `fsync` on). A database or role
// configured otherwise (a tuning guide's advice, a copied benchmark setup) made every answer leave
// before its data was on disk, and nothing said so: the store now warns when it opens on such a
// connection, naming the setting. (The tests' own schemas run with synchronous_commit=off on
// purpose, test/support/database.ts; here the URL sets it each way.)
// store: postgres-only (scripts/run-tests.mjs runs it in the PostgreSQL pass alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgresStore } from '../../src/store/postgres.js';
import type { StoreLog } from '../../src/store/sql-store.js';
import { createTestSchema, needsPostgres } from '../support/database.js';

function withServerOption(url: string, options: string): string {
  const withOptions = new URL(url);
  withOptions.searchParams.set('options', options);
  return withOptions.toString();
}

async function warningsOpening(url: string): Promise<string[]> {
  const warnings: string[] = [];
  const log: StoreLog = { info: () => undefined, warn: (_detail, message) => warnings.push(message), error: () => undefined };
  const store = await openPostgresStore(url, { log, poolSize: 2 });
  await store.close();
  return warnings;
}

test('a store opened where commits are not flushed to disk warns that acknowledgements are not durable; one where they are does not', await needsPostgres(), async () => {
  const schema = await createTestSchema();
  try {
    const off = await warningsOpening(withServerOption(schema.url, '-c synchronous_commit=off'));
    assert.equal(off.filter((message) => /synchronous_commit/.test(message)).length, 1, off.join(' | '));
    assert.match(off.find((message) => /synchronous_commit/.test(message))!, /acknowledg/);
    for (const durable of ['on', 'local', 'remote_write']) {
      const warnings = await warningsOpening(withServerOption(schema.url, `-c synchronous_commit=${durable}`));
      assert.deepEqual(warnings.filter((message) => /synchronous_commit|fsync/.test(message)), [], `synchronous_commit=${durable}`);
    }
  } finally {
    await schema.drop();
  }
});
