// OCPP 1.5 ChangeAvailability (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { StringEnum } from './common.js';

export const AvailabilityType = StringEnum(['Inoperative', 'Operative']);
export type AvailabilityType = Static<typeof AvailabilityType>;

export const ChangeAvailabilityRequest = Type.Object(
  {
    /** 0 means the whole charge point. */
    connectorId: Type.Integer(),
    type: AvailabilityType,
  },
  { additionalProperties: false },
);
export type ChangeAvailabilityRequest = Static<typeof ChangeAvailabilityRequest>;

export const AvailabilityStatus = StringEnum(['Accepted', 'Rejected', 'Scheduled']);
export type AvailabilityStatus = Static<typeof AvailabilityStatus>;

export const ChangeAvailabilityResponse = Type.Object({ status: AvailabilityStatus }, { additionalProperties: false });
export type ChangeAvailabilityResponse = Static<typeof ChangeAvailabilityResponse>;

export const ChangeAvailability = defineAction('ChangeAvailability', ChangeAvailabilityRequest, ChangeAvailabilityResponse);
