// The Store interface: everything the domain keeps, with no SQL and no OCPP version in sight.
// Writes happen only inside `transact`, whose units are group-committed: many units share one
// database transaction, and each unit's promise settles only after that transaction commits.
import type { JournalFrame, JournalRow } from './journal-chain.js';
import type {
  ChargePoint,
  Connector,
  IdTag,
  MeterSample,
  NumberedMeterSample,
  Operator,
  OwnedIdTag,
  StatusHistoryEntry,
  StatusReport,
  StoredMeterSample,
  SoftwareIdentity,
  Transaction,
  ValidatedSoftware,
} from '../domain/model.js';
import type { Validation } from '../domain/validation/types.js';

/**
 * Without a cursor, the newest first: by id, or, with `from` or `to`, by start time then id (the
 * end of the start-time index's range, so a page of a period reads a page).
 */
export interface TransactionFilter {
  chargePointId?: string | undefined;
  /** Transactions on the charge points of this operator. */
  operator?: string | undefined;
  /** Transactions with a greater id, oldest first (a cursor for reading page by page). */
  afterId?: number | undefined;
  /**
   * With afterId: a page that no session committing later falls behind. Where batches commit side
   * by side (PostgreSQL: several nodes, or several committers of one node), a session may get its id
   * before one already committed and commit after it; the read waits for the writers in flight and
   * reads again. For a client's walk (the API); the node's own full reads catch up by themselves.
   */
  settled?: boolean | undefined;
  /**
   * Transactions started after this one, by start time then id, in that order (a cursor for
   * reading a period page by page: each page is a range of the start-time index, where paging by
   * id would sort the whole period again for every page).
   */
  afterStart?: { startedAt: string; id: number } | undefined;
  active?: boolean | undefined;
  /** Compared case-insensitively, as OCPP id tokens are. */
  idTag?: string | undefined;
  /** Transactions started at or after this instant. */
  from?: string | undefined;
  /** Transactions started before this instant. */
  to?: string | undefined;
  limit?: number | undefined;
}

export interface StoredEvent {
  id: number;
  at: string;
  chargePointId: string | null;
  type: string;
  data: Record<string, unknown>;
}

/** A campaign's start: stored, or refused for the charge point's running campaign (when it can still be read). */
export type ValidationClaim = { stored: true } | { stored: false; running: Validation | undefined };

export interface ValidationFilter {
  chargePointId?: string | undefined;
  /** Campaigns of the charge points this operator holds. */
  operator?: string | undefined;
  /**
   * Only the running campaigns: every one of them, `limit` aside. The nodes read these to close
   * the campaigns no process runs any more (Campaigns.closeInterrupted); a stale one left out stayed
   * running, and as a charge point runs one campaign at a time (migration 0025) it blocked its
   * charge point for good. At most one per charge point, so the read is bounded.
   */
  running?: true | undefined;
  limit?: number | undefined;
}

/** A session a validation campaign left running (Validation.leftRunning), by campaign and transaction. */
export interface SessionLeftRunning {
  validationId: string;
  transactionId: number;
}

export interface EventFilter {
  chargePointId?: string | undefined;
  type?: string | undefined;
  /** Events of the charge points this operator holds. */
  operator?: string | undefined;
  /**
   * Events after this id, oldest first (a cursor); without it, the newest first. A page read with a
   * cursor never leaves out an event that commits later with an id inside it (see listEvents).
   */
  afterId?: number | undefined;
  limit?: number | undefined;
}

export interface Webhook {
  operator: string;
  url: string;
  secret: string;
  lastEventId: number;
  lastError: string | null;
  createdAt: string;
  /** A new one each time the webhook is set (created, or its URL or secret changed). */
  generation: string;
  /** Failed attempts in a row, and when the next may be made. */
  failures: number;
  nextAttemptAt: string | null;
  /** The node delivering it, and until when that node's lease holds. */
  leaseNode: string | null;
  leaseUntil: string | null;
}

/** What an operator sets; the store keeps the rest. */
export type WebhookSettingsRow = Pick<Webhook, 'operator' | 'url' | 'secret' | 'createdAt'> & { lastEventId?: number };

