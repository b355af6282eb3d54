// Delivers each operator's events to its webhook, in order, at least once: an event is marked
// delivered only after the receiver answered 2xx, so a receiver that is down gets everything when
// it is back, and an event another node commits late is waited for, never passed (Store.listEvents).
// Retries back off exponentially per operator. Each POST carries the event as JSON,
// its id (receivers deduplicate by it) and an HMAC-SHA256 signature of the body under the
// operator's secret.
import { createHmac } from 'node:crypto';
import type { Store, StoredEvent, Webhook } from '../store/store.js';

export const SIGNATURE_HEADER = 'x-tomada-signature';
export const EVENT_ID_HEADER = 'x-tomada-event-id';

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** A URL as logged: user and password (if the operator put any in it) are not written. */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unreadable URL)';
  }
}

export interface DelivererOptions {
  /** How often pending events are looked for. */
  pollMs: number;
  /** First retry delay after a failure; doubles up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** A receiver must answer within this. */
  timeoutMs: number;
}

export const DefaultDelivererOptions: DelivererOptions = { pollMs: 2_000, backoffMs: 1_000, maxBackoffMs: 300_000, timeoutMs: 10_000 };

interface Log {
  warn(detail: object, message: string): void;
  error(detail: object, message: string): void;
}

export class WebhookDeliverer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Per operator: consecutive failures and when the next attempt may be made. */
  private readonly backoff = new Map<string, { failures: number; notBefore: number }>();

  constructor(
    private readonly store: Store,
    private readonly log: Log,
    private readonly options: DelivererOptions = DefaultDelivererOptions,
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.deliverAll()
        .catch((error: unknown) => this.log.error({ err: error }, 'webhook delivery failed'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.pollMs);
        });
    };
    this.timer = setTimeout(tick, this.options.pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: every webhook that is not backing off gets its pending events, oldest first. */
  async deliverAll(): Promise<void> {
    for (const hook of await this.store.listWebhooks()) {
      const wait = this.backoff.get(hook.operator);
      if (wait && wait.notBefore > Date.now()) continue;
      await this.deliver(hook);
    }
  }

  private async deliver(hook: Webhook): Promise<void> {
    let cursor = hook.lastEventId;
    for (;;) {
      const events = await this.store.listEvents({ operator: hook.operator, afterId: cursor, limit: 100 });
      if (events.length === 0) return;
      for (const event of events) {
        const problem = await this.post(hook, event);
        if (problem) {
          await this.failed(hook, cursor, problem);
          return;
        }
        cursor = event.id;
        this.backoff.delete(hook.operator);
        await this.store.transact((tx) => tx.updateWebhookDelivery(hook.operator, cursor, null));
        if (this.stopped) return;
      }
    }
  }

  /** Posts one event; undefined on a 2xx, else what went wrong. */
  private async post(hook: Webhook, event: StoredEvent): Promise<string | undefined> {
    const body = JSON.stringify({ ...event, operator: hook.operator });
    try {
      const response = await fetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature(hook.secret, body), [EVENT_ID_HEADER]: String(event.id) },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
        redirect: 'error',
      });
      // The answer's body is not needed: dropped unread, so a huge one costs nothing.
      await response.body?.cancel().catch(() => undefined);
      return response.ok ? undefined : `HTTP ${response.status} for event ${event.id}`;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return `${(error as Error).message}${cause ? ` (${cause})` : ''} for event ${event.id}`;
    }
  }

  private async failed(hook: Webhook, cursor: number, problem: string): Promise<void> {
    const failures = (this.backoff.get(hook.operator)?.failures ?? 0) + 1;
    const delay = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** (failures - 1));
    this.backoff.set(hook.operator, { failures, notBefore: Date.now() + delay });
    this.log.warn({ operator: hook.operator, url: withoutCredentials(hook.url), problem, retryInMs: delay }, 'webhook delivery failed; will retry');
    await this.store.transact((tx) => tx.updateWebhookDelivery(hook.operator, cursor, problem));
  }
}
