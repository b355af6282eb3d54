// Times are kept as ISO 8601 UTC with milliseconds, so they sort as text and compare exactly
// (a resent message must produce the same key as the original).

export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

/** The instant a charge point reported, in canonical form; undefined when it is not a date. */
export function canonicalTime(reported: string): string | undefined {
  const ms = Date.parse(reported);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
