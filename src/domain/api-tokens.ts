// Operator API tokens. Only a SHA-256 of each token is stored: tokens are long random strings,
// so a fast hash is enough to make a stolen database useless for signing in.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ApiToken, Store } from '../store/store.js';
import type { Clock } from './time.js';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newTokenSecret(): string {
  return randomBytes(24).toString('base64url');
}

export class ApiTokens {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async verify(token: string): Promise<ApiToken | undefined> {
    return this.store.findApiTokenByHash(hashToken(token));
  }

  /**
   * Makes sure an administrator can sign in: `configured` (TOMADA_ADMIN_TOKEN) becomes the admin
   * token; without it, a first token is generated when none exists and returned once to be shown.
   */
  async ensureAdmin(configured: string | undefined): Promise<{ generated?: string }> {
    if (configured !== undefined) {
      await this.store.transact((tx) =>
        tx.putApiToken({ id: 'admin-env', name: 'TOMADA_ADMIN_TOKEN', role: 'admin', tokenHash: hashToken(configured), createdAt: this.clock().toISOString() }),
      );
      return {};
    }
    if ((await this.store.countApiTokens()) > 0) return {};
    const generated = newTokenSecret();
    await this.store.transact((tx) =>
      tx.putApiToken({ id: randomUUID(), name: 'first admin', role: 'admin', tokenHash: hashToken(generated), createdAt: this.clock().toISOString() }),
    );
    return { generated };
  }
}
