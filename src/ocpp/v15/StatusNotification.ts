// OCPP 1.5 StatusNotification (charge point → central system).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { ChargePointErrorCode, ChargePointStatus, DateTime } from './common.js';

/** info, vendorId and vendorErrorCode have no length limit in 1.5 (1.6: 50, 255, 50). */
export const StatusNotificationRequest = Type.Object(
  {
    connectorId: Type.Integer(),
    status: ChargePointStatus,
    errorCode: ChargePointErrorCode,
    info: Type.Optional(Type.String()),
    timestamp: Type.Optional(DateTime),
    vendorId: Type.Optional(Type.String()),
    vendorErrorCode: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type StatusNotificationRequest = Static<typeof StatusNotificationRequest>;

export const StatusNotificationResponse = Type.Object({}, { additionalProperties: false });
export type StatusNotificationResponse = Static<typeof StatusNotificationResponse>;

export const StatusNotification = defineAction('StatusNotification', StatusNotificationRequest, StatusNotificationResponse);
