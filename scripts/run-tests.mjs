// Compiles the project (src/, test/, bench/, scripts/) into .build/main/ with tsc, which also
// type-checks it, then runs the compiled test files with node's test runner, once per store:
//   1. SQLite: every test file;
//   2. PostgreSQL (TOMADA_TEST_STORE=postgres): the test files that reach a store, found by
//      following their imports (test/support/tomada.ts, test/support/database.ts, src/store/,
//      src/app.ts). A file marked `store: sqlite-only` (it tampers with the SQLite file itself, or
//      what it tests lies above the store, covered on both by other files) stays out of it; one marked `store: postgres-only` (several nodes on one database, the
//      database cut off) runs in this pass only. Pure tests (framing, schemas, simulator) would
//      only run twice.
// When PostgreSQL does not answer, the second pass is reported SKIPPED; with CI=true it fails.
// Usage: node scripts/run-tests.mjs [--store=sqlite|postgres|both] [test files...]
// Node 20's --test does not expand globs or pick up .ts files by itself, so the list is built here.
//
// Compiled, not through tsx: tsx's loader hooks made every test process take about 0.7 s and 1.2 s
// of CPU more to load the code (most of it the npm packages, not our TypeScript), in a suite of
// about 180 processes bound by the CPU (docs/PERFORMANCE-LOG.md, "The test suite without tsx").
// The compiled tree is one folder deeper than the sources, so the few folders that code and tests
// reach by a relative path (ui/, docs/, ../shared/) are linked beside it, and the tests find the
// repository itself with scripts/repository-root.ts. Source maps are written and read
// (--enable-source-maps), so a failing test points at its TypeScript line: the three heaviest
// test files took 43.9 s with them and 43.7 s without, one run each.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const DATABASE_URL = process.env.TOMADA_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA_PREFIX = 'tomada_test_';
/** Test schemas older than this belong to a test process that died before dropping them. */
const STALE_SCHEMA_S = 3600;

function collectFiles(dir, wanted) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return collectFiles(path, wanted);
    return wanted(name) ? [path] : [];
  });
}

const collect = (dir) => collectFiles(dir, (name) => name.endsWith('.test.ts'));

/**
 * Files that take far longer than the rest (20 s to 80 s each on the 2-core CI machine, in one pass
 * or both; 2026-12-08) start first, longest first (scripts/test-files.mjs keeps the order). Started
 * last, as node --test's order by name had them (test/validation/ is near the end), one of them was
 * each pass's tail, running alone for up to a minute (docs/PERFORMANCE-LOG.md, "The test suite's
 * processes, again").
 */
const SLOW_FIRST = [
  'test/transport/commands.test.ts',
  'test/cli/operator.test.ts',
  'test/transport/unread-answers.test.ts',
  'test/validation/closed-before-end.test.ts',
  'test/validation/long-software.test.ts',
  'test/validation/campaign.test.ts',
  'test/journal/verify.test.ts',
  'test/validation/faults.test.ts',
  'test/journal/verify-sessions.test.ts',
  'test/transport/handshake.test.ts',
  'test/transport/bad-input.test.ts',
  'test/store/group-commit.test.ts',
  'test/fuzz/fuzz.test.ts',
  'test/validation/registry.test.ts',
  'test/security/limits.test.ts',
  'test/validation/cli.test.ts',
  'test/e2e/simulator.test.ts',
  'test/bench/kill-worker.test.ts',
  'test/durability/kill.test.ts',
  'test/api/transactions.test.ts',
  'test/cluster/stalled-link.test.ts',
  'test/store/two-nodes-racing.test.ts',
  'test/api/create-race.test.ts',
  'test/ui/dashboard.browser.test.ts',
  'test/cluster/stopping.test.ts',
  'test/security/logging.test.ts',
  'test/store/database-down.test.ts',
  'test/cluster/multi-process.test.ts',
  'test/api/exports.test.ts',
  'test/validation/left-running.test.ts',
  'test/cluster/routing.test.ts',
  'test/events/webhook-nodes.test.ts',
  'test/cluster/command-deadline.test.ts',
  'test/validation/cable.test.ts',
  'test/cluster/late-after-lost.test.ts',
];

