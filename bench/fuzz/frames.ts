// Fuzz frames for an OCPP-J central system, each with the answer it must get: CALLs of every
// OCPP 1.6 and 1.5 action with payloads generated from the action's own schema (valid, and with
// exactly one defect), and framing mutations (broken JSON, wrong shapes, bad ids, stray answers,
// binary frames). Payloads come from fast-check pools that are renewed with a new seed as the run
// goes on, so a million frames stay cheap to make and still varied.
import fc from 'fast-check';
import type { OcppAction } from '../../src/ocpp/action.js';
import { v15Actions } from '../../src/ocpp/v15/index.js';
import { v16Actions } from '../../src/ocpp/v16/index.js';
import { invalidArbitrary, validArbitrary, type JsonSchema } from '../../test/ocpp/schema-arbitrary.js';

export type Protocol = 'ocpp1.6' | 'ocpp1.5';

export type FrameKind = 'valid' | 'invalid' | 'framing' | 'stray-answer' | 'binary';

export interface FuzzFrame {
  kind: FrameKind;
  data: string | Buffer;
  binary: boolean;
  /** The message id the single answer must carry; null: no answer is due (a stray CALLRESULT/CALLERROR). */
  expectId: string | null;
}

const UNREADABLE = '-1';
const actionsOf: Record<Protocol, Record<string, OcppAction>> = { 'ocpp1.6': v16Actions, 'ocpp1.5': v15Actions };

/** The schema as plain JSON Schema for the generator (without TypeBox symbols and SOAP mapping hints). */
function generatorSchema(schema: unknown): JsonSchema {
  return JSON.parse(JSON.stringify(schema), (key, value: unknown) => (key === 'xml' ? undefined : value)) as JsonSchema;
}

/** What a charge point sends in both versions: the actions the central system handles. */
const FROM_CHARGE_POINT = new Set(['Authorize', 'BootNotification', 'DataTransfer', 'DiagnosticsStatusNotification', 'FirmwareStatusNotification', 'Heartbeat', 'MeterValues', 'StartTransaction', 'StatusNotification', 'StopTransaction']);

interface Pool {
  action: string;
  valid: string[];
  invalid: string[];
}

function makePools(protocol: Protocol, perAction: number, seed: number): Pool[] {
  return Object.entries(actionsOf[protocol]).map(([action, definition], i) => {
    const schema = generatorSchema(definition.request);
    const valid = fc.sample(validArbitrary(schema), { numRuns: perAction, seed: seed + i });
    const invalid = fc.sample(invalidArbitrary(schema), { numRuns: perAction, seed: seed + 1000 + i });
    return { action, valid: valid.map((p) => JSON.stringify(p)), invalid: invalid.map((m) => JSON.stringify(m.payload)) };
  });
}

/**
 * Numbers in [0, 1) from a seed (the mulberry32 generator): the same seed makes the same frames, so
 * a run that found something can be made again with the seed it printed. Math.random made each run
 * different whatever its seed: test/bench/fuzz-worker.test.ts, whose seed was to give three frames
 * due an answer, got a stray answer among them about one run in ten.
 */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Broken frames built around a message id; `id` is the answer due (null: none). */
