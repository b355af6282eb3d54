// Delivers each operator's events to its webhook, in order, at least once: an event is marked
// delivered only after the receiver answered 2xx, so a receiver that is down gets everything when
// it is back, and an event another node commits late is waited for, never passed (Store.listEvents).
// Retries back off exponentially per operator, and webhooks are delivered side by side (a few at
// once), so one slow receiver holds up its own operator only. Each POST carries the event as JSON,
// its id (receivers deduplicate by it) and an HMAC-SHA256 signature of the body under the
// operator's secret.
//
// With several nodes on one database, every node runs a deliverer, and one at a time delivers a
// given webhook: the node that holds its lease (Store.claimWebhook), renewed with every event
// delivered. A node that stops gives its leases up; one that dies loses them when they run out,
// and another node goes on from the cursor (the event in flight may then arrive twice). The
// backoff after a failure is kept with the webhook, so whichever node tries next waits as long.
// Every write names the webhook's generation, and each POST is preceded by a look at it: once the
// operator sets the webhook again (another URL, a new secret) or deletes it, a pass still running
// stops before its next event. A pass gives the webhook up when it has sent everything, so the
// next events go out with any node's next pass. Deadlines come from the nodes' clocks; one stored
// further ahead than a node ever sets one (a clock that ran ahead) counts as over.
import { createHmac } from 'node:crypto';
import { hostname } from 'node:os';
import { postProblem, postWebhook } from './webhook-post.js';
import type { Store, StoredEvent, Webhook, WebhookDelivery, WebhookLease } from '../store/store.js';
import { urlForLog } from '../url-for-log.js';

export const SIGNATURE_HEADER = 'x-tomada-signature';
/**
 * How many webhooks a node delivers at once. Each operator's events go out one after the other,
 * but a receiver that answers slowly (up to timeoutMs a POST) or not at all holds up its own
 * operator's events only, not every webhook after it.
 */
export const WEBHOOKS_AT_ONCE = 8;
export const EVENT_ID_HEADER = 'x-tomada-event-id';

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface DelivererOptions {
  /** How often pending events are looked for. */
  pollMs: number;
  /** First retry delay after a failure; doubles up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** A receiver must answer within this. */
  timeoutMs: number;
  /**
   * How long one webhook's delivery goes on in a pass, counted from its first POST: then the pass
   * lets the others' new events go, and the rest of its backlog follows in the next passes (the
   * lease kept). A pass ends when every webhook's turn has, so without it a slow receiver working
   * off a backlog (a thousand events at 2 s each after its outage) held every other operator's
   * new events for as long.
   */
  turnMs: number;
  /**
   * How long a node's lease on a webhook lasts unless renewed (with each event delivered): how
   * long a dead node's webhooks wait for another node. Longer than a receiver's timeout.
   */
  leaseMs: number;
  /** This node's name in the leases (the cluster's node id). */
  node: string;
  /** Networks no POST may reach (TOMADA_WEBHOOK_DENIED_NETWORKS); empty: any. */
  deniedNetworks: readonly string[];
}

export const DefaultDelivererOptions: DelivererOptions = {
  pollMs: 2_000,
  backoffMs: 1_000,
  maxBackoffMs: 300_000,
  timeoutMs: 10_000,
  turnMs: 2_000,
  leaseMs: 30_000,
  node: `${hostname()}-${process.pid}`,
  deniedNetworks: [],
};

interface Log {
  info?(detail: object, message: string): void;
  debug?(detail: object, message: string): void;
  warn(detail: object, message: string): void;
  error(detail: object, message: string): void;
}

/** The lease a pass holds, and when it ends by this node's clock. */
interface HeldLease {
  lease: WebhookLease;
  endsAt: number;
}

