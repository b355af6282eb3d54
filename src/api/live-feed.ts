// What the dashboard sees change: charge points (connection, registration, connectors) and
// transactions (started, stopped). While anyone listens, the feed reads the store and tells each
// listener only what changed since the previous read. Reading the store, instead of hooking every
// place that writes, means every change is seen whichever transport or node made it.
//
// A national network has thousands of charge points, and on SQLite a read holds the node's event
// loop, so every charge point waits for it (13,000 read in full every second kept the loop 85 %
// busy and put a Heartbeat's p99 at 0.9 s). So each interval re-reads only the charge points this
// node saw act (a call answered, a connection) or whose presence changed (held in memory), and the
// whole network is read again, a page at a time, only as often as its cost allows: at least
// `fullReadSpacing` times the last full read's busy time after it, so it keeps a small share of
// the loop. What another node stored shows at the next full read; an operator's edit of a charge
// point is read again at the next interval on the node that took it (activity 'configured').
//
// Who may see a charge point can change (an administrator gives it to another operator): a listener
// that could see it and no longer can is sent `chargePointRemoved`, and one that now can is sent it
// with its running transactions, so neither dashboard keeps a stale picture until a reload.
import { setImmediate as yieldToIo, setTimeout as sleep } from 'node:timers/promises';
import type { Activity } from '../domain/activity.js';
import type { Domain } from '../domain/index.js';
import type { Transaction } from '../domain/model.js';
import { chargePointBody } from './routes/charge-points.js';
import { Transaction as TransactionSchema } from './schemas.js';

export type ChargePointBody = ReturnType<typeof chargePointBody>;
export type TransactionBody = Record<string, unknown> & { id: number; chargePointId: string };

export type FeedMessage =
  | { type: 'chargePoint'; data: ChargePointBody }
  | { type: 'transaction'; data: TransactionBody }
  /** The listener may no longer see this charge point (nor its transactions): drop it. */
  | { type: 'chargePointRemoved'; data: { id: string } };

export interface FeedListener {
  /** Whether this listener may see the charge point (an operator sees only their own). */
  visible(chargePointId: string, operator: string | null): boolean;
  /** `json` is the message's data as JSON, made once for every listener. */
  send(message: FeedMessage, json: string): void;
}

export interface FeedOptions {
  /** Between two reads of what changed. */
  intervalMs: number;
  /** Charge points, and running transactions, per read of the store. */
  pageSize: number;
  /** A full read starts no sooner than this many times the last one's busy time after it. */
  fullReadSpacing: number;
}

const DEFAULTS: FeedOptions = { intervalMs: 1000, pageSize: 100, fullReadSpacing: 20 };

interface Snapshot<T> {
  json: string;
  value: T;
}

interface State {
  chargePoints: Map<string, Snapshot<ChargePointBody>>;
  /** Transactions running at this read. */
  running: Map<number, Snapshot<TransactionBody>>;
}

/** A read: of every charge point, or of some, with their running transactions. */
interface Reading extends State {
  of: 'all' | Set<string>;
}

interface Change {
  message: FeedMessage;
  json: string;
  /**
   * A charge point's owner at the previous read, when the feed knew it then: who could see it. Its
   * change goes as a removal to a listener that could and no longer can.
   */
  before?: { operator: string | null };
  /** The removal such a listener is sent, made once for all of them. */
  removal?: Change;
}

const snapshot = <T>(value: T): Snapshot<T> => ({ json: JSON.stringify(value), value });

/** That the charge point `id`, owned by `operator` when last read, is gone from the view of whoever could see it. */
function removal(id: string, operator: string | null): Change {
  const message: FeedMessage = { type: 'chargePointRemoved', data: { id } };
  return { message, json: JSON.stringify(message.data), before: { operator } };
}

export class LiveFeed {
  private readonly listeners = new Set<FeedListener>();
  /** Listeners still being sent the state, each with the changes seen meanwhile, sent after it. */
  private readonly joining = new Map<FeedListener, Change[]>();
  private readonly options: FeedOptions;
  private state: State | undefined;
  private firstRead: Promise<State> | undefined;
  /** Charge points this node saw act since the last read. */
  private readonly acted = new Set<string>();
  private stopHearing: (() => void) | undefined;
  private nextFullReadAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private reading = false;

