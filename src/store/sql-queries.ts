// The Store's reads and writes in SQL, through Kysely, for any dialect. One instance wraps either
// the database itself (reads) or the transaction of a group-committed batch (reads and writes).
import { randomUUID } from 'node:crypto';
import { sql, type Compilable, type Expression, type Kysely, type Selectable, type SqlBool } from 'kysely';
import {
  numberedIdentityTexts,
  storedSampleIdentity,
  type ChargePoint,
  type Connector,
  type ConnectorStatus,
  type EnergySource,
  type ChargePointConnection,
  type IdTag,
  type IdTagStatus,
  type MeterSample,
  type NumberedMeterSample,
  type Operator,
  type OperatorKind,
  type OwnedIdTag,
  type OcppVersion,
  type RegistrationStatus,
  type SecurityProfile,
  type SignedMeterStatus,
  type EnergyTail,
  type StatusHistoryEntry,
  type StatusReport,
  type StoredMeterSample,
  type SoftwareIdentity,
  type Transaction,
  type Transport,
  type ValidatedSoftware,
} from '../domain/model.js';
import type {
  ApiToken,
  ChargePointPatch,
  ChargePointOwner,
  ChargePointProtocol,
  JournalRange,
  NewTransaction,
  ChargePointFilter,
  IdTagFilter,
  OperatorFilter,
  SampleSelection,
  SamplesAdded,
  SessionlessSampleQuery,
  StatusHistoryQuery,
  StoredEvent,
  EventFilter,
  SessionLeftRunning,
  ValidationFilter,
  Webhook,
  WebhookDelivery,
  WebhookLease,
  WebhookSettingsRow,
  StoreWriter,
  TransactionFilter,
  TransactionPatch,
} from './store.js';
import { PreparedQueries, type QueryRunner, type SlotOf } from './prepared-queries.js';
import { chainHash, GENESIS_HASH, type JournalFrame, type JournalRow } from './journal-chain.js';
import { sha256 } from './sha256.js';
import { idTagSpellings } from './id-tag-spellings.js';
import type { ApiTokenRow, ChargePointRow, Database, FrameJournalRow, IdTagRow, MeterSampleRow, TransactionRow, ValidatedSoftwareRow, WebhookRow } from './tables.js';
import type { Validation } from '../domain/validation/types.js';

/**
 * LIMIT 1 written into the statement's text, not bound as a parameter: SQLite ran a bound LIMIT
 * 3 to 6 times slower, with the same plan (the status history's resend check, 18 µs against 3 µs a
 * row: a reconnection storm's whole cost per charge point rose by a tenth; bench/bound-limit.ts).
 * PostgreSQL ran both alike.
 */
const LIMIT_ONE = sql.lit(1);
/** The most sessions listTransactions gives when asked for no limit. */
const DEFAULT_TRANSACTIONS_LIMIT = 1000;

// PostgreSQL returns bigint columns as strings; SQLite as numbers.
const num = (value: number | string): number => Number(value);
const numOrNull = (value: number | string | null): number | null => (value === null ? null : Number(value));

function toChargePoint(row: Selectable<ChargePointRow>): ChargePoint {
  return {
    id: row.id,
    registrationStatus: row.registration_status as RegistrationStatus,
    passwordHash: row.password_hash,
    operator: row.operator,
    connection: row.connection as ChargePointConnection,
    declaredOcppVersion: row.declared_ocpp_version as OcppVersion | null,
    lenient: row.lenient === 1,
    vendor: row.vendor,
    model: row.model,
    chargePointSerialNumber: row.charge_point_serial_number,
    chargeBoxSerialNumber: row.charge_box_serial_number,
    firmwareVersion: row.firmware_version,
    iccid: row.iccid,
    imsi: row.imsi,
    meterType: row.meter_type,
    meterSerialNumber: row.meter_serial_number,
    ocppVersion: row.ocpp_version as OcppVersion | null,
    transport: row.transport as Transport | null,
    soapEndpoint: row.soap_endpoint,
    soapAddressing: row.soap_addressing,
    soapEndpointSetByAdministrator: row.soap_endpoint_set_by_administrator === 1,
    securityProfile: row.security_profile as SecurityProfile,
    allowedSources: JSON.parse(row.allowed_sources) as string[],
    meterPublicKey: row.meter_public_key,
    declaredTransport: row.declared_transport as Transport | null,
    lastSeenAt: row.last_seen_at,
    lastBootAt: row.last_boot_at,
    createdAt: row.created_at,
  };
}

const chargePointColumns: Record<keyof ChargePointPatch, keyof ChargePointRow> = {
  registrationStatus: 'registration_status',
  passwordHash: 'password_hash',
  operator: 'operator',
  connection: 'connection',
  declaredOcppVersion: 'declared_ocpp_version',
  lenient: 'lenient',
  vendor: 'vendor',
  model: 'model',
  chargePointSerialNumber: 'charge_point_serial_number',
  chargeBoxSerialNumber: 'charge_box_serial_number',
  firmwareVersion: 'firmware_version',
  iccid: 'iccid',
  imsi: 'imsi',
  meterType: 'meter_type',
  meterSerialNumber: 'meter_serial_number',
  ocppVersion: 'ocpp_version',
  transport: 'transport',
  soapEndpoint: 'soap_endpoint',
  soapAddressing: 'soap_addressing',
  soapEndpointSetByAdministrator: 'soap_endpoint_set_by_administrator',
  securityProfile: 'security_profile',
  allowedSources: 'allowed_sources',
  meterPublicKey: 'meter_public_key',
  declaredTransport: 'declared_transport',
  lastSeenAt: 'last_seen_at',
  lastBootAt: 'last_boot_at',
};

function chargePointPatchRow(patch: ChargePointPatch): Partial<ChargePointRow> {
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const column = chargePointColumns[key as keyof ChargePointPatch];
    if (column === undefined) continue;
    row[column] = typeof value === 'boolean' ? (value ? 1 : 0) : key === 'allowedSources' ? JSON.stringify(value) : value;
  }
  return row as Partial<ChargePointRow>;
}

function toValidatedSoftware(row: Selectable<ValidatedSoftwareRow>): ValidatedSoftware {
  return {
    id: row.id,
    vendor: row.vendor,
    model: row.model,
    firmwareVersion: row.firmware_version,
    ocppVersion: row.ocpp_version as OcppVersion,
    transport: row.transport as Transport,
    source: row.source as ValidatedSoftware['source'],
    validationId: row.validation_id,
    reference: row.reference,
    approvedAt: row.approved_at,
    approvedBy: row.approved_by,
  };
}

function toWebhook(row: Selectable<WebhookRow>): Webhook {
  return {
    operator: row.operator,
    url: row.url,
    secret: row.secret,
    lastEventId: num(row.last_event_id),
    lastError: row.last_error,
    createdAt: row.created_at,
    generation: row.generation,
    failures: num(row.failures),
    nextAttemptAt: row.next_attempt_at,
    leaseNode: row.lease_node,
    leaseUntil: row.lease_until,
  };
}

function toIdTag(row: Selectable<IdTagRow>): OwnedIdTag {
  return { idTag: row.id_tag, status: row.status as IdTagStatus, expiryDate: row.expiry_date, parentIdTag: row.parent_id_tag, operator: row.operator };
}

function toApiToken(row: Selectable<ApiTokenRow>): ApiToken {
  return { id: row.id, name: row.name, role: row.role, operator: row.operator, tokenHash: row.token_hash, createdAt: row.created_at, revokedAt: row.revoked_at, expiresAt: row.expires_at };
}

function toTransaction(row: Selectable<TransactionRow>): Transaction {
  return {
    id: num(row.id),
    chargePointId: row.charge_point_id,
    connectorId: row.connector_id,
    idTag: row.id_tag,
    idTagStatus: row.id_tag_status as IdTagStatus,
    startedAt: row.started_at,
    stoppedAt: row.stopped_at,
    meterStartWh: num(row.meter_start_wh),
    meterStopWh: numOrNull(row.meter_stop_wh),
    energyWh: numOrNull(row.energy_wh),
    energySource: row.energy_source as EnergySource,
    stopReason: row.stop_reason,
    stopIdTag: row.stop_id_tag,
    anomalies: JSON.parse(row.anomalies) as string[],
    reservationId: row.reservation_id,
    signedMeterStatus: row.signed_meter_status as SignedMeterStatus,
    signedMeterReason: row.signed_meter_reason,
    energyTail: row.energy_tail === null ? null : (JSON.parse(row.energy_tail) as EnergyTail),
  };
}

const transactionColumns: Record<keyof TransactionPatch, keyof TransactionRow> = {
  connectorId: 'connector_id',
  idTag: 'id_tag',
  idTagStatus: 'id_tag_status',
  startedAt: 'started_at',
  stoppedAt: 'stopped_at',
  meterStartWh: 'meter_start_wh',
  meterStopWh: 'meter_stop_wh',
  energyWh: 'energy_wh',
  energySource: 'energy_source',
  stopReason: 'stop_reason',
  stopIdTag: 'stop_id_tag',
  anomalies: 'anomalies',
  reservationId: 'reservation_id',
  signedMeterStatus: 'signed_meter_status',
  signedMeterReason: 'signed_meter_reason',
  energyTail: 'energy_tail',
};

