// One set of migrations for every database. Only the auto-incrementing key differs by dialect.
import { sql, type Kysely, type Migration, type MigrationProvider, type CreateTableBuilder } from 'kysely';
import { oneRunningCampaign } from './one-running-campaign.js';

export type Dialect = 'sqlite' | 'postgres';

function withSerialId<T extends string>(table: CreateTableBuilder<T, never>, dialect: Dialect) {
  return dialect === 'postgres'
    ? table.addColumn('id', 'bigserial', (c) => c.primaryKey())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

function initial(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('charge_points')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('registration_status', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text')
        .addColumn('operator', 'text')
        .addColumn('declared_ocpp_version', 'text')
        .addColumn('lenient', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('vendor', 'text')
        .addColumn('model', 'text')
        .addColumn('charge_point_serial_number', 'text')
        .addColumn('charge_box_serial_number', 'text')
        .addColumn('firmware_version', 'text')
        .addColumn('iccid', 'text')
        .addColumn('imsi', 'text')
        .addColumn('meter_type', 'text')
        .addColumn('meter_serial_number', 'text')
        .addColumn('ocpp_version', 'text')
        .addColumn('transport', 'text')
        .addColumn('last_seen_at', 'text')
        .addColumn('last_boot_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('connectors')
        .addColumn('charge_point_id', 'text', (c) => c.notNull().references('charge_points.id'))
        .addColumn('connector_id', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text', (c) => c.notNull())
        .addColumn('info', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('connectors_pk', ['charge_point_id', 'connector_id'])
        .execute();

      await withSerialId(db.schema.createTable('connector_status_history'), dialect)
        .addColumn('charge_point_id', 'text', (c) => c.notNull())
        .addColumn('connector_id', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error_code', 'text', (c) => c.notNull())
        .addColumn('info', 'text')
        .addColumn('vendor_id', 'text')
        .addColumn('vendor_error_code', 'text')
        .addColumn('reported_at', 'text')
        .addColumn('received_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('connector_status_history_cp')
        .on('connector_status_history')
        .columns(['charge_point_id', 'connector_id', 'id'])
        .execute();

      await db.schema
        .createTable('id_tags')
        .addColumn('id_tag_key', 'text', (c) => c.primaryKey())
        .addColumn('id_tag', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('expiry_date', 'text')
        .addColumn('parent_id_tag', 'text')
        .execute();

      await withSerialId(db.schema.createTable('transactions'), dialect)
        .addColumn('charge_point_id', 'text', (c) => c.notNull().references('charge_points.id'))
        .addColumn('connector_id', 'integer', (c) => c.notNull())
        .addColumn('id_tag', 'text', (c) => c.notNull())
        .addColumn('id_tag_status', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('stopped_at', 'text')
        .addColumn('meter_start_wh', 'bigint', (c) => c.notNull())
        .addColumn('meter_stop_wh', 'bigint')
        .addColumn('energy_wh', 'bigint')
        .addColumn('energy_source', 'text', (c) => c.notNull())
        .addColumn('stop_reason', 'text')
        .addColumn('stop_id_tag', 'text')
        .addColumn('anomalies', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('reservation_id', 'integer')
        .execute();
      // A resent StartTransaction must find the transaction it created the first time.
      await db.schema
        .createIndex('transactions_start_key')
        .unique()
        .on('transactions')
        .columns(['charge_point_id', 'connector_id', 'id_tag', 'started_at', 'meter_start_wh'])
        .execute();
      await db.schema.createIndex('transactions_started_at').on('transactions').column('started_at').execute();
      await db.schema
        .createIndex('transactions_active')
        .on('transactions')
        .columns(['charge_point_id', 'stopped_at'])
        .execute();

      await withSerialId(db.schema.createTable('meter_samples'), dialect)
        .addColumn('charge_point_id', 'text', (c) => c.notNull())
        .addColumn('connector_id', 'integer', (c) => c.notNull())
        .addColumn('transaction_id', 'bigint')
        .addColumn('timestamp', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('measurand', 'text', (c) => c.notNull())
        .addColumn('unit', 'text', (c) => c.notNull())
        .addColumn('context', 'text', (c) => c.notNull())
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('location', 'text', (c) => c.notNull())
        .addColumn('phase', 'text')
        .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
        .execute();
      await db.schema
        .createIndex('meter_samples_transaction')
        .on('meter_samples')
        .columns(['transaction_id', 'id'])
        .execute();

      await withSerialId(db.schema.createTable('events'), dialect)
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('charge_point_id', 'text')
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_cp').on('events').columns(['charge_point_id', 'id']).execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}

const soapEndpoint: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('charge_points').addColumn('soap_endpoint', 'text').execute();
  },
};

function integrity(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('charge_points').addColumn('security_profile', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('charge_points').addColumn('allowed_sources', 'text', (c) => c.notNull().defaultTo('[]')).execute();
      await db.schema.alterTable('charge_points').addColumn('meter_public_key', 'text').execute();
      await db.schema.alterTable('transactions').addColumn('signed_meter_status', 'text', (c) => c.notNull().defaultTo('absent')).execute();
      await db.schema.alterTable('transactions').addColumn('signed_meter_reason', 'text').execute();
      const journal = db.schema.createTable('frame_journal');
      await (dialect === 'postgres'
        ? journal.addColumn('seq', 'bigserial', (c) => c.primaryKey())
        : journal.addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
      )
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('charge_point_id', 'text')
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('transport', 'text', (c) => c.notNull())
        .addColumn('frame', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('frame_journal_cp').on('frame_journal').columns(['charge_point_id', 'seq']).execute();
    },
  };
}

/** The time the charge point gave the current state, apart from when we received it. */
const connectorReportedAt: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('connectors').addColumn('reported_at', 'text').execute();
  },
};

/** What a signed meter value signs, whatever its encoding: replays on other transactions are found by it. */
const signedIdentityColumn: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('meter_samples').addColumn('signed_identity', 'text').execute();
    await db.schema.createIndex('meter_samples_signed_identity').on('meter_samples').column('signed_identity').execute();
  },
};

/** Validation campaigns, the validated-software registry, declared transports and operator webhooks. */
const validation: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('charge_points').addColumn('declared_transport', 'text').execute();
    await db.schema
      .createTable('validations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('charge_point_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('verdict', 'text')
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('finished_at', 'text')
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('validations_cp').on('validations').columns(['charge_point_id', 'started_at']).execute();
    await db.schema
      .createTable('validated_software')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('vendor', 'text', (c) => c.notNull())
      .addColumn('model', 'text', (c) => c.notNull())
      .addColumn('firmware_version', 'text', (c) => c.notNull())
      .addColumn('ocpp_version', 'text', (c) => c.notNull())
      .addColumn('transport', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('validation_id', 'text')
      .addColumn('reference', 'text')
      .addColumn('approved_at', 'text', (c) => c.notNull())
      .addColumn('approved_by', 'text')
      .execute();
    await db.schema
      .createIndex('validated_software_identity')
      .unique()
      .on('validated_software')
      .columns(['vendor', 'model', 'firmware_version', 'ocpp_version', 'transport'])
      .execute();
    await db.schema
      .createTable('webhooks')
      .addColumn('operator', 'text', (c) => c.primaryKey())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('last_event_id', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
};

/**
 * Operators (OPC, DPC) as records that charge points, id tags and API tokens belong to. The free
 * text `charge_points.operator` becomes a reference: every distinct value is kept as an operator
 * of its own (kind OPC, named as its id), then the column is rebuilt with a foreign key. Rename,
 * add and drop column are plain SQL in SQLite (3.35+) and PostgreSQL alike.
 */
const accounts: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('operators')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db
      .insertInto('operators')
      .columns(['id', 'name', 'kind', 'created_at'])
      .expression((eb) =>
        eb
          .selectFrom('charge_points')
          .where('operator', 'is not', null)
          .select(['operator as id', 'operator as name', sql<string>`'OPC'`.as('kind'), sql<string>`${new Date().toISOString()}`.as('created_at')])
          .distinct(),
      )
      .execute();
    await db.schema.alterTable('charge_points').renameColumn('operator', 'operator_text').execute();
    await db.schema.alterTable('charge_points').addColumn('operator', 'text', (c) => c.references('operators.id')).execute();
    await db.updateTable('charge_points').set((eb) => ({ operator: eb.ref('operator_text') })).execute();
    await db.schema.alterTable('charge_points').dropColumn('operator_text').execute();
    await db.schema.createIndex('charge_points_operator').on('charge_points').column('operator').execute();
    await db.schema.alterTable('charge_points').addColumn('connection', 'text', (c) => c.notNull().defaultTo('direct')).execute();

    await db.schema.alterTable('id_tags').addColumn('operator', 'text', (c) => c.references('operators.id')).execute();
    await db.schema.alterTable('api_tokens').addColumn('operator', 'text', (c) => c.references('operators.id')).execute();
    await db.schema.alterTable('api_tokens').addColumn('revoked_at', 'text').execute();
  },
};

/**
 * StartTransaction asks whether the id tag already has a running session (ConcurrentTx): without
 * this index that read scanned every transaction ever stored, a cost that grew with the network's
 * history. Only running sessions are indexed, under the case-insensitive tag the query compares.
 */
const activeIdTagIndex: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createIndex('transactions_running_id_tag')
      .on('transactions')
      .expression(sql`upper(id_tag)`)
      .where(sql.ref('stopped_at'), 'is', null)
      .execute();
  },
};

/**
 * Every meter sample wrote two index pages it did not need to (docs/PERFORMANCE.md):
 * - its unique key was a bare hash, so each sample landed on a random page of that index. New keys
 *   start with the sample's time (see sampleKey), so live samples write one end of the index. The
 *   rows already stored keep their keys: rewriting them would take hours on a national network's
 *   history. This records the newest time among them instead; a sample stamped no later than that
 *   may be one of them sent again, so its bare-hash key is looked up as well (insertSamples).
 * - the index of signed values held an entry for every sample, signed or not. Only signed values
 *   are ever looked up (replays), by a comparison that already implies "not null".
 * Both read the table once; neither writes a row of it.
 */
const cheaperSampleIndexes: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('meter_sample_legacy_keys').addColumn('newest_timestamp', 'text').execute();
    // The newest among four-digit years only: those sort the same under any collation, while a
    // database collation may put a year past 9999 ("+275760-…", a charger's clock gone wrong)
    // after them. As text such times come before every four-digit year, so insertSamples looks
    // them up anyway. Stored rows but none of that form still need the look-ups: the earliest
    // four-digit time says so.
    const time = sql.ref('timestamp');
    await sql`insert into meter_sample_legacy_keys (newest_timestamp)
      select case when count(*) = 0 then null
        else coalesce(max(case when ${time} like '____-%' then ${time} end), '0000-01-01T00:00:00.000Z') end
      from meter_samples`.execute(db);
    await db.schema.dropIndex('meter_samples_signed_identity').execute();
    await db.schema
      .createIndex('meter_samples_signed_identity')
      .on('meter_samples')
      .column('signed_identity')
      .where(sql.ref('signed_identity'), 'is not', null)
      .execute();
  },
};

/**
 * Every MeterValues read back all of its session's energy samples to recompute the energy, a cost
 * that grew with the session. A running session now keeps where its energy stands (its latest
 * register reading), so plain register readings extend it (Transactions, extendEnergy). Sessions
 * stored before have none: their next message recomputes it from every sample and keeps it.
 */
const energyTailColumn: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('transactions').addColumn('energy_tail', 'text').execute();
  },
};

/**
 * SQLite: the journal's index by charge point (seq within charge point) was written with every
 * journal row: a batch holds frames of dozens of charge points, each at its own place in that
 * index, so each dirtied a page of its own, 60 % of what a commit wrote (docs/PERFORMANCE-LOG.md). The
 * same pairs now go into a table of their own in arrears, a few times a second, each charge
 * point's page once per round (SqlQueries.appendJournal); `journal_index_mark` says up to which
 * row they are there, and the rows after it are read from the journal itself (recentJournal).
 * Filled here from the journal stored so far: on a large journal this takes about as long as
 * building an index. PostgreSQL keeps its index (DialectHooks.journalIndexInArrears).
 */
function journalByChargePoint(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      if (dialect !== 'sqlite') return;
      const table = db.schema
        .createTable('journal_charge_points')
        .addColumn('charge_point_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('journal_charge_points_pk', ['charge_point_id', 'seq']);
      // The key is the table: one b-tree instead of a table and its index.
      await table.modifyEnd(sql`without rowid`).execute();
      await db.schema.createTable('journal_index_mark').addColumn('seq', 'bigint', (c) => c.notNull()).execute();
      await sql`insert into journal_charge_points (charge_point_id, seq)
        select charge_point_id, seq from frame_journal where charge_point_id is not null order by charge_point_id, seq`.execute(db);
      await sql`insert into journal_index_mark (seq) select coalesce(max(seq), 0) from frame_journal`.execute(db);
      await db.schema.dropIndex('frame_journal_cp').execute();
    },
  };
}

