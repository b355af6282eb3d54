// The official OCA OCPP 1.6 JSON schemas (draft-04) as the oracle for what the simulator sends.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';

// Both packages are CommonJS; require() gives the constructor and the plugin themselves.
const require = createRequire(import.meta.url);
const Ajv04 = require('ajv-draft-04') as typeof import('ajv-draft-04').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

const schemaDir = new URL('../../../shared/ocpp/1.6/json/', import.meta.url);

/**
 * Fails at once, by saying where the oracle was looked for, when it is not there: the fake central
 * system would otherwise answer every call with an error, and a simulator waiting to be accepted
 * would wait for ever.
 */
export function assertOfficialSchemas(): void {
  if (!existsSync(schemaDir)) throw new Error(`official OCPP 1.6 JSON schemas not found at ${fileURLToPath(schemaDir)} (shared/ beside the repository)`);
}

const ajv = new Ajv04({ strict: false, allErrors: true });
addFormats(ajv, ['date-time', 'uri']);
const compiled = new Map<string, ValidateFunction>();

/** Errors of `payload` against the official schema `name` (e.g. "MeterValues", "ResetResponse"). */
export function officialSchemaErrors(name: string, payload: unknown): string[] {
  let validate = compiled.get(name);
  if (!validate) {
    const schema = JSON.parse(readFileSync(new URL(`${name}.json`, schemaDir), 'utf8')) as object;
    validate = ajv.compile(schema);
    compiled.set(name, validate);
  }
  if (validate(payload)) return [];
  return (validate.errors ?? []).map((e) => `${name}${e.instancePath} ${e.message ?? 'is invalid'}`);
}
