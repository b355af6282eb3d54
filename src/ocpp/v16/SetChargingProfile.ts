// OCPP 1.6 SetChargingProfile (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { ChargingProfile, StringEnum } from './common.js';

export const SetChargingProfileRequest = Type.Object(
  {
    connectorId: Type.Integer(),
    /** A single ChargingProfile, despite the plural name the specification gives it. */
    csChargingProfiles: ChargingProfile,
  },
  { additionalProperties: false },
);
export type SetChargingProfileRequest = Static<typeof SetChargingProfileRequest>;

export const SetChargingProfileResponse = Type.Object(
  { status: StringEnum(['Accepted', 'Rejected', 'NotSupported']) },
  { additionalProperties: false },
);
export type SetChargingProfileResponse = Static<typeof SetChargingProfileResponse>;

export const SetChargingProfile = defineAction('SetChargingProfile', SetChargingProfileRequest, SetChargingProfileResponse);
