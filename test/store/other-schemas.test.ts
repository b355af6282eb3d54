// Several applications, nodes or test runs share one PostgreSQL database, each in its own schema.
// Tables created and dropped in the other schemas must never keep a node from starting: before
// migrating, the store looks for its bookkeeping tables in its own schema only. (Kysely's own
// look-up read every column of every schema and failed, now and then, on one dropped meanwhile.)
// store: postgres-only (scripts/run-tests.mjs runs it in the PostgreSQL pass alone).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Kysely } from 'kysely';
import pg from 'pg';
import { openPostgresStore, parsePostgresUrl } from '../../src/store/postgres.js';
import { OwnSchemaPostgresDialect } from '../../src/store/postgres-introspector.js';
import { StoreNotFound } from '../../src/store/sql-store.js';
import { TEST_SCHEMA_PREFIX, adminQuery, createTestSchema, needsPostgres, testPostgresUrl } from '../support/database.js';

/** Another schema's tables created and dropped in a loop, on a connection of its own, until stopped. */
function churnOtherSchemas(): { stop(): Promise<number> } {
  const client = new pg.Client({ connectionString: testPostgresUrl });
  client.on('error', () => undefined);
  const name = `${TEST_SCHEMA_PREFIX}${Math.floor(Date.now() / 1000)}_churn_${randomBytes(4).toString('hex')}`;
  const columns = Array.from({ length: 40 }, (_, i) => `c${i} serial`).join(', ');
  let stopped = false;
  let rounds = 0;
  const running = (async () => {
    await client.connect();
    while (!stopped) {
      await client.query(`drop schema if exists ${name} cascade; create schema ${name};
        create table ${name}.a (${columns}); create table ${name}.b (${columns})`);
      rounds++;
    }
    await client.query(`drop schema if exists ${name} cascade`);
  })();
  return {
    async stop() {
      stopped = true;
      try {
        await running;
      } finally {
        await client.end();
      }
      return rounds;
    },
  };
}

test('the store starts and finds its tables while another schema is created and dropped', await needsPostgres(), async () => {
  const schema = await createTestSchema();
  const churn = churnOtherSchemas();
  const { connectionString, serverOptions } = parsePostgresUrl(schema.url);
  const db = new Kysely<unknown>({
    dialect: new OwnSchemaPostgresDialect({ pool: new pg.Pool({ connectionString, max: 1, options: serverOptions }) }),
  });
  try {
    for (let open = 0; open < 5; open++) await (await openPostgresStore(schema.url)).close();

    // The race window is narrow: look many times while the other schema changes.
    let looks = 0;
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
      assert.ok(tables.every((table) => table.schema === schema.name), 'only the store\'s own schema is read');
      const names = tables.map((table) => table.name);
      for (const expected of ['kysely_migration', 'kysely_migration_lock', 'charge_points', 'meter_samples']) {
        assert.ok(names.includes(expected), `${expected} is found`);
      }
      looks++;
    }
    const rounds = await churn.stop();
    assert.ok(rounds > 10, `the other schema changed while the store looked (${rounds} rounds, ${looks} looks)`);
  } finally {
    await churn.stop().catch(() => undefined);
    await db.destroy();
    await schema.drop();
  }
});

test('a store opened as it is (journal verify) is not made in an empty schema, nor the schema made', await needsPostgres(), async () => {
  const schema = await createTestSchema();
  try {
    await assert.rejects(openPostgresStore(schema.url, { existingOnly: true }), (error: Error) => error instanceof StoreNotFound && /holds no Tomada store/.test(error.message));
    const tables = await adminQuery(`select count(*)::int as n from information_schema.tables where table_schema = '${schema.name}'`);
    assert.equal(tables.rows[0].n, 0, 'no table made, not even the migrations\' own');

    const absent = new URL(schema.url);
    absent.searchParams.set('schema', `${schema.name}_absent`);
    // Not there: nothing to verify (journal verify's exit 2), where it said "no schema to create the tables in", exit 1.
    await assert.rejects(openPostgresStore(absent.toString(), { existingOnly: true }), (error: Error) => error instanceof StoreNotFound && error.message.includes(`no schema "${schema.name}_absent"`));
    const made = await adminQuery(`select count(*)::int as n from pg_namespace where nspname = '${schema.name}_absent'`);
    assert.equal(made.rows[0].n, 0, 'the schema named is not made');
  } finally {
    await adminQuery(`drop schema if exists ${schema.name}_absent cascade`);
    await schema.drop();
  }
});

test('a schema another session creates at the same moment: the store opens on it, where one of two nodes started together failed', await needsPostgres(), async () => {
  const name = `${TEST_SCHEMA_PREFIX}${Math.floor(Date.now() / 1000)}_meanwhile_${randomBytes(4).toString('hex')}`;
  const other = new pg.Client({ connectionString: testPostgresUrl });
  await other.connect();
  const url = new URL(testPostgresUrl);
  url.searchParams.set('schema', name);
  try {
    // The other session has created it and not committed yet: the store's `create schema if not
    // exists` waits for it, then meets the catalog's unique index (23505), as a second node did.
    await other.query(`begin; create schema ${name}`);
    const opening = openPostgresStore(url.toString());
    await new Promise((resolve) => setTimeout(resolve, 300));
    await other.query('commit');
    const store = await opening;
    try {
      const tables = await adminQuery(`select count(*)::int as n from information_schema.tables where table_schema = '${name}'`);
      assert.ok(tables.rows[0].n > 10, `the store's tables are in the schema (${tables.rows[0].n})`);
    } finally {
      await store.close();
    }
  } finally {
    await other.end();
    await adminQuery(`drop schema if exists ${name} cascade`);
  }
});
