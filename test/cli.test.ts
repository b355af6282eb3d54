// The installed `tomada` command: the bin npm links is executable and answers as documented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { ROOT, tomadaArgs } from './support/cli-entry.js';
import { explainListenError, loadConfig } from '../src/config.js';
import { spawnServer } from './support/process.js';

const BIN = `${ROOT}dist/cli.js`;

test('the built bin is executable and prints its version and usage', { skip: existsSync(BIN) ? false : 'dist/ is not built (npm ci builds it)' }, () => {
  assert.ok((statSync(BIN).mode & 0o111) !== 0, 'dist/cli.js must be executable, or `npx tomada` fails with Permission denied');
  const version = spawnSync(BIN, ['--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const help = spawnSync(BIN, ['--help'], { encoding: 'utf8' });
  assert.match(help.stdout, /tomada serve/);
  assert.match(help.stdout, /tomada journal verify/);
  // serve takes no options: asked for help it prints it and starts nothing; an option is refused.
  const cwd = mkdtempSync(join(tmpdir(), 'tomada-cli-'));
  try {
    const serveHelp = spawnSync(BIN, ['serve', '--help'], { encoding: 'utf8', cwd, timeout: 10_000 });
    assert.equal(serveHelp.status, 0, serveHelp.stderr);
    assert.match(serveHelp.stdout, /^Usage: tomada serve\n/);
    assert.match(serveHelp.stdout, /TOMADA_\* environment variable/);
    const option = spawnSync(BIN, ['serve', '--port', '9001'], { encoding: 'utf8', cwd, timeout: 10_000 });
    assert.equal(option.status, 2, option.stdout);
    assert.match(option.stderr, /^tomada serve takes no arguments \(given: --port 9001\)/);
    assert.deepEqual(readdirSync(cwd), [], 'no ./data/ made, no database opened');
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  const wrong = spawnSync(BIN, ['frobnicate'], { encoding: 'utf8' });
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /Unknown command "frobnicate"/);
});

test('serve on a port already taken names the setting to change, not only EADDRINUSE', async (t) => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.after(() => holder.close());
  const taken = (holder.address() as AddressInfo).port;
  const cwd = mkdtempSync(join(tmpdir(), 'tomada-cli-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const env = { ...process.env, TOMADA_HOST: '127.0.0.1', TOMADA_OCPP_PORT: String(taken), TOMADA_HTTP_PORT: '0', TOMADA_DATABASE_URL: `sqlite:${join(cwd, 'tomada.db')}`, TOMADA_ADMIN_TOKEN: 'a-test-admin-token-0001', TOMADA_LOG_LEVEL: 'silent' };
  const serve = spawnSync(process.execPath, tomadaArgs('serve'), { encoding: 'utf8', cwd: ROOT, env, timeout: 30_000 });
  assert.equal(serve.status, 1, serve.stderr);
  assert.equal(serve.stderr, `Configuration error: 127.0.0.1:${taken} is already in use (another Tomada, or another program): stop it, or set TOMADA_OCPP_PORT to a free port\n`);
});

test('a database that cannot be reached is named by the setting that chose it, not only ECONNREFUSED', async () => {
  // A port just freed: no PostgreSQL answers there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const migrate = spawnSync(process.execPath, tomadaArgs('migrate'), { encoding: 'utf8', cwd: ROOT, env: { ...process.env, TOMADA_DATABASE_URL: `postgres://tomada@127.0.0.1:${port}/tomada` }, timeout: 30_000 });
  assert.equal(migrate.status, 1, migrate.stderr);
  assert.equal(migrate.stderr, `tomada: cannot reach the database (connect ECONNREFUSED 127.0.0.1:${port}): is PostgreSQL running there, and does TOMADA_DATABASE_URL name it?\n`);
  // serve says the same, and its log promises no outage answered until the database is back: it stops.
  const env = { ...process.env, TOMADA_DATABASE_URL: `postgres://tomada@127.0.0.1:${port}/tomada`, TOMADA_OCPP_PORT: '0', TOMADA_HTTP_PORT: '0' };
  const serve = spawnSync(process.execPath, tomadaArgs('serve'), { encoding: 'utf8', cwd: ROOT, env, timeout: 30_000 });
  assert.equal(serve.status, 1, serve.stderr);
  assert.match(serve.stderr, /cannot reach the database/);
  assert.doesNotMatch(serve.stdout, /until it is back/);
});

test('serve whose SQLite store cannot be made names TOMADA_DATABASE_URL and what to do, not only EEXIST', (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'tomada-cli-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  writeFileSync(join(cwd, 'data'), ''); // a file where the store's folder should be
  const env = { ...process.env, TOMADA_OCPP_PORT: '0', TOMADA_HTTP_PORT: '0', TOMADA_DATABASE_URL: `sqlite:${join(cwd, 'data', 'tomada.db')}` };
  const serve = spawnSync(process.execPath, tomadaArgs('serve'), { encoding: 'utf8', cwd: ROOT, env, timeout: 30_000 });
  assert.equal(serve.status, 1, serve.stderr);
  assert.equal(
    serve.stderr,
    `tomada: cannot open the database at TOMADA_DATABASE_URL=sqlite:${join(cwd, 'data', 'tomada.db')} (EEXIST: file already exists, mkdir '${join(cwd, 'data')}'): a file stands where a folder of its path should be (${join(cwd, 'data')}): move it, or set TOMADA_DATABASE_URL to a path in another folder\n`,
  );
});

test('serve with a mistyped TOMADA_LOG_LEVEL names it, and opens nothing', (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'tomada-cli-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const env = { ...process.env, TOMADA_LOG_LEVEL: 'verbose', TOMADA_OCPP_PORT: '0', TOMADA_HTTP_PORT: '0', TOMADA_DATABASE_URL: `sqlite:${join(cwd, 'data', 'tomada.db')}` };
  const serve = spawnSync(process.execPath, tomadaArgs('serve'), { encoding: 'utf8', cwd: ROOT, env, timeout: 30_000 });
  assert.equal(serve.status, 1, serve.stderr);
  assert.equal(serve.stderr, 'Configuration error: TOMADA_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"\n');
  assert.deepEqual(readdirSync(cwd), [], 'no ./data/ made, no database opened');
});

test('a TOMADA_HOST that names no address of this machine is named as such, not taken for the database', async () => {
  const config = loadConfig({ TOMADA_HOST: 'no-such-host.invalid' });
  const failure = await new Promise<unknown>((resolve) => createServer().once('error', resolve).listen(0, config.host));
  assert.equal((explainListenError(failure, config) as Error).message, 'TOMADA_HOST no-such-host.invalid is not an address of this machine: set it to one of its addresses, or 0.0.0.0');
  const elsewhere = loadConfig({ TOMADA_HOST: '198.51.100.77' }); // TEST-NET-2: documentation only, on no machine
  const notMine = await new Promise<unknown>((resolve) => createServer().once('error', resolve).listen(0, elsewhere.host));
  assert.equal((explainListenError(notMine, elsewhere) as Error).message, 'TOMADA_HOST 198.51.100.77 is not an address of this machine: set it to one of its addresses, or 0.0.0.0');
});

test('-h prints the usage, as --help does', () => {
  const short = spawnSync(process.execPath, tomadaArgs('-h'), { encoding: 'utf8', cwd: ROOT, timeout: 30_000 });
  assert.equal(short.status, 0, short.stderr);
  assert.match(short.stdout, /^tomada \d+\.\d+\.\d+ — OCPP central system\n\nUsage:/);
  const demo = spawnSync(process.execPath, tomadaArgs('demo', '-h'), { encoding: 'utf8', cwd: ROOT, timeout: 30_000 });
  assert.equal(demo.status, 0, demo.stderr);
  assert.match(demo.stdout, /^Usage: tomada demo /);
  // An operator command's own help, whoami's too (it answered "Unknown option '-h'").
  const whoami = spawnSync(process.execPath, tomadaArgs('whoami', '-h'), { encoding: 'utf8', cwd: ROOT, timeout: 30_000 });
  assert.equal(whoami.status, 0, whoami.stderr);
  assert.equal(whoami.stdout, "tomada whoami\n  the token's role and operator\n");
  // Every line of the operators' usage has its description in one column, whoami's as the rest.
  const operators = spawnSync(process.execPath, tomadaArgs('help', 'operators'), { encoding: 'utf8', cwd: ROOT, timeout: 30_000 });
  const columns = new Set(operators.stdout.split('\n').filter((line) => line.startsWith('  tomada ')).map((line) => /^ {2}tomada \S.*?\s{2,}(?=\S)/.exec(line)?.[0].length));
  assert.equal(columns.size, 1, operators.stdout);
  for (const flag of ['-h', '--help']) {
    const journal = spawnSync(process.execPath, tomadaArgs('journal', flag), { encoding: 'utf8', cwd: ROOT, timeout: 30_000 });
    assert.equal(journal.status, 0, journal.stderr);
    assert.match(journal.stdout, /^Usage: tomada journal verify /, `journal ${flag} on stdout, as every usage asked for`);
  }
});

test('a node given NATS but no shared database warns that the other nodes will not see its store', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'tomada-cli-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  // No NATS needs to answer: the node starts, and retries it, either way.
  const node = await spawnServer({ TOMADA_NATS_URL: 'nats://127.0.0.1:1', TOMADA_DATABASE_URL: `sqlite:${join(cwd, 'tomada.db')}`, TOMADA_ADMIN_TOKEN: 'a-test-admin-token-0001' });
  node.child.kill('SIGTERM');
  await node.exited;
  assert.ok(
    node.logged.some((msg) => msg.startsWith('TOMADA_NATS_URL is set but the store is a SQLite file of this node alone')),
    node.logged.join('\n'),
  );
});
