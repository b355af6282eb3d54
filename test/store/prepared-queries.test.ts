// A prepared shape hands its values to the runner as they are only when its parameters are slots
// 0, 1, 2… in order; any other shape (slots reordered, a constant of the shape among them) gets
// its parameters built. Kysely's path never freezes the caller's values. On a real SQLite
// database, through the statement cache the SQLite store runs its batches with.
// store: sqlite-only. The runner under test is SQLite's; PostgreSQL has none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { PreparedQueries, type QueryRunner } from '../../src/store/prepared-queries.js';
import { cachingStatements } from '../../src/store/statement-cache.js';

interface Db {
  t: { a: number; b: string };
}

test('values go to the runner as given only where the shape takes them in order', async () => {
  const database = new BetterSqlite3(':memory:');
  database.exec("create table t (a integer, b text); insert into t values (1, 'x'), (2, 'x'), (3, 'y'), (4, 'x')");
  const statements = cachingStatements(database);
  const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: statements }) });
  const given: (readonly unknown[])[] = [];
  const runner: QueryRunner = async (sql, parameters) => {
    given.push(parameters);
    const statement = statements.cached(sql);
    return statement.reader ? { rows: statement.all(parameters) } : { rows: [], numAffectedRows: BigInt(statement.run(parameters).changes) };
  };
  const prepared = new PreparedQueries();
  try {
    // In order: slot 0, then slot 1.
    const inOrder = [1, 'x'];
    const first = await prepared.run(db, 'inOrder', (d, slot) => d.selectFrom('t').select('a').where('a', '>', slot(0)).where('b', '=', slot(1)).orderBy('a'), inOrder, runner);
    assert.deepEqual(first.rows, [{ a: 2 }, { a: 4 }]);
    assert.equal(given.at(-1), inOrder, 'the values themselves, no copy');

    // Slots swapped: as many values as parameters, but not in their order.
    const swapped = await prepared.run(db, 'swapped', (d, slot) => d.selectFrom('t').select('a').where('a', '>', slot(1)).where('b', '=', slot(0)).orderBy('a'), ['y', 1], runner);
    assert.deepEqual(swapped.rows, [{ a: 3 }]);
    assert.deepEqual(given.at(-1), [1, 'y']);

    // Reordered, with a constant of the shape (the limit) among the parameters.
    const reordered = ['x', 0];
    const build = (d: Kysely<Db>, slot: <T = never>(index: number) => T) =>
      d.selectFrom('t').select('a').where('a', '>', slot(1)).where('b', '=', slot(0)).orderBy('a').limit(2);
    const second = await prepared.run(db, 'reordered', build, reordered, runner);
    assert.deepEqual(second.rows, [{ a: 1 }, { a: 2 }]);
    assert.deepEqual(given.at(-1), [0, 'x', 2]);
    // The same shape again, now compiled: the same parameters built.
    assert.deepEqual((await prepared.run(db, 'reordered', build, ['x', 1], runner)).rows, [{ a: 2 }, { a: 4 }]);

    // Through Kysely (outside a batch): the caller's array stays its own.
    const outside = [3, 'x'];
    assert.deepEqual((await prepared.run(db, 'inOrder', (d, slot) => d.selectFrom('t').select('a').where('a', '>', slot(0)).where('b', '=', slot(1)).orderBy('a'), outside)).rows, [{ a: 4 }]);
    assert.equal(Object.isFrozen(outside), false);
    outside.push(5);
  } finally {
    await db.destroy();
  }
});
