// Which database URL a store failed to open from: the error reaches the command's last handler,
// which names the setting, with nothing to say where it came from. openStore records the URL here;
// explainStoreError (config.ts) reads it back. Kept apart from open.ts, whose import loads SQLite.
const urls = new WeakMap<object, string>();

/** Notes that `error` was thrown opening the store `url` names, and returns it. */
export function failedToOpen(error: unknown, url: string): unknown {
  if (typeof error === 'object' && error !== null) urls.set(error, url);
  return error;
}

/** The URL of the store `error` was thrown opening, if it was. */
export function urlThatFailedToOpen(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? urls.get(error) : undefined;
}

/** A failure to open a store already worded for the operator, with what to do: printed as it is. */
export class ExplainedOpenFailure extends Error {}
