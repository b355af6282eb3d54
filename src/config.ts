// Configuration from environment variables, checked once at start: a wrong value stops the
// process with a message naming the variable, instead of misbehaving later.
import type { UnknownChargePointPolicy } from './domain/registry.js';

export interface Config {
  host: string;
  ocppPort: number;
  httpPort: number;
  databaseUrl: string;
  unknownChargePoints: UnknownChargePointPolicy;
  adminToken: string | undefined;
  heartbeatIntervalS: number;
  bootRetryIntervalS: number;
  callTimeoutMs: number;
  pingIntervalMs: number;
  maxFrameBytes: number;
  /** HMAC key of the frame journal's hash chain; without one the chain uses plain SHA-256. */
  journalKey: string | undefined;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

export function loadConfig(env: Env = process.env): Config {
  const adminToken = env.TOMADA_ADMIN_TOKEN === '' ? undefined : env.TOMADA_ADMIN_TOKEN;
  if (adminToken !== undefined && adminToken.length < 16) throw new ConfigError('TOMADA_ADMIN_TOKEN must be at least 16 characters');
  const databaseUrl = env.TOMADA_DATABASE_URL || 'sqlite:./data/tomada.db';
  return {
    host: env.TOMADA_HOST || '0.0.0.0',
    ocppPort: integer(env, 'TOMADA_OCPP_PORT', 9000, 0, 65535),
    httpPort: integer(env, 'TOMADA_HTTP_PORT', 8080, 0, 65535),
    databaseUrl,
    unknownChargePoints: oneOf(env, 'TOMADA_UNKNOWN_CHARGE_POINTS', ['reject', 'accept', 'pending'], 'reject'),
    adminToken,
    heartbeatIntervalS: integer(env, 'TOMADA_HEARTBEAT_INTERVAL', 300, 1, 86400),
    bootRetryIntervalS: integer(env, 'TOMADA_BOOT_RETRY_INTERVAL', 60, 1, 86400),
    callTimeoutMs: integer(env, 'TOMADA_CALL_TIMEOUT_MS', 30_000, 100, 600_000),
    pingIntervalMs: integer(env, 'TOMADA_PING_INTERVAL_MS', 30_000, 100, 3_600_000),
    maxFrameBytes: integer(env, 'TOMADA_MAX_FRAME_BYTES', 65_536, 1024, 16 * 1024 * 1024),
    journalKey: env.TOMADA_JOURNAL_KEY || undefined,
  };
}
