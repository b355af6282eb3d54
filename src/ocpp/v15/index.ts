// OCPP 1.5 (SOAP and JSON): every operation of the two official WSDLs, by name and by service.
import { Authorize } from './Authorize.js';
import { BootNotification } from './BootNotification.js';
import { CancelReservation } from './CancelReservation.js';
import { ChangeAvailability } from './ChangeAvailability.js';
import { ChangeConfiguration } from './ChangeConfiguration.js';
import { ClearCache } from './ClearCache.js';
import { DataTransfer } from './DataTransfer.js';
import { DiagnosticsStatusNotification } from './DiagnosticsStatusNotification.js';
import { FirmwareStatusNotification } from './FirmwareStatusNotification.js';
import { GetConfiguration } from './GetConfiguration.js';
import { GetDiagnostics } from './GetDiagnostics.js';
import { GetLocalListVersion } from './GetLocalListVersion.js';
import { Heartbeat } from './Heartbeat.js';
import { MeterValues } from './MeterValues.js';
import { RemoteStartTransaction } from './RemoteStartTransaction.js';
import { RemoteStopTransaction } from './RemoteStopTransaction.js';
import { ReserveNow } from './ReserveNow.js';
import { Reset } from './Reset.js';
import { SendLocalList } from './SendLocalList.js';
import { StartTransaction } from './StartTransaction.js';
import { StatusNotification } from './StatusNotification.js';
import { StopTransaction } from './StopTransaction.js';
import { UnlockConnector } from './UnlockConnector.js';
import { UpdateFirmware } from './UpdateFirmware.js';

// Each module exports its action, its request/response schemas and their static types.
export * from './common.js';
export * from './meter-value-variant.js';
export * from './readings-in-16-shape.js';
export * from './Authorize.js';
export * from './BootNotification.js';
export * from './CancelReservation.js';
export * from './ChangeAvailability.js';
export * from './ChangeConfiguration.js';
export * from './ClearCache.js';
export * from './DataTransfer.js';
export * from './DiagnosticsStatusNotification.js';
export * from './FirmwareStatusNotification.js';
export * from './GetConfiguration.js';
export * from './GetDiagnostics.js';
export * from './GetLocalListVersion.js';
export * from './Heartbeat.js';
export * from './MeterValues.js';
export * from './RemoteStartTransaction.js';
export * from './RemoteStopTransaction.js';
export * from './ReserveNow.js';
export * from './Reset.js';
export * from './SendLocalList.js';
export * from './StartTransaction.js';
export * from './StatusNotification.js';
export * from './StopTransaction.js';
export * from './UnlockConnector.js';
export * from './UpdateFirmware.js';

/**
 * The CentralSystemService operations (urn://Ocpp/Cs/2012/06/): what a charge point sends to
 * the central system.
 */
export const centralSystemActions = {
  Authorize,
  BootNotification,
  DataTransfer,
  DiagnosticsStatusNotification,
  FirmwareStatusNotification,
  Heartbeat,
  MeterValues,
  StartTransaction,
  StatusNotification,
  StopTransaction,
} as const;

/**
 * The ChargePointService operations (urn://Ocpp/Cp/2012/06/): what the central system sends to
 * a charge point. DataTransfer is in both services, with identical types.
 */
export const chargePointActions = {
  CancelReservation,
  ChangeAvailability,
  ChangeConfiguration,
  ClearCache,
  DataTransfer,
  GetConfiguration,
  GetDiagnostics,
  GetLocalListVersion,
  RemoteStartTransaction,
  RemoteStopTransaction,
  ReserveNow,
  Reset,
  SendLocalList,
  UnlockConnector,
  UpdateFirmware,
} as const;

/** Action name → action: the 24 distinct operations of both services. */
export const v15Actions = { ...centralSystemActions, ...chargePointActions } as const;

export type V15ActionName = keyof typeof v15Actions;
export type V15CentralSystemActionName = keyof typeof centralSystemActions;
export type V15ChargePointActionName = keyof typeof chargePointActions;