/** The files in the order they are started: the slow ones first, then the rest by name. */
function runOrder(files) {
  const rank = (file) => {
    const index = SLOW_FIRST.indexOf(file);
    return index === -1 ? SLOW_FIRST.length : index;
  };
  return [...files].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

const BUILD = '.build';
const COMPILED = join(BUILD, 'main');
/** Relative links the compiled tree needs: each from its place under .build/ to the folder it stands for. */
const LINKS = [
  [join(COMPILED, 'ui'), '../../ui'],
  [join(COMPILED, 'docs'), '../../docs'],
  [join(BUILD, 'shared'), '../../shared'],
];

const BUILD_INFO = join(BUILD, 'tsbuildinfo');

/** The TypeScript files of the compiled folders whose compiled file is not in .build/main/. */
function missingOutputs() {
  const sources = ['src', 'test', 'bench', 'scripts'].flatMap((dir) => collectFiles(dir, (name) => name.endsWith('.ts') && !name.endsWith('.d.ts')));
  return sources.filter((file) => !existsSync(join(COMPILED, file.replace(/\.ts$/, '.js'))));
}

/**
 * The npm packages a test process loads, bundled into the compiled tree's own node_modules/, where
 * Node finds them before the project's: by package, the specifiers the code imports. Node 20 loads
 * a package file by file (an ES module's every file read, parsed and linked; a CommonJS one's
 * every file resolved, read and wrapped), and some 380 files of packages took about a third of the
 * CPU a test process spends loading Tomada, in a suite of some 350 processes bound by the CPU
 * (docs/PERFORMANCE-LOG.md, "The test suite's processes, again"). Their code is the same, the
 * installed version's; only the test build uses the bundles (dist/ and `npm start` load the
 * packages as installed). Left out: better-sqlite3 (a native addon) and what only a few test files
 * load (fast-check is one file already; soap, ocpp-rpc, playwright-core, ajv-draft-04).
 */
const VENDORED = {
  kysely: { '.': 'kysely' },
  '@sinclair/typebox': { '.': '@sinclair/typebox', './value': '@sinclair/typebox/value' },
  fastify: { '.': 'fastify' },
  '@fastify/swagger': { '.': '@fastify/swagger' },
  '@fastify/fast-json-stringify-compiler': { '.': '@fastify/fast-json-stringify-compiler' },
  ajv: { '.': 'ajv' },
  'ajv-formats': { '.': 'ajv-formats' },
  pino: { '.': 'pino' },
  pg: { '.': 'pg' },
  nats: { '.': 'nats' },
  ws: { '.': 'ws' },
  'fast-xml-parser': { '.': 'fast-xml-parser' },
};
/** Required by the bundled packages only where present (optional) or native: loaded as installed. */
const NOT_BUNDLED = ['better-sqlite3', 'pg-native', 'bufferutil', 'utf-8-validate'];
const VENDOR_DIR = join(COMPILED, 'node_modules');
const VENDOR_STAMP = join(VENDOR_DIR, '.vendor', 'stamp.json');

const installedVersion = (name) => JSON.parse(readFileSync(join('node_modules', name, 'package.json'), 'utf8')).version;
const requireHere = createRequire(join(process.cwd(), 'package.json'));
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * A bundled file that reads a file beside itself (@fastify/swagger its package.json; pino the
 * worker of a log transport) finds it where the installed package has it: its __dirname and
 * __filename are its own, not left undefined by the bundle.
 */
const originalPaths = {
  name: 'original-paths',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, (args) => {
      const contents = readFileSync(args.path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(contents)) return undefined;
      return { contents: `var __dirname = ${JSON.stringify(dirname(args.path))}, __filename = ${JSON.stringify(args.path)};\n${contents}`, loader: 'js' };
    });
  },
};

