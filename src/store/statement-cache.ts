// better-sqlite3 statements reused by their SQL text. Kysely's SQLite driver prepares every query
// anew, and compiling SQL was a seventh of the server's CPU on the hot path (docs/PERFORMANCE.md);
// the hot path runs the same few statements over and over, so a bounded cache removes that cost.
// Safe because Kysely runs each statement to completion (all/run) before preparing the next; a
// streamed (iterate) query holds its statement, so it bypasses the cache.
import type { SqliteDatabase, SqliteStatement } from 'kysely';

export function cachingStatements(database: SqliteDatabase, capacity = 256): SqliteDatabase {
  // The wrapper is kept with its statement: one object per SQL text, not four closures per query.
  const cache = new Map<string, SqliteStatement>();
  const wrap = (sql: string, statement: SqliteStatement): SqliteStatement => ({
    reader: statement.reader,
    all: (p) => statement.all(p),
    run: (p) => statement.run(p),
    // Streaming keeps the statement busy until the iterator ends: give it a statement of its own.
    iterate: (p) => database.prepare(sql).iterate(p),
  });
  return {
    prepare(sql) {
      let statement = cache.get(sql);
      if (statement) {
        // Most recently used last, so the first entry is the one to drop when full.
        cache.delete(sql);
        cache.set(sql, statement);
      } else {
        statement = wrap(sql, database.prepare(sql));
        cache.set(sql, statement);
        if (cache.size > capacity) cache.delete(cache.keys().next().value!);
      }
      return statement;
    },
    close() {
      cache.clear();
      database.close();
    },
  };
}
