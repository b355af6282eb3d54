// A write the store itself refuses, for as long as a test needs: a trigger on the node's own
// database (its SQLite file, or its PostgreSQL schema) that aborts the rows it matches. What a
// failing write looks like to Tomada, on either store, with nothing in Tomada replaced.
import assert from 'node:assert/strict';
import BetterSqlite3 from 'better-sqlite3';
import { adminQuery, testStoreKind } from './database.js';
import type { TestTomada } from './tomada.js';

export interface RefusedWrites {
  /** The trigger's name (one word). */
  name: string;
  /** `before insert on events`, `before update on charge_points`: the same words on both stores. */
  on: string;
  /** Which rows it refuses, per store where their SQL differs (`is not` against `is distinct from`). */
  when: string | { sqlite: string; postgres: string };
}

/** Makes the node's store refuse the writes `refused` names; returns how to undo it. */
export async function refuseWrites(t: TestTomada, refused: RefusedWrites): Promise<() => Promise<void>> {
  const message = `${refused.name}: refused for this test`;
  const when = (kind: 'sqlite' | 'postgres') => (typeof refused.when === 'string' ? refused.when : refused.when[kind]);
  if (testStoreKind === 'sqlite') {
    const onFile = (statement: string) => {
      const db = new BetterSqlite3(t.dbPath);
      try {
        db.exec(statement);
      } finally {
        db.close();
      }
    };
    onFile(`create trigger ${refused.name} ${refused.on} when ${when('sqlite')} begin select raise(abort, '${message}'); end;`);
    return async () => onFile(`drop trigger ${refused.name}`);
  }
  const schema = new URL(t.databaseUrl).searchParams.get('schema');
  assert.ok(schema, t.databaseUrl);
  const [timing, table] = refused.on.split(/ on /);
  await adminQuery(`create function ${schema}.${refused.name}() returns trigger language plpgsql as $$ begin raise exception '${message}'; end $$`);
  await adminQuery(`create trigger ${refused.name} ${timing} on ${schema}.${table} for each row when (${when('postgres')}) execute function ${schema}.${refused.name}()`);
  return async () => void (await adminQuery(`drop trigger ${refused.name} on ${schema}.${table}`));
}
