// better-sqlite3 statements reused by their SQL text. Kysely's SQLite driver prepares every query
// anew, and compiling SQL was a seventh of the server's CPU on the hot path (docs/PERFORMANCE.md);
// the hot path runs the same few statements over and over, so a bounded cache removes that cost.
// Safe because Kysely runs each statement to completion (all/run) before preparing the next; a
// streamed (iterate) query holds its statement, so it bypasses the cache.
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * `cached`: the cached statement itself, for a caller that runs it to completion (all/run) at once
 * and never streams it (DialectHooks.runInTransaction): without the wrapper `prepare` builds for
 * Kysely, which is four objects per statement.
 */
export type CachingDatabase = SqliteDatabase & { cached(sql: string): SqliteStatement };

export function cachingStatements(database: SqliteDatabase, capacity = 256): CachingDatabase {
  const cache = new Map<string, SqliteStatement>();
  const cached = (sql: string) => {
    let statement = cache.get(sql);
    if (statement) {
      // Most recently used last, so the first entry is the one to drop when full.
      cache.delete(sql);
      cache.set(sql, statement);
    } else {
      statement = database.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > capacity) cache.delete(cache.keys().next().value!);
    }
    return statement;
  };
  return {
    cached,
    prepare(sql) {
      const statement = cached(sql);
      // Streaming keeps the statement busy until the iterator ends: give it a statement of its own.
      return { reader: statement.reader, all: (p) => statement.all(p), run: (p) => statement.run(p), iterate: (p) => database.prepare(sql).iterate(p) };
    },
    close() {
      cache.clear();
      database.close();
    },
  };
}
