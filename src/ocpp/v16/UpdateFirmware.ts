// OCPP 1.6 UpdateFirmware (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { DateTime } from './common.js';

export const UpdateFirmwareRequest = Type.Object(
  {
    location: Type.String({ format: 'uri' }),
    retries: Type.Optional(Type.Integer()),
    /** Not before this time may the charge point download the firmware. */
    retrieveDate: DateTime,
    retryInterval: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
export type UpdateFirmwareRequest = Static<typeof UpdateFirmwareRequest>;

export const UpdateFirmwareResponse = Type.Object({}, { additionalProperties: false });
export type UpdateFirmwareResponse = Static<typeof UpdateFirmwareResponse>;

export const UpdateFirmware = defineAction('UpdateFirmware', UpdateFirmwareRequest, UpdateFirmwareResponse);
