// The installed `tomada` command: the bin npm links is executable and answers as documented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { ROOT } from './support/cli-entry.js';

const BIN = `${ROOT}dist/cli.js`;

test('the built bin is executable and prints its version and usage', { skip: existsSync(BIN) ? false : 'dist/ is not built (npm ci builds it)' }, () => {
  assert.ok((statSync(BIN).mode & 0o111) !== 0, 'dist/cli.js must be executable, or `npx tomada` fails with Permission denied');
  const version = spawnSync(BIN, ['--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const help = spawnSync(BIN, ['--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /tomada serve/);
  assert.match(help.stdout, /tomada journal verify/);
  const wrong = spawnSync(BIN, ['frobnicate'], { encoding: 'utf8' });
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /Unknown command "frobnicate"/);
});
