// What the simulated charge point says and hears, in version-neutral terms. One implementation per
// OCPP version (protocol-16.ts, protocol-15.ts) turns these into the wire payloads, so the charge
// point logic never sees a field name of any version. The payloads are JSON-shaped for every
// version: the SOAP link (soap-link.ts) maps 1.5 payloads to and from XML.
import type { JsonObject } from '../ocpp/rpc.js';
import type { EnergyMode, EnergyUnit } from './meter.js';

/** A CALL to send: the action name and its payload. */
export interface OutboundCall {
  action: string;
  payload: JsonObject;
}

/** Connector states the simulator goes through; a version maps them onto its own enumeration. */
export type ConnectorStatus = 'Available' | 'Preparing' | 'Charging' | 'Finishing' | 'Unavailable' | 'Faulted';

export type StopReason =
  | 'EmergencyStop'
  | 'EVDisconnected'
  | 'HardReset'
  | 'Local'
  | 'Other'
  | 'PowerLoss'
  | 'Reboot'
  | 'Remote'
  | 'SoftReset'
  | 'UnlockCommand'
  | 'DeAuthorized';

export interface BootInfo {
  vendor: string;
  model: string;
  serialNumber: string;
  firmwareVersion: string;
}

export type RegistrationStatus = 'Accepted' | 'Pending' | 'Rejected';

export interface BootAnswer {
  status: RegistrationStatus;
  /** Seconds: the heartbeat interval when Accepted, the wait before the next boot otherwise. */
  intervalSeconds: number;
}

/** One energy reading as the meter reports it. */
export interface EnergyReading {
  timestamp: Date;
  context: 'Sample.Periodic' | 'Transaction.Begin' | 'Transaction.End';
  mode: EnergyMode;
  unit: EnergyUnit;
  /** Register mode: the register; interval mode: the energy since the previous reading. Integer Wh. */
  wh: number;
  /** Instantaneous active power, reported beside the energy when given. */
  powerW?: number;
}

export interface StartTransactionInput {
  connectorId: number;
  idTag: string;
  meterStartWh: number;
  timestamp: Date;
}

export interface StartTransactionAnswer {
  transactionId: number;
  idTagStatus: string;
}

export interface StopTransactionInput {
  transactionId: number;
  idTag: string;
  meterStopWh: number;
  timestamp: Date;
  reason: StopReason;
  final: EnergyReading;
}

/** A command from the central system, decoded. */
export type Command =
  | { kind: 'RemoteStart'; connectorId: number | undefined; idTag: string }
  | { kind: 'RemoteStop'; transactionId: number }
  | { kind: 'Reset'; type: 'Soft' | 'Hard' }
  | { kind: 'Unlock'; connectorId: number };

/** What the charge point decided about a command; the version words the answer. */
export type CommandOutcome = 'Accepted' | 'Rejected' | 'Unlocked' | 'NotSupported';

export interface ChargePointProtocol {
  /** The WebSocket subprotocol to ask for. */
  readonly subprotocol: string;

  bootNotification(info: BootInfo): OutboundCall;
  readBootAnswer(payload: JsonObject): BootAnswer;
  heartbeat(): OutboundCall;
  authorize(idTag: string): OutboundCall;
  /** The idTagInfo status of an Authorize answer. */
  readAuthorizeAnswer(payload: JsonObject): string;
  /**
   * The status word this version reports for a connector state. Two states with the same word
   * (1.5 reports Preparing, Charging and Finishing all as Occupied) make one StatusNotification.
   */
  reportedStatus(status: ConnectorStatus): string;
  statusNotification(connectorId: number, status: ConnectorStatus, timestamp: Date): OutboundCall;
  startTransaction(input: StartTransactionInput): OutboundCall;
  readStartTransactionAnswer(payload: JsonObject): StartTransactionAnswer;
  meterValues(connectorId: number, transactionId: number | undefined, reading: EnergyReading): OutboundCall;
  stopTransaction(input: StopTransactionInput): OutboundCall;

  /**
   * Decodes a CALL from the central system. Throws RpcError: NotImplemented for an action the
   * simulator does not handle, a constraint violation code for a malformed payload.
   */
  readCommand(action: string, payload: JsonObject): Command;
  answerCommand(command: Command, outcome: CommandOutcome): JsonObject;
}
