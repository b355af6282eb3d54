// The samples a MeterValues or StopTransaction payload carries, read the way the adapters store
// them, for code that looks at wire payloads after the fact (journal replay, validation).
import type { MeterSample, OcppVersion } from '../domain/model.js';
import { samplesFrom15 } from './v15.js';
import { samplesFrom16 } from './v16.js';

export function messageSamples(ocppVersion: OcppVersion, action: string, payload: Record<string, unknown>): MeterSample[] {
  const v15 = ocppVersion === '1.5';
  if (action === 'MeterValues') return v15 ? samplesFrom15(payload.values as never) : samplesFrom16(payload.meterValue as never);
  if (action === 'StopTransaction') {
    if (!v15) return samplesFrom16(payload.transactionData as never);
    const data = (payload.transactionData ?? []) as { values?: never }[];
    return data.flatMap((d) => samplesFrom15(d.values));
  }
  return [];
}
