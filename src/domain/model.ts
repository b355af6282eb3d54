// The version-neutral model: what a charge point reports, whatever OCPP version or transport it
// speaks. Adapters translate wire messages into these shapes; the store keeps them.

export type OcppVersion = '1.5' | '1.6';
export type Transport = 'json' | 'soap';

export type RegistrationStatus = 'Accepted' | 'Pending' | 'Rejected';

export type SecurityProfile = 0 | 1 | 2 | 3;

/** How a charge point reaches the central system: straight, or through its operator's own platform. */
export type ChargePointConnection = 'direct' | 'platform';

/** OPC: public charge point operator; DPC: private charge point holder. */
export type OperatorKind = 'OPC' | 'DPC';

/** A charge point operator: what charge points, id tags and API tokens belong to. */
export interface Operator {
  id: string;
  name: string;
  kind: OperatorKind;
  createdAt: string;
}

export interface ChargePoint {
  id: string;
  registrationStatus: RegistrationStatus;
  /** scrypt hash of the HTTP Basic password (security profile 1/2), when one is set. */
  passwordHash: string | null;
  /** The operator (Operator.id) the charge point belongs to; null: the network's own. */
  operator: string | null;
  connection: ChargePointConnection;
  declaredOcppVersion: OcppVersion | null;
  /** Log schema violations instead of refusing them (many real chargers are not compliant). */
  lenient: boolean;
  vendor: string | null;
  model: string | null;
  chargePointSerialNumber: string | null;
  chargeBoxSerialNumber: string | null;
  firmwareVersion: string | null;
  iccid: string | null;
  imsi: string | null;
  meterType: string | null;
  meterSerialNumber: string | null;
  ocppVersion: OcppVersion | null;
  transport: Transport | null;
  /** Where a SOAP charge point takes commands: its WS-Addressing From, or set by an administrator. */
  soapEndpoint: string | null;
  /**
   * The endpoint is an administrator's, and no From replaces it (a charge point behind NAT names
   * its private address) until an administrator sets another, or null.
   */
  soapEndpointSetByAdministrator: boolean;
  /**
   * The WS-Addressing namespace a SOAP charge point's last accepted message used (1.0's or
   * 2004/08's), in which its commands are written; null: not known yet (1.0 is written).
   */
  soapAddressing: string | null;
  /**
   * OCPP security profile: 0 none (HTTP Basic only when a password is set), 1 HTTP Basic
   * required, 2 TLS and HTTP Basic, 3 TLS with a client certificate (docs/SECURITY.md).
   */
  securityProfile: SecurityProfile;
  /** Source addresses (IPs or CIDRs) a SOAP charge point may post from; empty: any. */
  allowedSources: string[];
  /** The public key of the charge point's signing meter (OCMF), hex or base64. */
  meterPublicKey: string | null;
  /** The transport the operator reports the charge point uses (with declaredOcppVersion). */
  declaredTransport: Transport | null;
  lastSeenAt: string | null;
  lastBootAt: string | null;
  createdAt: string;
}

export interface BootInfo {
  vendor: string;
  model: string;
  chargePointSerialNumber?: string | undefined;
  chargeBoxSerialNumber?: string | undefined;
  firmwareVersion?: string | undefined;
  iccid?: string | undefined;
  imsi?: string | undefined;
  meterType?: string | undefined;
  meterSerialNumber?: string | undefined;
}

/**
 * The longest SOAP command endpoint a charge point keeps, whoever names it: an administrator
 * (the API refuses a longer one) or the charge point's own From (not taken, an event saying so).
 */
export const SOAP_ENDPOINT_MAX_CHARS = 500;

/**
 * Connector states: OCPP 1.6's nine, plus 1.5's `Occupied` (1.5 reports one state where 1.6
 * tells Preparing, Charging, SuspendedEV/EVSE and Finishing apart).
 */
export const ConnectorStatuses = [
  'Available',
  'Preparing',
  'Charging',
  'SuspendedEVSE',
  'SuspendedEV',
  'Finishing',
  'Reserved',
  'Unavailable',
  'Faulted',
  'Occupied',
] as const;
export type ConnectorStatus = (typeof ConnectorStatuses)[number];

