// What the dashboard sees change: charge points (connection, registration, connectors) and
// transactions (started, stopped). While anyone listens, the feed reads the current state once per
// interval and tells each listener only what changed since the previous read. Reading the store,
// instead of hooking every place that writes, means every change is seen whichever transport or
// node made it, at the cost of at most one interval of delay.
import type { Domain } from '../domain/index.js';
import type { Transaction } from '../domain/model.js';
import { chargePointBody } from './routes/charge-points.js';
import { Transaction as TransactionSchema } from './schemas.js';

export type ChargePointBody = ReturnType<typeof chargePointBody>;
export type TransactionBody = Record<string, unknown> & { id: number; chargePointId: string };

export type FeedMessage = { type: 'chargePoint'; data: ChargePointBody } | { type: 'transaction'; data: TransactionBody };

export interface FeedListener {
  /** Whether this listener may see the charge point (an operator sees only their own). */
  visible(chargePointId: string, operator: string | null): boolean;
  send(message: FeedMessage): void;
}

interface Snapshot<T> {
  json: string;
  value: T;
}

interface State {
  chargePoints: Map<string, Snapshot<ChargePointBody>>;
  /** Transactions running at this read. */
  running: Map<number, Snapshot<TransactionBody>>;
}

const snapshot = <T>(value: T): Snapshot<T> => ({ json: JSON.stringify(value), value });

export class LiveFeed {
  private readonly listeners = new Set<FeedListener>();
  private state: State | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reading = false;

  constructor(
    private readonly domain: Domain,
    private readonly intervalMs = 1000,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /**
   * Adds a listener and sends it the current state of everything it may see (every charge point,
   * every running transaction), then only changes. Returns the function that removes it.
   */
  async subscribe(listener: FeedListener): Promise<() => void> {
    this.state ??= await this.read();
    for (const cp of this.state.chargePoints.values()) this.deliver(listener, { type: 'chargePoint', data: cp.value });
    for (const tx of this.state.running.values()) this.deliver(listener, { type: 'transaction', data: tx.value });
    this.listeners.add(listener);
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Stops reading and forgets the listeners (their streams are ended by whoever owns them). */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.state = undefined;
    this.listeners.clear();
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
    const next = await this.read();
    if (!previous || this.listeners.size === 0) return;
    const changes: FeedMessage[] = [];
    for (const [id, cp] of next.chargePoints) {
      if (previous.chargePoints.get(id)?.json !== cp.json) changes.push({ type: 'chargePoint', data: cp.value });
    }
    for (const [id, tx] of next.running) {
      if (previous.running.get(id)?.json !== tx.json) changes.push({ type: 'transaction', data: tx.value });
    }
    for (const id of previous.running.keys()) {
      if (next.running.has(id)) continue;
      const ended = await this.domain.views.transaction(id);
      if (ended) changes.push({ type: 'transaction', data: transactionBody(ended) });
    }
    this.state = next;
    for (const message of changes) for (const listener of this.listeners) this.deliver(listener, message);
  }

  private deliver(listener: FeedListener, message: FeedMessage) {
    const id = message.type === 'chargePoint' ? message.data.id : message.data.chargePointId;
    const operator = message.type === 'chargePoint' ? message.data.operator : (this.state?.chargePoints.get(id)?.value.operator ?? null);
    if (listener.visible(id, operator)) listener.send(message);
  }

  private async read(): Promise<State> {
    const [chargePoints, running] = await Promise.all([this.domain.views.chargePoints(), this.domain.views.transactions({ active: true })]);
    return {
      chargePoints: new Map(chargePoints.map((cp) => [cp.id, snapshot(chargePointBody(cp))])),
      running: new Map(running.map((tx) => [tx.id, snapshot(transactionBody(tx))])),
    };
  }
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
