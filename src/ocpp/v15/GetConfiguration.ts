// OCPP 1.5 GetConfiguration (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';

export const GetConfigurationRequest = Type.Object(
  {
    /** Absent or empty: every key. No length limit in 1.5 (1.6: 50). */
    key: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);
export type GetConfigurationRequest = Static<typeof GetConfigurationRequest>;

export const KeyValue = Type.Object(
  {
    key: Type.String(),
    readonly: Type.Boolean(),
    value: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type KeyValue = Static<typeof KeyValue>;

export const GetConfigurationResponse = Type.Object(
  {
    configurationKey: Type.Optional(Type.Array(KeyValue)),
    unknownKey: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);
export type GetConfigurationResponse = Static<typeof GetConfigurationResponse>;

export const GetConfiguration = defineAction('GetConfiguration', GetConfigurationRequest, GetConfigurationResponse);
