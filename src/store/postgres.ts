// The server store: PostgreSQL through a pg connection pool, for one node or several sharing one
// database. What differs from SQLite lives here: the pool and its recovery after the database was
// unreachable, the schema named in the URL, int8 values read as numbers, and the journal lock that
// keeps the frames of all nodes in one hash chain.
import pg from 'pg';
import { Kysely, sql, type PostgresPool, type PostgresPoolClient } from 'kysely';
import { OwnSchemaPostgresDialect } from './postgres-introspector.js';
import type { CursorTable, DialectHooks } from './sql-queries.js';
import { SqlStore, StoreNotFound, type SqlStoreOptions, type StoreLog } from './sql-store.js';
import { StatementNames } from './statement-names.js';
import type { Database } from './tables.js';

export interface PostgresStoreOptions extends SqlStoreOptions {
  /** Connections at most (TOMADA_DATABASE_POOL). Each group committer needs one; reads the rest. */
  poolSize?: number;
  /** A query unanswered within this fails and its connection is dropped (default 30 s). */
  queryTimeoutMs?: number;
  /** A statement waiting this long for a lock fails (default LOCK_WAIT_MS). */
  lockTimeoutMs?: number;
}

/**
 * Group committers per node: half the pool, at most 4, so reads (handshakes, the API) keep at
 * least half. Each runs its batches' statements one round trip after another, so one committer
 * keeps the node waiting on the database most of the time (docs/PERFORMANCE-LOG.md); several commit
 * the batches of different charge points side by side, as several nodes do.
 */
export function committersFor(poolSize: number): number {
  return Math.max(1, Math.min(4, Math.floor(poolSize / 2)));
}

/** A new connection must be made within this, or the call that needed it fails. */
const CONNECT_TIMEOUT_MS = 5_000;
/**
 * A query with no answer within this fails, and its connection is dropped: a database behind a
 * dead link would otherwise hold every call forever instead of answering InternalError.
 */
const DEFAULT_QUERY_TIMEOUT_MS = 30_000;
/**
 * How long a statement may wait for a lock another transaction holds (`lock_timeout`). Nodes wait
 * on each other's batches for a few milliseconds (a charge point's session being stored by the node
 * it just left, the journal's turn); a node frozen mid-batch (paused, swapping) would otherwise hold
 * every node's committer behind it, since a query timeout on this side does not end the wait on the
 * server. The waiting unit fails instead: its call is answered InternalError and resent. A node
 * starting while another migrates still waits for it: Kysely's migrator sets its own lock wait,
 * an hour, for the migrations' transaction.
 */
const LOCK_WAIT_MS = 10_000;
/**
 * A transaction of ours left open this long with no statement running is ended by the server
 * (`idle_in_transaction_session_timeout`), its locks with it: a batch is never idle that long
 * unless its node is frozen, and then its calls were not answered.
 */
const IDLE_IN_BATCH_MS = 60_000;
/** The error PostgreSQL ends such a transaction with (idle_in_transaction_session_timeout). */
const IDLE_IN_BATCH_ENDED = '25P03';

/**
 * Lower case only: PostgreSQL folds the unquoted name in search_path to lower case, while the
 * schema was created under the name as written, so `Tomada_Porto` made an empty schema of that
 * name and ran on `tomada_porto`, another store if there was one (an audit's finding).
 */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Read committed, whatever the database's or the role's default: a batch takes the journal's lock
 * and only then reads the chain's head (lockedJournalHead), which sees the last holder's commit
 * only if that read takes a snapshot of its own. Under repeatable read the snapshot is the
 * batch's first statement's, taken before the lock: two batches linked to one head and the chain
 * forked, every write succeeding (found by a review; test/store/journal-chain.test.ts). Last among
 * the server options, so that it wins over one the URL gives.
 */
const READ_COMMITTED = '-c default_transaction_isolation=read\\ committed';

/**
 * Splits `?schema=NAME` off the URL (pg does not know it, the store does), and folds it into the
 * server options the URL may already carry (`?options=-c …`), which pg would otherwise let win,
 * with the isolation the journal needs (READ_COMMITTED).
 */
