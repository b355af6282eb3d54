// The charge point registry: who may connect, what a BootNotification is answered, what each
// charge point last told us about itself, and the operator's edits to it.
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { PART_OF_CALL, type Store, type StoreWriter } from '../store/store.js';
import { assertMayPut, ownershipOf, type Scope } from './access.js';
import type { ActivityFeed } from './activity.js';
import { InvalidRequest } from './errors.js';
import type { BootInfo, ChargePoint, ChargePointConnection, OcppVersion, RegistrationStatus, SecurityProfile, SoftwareIdentity, StatusReport, Transport } from './model.js';
import { assertOperatorHeld } from './operators.js';
import { hashPassword, verifyPasswordRemembered } from './passwords.js';
import { isResend, type JobStatusType } from './status-resends.js';
import { canonicalTime, type Clock } from './time.js';

export type UnknownChargePointPolicy = 'reject' | 'accept' | 'pending';
/** What a boot with software not in the validated registry gets (docs/VALIDATION.md). */
export type UnvalidatedSoftwarePolicy = 'flag' | 'pending' | 'reject';

/**
 * Answers a charge point's boots instead of its stored registration while set (a validation
 * campaign uses it to answer Pending, then Accepted with its own heartbeat interval).
 */
export type BootOverride = (info: BootInfo) => { status: RegistrationStatus; intervalS: number };

export interface RegistryOptions {
  unknownChargePoints: UnknownChargePointPolicy;
  /** Heartbeat interval given to Accepted charge points, in seconds. */
  heartbeatIntervalS: number;
  /** Interval after which a Pending or Rejected charge point should boot again, in seconds. */
  bootRetryIntervalS: number;
  unvalidatedSoftware?: UnvalidatedSoftwarePolicy | undefined;
}

/**
 * How far ahead of ours a charge point's clock may run before the times it stamps its statuses
 * with stop counting for their order: a status stamped later than this after it arrived came from a
 * clock glitch (or local time labelled UTC), and must not hold its connector's state back.
 */
const CLOCK_AHEAD_TOLERANCE_MS = 5 * 60_000;

/**
 * Whether an edit changed what a connection is admitted under: its password (one given is a new
 * one, even if the same: a password is set again to lock out whoever holds the old), its security
 * profile or the addresses it may connect from. A connection admitted before must then be ended,
 * and admitted again: an impostor already connected kept charging under the stolen password.
 */
function admissionChanged(before: ChargePoint, after: ChargePoint, settings: Pick<ChargePointSettings, 'password'>): boolean {
  return (
    settings.password !== undefined ||
    before.securityProfile !== after.securityProfile ||
    JSON.stringify(before.allowedSources) !== JSON.stringify(after.allowedSources)
  );
}

/** Charge point ids: unreserved URL characters only, at most 48 (as OCPP 2.0.1 puts it). */
const CHARGE_POINT_ID = /^[A-Za-z0-9._~:*@-]{1,48}$/;

export function isValidChargePointId(id: string): boolean {
  return CHARGE_POINT_ID.test(id);
}

export interface ChargePointSettings {
  password?: string | undefined;
  operator?: string | null | undefined;
  connection?: ChargePointConnection | undefined;
  declaredOcppVersion?: OcppVersion | null | undefined;
  declaredTransport?: Transport | null | undefined;
  registrationStatus?: RegistrationStatus | undefined;
  lenient?: boolean | undefined;
  soapEndpoint?: string | null | undefined;
  /** true: the endpoint is kept against the charge point's From; false: its next From replaces it. */
  soapEndpointSetByAdministrator?: boolean | undefined;
  securityProfile?: SecurityProfile | undefined;
  allowedSources?: string[] | undefined;
  meterPublicKey?: string | null | undefined;
}

/** How a SOAP charge point is reached, as its message gave it: its command endpoint, its WS-Addressing namespace. */
export interface SoapContact {
  endpoint?: string | undefined;
  addressing?: string | undefined;
}

/** A client certificate presented over TLS, as the transport read it. */
export interface ClientCertificate {
  /** It chains to the configured CA (the TLS layer verified it). */
  verified: boolean;
  /** Its subject CN, when it has exactly one. */
  commonName: string | undefined;
  /** Why it could not be verified (the TLS layer's code), when it could not. */
  problem?: string | undefined;
}

