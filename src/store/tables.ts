// Row types of the database, as Kysely sees them. Times are ISO 8601 UTC text, booleans are 0/1
// integers and lists are JSON text, so SQLite and PostgreSQL hold identical values.
import type { Generated } from 'kysely';

export interface ChargePointRow {
  id: string;
  registration_status: string;
  password_hash: string | null;
  /** The operator (operators.id) the charge point belongs to. */
  operator: string | null;
  /** `direct` or `platform`: how it reaches us (straight, or through its operator's own platform). */
  connection: string;
  declared_ocpp_version: string | null;
  lenient: number;
  vendor: string | null;
  model: string | null;
  charge_point_serial_number: string | null;
  charge_box_serial_number: string | null;
  firmware_version: string | null;
  iccid: string | null;
  imsi: string | null;
  meter_type: string | null;
  meter_serial_number: string | null;
  ocpp_version: string | null;
  transport: string | null;
  soap_endpoint: string | null;
  soap_addressing: string | null;
  soap_endpoint_set_by_administrator: number;
  security_profile: number;
  /** JSON list of addresses or CIDRs. */
  allowed_sources: string;
  meter_public_key: string | null;
  declared_transport: string | null;
  last_seen_at: string | null;
  last_boot_at: string | null;
  created_at: string;
}

export interface ConnectorRow {
  charge_point_id: string;
  connector_id: number;
  status: string;
  error_code: string;
  info: string | null;
  updated_at: string;
  reported_at: string | null;
}

export interface ConnectorStatusHistoryRow {
  id: Generated<number>;
  charge_point_id: string;
  connector_id: number;
  status: string;
  error_code: string;
  info: string | null;
  vendor_id: string | null;
  vendor_error_code: string | null;
  reported_at: string | null;
  received_at: string;
}

export interface IdTagRow {
  /** The id tag upper-cased: OCPP id tokens compare case-insensitively. */
  id_tag_key: string;
  id_tag: string;
  status: string;
  expiry_date: string | null;
  parent_id_tag: string | null;
  /** The operator that manages the tag; null: the network's own. */
  operator: string | null;
}

export interface TransactionRow {
  id: Generated<number>;
  charge_point_id: string;
  connector_id: number;
  id_tag: string;
  id_tag_status: string;
  started_at: string;
  stopped_at: string | null;
  meter_start_wh: number;
  meter_stop_wh: number | null;
  energy_wh: number | null;
  energy_source: string;
  stop_reason: string | null;
  stop_id_tag: string | null;
  anomalies: string;
  reservation_id: number | null;
  signed_meter_status: string;
  signed_meter_reason: string | null;
  /** JSON of the domain's EnergyTail, or null (migration 0010). */
  energy_tail: string | null;
}

export interface MeterSampleRow {
  id: Generated<number>;
  charge_point_id: string;
  connector_id: number;
  transaction_id: number | null;
  timestamp: string;
  value: string;
  measurand: string;
  unit: string;
  context: string;
  format: string;
  location: string;
  phase: string | null;
  /**
   * Identifies a sample across resends of the same message, so a retry stores nothing twice: the
   * sample's time, `|`, a SHA-256 of its identity. Samples stored before migration 0009 have the
   * bare hash (see MeterSampleLegacyKeysRow).
   */
  dedupe_key: string;
  signed_identity: string | null;
}

/** One row, written by migration 0009: the newest sample time stored with a bare-hash key (null: none). */
export interface MeterSampleLegacyKeysRow {
  newest_timestamp: string | null;
}

export interface EventRow {
  id: Generated<number>;
  at: string;
  charge_point_id: string | null;
  type: string;
  data: string;
}

/**
 * One frame as it crossed the wire, in a hash chain: `hash` covers the row's content and the
 * previous row's hash, so any later change, insertion or removal is detectable.
 */
export interface FrameJournalRow {
  seq: Generated<number>;
  at: string;
  charge_point_id: string | null;
  direction: string;
  transport: string;
  /** The frame's bytes exactly as sent or received. */
  frame: Buffer;
  prev_hash: string;
  hash: string;
}

/** The journal by charge point, written in arrears (migration 0011). */
export interface JournalChargePointRow {
  charge_point_id: string;
  seq: number;
}

/** One row: every journal row up to `seq` is in journal_charge_points. */
export interface JournalIndexMarkRow {
  seq: number;
}

/** One row, written by migration 0018: the last journal row whose repeated readings may have been stored once. */
export interface NumberedRepeatsMarkRow {
  seq: number;
}

/** One row, written by migration 0023: the last journal row whose 1.5 readings in 1.6's shape were not converted. */
export interface ConvertedReadingsMarkRow {
  seq: number;
}

export interface ApiTokenRow {
  id: string;
  name: string;
  /** admin, operator or readonly. */
  role: string;
  token_hash: string;
  created_at: string;
  /** The operator an operator (or scoped read-only) token acts for. */
  operator: string | null;
  revoked_at: string | null;
  /** From this instant the token is refused; null: until revoked (migration 0022). */
  expires_at: string | null;
}

export interface OperatorRow {
  id: string;
  name: string;
  /** OPC (public charge point operator) or DPC (private charge point holder). */
  kind: string;
  created_at: string;
}

export interface ValidationRow {
  id: string;
  charge_point_id: string;
  status: string;
  verdict: string | null;
  started_at: string;
  finished_at: string | null;
  /** The whole campaign record (cases, evidence frames) as JSON. */
  data: string;
}

export interface ValidatedSoftwareRow {
  id: string;
  vendor: string;
  model: string;
  firmware_version: string;
  ocpp_version: string;
  transport: string;
  source: string;
  validation_id: string | null;
  reference: string | null;
  approved_at: string;
  approved_by: string | null;
}

export interface WebhookRow {
  operator: string;
  url: string;
  secret: string;
  /** The last event delivered (acknowledged with a 2xx); delivery resumes after it. */
  last_event_id: number;
  last_error: string | null;
  created_at: string;
  /** Changes whenever the webhook is set; a delivery pass writes only to the generation it read. */
  generation: string;
  /** Failed attempts in a row, and when the next may be made (any node). */
  failures: number;
  next_attempt_at: string | null;
  /** The node delivering the webhook, and until when its lease holds unless renewed. */
  lease_node: string | null;
  lease_until: string | null;
}

/** A session a validation campaign left running, not yet settled (migration 0024). */
export interface ValidationSessionLeftRunningRow {
  validation_id: string;
  transaction_id: number;
  charge_point_id: string;
}

export interface Database {
  validations: ValidationRow;
  validation_sessions_left_running: ValidationSessionLeftRunningRow;
  validated_software: ValidatedSoftwareRow;
  webhooks: WebhookRow;
  charge_points: ChargePointRow;
  connectors: ConnectorRow;
  connector_status_history: ConnectorStatusHistoryRow;
  id_tags: IdTagRow;
  transactions: TransactionRow;
  meter_samples: MeterSampleRow;
  meter_sample_legacy_keys: MeterSampleLegacyKeysRow;
  events: EventRow;
  api_tokens: ApiTokenRow;
  operators: OperatorRow;
  frame_journal: FrameJournalRow;
  journal_charge_points: JournalChargePointRow;
  journal_index_mark: JournalIndexMarkRow;
  numbered_repeats_mark: NumberedRepeatsMarkRow;
  converted_readings_mark: ConvertedReadingsMarkRow;
}
