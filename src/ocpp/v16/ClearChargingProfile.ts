// OCPP 1.6 ClearChargingProfile (central system → charge point). Every criterion is optional.
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { ChargingProfilePurpose, StringEnum } from './common.js';

export const ClearChargingProfileRequest = Type.Object(
  {
    id: Type.Optional(Type.Integer()),
    connectorId: Type.Optional(Type.Integer()),
    chargingProfilePurpose: Type.Optional(ChargingProfilePurpose),
    stackLevel: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
export type ClearChargingProfileRequest = Static<typeof ClearChargingProfileRequest>;

export const ClearChargingProfileResponse = Type.Object(
  { status: StringEnum(['Accepted', 'Unknown']) },
  { additionalProperties: false },
);
export type ClearChargingProfileResponse = Static<typeof ClearChargingProfileResponse>;

export const ClearChargingProfile = defineAction('ClearChargingProfile', ClearChargingProfileRequest, ClearChargingProfileResponse);