  constructor(
    private readonly domain: Domain,
    options: Partial<FeedOptions> = {},
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /**
   * Adds a listener and sends it the current state of everything it may see (every charge point,
   * every running transaction), a page per turn of the event loop, then only changes. Returns the
   * function that removes it.
   */
  async subscribe(listener: FeedListener): Promise<() => void> {
    if (!this.state) {
      this.stopHearing ??= this.domain.activity.listen((activity) => this.heard(activity));
      // Dashboards opened together share the first read.
      this.firstRead ??= this.readAll().finally(() => (this.firstRead = undefined));
      try {
        this.state ??= await this.firstRead;
      } catch (error) {
        if (this.listeners.size === 0 && this.joining.size === 0) this.stop();
        throw error;
      }
    }
    this.timer ??= setInterval(() => void this.tick(), this.options.intervalMs);
    const queued: Change[] = [];
    this.joining.set(listener, queued);
    try {
      const current: Change[] = [
        ...[...this.state.chargePoints.values()].map((cp): Change => ({ message: { type: 'chargePoint', data: cp.value }, json: cp.json })),
        ...[...this.state.running.values()].map((tx): Change => ({ message: { type: 'transaction', data: tx.value }, json: tx.json })),
      ];
      for (let i = 0; i < current.length; i++) {
        if (i > 0 && i % this.options.pageSize === 0) await yieldToIo();
        this.deliver(listener, current[i]!);
      }
      for (const change of queued) this.deliver(listener, change);
    } finally {
      this.joining.delete(listener);
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.joining.size === 0) this.stop();
    };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Stops reading and forgets the listeners (their streams are ended by whoever owns them). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopHearing?.();
    this.stopHearing = undefined;
    this.state = undefined;
    this.acted.clear();
    this.listeners.clear();
  }

  private heard(activity: Activity): void {
    // An answered call is written, with whatever it stored: a read now sees it.
    if (activity.kind === 'answered' || activity.kind === 'connected' || activity.kind === 'configured') this.acted.add(activity.chargePointId);
  }

  private async tick(): Promise<void> {
    // A slow store never stacks reads up: a tick during a read is skipped.
    if (this.reading) return;
    this.reading = true;
    try {
      await this.compare();
    } catch (error) {
      this.onError(error);
    } finally {
      this.reading = false;
    }
  }

  private async compare(): Promise<void> {
    const previous = this.state;
    if (!previous) return;
    const changes: Change[] = [];
    const next = Date.now() >= this.nextFullReadAt ? await this.readAll(previous, changes) : await this.readChanged(previous, changes);
    if (this.state !== previous) return; // stopped (and perhaps started again) while reading
    const ended: number[] = [];
    for (const [id, tx] of previous.running) {
      if (next.running.has(id) || (next.of !== 'all' && !next.of.has(tx.value.chargePointId))) continue;
      ended.push(id);
      const stopped = await this.domain.views.transaction(id);
      if (stopped) {
        const body = transactionBody(stopped);
        changes.push({ message: { type: 'transaction', data: body }, json: JSON.stringify(body) });
      }
    }
    if (this.state !== previous) return;
    if (next.of === 'all') {
      // Gone from the store: whoever could see it is told.
      for (const [id, cp] of previous.chargePoints) if (!next.chargePoints.has(id)) changes.push(removal(id, cp.value.operator));
      this.state = { chargePoints: next.chargePoints, running: next.running };
    } else {
      for (const [id, cp] of next.chargePoints) previous.chargePoints.set(id, cp);
      for (const id of ended) previous.running.delete(id);
      for (const [id, tx] of next.running) previous.running.set(id, tx);
    }
    for (const change of changes) {
      for (const listener of this.listeners) this.deliver(listener, change);
      for (const queued of this.joining.values()) queued.push(change);
    }
  }

  private deliver(listener: FeedListener, change: Change) {
    const { message, json, before } = change;
    if (message.type === 'transaction') {
      const id = message.data.chargePointId;
      if (listener.visible(id, this.state?.chargePoints.get(id)?.value.operator ?? null)) listener.send(message, json);
      return;
    }
    const { id } = message.data;
    const saw = before !== undefined && listener.visible(id, before.operator);
    if (message.type === 'chargePointRemoved') {
      if (saw) listener.send(message, json);
      return;
    }
    if (!listener.visible(id, message.data.operator)) {
      if (saw) this.deliver(listener, (change.removal ??= removal(id, before!.operator)));
      return;
    }
    listener.send(message, json);
    // Newly visible, though known before: its running transactions did not change, and so are not
    // among the changes, but this listener has never been sent them.
    if (before !== undefined && !saw) {
      for (const tx of this.state?.running.values() ?? []) if (tx.value.chargePointId === id) listener.send({ type: 'transaction', data: tx.value }, tx.json);
    }
  }

