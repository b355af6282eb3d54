// Operator API tokens. Only a SHA-256 of each token is stored: tokens are long random strings,
// so a fast hash is enough to make a stolen database useless for signing in. A token carries a
// role and, for operator and scoped read-only tokens, the operator it acts for, and may be made to
// expire: from its `expiresAt` on it is refused as a revoked one is, by the node's clock.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ApiToken, Store } from '../store/store.js';
import { AccessDenied, isRole, UnknownOperator, type Principal, type Role, type Scope } from './access.js';
import { InvalidRequest } from './errors.js';
import { assertOperatorHeld } from './operators.js';
import { RefusedTokens } from './refused-tokens.js';
import type { Clock } from './time.js';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newTokenSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** A token as shown to people: never its hash. */
export type TokenInfo = Omit<ApiToken, 'tokenHash'>;

export const tokenInfo = ({ tokenHash: _hash, ...info }: ApiToken): TokenInfo => info;

export interface NewToken {
  name: string;
  role: Role;
  operator?: string | null | undefined;
  /** When it stops working (canonical UTC, after now); absent or null: until revoked. */
  expiresAt?: string | null | undefined;
}

/** A bearer token's principal, or why it is refused, with words for the 401's message. */
export type TokenCheck = { principal: Principal } | TokenRefusal;
type TokenRefusal = { refused: 'unknown' | 'expired'; message: string };

/** The id of the token TOMADA_ADMIN_TOKEN sets. */
const ENV_ADMIN_ID = 'admin-env';

