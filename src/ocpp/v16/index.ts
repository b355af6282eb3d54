// OCPP 1.6 JSON: every action of the official set, by name and by direction.
import { Authorize } from './Authorize.js';
import { BootNotification } from './BootNotification.js';
import { CancelReservation } from './CancelReservation.js';
import { ChangeAvailability } from './ChangeAvailability.js';
import { ChangeConfiguration } from './ChangeConfiguration.js';
import { ClearCache } from './ClearCache.js';
import { ClearChargingProfile } from './ClearChargingProfile.js';
import { DataTransfer } from './DataTransfer.js';
import { DiagnosticsStatusNotification } from './DiagnosticsStatusNotification.js';
import { FirmwareStatusNotification } from './FirmwareStatusNotification.js';
import { GetCompositeSchedule } from './GetCompositeSchedule.js';
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
import { SetChargingProfile } from './SetChargingProfile.js';
import { StartTransaction } from './StartTransaction.js';
import { StatusNotification } from './StatusNotification.js';
import { StopTransaction } from './StopTransaction.js';
import { TriggerMessage } from './TriggerMessage.js';
import { UnlockConnector } from './UnlockConnector.js';
import { UpdateFirmware } from './UpdateFirmware.js';

// Each module exports its action, its request/response schemas and their static types.
export * from './common.js';
export * from './Authorize.js';
export * from './BootNotification.js';
export * from './CancelReservation.js';
export * from './ChangeAvailability.js';
export * from './ChangeConfiguration.js';
export * from './ClearCache.js';
export * from './ClearChargingProfile.js';
export * from './DataTransfer.js';
export * from './DiagnosticsStatusNotification.js';
export * from './FirmwareStatusNotification.js';
export * from './GetCompositeSchedule.js';
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
export * from './SetChargingProfile.js';
export * from './StartTransaction.js';
export * from './StatusNotification.js';
export * from './StopTransaction.js';
export * from './TriggerMessage.js';
export * from './UnlockConnector.js';
export * from './UpdateFirmware.js';

/** Action name → action. */
export const v16Actions = {
  Authorize,
  BootNotification,
  CancelReservation,
  ChangeAvailability,
  ChangeConfiguration,
  ClearCache,
  ClearChargingProfile,
  DataTransfer,
  DiagnosticsStatusNotification,
  FirmwareStatusNotification,
  GetCompositeSchedule,
  GetConfiguration,
  GetDiagnostics,
  GetLocalListVersion,
  Heartbeat,
  MeterValues,
  RemoteStartTransaction,
  RemoteStopTransaction,
  ReserveNow,
  Reset,
  SendLocalList,
  SetChargingProfile,
  StartTransaction,
  StatusNotification,
  StopTransaction,
  TriggerMessage,
  UnlockConnector,
  UpdateFirmware,
} as const;

export type V16ActionName = keyof typeof v16Actions;

/**
 * Actions a charge point sends to the central system. DataTransfer goes both ways; it is listed
 * here because the central system must always be able to receive it.
 */
export const chargePointInitiated = [
  'Authorize',
  'BootNotification',
  'DataTransfer',
  'DiagnosticsStatusNotification',
  'FirmwareStatusNotification',
  'Heartbeat',
  'MeterValues',
  'StartTransaction',
  'StatusNotification',
  'StopTransaction',
] as const satisfies readonly V16ActionName[];

/** Actions the central system sends to a charge point. */
export const centralSystemInitiated = [
  'CancelReservation',
  'ChangeAvailability',
  'ChangeConfiguration',
  'ClearCache',
  'ClearChargingProfile',
  'GetCompositeSchedule',
  'GetConfiguration',
  'GetDiagnostics',
  'GetLocalListVersion',
  'RemoteStartTransaction',
  'RemoteStopTransaction',
  'ReserveNow',
  'Reset',
  'SendLocalList',
  'SetChargingProfile',
  'TriggerMessage',
  'UnlockConnector',
  'UpdateFirmware',
] as const satisfies readonly V16ActionName[];