/** What a connection or a SOAP message presents to be admitted as a charge point. */
export interface Credentials {
  /** The HTTP Basic password sent with the charge point's own id as the user. */
  password?: string | undefined;
  /** Whether an Authorization header was sent at all (for the log: a password sent in clear). */
  authorizationSent?: boolean | undefined;
  /** The connection is TLS (wss://, https://). */
  tls?: boolean | undefined;
  /** The client certificate, if one was presented over TLS. */
  certificate?: ClientCertificate | undefined;
  /** The peer's IP address. */
  remoteAddress?: string | undefined;
}

export type AdmissionRefusal =
  | 'invalidId'
  | 'unknown'
  | 'sourceNotAllowed'
  | 'tlsRequired'
  | 'certificateRequired'
  | 'certificateUntrusted'
  | 'certificateMismatch'
  | 'unauthorized';

export type Admission =
  | { admitted: true; chargePoint: ChargePoint }
  | { admitted: false; reason: AdmissionRefusal; detail: string };

/** `address` as a BlockList checks it: IPv4-mapped IPv6 as plain IPv4, without an IPv6 zone. */
function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1]! : address.replace(/%.*$/, '');
}

/**
 * Lists of networks as Node's BlockList, each made once: the settings' lists (the networks a SOAP
 * From may name, those no webhook reaches) are checked at every SOAP message and every POST, and
 * building the list each time made up most of a From's check (220–300 µs, 2026-12-06). Keyed by
 * the entries, so a list read afresh (a charge point's own, from the store) is found too; bounded,
 * as charge points' lists are many.
 */
const parsedLists = new Map<string, { list: BlockList; invalid: string[] }>();
const PARSED_LISTS_KEPT = 1_000;

function parsedNetworks(networks: readonly string[]): { list: BlockList; invalid: string[] } {
  const key = networks.join('\n');
  const known = parsedLists.get(key);
  if (known) return known;
  const list = new BlockList();
  const invalid: string[] = [];
  for (const entry of networks) {
    const [base = '', prefix, extra] = entry.trim().split('/');
    const family = isIPv4(base) ? 'ipv4' : isIPv6(base) ? 'ipv6' : undefined;
    const bits = prefix === undefined ? undefined : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
    if (!family || extra !== undefined || (bits !== undefined && !(bits <= (family === 'ipv4' ? 32 : 128)))) {
      invalid.push(entry);
      continue;
    }
    if (bits === undefined) list.addAddress(base, family);
    else list.addSubnet(base, bits, family);
  }
  if (parsedLists.size >= PARSED_LISTS_KEPT) parsedLists.clear();
  const made = { list, invalid };
  parsedLists.set(key, made);
  return made;
}

/**
 * Whether `address` is one of `allowed` (IPv4 or IPv6 addresses and CIDRs; an empty list allows
 * any). An entry that is neither is ignored, so a typo allows nothing instead of everything; the
 * entries not understood are returned for the log.
 */
export function sourceAllowed(allowed: readonly string[], address: string | undefined): { allowed: boolean; invalid: string[] } {
  if (allowed.length === 0) return { allowed: true, invalid: [] };
  const { list, invalid } = parsedNetworks(allowed);
  if (address === undefined) return { allowed: false, invalid };
  const plain = plainAddress(address);
  const family = isIPv4(plain) ? 'ipv4' : isIPv6(plain) ? 'ipv6' : undefined;
  return { allowed: family !== undefined && list.check(plain, family), invalid };
}

export interface BootAnswer {
  /** The answer to the boot. */
  status: RegistrationStatus;
  /**
   * What the charge point's other messages are held to from now on, the software policy apart:
   * that one is asked at each message (softwareHold), so that the readings and stops of sessions
   * it has still get through.
   */
  registration: RegistrationStatus;
  currentTime: string;
  intervalS: number;
}

/** The software a charge point runs, when it has reported all of it. */
export function softwareIdentity(cp: Pick<ChargePoint, 'vendor' | 'model' | 'firmwareVersion' | 'ocppVersion' | 'transport'>): SoftwareIdentity | undefined {
  const { vendor, model, firmwareVersion, ocppVersion, transport } = cp;
  if (vendor === null || model === null || firmwareVersion === null || ocppVersion === null || transport === null) return undefined;
  return { vendor, model, firmwareVersion, ocppVersion, transport };
}