/** A node's lease on one generation of a webhook: it delivers, and writes, only while it holds. */
export interface WebhookLease {
  operator: string;
  generation: string;
  node: string;
  /** Now, by the node's clock: a lease that ended before it may be taken. */
  now: string;
  /** Until when the lease holds, unless renewed. */
  until: string;
  /**
   * A lease stored ending after `latestLeaseEnd`, or a backoff after `latestRetry`, was set by a
   * node whose clock ran ahead, and is over. Both lie well beyond anything a node sets (twice the
   * lease, twice the longest backoff), so a renewal that commits a moment after a claim was
   * computed never counts as one.
   */
  latestLeaseEnd: string;
  latestRetry: string;
}

/** Where a delivery pass got to. `release`: the node gives the webhook up (after a failure). */
export interface WebhookDelivery {
  lastEventId: number;
  lastError: string | null;
  failures: number;
  nextAttemptAt: string | null;
  release: boolean;
}

export interface ApiToken {
  id: string;
  name: string;
  /** admin, operator or readonly. */
  role: string;
  /** The operator an operator token (or a scoped read-only token) acts for. */
  operator: string | null;
  tokenHash: string;
  createdAt: string;
  revokedAt: string | null;
  /** From this instant it is refused, as a revoked one is; null: until revoked. */
  expiresAt: string | null;
}

/** Samples of any of these measurands, or in any of these formats. */
export interface SampleSelection {
  measurands: readonly string[];
  formats: readonly string[];
}

/** Narrows a list to what one operator owns; no operator: everything. */
export interface OperatorFilter {
  operator?: string | undefined;
}

/**
 * Narrows the charge point list; without `ids` or `limit`, every charge point (of the operator).
 * A network of thousands is read a page at a time (by id, `afterId` the cursor) or by `ids`: on
 * SQLite a read holds the node's event loop, and every charge point waits for it.
 */
export interface ChargePointFilter extends OperatorFilter {
  /**
   * These charge points only (those that exist), any number of them: beyond 500 they are read in
   * slices, and the whole is ordered by the ids' code points.
   */
  ids?: readonly string[] | undefined;
  /** Charge points with a greater id. */
  afterId?: string | undefined;
  limit?: number | undefined;
}

/**
 * Narrows the id tag list; without `limit`, every tag (of the operator). A national network has
 * hundreds of thousands of cards: read them a page at a time, by the tag's key (its letters in
 * upper case, as tags compare), `afterIdTag` the last tag of the page before, in any case.
 */
export interface IdTagFilter extends OperatorFilter {
  afterIdTag?: string | undefined;
  limit?: number | undefined;
}

export type NewTransaction = Omit<Transaction, 'id'>;

/** A page of a charge point's status history, newest first: every connector's, or one's. */
export interface StatusHistoryQuery {
  connectorId?: number | undefined;
  /** Entries older than this one (the last `id` of the previous page). */
  beforeId?: number | undefined;
  limit: number;
}

/**
 * A page of a charge point's samples stored outside any session (no transaction), oldest first by
 * the reading's own time, arrival order breaking ties (newest first, both reversed, with
 * `newestFirst`): a late (offline) reading stands where it belongs in time, as it does in a
 * session's energy (docs/METERING.md).
 */
export interface SessionlessSampleQuery {
  connectorId?: number | undefined;
  measurand?: string | undefined;
  /** Readings stamped at or after this instant (canonical UTC, as the samples' times are kept). */
  from?: string | undefined;
  /** Readings stamped before this instant. */
  to?: string | undefined;
  /** Readings after this one in the page's order: the last of the previous page. */
  after?: { timestamp: string; id: number } | undefined;
  /** The latest readings first (a dashboard's view), where the default is the oldest first. */
  newestFirst?: boolean | undefined;
  limit: number;
}

export interface JournalRange {
  /** Rows after this sequence number. */
  afterSeq?: number;
  /** Rows up to this sequence number (inclusive). */
  untilSeq?: number;
  limit: number;
}
export type ChargePointProtocol = Pick<ChargePoint, 'id' | 'ocppVersion' | 'transport'>;
export type ChargePointOwner = Pick<ChargePoint, 'id' | 'operator'>;
export type ChargePointPatch = Partial<Omit<ChargePoint, 'id' | 'createdAt'>>;
export type TransactionPatch = Partial<Omit<Transaction, 'id' | 'chargePointId'>>;

