// OCPP 1.6 StatusNotification (charge point → central system).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { CiString, DateTime, StringEnum } from './common.js';

export const ChargePointErrorCode = StringEnum([
  'ConnectorLockFailure',
  'EVCommunicationError',
  'GroundFailure',
  'HighTemperature',
  'InternalError',
  'LocalListConflict',
  'NoError',
  'OtherError',
  'OverCurrentFailure',
  'PowerMeterFailure',
  'PowerSwitchFailure',
  'ReaderFailure',
  'ResetFailure',
  'UnderVoltage',
  'OverVoltage',
  'WeakSignal',
]);
export type ChargePointErrorCode = Static<typeof ChargePointErrorCode>;

export const ChargePointStatus = StringEnum([
  'Available',
  'Preparing',
  'Charging',
  'SuspendedEVSE',
  'SuspendedEV',
  'Finishing',
  'Reserved',
  'Unavailable',
  'Faulted',
]);
export type ChargePointStatus = Static<typeof ChargePointStatus>;

export const StatusNotificationRequest = Type.Object(
  {
    /** 0 means the charge point as a whole. */
    connectorId: Type.Integer(),
    errorCode: ChargePointErrorCode,
    info: Type.Optional(CiString(50)),
    status: ChargePointStatus,
    timestamp: Type.Optional(DateTime),
    vendorId: Type.Optional(CiString(255)),
    vendorErrorCode: Type.Optional(CiString(50)),
  },
  { additionalProperties: false },
);
export type StatusNotificationRequest = Static<typeof StatusNotificationRequest>;

export const StatusNotificationResponse = Type.Object({}, { additionalProperties: false });
export type StatusNotificationResponse = Static<typeof StatusNotificationResponse>;

export const StatusNotification = defineAction('StatusNotification', StatusNotificationRequest, StatusNotificationResponse);
