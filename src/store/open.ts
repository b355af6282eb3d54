// Opens the store a database URL names: `sqlite:PATH` (the default) or `postgres://…`. The
// PostgreSQL store, and its driver, load only for a PostgreSQL URL: a node on SQLite never needs them.
import type { PostgresStoreOptions } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './store.js';
import { urlForLog } from '../url-for-log.js';

export async function openStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  if (url.startsWith('sqlite:')) return openSqliteStore(url.slice('sqlite:'.length), options);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { openPostgresStore } = await import('./postgres.js');
    return openPostgresStore(url, options);
  }
  throw new Error(`Unsupported database URL "${urlForLog(url)}": expected sqlite:PATH or postgres://USER@HOST:PORT/DATABASE`);
}
