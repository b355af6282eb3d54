// OCPP 1.5 GetDiagnostics (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { AnyUri, DateTime } from './common.js';

export const GetDiagnosticsRequest = Type.Object(
  {
    /** Where the charge point uploads the diagnostics file. */
    location: AnyUri,
    startTime: Type.Optional(DateTime),
    stopTime: Type.Optional(DateTime),
    retries: Type.Optional(Type.Integer()),
    /** Seconds. */
    retryInterval: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
export type GetDiagnosticsRequest = Static<typeof GetDiagnosticsRequest>;

export const GetDiagnosticsResponse = Type.Object(
  {
    /** Absent: no diagnostics file available. */
    fileName: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type GetDiagnosticsResponse = Static<typeof GetDiagnosticsResponse>;

export const GetDiagnostics = defineAction('GetDiagnostics', GetDiagnosticsRequest, GetDiagnosticsResponse);