/**
 * The columns a patch sets, in its order, and their values as stored, after `first` (the row's
 * id). Read with for…in straight into the two arrays the update needs: a row object, its entries
 * and its keys in between were about 0.2 KB per OCPP call of the throughput bench
 * (docs/PERFORMANCE.md, change 40).
 */
function transactionPatchColumns(patch: TransactionPatch, first: unknown): { columns: (keyof TransactionRow)[]; values: unknown[] } {
  const columns: (keyof TransactionRow)[] = [];
  const values: unknown[] = [first];
  for (const key in patch) {
    const value = patch[key as keyof TransactionPatch];
    if (value === undefined) continue;
    // JSON columns; a null tail stays SQL NULL, not the text "null".
    const json = key === 'anomalies' || (key === 'energyTail' && value !== null);
    columns.push(transactionColumns[key as keyof TransactionPatch]);
    values.push(json ? JSON.stringify(value) : value);
  }
  return { columns, values };
}

function toSample(row: Selectable<MeterSampleRow>): StoredMeterSample {
  return {
    chargePointId: row.charge_point_id,
    connectorId: row.connector_id,
    transactionId: numOrNull(row.transaction_id),
    timestamp: row.timestamp,
    value: row.value,
    measurand: row.measurand,
    unit: row.unit,
    context: row.context,
    format: row.format,
    location: row.location,
    phase: row.phase,
    signedIdentity: row.signed_identity,
  };
}

function toNumberedSample(row: Selectable<MeterSampleRow>): NumberedMeterSample {
  return { id: num(row.id), ...toSample(row) };
}

/**
 * A charge point's status history is read a connector at a time up to this many connectors (a
 * statement each, about 0.15 ms on SQLite); beyond it, in one statement that sorts its history.
 */
const MERGED_CONNECTORS_AT_MOST = 16;

/** Samples per INSERT: 12 columns each stays far below SQLite's 32,766 bound variables. */
const SAMPLE_CHUNK = 500;

/**
 * Each sample of a message with what identifies it across resends: a SHA-256 of everything in it,
 * and of how many times the message gave it before (numberedIdentityTexts).
 */
function hashedSamples(chargePointId: string, connectorId: number, transactionId: number | null, samples: readonly MeterSample[]): HashedSample[] {
  const identities = samples.map((s) => storedSampleIdentity(chargePointId, connectorId, transactionId, s));
  return numberedIdentityTexts(identities).map(({ text, repeat }, i) => ({ sample: samples[i] as MeterSample, hash: sha256(text, 'base64url'), repeat }));
}

/**
 * The sample's unique key: its time, then its hash. The time comes first so that live samples, all
 * stamped about now, land together at one end of the unique index; a bare hash (the key before
 * migration 0009) put each one on a random page of it, which every batch then wrote.
 */
function sampleKey(sample: MeterSample, hash: string): string {
  return `${sample.timestamp}|${hash}`;
}

interface HashedSample {
  sample: MeterSample;
  hash: string;
  /** A reading the message gave before (numbered). */
  repeat: boolean;
}

/** What migration 0009 recorded, read once per database: undefined until then. */
interface LegacySampleKeys {
  /** The newest sample time stored with a bare-hash key; null when there is none. */
  newest?: string | null;
}