  /**
   * Every charge point and running transaction, a page at a time; after each page the feed waits
   * as long as the page took, so a full read takes at most half of the event loop while it lasts.
   * What differs from `previous` is added to `changes` as each page is read.
   */
  private async readAll(previous?: State, changes: Change[] = []): Promise<Reading> {
    this.acted.clear();
    const { views } = this.domain;
    const { pageSize } = this.options;
    let busyMs = 0;
    const paced = async <T>(read: () => Promise<T[]>, take: (item: T) => void): Promise<T | undefined> => {
      const started = performance.now();
      const page = await read();
      for (const item of page) take(item);
      const took = performance.now() - started;
      busyMs += took;
      if (page.length === pageSize) await sleep(took);
      return page.length === pageSize ? page[page.length - 1] : undefined;
    };
    // Sessions before their charge points: a session is sent to whoever may see its charge point as
    // read after it, so a charge point given to another operator between the two reads sends its
    // session to the new one; read the other way round, the old one was sent the session as it
    // stood after the move (a review's finding).
    const running = new Map<number, Snapshot<TransactionBody>>();
    for (let afterId = 0; ; ) {
      const last = await paced(
        () => views.transactions({ active: true, afterId, limit: pageSize }),
        (tx) => keep(running, tx.id, snapshot(transactionBody(tx)), previous?.running, changes, 'transaction'),
      );
      if (!last) break;
      afterId = last.id;
    }
    const chargePoints = new Map<string, Snapshot<ChargePointBody>>();
    for (let afterId: string | undefined; ; ) {
      const last = await paced(
        () => views.chargePoints({ afterId, limit: pageSize }),
        (cp) => keep(chargePoints, cp.id, snapshot(chargePointBody(cp)), previous?.chargePoints, changes, 'chargePoint'),
      );
      if (!last) break;
      afterId = last.id;
    }
    this.nextFullReadAt = Date.now() + Math.max(this.options.intervalMs, busyMs * this.options.fullReadSpacing);
    return { chargePoints, running, of: 'all' };
  }

  /** The charge points that acted on this node or whose presence changed, with their running transactions. */
  private async readChanged(previous: State, changes: Change[]): Promise<Reading> {
    const ids = new Set(this.acted);
    this.acted.clear();
    const { views } = this.domain;
    for (const [id, cp] of previous.chargePoints) {
      const now = views.presence(id);
      if (now.connected !== cp.value.connected || now.node !== cp.value.node) ids.add(id);
    }
    const chargePoints = new Map<string, Snapshot<ChargePointBody>>();
    const running = new Map<number, Snapshot<TransactionBody>>();
    const all = [...ids];
    // Sessions before their charge points (see readAll).
    for (let i = 0; i < all.length; i++) {
      if (i > 0 && i % this.options.pageSize === 0) await yieldToIo();
      for (const tx of await views.transactions({ chargePointId: all[i], active: true })) keep(running, tx.id, snapshot(transactionBody(tx)), previous.running, changes, 'transaction');
    }
    for (let i = 0; i < all.length; i += this.options.pageSize) {
      if (i > 0) await yieldToIo();
      for (const cp of await views.chargePoints({ ids: all.slice(i, i + this.options.pageSize) })) {
        keep(chargePoints, cp.id, snapshot(chargePointBody(cp)), previous.chargePoints, changes, 'chargePoint');
      }
    }
    return { chargePoints, running, of: ids };
  }
}

/** Puts a fresh snapshot in `into`, and a change when it differs from the one in `before`. */
function keep<K, T extends ChargePointBody | TransactionBody>(
  into: Map<K, Snapshot<T>>,
  key: K,
  fresh: Snapshot<T>,
  before: Map<K, Snapshot<T>> | undefined,
  changes: Change[],
  type: FeedMessage['type'],
): void {
  into.set(key, fresh);
  const was = before?.get(key);
  if (!before || was?.json === fresh.json) return;
  const change: Change = { message: { type, data: fresh.value } as FeedMessage, json: fresh.json };
  if (type === 'chargePoint' && was) change.before = { operator: (was.value as ChargePointBody).operator };
  changes.push(change);
}

const TRANSACTION_FIELDS = Object.keys(TransactionSchema.properties) as (keyof Transaction)[];

/**
 * A transaction as GET /api/v1/transactions gives it: the fields of its API schema and no others
 * (not its samples, nor the domain's own bookkeeping such as the energy tail, whose changes would
 * otherwise send events that show nothing new).
 */
function transactionBody(tx: Transaction): TransactionBody {
  return Object.fromEntries(TRANSACTION_FIELDS.map((field) => [field, tx[field]])) as TransactionBody;
}