export function parsePostgresUrl(url: string): { connectionString: string; schema: string | undefined; serverOptions: string } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  const given = parsed.searchParams.get('options') ?? undefined;
  parsed.searchParams.delete('schema');
  parsed.searchParams.delete('options');
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    const lower = schema.toLowerCase();
    const folded = lower !== schema && SCHEMA_NAME.test(lower) ? `: write "${lower}" (PostgreSQL folds the name to lower case; "${schema}" would be a second schema beside it)` : '';
    throw new Error(`TOMADA_DATABASE_URL: schema "${schema}" must be lower-case letters, digits and _ (not starting with a digit)${folded}`);
  }
  const serverOptions = [given, schema && `-c search_path=${schema}`, READ_COMMITTED].filter(Boolean).join(' ');
  return { connectionString: parsed.toString(), schema, serverOptions };
}

// int8 (bigserial ids, Wh counters) as numbers, as SQLite gives them: ids and energies stay far
// below 2^53. Per pool, so other users of pg in the process keep the library's defaults.
const INT8_OID = 20;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

/**
 * A connection error (lost link, timeout), as opposed to an error the server answered with. A
 * connection the server ends (57P01 on a restart or pg_terminate_backend) reaches the client's
 * 'error' listener first; the query then gets pg's own "not queryable" error, which is counted
 * here (test/store/database-down.test.ts).
 */
function isConnectionError(error: unknown): boolean {
  return error instanceof Error && !('severity' in error);
}

/**
 * Tells once when the database becomes unreachable and once when it is back, instead of one
 * line per failed call.
 */
class Reachability {
  private down = false;
  /**
   * Set once the store is open. Before, a failed connection fails the open itself, which says so
   * (the process then stops): "answered InternalError until it is back" would promise a node that
   * never runs.
   */
  private serving = false;
  /** Connections PostgreSQL ended for a batch left idle: what fails on them next is that, not an outage. */
  private readonly endedIdle = new WeakSet<object>();

  constructor(private readonly log: StoreLog | undefined) {}

  /** A connection failed (`connection`: which one, when known). */
  lost(error: unknown, connection?: object): void {
    // Not the database's absence: this node left a batch open and idle past the server's limit
    // (IDLE_IN_BATCH_MS). The connection is gone all the same, and the next one is fresh.
    if ((error as { code?: unknown } | null)?.code === IDLE_IN_BATCH_ENDED) {
      if (connection) this.endedIdle.add(connection);
      this.log?.error(
        { err: error },
        'PostgreSQL ended a batch this node left idle past idle_in_transaction_session_timeout (was the node paused, or swapping?): its calls were not answered, and the charge points resend them',
      );
      return;
    }
    if (connection && this.endedIdle.has(connection)) return;
    if (this.down || !this.serving) return;
    this.down = true;
    this.log?.error(
      { err: error },
      'PostgreSQL unreachable: calls that need the database are answered InternalError until it is back',
    );
  }

  /** The store is open: from now on a lost database is an outage to report. */
  open(): void {
    this.serving = true;
  }

  connected(): void {
    if (!this.down) return;
    this.down = false;
    this.log?.info({}, 'PostgreSQL reachable again');
  }
}

/**
 * A named statement whose result columns changed since it was prepared (another node migrated the
 * table under a `select *`): PostgreSQL refuses to run it on that connection again. Its code,
 * 0A000 (feature not supported), covers other refusals too; for those, dropping the connection
 * costs one reconnection and nothing else.
 */
function isStalePlan(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === '0A000';
}

/**
 * The pool as Kysely sees it, with two additions. The hot statements go out under their names
 * (statement-names.ts). A connection whose query failed for want of an answer (lost link,
 * timeout), or whose prepared statement went stale, is dropped when released, never handed out
 * again. A connection the server closed is dropped by pg itself; one that merely timed out is not.
 */
