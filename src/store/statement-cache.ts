// better-sqlite3 statements reused by their SQL text. Kysely's SQLite driver prepares every query
// anew, and compiling SQL was a seventh of the server's CPU on the hot path (docs/PERFORMANCE.md);
// the hot path runs the same few statements over and over, so a bounded cache removes that cost.
// Safe because Kysely runs each statement to completion (all/run) before preparing the next; a
// streamed (iterate) query holds its statement, so it bypasses the cache.
import type { SqliteDatabase, SqliteStatement } from 'kysely';

export function cachingStatements(database: SqliteDatabase, capacity = 256): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    prepare(sql) {
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
      const cached = statement;
      // Streaming keeps the statement busy until the iterator ends: give it a statement of its own.
      return { reader: cached.reader, all: (p) => cached.all(p), run: (p) => cached.run(p), iterate: (p) => database.prepare(sql).iterate(p) };
    },
    close() {
      cache.clear();
      database.close();
    },
  };
}