/**
 * Two reads that scanned history instead of an index, measured on a national network's history
 * (13,000 charge points, 2.5 million sessions, 1 million events; docs/PERFORMANCE.md, "History"):
 * - events of one type, newest first (the dashboard's events page, GET /events?type=…): every event
 *   ever stored was read to find a rare type (61 ms on SQLite at 1 million events, growing with
 *   them, and on SQLite a read holds the whole node's event loop). The index gives them in order.
 * - running sessions, newest first (GET /transactions?active=true): when fewer sessions run than
 *   the page holds, every session ever stored was read to find that out. Only running sessions are
 *   indexed, as in transactions_running_id_tag: a start adds an entry, its stop removes it.
 */
const historyIndexes: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createIndex('events_type').on('events').columns(['type', 'id']).execute();
    await db.schema.createIndex('transactions_running').on('transactions').column('id').where(sql.ref('stopped_at'), 'is', null).execute();
  },
};

/**
 * PostgreSQL: sessions of a period, page by page by start time then id (the session export,
 * TransactionFilter.afterStart). On the start-time index alone PostgreSQL sorted the rest of the
 * period for every page; indexed on both columns, a page is a range of the index. The new index
 * serves every read the old one did. SQLite's index on started_at already holds each row's id
 * (its rowid) in that order.
 */
