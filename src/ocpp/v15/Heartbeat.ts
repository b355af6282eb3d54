// OCPP 1.5 Heartbeat (charge point → central system).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { DateTime } from './common.js';

export const HeartbeatRequest = Type.Object({}, { additionalProperties: false });
export type HeartbeatRequest = Static<typeof HeartbeatRequest>;

export const HeartbeatResponse = Type.Object({ currentTime: DateTime }, { additionalProperties: false });
export type HeartbeatResponse = Static<typeof HeartbeatResponse>;

export const Heartbeat = defineAction('Heartbeat', HeartbeatRequest, HeartbeatResponse);
