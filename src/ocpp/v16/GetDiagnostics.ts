// OCPP 1.6 GetDiagnostics (central system → charge point).
import { Type, type Static } from '@sinclair/typebox';
import { defineAction } from '../action.js';
import { CiString, DateTime } from './common.js';

export const GetDiagnosticsRequest = Type.Object(
  {
    /** Where the charge point uploads the file (no length limit in 1.6). */
    location: Type.String({ format: 'uri' }),
    retries: Type.Optional(Type.Integer()),
    retryInterval: Type.Optional(Type.Integer()),
    startTime: Type.Optional(DateTime),
    stopTime: Type.Optional(DateTime),
  },
  { additionalProperties: false },
);
export type GetDiagnosticsRequest = Static<typeof GetDiagnosticsRequest>;

export const GetDiagnosticsResponse = Type.Object(
  {
    /** Absent when there is no diagnostics file. */
    fileName: Type.Optional(CiString(255)),
  },
  { additionalProperties: false },
);
export type GetDiagnosticsResponse = Static<typeof GetDiagnosticsResponse>;

export const GetDiagnostics = defineAction('GetDiagnostics', GetDiagnosticsRequest, GetDiagnosticsResponse);
