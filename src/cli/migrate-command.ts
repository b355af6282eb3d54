// `tomada migrate`: brings the configured database (TOMADA_DATABASE_URL) to this version's schema
// and exits, saying what it applied. A node migrates when it starts anyway; this is the same step
// on its own, for an upgrade done in order: back up, stop the earlier version's nodes, migrate,
// start the new ones (docs/OPERATIONS.md, Upgrading). It migrates only a store that is there,
// unless --create is given: run from the wrong folder, or with a mistyped ?schema=, it made a new
// empty store and said "migrated", exit 0, while the real store stayed as it was.
import { loadConfig } from '../config.js';
import { openStore } from '../store/open.js';
import { StoreNotFound, type StoreLog } from '../store/sql-store.js';
import { urlForLog } from '../url-for-log.js';

const USAGE = `Usage: tomada migrate [--create]

Applies the database migrations this version of Tomada has and the store (TOMADA_DATABASE_URL)
lacks, prints which, and exits: 0 when the schema is up to date, 1 when it could not be brought
there, 2 when there is no store there (nothing is created: a node creates its store at its first
start) or for a bad argument. Several nodes or commands migrating at once are safe.

  --create   create the store when there is none there (a new SQLite file, a new schema), and say so
`;

interface Output {
  write(text: string): unknown;
}

/**
 * The store's log as lines a person reads: the message, then what was applied. Its errors speak of
 * a serving node (calls answered InternalError while the database is away); here the command's own
 * error, printed as it exits, says what went wrong.
 */
function printed(out: Output, err: Output): StoreLog {
  return {
    info: (detail, message) => out.write(`${message}${Array.isArray(detail.applied) ? `\napplied: ${detail.applied.join(', ')}` : ''}\n`),
    warn: (_detail, message) => err.write(`warning: ${message}\n`),
    error: () => undefined,
  };
}

/** Rejects when the database cannot be opened or migrated (the caller prints why and exits 1). */
export async function migrateCommand(argv: string[], env: NodeJS.ProcessEnv = process.env, out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  let create = false;
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') {
      out.write(USAGE);
      return 0;
    }
    if (arg === '--create') create = true;
    else {
      err.write(`Unexpected argument "${arg}"\n\n${USAGE}`);
      return 2;
    }
  }
  const config = loadConfig(env);
  const log = printed(out, err);
  let notFound: StoreNotFound;
  try {
    await (await openStore(config.databaseUrl, { log, mustExist: true })).close();
    return 0;
  } catch (error) {
    if (!(error instanceof StoreNotFound)) throw error;
    notFound = error;
  }
  if (!create) {
    const folder = config.databaseUrl.startsWith('sqlite:') ? '; a relative path is read from the folder the command runs in' : '';
    err.write(
      `Nothing was migrated: ${notFound.message}. TOMADA_DATABASE_URL names the store to migrate (now ${urlForLog(config.databaseUrl)}${folder}). A node creates its store at its first start; \`tomada migrate --create\` creates one here.\n`,
    );
    return 2;
  }
  await (await openStore(config.databaseUrl, { log })).close();
  out.write(`created a new store (--create) at ${urlForLog(config.databaseUrl)}: there was none (${notFound.message})\n`);
  return 0;
}