/** Reads, available inside and outside a unit of work. */
export interface StoreReader {
  getChargePoint(id: string): Promise<ChargePoint | undefined>;
  /** By id. */
  listChargePoints(filter?: ChargePointFilter): Promise<ChargePoint[]>;
  /**
   * Every charge point's id and the protocol it last connected with: the few columns a count of
   * connections by protocol needs, without the rest of each row (read at every metrics scrape).
   */
  listChargePointProtocols(): Promise<ChargePointProtocol[]>;
  /** Every charge point's id and operator: what a session export names each row's owner by, without the rest of each row. */
  listChargePointOwners(): Promise<ChargePointOwner[]>;
  /** Every connector, or those of one charge point or of several; by charge point, then connector. */
  listConnectors(chargePointIds?: string | readonly string[]): Promise<Connector[]>;
  getIdTag(idTag: string): Promise<OwnedIdTag | undefined>;
  /** By the tag's key (in upper case). */
  listIdTags(filter?: IdTagFilter): Promise<OwnedIdTag[]>;
  getOperator(id: string): Promise<Operator | undefined>;
  listOperators(): Promise<Operator[]>;
  /** Whether charge points, id tags or API tokens still belong to the operator. */
  operatorInUse(id: string): Promise<boolean>;
  getTransaction(id: number): Promise<Transaction | undefined>;
  /**
   * The transaction a StartTransaction with these fields created, if any (retries): exactly these,
   * but the id tag, compared in any case (OCPP's IdToken is case-insensitive).
   */
  findTransactionByStart(
    chargePointId: string,
    connectorId: number,
    idTag: string,
    startedAt: string,
    meterStartWh: number,
  ): Promise<Transaction | undefined>;
  listTransactions(filter: TransactionFilter): Promise<Transaction[]>;
  /** The transaction's samples, by time; with `only`, just those of its measurands or formats. */
  listTransactionSamples(transactionId: number, only?: SampleSelection): Promise<StoredMeterSample[]>;
  /** One stored sample, by its id. */
  getSample(id: number): Promise<NumberedMeterSample | undefined>;
  /** The charge point's samples stored outside any session, a page at a time (SessionlessSampleQuery). */
  listSessionlessSamples(chargePointId: string, query: SessionlessSampleQuery): Promise<NumberedMeterSample[]>;
  /** Which of these signed identities were also stored for another transaction (not one stored outside any session). */
  findSignedElsewhere(transactionId: number, identities: readonly string[]): Promise<Set<string>>;
  /**
   * An event's id is taken when its row is inserted, but the row is seen only once its transaction
   * commits: where several writers commit side by side (PostgreSQL's nodes and committers), an event
   * can appear after events with higher ids that a reader following the cursor (`afterId`: webhooks,
   * API clients) has already passed. So a page read with a cursor while events are being written
   * waits for those writers and is read again, up to the last id first seen; it then holds every
   * event in its range that will ever be there. (SQLite's one writer commits in id order.)
   */
  listEvents(filter: EventFilter): Promise<StoredEvent[]>;
  getValidation(id: string): Promise<Validation | undefined>;
  listValidations(filter: ValidationFilter): Promise<Validation[]>;
  /** The sessions campaigns left running on this charge point, not yet settled (src/validation/left-running.ts). */
  listSessionsLeftRunning(chargePointId: string): Promise<SessionLeftRunning[]>;
  /** The charge points that have sessions left running by validation campaigns, not yet settled. */
  listChargePointsWithSessionsLeftRunning(): Promise<string[]>;
  listValidatedSoftware(): Promise<ValidatedSoftware[]>;
  findValidatedSoftware(identity: SoftwareIdentity): Promise<ValidatedSoftware | undefined>;
  getWebhook(operator: string): Promise<Webhook | undefined>;
  listWebhooks(): Promise<Webhook[]>;
  /** The token with this hash, unless it was revoked (an expired one is returned: the domain judges its time). */
  findApiTokenByHash(tokenHash: string): Promise<ApiToken | undefined>;
  getApiToken(id: string): Promise<ApiToken | undefined>;
  listApiTokens(filter?: OperatorFilter): Promise<ApiToken[]>;
  /** Journal rows in sequence order, a page at a time. */
  listJournal(range: JournalRange): Promise<JournalRow[]>;
  /** A charge point's StatusNotifications as they arrived, newest first. */
  statusHistory(chargePointId: string, query: StatusHistoryQuery): Promise<StatusHistoryEntry[]>;
  /** A charge point's latest journal rows, newest first (the dashboard's recent frames). */
  recentJournal(chargePointId: string, limit: number): Promise<JournalRow[]>;
  /**
   * The sequence numbers that bound a time range: the first row received at or after `from`, the
   * last received before `to`. Rows commit in sequence order, not always in time order, so a
   * range is walked by sequence between these two.
   */
  journalSeqBounds(range: { from?: string; to?: string }): Promise<{ first: number | undefined; last: number | undefined }>;
  /** The row just before `seq`, if any (to check the first link of a partial walk). */
  journalRowBefore(seq: number): Promise<JournalRow | undefined>;
  /**
   * The last journal row whose message may have had a reading it repeated stored once, as before
   * repeats were numbered (migration 0018); 0 when every row's repeats were stored each time.
   */
  lastRowBeforeNumberedRepeats(): Promise<number>;
  /**
   * The last journal row whose lenient 1.5 readings in 1.6's shape were left unconverted, as
   * before they were converted (migration 0023); 0 when every row's were converted.
   */
  lastRowBeforeConvertedReadings(): Promise<number>;
  countApiTokens(): Promise<number>;
}

