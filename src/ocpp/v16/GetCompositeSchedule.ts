// OCPP 1.6 GetCompositeSchedule (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { AcceptedRejected, ChargingRateUnit, ChargingSchedule, DateTime } from './common.js';

export const GetCompositeScheduleRequest = Type.Object(
  {
    connectorId: Type.Integer(),
    /** Seconds. */
    duration: Type.Integer(),
    chargingRateUnit: Type.Optional(ChargingRateUnit),
  },
  { additionalProperties: false },
);
export type GetCompositeScheduleRequest = Static<typeof GetCompositeScheduleRequest>;

export const GetCompositeScheduleResponse = Type.Object(
  {
    status: AcceptedRejected,
    connectorId: Type.Optional(Type.Integer()),
    scheduleStart: Type.Optional(DateTime),
    chargingSchedule: Type.Optional(ChargingSchedule),
  },
  { additionalProperties: false },
);
export type GetCompositeScheduleResponse = Static<typeof GetCompositeScheduleResponse>;

export const GetCompositeSchedule = defineAction('GetCompositeSchedule', GetCompositeScheduleRequest, GetCompositeScheduleResponse);
