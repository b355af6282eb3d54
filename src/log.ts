// Structured logs (pino). Every line about a charge point carries its id as `chargePointId`;
// secrets never reach a log line.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(given?: string): Logger {
  // Empty is unset, as config.ts reads every variable (TOMADA_LOG_LEVEL= in an environment file):
  // given to pino, it stopped the process with "default level: must be included in custom levels".
  const level = given || process.env.TOMADA_LOG_LEVEL || 'info';
  return pino({
    level,
    base: { service: 'tomada' },
    redact: {
      paths: [
        'password',
        '*.password',
        'passwordHash',
        '*.passwordHash',
        'token',
        '*.token',
        'authorization',
        '*.authorization',
        'headers.authorization',
        '*.headers.authorization',
        'headers.cookie',
        '*.headers.cookie',
      ],
      censor: '[redacted]',
    },
  });
}

/**
 * Resolves once every line logged so far is written to stdout. pino writes asynchronously: a write
 * that meets a full pipe (a slow reader) is retried 100 ms later, and pino's flush at exit skips a
 * write in that state, so a process.exit right after a line could drop that line (a clean stop's
 * log once ended at 'stopping' in CI). Ending the stream waits for the retry; after two seconds a
 * stdout nobody reads no longer holds the exit up.
 */
export function endLog(log: Logger): Promise<void> {
  const stream = (log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as { end?: () => void; once?: (event: string, listener: () => void) => void } | undefined;
  if (typeof stream?.end !== 'function' || typeof stream.once !== 'function') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 2000);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    stream.once!('close', done);
    stream.once!('error', done);
    stream.end!();
  });
}