export function newChargePoint(id: string, registrationStatus: RegistrationStatus, createdAt: string): ChargePoint {
  return {
    id,
    registrationStatus,
    passwordHash: null,
    operator: null,
    connection: 'direct',
    declaredOcppVersion: null,
    lenient: false,
    vendor: null,
    model: null,
    chargePointSerialNumber: null,
    chargeBoxSerialNumber: null,
    firmwareVersion: null,
    iccid: null,
    imsi: null,
    meterType: null,
    meterSerialNumber: null,
    ocppVersion: null,
    transport: null,
    soapEndpoint: null,
    soapAddressing: null,
    soapEndpointSetByAdministrator: false,
    securityProfile: 0,
    allowedSources: [],
    meterPublicKey: null,
    declaredTransport: null,
    lastSeenAt: null,
    lastBootAt: null,
    createdAt,
  };
}

/** The declared protocol differs from the observed one: what the mismatch event says. */
function declarationMismatch(cp: Pick<ChargePoint, 'declaredOcppVersion' | 'declaredTransport'>, ocppVersion: OcppVersion | null, transport: Transport | null) {
  if (ocppVersion === null) return undefined;
  const versionDiffers = cp.declaredOcppVersion !== null && cp.declaredOcppVersion !== ocppVersion;
  const transportDiffers = cp.declaredTransport !== null && cp.declaredTransport !== transport;
  if (!versionDiffers && !transportDiffers) return undefined;
  return { declared: { ocppVersion: cp.declaredOcppVersion, transport: cp.declaredTransport }, observed: { ocppVersion, transport } };
}

/**
 * What an edit makes of the SOAP endpoint's origin: a new value is an administrator's, kept
 * against the charge point's From; null gives it back to the From. The value already stored,
 * written back (a client saving what it read, a sync from an asset register), changes nothing:
 * it pinned an address the charge point had named itself, and its next From (a new address on a
 * cellular link) was then never taken. To keep the address stored, or to give an administrator's
 * back to the next From without clearing it meanwhile, the edit says so
 * (`soapEndpointSetByAdministrator`); until 2026-12-06 keeping it took a null, then the address.
 */
function endpointSetByAdministrator(existing: ChargePoint | undefined, soapEndpoint: string | null | undefined, pinned: boolean | undefined): boolean | undefined {
  if (pinned === true && (soapEndpoint === null || (soapEndpoint === undefined && (existing?.soapEndpoint ?? null) === null))) {
    throw new InvalidRequest('soapEndpointSetByAdministrator: true keeps a SOAP endpoint, and there is none: send the address in soapEndpoint too');
  }
  if (pinned !== undefined) return pinned;
  if (soapEndpoint === undefined) return undefined;
  if (soapEndpoint === null) return false;
  return existing?.soapEndpoint === soapEndpoint ? undefined : true;
}

export class Registry {
  private readonly bootOverrides = new Map<string, BootOverride>();

  constructor(
    private readonly store: Store,
    private readonly options: RegistryOptions,
    private readonly clock: Clock,
    private readonly activity?: ActivityFeed,
  ) {}

  /** Answers this charge point's boots with `override` until the returned function is called. */
  overrideBoot(id: string, override: BootOverride): () => void {
    this.bootOverrides.set(id, override);
    return () => {
      if (this.bootOverrides.get(id) === override) this.bootOverrides.delete(id);
    };
  }

