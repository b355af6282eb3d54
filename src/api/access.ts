// Access control for every /api/v1 route, in one place. Each route declares in its options
// (`config.access`) who may call it and which thing it addresses; this plugin then
//   1. authenticates the bearer token into a principal and its scope (onRequest),
//   2. refuses a role below the route's level with 403 (onRequest),
//   3. refuses a thing the route addresses (path or body key) that belongs to another
//      operator, as if it did not exist: 404 (403 for a PUT, which would otherwise create it; the
//      unit that writes it checks that again, see assertMayPut),
//   4. drops from a list answer any item the scope may not see (a second line behind the scoped
//      queries of the views).
// A route without a declaration stops the server at start, so no route can be forgotten.
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { assertMayPut, inScope, scopeOf, type Principal, type ResourceKind, type Scope } from '../domain/access.js';
import type { Domain } from '../domain/index.js';
import { HttpError, missing } from './errors.js';
import { ErrorBody } from './schemas.js';

/** read: any role; write: administrators and operators; admin: administrators only. */
export type AccessLevel = 'read' | 'write' | 'admin';

export interface RouteAccess {
  level: AccessLevel;
  /**
   * The thing the route addresses and where its key is; absent keys (optional fields) are not
   * checked. Never a list's filter (`?chargePointId=`): a filter naming another operator's thing
   * narrows the scoped list to nothing, as one naming a thing nobody has does, where a 404 here
   * would tell that it exists.
   */
  resource?: { kind: ResourceKind; param?: string; body?: string };
  /** For a list answer `{items}`: what owns each item, by which field. */
  items?: { kind: 'chargePoint' | 'operator'; field: string };
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
    scope: Scope;
    /** The token the request was authenticated with (its id and name, e.g. for who approved what). */
    apiToken?: { id: string; name: string };
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

const allowed: Record<AccessLevel, readonly Principal['role'][]> = {
  read: ['admin', 'operator', 'readonly'],
  write: ['admin', 'operator'],
  admin: ['admin'],
};

function keyOf(request: FastifyRequest, resource: NonNullable<RouteAccess['resource']>): string | number | undefined {
  const from = (source: unknown, name: string | undefined) =>
    name !== undefined && source !== null && typeof source === 'object' ? ((source as Record<string, unknown>)[name] as string | number | undefined) : undefined;
  // A null key (`operator: null`) names nothing to look up: the handler judges it.
  return from(request.params, resource.param) ?? from(request.body, resource.body) ?? undefined;
}

/** The operator filter a list gets: the scope's, narrowed by what the client asked; null: nothing can match. */
export function narrowOperator(scope: Scope, requested: string | undefined): string | undefined | null {
  if (scope.operator === undefined) return requested;
  return requested === undefined || requested === scope.operator ? scope.operator : null;
}

/** The token of an `Authorization: Bearer TOKEN` header; the scheme name is case-insensitive (RFC 7235 §2.1). */
export function bearerToken(request: FastifyRequest): string | undefined {
  return /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')?.[1];
}

export async function accessControl(v1: FastifyInstance, { domain }: { domain: Domain }) {
  v1.decorateRequest('principal', null as unknown as Principal);
  v1.decorateRequest('scope', null as unknown as Scope);

  v1.addHook('onRoute', (route: RouteOptions) => {
    const access = route.config?.access;
    if (!access) throw new Error(`Route ${String(route.method)} ${route.url} declares no access (config.access)`);
    // Documented for every route: who may not call it, and that what its schemas refuse is a 400.
    if (route.schema) {
      const checked = route.schema.params !== undefined || route.schema.querystring !== undefined || route.schema.body !== undefined;
      route.schema.response = { ...(checked ? { 400: ErrorBody } : {}), 401: ErrorBody, 403: ErrorBody, ...(access.resource ? { 404: ErrorBody } : {}), ...(route.schema.response as object) };
    }
  });

  v1.addHook('onRequest', async (request) => {
    const token = bearerToken(request);
    if (!token) throw new HttpError(401, 'Unauthorized', 'Send Authorization: Bearer TOKEN');
    const checked = await domain.apiTokens.check(token);
    if ('refused' in checked) throw new HttpError(401, 'Unauthorized', checked.message);
    const { principal } = checked;
    request.principal = principal;
    request.scope = scopeOf(principal);
    request.apiToken = { id: principal.tokenId, name: principal.tokenName };
    const level = request.routeOptions.config.access?.level ?? 'admin';
    if (!allowed[level].includes(principal.role)) {
      throw new HttpError(403, 'Forbidden', `${principal.role === 'operator' ? 'An' : 'A'} ${principal.role} token cannot do this (${level === 'admin' ? 'administrators only' : 'read-only token'})`);
    }
  });

  v1.addHook('preHandler', async (request) => {
    const resource = request.routeOptions.config.access?.resource;
    if (!resource || request.scope.operator === undefined) return;
    const key = keyOf(request, resource);
    if (key === undefined) return;
    const ownership = await domain.access.ownership(resource.kind, key);
    // A PUT would create it, so it is refused as such (ids are unique network-wide); anything else
    // answers another operator's thing as if it did not exist.
    if (request.method === 'PUT') return assertMayPut(request.scope, key, ownership);
    if (ownership.exists && !inScope(request.scope, ownership.owner)) throw missing(resource.kind, key);
  });

  v1.addHook('preSerialization', async (request, _reply, payload: unknown) => {
    const items = request.routeOptions.config.access?.items;
    if (!items || request.scope?.operator === undefined) return payload;
    if (payload === null || typeof payload !== 'object' || !Array.isArray((payload as { items?: unknown }).items)) return payload;
    const list = (payload as { items: Record<string, unknown>[] }).items;
    const visible =
      items.kind === 'operator'
        ? (item: Record<string, unknown>) => item[items.field] === request.scope.operator
        : await (async () => {
            const named = list.map((item) => item[items.field]).filter((id): id is string => typeof id === 'string');
            const ids = await domain.access.visibleChargePoints(request.scope, named);
            return (item: Record<string, unknown>) => typeof item[items.field] === 'string' && ids.has(item[items.field] as string);
          })();
    return { ...payload, items: list.filter(visible) };
  });
}
