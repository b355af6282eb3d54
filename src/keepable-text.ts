// Text Tomada keeps as it came, on either store. JSON can carry what no store keeps: U+0000
// (`\u0000`), which PostgreSQL's text cannot hold, and a lone UTF-16 surrogate (`\ud800`), which
// neither store keeps as sent (SQLite writes bytes that are not UTF-8, node-postgres replaces it
// with U+FFFD, so two different id tags would become one). Requests from charge points and from
// operators are checked alike; pure, so that every layer may use it.

/** Where a value holds text no store keeps, and why. */
export interface UnkeepableText {
  /** JSON pointer (RFC 6901) of the string, or of the property whose name it is. */
  path: string;
  message: string;
}

const NUL = '\u0000';
const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';
const SURROGATE_MESSAGE = 'must be well-formed Unicode (a lone UTF-16 surrogate cannot be stored)';

// Node.js 20 has it (V8 11.3); TypeScript's ES2023 library does not declare it.
const isWellFormed = (text: string) => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

const fault = (text: string): string | undefined => (text.includes(NUL) ? NUL_MESSAGE : isWellFormed(text) ? undefined : SURROGATE_MESSAGE);

/**
 * The first string, or property name, of `value` that no store keeps as it is. Every call of every
 * charge point is walked, so the walk allocates nothing; the pointer is built only once one is found.
 */
export function unkeepableText(value: unknown): UnkeepableText | undefined {
  return holdsFault(value) ? locate(value, '') : undefined;
}

function holdsFault(value: unknown): boolean {
  if (typeof value === 'string') return fault(value) !== undefined;
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const item of value) if (holdsFault(item)) return true;
    return false;
  }
  for (const key in value) if (fault(key) !== undefined || holdsFault((value as Record<string, unknown>)[key])) return true;
  return false;
}

const segment = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** Where the fault is, in a value known to hold one. */
function locate(value: unknown, path: string): UnkeepableText {
  if (typeof value === 'string') return { path, message: fault(value)! };
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((item, i) => [String(i), item]) : Object.entries(value as object);
  for (const [key, item] of entries) {
    const inKey = fault(key);
    if (inKey !== undefined) return { path: `${path}/${segment(key)}`, message: inKey };
    if (holdsFault(item)) return locate(item, `${path}/${segment(key)}`);
  }
  throw new Error('locate: the value holds no unkeepable text'); // unreachable: called only after holdsFault
}
