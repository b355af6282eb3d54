// A fresh PostgreSQL schema for one bench run, dropped after it: every Tomada node of the run
// gets `url` (the same database with `?schema=NAME`), and the scenario reads what they stored
// through `count`.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { log } from './report.js';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchSchema {
  name: string;
  /** The database URL with `?schema=NAME`, for TOMADA_DATABASE_URL. */
  url: string;
  /** The database URL without a schema (what the run's results may name). */
  baseUrl: string;
  /** `select count(*) as n from …` in the schema; `{schema}` in the query is replaced by its quoted name. */
  count(query: string, params?: unknown[]): Promise<number>;
  /** A query's rows, `{schema}` replaced as for count. */
  rows(query: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  drop(): Promise<void>;
}

export async function freshSchema(databaseUrl: string, prefix: string): Promise<BenchSchema> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const base = new URL(databaseUrl);
  base.searchParams.delete('schema');
  const baseUrl = base.toString();
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`create schema "${name}"`);
  } catch (error) {
    await admin.end();
    throw error;
  }
  log(`schema ${name} on ${base.host}${base.pathname}`);
  return {
    name,
    url: `${baseUrl}${base.search ? '&' : '?'}schema=${name}`,
    baseUrl,
    async count(query, params = []) {
      const result = await admin.query<{ n: string }>(query.replaceAll('{schema}', `"${name}"`), params);
      return Number(result.rows[0]!.n);
    },
    async rows(query, params = []) {
      return (await admin.query<Record<string, unknown>>(query.replaceAll('{schema}', `"${name}"`), params)).rows;
    },
    async drop() {
      try {
        await admin.query(`drop schema if exists "${name}" cascade`);
        log(`schema ${name} dropped`);
      } finally {
        await admin.end();
      }
    },
  };
}