  /**
   * Decides at the handshake (or for each SOAP message) whether a charge point may connect.
   * A registered one must come from an allowed source address, over the transport its security
   * profile requires, with its certificate (profile 3) or its password (profiles 1 and 2, and 0
   * when one is set). The cheap checks come first, so a refusal for them costs no scrypt work.
   * An unknown id is admitted only when the operator's policy says so.
   */
  async admit(id: string, credentials: Credentials = {}): Promise<Admission> {
    if (!isValidChargePointId(id)) return { admitted: false, reason: 'invalidId', detail: 'not a valid charge point id' };
    const known = await this.store.getChargePoint(id);
    if (known) {
      const refusal = await this.refusal(known, credentials);
      return refusal ? { admitted: false, ...refusal } : { admitted: true, chargePoint: known };
    }
    if (this.options.unknownChargePoints === 'reject') return { admitted: false, reason: 'unknown', detail: 'not registered' };
    const status = this.options.unknownChargePoints === 'accept' ? 'Accepted' : 'Pending';
    const created = await this.store.transact(async (tx) => {
      const again = await tx.getChargePoint(id);
      if (again) return again;
      const chargePoint = newChargePoint(id, status, this.now());
      // Another node admitted or registered it meanwhile: that record stands.
      if (!(await tx.insertChargePoint(chargePoint))) return (await tx.getChargePoint(id))!;
      await tx.insertEvent({ at: chargePoint.createdAt, chargePointId: id, type: 'chargePointAutoRegistered', data: { registrationStatus: status } });
      return chargePoint;
    }, id);
    return { admitted: true, chargePoint: created };
  }

  /** Why a registered charge point may not connect with these credentials, if it may not. */
  private async refusal(cp: ChargePoint, credentials: Credentials): Promise<{ reason: AdmissionRefusal; detail: string } | undefined> {
    const profile = cp.securityProfile;
    const source = sourceAllowed(cp.allowedSources, credentials.remoteAddress);
    if (!source.allowed) {
      const ignored = source.invalid.length > 0 ? ` (entries not understood, ignored: ${source.invalid.join(', ')})` : '';
      return { reason: 'sourceNotAllowed', detail: `source address ${credentials.remoteAddress ?? 'unknown'} is not in the allowed sources${ignored}` };
    }
    if (profile >= 2 && !credentials.tls) {
      const clear = credentials.authorizationSent ? '; it sent HTTP Basic credentials in clear text' : '';
      return { reason: 'tlsRequired', detail: `security profile ${profile} requires TLS, the connection is plain${clear}` };
    }
    if (profile === 3) {
      const certificate = credentials.certificate;
      if (!certificate) return { reason: 'certificateRequired', detail: 'security profile 3 requires a client certificate, none was presented' };
      if (!certificate.verified) {
        return { reason: 'certificateUntrusted', detail: `the client certificate does not chain to the configured CA (${certificate.problem ?? 'not verified'})` };
      }
      if (certificate.commonName !== cp.id) {
        return { reason: 'certificateMismatch', detail: `the client certificate is issued to CN=${certificate.commonName ?? '(none or several)'}, not to this charge point` };
      }
      // The certificate is the credential: HTTP Basic is not used in profile 3.
      return undefined;
    }
    if (profile === 0 && cp.passwordHash === null) return undefined;
    if (cp.passwordHash === null) return { reason: 'unauthorized', detail: `security profile ${profile} requires a password and none is set` };
    if (credentials.password === undefined) {
      return { reason: 'unauthorized', detail: 'no HTTP Basic credentials with the charge point id as the user' };
    }
    if (!(await verifyPasswordRemembered(credentials.password, cp.passwordHash))) return { reason: 'unauthorized', detail: 'wrong password' };
    return undefined;
  }

  /**
   * Records the protocol a charge point connected with (and, for SOAP, where it takes commands and
   * in which WS-Addressing; each left as it is when undefined); a change of version or transport
   * is an event. `admitted`: the charge point as its admission read it a moment ago; when that
   * already shows this protocol, only the time is noted (with the batch's other last-seen times,
   * no unit of its own): what a reconnection storm mostly is.
   */
  async connected(id: string, ocppVersion: OcppVersion, transport: Transport, soap: SoapContact = {}, admitted?: ChargePoint): Promise<void> {
    const at = this.now();
    const { endpoint: soapEndpoint, addressing: soapAddressing } = soap;
    const unchanged =
      admitted?.ocppVersion === ocppVersion &&
      admitted.transport === transport &&
      (soapEndpoint === undefined || admitted.soapEndpoint === soapEndpoint) &&
      (soapAddressing === undefined || admitted.soapAddressing === soapAddressing);
    if (unchanged) await this.store.noteSeen(id, at);
    else await this.store.transact(async (tx) => {
      const cp = await tx.getChargePointToChange(id);
      if (!cp) return;
      const changed = cp.ocppVersion !== ocppVersion || cp.transport !== transport;
      if (cp.ocppVersion !== null && changed) {
        await tx.insertEvent({
          at,
          chargePointId: id,
          type: 'ocppVersionChanged',
          data: { from: { ocppVersion: cp.ocppVersion, transport: cp.transport }, to: { ocppVersion, transport } },
        });
      }
      // Raised when what is observed changes (or is first seen) and differs from the declaration,
      // not at every reconnection of a charge point already known to differ.
      const mismatch = changed ? declarationMismatch(cp, ocppVersion, transport) : undefined;
      if (mismatch) await tx.insertEvent({ at, chargePointId: id, type: 'ocppVersionMismatch', data: mismatch });
      // Read in this unit, so an administrator's endpoint set since the message was admitted stays too.
      const endpoint = cp.soapEndpointSetByAdministrator ? undefined : soapEndpoint;
      await tx.updateChargePoint(id, { ocppVersion, transport, lastSeenAt: at, soapEndpoint: endpoint, soapAddressing });
    }, id);
    this.activity?.emit({ kind: 'connected', at, chargePointId: id, ocppVersion, transport });
  }

