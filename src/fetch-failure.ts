// Why a fetch() failed, in words an operator can act on: fetch itself says only "fetch failed",
// and the cause it carries names what went wrong (ECONNREFUSED, ENOTFOUND, a certificate's code).

/** The failed fetch's cause: its system code, else its message, else the error's own message. */
export function fetchFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
