// A field variant of OCPP 1.5 over JSON, tolerated before validation.
//
// The 1.5 WSDL names a MeterValue's readings `value` (one element per reading, repeated), so the
// JSON form is `{"timestamp": "…", "value": [{"value": "123", "unit": "Wh"}]}`. Some 1.5 JSON
// charge points name that list `values` instead (the name of the MeterValue list one level up, in
// MeterValues.req and in StopTransaction.req's transactionData). normalizeMeterValueVariant
// renames it, so the payload then validates against the WSDL-shaped schema.
//
// Only MeterValues (`values[*]`) and StopTransaction (`transactionData[*].values[*]`) payloads
// are looked at. A MeterValue is renamed only if it has an array `values` and no `value` at all;
// one that has both is left as it is (validation then refuses `values` as undefined). Nothing is
// modified in place: the result is a copy along the changed path (other parts are shared with the
// input), and the input itself is returned when there is nothing to rename, including for every
// other action and for payloads of unexpected shape (validation reports those).

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The MeterValue with its `values` renamed to `value` in the same key position, or itself. */
function normalizeMeterValue(meterValue: unknown): unknown {
  if (!isObject(meterValue) || 'value' in meterValue || !Array.isArray(meterValue.values)) return meterValue;
  const renamed: Json = {};
  for (const [key, v] of Object.entries(meterValue)) renamed[key === 'values' ? 'value' : key] = v;
  return renamed;
}

/** `list` with each item passed through `change`, or `list` itself if no item changed. */
function mapList(list: unknown, change: (item: unknown) => unknown): unknown {
  if (!Array.isArray(list)) return list;
  const changed = list.map(change);
  return changed.some((item, i) => item !== list[i]) ? changed : list;
}

/** `object` with `object[key]` passed through `change`, or `object` itself if it did not change. */
function mapKey(object: Json, key: string, change: (value: unknown) => unknown): Json {
  if (!(key in object)) return object;
  const value = change(object[key]);
  return value === object[key] ? object : { ...object, [key]: value };
}

const normalizeMeterValues = (list: unknown) => mapList(list, normalizeMeterValue);

export function normalizeMeterValueVariant(action: string, payload: unknown): unknown {
  if (!isObject(payload)) return payload;
  if (action === 'MeterValues') return mapKey(payload, 'values', normalizeMeterValues);
  if (action === 'StopTransaction') {
    return mapKey(payload, 'transactionData', (data) =>
      mapList(data, (entry) => (isObject(entry) ? mapKey(entry, 'values', normalizeMeterValues) : entry)),
    );
  }
  return payload;
}