/** Bundles the VENDORED packages unless the bundles are there for these packages and versions. */
async function vendor() {
  // The checkout's place too: the bundles name the installed packages' folders (originalPaths).
  const stamp = JSON.stringify({ versions: Object.fromEntries(['esbuild', ...Object.keys(VENDORED)].map((name) => [name, installedVersion(name)])), VENDORED, root: process.cwd() });
  if (existsSync(VENDOR_STAMP) && readFileSync(VENDOR_STAMP, 'utf8') === stamp) return;
  rmSync(VENDOR_DIR, { recursive: true, force: true });
  // One entry file per specifier, re-exporting by name what Node gives an importer of the installed
  // package (a CommonJS package's names are found by Node's own reading of it; a bundle cannot list
  // them by itself), all bundled together: code the packages share (fastify's and our ajv, typebox's
  // value functions and its type registry) goes to one chunk, loaded once.
  const entriesDir = join(BUILD, 'vendor-entries');
  rmSync(entriesDir, { recursive: true, force: true });
  mkdirSync(entriesDir, { recursive: true });
  const entryName = (specifier) => specifier.replace(/^@/, '').replaceAll('/', '-');
  const entryPoints = {};
  const exportNames = {};
  for (const subpaths of Object.values(VENDORED)) {
    for (const specifier of Object.values(subpaths)) {
      const names = Object.keys(await import(specifier)).filter((name) => IDENTIFIER.test(name) && name !== '__esModule');
      exportNames[specifier] = names;
      const file = join(entriesDir, `${entryName(specifier)}.mjs`);
      writeFileSync(file, `export { ${names.join(', ')} } from '${specifier}';\n`);
      entryPoints[entryName(specifier)] = file;
    }
  }
  const { build } = await import('esbuild');
  await build({
    entryPoints,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    external: NOT_BUNDLED,
    plugins: [originalPaths],
    // The CommonJS code in an ES module bundle still calls require() (Node's own modules, NOT_BUNDLED).
    banner: { js: "import { createRequire as createRequireOfBundle } from 'node:module';\nconst require = createRequireOfBundle(import.meta.url);" },
    outdir: join(VENDOR_DIR, '.vendor'),
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
  for (const [name, subpaths] of Object.entries(VENDORED)) {
    const exports = {};
    const packageDir = join(VENDOR_DIR, name);
    mkdirSync(packageDir, { recursive: true });
    for (const [subpath, specifier] of Object.entries(subpaths)) {
      const stem = subpath === '.' ? 'index' : subpath.slice(2);
      // import: the bundle. require() (a test pairing ajv-formats with ajv-draft-04, which requires
      // the installed ajv; the PostgreSQL driver loaded lazily): the installed package, as before.
      exports[subpath] = { import: `./${stem}.js`, require: `./${stem}.cjs` };
      const bundle = relative(packageDir, join(VENDOR_DIR, '.vendor', `${entryName(specifier)}.mjs`));
      const reexports = exportNames[specifier].includes('default') ? `export * from '${bundle}';\nexport { default } from '${bundle}';\n` : `export * from '${bundle}';\n`;
      writeFileSync(join(packageDir, `${stem}.js`), reexports);
      writeFileSync(join(packageDir, `${stem}.cjs`), `module.exports = require(${JSON.stringify(relative(packageDir, requireHere.resolve(specifier)))});\n`);
    }
    writeFileSync(join(packageDir, 'package.json'), JSON.stringify({ name, version: installedVersion(name), type: 'module', exports }, null, 2));
  }
  writeFileSync(VENDOR_STAMP, stamp);
}

function tsc() {
  // Incremental: a second run recompiles only what changed. Files whose source is gone stay in
  // .build/, but only test files that exist under test/ are run.
  const args = ['-p', 'tsconfig.json', '--outDir', COMPILED, '--noEmit', 'false', '--sourceMap', 'true', '--incremental', '--tsBuildInfoFile', BUILD_INFO];
  return spawnSync(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), ...args], { stdio: 'inherit' }).status === 0;
}