  /**
   * `over`: the protocol the boot came with. The software check goes by it, not by the stored
   * one: a SOAP charge point's protocol is stored only once its message is handled, so at its
   * first boot the row has none (and a charge point that moved to another protocol still has the
   * old one).
   */
  async boot(id: string, info: BootInfo, over: Pick<ChargePoint, 'ocppVersion' | 'transport'>): Promise<BootAnswer> {
    const at = this.now();
    const override = this.bootOverrides.get(id);
    const { status, registration } = await this.store.transact(async (tx) => {
      const cp = await tx.getChargePointToChange(id);
      if (!cp) return { status: 'Rejected', registration: 'Rejected' } as const;
      const firmwareVersion = info.firmwareVersion ?? null;
      if (cp.lastBootAt !== null && cp.firmwareVersion !== firmwareVersion) {
        await tx.insertEvent({ at, chargePointId: id, type: 'firmwareChanged', data: { from: cp.firmwareVersion, to: firmwareVersion } });
      }
      await tx.updateChargePoint(id, {
        vendor: info.vendor,
        model: info.model,
        chargePointSerialNumber: info.chargePointSerialNumber ?? null,
        chargeBoxSerialNumber: info.chargeBoxSerialNumber ?? null,
        firmwareVersion,
        iccid: info.iccid ?? null,
        imsi: info.imsi ?? null,
        meterType: info.meterType ?? null,
        meterSerialNumber: info.meterSerialNumber ?? null,
        lastBootAt: at,
        lastSeenAt: at,
      });
      const software = await this.softwareCheck(tx, { ...cp, ...over }, info, at);
      const stored = cp.registrationStatus;
      return { status: stored !== 'Accepted' || override ? stored : software, registration: stored };
    }, id, PART_OF_CALL);
    if (override && status !== 'Rejected') {
      const answer = override(info);
      return { status: answer.status, registration: answer.status, currentTime: at, intervalS: answer.intervalS };
    }
    const intervalS = status === 'Accepted' ? this.options.heartbeatIntervalS : this.options.bootRetryIntervalS;
    return { status, registration, currentTime: at, intervalS };
  }

  /** Whether the software policy holds unvalidated software off between boots too (`pending`, `reject`). */
  get holdsUnvalidatedSoftware(): boolean {
    const policy = this.options.unvalidatedSoftware;
    return policy === 'pending' || policy === 'reject';
  }

  /**
   * What the software policy holds an Accepted charge point to between boots, if anything: under
   * `pending` or `reject`, the boot's own answer (Pending, or Rejected) while its software (as it
   * last reported it, over the protocol it speaks now) is not in the validated registry or not
   * reported yet, unless a validation campaign on this node answers its boots. Enforced at the boot
   * alone, the policy let through a charge point that reconnected without booting, or a SOAP
   * charge point's next message; asked at each message, it also follows an approval or a
   * withdrawal, and a campaign's end, without waiting for a boot.
   */
  async softwareHold(cp: ChargePoint, over: Pick<ChargePoint, 'ocppVersion' | 'transport'>): Promise<RegistrationStatus | undefined> {
    if (!this.holdsUnvalidatedSoftware || this.bootOverrides.has(cp.id)) return undefined;
    const identity = softwareIdentity({ ...cp, ...over });
    if (identity && (await this.store.findValidatedSoftware(identity))) return undefined;
    return this.options.unvalidatedSoftware === 'pending' ? 'Pending' : 'Rejected';
  }