export class ApiTokens {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly refused = new RefusedTokens<TokenRefusal>(),
  ) {}

  /**
   * The principal a bearer token acts as; refused when it is unknown, revoked or expired. A token
   * refused lately is refused again without a store read (refused-tokens.ts).
   */
  async check(token: string): Promise<TokenCheck> {
    const tokenHash = hashToken(token);
    const now = this.clock().getTime();
    const remembered = this.refused.get(tokenHash, now);
    if (remembered) return remembered;
    const found = await this.store.findApiTokenByHash(tokenHash);
    if (!found || !isRole(found.role)) return this.refuse(tokenHash, now, { refused: 'unknown', message: 'Unknown or revoked token' });
    // Only its holder gets this far, so saying it expired tells nobody else anything.
    if (found.expiresAt !== null && Date.parse(found.expiresAt) <= now) return this.refuse(tokenHash, now, { refused: 'expired', message: `The token expired at ${found.expiresAt}` });
    const operator = found.role === 'admin' ? null : found.operator;
    return { principal: { tokenId: found.id, tokenName: found.name, role: found.role, operator, expiresAt: found.expiresAt } };
  }

  private refuse(tokenHash: string, now: number, refusal: TokenRefusal): TokenRefusal {
    this.refused.remember(tokenHash, refusal, now);
    return refusal;
  }

  /**
   * Makes a token; the secret is returned once and only its hash is kept. An administrator makes
   * any token; an operator only operator or read-only tokens for itself.
   */
  async create(by: Principal, request: NewToken): Promise<{ token: TokenInfo; secret: string }> {
    const operator = request.operator ?? null;
    if (by.role !== 'admin') {
      if (request.role === 'admin') throw new AccessDenied('Only an administrator can make administrator tokens');
      // An explicit null asks for a token of the whole network, as it does from an administrator:
      // refused like another operator's, not quietly made one of its own.
      if (request.operator === null || (operator !== null && operator !== by.operator)) throw new AccessDenied(`This token can only make tokens for its own operator "${by.operator}"`);
    }
    const owner = by.role === 'admin' ? operator : by.operator;
    if (request.role === 'admin' && owner !== null) throw new UnknownOperator('An administrator token acts for the whole network: give no operator');
    if (request.role === 'operator' && owner === null) throw new UnknownOperator('An operator token needs the operator it acts for');
    const now = this.clock();
    // A token that expires makes none that outlives it (else a contractor's would make itself one
    // that lasts until revoked); without expiresAt, the new one ends when it does.
    const expiresAt = request.expiresAt === undefined ? by.expiresAt : request.expiresAt;
    if (by.expiresAt !== null && (expiresAt === null || Date.parse(expiresAt) > Date.parse(by.expiresAt))) {
      throw new AccessDenied(`This token expires at ${by.expiresAt}: the tokens it makes expire no later`);
    }
    if (expiresAt !== null && Date.parse(expiresAt) <= now.getTime()) throw new InvalidRequest(`expiresAt: ${expiresAt} is not in the future (now ${now.toISOString()})`);
    const secret = newTokenSecret();
    const token: ApiToken = {
      id: randomUUID(),
      name: request.name,
      role: request.role,
      operator: owner,
      tokenHash: hashToken(secret),
      createdAt: now.toISOString(),
      revokedAt: null,
      expiresAt,
    };
    await this.store.transact(async (tx) => {
      await assertOperatorHeld(tx, owner);
      await tx.putApiToken(token);
    });
    return { token: tokenInfo(token), secret };
  }

  async list(scope: Scope): Promise<TokenInfo[]> {
    return (await this.store.listApiTokens(scope)).map(tokenInfo);
  }

  async get(id: string): Promise<TokenInfo | undefined> {
    const token = await this.store.getApiToken(id);
    return token && tokenInfo(token);
  }

  /** Revokes a token at once (it is kept, marked revoked); undefined when there is none. */
  async revoke(id: string): Promise<TokenInfo | undefined> {
    return this.store.transact(async (tx) => {
      if (!(await tx.getApiToken(id))) return undefined;
      await tx.revokeApiToken(id, this.clock().toISOString());
      const token = await tx.getApiToken(id);
      return token && tokenInfo(token);
    });
  }

  /**
   * Makes sure an administrator can sign in: `configured` (TOMADA_ADMIN_TOKEN) becomes the admin
   * token (again, if it was revoked: the environment is the administrator's own setting); without
   * it, a first token is generated when none exists and returned once to be shown.
   *
   * A start without the variable revokes the token it set before (`retired`): an administrator who
   * removes a secret from the configuration means to retire it, and until 2026-12-07 it stayed
   * valid until revoked through the API, which nothing said. Should that leave no administrator
   * token valid, one is generated, so the removal never locks the administrator out.
   */
  async ensureAdmin(configured: string | undefined): Promise<{ generated?: string; retired?: boolean }> {
    const { retired } = await this.applyConfiguredAdmin(configured);
    if (configured !== undefined) return {};
    const generated = await this.firstAdminIfNeeded(retired);
    return generated === undefined ? { retired } : { generated, retired };
  }

  /**
   * The first half of ensureAdmin, before a node's listeners open: `configured` becomes the admin
   * token, or, without it, the token it set before is revoked (`retired`).
   */
  async applyConfiguredAdmin(configured: string | undefined): Promise<{ retired: boolean }> {
    const now = this.clock();
    if (configured !== undefined) {
      await this.store.transact((tx) => tx.putApiToken(this.adminToken(ENV_ADMIN_ID, 'TOMADA_ADMIN_TOKEN', configured, now)));
      return { retired: false };
    }
    const retired = await this.store.transact(async (tx) => {
      const fromVariable = await tx.getApiToken(ENV_ADMIN_ID);
      if (!fromVariable || fromVariable.revokedAt !== null) return false;
      await tx.revokeApiToken(ENV_ADMIN_ID, now.toISOString());
      return true;
    });
    return { retired };
  }

  /**
   * The second half, once the node's listeners are open: a first token, when none exists (or the
   * variable's was just retired and no administrator token is left valid), returned once to be
   * shown. Made before the listeners, it was stored by a start that then failed (a port in use),
   * and the next start, finding a token, printed none: the new user was locked out (an audit).
   */
  async firstAdminIfNeeded(retired: boolean): Promise<string | undefined> {
    const now = this.clock();
    const valid = (t: ApiToken) => t.role === 'admin' && t.revokedAt === null && (t.expiresAt === null || Date.parse(t.expiresAt) > now.getTime());
    const needed = retired ? !(await this.store.listApiTokens()).some(valid) : (await this.store.countApiTokens()) === 0;
    if (!needed) return undefined;
    const generated = newTokenSecret();
    await this.store.transact((tx) => tx.putApiToken(this.adminToken(randomUUID(), 'first admin', generated, now)));
    return generated;
  }

  private adminToken(id: string, name: string, secret: string, now: Date): ApiToken {
    return { id, name, role: 'admin', operator: null, tokenHash: hashToken(secret), createdAt: now.toISOString(), revokedAt: null, expiresAt: null };
  }

}