function framingMutations(id: string, pools: Pool[], pick: <T>(items: readonly T[]) => T, random: () => number): Array<{ data: string; expectId: string | null }> {
  const payload = pick(pick(pools).valid);
  const text = `[2,"${id}","Heartbeat",{}]`;
  return [
    { data: '', expectId: UNREADABLE },
    { data: text.slice(0, 1 + Math.floor(random() * (text.length - 2))), expectId: UNREADABLE }, // truncated
    { data: `{"messageTypeId":2,"id":"${id}"}`, expectId: UNREADABLE },
    { data: '[]', expectId: UNREADABLE },
    { data: '"just a string"', expectId: UNREADABLE },
    { data: 'null', expectId: UNREADABLE },
    { data: `[2,${Math.floor(random() * 1e6)},"Heartbeat",{}]`, expectId: UNREADABLE }, // numeric id
    { data: '[2,"","Heartbeat",{}]', expectId: UNREADABLE },
    { data: `[2,"${'x'.repeat(37)}","Heartbeat",{}]`, expectId: UNREADABLE }, // id too long
    { data: `[2,"${id}","Heartbeat"]`, expectId: id },
    { data: `[2,"${id}","Heartbeat",{},{}]`, expectId: id },
    { data: `[2,"${id}",42,{}]`, expectId: id },
    { data: `[2,"${id}","",{}]`, expectId: id },
    { data: `[2,"${id}","Heartbeat",[]]`, expectId: id },
    { data: `[2,"${id}","Heartbeat","{}"]`, expectId: id },
    { data: `[2,"${id}","Heartbeat",null]`, expectId: id },
    { data: `[9,"${id}","Heartbeat",{}]`, expectId: id }, // unknown message type
    { data: `["2","${id}","Heartbeat",{}]`, expectId: id },
    { data: `[2,"${id}","NoSuchAction",{}]`, expectId: id },
    { data: `[2,"${id}","constructor",{}]`, expectId: id },
    { data: `[2,"${id}","__proto__",{}]`, expectId: id },
    { data: `[2,"${id}","${pick(pools).action}",${payload.slice(0, -1)}`, expectId: UNREADABLE }, // cut before the end
    { data: `[2,"${id}","Heartbeat",${'['.repeat(200)}${']'.repeat(200)}]`, expectId: id }, // deep nesting as payload
    { data: `[2,"${id}","Heartbeat",{"\\ud800":"\\udfff"}]`, expectId: id }, // lone surrogates
    { data: `\ufeff[2,"${id}","Heartbeat",{}]`, expectId: UNREADABLE }, // byte order mark
    { data: `[2,"${id}","Heartbeat",{}] trailing`, expectId: UNREADABLE },
    { data: `[2,"${id}","${pick(pools).action}",${JSON.stringify({ x: 'é'.repeat(2000) })}]`, expectId: id },
  ];
}

function strayAnswers(id: string): string[] {
  return [`[3,"${id}",{}]`, `[4,"${id}","GenericError","stray",{}]`, `[3,"${id}"]`, `[4,"${id}","x"]`, `[3,"${id}",{"currentTime":1}]`];
}

export interface FrameSourceOptions {
  protocol: Protocol;
  seed: number;
  /** Payloads generated per action and pool (valid and invalid each). */
  perAction?: number;
  /** Frames after which the pools are generated again with the next seed. */
  renewEvery?: number;
}

/** An endless source of fuzz frames for one protocol; message ids are unique within the source. */
export function frameSource(options: FrameSourceOptions): () => FuzzFrame {
  const perAction = options.perAction ?? 100;
  const renewEvery = options.renewEvery ?? 100_000;
  let seed = options.seed;
  let pools = makePools(options.protocol, perAction, seed);
  let made = 0;
  let counter = 0;
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  // Three in four schema frames are of actions the central system handles, so their payloads
  // reach the validator and the domain; the rest are refused as NotSupported before validation.
  const pickPool = () => {
    const handled = random() < 0.75;
    return pick(pools.filter((p) => FROM_CHARGE_POINT.has(p.action) === handled));
  };
  return () => {
    if (++made % renewEvery === 0) pools = makePools(options.protocol, perAction, (seed += 7919));
    const id = `f${(counter++).toString(36)}`;
    const roll = random();
    if (roll < 0.35) {
      const pool = pickPool();
      return { kind: 'valid', data: `[2,"${id}","${pool.action}",${pick(pool.valid)}]`, binary: false, expectId: id };
    }
    if (roll < 0.7) {
      const pool = pickPool();
      return { kind: 'invalid', data: `[2,"${id}","${pool.action}",${pick(pool.invalid)}]`, binary: false, expectId: id };
    }
    if (roll < 0.95) {
      const mutation = pick(framingMutations(id, pools, pick, random));
      return { kind: 'framing', data: mutation.data, binary: false, expectId: mutation.expectId };
    }
    if (roll < 0.98) return { kind: 'stray-answer', data: pick(strayAnswers(id)), binary: false, expectId: null };
    return { kind: 'binary', data: Buffer.from(`[2,"${id}","Heartbeat",{}]`), binary: true, expectId: UNREADABLE };
  };
}