  /**
   * The network's rule: software not in the validated registry is flagged at every boot (an
   * event), and kept Pending or rejected when the policy says so. Returns the registration the
   * policy allows.
   */
  private async softwareCheck(tx: StoreWriter, cp: ChargePoint, info: BootInfo, at: string): Promise<RegistrationStatus> {
    const policy = this.options.unvalidatedSoftware;
    if (policy === undefined) return 'Accepted';
    const identity = softwareIdentity({ ...cp, vendor: info.vendor, model: info.model, firmwareVersion: info.firmwareVersion ?? null });
    if (identity && (await tx.findValidatedSoftware(identity))) return 'Accepted';
    const software = identity ?? { vendor: info.vendor, model: info.model, firmwareVersion: info.firmwareVersion ?? null, ocppVersion: cp.ocppVersion, transport: cp.transport };
    // Flagged when it first appears (a first boot, or new vendor, model or firmware), not at every
    // reboot: the charge point shows softwareValidated=false all along, and 13,000 chargers reboot.
    const changed = cp.lastBootAt === null || cp.vendor !== info.vendor || cp.model !== info.model || cp.firmwareVersion !== (info.firmwareVersion ?? null);
    if (changed) await tx.insertEvent({ at, chargePointId: cp.id, type: 'unvalidatedSoftware', data: { software, policy } });
    return policy === 'flag' ? 'Accepted' : policy === 'pending' ? 'Pending' : 'Rejected';
  }

  async heartbeat(id: string): Promise<string> {
    const at = this.now();
    await this.store.noteSeen(id, at, PART_OF_CALL);
    return at;
  }

  async status(id: string, report: StatusReport): Promise<void> {
    const receivedAt = this.now();
    const reported = report.timestamp === undefined ? undefined : canonicalTime(report.timestamp);
    const futureAfter = new Date(Date.parse(receivedAt) + CLOCK_AHEAD_TOLERANCE_MS).toISOString();
    await Promise.all([
      this.store.transact((tx: StoreWriter) => tx.recordStatus(id, { ...report, timestamp: reported }, receivedAt, futureAfter), id, PART_OF_CALL),
      this.store.noteSeen(id, receivedAt, PART_OF_CALL),
    ]);
  }

  /**
   * The operator's edit of a charge point; registers it when it is new. `actingFor`: the scope of
   * whoever asks. A charge point of another operator is refused (AccessDenied) by the unit that
   * writes it, on what that unit read: a check made before it cannot see a registration that
   * commits in between, and the edit would then land on the other operator's new charge point.
   */
  async configure(id: string, settings: ChargePointSettings, actingFor: Scope = {}): Promise<{ chargePoint: ChargePoint; created: boolean; readmit: boolean }> {
    const passwordHash = settings.password === undefined ? undefined : await hashPassword(settings.password);
    const at = this.now();
    const configured = await this.store.transact(async (tx) => {
      await assertOperatorHeld(tx, settings.operator);
      const existing = await this.chargePointBefore(tx, newChargePoint(id, settings.registrationStatus ?? 'Accepted', at));
      assertMayPut(actingFor, id, ownershipOf(existing));
      await tx.updateChargePoint(id, {
        passwordHash,
        operator: settings.operator,
        connection: settings.connection,
        declaredOcppVersion: settings.declaredOcppVersion,
        declaredTransport: settings.declaredTransport,
        registrationStatus: existing ? settings.registrationStatus : undefined,
        lenient: settings.lenient,
        soapEndpoint: settings.soapEndpoint,
        // Set by an administrator (only one may change it: Access.soapEndpointToSet): kept against
        // the charge point's own From until an administrator sets another, or null.
        soapEndpointSetByAdministrator: endpointSetByAdministrator(existing, settings.soapEndpoint, settings.soapEndpointSetByAdministrator),
        securityProfile: settings.securityProfile,
        allowedSources: settings.allowedSources,
        meterPublicKey: settings.meterPublicKey,
      });
      const chargePoint = (await tx.getChargePoint(id))!;
      await this.declarationEvents(tx, existing, chargePoint, at);
      return { chargePoint, created: !existing, readmit: existing !== undefined && admissionChanged(existing, chargePoint, settings) };
    }, id);
    // Live views read it again now, not at their next full read: a change of owner must leave the
    // old owner's dashboard and reach the new one's at once.
    this.activity?.emit({ kind: 'configured', at, chargePointId: id });
    return configured;
  }

