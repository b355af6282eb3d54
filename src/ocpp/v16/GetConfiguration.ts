// OCPP 1.6 GetConfiguration (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { CiString } from './common.js';

export const GetConfigurationRequest = Type.Object(
  {
    /** Absent: every key. */
    key: Type.Optional(Type.Array(CiString(50))),
  },
  { additionalProperties: false },
);
export type GetConfigurationRequest = Static<typeof GetConfigurationRequest>;

export const KeyValue = Type.Object(
  {
    key: CiString(50),
    readonly: Type.Boolean(),
    value: Type.Optional(CiString(500)),
  },
  { additionalProperties: false },
);
export type KeyValue = Static<typeof KeyValue>;

export const GetConfigurationResponse = Type.Object(
  {
    configurationKey: Type.Optional(Type.Array(KeyValue)),
    unknownKey: Type.Optional(Type.Array(CiString(50))),
  },
  { additionalProperties: false },
);
export type GetConfigurationResponse = Static<typeof GetConfigurationResponse>;

export const GetConfiguration = defineAction('GetConfiguration', GetConfigurationRequest, GetConfigurationResponse);