function toJournalRow(row: Selectable<FrameJournalRow>): JournalRow {
  return {
    seq: num(row.seq),
    at: row.at,
    chargePointId: row.charge_point_id,
    direction: row.direction as JournalRow['direction'],
    protocol: row.transport,
    frame: Buffer.from(row.frame),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** Values per meter_samples row in insertSamples. */
const SAMPLE_COLUMNS = 13;

/** Journal rows per INSERT statement. */
const JOURNAL_CHUNK = 1000;

/** The little that differs between databases beyond what Kysely's dialects already cover. */
export interface DialectHooks {
  /**
   * Makes the calling transaction the only journal writer until it ends, across every process
   * sharing the database (PostgreSQL: an advisory lock), then reads the journal's last hash
   * (undefined when it is empty). Without it the head is read directly: SQLite has one writer at
   * a time anyway.
   */
  lockedJournalHead?(db: Kysely<Database>): Promise<string | undefined>;
  /**
   * Waits until every transaction that was writing the table when it was called has ended, and
   * tells whether there was one (a page read with a cursor: Store.listEvents, listTransactions).
   * Where writers commit side by side (PostgreSQL); SQLite has one, which commits in id order.
   */
  writersDone?(db: Kysely<Database>, table: CursorTable): Promise<boolean>;
  /**
   * Writes the last-seen times of a batch's charge points (ids sorted, `ats` in step) in one
   * statement, where a statement is a round trip (PostgreSQL). Without it, one prepared statement
   * per charge point. Either way a later time already stored stays.
   */
  writeLastSeen?(db: Kysely<Database>, ids: readonly string[], ats: readonly string[]): Promise<void>;
  /**
   * Meter samples and journal rows are inserted one row per statement, by one prepared statement,
   * instead of many rows per statement. SQLite: a multi-row VALUES with ON CONFLICT took three
   * times as long as the same rows inserted one by one (docs/PERFORMANCE.md), and a statement
   * costs no round trip. PostgreSQL keeps many rows per statement to save round trips.
   */
  singleRowInserts?: boolean;
  /**
   * The journal's index by charge point is a table written in arrears (migration 0011), not an
   * index written with every row. SQLite: each commit wrote a page of that index per charge point
   * in the batch, 60 % of its pages. PostgreSQL keeps the index: there the arrears measured
   * 0.91 × the calls per second (docs/PERFORMANCE.md, change 31).
   */
  journalIndexInArrears?: boolean;
  /**
   * Told the SQL text of each hot-path shape (prepared-queries.ts) once, when it is compiled: a
   * dialect whose database plans each statement it receives as text (PostgreSQL) has these
   * prepared once per connection instead. They are a bounded set; other queries are not.
   */
  hotStatement?(sql: string): void;
  /**
   * A unit's read of a row it is about to change locks that row until its batch commits (`for no
   * key update`, the lock an UPDATE takes, which lets rows referring to it be inserted): PostgreSQL, where the batches of several nodes run side by side, and a charge point
   * that moved to another node with a call still being stored on the first may have its next call
   * handled there meanwhile. The later unit waits, then works on what the first one stored. SQLite
   * has one writer at a time.
   */
  rowLocks?: boolean;
  /**
   * Runs a hot statement of a batch on the connection that holds the batch's transaction, without
   * Kysely's query pipeline (SQLite: at once, on the one connection; Kysely's per-query connection
   * lock and promise chain cost more than most of these statements). Used only inside a batch,
   * where that connection is already held: a read outside one keeps going through Kysely, which
   * waits for the batch to commit rather than seeing its writes.
   */
  runInTransaction?: QueryRunner;
}

/**
 * Ids in one statement's IN list: both databases cap a statement's parameters (SQLite at 32,766,
 * PostgreSQL at 65,535), and a list of a national network's charge points can pass either. A power
 * of two, so that getChargePoints' padded shapes end at it.
 */
const IDS_PER_STATEMENT = 512;

/**
 * `folded` (an upper-cased tag column) equal to `upper(?)` of one of the spellings of an id tag
 * (idTagSpellings): the first in slot `first`, the others from slot `rest` on. A tag of one
 * spelling is the one comparison it always was.
 */
function sameTag(folded: Expression<string>, slot: SlotOf, first: number, count: number, rest: number): Expression<SqlBool> {
  const upper = (n: number) => sql<string>`upper(${slot<string>(n)})`;
  if (count === 1) return sql<SqlBool>`${folded} = ${upper(first)}`;
  const list = [first, ...Array.from({ length: count - 1 }, (_, i) => rest + i)].map(upper);
  return sql<SqlBool>`${folded} in (${sql.join(list)})`;
}

/** The ids of the charge points an operator holds, as a subquery: what its lists of sessions, events and campaigns are narrowed by. */
function chargePointsHeldBy(db: Kysely<Database>, operator: string) {
  return db.selectFrom('charge_points').select('charge_points.id').where('charge_points.operator', '=', operator);
}

/** A campaign's row: the columns it is listed and filtered by, and the whole record as JSON. */
function validationRow(v: Validation) {
  return { charge_point_id: v.chargePointId, status: v.status, verdict: v.verdict, started_at: v.startedAt, finished_at: v.finishedAt, data: JSON.stringify(v) };
}

export class SqlQueries implements StoreWriter {
  /** `journalKey`: the HMAC key of the journal chain, when one is configured. */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly journalKey?: string,
    private readonly hooks: DialectHooks = {},
    /** Shared by every handle of one database, so each hot shape compiles once. */
    private readonly prepared = new PreparedQueries(hooks.hotStatement),
    /** This handle is a batch's transaction (see DialectHooks.runInTransaction). */
    private readonly inBatch = false,
    /** Shared by every handle of one database, like `prepared`. */
    private readonly legacyKeys: LegacySampleKeys = {},
  ) {}

  /** The same queries over a batch's transaction of the same database. */
  protected queriesOn(tx: Kysely<Database>): SqlQueries {
    return new SqlQueries(tx, this.journalKey, this.hooks, this.prepared, true, this.legacyKeys);
  }

  /** Runs a hot-path query shape compiled once (prepared-queries.ts). */
  private run<R>(key: string, build: (db: Kysely<Database>, slot: SlotOf) => Compilable<R>, values: readonly unknown[]) {
    return this.prepared.run<Database, R>(this.db, key, build, values, this.inBatch ? this.hooks.runInTransaction : undefined);
  }

  /**
   * The charge points of these ids, in no order. One prepared shape per power of two up to
   * IDS_PER_STATEMENT ids (the list padded with its first id), so that reads of any number of ids
   * keep ten statement texts: SQLite's statement cache and PostgreSQL's named statements hold each once.
   */
  async getChargePoints(ids: readonly string[]): Promise<ChargePoint[]> {
    const found: ChargePoint[] = [];
    for (let from = 0; from < ids.length; from += IDS_PER_STATEMENT) {
      const slice = ids.slice(from, from + IDS_PER_STATEMENT);
      let size = 1;
      while (size < slice.length) size *= 2;
      const padded = Array.from({ length: size }, (_, i) => slice[i] ?? slice[0]);
      const { rows } = await this.run(
        `getChargePoints:${size}`,
        (db, slot) => db.selectFrom('charge_points').selectAll().where('id', 'in', padded.map((_, i) => slot<string>(i))),
        padded,
      );
      found.push(...rows.map(toChargePoint));
    }
    return found;
  }

  async getChargePoint(id: string): Promise<ChargePoint | undefined> {
    const { rows } = await this.run('getChargePoint', (db, slot) => db.selectFrom('charge_points').selectAll().where('id', '=', slot(0)), [id]);
    return rows[0] && toChargePoint(rows[0]);
  }

  async listChargePoints(filter: ChargePointFilter = {}): Promise<ChargePoint[]> {
    if (filter.ids?.length === 0) return [];
    if (filter.ids !== undefined && filter.ids.length > IDS_PER_STATEMENT) {
      const { ids, limit, ...rest } = filter;
      const found: ChargePoint[] = [];
      for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) found.push(...(await this.listChargePoints({ ...rest, ids: ids.slice(i, i + IDS_PER_STATEMENT) })));
      found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return limit === undefined ? found : found.slice(0, limit);
    }
    let query = this.db.selectFrom('charge_points').selectAll();
    if (filter.operator !== undefined) query = query.where('operator', '=', filter.operator);
    if (filter.ids !== undefined) query = query.where('id', 'in', filter.ids);
    if (filter.afterId !== undefined) query = query.where('id', '>', filter.afterId);
    query = query.orderBy('id');
    if (filter.limit !== undefined) query = query.limit(filter.limit);
    return (await query.execute()).map(toChargePoint);
  }

  async listChargePointProtocols(): Promise<ChargePointProtocol[]> {
    const rows = await this.db.selectFrom('charge_points').select(['id', 'ocpp_version', 'transport']).execute();
    return rows.map((row) => ({ id: row.id, ocppVersion: row.ocpp_version as OcppVersion | null, transport: row.transport as Transport | null }));
  }

  async listChargePointOwners(): Promise<ChargePointOwner[]> {
    const rows = await this.db.selectFrom('charge_points').select(['id', 'operator']).execute();
    return rows.map((row) => ({ id: row.id, operator: row.operator }));
  }

  async listConnectors(chargePointIds?: string | readonly string[]): Promise<Connector[]> {
    if (Array.isArray(chargePointIds) && chargePointIds.length === 0) return [];
    let query = this.db.selectFrom('connectors').selectAll();
    if (typeof chargePointIds === 'string') query = query.where('charge_point_id', '=', chargePointIds);
    else if (chargePointIds !== undefined) query = query.where('charge_point_id', 'in', chargePointIds);
    const rows = await query.orderBy('charge_point_id').orderBy('connector_id').execute();
    return rows.map((row) => ({
      chargePointId: row.charge_point_id,
      connectorId: row.connector_id,
      status: row.status as ConnectorStatus,
      errorCode: row.error_code,
      info: row.info,
      updatedAt: row.updated_at,
    }));
  }

  async getIdTag(idTag: string): Promise<OwnedIdTag | undefined> {
    const { rows } = await this.run('getIdTag', (db, slot) => db.selectFrom('id_tags').selectAll().where('id_tag_key', '=', slot(0)), [idTag.toUpperCase()]);
    return rows[0] && toIdTag(rows[0]);
  }

  async listIdTags(filter: IdTagFilter = {}): Promise<OwnedIdTag[]> {
    let query = this.db.selectFrom('id_tags').selectAll();
    if (filter.operator !== undefined) query = query.where('operator', '=', filter.operator);
    if (filter.afterIdTag !== undefined) query = query.where('id_tag_key', '>', filter.afterIdTag.toUpperCase());
    query = query.orderBy('id_tag_key');
    if (filter.limit !== undefined) query = query.limit(filter.limit);
    const rows = await query.execute();
    return rows.map(toIdTag);
  }

  async getOperator(id: string): Promise<Operator | undefined> {
    const row = await this.db.selectFrom('operators').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, name: row.name, kind: row.kind as OperatorKind, createdAt: row.created_at };
  }

  async listOperators(): Promise<Operator[]> {
    const rows = await this.db.selectFrom('operators').selectAll().orderBy('id').execute();
    return rows.map((row) => ({ id: row.id, name: row.name, kind: row.kind as OperatorKind, createdAt: row.created_at }));
  }

  async operatorInUse(id: string): Promise<boolean> {
    const uses = await Promise.all(
      (['charge_points', 'id_tags', 'api_tokens'] as const).map((table) =>
        this.db.selectFrom(table).select(sql<number>`1`.as('one')).where('operator', '=', id).limit(LIMIT_ONE).executeTakeFirst(),
      ),
    );
    return uses.some((row) => row !== undefined);
  }

  async getTransaction(id: number): Promise<Transaction | undefined> {
    const { rows } = await this.run('getTransaction', (db, slot) => db.selectFrom('transactions').selectAll().where('id', '=', slot(0)), [id]);
    return rows[0] && toTransaction(rows[0]);
  }

  async getTransactionToChange(id: number): Promise<Transaction | undefined> {
    if (!this.hooks.rowLocks) return this.getTransaction(id);
    const { rows } = await this.run('getTransactionToChange', (db, slot) => db.selectFrom('transactions').selectAll().where('id', '=', slot(0)).forNoKeyUpdate(), [id]);
    return rows[0] && toTransaction(rows[0]);
  }

  async getChargePointToChange(id: string): Promise<ChargePoint | undefined> {
    if (!this.hooks.rowLocks) return this.getChargePoint(id);
    const { rows } = await this.run('getChargePointToChange', (db, slot) => db.selectFrom('charge_points').selectAll().where('id', '=', slot(0)).forNoKeyUpdate(), [id]);
    return rows[0] && toChargePoint(rows[0]);
  }

  async lockIdTag(idTag: string): Promise<void> {
    if (!this.hooks.rowLocks) return;
    // A lock on the tag, not on a row: a tag may start sessions without a row of its own (a
    // parent's, or none at all), and the running sessions it is checked against are the ones this
    // would have to lock, which do not exist yet. Keyed by schema, as the journal's lock is, so
    // that two schemas of one database (two networks, or tests) never wait on each other.
    await this.run(
      'lockIdTag',
      (db, slot) => db.selectNoFrom(sql<string>`pg_advisory_xact_lock(hashtext('tomada.id_tag.' || current_schema()), hashtext(${slot<string>(0)}))::text`.as('locked')),
      [idTag.toUpperCase()],
    );
  }

  async lockChargePoint(id: string): Promise<void> {
    if (!this.hooks.rowLocks) return;
    await this.run('lockChargePoint', (db, slot) => db.selectFrom('charge_points').select('id').where('id', '=', slot(0)).forNoKeyUpdate(), [id]);
  }

  async findTransactionByStart(
    chargePointId: string,
    connectorId: number,
    idTag: string,
    startedAt: string,
    meterStartWh: number,
  ): Promise<Transaction | undefined> {
    const spellings = idTagSpellings(idTag);
    const { rows } = await this.run(
      `findTransactionByStart:${spellings.length}`,
      (db, slot) =>
        db
          .selectFrom('transactions')
          .selectAll()
          .where('charge_point_id', '=', slot(0))
          .where('connector_id', '=', slot(1))
          // OCPP's IdToken is case-insensitive: a start resent with its tag in another case is the
          // same start, compared as the id tags and ConcurrentTx compare tags. Written so that no
          // index serves it (the walk in listTransactions does the same): SQLite otherwise read every
          // session of the tag through transactions_by_id_tag (a charger's fixed tag for free
          // charging has thousands), not the few of that instant through the index on started_at.
          .where(sameTag(sql<string>`upper(${sql.ref('id_tag')} || '')`, slot, 2, spellings.length, 5))
          .where('started_at', '=', slot(3))
          .where('meter_start_wh', '=', slot(4))
          // The first: a store of a version that compared the tag's case may hold a second.
          .orderBy('id')
          .limit(LIMIT_ONE),
      [chargePointId, connectorId, spellings[0], startedAt, meterStartWh, ...spellings.slice(1)],
    );
    return rows[0] && toTransaction(rows[0]);
  }

  async listTransactions(filter: TransactionFilter): Promise<Transaction[]> {
    const transactions = await this.readTransactions(filter);
    // TransactionFilter.settled: a client's walk, which must not pass a session still to commit.
    if (!filter.settled || filter.afterId === undefined) return transactions;
    return this.settledPage('transactions', transactions, () => this.readTransactions(filter));
  }

  /**
   * A page read with an id cursor (rows after it, in id order), as it stands once every writer of
   * `table` in flight has ended: such a writer may hold a row with a lower id than one the page
   * has, which would commit behind the cursor and never be read. Inside a batch no one follows a
   * cursor, and waiting there could wait on the batch itself.
   */
  private async settledPage<T extends { id: number }>(table: CursorTable, page: T[], readAgain: () => Promise<T[]>): Promise<T[]> {
    if (this.inBatch || page.length === 0) return page;
    if (!(await this.hooks.writersDone?.(this.db, table))) return page;
    const last = page.at(-1)!.id;
    return (await readAgain()).filter((row) => row.id <= last);
  }

  private async readTransactions(filter: TransactionFilter): Promise<Transaction[]> {
    // One shape per combination of the filters given (and of `active`'s value).
    // With a start-time cursor, the period's start and the cursor make one lower bound: given as
    // two, SQLite ranged the index from the period's start and stepped over every row already read.
    // A cursor before the period's start is the start itself (ids begin at 1, so (from, 0) takes
    // every session started at `from`).
    const after = filter.afterStart && (filter.from !== undefined && filter.from > filter.afterStart.startedAt ? { startedAt: filter.from, id: 0 } : filter.afterStart);
    const from = after ? undefined : filter.from;
    const spellings = filter.idTag === undefined ? [] : idTagSpellings(filter.idTag);
    const values = [filter.chargePointId, filter.operator, filter.afterId, filter.idTag, from, filter.to, filter.limit ?? DEFAULT_TRANSACTIONS_LIMIT, after?.startedAt, after?.id, ...spellings.slice(1)];
    const byId = filter.chargePointId === undefined && filter.idTag === undefined && from === undefined && filter.to === undefined && !after && filter.active !== true;
    // By start time (a period's newest, an export's pages): the start-time index walked, or the
    // operator's sessions gathered by charge point and sorted, chosen as for a read by id. SQLite
    // gathered for every operator, and the period did not bound it: the newest 200 of a month of an
    // operator of 8,000 of 13,000 charge points took 5.5 s, every page of its export 4 s, the
    // node's event loop held throughout (1 million sessions; 13 ms and 14 ms walking).
    const byStart = filter.chargePointId === undefined && filter.idTag === undefined && filter.afterId === undefined && filter.active !== true && !byId;
    const read = filter.operator !== undefined && (byId || byStart) ? await this.operatorRowsRead(filter.operator, filter.limit ?? DEFAULT_TRANSACTIONS_LIMIT) : undefined;
    // By start time, gathering is the query as written (its order is the start time, not `id + 0`).
    const operatorRead = read === undefined || (byStart && read === 'gather') ? '' : read;
    const key = `listTransactions:${values.slice(0, 6).map((v) => (v === undefined ? 0 : 1)).join('')}:${filter.active ?? ''}:${after ? 'start' : ''}:${operatorRead}:${spellings.length}:${filter.limit === undefined ? 'default' : ''}`;
    const { rows } = await this.run(
      key,
      (db, slot) => {
        // No limit asked (a StartTransaction's look for the tag's other sessions, on the hot path):
        // the default in the text, as LIMIT_ONE; a bound one made that read about 3 times slower.
        const limit = filter.limit === undefined ? sql.lit(DEFAULT_TRANSACTIONS_LIMIT) : slot<number>(6);
        let query = db.selectFrom('transactions').selectAll();
        if (filter.chargePointId !== undefined) query = query.where('charge_point_id', '=', slot(0));
        if (filter.operator !== undefined) {
          const ofOperator = chargePointsHeldBy(db, slot<string>(1));
          // walk: the charge point as an expression, which no index serves, so the sessions are
          // read newest first by id and the read stops at a full page (SQLite would otherwise
          // gather and sort every session of the operator's charge points).
          if (operatorRead === 'walk') query = query.where(sql<string>`(${sql.ref('charge_point_id')} || '')`, 'in', ofOperator);
          else query = query.where('charge_point_id', 'in', ofOperator);
        }
        if (filter.afterId !== undefined) query = query.where('id', '>', slot(2));
        if (filter.active === true) query = query.where('stopped_at', 'is', null);
        if (filter.active === false) query = query.where('stopped_at', 'is not', null);
        // Both sides upper-cased by the database: SQLite's upper() changes ASCII letters only, so a
        // tag upper-cased here (JavaScript changes every letter) never matched one with a
        // lowercase accented letter, not even itself (a card could charge twice at once).
        // Every spelling of the tag that differs in the case of a letter outside ASCII, which
        // SQLite's upper() leaves as it is (id-tag-spellings.ts).
        if (filter.idTag !== undefined) query = query.where(sameTag(sql<string>`upper(${sql.ref('id_tag')})`, slot, 3, spellings.length, 9));
        if (from !== undefined) query = query.where('started_at', '>=', slot(4));
        if (filter.to !== undefined) query = query.where('started_at', '<', slot(5));
        if (after) {
          // The leading column alone as well: a range both stores read from the start-time index.
          query = query
            .where('started_at', '>=', slot<string>(7))
            .where((eb) => eb(eb.refTuple('started_at', 'id'), '>', eb.tuple(slot<string>(7), slot<number>(8))));
          return query.orderBy('started_at', 'asc').orderBy('id', 'asc').limit(limit);
        }
        // gather: ordered by an expression, which no index serves, so the operator's sessions are
        // found by charge point and sorted (PostgreSQL would otherwise walk every session by id).
        if (operatorRead === 'gather') return query.orderBy(sql`${sql.ref('id')} + 0`, filter.afterId !== undefined ? 'asc' : 'desc').limit(limit);
        if (filter.afterId !== undefined) return query.orderBy('id', 'asc').limit(limit);
        // The newest of a period by start time: a page from the end of the start-time index's
        // range. By id, every session of the period was read and sorted for one page.
        if (from !== undefined || filter.to !== undefined) return query.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit);
        return query.orderBy('id', 'desc').limit(limit);
      },
      values,
    );
    return rows.map(toTransaction);
  }

  /**
   * How to read a page of an operator's sessions (or events) by id. `walk` reads all rows newest
   * first and keeps the operator's until the page is full: about `limit / share` rows, for the share
   * of the network's charge points it holds. `gather` reads every row of its charge points and
   * sorts them: about `share × rows` rows. Each store's planner picked one for every operator
   * (SQLite gather, PostgreSQL walk), and the other end of the range grew with the network's
   * history: 132 ms on SQLite for an operator of 8,000 of 13,000 charge points, 69 ms on PostgreSQL
   * for one of 9, among 2.5 million sessions (bench/operator-newest.ts). Walk when share² × rows >
   * limit, where the two costs cross; the highest id stands for the count of rows.
   */
  private async operatorRowsRead(operator: string, limit: number, table: CursorTable = 'transactions'): Promise<'walk' | 'gather'> {
    const { rows } = await this.run(
      `operatorShare:${table}`,
      (db, slot) =>
        db
          .selectNoFrom((eb) => [
            eb.selectFrom('charge_points').select((e) => e.fn.countAll<number>().as('n')).where('operator', '=', slot<string>(0)).as('held'),
            eb.selectFrom('charge_points').select((e) => e.fn.countAll<number>().as('n')).as('all'),
            eb.selectFrom(table).select((e) => e.fn.max<number>('id').as('n')).as('rows'),
          ]),
      [operator],
    );
    const held = Number(rows[0]?.held ?? 0);
    const all = Number(rows[0]?.all ?? 0);
    const count = Number(rows[0]?.rows ?? 0);
    if (held === 0 || all === 0) return 'gather';
    const share = held / all;
    return share * share * count > limit ? 'walk' : 'gather';
  }

  async listTransactionSamples(transactionId: number, only?: SampleSelection): Promise<StoredMeterSample[]> {
    const measurands = only?.measurands ?? [];
    const formats = only?.formats ?? [];
    const { rows } = await this.run(
      only ? `listTransactionSamples:${measurands.length}:${formats.length}` : 'listTransactionSamples',
      (db, slot) => {
        let query = db.selectFrom('meter_samples').selectAll().where('transaction_id', '=', slot(0));
        if (only) {
          const measurandSlots = measurands.map((_, i) => slot<string>(1 + i));
          const formatSlots = formats.map((_, i) => slot<string>(1 + measurands.length + i));
          query = query.where((eb) => eb.or([eb('measurand', 'in', measurandSlots), eb('format', 'in', formatSlots)]));
        }
        return query.orderBy('timestamp').orderBy('id');
      },
      [transactionId, ...measurands, ...formats],
    );
    return rows.map(toSample);
  }

  async getSample(id: number): Promise<NumberedMeterSample | undefined> {
    const row = await this.db.selectFrom('meter_samples').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toNumberedSample(row);
  }

  async listSessionlessSamples(chargePointId: string, { connectorId, measurand, from, to, after, newestFirst, limit }: SessionlessSampleQuery): Promise<NumberedMeterSample[]> {
    // Every condition is on the rows of the partial index meter_samples_sessionless (migration
    // 0017: charge point, time, id, of samples without a transaction), so a page is a range of it,
    // read forwards or backwards.
    let query = this.db.selectFrom('meter_samples').selectAll().where('charge_point_id', '=', chargePointId).where('transaction_id', 'is', null);
    if (connectorId !== undefined) query = query.where('connector_id', '=', connectorId);
    if (measurand !== undefined) query = query.where('measurand', '=', measurand);
    // The cursor and the period's bound on the side the page moves towards make one bound, as in
    // listTransactions: given as two, SQLite ranged the index from the period's bound and stepped
    // over every row already read.
    if (newestFirst) {
      if (from !== undefined) query = query.where('timestamp', '>=', from);
      if (after && !(to !== undefined && to <= after.timestamp)) {
        query = query
          .where('timestamp', '<=', after.timestamp)
          .where((eb) => eb(eb.refTuple('timestamp', 'id'), '<', eb.tuple(after.timestamp, after.id)));
      } else if (to !== undefined) query = query.where('timestamp', '<', to);
    } else {
      if (to !== undefined) query = query.where('timestamp', '<', to);
      if (after && !(from !== undefined && from > after.timestamp)) {
        query = query
          .where('timestamp', '>=', after.timestamp)
          .where((eb) => eb(eb.refTuple('timestamp', 'id'), '>', eb.tuple(after.timestamp, after.id)));
      } else if (from !== undefined) query = query.where('timestamp', '>=', from);
    }
    const direction = newestFirst ? 'desc' : 'asc';
    const rows = await query.orderBy('timestamp', direction).orderBy('id', direction).limit(limit).execute();
    return rows.map(toNumberedSample);
  }

  async findSignedElsewhere(transactionId: number, identities: readonly string[]): Promise<Set<string>> {
    if (identities.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('meter_samples')
      .select('signed_identity')
      .distinct()
      .where('signed_identity', 'in', [...new Set(identities)])
      // Another transaction's: a copy kept outside any session (a firmware that sends the begin
      // reading before it has the transaction's id) is no other transaction's, and was a replay
      // until 2026-12-07.
      .where('transaction_id', '!=', transactionId)
      .execute();
    return new Set(rows.map((row) => row.signed_identity!));
  }

  async listEvents(filter: EventFilter): Promise<StoredEvent[]> {
    const events = await this.readEvents(filter);
    // A cursor's page must not pass an event still to commit (Store.listEvents).
    if (filter.afterId === undefined) return events;
    return this.settledPage('events', events, () => this.readEvents(filter));
  }

  private async readEvents(filter: EventFilter): Promise<StoredEvent[]> {
    const limit = filter.limit ?? 100;
    // An operator's events, all types: walked by id when it holds much of the network, as its
    // sessions are (operatorRowsRead). SQLite gathered every event of its charge points and sorted
    // them for each page: 369 ms for an operator of 8,000 of 13,000 charge points among 1 million
    // events (the dashboard's Events page with its token), growing with the history.
    const walk = filter.operator !== undefined && filter.chargePointId === undefined && filter.type === undefined && (await this.operatorRowsRead(filter.operator, limit, 'events')) === 'walk';
    let query = this.db.selectFrom('events').selectAll('events');
    if (filter.chargePointId !== undefined) query = query.where('events.charge_point_id', '=', filter.chargePointId);
    if (filter.type !== undefined) query = query.where('events.type', '=', filter.type);
    if (filter.operator !== undefined) {
      // walk: the charge point as an expression, which no index serves, so the events are read by id.
      const ref = walk ? sql<string>`(${sql.ref('events.charge_point_id')} || '')` : sql.ref<string>('events.charge_point_id');
      query = query.where(ref, 'in', chargePointsHeldBy(this.db, filter.operator));
    }
    if (filter.afterId !== undefined) query = query.where('events.id', '>', filter.afterId);
    const rows = await query
      .orderBy('events.id', filter.afterId === undefined ? 'desc' : 'asc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: num(row.id),
      at: row.at,
      chargePointId: row.charge_point_id,
      type: row.type,
      data: JSON.parse(row.data) as Record<string, unknown>,
    }));
  }

  async getValidation(id: string): Promise<Validation | undefined> {
    const row = await this.db.selectFrom('validations').select('data').where('id', '=', id).executeTakeFirst();
    return row && (JSON.parse(row.data) as Validation);
  }

  async listValidations(filter: ValidationFilter): Promise<Validation[]> {
    let query = this.db.selectFrom('validations').select('data');
    if (filter.chargePointId !== undefined) query = query.where('charge_point_id', '=', filter.chargePointId);
    if (filter.operator !== undefined) query = query.where('charge_point_id', 'in', chargePointsHeldBy(this.db, filter.operator));
    // The running ones are found through the partial index of migration 0025, with no limit (ValidationFilter.running).
    if (filter.running === true) query = query.where('status', '=', 'running');
    else query = query.limit(filter.limit ?? 50);
    const rows = await query.orderBy('started_at', 'desc').orderBy('id').execute();
    return rows.map((row) => JSON.parse(row.data) as Validation);
  }

  async listChargePointsWithSessionsLeftRunning(): Promise<string[]> {
    const rows = await this.db.selectFrom('validation_sessions_left_running').select('charge_point_id').distinct().execute();
    return rows.map((row) => row.charge_point_id);
  }

  async listSessionsLeftRunning(chargePointId: string): Promise<SessionLeftRunning[]> {
    const rows = await this.db
      .selectFrom('validation_sessions_left_running')
      .select(['validation_id', 'transaction_id'])
      .where('charge_point_id', '=', chargePointId)
      .orderBy('transaction_id')
      .execute();
    return rows.map((row) => ({ validationId: row.validation_id, transactionId: Number(row.transaction_id) }));
  }

  async listValidatedSoftware(): Promise<ValidatedSoftware[]> {
    const rows = await this.db.selectFrom('validated_software').selectAll().orderBy('approved_at').orderBy('id').execute();
    return rows.map(toValidatedSoftware);
  }

  async findValidatedSoftware(identity: SoftwareIdentity): Promise<ValidatedSoftware | undefined> {
    // Read at every boot (the network's validated-software rule), so a hot-path shape: built by
    // Kysely once, not at each of a reconnection storm's boots.
    const { rows } = await this.run(
      'findValidatedSoftware',
      (db, slot) =>
        db
          .selectFrom('validated_software')
          .selectAll()
          .where('vendor', '=', slot(0))
          .where('model', '=', slot(1))
          .where('firmware_version', '=', slot(2))
          .where('ocpp_version', '=', slot(3))
          .where('transport', '=', slot(4)),
      [identity.vendor, identity.model, identity.firmwareVersion, identity.ocppVersion, identity.transport],
    );
    return rows[0] && toValidatedSoftware(rows[0]);
  }

  async getWebhook(operator: string): Promise<Webhook | undefined> {
    const row = await this.db.selectFrom('webhooks').selectAll().where('operator', '=', operator).executeTakeFirst();
    return row && toWebhook(row);
  }

  async listWebhooks(): Promise<Webhook[]> {
    return (await this.db.selectFrom('webhooks').selectAll().orderBy('operator').execute()).map(toWebhook);
  }

  async findApiTokenByHash(tokenHash: string): Promise<ApiToken | undefined> {
    const row = await this.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).where('revoked_at', 'is', null).executeTakeFirst();
    return row && toApiToken(row);
  }

  async getApiToken(id: string): Promise<ApiToken | undefined> {
    const row = await this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toApiToken(row);
  }

  async listApiTokens(filter: OperatorFilter = {}): Promise<ApiToken[]> {
    let query = this.db.selectFrom('api_tokens').selectAll();
    if (filter.operator !== undefined) query = query.where('operator', '=', filter.operator);
    const rows = await query.orderBy('created_at').orderBy('id').execute();
    return rows.map(toApiToken);
  }

  async listJournal(range: JournalRange): Promise<JournalRow[]> {
    let query = this.db.selectFrom('frame_journal').selectAll();
    if (range.afterSeq !== undefined) query = query.where('seq', '>', range.afterSeq);
    if (range.untilSeq !== undefined) query = query.where('seq', '<=', range.untilSeq);
    const rows = await query.orderBy('seq').limit(range.limit).execute();
    return rows.map(toJournalRow);
  }

  async statusHistory(chargePointId: string, { connectorId, beforeId, limit }: StatusHistoryQuery): Promise<StatusHistoryEntry[]> {
    // The page's upper bound first: a report that commits while the page is read (one statement
    // per connector) gets a higher id, so every statement reads the same set (on one node, where
    // ids are given in commit order), and the next page's cursor passes nothing.
    const upTo =
      beforeId ??
      num((await this.db.selectFrom('connector_status_history').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst())?.id ?? 0) + 1;
    const rows = (connector?: number) => {
      let query = this.db.selectFrom('connector_status_history').selectAll().where('charge_point_id', '=', chargePointId).where('id', '<', upTo);
      if (connector !== undefined) query = query.where('connector_id', '=', connector);
      return query.orderBy('id', 'desc').limit(limit).execute();
    };
    // One range of the history's index (charge point, connector, id) per connector, newest first,
    // merged: ordered by id across connectors, SQLite sorts the charge point's whole history for
    // every page (docs/PERFORMANCE-LOG.md). Every report also writes its connector's current state,
    // so the connectors table names them all. A charge point that reported more connector ids than
    // any real one has gets the one sorted statement instead of a statement per id.
    const connectors =
      connectorId !== undefined
        ? [connectorId]
        : (await this.db.selectFrom('connectors').select('connector_id').where('charge_point_id', '=', chargePointId).execute()).map((row) => row.connector_id);
    let found;
    if (connectors.length > MERGED_CONNECTORS_AT_MOST) found = await rows();
    else {
      // One after the other: on PostgreSQL, side by side they would take as many of the pool's
      // connections, which the charge points' admissions need.
      found = [];
      for (const connector of connectors) found.push(...(await rows(connector)));
    }
    return found
      .map((row) => ({
        id: num(row.id),
        connectorId: row.connector_id,
        status: row.status as ConnectorStatus,
        errorCode: row.error_code,
        info: row.info,
        vendorId: row.vendor_id,
        vendorErrorCode: row.vendor_error_code,
        reportedAt: row.reported_at,
        receivedAt: row.received_at,
      }))
      .sort((a, b) => b.id - a.id)
      .slice(0, limit);
  }

  async recentJournal(chargePointId: string, limit: number): Promise<JournalRow[]> {
    // Where the index is written in arrears, the mark first: every row up to it stays in the index
    // for good, and the rows after it are read from the journal itself, so none is missed or read
    // twice whatever is indexed meanwhile.
    const indexedUpTo = this.hooks.journalIndexInArrears ? await this.journalIndexMark() : undefined;
    let latestQuery = this.db.selectFrom('frame_journal').selectAll().where('charge_point_id', '=', chargePointId);
    if (indexedUpTo !== undefined) latestQuery = latestQuery.where('seq', '>', indexedUpTo);
    const latest = await latestQuery.orderBy('seq', 'desc').limit(limit).execute();
    if (indexedUpTo === undefined || latest.length >= limit) return latest.map(toJournalRow);
    const earlier = await this.db
      .selectFrom('journal_charge_points as i')
      .innerJoin('frame_journal as j', 'j.seq', 'i.seq')
      .selectAll('j')
      .where('i.charge_point_id', '=', chargePointId)
      .where('i.seq', '<=', indexedUpTo)
      .orderBy('i.seq', 'desc')
      .limit(limit - latest.length)
      .execute();
    return [...latest, ...earlier].map(toJournalRow);
  }

  /** The last journal row in the index written in arrears (migration 0011). */
  private async journalIndexMark(): Promise<number> {
    const { rows } = await this.run('journalIndexMark', (db) => db.selectFrom('journal_index_mark').select('seq'), []);
    return rows[0] === undefined ? 0 : num(rows[0].seq);
  }

  async journalSeqBounds(range: { from?: string; to?: string }): Promise<{ first: number | undefined; last: number | undefined }> {
    let first = this.db.selectFrom('frame_journal').select((eb) => eb.fn.min<number | string>('seq').as('seq'));
    if (range.from !== undefined) first = first.where('at', '>=', range.from);
    let last = this.db.selectFrom('frame_journal').select((eb) => eb.fn.max<number | string>('seq').as('seq'));
    if (range.to !== undefined) last = last.where('at', '<', range.to);
    const [a, b] = await Promise.all([first.executeTakeFirst(), last.executeTakeFirst()]);
    return { first: a?.seq == null ? undefined : num(a.seq), last: b?.seq == null ? undefined : num(b.seq) };
  }

  async journalRowBefore(seq: number): Promise<JournalRow | undefined> {
    const row = await this.db.selectFrom('frame_journal').selectAll().where('seq', '<', seq).orderBy('seq', 'desc').limit(LIMIT_ONE).executeTakeFirst();
    return row && toJournalRow(row);
  }

  async lastRowBeforeNumberedRepeats(): Promise<number> {
    const row = await this.db.selectFrom('numbered_repeats_mark').select('seq').executeTakeFirst();
    return row === undefined ? 0 : num(row.seq);
  }

  async lastRowBeforeConvertedReadings(): Promise<number> {
    const row = await this.db.selectFrom('converted_readings_mark').select('seq').executeTakeFirst();
    return row === undefined ? 0 : num(row.seq);
  }

  /**
   * Writes the last-seen times noted for a batch (SqlStore.noteSeen). A time later than the one
   * noted may be stored already (a boot in the same batch, another node): it stays. The times are
   * all Date.toISOString()'s fixed format, so they compare as text.
   */
  async writeLastSeen(seen: ReadonlyMap<string, string>): Promise<void> {
    if (seen.size === 0) return;
    // In the same order on every node, so that two batches never wait on each other's rows.
    const ids = [...seen.keys()].sort();
    if (this.hooks.writeLastSeen) return this.hooks.writeLastSeen(this.db, ids, ids.map((id) => seen.get(id)!));
    for (const id of ids) {
      await this.run(
        'writeLastSeen',
        (db, slot) =>
          db
            .updateTable('charge_points')
            .set({ last_seen_at: slot<string>(1) })
            .where('id', '=', slot<string>(0))
            .where((eb) => eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', slot<string>(1))])),
        [id, seen.get(id)!],
      );
    }
  }

  /**
   * Appends a batch's frames to the journal, chained to its last row. `indexDue`: then also bring
   * the journal's index by charge point up to date, where it is written in arrears
   * (`journalIndexInArrears`).
   */
  async appendJournal(frames: readonly JournalFrame[], indexDue = false): Promise<void> {
    if (frames.length === 0) return;
    // The previous hash is read under the lock, so two nodes never extend the same row twice.
    const head = this.hooks.lockedJournalHead
      ? await this.hooks.lockedJournalHead(this.db)
      : (await this.run('journalHead', (db) => db.selectFrom('frame_journal').select('hash').orderBy('seq', 'desc').limit(LIMIT_ONE), [])).rows[0]?.hash;
    let prevHash = head ?? GENESIS_HASH;
    const rows = frames.map((frame) => {
      const hash = chainHash(prevHash, frame, this.journalKey);
      const row = {
        at: frame.at,
        charge_point_id: frame.chargePointId,
        direction: frame.direction,
        transport: frame.protocol,
        frame: frame.frame,
        prev_hash: prevHash,
        hash,
      };
      prevHash = hash;
      return row;
    });
    if (this.hooks.singleRowInserts) {
      for (const row of rows) {
        await this.run(
          'appendJournalRow',
          (db, slot) =>
            db.insertInto('frame_journal').values({
              at: slot<string>(0),
              charge_point_id: slot<string | null>(1),
              direction: slot<string>(2),
              transport: slot<string>(3),
              frame: slot<Buffer>(4),
              prev_hash: slot<string>(5),
              hash: slot<string>(6),
            }),
          [row.at, row.charge_point_id, row.direction, row.transport, row.frame, row.prev_hash, row.hash],
        );
      }
    } else {
      // SQLite binds at most 32,766 values per statement: 7 per row.
      for (let start = 0; start < rows.length; start += JOURNAL_CHUNK) {
        await this.db.insertInto('frame_journal').values(rows.slice(start, start + JOURNAL_CHUNK)).execute();
      }
    }
    if (indexDue) await this.indexJournal();
  }

  /**
   * Puts every journal row after the mark into the index by charge point, in key order, and moves
   * the mark past them. Only in a batch that has just written journal rows (appendJournal), and so
   * holds the database's write lock: a row of another writer not committed yet would otherwise be
   * passed over for good.
   */
  private async indexJournal(): Promise<void> {
    const mark = await this.journalIndexMark();
    await this.run(
      'indexJournal',
      (db, slot) =>
        db
          .insertInto('journal_charge_points')
          .columns(['charge_point_id', 'seq'])
          .expression(
            db
              .selectFrom('frame_journal')
              .select(['charge_point_id', 'seq'])
              .where('seq', '>', slot<number>(0))
              .where('charge_point_id', 'is not', null)
              .orderBy('charge_point_id')
              .orderBy('seq'),
          ),
      [mark],
    );
    await this.run(
      'moveJournalIndexMark',
      (db) => db.updateTable('journal_index_mark').set((eb) => ({ seq: eb.selectFrom('frame_journal').select((f) => f.fn.coalesce(f.fn.max('seq'), sql.lit(0)).as('seq')) })),
      [],
    );
  }

  async countApiTokens(): Promise<number> {
    const row = await this.db
      .selectFrom('api_tokens')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .executeTakeFirstOrThrow();
    return num(row.count);
  }

  async insertChargePoint(cp: ChargePoint): Promise<boolean> {
    const result = await this.db
      .insertInto('charge_points')
      .values({ id: cp.id, created_at: cp.createdAt, ...chargePointPatchRow(cp) } as ChargePointRow)
      // On PostgreSQL the insert waits for a unit of another node that inserted the same id, then
      // adds nothing once it commits, rather than failing this unit with a unique violation.
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async updateChargePoint(id: string, patch: ChargePointPatch): Promise<void> {
    const row = chargePointPatchRow(patch);
    const columns = Object.keys(row) as (keyof ChargePointRow)[];
    if (columns.length === 0) return;
    await this.run(
      `updateChargePoint:${columns.join(',')}`,
      (db, slot) => db.updateTable('charge_points').set(Object.fromEntries(columns.map((c, i) => [c, slot(i + 1)]))).where('id', '=', slot(0)),
      [id, ...columns.map((c) => row[c])],
    );
  }

  async recordStatus(chargePointId: string, report: StatusReport, receivedAt: string, futureAfter: string): Promise<void> {
    await this.run(
      'recordStatus',
      (db, slot) => {
        const current = { status: slot<string>(2), error_code: slot<string>(3), info: slot<string | null>(4), updated_at: slot<string>(5), reported_at: slot<string | null>(6) };
        return (
          db
            .insertInto('connectors')
            .values({ charge_point_id: slot<string>(0), connector_id: slot<number>(1), ...current })
            // A late (offline) notification goes into the history but does not overwrite a state the
            // charge point itself reported as newer. Only the charge point's own times are compared
            // with each other (its clock may be off from ours); without them, arrival order wins.
            // A current state stamped past `futureAfter` came from a clock running ahead (a glitch
            // to 2099 froze the connector's state for good): anything newer in arrival replaces it.
            .onConflict((oc) =>
              oc
                .columns(['charge_point_id', 'connector_id'])
                .doUpdateSet(current)
                .where(sql<boolean>`excluded.reported_at is null or connectors.reported_at is null or connectors.reported_at <= excluded.reported_at or connectors.reported_at > ${slot<string>(7)}`),
            )
        );
      },
      [chargePointId, report.connectorId, report.status, report.errorCode, report.info ?? null, report.timestamp ?? receivedAt, report.timestamp ?? null, futureAfter],
    );
    // Its resend adds no second row: a charge point sends a message again when it got no answer
    // (lost on the way, or an InternalError after the report was stored: its answer failed with a
    // later batch, or COMMIT's reply never came back), and the same report, the charge point's own
    // time included, is the same event. Only the connector's latest row is compared: a charge
    // point resends before its next message. A report without a time of its own cannot be told
    // from a new one, and is kept.
    await this.run(
      'recordStatusHistory',
      (db, slot) => {
        const latest = db
          .selectFrom('connector_status_history')
          .select(['status', 'error_code', 'info', 'vendor_id', 'vendor_error_code', 'reported_at'])
          .where('charge_point_id', '=', slot<string>(0))
          .where('connector_id', '=', slot<number>(1))
          .orderBy('id', 'desc')
          .limit(LIMIT_ONE)
          .as('latest');
        const resent = db
          .selectFrom(latest)
          .select(sql.lit(1).as('resent'))
          .where('latest.reported_at', '=', slot<string>(7))
          .where('latest.status', '=', slot<string>(2))
          .where('latest.error_code', '=', slot<string>(3))
          .where('latest.info', 'is not distinct from', slot<string | null>(4))
          .where('latest.vendor_id', 'is not distinct from', slot<string | null>(5))
          .where('latest.vendor_error_code', 'is not distinct from', slot<string | null>(6));
        return db
          .insertInto('connector_status_history')
          .columns(['charge_point_id', 'connector_id', 'status', 'error_code', 'info', 'vendor_id', 'vendor_error_code', 'reported_at', 'received_at'])
          .expression(
            db
              .selectNoFrom((eb) => [
                eb.val(slot<string>(0)).as('charge_point_id'),
                eb.val(slot<number>(1)).as('connector_id'),
                eb.val(slot<string>(2)).as('status'),
                eb.val(slot<string>(3)).as('error_code'),
                eb.val(slot<string | null>(4)).as('info'),
                eb.val(slot<string | null>(5)).as('vendor_id'),
                eb.val(slot<string | null>(6)).as('vendor_error_code'),
                eb.val(slot<string | null>(7)).as('reported_at'),
                eb.val(slot<string>(8)).as('received_at'),
              ])
              .where((eb) => eb.not(eb.exists(resent))),
          );
      },
      [
        chargePointId,
        report.connectorId,
        report.status,
        report.errorCode,
        report.info ?? null,
        report.vendorId ?? null,
        report.vendorErrorCode ?? null,
        report.timestamp ?? null,
        receivedAt,
      ],
    );
  }

  async putIdTag(tag: IdTag & { operator?: string | null | undefined }): Promise<void> {
    const values = {
      id_tag: tag.idTag,
      status: tag.status,
      expiry_date: tag.expiryDate,
      parent_id_tag: tag.parentIdTag,
      ...(tag.operator === undefined ? {} : { operator: tag.operator }),
    };
    await this.db
      .insertInto('id_tags')
      .values({ id_tag_key: tag.idTag.toUpperCase(), ...values })
      .onConflict((oc) => oc.column('id_tag_key').doUpdateSet(values))
      .execute();
  }

  async insertTransaction(tx: NewTransaction): Promise<Transaction | undefined> {
    const values = {
      charge_point_id: tx.chargePointId,
      connector_id: tx.connectorId,
      id_tag: tx.idTag,
      id_tag_status: tx.idTagStatus,
      started_at: tx.startedAt,
      stopped_at: tx.stoppedAt,
      meter_start_wh: tx.meterStartWh,
      meter_stop_wh: tx.meterStopWh,
      energy_wh: tx.energyWh,
      energy_source: tx.energySource,
      stop_reason: tx.stopReason,
      stop_id_tag: tx.stopIdTag,
      anomalies: JSON.stringify(tx.anomalies),
      reservation_id: tx.reservationId,
      signed_meter_status: tx.signedMeterStatus,
      signed_meter_reason: tx.signedMeterReason,
      energy_tail: tx.energyTail === null ? null : JSON.stringify(tx.energyTail),
    };
    const columns = Object.keys(values) as (keyof typeof values)[];
    const { rows } = await this.run(
      'insertTransaction',
      (db, slot) =>
        db
          .insertInto('transactions')
          .values(Object.fromEntries(columns.map((c, i) => [c, slot(i)])) as typeof values)
          // The start's unique key (transactions_start_key). On PostgreSQL the insert waits for a
          // unit of another node that inserted the same start, then adds nothing once it commits,
          // rather than failing this unit with a unique violation.
          .onConflict((oc) => oc.columns(['charge_point_id', 'connector_id', 'id_tag', 'started_at', 'meter_start_wh']).doNothing())
          .returningAll(),
      columns.map((c) => values[c]),
    );
    return rows[0] === undefined ? undefined : toTransaction(rows[0]);
  }

  async updateTransaction(id: number, patch: TransactionPatch): Promise<void> {
    const { columns, values } = transactionPatchColumns(patch, id);
    if (columns.length === 0) return;
    await this.run(
      `updateTransaction:${columns.join(',')}`,
      (db, slot) => db.updateTable('transactions').set(Object.fromEntries(columns.map((c, i) => [c, slot(i + 1)]))).where('id', '=', slot(0)),
      values,
    );
  }

  async insertSamples(
    chargePointId: string,
    connectorId: number,
    transactionId: number | null,
    samples: readonly MeterSample[],
  ): Promise<SamplesAdded> {
    const hashed = hashedSamples(chargePointId, connectorId, transactionId, samples);
    // Once the store is known to hold no bare-hash keys (most stores), no look-up and no await.
    const fresh = this.legacyKeys.newest === null ? hashed : await this.notStoredBefore0009(hashed);
    // Without repeats every sample added is a first time; with them, the rows added are named
    // (a message stored before repeats were numbered, resent, adds its repeats alone).
    const nameRowsAdded = hashed.some((h) => h.repeat);
    const result = { added: 0, firstTimes: 0 };
    // A statement binds a limited number of values: insert in chunks.
    const chunk = this.hooks.singleRowInserts ? 1 : SAMPLE_CHUNK;
    for (let start = 0; start < fresh.length; start += chunk) {
      const part = fresh.slice(start, start + chunk);
      const added = await this.insertSampleChunk(chargePointId, connectorId, transactionId, part, nameRowsAdded);
      if (typeof added === 'number') {
        result.added += added;
        result.firstTimes += added;
      } else {
        result.added += added.size;
        result.firstTimes += part.filter((h) => !h.repeat && added.has(sampleKey(h.sample, h.hash))).length;
      }
    }
    return result;
  }

  /**
   * Leaves out the samples stored before migration 0009 under their bare hash (a charge point
   * sending an old message again). Only a sample stamped no later than the newest of those can be
   * one, so live samples skip the look-up.
   */
  private async notStoredBefore0009(hashed: HashedSample[]): Promise<HashedSample[]> {
    if (this.legacyKeys.newest === undefined) {
      const { rows } = await this.run('legacySampleKeys', (db) => db.selectFrom('meter_sample_legacy_keys').select('newest_timestamp'), []);
      this.legacyKeys.newest = rows[0]?.newest_timestamp ?? null;
    }
    const newest = this.legacyKeys.newest;
    // Canonical times compare as text as they do as times, but for years past 9999 ("+010000-…"),
    // which come before every four-digit year as text: those are always looked up.
    const older = newest === null ? [] : [...new Set(hashed.filter((h) => h.sample.timestamp <= newest).map((h) => h.hash))];
    if (older.length === 0) return hashed;
    const stored = new Set<string>();
    // In chunks, as inserts are: a statement binds a limited number of values.
    for (let start = 0; start < older.length; start += SAMPLE_CHUNK) {
      const rows = await this.db.selectFrom('meter_samples').select('dedupe_key').where('dedupe_key', 'in', older.slice(start, start + SAMPLE_CHUNK)).execute();
      for (const row of rows) stored.add(row.dedupe_key);
    }
    return hashed.filter((h) => !stored.has(h.hash));
  }

  /** The number of rows added; their keys instead, when `named`. */
  private async insertSampleChunk(
    chargePointId: string,
    connectorId: number,
    transactionId: number | null,
    samples: readonly HashedSample[],
    named: boolean,
  ): Promise<number | Set<string>> {
    const insert = (db: Kysely<Database>, slot: SlotOf) =>
      db
        .insertInto('meter_samples')
        .values(
          samples.map((_, i) => {
            const at = (column: number) => slot<never>(i * SAMPLE_COLUMNS + column);
            return {
              charge_point_id: at(0),
              connector_id: at(1),
              transaction_id: at(2),
              timestamp: at(3),
              value: at(4),
              measurand: at(5),
              unit: at(6),
              context: at(7),
              format: at(8),
              location: at(9),
              phase: at(10),
              signed_identity: at(11),
              dedupe_key: at(12),
            };
          }),
        )
        .onConflict((oc) => oc.column('dedupe_key').doNothing());
    const values = samples.flatMap(({ sample: s, hash }) => [
      chargePointId,
      connectorId,
      transactionId,
      s.timestamp,
      s.value,
      s.measurand,
      s.unit,
      s.context,
      s.format,
      s.location,
      s.phase,
      s.signedIdentity ?? null,
      sampleKey(s, hash),
    ]);
    if (!named) return Number((await this.run(`insertSamples:${samples.length}`, insert, values)).numAffectedRows ?? 0n);
    const { rows } = await this.run(`insertSamplesNamed:${samples.length}`, (db, slot) => insert(db, slot).returning('dedupe_key'), values);
    return new Set(rows.map((row) => row.dedupe_key));
  }

  async insertEvent(event: Omit<StoredEvent, 'id'>): Promise<void> {
    await this.db
      .insertInto('events')
      .values({ at: event.at, charge_point_id: event.chargePointId, type: event.type, data: JSON.stringify(event.data) })
      .execute();
  }

  async putOperator(operator: Operator): Promise<void> {
    await this.db
      .insertInto('operators')
      .values({ id: operator.id, name: operator.name, kind: operator.kind, created_at: operator.createdAt })
      .onConflict((oc) => oc.column('id').doUpdateSet({ name: operator.name, kind: operator.kind }))
      .execute();
  }

  async putValidation(v: Validation): Promise<void> {
    const row = validationRow(v);
    await this.db
      .insertInto('validations')
      .values({ id: v.id, ...row })
      .onConflict((oc) => oc.column('id').doUpdateSet(row))
      .execute();
  }

  async startValidation(v: Validation): Promise<{ stored: true } | { stored: false; running: Validation | undefined }> {
    // No conflict target: the one that can clash is the partial unique index on the running
    // campaign of a charge point (a fresh id cannot). Doing nothing, not failing, keeps the other
    // units of a group-committed batch, and PostgreSQL's transaction, usable.
    const result = await this.db
      .insertInto('validations')
      .values({ id: v.id, ...validationRow(v) })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0n) > 0) return { stored: true };
    const row = await this.db.selectFrom('validations').select('data').where('charge_point_id', '=', v.chargePointId).where('status', '=', 'running').executeTakeFirst();
    return { stored: false, running: row && (JSON.parse(row.data) as Validation) };
  }

  async insertSessionLeftRunning(session: SessionLeftRunning & { chargePointId: string }): Promise<void> {
    await this.db
      .insertInto('validation_sessions_left_running')
      .values({ validation_id: session.validationId, transaction_id: session.transactionId, charge_point_id: session.chargePointId })
      .onConflict((oc) => oc.columns(['validation_id', 'transaction_id']).doNothing())
      .execute();
  }

  async deleteSessionLeftRunning(session: SessionLeftRunning): Promise<boolean> {
    const result = await this.db
      .deleteFrom('validation_sessions_left_running')
      .where('validation_id', '=', session.validationId)
      .where('transaction_id', '=', session.transactionId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async closeRunningValidation(v: Validation): Promise<boolean> {
    const result = await this.db
      .updateTable('validations')
      .set(validationRow(v))
      .where('id', '=', v.id)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async insertValidatedSoftware(software: ValidatedSoftware): Promise<ValidatedSoftware> {
    const existing = await this.findValidatedSoftware(software);
    if (existing) return existing;
    const result = await this.db
      .insertInto('validated_software')
      .values({
        id: software.id,
        vendor: software.vendor,
        model: software.model,
        firmware_version: software.firmwareVersion,
        ocpp_version: software.ocppVersion,
        transport: software.transport,
        source: software.source,
        validation_id: software.validationId,
        reference: software.reference,
        approved_at: software.approvedAt,
        approved_by: software.approvedBy,
      })
      // Another node's unit that inserted the same software and had not committed when this one
      // looked (two campaigns of one model ending together, an approval sent twice): on PostgreSQL
      // this insert waits for it, then adds nothing, and its entry is the answer. Failing on the
      // unique index instead failed this node's campaign end, where SQLite's one writer had found it.
      .onConflict((oc) => oc.columns(['vendor', 'model', 'firmware_version', 'ocpp_version', 'transport']).doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0n) > 0) return software;
    const stored = await this.findValidatedSoftware(software);
    if (!stored) throw new Error(`validated software ${JSON.stringify([software.vendor, software.model, software.firmwareVersion])} was neither stored nor found stored`);
    return stored;
  }

  async deleteValidatedSoftware(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('validated_software').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async putWebhook(webhook: WebhookSettingsRow): Promise<void> {
    // A new generation ends any pass still running on the old one (at its next look or write),
    // and the new URL is tried at once, by any node.
    const changes = { url: webhook.url, secret: webhook.secret, last_error: null, generation: randomUUID(), failures: 0, next_attempt_at: null, lease_node: null, lease_until: null };
    await this.db
      .insertInto('webhooks')
      .values({ operator: webhook.operator, created_at: webhook.createdAt, last_event_id: webhook.lastEventId ?? 0, ...changes })
      .onConflict((oc) => oc.column('operator').doUpdateSet(changes))
      .execute();
  }

  async deleteWebhook(operator: string): Promise<boolean> {
    const result = await this.db.deleteFrom('webhooks').where('operator', '=', operator).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async claimWebhook(lease: WebhookLease): Promise<boolean> {
    const result = await this.db
      .updateTable('webhooks')
      .set({ lease_node: lease.node, lease_until: lease.until })
      .where('operator', '=', lease.operator)
      .where('generation', '=', lease.generation)
      .where((eb) => eb.or([eb('lease_node', 'is', null), eb('lease_node', '=', lease.node), eb('lease_until', '<', lease.now), eb('lease_until', '>', lease.latestLeaseEnd)]))
      .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', lease.now), eb('next_attempt_at', '>', lease.latestRetry)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async updateWebhookDelivery(lease: WebhookLease, delivery: WebhookDelivery): Promise<boolean> {
    const result = await this.db
      .updateTable('webhooks')
      .set({
        last_event_id: delivery.lastEventId,
        last_error: delivery.lastError,
        failures: delivery.failures,
        next_attempt_at: delivery.nextAttemptAt,
        lease_node: delivery.release ? null : lease.node,
        lease_until: delivery.release ? null : lease.until,
      })
      .where('operator', '=', lease.operator)
      .where('generation', '=', lease.generation)
      .where('lease_node', '=', lease.node)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async releaseWebhooks(node: string): Promise<void> {
    await this.db.updateTable('webhooks').set({ lease_node: null, lease_until: null }).where('lease_node', '=', node).execute();
  }

  async getOperatorToRemove(id: string): Promise<Operator | undefined> {
    if (!this.hooks.rowLocks) return this.getOperator(id);
    const row = await this.db.selectFrom('operators').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    return row && { id: row.id, name: row.name, kind: row.kind as OperatorKind, createdAt: row.created_at };
  }

  async holdOperator(id: string): Promise<boolean> {
    let query = this.db.selectFrom('operators').select('id').where('id', '=', id);
    if (this.hooks.rowLocks) query = query.forKeyShare();
    return (await query.executeTakeFirst()) !== undefined;
  }

  async deleteOperator(id: string): Promise<void> {
    // Its webhook goes with it: an operator created later under the same id (another company)
    // would otherwise have its events POSTed to the old one's address, signed with its secret.
    await this.db.deleteFrom('webhooks').where('operator', '=', id).execute();
    await this.db.deleteFrom('operators').where('id', '=', id).execute();
  }

  async putApiToken(token: ApiToken): Promise<void> {
    const values = { name: token.name, role: token.role, operator: token.operator, token_hash: token.tokenHash, revoked_at: token.revokedAt, expires_at: token.expiresAt };
    await this.db
      .insertInto('api_tokens')
      .values({ id: token.id, created_at: token.createdAt, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
  }

  async revokeApiToken(id: string, at: string): Promise<void> {
    await this.db.updateTable('api_tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }
}

/** The tables read page by page with an id cursor that must not pass a row committed late. */
export type CursorTable = 'events' | 'transactions';