function transactionsByStart(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<any>) {
      if (dialect === 'sqlite') return;
      await db.schema.createIndex('transactions_started_at_id').on('transactions').columns(['started_at', 'id']).execute();
      await db.schema.dropIndex('transactions_started_at').execute();
    },
  };
}

/**
 * The sessions of one id tag, newest first (GET /transactions?idTag=, an operator answering for a
 * driver's card): without this index the read would walk every session ever stored, newest first,
 * until the page was full, all of them for a tag with few sessions. Under the case-insensitive tag
 * the query compares, then the id it orders by.
 */
const transactionsByIdTag: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createIndex('transactions_by_id_tag').on('transactions').expression(sql`upper(id_tag), id`).execute();
  },
};

/**
 * Webhook delivery with several nodes on one database. Every node delivered every webhook, so a
 * receiver got each event once per node, and a pass still running when the operator changed the
 * URL (or deleted the webhook and made another) went on posting to the old URL and wrote its
 * cursor into the new webhook. Now a node delivers a webhook only while it holds a lease on it
 * (`lease_node` until `lease_until`), the backoff after failures is shared (`failures`,
 * `next_attempt_at`), and every write of a pass names the `generation` it read, which changes
 * whenever the webhook is set (src/events/webhooks.ts).
 */
const webhookLeases: Migration = {
  async up(db: Kysely<any>) {
    // Existing webhooks get a generation each: their operator's name is unique and never reused
    // as a generation (those made from now on are random UUIDs).
    await db.schema.alterTable('webhooks').addColumn('generation', 'text', (c) => c.notNull().defaultTo('')).execute();
    await db.updateTable('webhooks').set({ generation: sql`'migrated:' || operator` }).execute();
    await db.schema.alterTable('webhooks').addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('webhooks').addColumn('next_attempt_at', 'text').execute();
    await db.schema.alterTable('webhooks').addColumn('lease_node', 'text').execute();
    await db.schema.alterTable('webhooks').addColumn('lease_until', 'text').execute();
  },
};

