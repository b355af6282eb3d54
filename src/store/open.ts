// Opens the store a database URL names: `sqlite:PATH` (the default) or `postgres://…`.
import type { SqlStoreOptions } from './sql-store.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './store.js';

export async function openStore(url: string, options: SqlStoreOptions = {}): Promise<Store> {
  if (url.startsWith('sqlite:')) return openSqliteStore(url.slice('sqlite:'.length), options);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    throw new Error('PostgreSQL is not supported yet: use TOMADA_DATABASE_URL=sqlite:PATH');
  }
  throw new Error(`Unsupported database URL "${url}": expected sqlite:PATH`);
}
