// Admission as every OCPP transport applies it (WebSocket handshakes and SOAP messages alike):
// refuse addresses that failed too often (before any password is checked), read what the
// connection presents (HTTP Basic, TLS, client certificate, source address), let the registry
// decide, count failures, and log every refusal with the charge point id, the address and the
// reason — never a password.
import type { IncomingMessage } from 'node:http';
import type { ChargePoint } from '../domain/model.js';
import type { AdmissionRefusal, Credentials, Registry } from '../domain/registry.js';
import type { Logger } from '../log.js';
import type { FailureLimiter } from './auth-failures.js';
import { echoed } from '../ocpp/echo.js';
import { basicPassword } from './basic-auth.js';
import { clientCertificate, isTls } from './tls.js';

export type RefusalReason = AdmissionRefusal | 'tooManyFailures';

export interface Refusal {
  /** 401 credentials missing or wrong, 403 transport/certificate/source not allowed, 404 unknown, 429 too many failures. */
  status: 401 | 403 | 404 | 429;
  reason: RefusalReason;
  detail: string;
  /** Response headers the status calls for (WWW-Authenticate, Retry-After). */
  headers: Record<string, string>;
}

export type GateAdmission = { admitted: true; chargePoint: ChargePoint } | { admitted: false; refusal: Refusal };

export type TransportKind = 'websocket' | 'soap';

export interface AdmissionGateDeps {
  registry: Pick<Registry, 'admit'>;
  /** Failed admissions per source address; absent: not limited. */
  failures?: FailureLimiter | undefined;
  log: Logger;
  /** Whether TLS clients are asked for a certificate (TOMADA_TLS_CA is set): for the log's hint. */
  clientCertificates?: boolean;
}

const STATUS: Record<AdmissionRefusal, 401 | 403 | 404> = {
  invalidId: 404,
  unknown: 404,
  unauthorized: 401,
  sourceNotAllowed: 403,
  tlsRequired: 403,
  certificateRequired: 403,
  certificateUntrusted: 403,
  certificateMismatch: 403,
};

/** What a request presents to be admitted as `chargePointId`. */
export function credentialsOf(request: IncomingMessage, chargePointId: string): Credentials {
  const socket = request.socket;
  const authorization = request.headers.authorization;
  const tls = isTls(socket);
  return {
    password: basicPassword(authorization, chargePointId),
    authorizationSent: authorization !== undefined,
    tls,
    certificate: tls ? clientCertificate(socket) : undefined,
    remoteAddress: socket.remoteAddress,
  };
}

/** An id as logged: a refused "id" can be any text up to the header size limit. */
function loggedId(chargePointId: string | undefined): string | undefined {
  return chargePointId !== undefined && chargePointId.length > 64 ? `${chargePointId.slice(0, 64)}…` : chargePointId;
}

export class AdmissionGate {
  /** Addresses whose block has been logged at warn level (later refusals go to debug). */
  private readonly blockLogged = new Map<string, number>();

  constructor(private readonly deps: AdmissionGateDeps) {}

  /**
   * The 429 refusal when `remote` failed too often recently; checked before anything else, so a
   * blocked address costs a map lookup.
   */
  tooManyFailures(remote: string | undefined, context: { chargePointId?: string | undefined; transport: TransportKind }): Refusal | undefined {
    const seconds = this.deps.failures?.blockedForS(remote) ?? 0;
    if (seconds === 0) return undefined;
    const refusal: Refusal = {
      status: 429,
      reason: 'tooManyFailures',
      detail: `too many failed attempts from this address; refused for ${seconds} s more`,
      headers: { 'Retry-After': String(seconds) },
    };
    // The first refusal of a block is a warning; the rest of a flood only at debug level.
    const key = remote ?? 'unknown';
    const until = this.blockLogged.get(key);
    const now = Date.now();
    const level = until !== undefined && until > now ? 'debug' : 'warn';
    if (level === 'warn') {
      this.blockLogged.set(key, now + seconds * 1000);
      if (this.blockLogged.size > 10_000) for (const [k, t] of this.blockLogged) if (t <= now) this.blockLogged.delete(k);
    }
    this.deps.log[level]({ chargePointId: loggedId(context.chargePointId), remote, transport: context.transport, reason: refusal.reason, status: 429, detail: refusal.detail }, 'charge point refused');
    return refusal;
  }

  async admit(chargePointId: string, request: IncomingMessage, transport: TransportKind): Promise<GateAdmission> {
    const remote = request.socket.remoteAddress;
    const blocked = this.tooManyFailures(remote, { chargePointId, transport });
    if (blocked) return { admitted: false, refusal: blocked };
    const credentials = credentialsOf(request, chargePointId);
    const admission = await this.deps.registry.admit(chargePointId, credentials);
    if (admission.admitted) return admission;
    const status = STATUS[admission.reason];
    let detail = admission.detail;
    if (admission.reason === 'certificateRequired' && credentials.tls && !this.deps.clientCertificates) {
      detail += ' (no TOMADA_TLS_CA is configured, so the TLS listener asks for no client certificate)';
    }
    const refusal: Refusal = {
      status,
      reason: admission.reason,
      detail,
      headers: status === 401 ? { 'WWW-Authenticate': 'Basic realm="OCPP", charset="UTF-8"' } : {},
    };
    const nowBlocked = this.deps.failures?.record(remote) ?? false;
    this.deps.log.warn(
      { chargePointId: loggedId(chargePointId), remote, transport, tls: credentials.tls, reason: refusal.reason, status, detail, ...(nowBlocked ? { blocked: true } : {}) },
      nowBlocked ? 'charge point refused; the address is now blocked after too many failures' : 'charge point refused',
    );
    return { admitted: false, refusal };
  }
}

/** The fault reason a refused SOAP message gets: what to fix, without the details the log has. */
export function soapRefusalReason(refusal: Refusal, chargePointId: string): string {
  switch (refusal.reason) {
    case 'invalidId':
    case 'unknown':
      return `Unknown charge point "${echoed(chargePointId)}"`;
    case 'unauthorized':
      return 'Charge point authentication failed';
    case 'tlsRequired':
      return 'This charge point must connect over TLS (https)';
    case 'certificateRequired':
    case 'certificateUntrusted':
    case 'certificateMismatch':
      return 'Client certificate missing, not trusted, or not issued to this charge point';
    case 'sourceNotAllowed':
      return 'Messages of this charge point are not accepted from this address';
    case 'tooManyFailures':
      return 'Too many failed attempts from this address; try again later';
  }
}