function recoveringPool(pool: pg.Pool, reachability: Reachability, names: StatementNames): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        reachability.lost(error);
        throw error;
      }
      let broken: unknown;
      return {
        async query(...args: unknown[]) {
          // Kysely calls query(text, values) for every statement it runs.
          const name = names.of(args[0]);
          const call = name === undefined ? args : [{ name, text: args[0], values: args[1] }];
          try {
            const result = await (client.query as (...a: unknown[]) => Promise<unknown>)(...call);
            // Several statements in one text, without parameters (pg's simple protocol), answer
            // with one result each; Kysely reads one, so it gets the last (lockedJournalHead).
            return Array.isArray(result) ? result.at(-1) : result;
          } catch (error) {
            if (isConnectionError(error)) {
              broken = error;
              reachability.lost(error, client);
            } else if (isStalePlan(error)) {
              // A fresh connection prepares the statement anew, with the table as it is now.
              broken = error;
            }
            throw error;
          }
        },
        release() {
          client.release(broken instanceof Error ? broken : undefined);
        },
      } as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}

/** How long a reader waits for the transactions writing events before that pass gives up (and is retried). */
const WRITERS_WAIT_MS = 60_000;

/**
 * The transactions (virtual ids) that hold a write lock on this schema's events table: every one
 * that inserted an event and has not yet ended, on any node. `among`: only those of these.
 */
async function tableWriters(db: Kysely<Database>, table: CursorTable, among?: readonly string[]): Promise<string[]> {
  const others = sql`relation = to_regclass(${table}) and mode = 'RowExclusiveLock' and pid <> pg_backend_pid()`;
  const query = among
    ? sql<{ vxid: string }>`select distinct virtualtransaction as vxid from pg_locks where ${others} and virtualtransaction = any(${[...among]})`
    : sql<{ vxid: string }>`select distinct virtualtransaction as vxid from pg_locks where ${others}`;
  return (await query.execute(db)).rows.map((row) => row.vxid);
}

