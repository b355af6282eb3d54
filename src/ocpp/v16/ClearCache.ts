// OCPP 1.6 ClearCache (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { AcceptedRejected } from './common.js';

export const ClearCacheRequest = Type.Object({}, { additionalProperties: false });
export type ClearCacheRequest = Static<typeof ClearCacheRequest>;

export const ClearCacheResponse = Type.Object({ status: AcceptedRejected }, { additionalProperties: false });
export type ClearCacheResponse = Static<typeof ClearCacheResponse>;

export const ClearCache = defineAction('ClearCache', ClearCacheRequest, ClearCacheResponse);
