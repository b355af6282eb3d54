// `tomada migrate` on the store under test: a fresh database gets every migration, named, when
// --create is given, and is left alone otherwise; a store an earlier version left is migrated; a
// second run applies none and says where the schema stands; a node then starts on it. The command
// runs in this process (the bin itself is checked in test/cli.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrateCommand } from '../../src/cli/migrate-command.js';
import { migrationProvider } from '../../src/store/migrations.js';
import { sql } from 'kysely';
import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { dirname, join } from 'node:path';
import { adminQuery, createTestDatabase, kyselyOn, migratedTo } from '../support/database.js';
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

    // Nothing there: created only when asked (test below).
    const first = await migrate(['--create'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`^database schema migrated to ${latest}\napplied: ${names.join(', ')}\ncreated a new store \\(--create\\) at `));

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

test('tomada migrate migrates only a store that is there: none is exit 2, nothing made, unless --create', async () => {
  const database = await createTestDatabase();
  // Run from the wrong folder, or with a mistyped ?schema=: until 2026-12-07 it made a new empty
  // store there and said "database schema migrated to …", exit 0.
  const url = database.kind === 'postgres' ? database.url.replace(`schema=${database.schema}`, `schema=${database.schema}_typo`) : `sqlite:${join(dirname(database.sqlitePath!), 'elsewhere', 'tomada.db')}`;
  const made = async (): Promise<boolean> =>
    database.kind === 'postgres'
      ? (await adminQuery(`select 1 from information_schema.schemata where schema_name = '${database.schema}_typo'`)).rowCount === 1
      : existsSync(join(dirname(database.sqlitePath!), 'elsewhere'));
  try {
    const none = await migrate([], { TOMADA_DATABASE_URL: url });
    assert.equal(none.code, 2, none.stdout);
    assert.equal(none.stdout, '');
    const where = database.kind === 'postgres' ? `PostgreSQL has no schema "${database.schema}_typo"` : `no SQLite database at ${join(dirname(database.sqlitePath!), 'elsewhere', 'tomada.db')}`;
    assert.ok(none.stderr.startsWith(`Nothing was migrated: ${where}`), none.stderr);
    assert.match(none.stderr, /\. TOMADA_DATABASE_URL names the store to migrate \(now /);
    assert.match(none.stderr, /A node creates its store at its first start; `tomada migrate --create` creates one here\.\n$/);
    assert.equal(await made(), false, 'nothing made');

    // The database is there but holds no Tomada store (an empty schema, another program's SQLite file): the same.
    if (database.kind === 'sqlite') {
      const other = new BetterSqlite3(database.sqlitePath!);
      other.exec('create table not_tomada (x)');
      other.close();
    }
    const empty = await migrate([], { TOMADA_DATABASE_URL: database.url });
    assert.equal(empty.code, 2, empty.stdout);
    assert.match(empty.stderr, /^Nothing was migrated: the database holds no Tomada store \(no migration was ever applied to it\)\./);

    // A store an earlier version left is migrated without being asked to create anything.
    const names = Object.keys(await migrationProvider(database.kind).getMigrations());
    await (await migratedTo(database, names[names.length - 3]!)).destroy();
    const older = await migrate([], { TOMADA_DATABASE_URL: database.url });
    assert.equal(older.code, 0, older.stderr);
    assert.equal(older.stdout, `database schema migrated to ${names.at(-1)}\napplied: ${names.slice(-2).join(', ')}\n`);

    // --create makes the store, and says so.
    const created = await migrate(['--create'], { TOMADA_DATABASE_URL: url });
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^database schema migrated to .*\napplied: .*\ncreated a new store \(--create\) at .*: there was none \(/);
    assert.equal(await made(), true);
    const again = await migrate(['--create'], { TOMADA_DATABASE_URL: url });
    assert.equal(again.stdout, `database schema up to date at ${names.at(-1)}\n`, 'made once, then migrated as any store');
  } finally {
    if (database.kind === 'postgres') await adminQuery(`drop schema if exists ${database.schema}_typo cascade`);
    await database.drop();
  }
});