export class WebhookDeliverer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** The passes are failing (the store does not answer): said once, and again when they work. */
  private failing = false;
  /** Aborts a POST in flight when the node stops: the event is sent again, by this node or another. */
  private readonly stopping = new AbortController();
  private readonly options: DelivererOptions;

  constructor(
    private readonly store: Store,
    private readonly log: Log,
    options: Partial<DelivererOptions> = {},
  ) {
    this.options = { ...DefaultDelivererOptions, ...options };
  }

  start(): void {
    const tick = () => {
      this.running = this.deliverAll()
        .then(
          () => {
            if (this.failing) this.log.info?.({}, 'webhook delivery resumed: the store answers again');
            this.failing = false;
          },
          (error: unknown) => {
            // A pass fails when the store does (a receiver's failure is handled per webhook): once
            // at error, not every pollMs, and not as a receiver's failure, which it is not.
            if (this.failing) return this.log.debug?.({ err: error }, 'webhook delivery still paused');
            this.failing = true;
            this.log.error({ err: error }, 'webhook delivery paused: the store could not be read or written; no event is lost, delivery resumes once it answers');
          },
        )
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.pollMs);
        });
    };
    this.timer = setTimeout(tick, this.options.pollMs);
  }

  /** Ends the pass under way (a POST in flight is cut off) and gives this node's leases up for another node. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    clearTimeout(this.timer);
    await this.running;
    await this.store.transact((tx) => tx.releaseWebhooks(this.options.node)).catch((error: unknown) => this.log.warn({ err: error }, 'webhook leases not given up: other nodes take them when they run out'));
  }

  /**
   * One pass: every webhook with events pending gets them, oldest first, unless another node
   * holds it or its backoff has not ended; WEBHOOKS_AT_ONCE webhooks side by side. It ends when
   * every webhook's delivery has, and fails with the first that failed (the store did).
   */
  async deliverAll(): Promise<void> {
    const hooks = await this.store.listWebhooks();
    let next = 0;
    const worker = async () => {
      while (next < hooks.length && !this.stopped) await this.deliverOne(hooks[next++]!);
    };
    const outcomes = await Promise.allSettled(Array.from({ length: Math.min(WEBHOOKS_AT_ONCE, hooks.length) }, worker));
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async deliverOne(hook: Webhook): Promise<void> {
    if (this.waiting(hook, Date.now())) return;
    // Nothing pending: no lease taken (a write), the usual case for most operators.
    if ((await this.store.listEvents({ operator: hook.operator, afterId: hook.lastEventId, limit: 1 })).length === 0) return;
    const held = await this.claim(hook);
    if (!held) return;
    // Read again under the lease: another node may have moved the cursor since the list.
    const current = await this.store.getWebhook(hook.operator);
    if (current?.generation !== hook.generation) return;
    await this.deliver(current, held);
  }

  private async deliver(hook: Webhook, held: HeldLease): Promise<void> {
    const state: WebhookDelivery = { lastEventId: hook.lastEventId, lastError: hook.lastError, failures: hook.failures, nextAttemptAt: null, release: false };
    const turnEnds = Date.now() + this.options.turnMs;
    for (;;) {
      const events = await this.store.listEvents({ operator: hook.operator, afterId: state.lastEventId, limit: 100 });
      // All sent: given up, so the next events go out with whichever node's pass comes first.
      if (events.length === 0) {
        if (!(await this.record(hook, held, { ...state, release: true }))) this.lost(hook);
        return;
      }
      for (const event of events) {
        if (this.stopped) return;
        if (!(await this.stillHeld(hook, held, state))) return this.lost(hook);
        const problem = await this.post(hook, event);
        // Cut off by this node's stop: not the receiver's failure.
        if (problem && this.stopped) return;
        if (problem) return this.failed(hook, held, state, problem);
        Object.assign(state, { lastEventId: event.id, lastError: null, failures: 0 });
        if (!(await this.record(hook, held, state))) return this.lost(hook);
        // Its turn is over: the lease is kept, and the next pass goes on from here.
        if (Date.now() >= turnEnds) return;
      }
    }
  }

  /** Posts one event; undefined on a 2xx, else what went wrong. */
  private async post(hook: Webhook, event: StoredEvent): Promise<string | undefined> {
    const body = JSON.stringify({ ...event, operator: hook.operator });
    try {
      const status = await postWebhook({
        url: hook.url,
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature(hook.secret, body), [EVENT_ID_HEADER]: String(event.id) },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs), this.stopping.signal]),
        deniedNetworks: this.options.deniedNetworks,
      });
      return status >= 200 && status < 300 ? undefined : `HTTP ${status} for event ${event.id}`;
    } catch (error) {
      return `${postProblem(error)} for event ${event.id}`;
    }
  }

  private async failed(hook: Webhook, held: HeldLease, state: WebhookDelivery, problem: string): Promise<void> {
    const failures = state.failures + 1;
    const delay = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** (failures - 1));
    this.log.warn({ operator: hook.operator, url: urlForLog(hook.url), problem, retryInMs: delay }, 'webhook delivery failed; will retry');
    // Given up, so the retry is any node's once the backoff ends.
    const delivery = { ...state, lastError: problem, failures, nextAttemptAt: new Date(Date.now() + delay).toISOString(), release: true };
    if (!(await this.record(hook, held, delivery))) this.lost(hook);
  }

  /**
   * Another node holds the webhook, or a failure's backoff has not ended. A lease or backoff that
   * ends further ahead than any node sets one (WebhookLease.latestLeaseEnd) was set by a clock
   * that ran ahead: it is over.
   */
  private waiting(hook: Webhook, now: number): boolean {
    const within = (at: string | null, limitMs: number) => at !== null && Date.parse(at) > now && Date.parse(at) <= now + 2 * limitMs;
    return within(hook.nextAttemptAt, this.options.maxBackoffMs) || (hook.leaseNode !== this.options.node && within(hook.leaseUntil, this.options.leaseMs));
  }

  /** Takes the lease on this generation of the webhook; undefined if another node holds it. */
  private async claim(hook: Webhook): Promise<HeldLease | undefined> {
    const held = this.leaseAt(hook, Date.now());
    return (await this.store.transact((tx) => tx.claimWebhook(held.lease))) ? held : undefined;
  }

  /** A lease on this generation of the webhook, from `now` by this node's clock. */
  private leaseAt(hook: Webhook, now: number): HeldLease {
    const endsAt = now + this.options.leaseMs;
    const iso = (ms: number) => new Date(ms).toISOString();
    const lease = {
      operator: hook.operator,
      generation: hook.generation,
      node: this.options.node,
      now: iso(now),
      until: iso(endsAt),
      latestLeaseEnd: iso(now + 2 * this.options.leaseMs),
      latestRetry: iso(now + 2 * this.options.maxBackoffMs),
    };
    return { lease, endsAt };
  }

  /**
   * Just before a POST: the webhook is still the one this pass read, and this node still holds it
   * (the lease renewed when less is left of it than a POST may take).
   */
  private async stillHeld(hook: Webhook, held: HeldLease, state: WebhookDelivery): Promise<boolean> {
    if (held.endsAt - Date.now() < this.options.timeoutMs + 1_000) return this.record(hook, held, state);
    const current = await this.store.getWebhook(hook.operator);
    return current?.generation === hook.generation && current.leaseNode === this.options.node;
  }

  /**
   * Writes where the pass got to, renewing the lease (only a lease this node still holds: one
   * another node took and gave back meanwhile stays lost); false if it was lost.
   */
  private async record(hook: Webhook, held: HeldLease, delivery: WebhookDelivery): Promise<boolean> {
    const renewed = this.leaseAt(hook, Date.now());
    const kept = await this.store.transact((tx) => tx.updateWebhookDelivery(renewed.lease, delivery));
    if (kept) Object.assign(held, renewed);
    return kept;
  }

  private lost(hook: Webhook): void {
    this.log.info?.({ operator: hook.operator, node: this.options.node }, 'webhook pass ended: the webhook was set again or deleted, or another node delivers it now');
  }
}
