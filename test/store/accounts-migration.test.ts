// Migration 0007 turns the free-text charge_points.operator into a reference to an operator
// record without losing a value, and the reference then holds (a real foreign key).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrationProvider } from '../../src/store/migrations.js';

test('free-text operators become operator records, and the reference holds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-migration-'));
  const database = new BetterSqlite3(join(dir, 'm.db'));
  database.pragma('foreign_keys = ON');
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database }) });
  try {
    const migrator = new Migrator({ db, provider: migrationProvider('sqlite') });
    assert.equal((await migrator.migrateTo('0005_signed_identity')).error, undefined);
    const insert = database.prepare("insert into charge_points (id, registration_status, operator, created_at) values (?, 'Accepted', ?, '2024-01-01T00:00:00.000Z')");
    insert.run('CP-1', 'EDP Comercial');
    insert.run('CP-2', 'EDP Comercial');
    insert.run('CP-3', 'Galp');
    insert.run('CP-4', null);

    const { error } = await migrator.migrateToLatest();
    assert.equal(error, undefined);
    assert.deepEqual(database.prepare('select id, name, kind from operators order by id').all(), [
      { id: 'EDP Comercial', name: 'EDP Comercial', kind: 'OPC' },
      { id: 'Galp', name: 'Galp', kind: 'OPC' },
    ]);
    assert.deepEqual(database.prepare('select id, operator, connection from charge_points order by id').all(), [
      { id: 'CP-1', operator: 'EDP Comercial', connection: 'direct' },
      { id: 'CP-2', operator: 'EDP Comercial', connection: 'direct' },
      { id: 'CP-3', operator: 'Galp', connection: 'direct' },
      { id: 'CP-4', operator: null, connection: 'direct' },
    ]);
    assert.throws(() => database.prepare("update charge_points set operator = 'Nobody' where id = 'CP-4'").run(), /FOREIGN KEY/);
    assert.throws(() => database.prepare("delete from operators where id = 'Galp'").run(), /FOREIGN KEY/);
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