/** Type-checks and compiles into .build/main/; false (with tsc's errors printed) when it does not type-check. */
function compile() {
  const started = Date.now();
  let ok = tsc();
  // tsc trusts its build info that what it emitted is still there. A compiled file that is gone
  // (the folder or one file deleted) would never come back: start afresh.
  if (ok && missingOutputs().length > 0) {
    rmSync(BUILD_INFO, { force: true });
    ok = tsc();
  }
  for (const [link, target] of LINKS) {
    // Left alone when right: another run in this checkout may be reading through it.
    if (existsSync(link) && lstatSync(link).isSymbolicLink() && readlinkSync(link) === target) continue;
    rmSync(link, { recursive: true, force: true });
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link);
  }
  console.log(`compiled into ${COMPILED}/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return ok;
}

/** The compiled file of a test file under test/. */
const compiled = (file) => join(COMPILED, file.replace(/\.ts$/, '.js'));

const STORE_MODULES = [/^test\/support\/tomada\.ts$/, /^test\/support\/database\.ts$/, /^src\/store\//, /^src\/app\.ts$/];

/** Does this file (or a test helper it imports) reach a store? */
function touchesStore(file, seen = new Set()) {
  if (seen.has(file)) return false;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    const target = relative('.', normalize(join(dirname(file), spec.replace(/\.js$/, '.ts'))));
    if (STORE_MODULES.some((pattern) => pattern.test(target))) return true;
    if (target.startsWith('test/') && existsSync(target) && touchesStore(target, seen)) return true;
  }
  return false;
}

const marked = (file, kind) => readFileSync(file, 'utf8').includes(`store: ${kind}-only`);

async function postgresUnavailable() {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    // Leftovers of test processes that were killed before they could drop their schema.
    const { rows } = await client.query('select nspname from pg_namespace where nspname like $1', [`${SCHEMA_PREFIX}%`]);
    const now = Date.now() / 1000;
    for (const { nspname } of rows) {
      const created = Number(nspname.slice(SCHEMA_PREFIX.length).split('_')[0]);
      if (Number.isFinite(created) && now - created > STALE_SCHEMA_S) await client.query(`drop schema if exists "${nspname}" cascade`);
    }
    return undefined;
  } catch (error) {
    return error.message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function dropRunSchemas(runTag) {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query('select nspname from pg_namespace where nspname like $1', [`${SCHEMA_PREFIX}%\\_${runTag}\\_%`]);
    for (const { nspname } of rows) await client.query(`drop schema if exists "${nspname}" cascade`);
  } catch {
    // Left for the stale-schema cleanup of a later run.
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The catalog tables every test schema adds rows to (its tables, columns, indexes, defaults,
 * sequences, constraints, triggers) and whose rows its drop leaves dead.
 */
const CATALOGS = ['pg_attribute', 'pg_depend', 'pg_class', 'pg_index', 'pg_type', 'pg_attrdef', 'pg_sequence', 'pg_constraint', 'pg_trigger', 'pg_namespace', 'pg_statistic'];

/**
 * Gives back the space of the catalog rows earlier runs left dead. The PostgreSQL pass makes and
 * drops a schema of some twenty tables for each store a test opens (356 in a pass on 2026-12-07),
 * and each drop leaves the catalogs' rows dead; where autovacuum is off (as on the CI machine)
 * nothing removes them, and every catalog lookup, each migration's DDL and the store's own look at
 * its tables read through them, run after run: after three runs, 736,000 dead rows in
 * pg_attribute, and a store's first open took the server 169 ms of CPU instead of 95 ms after
 * this. Done before the pass, no test running (a full vacuum locks each catalog while it rewrites
 * it); under a second here. Skipped when the test user is not a superuser, the only one who may.
 */
async function vacuumCatalogs() {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query('select rolsuper from pg_roles where rolname = current_user');
    if (rows[0]?.rolsuper) await client.query(`vacuum (full) ${CATALOGS.map((name) => `pg_catalog.${name}`).join(', ')}`);
  } catch (error) {
    console.warn(`could not vacuum the test database's catalogs: ${error.message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Test files run at once, by pass. Most of a file's time is waiting (sockets, timers, a child
 * process, the database) or starting its process, so more files than cores keep the cores busy.
 * With the longest files first (SLOW_FIRST), the SQLite pass took 331 s at 4 and 305 s at 5 (its
 * processes at 150 % and 160 % of the 2 cores); the PostgreSQL pass, which waits on the server too,
 * 310 s at 6 and 334 s at 7 (2026-12-08, the 2-core CI machine). More leave timing-sensitive tests
 * less margin. TOMADA_TEST_CONCURRENCY overrides both.
 */
const CONCURRENCY = {
  sqlite: Number(process.env.TOMADA_TEST_CONCURRENCY ?? 5),
  postgres: Number(process.env.TOMADA_TEST_CONCURRENCY ?? 6),
};

/** Test files named at the end of a pass as its slowest. */
const SLOWEST_SHOWN = 8;

/** The pass's slowest files by the time of their tests (scripts/test-durations.mjs), as lines to print. */
function slowestFiles(durationsFile) {
  let byFile;
  try {
    byFile = JSON.parse(readFileSync(durationsFile, 'utf8'));
  } catch {
    return [];
  }
  return Object.entries(byFile)
    .sort(([, a], [, b]) => b - a)
    .slice(0, SLOWEST_SHOWN)
    .map(([file, ms]) => `${(ms / 1000).toFixed(1).padStart(6)} s  ${relative('.', file)}`);
}

function run(files, env, store) {
  const started = Date.now();
  const durations = join(BUILD, `durations-${store}.json`);
  rmSync(durations, { force: true });
  const result = spawnSync(
    process.execPath,
    // A file that hangs (a promise nobody settles) fails after five minutes, by name, instead of
    // holding the whole run; the longest file today takes about 80 s.
    ['--enable-source-maps', join('scripts', 'test-files.mjs'), `--concurrency=${CONCURRENCY[store]}`, '--timeout=300000', `--durations=${durations}`, ...files.map(compiled)],
    { stdio: 'inherit', env: { ...process.env, ...env } },
  );
  return { status: result.status ?? 1, seconds: (Date.now() - started) / 1000, slowest: slowestFiles(durations) };
}

const slowestLines = (lines) => (lines.length > 1 ? `; slowest files (their tests' time):\n      ${lines.join('\n      ')}` : '');

const args = process.argv.slice(2);
const storeArg = args.find((a) => a.startsWith('--store='))?.slice('--store='.length) ?? 'both';
if (!['sqlite', 'postgres', 'both'].includes(storeArg)) {
  console.error(`--store must be sqlite, postgres or both, got "${storeArg}"`);
  process.exit(2);
}
const only = args.filter((a) => !a.startsWith('--store='));
const missing = only.filter((file) => !existsSync(file));
if (missing.length > 0) {
  console.error(`No such test file: ${missing.join(', ')}`);
  process.exit(2);
}
const files = runOrder(only.length > 0 ? only.map((file) => relative('.', file)) : collect('test'));
const summary = [];
let failed = false;

if (!compile()) {
  console.error('\nThe project does not type-check: no test was run.');
  process.exit(1);
}
await vendor();

if (storeArg !== 'postgres') {
  const sqliteFiles = files.filter((file) => !marked(file, 'postgres'));
  if (sqliteFiles.length === 0) summary.push('sqlite:   no test file for this store');
  else {
    const { status, seconds, slowest } = run(sqliteFiles, { TOMADA_TEST_STORE: 'sqlite' }, 'sqlite');
    summary.push(`sqlite:   ${sqliteFiles.length} files, ${seconds.toFixed(1)} s, ${status === 0 ? 'passed' : 'FAILED'}${slowestLines(slowest)}`);
    failed ||= status !== 0;
  }
}
if (storeArg !== 'sqlite') {
  const storeFiles = files.filter((file) => marked(file, 'postgres') || (touchesStore(file) && !marked(file, 'sqlite')));
  if (storeFiles.length === 0) summary.push('postgres: no test file touches the store');
  else {
    const reason = await postgresUnavailable();
    if (reason !== undefined) {
      const ci = process.env.CI === 'true';
      summary.push(`postgres: ${ci ? 'FAILED' : 'SKIPPED'}: ${DATABASE_URL.replace(/\/\/[^@]*@/, '//***@')} is not reachable (${reason})`);
      failed ||= ci;
    } else {
      // Schemas this run keeps across a test's restarts are named with the run's tag and dropped
      // here, once every test file is done (a test process cannot tell when its tests are).
      const runTag = randomBytes(4).toString('hex');
      await vacuumCatalogs();
      const { status, seconds, slowest } = run(storeFiles, { TOMADA_TEST_STORE: 'postgres', TOMADA_TEST_DATABASE_URL: DATABASE_URL, TOMADA_TEST_RUN: runTag }, 'postgres');
      await dropRunSchemas(runTag);
      summary.push(`postgres: ${storeFiles.length} files, ${seconds.toFixed(1)} s, ${status === 0 ? 'passed' : 'FAILED'}${slowestLines(slowest)}`);
      failed ||= status !== 0;
    }
  }
}
console.log(`\nstores:\n  ${summary.join('\n  ')}`);
process.exit(failed ? 1 : 0);
