// OCPP 1.5 GetLocalListVersion (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';

export const GetLocalListVersionRequest = Type.Object({}, { additionalProperties: false });
export type GetLocalListVersionRequest = Static<typeof GetLocalListVersionRequest>;

export const GetLocalListVersionResponse = Type.Object(
  {
    /** 0: the list is empty; -1: local authorization lists are not supported. */
    listVersion: Type.Integer(),
  },
  { additionalProperties: false },
);
export type GetLocalListVersionResponse = Static<typeof GetLocalListVersionResponse>;

export const GetLocalListVersion = defineAction('GetLocalListVersion', GetLocalListVersionRequest, GetLocalListVersionResponse);
