// OCPP 1.6's shape of the readings, sent by a lenient OCPP 1.5 JSON charge point, in 1.5's shape.
//
// Some 1.5 JSON firmwares write their readings as 1.6 does: a MeterValues with `meterValue` of
// `{timestamp, sampledValue}` instead of `values` of `{timestamp, value}`, and a StopTransaction
// whose transactionData holds those `{timestamp, sampledValue}` items instead of `{values}`. A
// reading (`{value, context, format, measurand, location, unit}`, with 1.6's `phase`) is the same
// object in both versions: only the lists around it are named otherwise, so the conversion renames
// them and moves no reading.
//
// Converted only when the whole message is a valid 1.6 message of its action (1.6's own schema:
// no third one is written): whatever else it holds is left as it came, for the 1.5 schema and the
// charge point's lenient mode to judge. A message in 1.5's shape, or in a mix of the two, is
// returned as it is. Pure, so `tomada journal verify` replays a journaled frame the same way.
import { MeterValues as MeterValues16 } from '../v16/MeterValues.js';
import { StopTransaction as StopTransaction16 } from '../v16/StopTransaction.js';
import type { MeterValue as MeterValue16 } from '../v16/common.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * 1.6's MeterValue as 1.5's: the same timestamp and readings, the list named `value`. Its readings
 * may hold what 1.5 has not (a `phase`, a unit `A`): the 1.5 schema judges them next.
 */
const as15 = ({ timestamp, sampledValue }: MeterValue16): Json => ({ timestamp, value: sampledValue });

/** `object` with `key` replaced by `renamed` holding `value`, in the same key position. */
function renamedKey(object: Json, key: string, renamed: string, value: unknown): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(object)) {
    if (k === key) out[renamed] = value;
    else out[k] = v;
  }
  return out;
}

/** Whether the payload holds readings in 1.6's shape (and none in 1.5's) that this converts, if valid. */
function hasReadingsIn16Shape(action: string, payload: unknown): boolean {
  if (!isObject(payload)) return false;
  if (action === 'MeterValues') return 'meterValue' in payload && !('values' in payload);
  if (action === 'StopTransaction') {
    const data = payload.transactionData;
    return Array.isArray(data) && data.length > 0 && data.every((item) => isObject(item) && 'sampledValue' in item && !('values' in item));
  }
  return false;
}

/**
 * The payload with 1.6-shaped readings in 1.5's shape, when it is a valid 1.6 message of its
 * action; else the payload itself.
 */
export function readingsIn15Shape(action: string, payload: unknown): unknown {
  if (!hasReadingsIn16Shape(action, payload)) return payload;
  const message = payload as Json;
  if (action === 'MeterValues') {
    const checked = MeterValues16.validateRequest(message);
    return checked.ok ? renamedKey(message, 'meterValue', 'values', checked.value.meterValue.map(as15)) : payload;
  }
  const checked = StopTransaction16.validateRequest(message);
  return checked.ok ? { ...message, transactionData: [{ values: (checked.value.transactionData ?? []).map(as15) }] } : payload;
}
