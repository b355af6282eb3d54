// OCPP 1.5 Authorize (charge point → central system).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { IdTagInfo, IdToken } from './common.js';

export const AuthorizeRequest = Type.Object({ idTag: IdToken }, { additionalProperties: false });
export type AuthorizeRequest = Static<typeof AuthorizeRequest>;

export const AuthorizeResponse = Type.Object({ idTagInfo: IdTagInfo }, { additionalProperties: false });
export type AuthorizeResponse = Static<typeof AuthorizeResponse>;

export const Authorize = defineAction('Authorize', AuthorizeRequest, AuthorizeResponse);
