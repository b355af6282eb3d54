// Opens the store a database URL names: `sqlite:PATH` (the default) or `postgres://…`. The
// PostgreSQL store, and its driver, load only for a PostgreSQL URL: a node on SQLite never needs them.
import type { PostgresStoreOptions } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './store.js';
import { failedToOpen } from './open-failure.js';
import { urlForLog } from '../url-for-log.js';

/** Rejects with what kept the store from opening, noted with `url` (explainStoreError names it). */
export async function openStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  try {
    if (url.startsWith('sqlite:')) return await openSqliteStore(url.slice('sqlite:'.length), options);
    if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
      const { openPostgresStore } = await import('./postgres.js');
      return await openPostgresStore(url, options);
    }
  } catch (error) {
    throw failedToOpen(error, url);
  }
  throw new Error(`TOMADA_DATABASE_URL "${urlForLog(url)}" names no database Tomada opens: set it to sqlite:PATH or postgres://USER@HOST:PORT/DATABASE`);
}
