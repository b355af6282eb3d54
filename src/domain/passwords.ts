// Charge point passwords (HTTP Basic, OCPP security profiles 1 and 2) are stored as scrypt hashes
// with a per-password salt, and compared in constant time.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const COST = { N: 16384, r: 8, p: 1 };
const MAX_MEMORY = 64 * 1024 * 1024;

function derive(password: string, salt: Buffer, length: number, cost: typeof COST): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, length, { ...cost, maxmem: MAX_MEMORY }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, 32, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await derive(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(actual, expected);
}

/**
 * Successful checks, remembered for a while: a SOAP charge point presents its password with every
 * message, and scrypt on each one would cost it (and us) far more than the message. The key covers
 * the stored hash, so a new password forgets the old; failures are never remembered.
 */
const remembered = new Map<string, number>();
const REMEMBER_MS = 10 * 60_000;
const REMEMBER_MAX = 10_000;

export async function verifyPasswordRemembered(password: string, stored: string, now = Date.now()): Promise<boolean> {
  const key = createHash('sha256').update(stored).update('\u0000').update(password).digest('base64');
  const at = remembered.get(key);
  if (at !== undefined && now - at < REMEMBER_MS) return true;
  remembered.delete(key);
  if (!(await verifyPassword(password, stored))) return false;
  if (remembered.size >= REMEMBER_MAX) remembered.delete(remembered.keys().next().value!);
  remembered.set(key, now);
  return true;
}