/** What a message's samples added to the store. */
export interface SamplesAdded {
  /** Samples not stored before. */
  added: number;
  /**
   * Of those, first times of a reading in the message, not repeats of one it gave before (numbered
   * in their keys): 0 when the message was stored before. A message first stored before repeats
   * were numbered (migration 0018), resent, adds its repeats alone.
   */
  firstTimes: number;
}

/** Reads and writes, inside a unit of work. */
export interface StoreWriter extends StoreReader {
  /**
   * Stores a new charge point; false when its id is taken already: on PostgreSQL, by a unit of
   * another node that committed while this unit ran, which this unit's read could not see.
   */
  insertChargePoint(chargePoint: ChargePoint): Promise<boolean>;
  updateChargePoint(id: string, patch: ChargePointPatch): Promise<void>;
  /**
   * Appends the report to the connector's history and makes it the current status, unless both
   * carry the charge point's own time and the current one's is later, and no later than
   * `futureAfter` (a time past it is a clock running ahead, which must not hold the status back).
   * A resend (the connector's latest report again, its own time included) adds no history row.
   */
  recordStatus(chargePointId: string, report: StatusReport, receivedAt: string, futureAfter: string): Promise<void>;
  /** Creates or changes a tag; its operator changes only when `operator` is given. */
  putIdTag(tag: IdTag & { operator?: string | null | undefined }): Promise<void>;
  putOperator(operator: Operator): Promise<void>;
  /**
   * An operator this unit is about to remove, its row locked on PostgreSQL until the unit's batch
   * commits: an assignment to it (a charge point, an id tag, a token) that another unit has not
   * committed yet is waited for, then seen by operatorInUse; one coming after waits for the removal
   * (holdOperator). On SQLite, getOperator.
   */
  getOperatorToRemove(id: string): Promise<Operator | undefined>;
  /**
   * Whether the operator exists, for a unit about to assign something to it: on PostgreSQL its row
   * is held against removal until the unit's batch commits (the lock the foreign key's own check
   * takes), and a removal not yet committed is waited for, then seen. On SQLite, whether it exists.
   */
  holdOperator(id: string): Promise<boolean>;
  deleteOperator(id: string): Promise<void>;
  /**
   * Stores a new transaction; undefined when one with the same start (charge point, connector, id
   * tag, start time, meterStart) is stored already: on PostgreSQL, committed by another node while
   * this unit ran (a resend racing the first), which this unit's read could not see.
   */
  insertTransaction(transaction: NewTransaction): Promise<Transaction | undefined>;
  updateTransaction(id: number, patch: TransactionPatch): Promise<void>;
  /**
   * A transaction this unit is about to change. On PostgreSQL its row stays locked until the
   * unit's batch commits, so that a unit of another node changing the same transaction waits and
   * then reads what this one stored (DialectHooks.rowLocks). On SQLite, getTransaction.
   */
  getTransactionToChange(id: number): Promise<Transaction | undefined>;
  /**
   * A charge point this unit is about to change, its row locked on PostgreSQL until the unit's
   * batch commits (as getTransactionToChange): a unit of another node changing the same charge
   * point waits, then reads what this one stored. On SQLite, getChargePoint.
   */
  getChargePointToChange(id: string): Promise<ChargePoint | undefined>;
  /**
   * On PostgreSQL, makes this unit's batch the only one, on any node, between here and its commit
   * to decide sessions of this id tag or to write it, whether it exists yet or not (letters in any
   * case are one tag). Nothing on SQLite.
   */
  lockIdTag(idTag: string): Promise<void>;
  /**
   * On PostgreSQL, holds the charge point's row until the unit's batch commits: another node's
   * unit that locks it too waits for this one, and then sees what it stored. Nothing on SQLite.
   */
  lockChargePoint(id: string): Promise<void>;
  /** Stores a message's samples, skipping any already stored (a resent message). */
  insertSamples(
    chargePointId: string,
    connectorId: number,
    transactionId: number | null,
    samples: readonly MeterSample[],
  ): Promise<SamplesAdded>;
  insertEvent(event: Omit<StoredEvent, 'id'>): Promise<void>;
  /** Creates a token, or replaces one with the same id (and lifts its revocation). */
  putApiToken(token: ApiToken): Promise<void>;
  /** Writes a campaign's record over the one of its id, or adds it; a campaign starts with startValidation. */
  putValidation(validation: Validation): Promise<void>;
  /**
   * Stores a new campaign, running, unless its charge point has a running one already (at most one
   * per charge point, held by the database: migration 0025): then nothing is written, and that
   * campaign is returned when it can still be read (it may have ended meanwhile).
   */
  startValidation(validation: Validation): Promise<ValidationClaim>;
  /** Notes a session a campaign left running, to be stopped at its charge point's return. */
  insertSessionLeftRunning(session: SessionLeftRunning & { chargePointId: string }): Promise<void>;
  /** Forgets a session left running once settled; false when it was not there (settled already). */
  deleteSessionLeftRunning(session: SessionLeftRunning): Promise<boolean>;
  /** Stores a campaign's closing record only if the stored one is still running; false if it was not. */
  closeRunningValidation(validation: Validation): Promise<boolean>;
  /** Adds software to the registry; an identity already there is kept as it is (and returned). */
  insertValidatedSoftware(software: ValidatedSoftware): Promise<ValidatedSoftware>;
  deleteValidatedSoftware(id: string): Promise<boolean>;
  /** Creates or changes a webhook: a new generation, no lease, no backoff. */
  putWebhook(webhook: WebhookSettingsRow): Promise<void>;
  deleteWebhook(operator: string): Promise<boolean>;
  /**
   * Takes or renews the lease on that generation of the webhook, unless another node's lease
   * holds at `now`, or a failure's backoff lasts beyond it (a lease or backoff ending further ahead
   * than any node sets one is over: see WebhookLease.latestLeaseEnd). False: not taken (or the webhook changed).
   */
  claimWebhook(lease: WebhookLease): Promise<boolean>;
  /**
   * Records a delivery under the lease (renewed to `lease.until`, or given up with `release`): the
   * cursor moves on after a success; an error is kept for the operator. False: the lease is lost
   * (another node took it, or the webhook was set again or deleted) and nothing was written.
   */
  updateWebhookDelivery(lease: WebhookLease, delivery: WebhookDelivery): Promise<boolean>;
  /** Gives up every lease this node holds (a node stopping: another takes over at once). */
  releaseWebhooks(node: string): Promise<void>;
  revokeApiToken(id: string, at: string): Promise<void>;
  /** Appends frames to the journal, extending the hash chain. */
  appendJournal(frames: readonly JournalFrame[]): Promise<void>;
}

