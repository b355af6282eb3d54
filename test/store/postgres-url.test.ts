// TOMADA_DATABASE_URL for PostgreSQL: the schema parameter is the store's, not the driver's, and
// it must not silently replace server options the operator gave in the same URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePostgresUrl } from '../../src/store/postgres.js';
import { openStore } from '../../src/store/open.js';

test('a schema is taken out of the URL and becomes the search path', () => {
  const parsed = parsePostgresUrl('postgres://tomada:pw@db.example:5433/tomada?schema=lisbon&sslmode=require');
  assert.equal(parsed.schema, 'lisbon');
  assert.equal(parsed.serverOptions, '-c search_path=lisbon');
  const rest = new URL(parsed.connectionString);
  assert.equal(rest.searchParams.get('schema'), null);
  assert.equal(rest.searchParams.get('sslmode'), 'require', 'driver parameters stay');
  assert.equal(rest.password, 'pw');
});

test('server options in the URL are kept alongside the schema', () => {
  const parsed = parsePostgresUrl('postgres://u@h/d?options=-c%20statement_timeout%3D5000&schema=s1');
  assert.equal(parsed.serverOptions, '-c statement_timeout=5000 -c search_path=s1');
  assert.equal(new URL(parsed.connectionString).searchParams.get('options'), null);
});

test('without a schema nothing is added', () => {
  const parsed = parsePostgresUrl('postgresql://u@h/d');
  assert.equal(parsed.schema, undefined);
  assert.equal(parsed.serverOptions, undefined);
});

test('a schema name that is not a plain identifier is refused with the variable named', () => {
  for (const bad of ['a;drop table x', '1abc', 'a b', 'x"y', 'a'.repeat(64)]) {
    assert.throws(() => parsePostgresUrl(`postgres://u@h/d?schema=${encodeURIComponent(bad)}`), /TOMADA_DATABASE_URL: schema/, bad);
  }
});

test('an unknown database URL scheme names what is expected', async () => {
  await assert.rejects(openStore('mysql://u@h/d'), /expected sqlite:PATH or postgres:\/\//);
});