export interface StatusReport {
  connectorId: number;
  status: ConnectorStatus;
  errorCode: string;
  info?: string | undefined;
  vendorId?: string | undefined;
  vendorErrorCode?: string | undefined;
  /** When the charge point says the status began; absent means when we received it. */
  timestamp?: string | undefined;
}

export interface Connector {
  chargePointId: string;
  connectorId: number;
  status: ConnectorStatus;
  errorCode: string;
  info: string | null;
  updatedAt: string;
}

/** One StatusNotification as it was stored in a connector's history, late (offline) ones included. */
export interface StatusHistoryEntry {
  /** Arrival order across the network's history; the cursor of its pages. */
  id: number;
  connectorId: number;
  status: ConnectorStatus;
  errorCode: string;
  info: string | null;
  vendorId: string | null;
  vendorErrorCode: string | null;
  /** The charge point's own time of the status, if it gave one. */
  reportedAt: string | null;
  receivedAt: string;
}

export type IdTagStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';

export interface IdTag {
  idTag: string;
  status: IdTagStatus;
  expiryDate: string | null;
  parentIdTag: string | null;
}

/** An id tag with the operator that manages it (null: the network's own). */
export interface OwnedIdTag extends IdTag {
  operator: string | null;
}

export interface IdTagInfo {
  status: IdTagStatus;
  expiryDate?: string | undefined;
  parentIdTag?: string | undefined;
}

/** One sampled value, exactly as reported, plus the optional attributes with OCPP's defaults. */
export interface MeterSample {
  timestamp: string;
  /** The reading as the charge point sent it (a decimal string), never re-formatted. */
  value: string;
  measurand: string;
  unit: string;
  context: string;
  format: string;
  location: string;
  phase: string | null;
  /** For a signed value: what it signs, whatever its encoding (replays are found by it). */
  signedIdentity?: string | null;
}

export interface StoredMeterSample extends MeterSample {
  signedIdentity: string | null;
  chargePointId: string;
  connectorId: number;
  transactionId: number | null;
}

/** A stored sample with its row's id: arrival order, and the cursor of a page of them. */
export interface NumberedMeterSample extends StoredMeterSample {
  id: number;
}

/** What makes two samples the same reading (a resent message repeats them exactly). */
export function sampleIdentity(s: MeterSample): unknown[] {
  return [s.timestamp, s.measurand, s.phase, s.location, s.context, s.unit, s.format, s.value];
}

/**
 * What tells stored samples apart: the reading, and where it is filed (charge point, connector,
 * transaction). The store keeps one row per identity, numbered where one message gives it more
 * than once (numberedIdentityTexts), so a resent message adds nothing.
 */
export function storedSampleIdentity(chargePointId: string, connectorId: number, transactionId: number | null, s: MeterSample): unknown[] {
  return [chargePointId, connectorId, transactionId, ...sampleIdentity(s)];
}

/**
 * The identity texts (JSON of storedSampleIdentity) of samples one message gives, or one
 * transaction stores, where a reading given more than once is numbered from its second time on:
 * OCPP 1.5 has no phase, so a charger's three phases reading 230 V, or 16 A, are three readings
 * alike, and kept as one they lost two (until 2026-12-06). A first time keeps the identity it
 * always had, and a resent message numbers its repeats the same way, so it still adds nothing.
 * `repeat`: numbered, not a first time.
 */
export function numberedIdentityTexts(identities: readonly unknown[][]): { text: string; repeat: boolean }[] {
  const texts = identities.map((identity) => JSON.stringify(identity));
  return timesBefore(texts).map((before, i) => {
    const text = texts[i] as string;
    return before === 0 ? { text, repeat: false } : { text: `${text.slice(0, -1)},${before}]`, repeat: true };
  });
}

/** For each key, how many times the list gave it before: 0 the first time, 1 the second, and so on. */
export function timesBefore(keys: readonly string[]): number[] {
  const times = new Map<string, number>();
  return keys.map((key) => {
    const before = times.get(key) ?? 0;
    times.set(key, before + 1);
    return before;
  });
}

export const SampleDefaults = {
  measurand: 'Energy.Active.Import.Register',
  unit: 'Wh',
  context: 'Sample.Periodic',
  format: 'Raw',
  location: 'Outlet',
} as const;

