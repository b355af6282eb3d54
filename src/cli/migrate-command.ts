// `tomada migrate`: brings the configured database (TOMADA_DATABASE_URL) to this version's schema
// and exits, saying what it applied. A node migrates when it starts anyway; this is the same step
// on its own, for an upgrade done in order: back up, stop the earlier version's nodes, migrate,
// start the new ones (docs/OPERATIONS.md, Upgrading).
import { loadConfig } from '../config.js';
import { openStore } from '../store/open.js';
import type { StoreLog } from '../store/sql-store.js';

const USAGE = `Usage: tomada migrate

Applies the database migrations this version of Tomada has and the database (TOMADA_DATABASE_URL)
lacks, prints which, and exits: 0 when the schema is up to date, 1 when it could not be brought
there. Several nodes or commands migrating at once are safe.
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
  if (argv.length > 0) {
    const help = argv[0] === '--help' || argv[0] === '-h';
    (help ? out : err).write(help ? USAGE : `Unexpected argument "${argv[0]}"\n\n${USAGE}`);
    return help ? 0 : 2;
  }
  const config = loadConfig(env);
  const store = await openStore(config.databaseUrl, { log: printed(out, err) });
  await store.close();
  return 0;
}