export const postgresHooks: DialectHooks = {
  rowLocks: true,
  // Held from the journal insert to the end of the batch's transaction: every node appending to
  // this schema's journal waits here, then reads the previous hash that the last holder committed.
  // One round trip for both: two statements in one text, each with its own snapshot (read
  // committed), so the read sees every commit made before the lock was granted.
  async lockedJournalHead(db) {
    const { rows } = await sql<{ hash: string }>`
      select pg_advisory_xact_lock(hashtext('tomada.frame_journal'), hashtext(current_schema()));
      select hash from frame_journal order by seq desc limit 1`.execute(db);
    return rows[0]?.hash;
  },
  // Byte order (collate "C") whatever the database's collation: the times are all one fixed format.
  // Never waits: it runs in beforeCommit, after every unit, and a batch waiting there on a row
  // another node's batch holds, while that batch waits on a session this one locked, is a deadlock
  // whose victim would be this whole batch (a review's finding). A row held elsewhere keeps its
  // earlier time until the charge point's next call; the node holding it writes its own.
  async writeLastSeen(db, ids, ats) {
    await sql`update charge_points as cp set last_seen_at = seen.at
      from unnest(${ids}::text[], ${ats}::text[]) as seen(id, at)
      where cp.id = seen.id and (cp.last_seen_at is null or cp.last_seen_at collate "C" < seen.at)
        and cp.id in (select id from charge_points where id = any(${ids}::text[]) for no key update skip locked)`.execute(db);
  },
  // Another batch (another node's, or another committer's of this node) may hold a row with a
  // lower id than one already committed; its transaction holds the table's write lock until it
  // ends. Polled rather than waited on with a lock, which would stall every writer behind the reader.
  async writersDone(db, table) {
    let writing = await tableWriters(db, table);
    if (writing.length === 0) return false;
    const deadline = Date.now() + WRITERS_WAIT_MS;
    while (writing.length > 0) {
      if (Date.now() > deadline) throw new Error(`transactions writing ${table} have been open for over ${WRITERS_WAIT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      writing = await tableWriters(db, table, writing);
    }
    return true;
  },
};

/** The errors of a schema created by another session at the same moment (the catalog's unique index; duplicate_schema). */
const SCHEMA_CREATED_MEANWHILE = new Set(['23505', '42P06']);

/**
 * Creates the URL's schema if it is missing. `create schema if not exists` is not safe against
 * another session running it at the same moment: the second waits for the first and then fails
 * on the catalog's unique index. Two nodes first started together on a new schema (or a `tomada
 * migrate` beside a node's start) lost one of them at start (an audit: 8 of 40). The schema is
 * there then, which is all that was asked.
 */
async function createSchema(kysely: Kysely<Database>, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(kysely);
  } catch (error) {
    if (!SCHEMA_CREATED_MEANWHILE.has(String((error as { code?: unknown } | null)?.code))) throw error;
  }
}

export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<SqlStore> {
  const { connectionString, schema, serverOptions } = parsePostgresUrl(url);
  const reachability = new Reachability(options.log);
  const poolSize = options.poolSize ?? 10;
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    keepAlive: true,
    types,
    // The URL's own options come after these, so that they win.
    options: `-c lock_timeout=${options.lockTimeoutMs ?? LOCK_WAIT_MS} -c idle_in_transaction_session_timeout=${IDLE_IN_BATCH_MS} ${serverOptions}`,
  });
  // Without these listeners a connection lost while idle, or while checked out between two
  // queries, would be an unhandled 'error' event: the whole process would exit.
  pool.on('error', (error, client) => reachability.lost(error, client));
  pool.on('connect', (client) => {
    client.on('error', (error) => reachability.lost(error, client));
    reachability.connected();
  });
  const names = new StatementNames();
  const kysely = new Kysely<Database>({ dialect: new OwnSchemaPostgresDialect({ pool: recoveringPool(pool, reachability, names) }) });
  try {
    const existing = options.existingOnly || options.mustExist;
    if (schema && !existing) await createSchema(kysely, schema);
    const { rows } = await sql<{ schema: string; collation: string; synchronous_commit: string; fsync: string }>`
      select current_schema() as schema, datcollate as collation,
        current_setting('synchronous_commit') as synchronous_commit, current_setting('fsync') as fsync
      from pg_database where datname = current_database()`.execute(kysely);
    const current = rows[0];
    // Opened as it is, a schema named that is not there holds no store: nothing to verify.
    if (!current?.schema && schema && existing) throw new StoreNotFound(`PostgreSQL has no schema "${schema}" (the URL's ?schema=)`);
    if (!current?.schema) throw new Error('PostgreSQL: no schema to create the tables in (check search_path)');
    // Before any warning: a command that finds no store says only that.
    if (options.mustExist) await SqlStore.assertSome(kysely, 'postgres', current.schema);
    // Text keys and ISO times are compared and sorted as bytes, as SQLite does; other collations
    // order ids differently and, for times, ignore punctuation.
    if (!/^(C|POSIX|C\.UTF-?8)$/i.test(current.collation)) {
      options.log?.warn({ collation: current.collation }, 'PostgreSQL database collation is not C: lists sort differently than on SQLite; create the database with LC_COLLATE C.UTF-8');
    }
    // An answer leaves once its COMMIT returns, durable only if the server flushed its WAL first.
    // Set otherwise for the database, the role or in the URL (a tuning guide's advice), every
    // acknowledgement could be lost in a crash of the database, and nothing said so.
    // (Not for a store opened to be read, `journal verify`: it acknowledges nothing.)
    if (!options.existingOnly && (current.synchronous_commit === 'off' || current.fsync === 'off')) {
      options.log?.warn(
        { synchronous_commit: current.synchronous_commit, fsync: current.fsync },
        'PostgreSQL does not flush commits to disk (synchronous_commit=off or fsync=off): acknowledgements leave before what they report is durable, and a crash of the database can lose them; set synchronous_commit=on and fsync=on (docs/OPERATIONS.md)',
      );
    }
    if (options.existingOnly) await SqlStore.assertCurrent(kysely, 'postgres', current.schema);
    else await SqlStore.migrate(kysely, 'postgres', current.schema, options.log);
  } catch (error) {
    await kysely.destroy();
    throw error;
  }
  reachability.open();
  return new SqlStore(kysely, options, {
    ...postgresHooks,
    hotStatement: (text) => names.add(text),
    committers: committersFor(poolSize),
    savepointRoundTrips: true,
  });
}
