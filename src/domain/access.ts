// Who may see and change what. Every API request acts as a principal (from its token); a
// principal's scope is the whole network or one operator's things. Ownership is decided here, once:
// a charge point belongs to its operator, a transaction (session) and an event to the operator of
// their charge point, an id tag and an API token to the operator they were made for. The API layer
// asks these questions for every route it serves (src/api/access.ts); nothing else decides them.
import type { Store } from '../store/store.js';
import { DomainError } from './errors.js';

export const Roles = ['admin', 'operator', 'readonly'] as const;
/** admin: the network's administrators; operator: an OPC or DPC; readonly: reads only. */
export type Role = (typeof Roles)[number];

export const isRole = (value: string): value is Role => (Roles as readonly string[]).includes(value);

export interface Principal {
  tokenId: string;
  tokenName: string;
  role: Role;
  /** The operator it acts for: always set for `operator`, optional for `readonly`, null for `admin`. */
  operator: string | null;
  /** When its token stops working; null: until revoked. */
  expiresAt: string | null;
}

/** An edit of a SOAP charge point's endpoint (PUT /charge-points/{id}): each part may be absent. */
export interface SoapEndpointEdit {
  soapEndpoint?: string | null | undefined;
  soapEndpointSetByAdministrator?: boolean | undefined;
}

/** What a principal may see: everything (no operator), or what one operator owns. */
export interface Scope {
  operator?: string;
}

export function scopeOf(principal: Principal): Scope {
  return principal.role === 'admin' || principal.operator === null ? {} : { operator: principal.operator };
}

/** Whether something owned by `owner` (null: the network's own) is visible in `scope`. */
export function inScope(scope: Scope, owner: string | null): boolean {
  return scope.operator === undefined || owner === scope.operator;
}

/** The principal may not do this (its role, or another operator's things). */
export class AccessDenied extends DomainError {}

/** The request names an operator that does not exist. */
export class UnknownOperator extends DomainError {}

/** Kinds of things a route can address, each with the rule that finds its owner. */
export type ResourceKind = 'chargePoint' | 'transaction' | 'idTag' | 'operator' | 'token' | 'validation';

/** Whether it exists, and which operator owns it (null: the network). */
export type Ownership = { exists: false } | { exists: true; owner: string | null };

const absent: Ownership = { exists: false };
const owned = (owner: string | null): Ownership => ({ exists: true, owner });

/** The ownership of a record that names its operator (a charge point, an id tag, a token), or of none. */
export const ownershipOf = (record: { operator: string | null } | undefined): Ownership => (record ? owned(record.operator) : absent);

/**
 * Refuses a PUT from `scope` to something another operator (or the network) owns. Ids of charge
 * points and id tags are network-wide, so such a PUT would otherwise change that record: it is
 * refused as such, not answered as missing. The API checks it before the handler runs, and the
 * store's unit that writes the record checks it again on what it read (locked), so that a PUT
 * racing another operator's creation of the same id is refused as if it had come after.
 */
export function assertMayPut(scope: Scope, key: string | number, ownership: Ownership): void {
  if (ownership.exists && !inScope(scope, ownership.owner)) throw new AccessDenied(`"${key}" belongs to another operator`);
}

export class Access {
  constructor(private readonly store: Store) {}

  async ownership(kind: ResourceKind, key: string | number): Promise<Ownership> {
    switch (kind) {
      case 'chargePoint':
        return ownershipOf(await this.store.getChargePoint(String(key)));
      case 'transaction': {
        const id = Number(key);
        const tx = Number.isSafeInteger(id) ? await this.store.getTransaction(id) : undefined;
        if (!tx) return absent;
        return owned((await this.store.getChargePoint(tx.chargePointId))?.operator ?? null);
      }
      case 'idTag':
        return ownershipOf(await this.store.getIdTag(String(key)));
      case 'operator':
        // Owned by itself, existing or not: no one may act for an operator that is not theirs,
        // even before it exists (a webhook set for it would receive its events once created).
        return owned(String(key));
      case 'validation': {
        const validation = await this.store.getValidation(String(key));
        if (!validation) return absent;
        return owned((await this.store.getChargePoint(validation.chargePointId))?.operator ?? null);
      }
      case 'token':
        return ownershipOf(await this.store.getApiToken(String(key)));
    }
  }

  /**
   * Which of these charge points are visible in `scope`. Reads only them: an operator of thousands
   * of charge points would otherwise have all of its own read for every page it lists.
   */
  async visibleChargePoints(scope: Scope, ids: Iterable<string>): Promise<Set<string>> {
    const asked = [...new Set(ids)];
    if (scope.operator === undefined) return new Set(asked);
    return new Set((await this.store.listChargePoints({ operator: scope.operator, ids: asked })).map((cp) => cp.id));
  }

  /**
   * The SOAP endpoint a principal's edit sets: what an administrator sends, and nothing for anyone
   * else. Commands to a SOAP charge point are POSTed there and the answer journaled, shown among
   * its frames: an operator able to aim it anywhere could make the central system call into its
   * own network and read the answer back. So an administrator sets it; the charge points give
   * theirs in their own messages (WS-Addressing From); anyone else may only send the one already
   * stored (a form sending the whole record), which changes nothing: it does not become an
   * administrator's endpoint, which the charge point's From would no longer replace. Whether the
   * endpoint is kept against that From is an administrator's choice too, for the same reason.
   */
  async soapEndpointToSet(principal: Principal, chargePointId: string, requested: SoapEndpointEdit): Promise<SoapEndpointEdit> {
    const { soapEndpoint, soapEndpointSetByAdministrator: pinned } = requested;
    if ((soapEndpoint === undefined && pinned === undefined) || principal.role === 'admin') return requested;
    const current = await this.store.getChargePoint(chargePointId);
    // Written back as read, they change nothing, and anyone who may edit the charge point may do that.
    if (soapEndpoint !== undefined && soapEndpoint !== (current?.soapEndpoint ?? null)) throw new AccessDenied('Only an administrator sets a SOAP endpoint; a charge point gives its own in its messages (WS-Addressing From)');
    if (pinned !== undefined && pinned !== (current?.soapEndpointSetByAdministrator ?? false)) throw new AccessDenied("Only an administrator keeps a SOAP endpoint against the charge point's From, or gives it back");
    return {};
  }

  /**
   * The operator something a principal creates or edits is to belong to: an administrator assigns
   * any existing operator (or none), undefined leaving the current owner as it is; anyone else
   * only their own, which new things get by default. Whether the thing is new is not asked here: it
   * is read in the unit that writes it, where a thing of another operator is refused (assertMayPut),
   * so their own operator is all a non-administrator's write can store.
   */
  async ownerFor(principal: Principal, requested: string | null | undefined): Promise<string | null | undefined> {
    if (principal.role !== 'admin') {
      const own = principal.operator;
      if (own === null) throw new AccessDenied('This token acts for no operator');
      if (requested !== undefined && requested !== own) throw new AccessDenied(`This token can only assign its own operator "${own}"`);
      return own;
    }
    if (typeof requested === 'string' && !(await this.store.getOperator(requested))) {
      throw new UnknownOperator(`No operator "${requested}": create it first (PUT /api/v1/operators/${requested})`);
    }
    return requested;
  }
}