/**
 * Builds of 2026-12-03 22:42–23:06 (eb9d320, e212742) applied an earlier body of 0009 that
 * rewrote every sample's key into the time-ordered form and made no `meter_sample_legacy_keys`;
 * 0009 kept its name when its body changed, so such a store never got the table, and every
 * MeterValues and StopTransaction failed on it after an upgrade. Its keys are all time-ordered, so
 * an empty table (no sample stored under a bare hash) is what it holds. A store that has the table
 * is left as it is.
 */
const legacySampleKeysEverywhere: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('meter_sample_legacy_keys').ifNotExists().addColumn('newest_timestamp', 'text').execute();
  },
};

/**
 * A charge point's readings outside any session (connector 0's grid meter, an idle connector's
 * register, readings for a transaction nobody knows), by their time, then id: what
 * GET /charge-points/{id}/meter-values reads a page of. Partial, on `transaction_id is null`: a
 * session's samples, nearly all of them, are read by transaction (meter_samples_transaction) and
 * get no entry here, so the hot path writes nothing more for them, and the build, which reads
 * the table once as any new index must, writes only the few rows outside sessions.
 */
const sessionlessSampleIndex: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createIndex('meter_samples_sessionless')
      .on('meter_samples')
      .columns(['charge_point_id', 'timestamp', 'id'])
      .where(sql.ref('transaction_id'), 'is', null)
      .execute();
  },
};

