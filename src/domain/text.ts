// Text Tomada keeps must not hold U+0000: PostgreSQL's text cannot store it, and what one store
// keeps the other must keep alike. JSON can carry it (`\u0000`), from a charge point or an operator.
const NUL = '\u0000';

/**
 * The JSON pointer (RFC 6901) of the first string, or property name, in `value` that holds a NUL
 * character; undefined when none does. Every call of every charge point is walked, so the walk
 * allocates nothing; the pointer is built only once one is found.
 */
export function nulPointer(value: unknown): string | undefined {
  return holdsNul(value) ? pointerTo(value, '') : undefined;
}

function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const item of value) if (holdsNul(item)) return true;
    return false;
  }
  for (const key in value) if (key.includes(NUL) || holdsNul((value as Record<string, unknown>)[key])) return true;
  return false;
}

const segment = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** Where the NUL is, in a value known to hold one. */
function pointerTo(value: unknown, path: string): string {
  if (typeof value === 'string') return path;
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((item, i) => [String(i), item]) : Object.entries(value as object);
  for (const [key, item] of entries) {
    if (key.includes(NUL)) return `${path}/${segment(key)}`;
    if (holdsNul(item)) return pointerTo(item, `${path}/${segment(key)}`);
  }
  return path;
}
