// `tomada migrate` on the store under test: a fresh database gets every migration, named; a
// second run applies none and says where the schema stands; a node then starts on it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { migrationProvider } from '../../src/store/migrations.js';
import { createTestDatabase } from '../support/database.js';
import { startTestTomada } from '../support/tomada.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function tomada(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('tomada migrate applies what the database lacks, says which, and then that it is up to date', async () => {
  const database = await createTestDatabase();
  try {
    const names = Object.keys(await migrationProvider(database.kind).getMigrations());
    const latest = names.at(-1)!;
    const env = { TOMADA_DATABASE_URL: database.url };

    const first = await tomada(['migrate'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`^database schema migrated to ${latest}\\n`));
    assert.equal(first.stdout.split('\n')[1], `applied: ${names.join(', ')}`);

    const second = await tomada(['migrate'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, `database schema up to date at ${latest}\n`);

    // The schema it left is the one a node runs on.
    const node = await startTestTomada({ databaseUrl: database.url });
    try {
      const me = await node.api('/api/v1/me');
      assert.equal(me.status, 200);
    } finally {
      await node.close();
    }
  } finally {
    await database.drop();
  }
});

test('tomada migrate: an unknown argument is a usage error, and a database it cannot reach an error', async () => {
  const wrong = await tomada(['migrate', '--force'], {});
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /Unexpected argument "--force"/);
  const unreachable = await tomada(['migrate'], { TOMADA_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
  assert.equal(unreachable.code, 1);
  assert.equal(unreachable.stderr, 'tomada: connect ECONNREFUSED 127.0.0.1:1\n');
});
