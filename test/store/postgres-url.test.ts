// TOMADA_DATABASE_URL for PostgreSQL: the schema parameter is the store's, not the driver's, and
// it must not silently replace server options the operator gave in the same URL; the isolation
// the journal's lock relies on is always read committed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePostgresUrl } from '../../src/store/postgres.js';
import { openStore } from '../../src/store/open.js';

/** As PostgreSQL's option parser reads it: a backslash keeps the space in the value. */
const READ_COMMITTED = '-c default_transaction_isolation=read\\ committed';

test('a schema is taken out of the URL and becomes the search path', () => {
  const parsed = parsePostgresUrl('postgres://tomada:pw@db.example:5433/tomada?schema=lisbon&sslmode=require');
  assert.equal(parsed.schema, 'lisbon');
  assert.equal(parsed.serverOptions, `-c search_path=lisbon ${READ_COMMITTED}`);
  const rest = new URL(parsed.connectionString);
  assert.equal(rest.searchParams.get('schema'), null);
  assert.equal(rest.searchParams.get('sslmode'), 'require', 'driver parameters stay');
  assert.equal(rest.password, 'pw');
});

test('server options in the URL are kept alongside the schema, the isolation the journal needs last', () => {
  const parsed = parsePostgresUrl('postgres://u@h/d?options=-c%20statement_timeout%3D5000%20-c%20default_transaction_isolation%3Drepeatable%5C%20read&schema=s1');
  assert.equal(parsed.serverOptions, `-c statement_timeout=5000 -c default_transaction_isolation=repeatable\\ read -c search_path=s1 ${READ_COMMITTED}`);
  assert.equal(new URL(parsed.connectionString).searchParams.get('options'), null);
});

test('without a schema only the isolation is added', () => {
  const parsed = parsePostgresUrl('postgresql://u@h/d');
  assert.equal(parsed.schema, undefined);
  assert.equal(parsed.serverOptions, READ_COMMITTED);
});

test('a schema name that is not a plain identifier is refused with the variable named', () => {
  for (const bad of ['a;drop table x', '1abc', 'a b', 'x"y', 'a'.repeat(64)]) {
    assert.throws(() => parsePostgresUrl(`postgres://u@h/d?schema=${encodeURIComponent(bad)}`), /TOMADA_DATABASE_URL: schema/, bad);
  }
});

test('a schema name with capitals is refused, naming the lower-case one PostgreSQL would use', () => {
  // The search path folds it, the schema was made as written: an empty "Tomada_Porto" beside the
  // store in tomada_porto, or a start on another store.
  assert.throws(() => parsePostgresUrl('postgres://u@h/d?schema=Tomada_Porto'), /schema "Tomada_Porto" must be lower-case .*write "tomada_porto"/);
  assert.equal(parsePostgresUrl('postgres://u@h/d?schema=tomada_porto').schema, 'tomada_porto');
});

test('an unknown database URL scheme names what is expected', async () => {
  await assert.rejects(openStore('mysql://u@h/d'), /names no database Tomada opens: set it to sqlite:PATH or postgres:\/\//);
});