/**
 * Since 2026-12-06 a reading one message gives more than once (OCPP 1.5's phases reading alike) is
 * stored each time, its repeats numbered in their keys; before, it was kept once. Journal rows up
 * to the one recorded here (the journal's last when this ran; 0 on a store made since) may have
 * been stored the old way, so `journal verify` tolerates their repeats missing, and demands those
 * of every later row. Builds between that change (6433882) and this migration numbered repeats
 * already: their rows are tolerated too, which errs towards silence, never towards a false alarm.
 */
const numberedRepeatsMark: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('numbered_repeats_mark').addColumn('seq', 'bigint', (c) => c.notNull()).execute();
    await sql`insert into numbered_repeats_mark (seq) select coalesce(max(seq), 0) from frame_journal`.execute(db);
  },
};

/**
 * The WS-Addressing version a SOAP charge point speaks, kept with its endpoint: held in memory
 * only, it was forgotten at a restart, and the first command after it was written in 1.0, whose
 * Action and MessageID a 2004/08 stack does not read.
 */
const soapAddressing: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('charge_points').addColumn('soap_addressing', 'text').execute();
  },
};

/**
 * Whether a SOAP charge point's endpoint is an administrator's, which its From does not replace:
 * a charge point behind NAT names its private address, and it overwrote the good endpoint an
 * administrator had set. Endpoints stored before are taken as the charge points' own.
 */
const soapEndpointSetByAdministrator: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('charge_points')
      .addColumn('soap_endpoint_set_by_administrator', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
};

/**
 * An operator's id tags in the order GET /id-tags pages them (by key): an operator's token reads
 * its own tags a page at a time, and without this each page read the whole registry's key index
 * from the cursor on, skipping other operators' tags, to find a page of its own.
 */
