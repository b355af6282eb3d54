// store: sqlite-only (PostgreSQL's part is a stand-in server that refuses SSL). A store that does
// not open at start is named by its setting, with its URL as it may be printed, and what to do
// where the error says: until 2026-12-07 these stopped the node with the driver's words alone
// ("EEXIST: file already exists, mkdir './data'", "The server does not support SSL connections").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explainStoreError } from '../../src/config.js';
import { openStore } from '../../src/store/open.js';

/** What `tomada serve` prints after "tomada: " when the store `url` names does not open. */
async function openFailure(url: string, setting = 'TOMADA_DATABASE_URL'): Promise<string> {
  const thrown = await openStore(url).then(
    async (store) => {
      await store.close();
      assert.fail(`${url} opened`);
    },
    (error: unknown) => error,
  );
  const explained = explainStoreError(thrown, setting);
  assert.ok(explained instanceof Error);
  return explained.message;
}

test('a SQLite store whose folder is a file, or whose file is no database, names TOMADA_DATABASE_URL and what to do', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-open-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'data'), 'a file where the folder should be');
  assert.equal(
    await openFailure(`sqlite:${dir}/data/tomada.db`),
    `cannot open the database at TOMADA_DATABASE_URL=sqlite:${dir}/data/tomada.db (EEXIST: file already exists, mkdir '${dir}/data'): a file stands where a folder of its path should be (${dir}/data): move it, or set TOMADA_DATABASE_URL to a path in another folder`,
  );
  // The demo's store is named by its option.
  assert.match(await openFailure(`sqlite:${dir}/data/sub/tomada.db`, '--database'), /^cannot open the database at --database=sqlite:.* \(ENOTDIR: .*\): a file stands where a folder of its path should be .*: move it, or set --database to a path in another folder$/);
  writeFileSync(join(dir, 'other.db'), 'not a database, but long enough to have a SQLite header where one would be. '.repeat(100));
  assert.equal(
    await openFailure(`sqlite:${dir}/other.db`),
    `cannot open the database at TOMADA_DATABASE_URL=sqlite:${dir}/other.db (file is not a database): that file is not a SQLite database: set TOMADA_DATABASE_URL to the store's file`,
  );
});

test('a URL of no store Tomada opens names TOMADA_DATABASE_URL, without its password', async () => {
  assert.equal(
    await openFailure('mysql://tomada:Secret9@db/tomada'),
    'TOMADA_DATABASE_URL "mysql://***@db/tomada" names no database Tomada opens: set it to sqlite:PATH or postgres://USER@HOST:PORT/DATABASE',
  );
});

test('SSL asked of a PostgreSQL without it names TOMADA_DATABASE_URL, without its password, and what to change', async (t) => {
  // PostgreSQL with ssl = off answers a client's SSLRequest with a single 'N'.
  const server = createServer((socket) => socket.once('data', () => socket.end('N')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;
  const message = await openFailure(`postgres://tomada:Secret9@127.0.0.1:${port}/tomada?sslmode=verify-full`);
  assert.equal(
    message,
    `cannot open the database at TOMADA_DATABASE_URL=postgres://***@127.0.0.1:${port}/tomada?sslmode=verify-full (The server does not support SSL connections): the server has SSL turned off: take sslmode out of TOMADA_DATABASE_URL, or turn ssl on in the server's postgresql.conf`,
  );
  assert.doesNotMatch(message, /Secret9/);
});

test('an error not met opening the store, and one that names the setting already, are kept as they are', async () => {
  const other = new Error('something else failed');
  assert.equal(explainStoreError(other, 'TOMADA_DATABASE_URL'), other);
  const named = await openStore('sqlite:').catch((error: unknown) => error);
  assert.equal(explainStoreError(named, 'TOMADA_DATABASE_URL'), named);
});
