// The times a charge point (or an operator) may give: RFC 3339 date-times that name one instant
// the stores can keep. ajv-formats' date-time also lets through `+01` offsets and leap seconds
// (:60), which JavaScript cannot place in time, and instants past the year 9999 or before 0000
// (`9999-12-31T23:59:59-23:59` is in the year 10000). Those are kept as `+010000-…`, which no
// longer sorts as text among the others, and broke every answer that listed them: one stop so
// stamped made the transaction list a 500 for the whole network. A time that cannot be placed
// would also break idempotency keys and the backlog's order, so it is refused.
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

export function isDateTime(text: string): boolean {
  const m = DATE_TIME.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second, , offsetHour = '0', offsetMinute = '0'] = m.slice(1).map((part) => part ?? '0');
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const instant = Date.parse(text);
  // Date.UTC rolls 30 February over into March: the day must survive the round trip.
  return (
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day) &&
    Number(hour) < 24 &&
    Number(minute) < 60 &&
    Number(second) < 60 &&
    Number(offsetHour) < 24 &&
    Number(offsetMinute) < 60 &&
    !Number.isNaN(instant) &&
    hasFourDigitYear(instant)
  );
}

/** Whether the instant's UTC year is 0000–9999, so that its ISO text has the usual 24 characters. */
function hasFourDigitYear(ms: number): boolean {
  const year = new Date(ms).getUTCFullYear();
  return year >= 0 && year <= 9999;
}
