// OCPP 1.5 ClearCache (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { StringEnum } from './common.js';

export const ClearCacheRequest = Type.Object({}, { additionalProperties: false });
export type ClearCacheRequest = Static<typeof ClearCacheRequest>;

export const ClearCacheStatus = StringEnum(['Accepted', 'Rejected']);
export type ClearCacheStatus = Static<typeof ClearCacheStatus>;

export const ClearCacheResponse = Type.Object({ status: ClearCacheStatus }, { additionalProperties: false });
export type ClearCacheResponse = Static<typeof ClearCacheResponse>;

export const ClearCache = defineAction('ClearCache', ClearCacheRequest, ClearCacheResponse);
