// Validation of the two JSON sections of an OCMF data set: required fields present, every known
// field of its type and value set. Unknown fields pass (vendor extension points and later minor
// versions add fields); they are covered by the signature all the same.
import {
  CurrentTypes,
  MeterStates,
  ReadingUnits,
  TransactionMarkers,
  type OcmfError,
  type OcmfPayload,
  type OcmfReading,
  type OcmfSignature,
} from './types.js';
import { parseOcmfTime } from './time.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `T12`, `F3`: a context letter and a natural number without leading zeros. */
export const PAGINATION = /^([TF])(0|[1-9]\d*)$/;

/**
 * OBIS code of the quantity read, with or without the hex byte form: `1-0:1.8.0`, `1-b:1.8.0`,
 * `01-00:B8.08.00*FF`, `1-0:1.8.0*255`.
 */
const OBIS = /^[0-9A-Za-z]{1,3}-[0-9A-Za-z]{1,3}:[0-9A-Za-z]{1,3}\.[0-9A-Za-z]{1,3}\.[0-9A-Za-z]{1,3}(\*[0-9A-Za-z]{1,3})?$/;

const ERROR_FLAGS = /^[Et]*$/;

const PAYLOAD_STRINGS = ['FV', 'GI', 'GS', 'GV', 'MV', 'MM', 'MF', 'IL', 'IT', 'ID', 'TT', 'CCV', 'CT', 'CI'] as const;

function oneOf<T extends string>(values: readonly T[], v: unknown): v is T {
  return typeof v === 'string' && (values as readonly string[]).includes(v);
}

function validateReading(raw: unknown, index: number, previous: OcmfReading | undefined): OcmfReading | OcmfError {
  const at = `RD[${index}]`;
  if (!isObject(raw)) return { error: `${at} is not an object` };
  // A field equal to the previous reading's is omitted: carry it over (all but the value itself).
  const { RV: _previousValue, ...inherited } = previous ?? ({} as Partial<OcmfReading>);
  const r: Json = { ...inherited, ...raw };
  if (typeof r.TM !== 'string') return { error: `${at}.TM is missing or not a string` };
  if (parseOcmfTime(r.TM) === null) return { error: `${at}.TM "${r.TM}" is not an OCMF time (2018-07-24T13:22:04,000+0200 S)` };
  if (r.TX !== undefined && !oneOf(TransactionMarkers, r.TX)) return { error: `${at}.TX must be one of ${TransactionMarkers.join(' ')}` };
  if (r.RV !== undefined && (typeof r.RV !== 'number' || !Number.isFinite(r.RV))) return { error: `${at}.RV is not a number` };
  if (r.RU !== undefined && !oneOf(ReadingUnits, r.RU)) return { error: `${at}.RU must be one of ${ReadingUnits.join(', ')}` };
  if (r.RV !== undefined && r.RU === undefined) return { error: `${at} has a value (RV) without a unit (RU)` };
  if (r.RI !== undefined && (typeof r.RI !== 'string' || !OBIS.test(r.RI))) return { error: `${at}.RI is not an OBIS code (1-0:1.8.0, 01-00:B8.08.00*FF)` };
  if (r.RT !== undefined && !oneOf(CurrentTypes, r.RT)) return { error: `${at}.RT must be AC or DC` };
  if (r.CL !== undefined && (typeof r.CL !== 'number' || !Number.isFinite(r.CL))) return { error: `${at}.CL is not a number` };
  if (r.EF !== undefined && (typeof r.EF !== 'string' || !ERROR_FLAGS.test(r.EF))) return { error: `${at}.EF may only hold the flags E and t` };
  if (r.ST === undefined) return { error: `${at}.ST is missing` };
  if (!oneOf(MeterStates, r.ST)) return { error: `${at}.ST must be one of ${MeterStates.join(' ')}` };
  return r as unknown as OcmfReading;
}

export function validatePayload(raw: unknown): OcmfPayload | OcmfError {
  if (!isObject(raw)) return { error: 'the payload section is not a JSON object' };
  for (const key of PAYLOAD_STRINGS) {
    if (raw[key] !== undefined && typeof raw[key] !== 'string') return { error: `${key} is not a string` };
  }
  if (typeof raw.PG !== 'string') return { error: 'PG (pagination) is missing or not a string' };
  if (!PAGINATION.test(raw.PG)) return { error: `PG "${raw.PG}" is not a pagination (T1, F12)` };
  if (typeof raw.MS !== 'string' || raw.MS.length === 0) return { error: 'MS (meter serial) is missing or not a string' };
  if (raw.IS !== undefined && typeof raw.IS !== 'boolean') return { error: 'IS is not a boolean' };
  if (raw.IF !== undefined && !(Array.isArray(raw.IF) && raw.IF.every((f) => typeof f === 'string'))) {
    return { error: 'IF is not an array of strings' };
  }
  if (raw.LC !== undefined && !isObject(raw.LC)) return { error: 'LC is not an object' };
  // The user assignment is present exactly when there is a transaction reference (PG T…).
  if (raw.PG.startsWith('T')) {
    if (raw.IS === undefined) return { error: 'IS (identification status) is missing on a transaction page' };
    if (raw.IT === undefined) return { error: 'IT (identification type) is missing on a transaction page' };
  }
  if (!Array.isArray(raw.RD) || raw.RD.length === 0) return { error: 'RD (readings) is missing or empty' };
  const readings: OcmfReading[] = [];
  for (const [i, entry] of raw.RD.entries()) {
    const reading = validateReading(entry, i, readings[i - 1]);
    if ('error' in reading) return reading;
    readings.push(reading);
  }
  return { ...(raw as unknown as OcmfPayload), RD: readings };
}

export const DEFAULT_ALGORITHM = 'ECDSA-secp256r1-SHA256';
export const DEFAULT_MIME = 'application/x-der';

export function validateSignature(raw: unknown): OcmfSignature | OcmfError {
  if (!isObject(raw)) return { error: 'the signature section is not a JSON object' };
  if (raw.SA !== undefined && typeof raw.SA !== 'string') return { error: 'SA is not a string' };
  if (raw.SE !== undefined && raw.SE !== 'hex' && raw.SE !== 'base64') return { error: 'SE must be hex or base64' };
  if (raw.SM !== undefined && typeof raw.SM !== 'string') return { error: 'SM is not a string' };
  if (typeof raw.SD !== 'string' || raw.SD.length === 0) return { error: 'SD (signature data) is missing or not a string' };
  return {
    SA: raw.SA ?? DEFAULT_ALGORITHM,
    SE: raw.SE ?? 'hex',
    SM: raw.SM ?? DEFAULT_MIME,
    SD: raw.SD,
  };
}
