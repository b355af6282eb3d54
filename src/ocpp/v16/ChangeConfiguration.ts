// OCPP 1.6 ChangeConfiguration (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { CiString, StringEnum } from './common.js';

export const ChangeConfigurationRequest = Type.Object(
  { key: CiString(50), value: CiString(500) },
  { additionalProperties: false },
);
export type ChangeConfigurationRequest = Static<typeof ChangeConfigurationRequest>;

export const ChangeConfigurationResponse = Type.Object(
  { status: StringEnum(['Accepted', 'Rejected', 'RebootRequired', 'NotSupported']) },
  { additionalProperties: false },
);
export type ChangeConfigurationResponse = Static<typeof ChangeConfigurationResponse>;

export const ChangeConfiguration = defineAction('ChangeConfiguration', ChangeConfigurationRequest, ChangeConfigurationResponse);
