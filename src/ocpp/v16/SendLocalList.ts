// OCPP 1.6 SendLocalList (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { IdTagInfo, IdToken, StringEnum } from './common.js';

/** An entry of the local list; without idTagInfo it is removed from the list (differential update). */
export const AuthorizationData = Type.Object(
  {
    idTag: IdToken,
    idTagInfo: Type.Optional(IdTagInfo),
  },
  { additionalProperties: false },
);
export type AuthorizationData = Static<typeof AuthorizationData>;

export const SendLocalListRequest = Type.Object(
  {
    listVersion: Type.Integer(),
    localAuthorizationList: Type.Optional(Type.Array(AuthorizationData)),
    updateType: StringEnum(['Differential', 'Full']),
  },
  { additionalProperties: false },
);
export type SendLocalListRequest = Static<typeof SendLocalListRequest>;

export const SendLocalListResponse = Type.Object(
  { status: StringEnum(['Accepted', 'Failed', 'NotSupported', 'VersionMismatch']) },
  { additionalProperties: false },
);
export type SendLocalListResponse = Static<typeof SendLocalListResponse>;

export const SendLocalList = defineAction('SendLocalList', SendLocalListRequest, SendLocalListResponse);
