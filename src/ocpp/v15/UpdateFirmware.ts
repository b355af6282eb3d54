// OCPP 1.5 UpdateFirmware (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { AnyUri, DateTime } from './common.js';

export const UpdateFirmwareRequest = Type.Object(
  {
    retrieveDate: DateTime,
    /** Where the charge point downloads the firmware. */
    location: AnyUri,
    retries: Type.Optional(Type.Integer()),
    /** Seconds. */
    retryInterval: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
export type UpdateFirmwareRequest = Static<typeof UpdateFirmwareRequest>;

export const UpdateFirmwareResponse = Type.Object({}, { additionalProperties: false });
export type UpdateFirmwareResponse = Static<typeof UpdateFirmwareResponse>;

export const UpdateFirmware = defineAction('UpdateFirmware', UpdateFirmwareRequest, UpdateFirmwareResponse);
