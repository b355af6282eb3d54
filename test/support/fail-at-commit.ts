// A batch made to fail at COMMIT, after every unit in it succeeded: what a lost or refused commit
// looks like to the group committer, on either store.
import { sql, type Kysely } from 'kysely';
import type { StoreWriter } from '../../src/store/store.js';
import type { TestDatabase } from './database.js';

/** Makes the batch `tx` belongs to fail at COMMIT, after every unit in it succeeded. */
export async function failAtCommit(tx: StoreWriter, database: TestDatabase): Promise<void> {
  const db = (tx as unknown as { db: Kysely<unknown> }).db;
  if (database.kind === 'sqlite') {
    // Deferred foreign keys are checked at COMMIT.
    await sql`pragma defer_foreign_keys = on`.execute(db);
    await tx.recordStatus('NO-SUCH-CP', { connectorId: 1, status: 'Available', errorCode: 'NoError' }, new Date().toISOString(), '9999-12-31T23:59:59.999Z');
    return;
  }
  // A deferred constraint trigger fires at COMMIT; it is made in the test's own schema (and goes with the batch).
  await sql`create function fail_at_commit() returns trigger language plpgsql as $$ begin raise exception 'refused at commit'; end $$`.execute(db);
  await sql`create constraint trigger fail_at_commit after insert on events deferrable initially deferred for each row execute function fail_at_commit()`.execute(db);
  await tx.insertEvent({ at: new Date().toISOString(), chargePointId: null, type: 'test', data: {} });
}