const idTagsByOperator: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createIndex('id_tags_operator').on('id_tags').columns(['operator', 'id_tag_key']).execute();
  },
};

/**
 * Since 2026-12-07 a lenient OCPP 1.5 JSON charge point's readings in 1.6's shape are converted
 * and stored; before, a MeterValues so written was refused (acknowledged and not stored until
 * 2026-12-06) and a StopTransaction was stored without them. Journal rows up to the one recorded
 * here (the journal's last when this ran; 0 on a store made since) are replayed by `journal
 * verify` as they were stored then, without the conversion.
 */
const convertedReadingsMark: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.createTable('converted_readings_mark').addColumn('seq', 'bigint', (c) => c.notNull()).execute();
    await sql`insert into converted_readings_mark (seq) select coalesce(max(seq), 0) from frame_journal`.execute(db);
  },
};

/** An API token may be made to stop working at a time (`expires_at`); null: until revoked. */
const apiTokenExpiry: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('api_tokens').addColumn('expires_at', 'text').execute();
  },
};

/**
 * The sessions validation campaigns left running on their cards and not yet seen to end
 * (Validation.leftRunning): at each return of the charge point a remote stop is tried again
 * (src/validation/left-running.ts), so they are looked up by charge point, at every return, and
 * a row is deleted once its session is settled. Filled from the campaigns that ended before.
 */
const validationSessionsLeftRunning: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('validation_sessions_left_running')
      .addColumn('validation_id', 'text', (c) => c.notNull())
      .addColumn('transaction_id', 'bigint', (c) => c.notNull())
      .addColumn('charge_point_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('validation_sessions_left_running_pk', ['validation_id', 'transaction_id'])
      .execute();
    await db.schema.createIndex('validation_sessions_left_running_cp').on('validation_sessions_left_running').column('charge_point_id').execute();
    const ended = await db.selectFrom('validations').select(['id', 'charge_point_id', 'data']).where('status', '!=', 'running').where('data', 'like', '%"leftRunning"%').execute();
    for (const row of ended as { id: string; charge_point_id: string; data: string }[]) {
      const left = (JSON.parse(row.data) as { leftRunning?: { transactionId: number }[] }).leftRunning ?? [];
      for (const { transactionId } of left) {
        await db.insertInto('validation_sessions_left_running').values({ validation_id: row.id, transaction_id: transactionId, charge_point_id: row.charge_point_id }).execute();
      }
    }
  },
};

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations() {
      return {
        '0001_initial': initial(dialect),
        '0002_soap_endpoint': soapEndpoint,
        '0003_integrity': integrity(dialect),
        '0004_connector_reported_at': connectorReportedAt,
        '0005_signed_identity': signedIdentityColumn,
        '0006_validation': validation,
        '0007_accounts': accounts,
        '0008_running_id_tag_index': activeIdTagIndex,
        '0009_cheaper_sample_indexes': cheaperSampleIndexes,
        '0010_energy_tail': energyTailColumn,
        '0011_journal_by_charge_point': journalByChargePoint(dialect),
        '0012_history_indexes': historyIndexes,
        '0013_transactions_by_start': transactionsByStart(dialect),
        '0014_transactions_by_id_tag': transactionsByIdTag,
        '0015_webhook_leases': webhookLeases,
        '0016_legacy_sample_keys_everywhere': legacySampleKeysEverywhere,
        '0017_sessionless_sample_index': sessionlessSampleIndex,
        '0018_numbered_repeats_mark': numberedRepeatsMark,
        '0019_soap_addressing': soapAddressing,
        '0020_soap_endpoint_set_by_administrator': soapEndpointSetByAdministrator,
        '0021_id_tags_by_operator': idTagsByOperator,
        '0022_api_token_expiry': apiTokenExpiry,
        '0023_converted_readings_mark': convertedReadingsMark,
        '0024_validation_sessions_left_running': validationSessionsLeftRunning,
        '0025_one_running_campaign': oneRunningCampaign,
      };
    },
  };
}