  /**
   * The charge point as it was before this unit, its row locked until the unit's batch commits; or
   * undefined when there was none and this unit has stored `fresh`. On PostgreSQL another node may
   * register the same id between this unit's read and its insert: the insert then waits for that
   * commit and stores nothing, and what it committed is read instead, as if this unit came after.
   */
  private async chargePointBefore(tx: StoreWriter, fresh: ChargePoint): Promise<ChargePoint | undefined> {
    const existing = await tx.getChargePointToChange(fresh.id);
    if (existing || (await tx.insertChargePoint(fresh))) return existing;
    return tx.getChargePointToChange(fresh.id);
  }

  /** Every change of the operator's declaration is recorded; one that disagrees with what is observed is raised. */
  private async declarationEvents(tx: StoreWriter, before: ChargePoint | undefined, after: ChargePoint, at: string): Promise<void> {
    const declared = (cp: Pick<ChargePoint, 'declaredOcppVersion' | 'declaredTransport'> | undefined) => ({
      ocppVersion: cp?.declaredOcppVersion ?? null,
      transport: cp?.declaredTransport ?? null,
    });
    const from = declared(before);
    const to = declared(after);
    if (from.ocppVersion === to.ocppVersion && from.transport === to.transport) return;
    await tx.insertEvent({ at, chargePointId: after.id, type: 'ocppVersionDeclared', data: { from, to } });
    const mismatch = declarationMismatch(after, after.ocppVersion, after.transport);
    if (mismatch) await tx.insertEvent({ at, chargePointId: after.id, type: 'ocppVersionMismatch', data: mismatch });
  }

  /**
   * The charge point's stored record, one read: what handling its messages and commands needs
   * (its settings, its SOAP endpoint), without the views' extras (connectors, software check).
   */
  async chargePoint(id: string): Promise<ChargePoint | undefined> {
    return this.store.getChargePoint(id);
  }

  /**
   * A firmware or diagnostics status notification, kept as an event, unless it is the charge
   * point's resend of its latest one (status-resends.ts): a resend raises no second event, and so
   * no second webhook delivery.
   */
  async jobStatus(id: string, type: JobStatusType, status: string): Promise<void> {
    const at = this.now();
    await this.store.transact(
      async (tx) => {
        // The charge point's row locked first (PostgreSQL): the same resend stored by two nodes at
        // once (a takeover) is then judged one after the other, and kept once.
        await tx.getChargePointToChange(id);
        const [latest] = await tx.listEvents({ chargePointId: id, type, limit: 1 });
        if (!isResend(latest, status, at)) await tx.insertEvent({ at, chargePointId: id, type, data: { status } });
      },
      id,
      PART_OF_CALL,
    );
  }

  /** Keeps a notification that has no table of its own (a DataTransfer) as an event. */
  async note(id: string, type: string, data: Record<string, unknown>): Promise<void> {
    const at = this.now();
    await this.store.transact((tx) => tx.insertEvent({ at, chargePointId: id, type, data }), id, PART_OF_CALL);
  }

  /**
   * The latest WS-Addressing From of a SOAP charge point that was not taken as its command
   * endpoint, and why (its soapEndpointRefused event): what a command finding no endpoint says.
   */
  async refusedEndpoint(id: string): Promise<{ from: string; reason: string | undefined } | undefined> {
    const [event] = await this.store.listEvents({ chargePointId: id, type: 'soapEndpointRefused', limit: 1 });
    const { from, reason } = (event?.data ?? {}) as { from?: unknown; reason?: unknown };
    return typeof from === 'string' ? { from, reason: typeof reason === 'string' ? reason : undefined } : undefined;
  }

  private now(): string {
    return this.clock().toISOString();
  }
}