export type EnergySource = 'meterStop' | 'register' | 'interval' | 'none';

export interface Transaction {
  id: number;
  chargePointId: string;
  connectorId: number;
  idTag: string;
  idTagStatus: IdTagStatus;
  startedAt: string;
  stoppedAt: string | null;
  meterStartWh: number;
  meterStopWh: number | null;
  energyWh: number | null;
  energySource: EnergySource;
  stopReason: string | null;
  stopIdTag: string | null;
  anomalies: string[];
  reservationId: number | null;
  /** Whether signed meter values (OCMF) were received and verified for this transaction. */
  signedMeterStatus: SignedMeterStatus;
  signedMeterReason: string | null;
  /**
   * Where the energy of a running session stands, so that plain register readings can extend it
   * without its earlier samples being read back (energy.ts, extendEnergy); null when the energy
   * is recomputed from every sample (interval or signed readings, or a session stored before
   * migration 0010, until its next message). Not part of the API.
   */
  energyTail: EnergyTail | null;
}

/**
 * Where a session's energy stands: the running figures of each meter series its readings were
 * walked into (energy.ts, EnergyWalk), so that new readings go on from them without the earlier
 * ones read back. Plain JSON, stored with the session. A tail of another shape or version (before 2026-12-07
 * it held the latest register alone) is no tail: the energy is recomputed once and a tail of this
 * shape written.
 */
export interface EnergyTail {
  /** energy.ts, TAIL_VERSION: 3 since its interval sums are in millionths of a Wh. */
  version: 3;
  /** The latest instant walked (ms since the epoch), null before any: new readings may not be older. */
  latest: number | null;
  /** By `${measurand} ${location}`. */
  series: Record<string, EnergySeriesFigures>;
}

/** One meter location's readings of one measurand, as the energy rules need them (energy.ts, Series). */
export interface EnergySeriesFigures {
  /** A plain reading was seen here, readable or not. */
  present: boolean;
  unreadable: boolean;
  /** Readings taken: registers, or intervals once each. */
  count: number;
  first: number | null;
  last: number | null;
  highest: number | null;
  decreased: boolean;
  /** Interval sums in millionths of a Wh (energy.ts, MICRO_WH). */
  clockSum: number;
  clockCount: number;
  alignedSum: number;
  alignedCount: number;
  periodic: boolean;
  /** The instant of the latest interval (ms), its identity, and once it has two, the identities of its readings. */
  lastAt: number | null;
  previousKey: string | null;
  instant: string[] | null;
}

export type SignedMeterStatus = 'verified' | 'failed' | 'absent';

export interface StartRequest {
  connectorId: number;
  idTag: string;
  meterStartWh: number;
  timestamp: string;
  reservationId?: number | undefined;
}

export interface StopRequest {
  transactionId: number;
  idTag?: string | undefined;
  meterStopWh: number;
  timestamp: string;
  reason?: string | undefined;
  samples: MeterSample[];
}

export interface MeterValuesReport {
  connectorId: number;
  transactionId?: number | undefined;
  samples: MeterSample[];
}

/** What the network validates before software may run on it (docs/VALIDATION.md). */
export interface SoftwareIdentity {
  vendor: string;
  model: string;
  firmwareVersion: string;
  ocppVersion: OcppVersion;
  transport: Transport;
}

export interface ValidatedSoftware extends SoftwareIdentity {
  id: string;
  /** A passed campaign, or an operator's approval referring to a bench report. */
  source: 'campaign' | 'manual';
  validationId: string | null;
  reference: string | null;
  approvedAt: string;
  approvedBy: string | null;
}

/** Operator commands, version-neutral; each adapter maps them onto its own wire messages. */
export type Command =
  | { kind: 'remoteStart'; idTag: string; connectorId?: number | undefined }
  | { kind: 'remoteStop'; transactionId: number }
  | { kind: 'reset'; type: 'Soft' | 'Hard' }
  | { kind: 'unlock'; connectorId: number };

/** The charge point's answer to a command: its status word (Accepted, Rejected, Unlocked, ...). */
export interface CommandResult {
  status: string;
}