/**
 * One message of a charge point, from its `withFrames` to its `journalAnswer`: any object of the
 * caller's, one per message, handed to both (its identity is what counts).
 */
export type InboundMessage = object;

export interface TransactOptions {
  /**
   * The unit handles a message of the charge point it names, the one being answered (inside that
   * message's `withFrames`): it settles as soon as it has run, before its batch commits, so that
   * the answer is built and journaled in the same batch. The answer (`journalAnswer`) then waits
   * for that batch to be durable, and fails if it failed. Only for what is answered that way: a
   * caller that acts on the unit's result itself (the API) must not ask for it. Outside such a
   * message the unit settles after the commit, as any other. Such a unit fails, unrun, once a batch
   * of its charge point has failed while that charge point's messages await their answers: the
   * batch may have held its message's frames, and its data may not commit without them.
   */
  partOfCall?: boolean;
}

/** The options of the units that handle a charge point's own messages (see `partOfCall`). */
export const PART_OF_CALL: Readonly<TransactOptions> = Object.freeze({ partOfCall: true });

export interface Store extends StoreReader {
  /**
   * A new campaign's start, in a unit of its own: StoreWriter.startValidation, asked once more if
   * PostgreSQL ended it as a deadlock's victim. Its insert waits on another node's uncommitted
   * claim of the same charge point; if that node's batch then waits on a lock an earlier unit of
   * this batch holds (an id tag's, a row's), PostgreSQL fails one of the two statements, usually
   * the claim, which waited first. Only its unit is rolled back, the other batch then commits, and
   * the claim asked again gets the true answer: stored, or the campaign it lost to.
   */
  claimValidation(validation: Validation): Promise<ValidationClaim>;
  /**
   * Runs `work` in a group-committed unit: it sees the writes of the units before it in the same
   * batch, its own writes roll back alone if it throws, and its promise settles after the commit
   * (see `partOfCall` for the one exception).
   * `chargePointId`: the charge point whose message (or connection) the unit handles. Its units
   * and its frames then commit in the order they were queued, which the journal's rule (a frame
   * commits with what it reports or before it) rests on: every unit a charge point's message
   * causes must name it. Units of different charge points may commit side by side.
   */
  transact<T>(work: (tx: StoreWriter) => Promise<T>, chargePointId?: string, options?: TransactOptions): Promise<T>;
  /**
   * Records that the charge point was heard from at `at` (its lastSeenAt), unless a later time is
   * stored already. Cheaper than a unit that updates it, for the messages that store nothing else
   * (a Heartbeat): the times noted for a batch are written together just before its commit (one
   * statement for all of them on PostgreSQL), and noting one takes no savepoint. It settles as a
   * unit of that charge point would (see `transact` and `partOfCall`).
   */
  noteSeen(chargePointId: string, at: string, options?: TransactOptions): Promise<void>;
  /**
   * Runs `work` with `frames` (the raw frames of one message it handles) journaled first: they
   * commit with the first unit `work` submits or before it, never after, so nothing is stored
   * without the frame that reported it. Settles once both `work` and the frames are done; if the
   * frames could not be journaled it rejects, even when `work` succeeded (no answer may leave for
   * an unjournaled frame). With a charge point named in the frames, `message` (any object of the
   * caller's, one per message) is that charge point's open message until its answer: its frames
   * and its `partOfCall` units settle early, and the answer must go through `journalAnswer` with
   * the same object (every such message needs one, error or not).
   */
  withFrames<T>(frames: readonly JournalFrame[], message: InboundMessage, work: () => Promise<T>): Promise<T>;
  /**
   * Journals our answer to `message`, handled by `withFrames`: it settles once the answer and
   * everything written early for that charge point's messages so far are durable, and rejects if
   * any of it failed, or a batch failed while `message` was open (the answer must then not be
   * sent, and is then not journaled). Usually all of it shares one commit.
   */
  journalAnswer(frames: readonly JournalFrame[], message: InboundMessage): Promise<void>;
  /** Journals frames in a unit of their own (frames that report nothing: our calls, their answers). */
  journal(frames: readonly JournalFrame[]): Promise<void>;
  /**
   * Why the last failed batch failed (a full disk, a database gone, a sync that failed), or
   * undefined when none has failed since writes last proved to work. While it is set, each call
   * starts a probe, unless one is running: a write of its own (the event `storeWritesRecovered`),
   * which clears it when it commits and no batch failed meanwhile.
   */
  writesFailing(): Error | undefined;
  /**
   * writesFailing, after waiting up to `waitMs` for the probe that call starts: what readiness
   * asks, so the check made after the cause went away already finds writes working, instead of the
   * one after it.
   */
  writesFailingAfterProbe(waitMs: number): Promise<Error | undefined>;
  close(): Promise<void>;
}
