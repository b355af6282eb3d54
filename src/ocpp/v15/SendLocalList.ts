// OCPP 1.5 SendLocalList (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { IdTagInfo, IdToken, StringEnum } from './common.js';

/**
 * An entry of the local list; without idTagInfo it is removed from the list (differential update).
 * 1.5 spells it Authorisation (1.6: AuthorizationData, localAuthorizationList).
 */
export const AuthorisationData = Type.Object(
  {
    idTag: IdToken,
    idTagInfo: Type.Optional(IdTagInfo),
  },
  { additionalProperties: false },
);
export type AuthorisationData = Static<typeof AuthorisationData>;

export const UpdateType = StringEnum(['Differential', 'Full']);
export type UpdateType = Static<typeof UpdateType>;

export const SendLocalListRequest = Type.Object(
  {
    updateType: UpdateType,
    listVersion: Type.Integer(),
    localAuthorisationList: Type.Optional(Type.Array(AuthorisationData)),
    /** Hash of the list after the update (1.6 drops it). */
    hash: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type SendLocalListRequest = Static<typeof SendLocalListRequest>;

/** 1.6 drops HashError. */
export const UpdateStatus = StringEnum(['Accepted', 'Failed', 'HashError', 'NotSupported', 'VersionMismatch']);
export type UpdateStatus = Static<typeof UpdateStatus>;

export const SendLocalListResponse = Type.Object(
  {
    status: UpdateStatus,
    hash: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type SendLocalListResponse = Static<typeof SendLocalListResponse>;

export const SendLocalList = defineAction('SendLocalList', SendLocalListRequest, SendLocalListResponse);
