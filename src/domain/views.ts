// Read models for operators: a charge point with its connectors and live state, a transaction
// with its samples. Reads only; nothing here changes stored data.
import type { ChargePointFilter, SessionlessSampleQuery, StatusHistoryQuery, Store, TransactionFilter } from '../store/store.js';
import type { ClusterStatus, CommandRouter } from './commands.js';
import { InvalidRequest } from './errors.js';
import type { ChargePoint, Connector, NumberedMeterSample, SoftwareIdentity, StatusHistoryEntry, StoredMeterSample, Transaction } from './model.js';
import { softwareIdentity } from './registry.js';

const identityKey = (s: SoftwareIdentity) => JSON.stringify([s.vendor, s.model, s.firmwareVersion, s.ocppVersion, s.transport]);

export interface ChargePointView extends ChargePoint {
  connected: boolean;
  /** With several nodes: the node its connection is on, while it is connected. */
  node?: string;
  /** Its software is in the validated registry; null while it has not reported all of it. */
  softwareValidated: boolean | null;
  connectors: Connector[];
}

export interface TransactionView extends Transaction {
  meterValues: StoredMeterSample[];
}

/** A journaled frame as an operator reads it: its text, or base64 when it is not UTF-8. */
export interface FrameView {
  seq: number;
  at: string;
  direction: 'in' | 'out';
  protocol: string;
  encoding: 'utf8' | 'base64';
  frame: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export class Views {
  constructor(
    private readonly store: Store,
    private readonly router: CommandRouter,
  ) {}

  async chargePoint(id: string): Promise<ChargePointView | undefined> {
    const cp = await this.store.getChargePoint(id);
    if (!cp) return undefined;
    const identity = softwareIdentity(cp);
    const softwareValidated = identity ? (await this.store.findValidatedSoftware(identity)) !== undefined : null;
    return { ...cp, ...this.presence(id), softwareValidated, connectors: await this.store.listConnectors(id) };
  }

  /** With several nodes, the cluster as this node sees it (undefined on one node). */
  cluster(): ClusterStatus | undefined {
    return this.router.cluster?.();
  }

  /**
   * Whether the charge point is connected, and with several nodes to which one: held in memory
   * (this node's connections, the cluster's announcements), so reading it costs no store read.
   */
  presence(id: string): Pick<ChargePointView, 'connected' | 'node'> {
    const node = this.router.holderOf?.(id);
    return node === undefined ? { connected: this.router.isConnected(id) } : { connected: true, node };
  }

  /** The charge points the filter names, by id; only their connectors are read. */
  async chargePoints(filter: ChargePointFilter = {}): Promise<ChargePointView[]> {
    const whole = filter.ids === undefined && filter.limit === undefined && filter.afterId === undefined;
    const listed = this.store.listChargePoints(filter);
    const [cps, connectors, software] = await Promise.all([
      listed,
      whole ? this.store.listConnectors() : listed.then((page) => this.store.listConnectors(page.map((cp) => cp.id))),
      this.store.listValidatedSoftware(),
    ]);
    const validated = new Set(software.map((s) => identityKey(s)));
    const byChargePoint = new Map<string, Connector[]>();
    for (const c of connectors) {
      const list = byChargePoint.get(c.chargePointId);
      if (list) list.push(c);
      else byChargePoint.set(c.chargePointId, [c]);
    }
    return cps.map((cp) => {
      const identity = softwareIdentity(cp);
      const softwareValidated = identity ? validated.has(identityKey(identity)) : null;
      return { ...cp, ...this.presence(cp.id), softwareValidated, connectors: byChargePoint.get(cp.id) ?? [] };
    });
  }

  /**
   * The protocol of every connected charge point (with several nodes: connected to any node). Reads
   * three columns per charge point, not its whole record, connectors and software: the metrics read
   * it at every scrape, and on SQLite a read holds the node's event loop.
   */
  async connectedProtocols(): Promise<Pick<ChargePointView, 'ocppVersion' | 'transport'>[]> {
    const all = await this.store.listChargePointProtocols();
    return all.filter((cp) => this.presence(cp.id).connected).map(({ ocppVersion, transport }) => ({ ocppVersion, transport }));
  }

  /**
   * Each charge point's operator, by id: two columns per charge point, where reading the whole
   * records with their connectors (chargePoints) took 169 ms of a SQLite node's event loop on a
   * network of 13,000 (8 ms this way; a probe). Not narrowed to a scope: for an administrator's
   * export, which may see every charge point.
   */
  async chargePointOwners(): Promise<Map<string, string | null>> {
    return new Map((await this.store.listChargePointOwners()).map((cp) => [cp.id, cp.operator]));
  }

  transactions(filter: TransactionFilter): Promise<Transaction[]> {
    return this.store.listTransactions(filter);
  }

  /**
   * Every transaction the filter matches, oldest first (by start time, then id), read a page at a
   * time: an export of any size holds one page in memory, no query holds the database for long,
   * and each page is a range of the start-time index (paged by id, a period was sorted again for
   * every page).
   */
  async *allTransactions(filter: Omit<TransactionFilter, 'afterId' | 'afterStart' | 'limit'>, pageSize = 500): AsyncGenerator<Transaction> {
    let afterStart = { startedAt: '', id: 0 };
    for (;;) {
      const page = await this.store.listTransactions({ ...filter, afterStart, limit: pageSize });
      yield* page;
      const last = page.at(-1);
      if (page.length < pageSize || !last) return;
      afterStart = { startedAt: last.startedAt, id: last.id };
    }
  }

  async transaction(id: number): Promise<TransactionView | undefined> {
    const tx = await this.store.getTransaction(id);
    if (!tx) return undefined;
    return { ...tx, meterValues: await this.store.listTransactionSamples(id) };
  }

  /** The charge point's connector status reports as they arrived, newest first, a page at a time. */
  statusHistory(chargePointId: string, query: StatusHistoryQuery): Promise<StatusHistoryEntry[]> {
    return this.store.statusHistory(chargePointId, query);
  }

  /**
   * The charge point's readings stored outside any session, a page at a time; `afterId` is the
   * last reading of the previous page. The cursor must be one of these readings: the position of
   * another charge point's, or of a session's, in this order means nothing, and an empty page
   * would read as the end.
   */
  async sessionlessSamples(chargePointId: string, { afterId, ...query }: Omit<SessionlessSampleQuery, 'after'> & { afterId?: number | undefined }): Promise<NumberedMeterSample[]> {
    let after: SessionlessSampleQuery['after'];
    if (afterId !== undefined) {
      const cursor = await this.store.getSample(afterId);
      if (!cursor || cursor.chargePointId !== chargePointId || cursor.transactionId !== null) {
        throw new InvalidRequest(`afterId ${afterId} is not a reading of charge point "${chargePointId}" outside a session: pass the id of the last reading of the previous page`);
      }
      after = { timestamp: cursor.timestamp, id: cursor.id };
    }
    return this.store.listSessionlessSamples(chargePointId, { ...query, after });
  }

  /** The charge point's latest journaled frames, newest first. */
  async recentFrames(chargePointId: string, limit: number): Promise<FrameView[]> {
    const rows = await this.store.recentJournal(chargePointId, limit);
    return rows.map((row) => {
      let text: string | undefined;
      try {
        text = strictUtf8.decode(row.frame);
      } catch {
        text = undefined;
      }
      return {
        seq: row.seq,
        at: row.at,
        direction: row.direction,
        protocol: row.protocol,
        encoding: text === undefined ? 'base64' : 'utf8',
        frame: text ?? row.frame.toString('base64'),
      };
    });
  }
}
