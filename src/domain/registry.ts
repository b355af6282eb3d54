// The charge point registry: who may connect, what a BootNotification is answered, what each
// charge point last told us about itself, and the operator's edits to it.
import type { Store, StoreWriter } from '../store/store.js';
import type { BootInfo, ChargePoint, OcppVersion, RegistrationStatus, SecurityProfile, StatusReport, Transport } from './model.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { canonicalTime, type Clock } from './time.js';

export type UnknownChargePointPolicy = 'reject' | 'accept' | 'pending';

export interface RegistryOptions {
  unknownChargePoints: UnknownChargePointPolicy;
  /** Heartbeat interval given to Accepted charge points, in seconds. */
  heartbeatIntervalS: number;
  /** Interval after which a Pending or Rejected charge point should boot again, in seconds. */
  bootRetryIntervalS: number;
}

/** Charge point ids: unreserved URL characters only, at most 48 (as OCPP 2.0.1 puts it). */
const CHARGE_POINT_ID = /^[A-Za-z0-9._~:*@-]{1,48}$/;

export function isValidChargePointId(id: string): boolean {
  return CHARGE_POINT_ID.test(id);
}

export interface ChargePointSettings {
  password?: string | undefined;
  operator?: string | null | undefined;
  declaredOcppVersion?: OcppVersion | null | undefined;
  registrationStatus?: RegistrationStatus | undefined;
  lenient?: boolean | undefined;
  soapEndpoint?: string | null | undefined;
  securityProfile?: SecurityProfile | undefined;
  allowedSources?: string[] | undefined;
  meterPublicKey?: string | null | undefined;
}

export type Admission =
  | { admitted: true; chargePoint: ChargePoint }
  | { admitted: false; reason: 'unknown' | 'invalidId' | 'unauthorized' };

export interface BootAnswer {
  status: RegistrationStatus;
  currentTime: string;
  intervalS: number;
}

export function newChargePoint(id: string, registrationStatus: RegistrationStatus, createdAt: string): ChargePoint {
  return {
    id,
    registrationStatus,
    passwordHash: null,
    operator: null,
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
    securityProfile: 0,
    allowedSources: [],
    meterPublicKey: null,
    lastSeenAt: null,
    lastBootAt: null,
    createdAt,
  };
}

export class Registry {
  constructor(
    private readonly store: Store,
    private readonly options: RegistryOptions,
    private readonly clock: Clock,
  ) {}

  /**
   * Decides at the handshake whether a charge point may connect. A charge point with a password
   * must present it; an unknown one is admitted only when the operator's policy says so.
   */
  async admit(id: string, password: string | undefined): Promise<Admission> {
    if (!isValidChargePointId(id)) return { admitted: false, reason: 'invalidId' };
    const known = await this.store.getChargePoint(id);
    if (known) {
      if (known.passwordHash !== null && (password === undefined || !(await verifyPassword(password, known.passwordHash)))) {
        return { admitted: false, reason: 'unauthorized' };
      }
      return { admitted: true, chargePoint: known };
    }
    if (this.options.unknownChargePoints === 'reject') return { admitted: false, reason: 'unknown' };
    const status = this.options.unknownChargePoints === 'accept' ? 'Accepted' : 'Pending';
    const created = await this.store.transact(async (tx) => {
      const again = await tx.getChargePoint(id);
      if (again) return again;
      const chargePoint = newChargePoint(id, status, this.now());
      await tx.insertChargePoint(chargePoint);
      await tx.insertEvent({ at: chargePoint.createdAt, chargePointId: id, type: 'chargePointAutoRegistered', data: { registrationStatus: status } });
      return chargePoint;
    });
    return { admitted: true, chargePoint: created };
  }

  /**
   * Records the protocol a charge point connected with (and, for SOAP, where it takes commands);
   * a change of version or transport is an event.
   */
  async connected(id: string, ocppVersion: OcppVersion, transport: Transport, soapEndpoint?: string): Promise<void> {
    const at = this.now();
    await this.store.transact(async (tx) => {
      const cp = await tx.getChargePoint(id);
      if (!cp) return;
      if (cp.ocppVersion !== null && (cp.ocppVersion !== ocppVersion || cp.transport !== transport)) {
        await tx.insertEvent({
          at,
          chargePointId: id,
          type: 'ocppVersionChanged',
          data: { from: { ocppVersion: cp.ocppVersion, transport: cp.transport }, to: { ocppVersion, transport } },
        });
      }
      await tx.updateChargePoint(id, { ocppVersion, transport, lastSeenAt: at, soapEndpoint });
    });
  }

  async boot(id: string, info: BootInfo): Promise<BootAnswer> {
    const at = this.now();
    const status = await this.store.transact(async (tx) => {
      const cp = await tx.getChargePoint(id);
      if (!cp) return 'Rejected' as const;
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
      return cp.registrationStatus;
    });
    const intervalS = status === 'Accepted' ? this.options.heartbeatIntervalS : this.options.bootRetryIntervalS;
    return { status, currentTime: at, intervalS };
  }

  async heartbeat(id: string): Promise<string> {
    const at = this.now();
    await this.store.transact((tx) => tx.updateChargePoint(id, { lastSeenAt: at }));
    return at;
  }

  async status(id: string, report: StatusReport): Promise<void> {
    const receivedAt = this.now();
    const reported = report.timestamp === undefined ? undefined : canonicalTime(report.timestamp);
    await this.store.transact(async (tx: StoreWriter) => {
      await tx.recordStatus(id, { ...report, timestamp: reported }, receivedAt);
      await tx.updateChargePoint(id, { lastSeenAt: receivedAt });
    });
  }

  /** The operator's edit of a charge point; registers it when it is new. */
  async configure(id: string, settings: ChargePointSettings): Promise<{ chargePoint: ChargePoint; created: boolean }> {
    const passwordHash = settings.password === undefined ? undefined : await hashPassword(settings.password);
    return this.store.transact(async (tx) => {
      const existing = await tx.getChargePoint(id);
      if (!existing) await tx.insertChargePoint(newChargePoint(id, settings.registrationStatus ?? 'Accepted', this.now()));
      await tx.updateChargePoint(id, {
        passwordHash,
        operator: settings.operator,
        declaredOcppVersion: settings.declaredOcppVersion,
        registrationStatus: existing ? settings.registrationStatus : undefined,
        lenient: settings.lenient,
        soapEndpoint: settings.soapEndpoint,
        securityProfile: settings.securityProfile,
        allowedSources: settings.allowedSources,
        meterPublicKey: settings.meterPublicKey,
      });
      return { chargePoint: (await tx.getChargePoint(id))!, created: !existing };
    });
  }

  /** Keeps a notification that has no table of its own (firmware, diagnostics) as an event. */
  async note(id: string, type: string, data: Record<string, unknown>): Promise<void> {
    const at = this.now();
    await this.store.transact((tx) => tx.insertEvent({ at, chargePointId: id, type, data }));
  }

  private now(): string {
    return this.clock().toISOString();
  }
}
