// `tomada migrate` on the store under test: a fresh database gets every migration, named; a
// second run applies none and says where the schema stands; a node then starts on it. The command
// runs in this process (the bin itself is checked in test/cli.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrateCommand } from '../../src/cli/migrate-command.js';
import { migrationProvider } from '../../src/store/migrations.js';
import { sql } from 'kysely';
import { createTestDatabase, kyselyOn } from '../support/database.js';
import { startTestTomada } from '../support/tomada.js';

async function migrate(argv: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await migrateCommand(argv, env, { write: (text: string) => (stdout += text) }, { write: (text: string) => (stderr += text) });
  return { code, stdout, stderr };
}

test('tomada migrate applies what the database lacks, says which, and then that it is up to date', async () => {
  const database = await createTestDatabase();
  try {
    const names = Object.keys(await migrationProvider(database.kind).getMigrations());
    const latest = names.at(-1)!;
    const env = { TOMADA_DATABASE_URL: database.url };

    const first = await migrate([], env);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `database schema migrated to ${latest}\napplied: ${names.join(', ')}\n`);

    const second = await migrate([], env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, `database schema up to date at ${latest}\n`);

    // A migration this version does not know: a newer version's, said so (the migrator's own
    // words, "corrupted migrations", read as a damaged database).
    const kysely = kyselyOn(database);
    try {
      await sql`insert into ${sql.table(database.schema ? `${database.schema}.kysely_migration` : 'kysely_migration')} (name, timestamp) values ('9999_of_a_newer_version', ${new Date().toISOString()})`.execute(kysely);
      // (The command rejects; the bin prints why and exits 1.)
      await assert.rejects(migrate([], env), /^Error: the database has migration 9999_of_a_newer_version, which this version of Tomada does not know: a newer version migrated it/);
      await sql`delete from ${sql.table(database.schema ? `${database.schema}.kysely_migration` : 'kysely_migration')} where name = '9999_of_a_newer_version'`.execute(kysely);
    } finally {
      await kysely.destroy();
    }

    // The schema it left is the one a node runs on.
    const node = await startTestTomada({ databaseUrl: database.url });
    try {
      assert.equal((await node.api('/api/v1/me')).status, 200);
    } finally {
      await node.close();
    }
  } finally {
    await database.drop();
  }
});

test('tomada migrate: an unknown argument is a usage error, and a database it cannot reach an error', async () => {
  const wrong = await migrate(['--force'], {});
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /^Unexpected argument "--force"/);
  await assert.rejects(migrate([], { TOMADA_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }), /ECONNREFUSED/);
});
