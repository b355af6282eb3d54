// Structured logs (pino). Every line about a charge point carries its id as `chargePointId`;
// secrets never reach a log line.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = process.env.TOMADA_LOG_LEVEL ?? 'info'): Logger {
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
