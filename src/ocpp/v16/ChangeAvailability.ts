// OCPP 1.6 ChangeAvailability (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { StringEnum } from './common.js';

export const ChangeAvailabilityRequest = Type.Object(
  {
    /** 0 means the whole charge point. */
    connectorId: Type.Integer(),
    type: StringEnum(['Inoperative', 'Operative']),
  },
  { additionalProperties: false },
);
export type ChangeAvailabilityRequest = Static<typeof ChangeAvailabilityRequest>;

export const ChangeAvailabilityResponse = Type.Object(
  { status: StringEnum(['Accepted', 'Rejected', 'Scheduled']) },
  { additionalProperties: false },
);
export type ChangeAvailabilityResponse = Static<typeof ChangeAvailabilityResponse>;

export const ChangeAvailability = defineAction('ChangeAvailability', ChangeAvailabilityRequest, ChangeAvailabilityResponse);
