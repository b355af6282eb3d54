// OCPP 1.5 BootNotification (charge point → central system).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import {
  ChargeBoxSerialNumber,
  ChargePointModel,
  ChargePointSerialNumber,
  ChargePointVendor,
  DateTime,
  FirmwareVersion,
  IccidString,
  ImsiString,
  MeterSerialNumber,
  MeterType,
  StringEnum,
} from './common.js';

export const BootNotificationRequest = Type.Object(
  {
    chargePointVendor: ChargePointVendor,
    chargePointModel: ChargePointModel,
    chargePointSerialNumber: Type.Optional(ChargePointSerialNumber),
    chargeBoxSerialNumber: Type.Optional(ChargeBoxSerialNumber),
    firmwareVersion: Type.Optional(FirmwareVersion),
    iccid: Type.Optional(IccidString),
    imsi: Type.Optional(ImsiString),
    meterType: Type.Optional(MeterType),
    meterSerialNumber: Type.Optional(MeterSerialNumber),
  },
  { additionalProperties: false },
);
export type BootNotificationRequest = Static<typeof BootNotificationRequest>;

/** 1.5 has no Pending (1.6 adds it). */
export const RegistrationStatus = StringEnum(['Accepted', 'Rejected']);
export type RegistrationStatus = Static<typeof RegistrationStatus>;

export const BootNotificationResponse = Type.Object(
  {
    status: RegistrationStatus,
    currentTime: DateTime,
    /** Heartbeat interval in seconds (1.6 calls it interval). */
    heartbeatInterval: Type.Integer(),
  },
  { additionalProperties: false },
);
export type BootNotificationResponse = Static<typeof BootNotificationResponse>;

export const BootNotification = defineAction('BootNotification', BootNotificationRequest, BootNotificationResponse);
