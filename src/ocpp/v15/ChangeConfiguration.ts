// OCPP 1.5 ChangeConfiguration (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { StringEnum } from './common.js';

/** No length limits in 1.5 (1.6: key 50, value 500). */
export const ChangeConfigurationRequest = Type.Object(
  {
    key: Type.String(),
    value: Type.String(),
  },
  { additionalProperties: false },
);
export type ChangeConfigurationRequest = Static<typeof ChangeConfigurationRequest>;

export const ConfigurationStatus = StringEnum(['Accepted', 'Rejected', 'NotSupported']);
export type ConfigurationStatus = Static<typeof ConfigurationStatus>;

export const ChangeConfigurationResponse = Type.Object({ status: ConfigurationStatus }, { additionalProperties: false });
export type ChangeConfigurationResponse = Static<typeof ChangeConfigurationResponse>;

export const ChangeConfiguration = defineAction('ChangeConfiguration', ChangeConfigurationRequest, ChangeConfigurationResponse);
