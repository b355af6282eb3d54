// OCPP 1.6 BootNotification (charge point → central system).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { CiString, DateTime, StringEnum } from './common.js';

export const BootNotificationRequest = Type.Object(
  {
    chargePointVendor: CiString(20),
    chargePointModel: CiString(20),
    chargePointSerialNumber: Type.Optional(CiString(25)),
    chargeBoxSerialNumber: Type.Optional(CiString(25)),
    firmwareVersion: Type.Optional(CiString(50)),
    iccid: Type.Optional(CiString(20)),
    imsi: Type.Optional(CiString(20)),
    meterType: Type.Optional(CiString(25)),
    meterSerialNumber: Type.Optional(CiString(25)),
  },
  { additionalProperties: false },
);
export type BootNotificationRequest = Static<typeof BootNotificationRequest>;

export const RegistrationStatus = StringEnum(['Accepted', 'Pending', 'Rejected']);

export const BootNotificationResponse = Type.Object(
  {
    status: RegistrationStatus,
    currentTime: DateTime,
    /** Heartbeat interval in seconds (1.5 calls it heartbeatInterval). */
    interval: Type.Integer(),
  },
  { additionalProperties: false },
);
export type BootNotificationResponse = Static<typeof BootNotificationResponse>;

export const BootNotification = defineAction('BootNotification', BootNotificationRequest, BootNotificationResponse);
