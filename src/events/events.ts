// The network's events (auto-registrations, firmware changes, OCPP version changes and mismatches,
// unvalidated software, finished validations, ...) as operators read them, and where each
// operator wants them delivered.
import { InvalidRequest, NotFound } from '../domain/errors.js';
import { inNetworks, isLocalhostName, urlHost } from '../networks.js';
import type { EventFilter, Store, StoredEvent, Webhook } from '../store/store.js';

export interface WebhookSettings {
  url: string;
  secret: string;
}

/**
 * A webhook as the API shows it: never its secret; its delivery state (failures in a row, when
 * the next attempt may be made, the node delivering it while one holds its lease).
 */
export type WebhookView = Pick<Webhook, 'operator' | 'url' | 'lastEventId' | 'lastError' | 'createdAt' | 'failures' | 'nextAttemptAt'> & { deliveringNode: string | null };

const view = (hook: Webhook, now = Date.now()): WebhookView => ({
  operator: hook.operator,
  url: hook.url,
  lastEventId: hook.lastEventId,
  lastError: hook.lastError,
  createdAt: hook.createdAt,
  failures: hook.failures,
  nextAttemptAt: hook.nextAttemptAt,
  deliveringNode: hook.leaseUntil !== null && Date.parse(hook.leaseUntil) >= now ? hook.leaseNode : null,
});

export class Events {
  /** `deniedNetworks`: where no webhook POST may go (TOMADA_WEBHOOK_DENIED_NETWORKS), so a URL naming one is refused when set. */
  constructor(
    private readonly store: Store,
    private readonly deniedNetworks: readonly string[] = [],
  ) {}

  list(filter: EventFilter): Promise<StoredEvent[]> {
    return this.store.listEvents(filter);
  }

  async webhook(operator: string): Promise<WebhookView> {
    const hook = await this.store.getWebhook(operator);
    if (!hook) throw new NotFound(`No webhook for operator "${operator}"`);
    return view(hook);
  }

  /**
   * Sets the operator's webhook. A new webhook receives the events from now on (not the whole
   * history); changing the URL or secret of an existing one keeps its place.
   */
  async setWebhook(operator: string, settings: WebhookSettings): Promise<{ webhook: WebhookView; created: boolean }> {
    let url: URL;
    try {
      url = new URL(settings.url);
    } catch {
      throw new InvalidRequest(`url is not a URL: "${settings.url}"`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidRequest('url must be http:// or https://');
    // A URL that names a denied address itself is refused now, with the reason, rather than
    // accepted and failing at every delivery. A host name is checked at each POST, on the address
    // it resolves to then (webhook-post.ts).
    const host = urlHost(url.href) ?? '';
    if (this.deniedNetworks.length > 0 && inNetworks(this.deniedNetworks, isLocalhostName(host) ? '127.0.0.1' : host)) {
      throw new InvalidRequest(`url: ${host} is in a network webhooks may not reach (TOMADA_WEBHOOK_DENIED_NETWORKS: the node's own and private networks unless the administrator lists others, or none)`);
    }
    if (settings.secret.length < 16) throw new InvalidRequest('secret must be at least 16 characters (it keys the signature)');
    return this.store.transact(async (tx) => {
      const existing = await tx.getWebhook(operator);
      const latest = (await tx.listEvents({ limit: 1 }))[0]?.id ?? 0;
      await tx.putWebhook({ operator, url: url.toString(), secret: settings.secret, createdAt: new Date().toISOString(), lastEventId: latest });
      return { webhook: view((await tx.getWebhook(operator))!), created: !existing };
    });
  }

  async deleteWebhook(operator: string): Promise<void> {
    const deleted = await this.store.transact((tx) => tx.deleteWebhook(operator));
    if (!deleted) throw new NotFound(`No webhook for operator "${operator}"`);
  }
}
