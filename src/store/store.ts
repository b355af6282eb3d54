// The Store interface: everything the domain keeps, with no SQL and no OCPP version in sight.
// Writes happen only inside `transact`, whose units are group-committed: many units share one
// database transaction, and each unit's promise settles only after that transaction commits.
import type {
  ChargePoint,
  Connector,
  IdTag,
  MeterSample,
  StatusReport,
  StoredMeterSample,
  Transaction,
} from '../domain/model.js';

export interface TransactionFilter {
  chargePointId?: string | undefined;
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

export interface ApiToken {
  id: string;
  name: string;
  role: string;
  tokenHash: string;
  createdAt: string;
}

export type NewTransaction = Omit<Transaction, 'id'>;
export type ChargePointPatch = Partial<Omit<ChargePoint, 'id' | 'createdAt'>>;
export type TransactionPatch = Partial<Omit<Transaction, 'id' | 'chargePointId'>>;

/** Reads, available inside and outside a unit of work. */
export interface StoreReader {
  getChargePoint(id: string): Promise<ChargePoint | undefined>;
  listChargePoints(): Promise<ChargePoint[]>;
  listConnectors(chargePointId?: string): Promise<Connector[]>;
  getIdTag(idTag: string): Promise<IdTag | undefined>;
  listIdTags(): Promise<IdTag[]>;
  getTransaction(id: number): Promise<Transaction | undefined>;
  /** The transaction a StartTransaction with exactly these fields created, if any (retries). */
  findTransactionByStart(
    chargePointId: string,
    connectorId: number,
    idTag: string,
    startedAt: string,
    meterStartWh: number,
  ): Promise<Transaction | undefined>;
  listTransactions(filter: TransactionFilter): Promise<Transaction[]>;
  listTransactionSamples(transactionId: number): Promise<StoredMeterSample[]>;
  listEvents(filter: { chargePointId?: string; limit?: number }): Promise<StoredEvent[]>;
  findApiTokenByHash(tokenHash: string): Promise<ApiToken | undefined>;
  countApiTokens(): Promise<number>;
}

/** Reads and writes, inside a unit of work. */
export interface StoreWriter extends StoreReader {
  insertChargePoint(chargePoint: ChargePoint): Promise<void>;
  updateChargePoint(id: string, patch: ChargePointPatch): Promise<void>;
  /** Sets the connector's current status and appends it to the connector's history. */
  recordStatus(chargePointId: string, report: StatusReport, receivedAt: string): Promise<void>;
  putIdTag(tag: IdTag): Promise<void>;
  insertTransaction(transaction: NewTransaction): Promise<Transaction>;
  updateTransaction(id: number, patch: TransactionPatch): Promise<void>;
  /** Stores samples, skipping any already stored (a resent message); returns how many were new. */
  insertSamples(
    chargePointId: string,
    connectorId: number,
    transactionId: number | null,
    samples: readonly MeterSample[],
  ): Promise<number>;
  insertEvent(event: Omit<StoredEvent, 'id'>): Promise<void>;
  putApiToken(token: ApiToken): Promise<void>;
}

export interface Store extends StoreReader {
  /**
   * Runs `work` in a group-committed unit: it sees the writes of the units before it in the same
   * batch, its own writes roll back alone if it throws, and its promise settles after the commit.
   */
  transact<T>(work: (tx: StoreWriter) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
