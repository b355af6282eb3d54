// OCMF reading times (TM): `2018-07-24T13:22:04,000+0200 S` — local time with milliseconds after a
// comma, the offset as ±hhmm, then a space and the clock's sync state. Tolerated as well: a dot
// before the milliseconds, an offset written ±hh:mm or Z. A missing sync state reads as U
// (unknown, unsynchronised): the least trusted state, never a better one than the meter claimed.
import { TimeSyncStates, type TimeSync } from './types.js';

export interface OcmfTime {
  /** The instant in ISO 8601 UTC with milliseconds. */
  iso: string;
  /** The offset from UTC the meter used, in minutes. */
  offsetMinutes: number;
  sync: TimeSync;
}

const TM =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[,.](\d{3}))?(?:(Z)|([+-])(\d{2}):?(\d{2}))(?: ([A-Z]))?$/;

export function parseOcmfTime(tm: string): OcmfTime | null {
  const m = TM.exec(tm);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = m[7] === undefined ? 0 : Number(m[7]);
  const sync = m[12] ?? 'U';
  if (!(TimeSyncStates as readonly string[]).includes(sync)) return null;
  if (year < 1000 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC rolls 31 April over into 1 May: a day that does not exist in its month is refused.
  if (new Date(local).getUTCDate() !== day) return null;
  let offsetMinutes = 0;
  if (m[8] === undefined) {
    const offHours = Number(m[10]);
    const offMinutes = Number(m[11]);
    if (offHours > 14 || offMinutes > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offHours * 60 + offMinutes);
  }
  return { iso: new Date(local - offsetMinutes * 60_000).toISOString(), offsetMinutes, sync: sync as TimeSync };
}
