// `tomada journal verify`: walks the frame journal's hash chain and names the first broken link,
// then replays the journaled frames of every transaction through the same adapters and energy
// rules that stored it, and names every transaction whose stored meter readings, energy or samples
// no longer match. It reads only; it changes nothing. Its memory follows the transactions open at
// a point of the journal, not the journal's length: a transaction is judged and forgotten as soon
// as no later frame can change its energy, and meanwhile only a short digest of each of its
// samples is kept, with the readings the energy rules read.
import { messageSamples } from '../adapters/message-samples.js';
import { computeEnergy, energyIsFinal, isEnergyReading } from '../domain/energy.js';
import { storedSampleIdentity, timesBefore, type MeterSample, type StoredMeterSample } from '../domain/model.js';
import { canonicalTime } from '../domain/time.js';
import { decodeEnvelope, operationOfRequestElement, operationOfResponseElement, xmlToPayload } from '../ocpp/soap/index.js';
import { normalizeMeterValueVariant } from '../ocpp/v15/meter-value-variant.js';
import { centralSystemActions, readingsIn15Shape } from '../ocpp/v15/index.js';
import { chainHash, GENESIS_HASH, type JournalRow } from '../store/journal-chain.js';
import { sha256 } from '../store/sha256.js';
import type { Store } from '../store/store.js';

export interface VerifyOptions {
  from?: string;
  to?: string;
  journalKey?: string;
  pageSize?: number;
}

export interface BrokenLink {
  seq: number;
  reason: string;
}

/** One figure of a transaction that is not what its frames say: as stored, and as journaled. */
export interface FigureDifference {
  field: 'meterStart' | 'meterStop' | 'energy';
  storedWh: number | null;
  journalWh: number | null;
}

/** A transaction's stored samples that are not the ones its frames sent. */
export interface SampleDifference {
  field: 'samples';
  stored: number;
  journal: number;
  /** Samples of the frames not stored as sent: changed, or removed. */
  alteredOrMissing: number;
  /** Stored samples no frame sent (changed, added, or stored twice). */
  notInJournal: number;
  /**
   * When the frame at this journal row alone was compared (one that came after its transaction
   * was judged and forgotten): `journal` counts its samples, and `notInJournal` is 0.
   */
  row?: number;
}

export type Difference = FigureDifference | SampleDifference;

export interface TransactionMismatch {
  transactionId: number;
  storedEnergyWh: number | null;
  journalEnergyWh: number | null;
  /** Each figure, or the samples, that differ; none when the transaction is stored or journaled only (see reason). */
  differences: Difference[];
  /** For a reader: each difference with its own figures, or why there was nothing to compare. */
  reason: string;
}

export interface VerifyReport {
  rowsChecked: number;
  /**
   * The last row walked, to be recorded elsewhere: removing the newest rows breaks no link, and
   * only a head kept apart shows it (SECURITY.md). Null when no row was walked (in the JSON too).
   */
  head: { seq: number; hash: string } | null;
  firstBrokenLink: BrokenLink | undefined;
  transactionsChecked: number;
  mismatches: TransactionMismatch[];
  ok: boolean;
}

/** What the frames say about one transaction. */
interface Replayed {
  chargePointId: string;
  /** The connector the transaction started on: the store files a stop's transaction data under it. */
  connectorId: number;
  meterStartWh: number;
  meterStopWh: number | null;
  /** Every sample the frames sent, as a digest (sampleDigests), each once as the store keeps it: a reading a message repeats, numbered. */
  digests: Set<string>;
  /**
   * The numbered repeats that only messages stored before repeats were numbered sent (their
   * journal rows up to Store.lastRowBeforeNumberedRepeats): such a store kept the reading once.
   */
  keptOnce: Set<string>;
  /** The readings the energy rules read, by digest, in the order they arrived. */
  readings: Map<string, MeterSample>;
}

/** A request the charge point sent, as the adapter reads it, waiting for our answer. */
interface Request {
  /** Its journal row. */
  seq: number;
  action: string;
  payload: Record<string, unknown>;
  protocol: string;
}

/** The last time canonicalTime read: the samples of a meterValue, and a transaction's stored ones (in time order), share theirs. */
const lastTime = { reported: '', canonical: '' };

/** The sample with its time as the store keeps it: an instant, in one notation. */
function canonical(sample: MeterSample): MeterSample {
  if (sample.timestamp !== lastTime.reported) {
    lastTime.reported = sample.timestamp;
    lastTime.canonical = canonicalTime(sample.timestamp) ?? sample.timestamp;
  }
  return { ...sample, timestamp: lastTime.canonical };
}

/**
 * Samples' identities as the store keys them, hashed and cut to 22 characters (132 bits): a few
 * dozen bytes per sample of an open transaction, and still beyond reach of anyone searching for
 * an altered value with the same digest. A reading given more than once (by one message, or
 * stored so) is numbered from its second time on, as the store keys it: `DIGEST#1`, `DIGEST#2`.
 */
function sampleDigests(identities: readonly unknown[][]): string[] {
  const digests = identities.map((identity) => sha256(JSON.stringify(identity), 'base64url').slice(0, 22));
  return timesBefore(digests).map((before, i) => (before === 0 ? (digests[i] as string) : `${digests[i]}${REPEAT}${before}`));
}

/** What numbers a repeated reading's digest (never a character of base64url). */
const REPEAT = '#';

const isRepeat = (digest: string) => digest.includes(REPEAT);

/**
 * Whether a repeat missing from `stored` is excused: a message stored before repeats were numbered
 * (1.5's phases reading alike) had the reading kept once, and that one is there, unaltered. A
 * message stored since stored each repeat, so one missing from it was removed.
 */
const keptOnceAndThere = (digest: string, storedBeforeNumbering: boolean, stored: ReadonlySet<string>) =>
  storedBeforeNumbering && isRepeat(digest) && stored.has(digest.slice(0, digest.indexOf(REPEAT)));

/** Stored rows' digests from their contents, their times read as instants: a tamperer leaves the keys alone. */
const storedDigests = (rows: readonly StoredMeterSample[]) =>
  sampleDigests(rows.map((row) => storedSampleIdentity(row.chargePointId, row.connectorId, row.transactionId, canonical(row))));

function samplesOf(protocol: string, action: string, payload: Record<string, unknown>): MeterSample[] {
  return messageSamples(protocol.startsWith('ocpp1.5') ? '1.5' : '1.6', action, payload).map(canonical);
}

/**
 * The correlation of a SOAP request sent without a WS-Addressing MessageID, and of its answer
 * (which then has no RelatesTo): its operation, on a line of its own (a MessageID has no NUL). A
 * charge point's messages are answered as they come, so such an answer is its charge point's
 * latest request of that operation. Such messages are accepted and stored; until 2026-12-06 they
 * were not replayed, and their sessions were reported "stored but not in the journal".
 */
const withoutMessageId = (operation: string) => `\u0000${operation}`;

/**
 * A 1.5 JSON request as the adapter read it: the `values` variant renamed, and readings in 1.6's
 * shape converted (taken only from a lenient charge point, so an acknowledged frame that has them
 * came from one), unless the row was stored before they were (`unconvertedUpTo`).
 */
function payload15(row: JournalRow, action: string, raw: unknown, unconvertedUpTo: number): Record<string, unknown> {
  const normalized = normalizeMeterValueVariant(action, raw);
  return (row.seq > unconvertedUpTo ? readingsIn15Shape(action, normalized) : normalized) as Record<string, unknown>;
}

/** Reads a journaled frame: a request (with its correlation id) or an answer to one. */
function readFrame(row: JournalRow, unconvertedUpTo: number): { kind: 'request'; id: string; request: Request } | { kind: 'answer'; id: string; payload: Record<string, unknown> } | undefined {
  const text = row.frame.toString('utf8');
  try {
    if (row.protocol.endsWith('-soap')) {
      // Journaled means taken, under whatever body limit the node had then: no limit here.
      const envelope = decodeEnvelope(text, { maxBytes: Number.POSITIVE_INFINITY });
      if (row.direction === 'in') {
        const action = operationOfRequestElement(envelope.bodyElement);
        const schema = action ? centralSystemActions[action as keyof typeof centralSystemActions] : undefined;
        if (!action || !schema) return undefined;
        const payload = xmlToPayload(envelope.body, schema.request) as Record<string, unknown>;
        return { kind: 'request', id: envelope.headers.messageId || withoutMessageId(action), request: { seq: row.seq, action, payload, protocol: row.protocol } };
      }
      const operation = operationOfResponseElement(envelope.bodyElement);
      const schema = operation ? centralSystemActions[operation as keyof typeof centralSystemActions] : undefined;
      if (!operation || !schema) return undefined;
      return { kind: 'answer', id: envelope.headers.relatesTo || withoutMessageId(operation), payload: xmlToPayload(envelope.body, schema.response) as Record<string, unknown> };
    }
    const frame = JSON.parse(text) as unknown[];
    if (row.direction === 'in' && frame[0] === 2) {
      const action = String(frame[2]);
      const raw = frame[3] as Record<string, unknown>;
      const payload = row.protocol.startsWith('ocpp1.5') ? payload15(row, action, raw, unconvertedUpTo) : raw;
      return { kind: 'request', id: String(frame[1]), request: { seq: row.seq, action, payload, protocol: row.protocol } };
    }
    if (row.direction === 'out' && frame[0] === 3) return { kind: 'answer', id: String(frame[1]), payload: frame[2] as Record<string, unknown> };
  } catch {
    // A frame that could not be read was refused when it arrived and reported nothing.
  }
  return undefined;
}

/** Transaction ids, as bits: a national network's years of them in a few megabytes. */
class IdSet {
  private bits = new Uint8Array(1 << 16);
  size = 0;

  add(id: number): void {
    if (!Number.isSafeInteger(id) || id < 0) return;
    if (id >= this.bits.length * 8) {
      const grown = new Uint8Array(Math.max(this.bits.length * 2, Math.ceil((id + 1) / 8)));
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (id & 7);
    if ((this.bits[id >> 3]! & mask) === 0) this.size++;
    this.bits[id >> 3]! |= mask;
  }

  has(id: number): boolean {
    return Number.isSafeInteger(id) && id >= 0 && id < this.bits.length * 8 && (this.bits[id >> 3]! & (1 << (id & 7))) !== 0;
  }
}

/**
 * Applies an acknowledged request to the transactions it reports on; returns the transaction a
 * StopTransaction stopped, if any. `journaled`: every transaction started so far, judged or not.
 * `unnumberedUpTo`: the last journal row whose repeated readings may have been stored once.
 */
function replay(
  chargePointId: string,
  request: Request,
  answer: Record<string, unknown>,
  transactions: Map<number, Replayed>,
  journaled: IdSet,
  unnumberedUpTo: number,
): number | undefined {
  const { action, payload, protocol } = request;
  if (action === 'StartTransaction' && typeof answer.transactionId === 'number' && !journaled.has(answer.transactionId)) {
    journaled.add(answer.transactionId);
    transactions.set(answer.transactionId, {
      chargePointId,
      connectorId: payload.connectorId as number,
      meterStartWh: payload.meterStart as number,
      meterStopWh: null,
      digests: new Set(),
      keptOnce: new Set(),
      readings: new Map(),
    });
    return undefined;
  }
  if (action !== 'MeterValues' && action !== 'StopTransaction') return undefined;
  const transactionId = payload.transactionId as number;
  const transaction = transactions.get(transactionId);
  if (!transaction || transaction.chargePointId !== chargePointId) return undefined;
  // Keyed as the store keys them, so a reading a stop's transaction data repeats is kept once: a
  // MeterValues under its own connector, a stop's under the connector the transaction started on.
  // A reading filed under two connectors is kept twice, as stored, and computeEnergy counts it once.
  const connectorId = action === 'StopTransaction' ? transaction.connectorId : ((payload.connectorId as number | undefined) ?? 0);
  const samples = samplesOf(protocol, action, payload);
  const digests = sampleDigests(samples.map((sample) => storedSampleIdentity(chargePointId, connectorId, transactionId, sample)));
  const storedUnnumbered = request.seq <= unnumberedUpTo;
  samples.forEach((sample, i) => {
    const digest = digests[i] as string;
    // A repeat is excused only while no message stored since the numbering has sent it (a resend
    // after the upgrade stores the repeats the first time lost).
    if (isRepeat(digest)) {
      if (!storedUnnumbered) transaction.keptOnce.delete(digest);
      else if (!transaction.digests.has(digest)) transaction.keptOnce.add(digest);
    }
    transaction.digests.add(digest);
    if (isEnergyReading(sample)) transaction.readings.set(digest, sample); // nothing else moves the energy
  });
  // The first stop counts; a later, different one is an anomaly of its own, not a new stop.
  if (action === 'StopTransaction' && transaction.meterStopWh === null) {
    transaction.meterStopWh = payload.meterStop as number;
    return transactionId;
  }
  return undefined;
}

/**
 * Compares what the frames say about one transaction with what is stored; the mismatch, if any.
 * `framesAfter`: frames beyond those replayed may still file samples under it (a run with --to),
 * so a stored sample no replayed frame sent proves nothing by itself.
 */
async function judge(store: Store, transactionId: number, replayed: Replayed, framesAfter: boolean): Promise<TransactionMismatch | undefined> {
  const stored = await store.getTransaction(transactionId);
  if (!stored) return unmatched(transactionId, null, 'journaled but not stored');
  const energy = computeEnergy({ meterStartWh: replayed.meterStartWh, meterStopWh: replayed.meterStopWh, samples: [...replayed.readings.values()] });
  const figures = (
    [
      { field: 'meterStart', storedWh: stored.meterStartWh, journalWh: replayed.meterStartWh },
      { field: 'meterStop', storedWh: stored.meterStopWh, journalWh: replayed.meterStopWh },
      { field: 'energy', storedWh: stored.energyWh, journalWh: energy.energyWh },
    ] satisfies FigureDifference[]
  ).filter((d) => d.storedWh !== d.journalWh);
  const samples = compareSamples(await store.listTransactionSamples(transactionId), replayed, framesAfter);
  const differences: Difference[] = samples ? [...figures, samples] : figures;
  if (differences.length === 0) return undefined;
  return { transactionId, storedEnergyWh: stored.energyWh, journalEnergyWh: energy.energyWh, differences, reason: differences.map(describe).join('; ') };
}

/** The stored samples against the digests of those the frames sent; undefined when they are the same. */
function compareSamples(stored: readonly StoredMeterSample[], { digests: journal, keptOnce }: Replayed, framesAfter: boolean): SampleDifference | undefined {
  const seen = new Set<string>();
  let notInJournal = 0;
  for (const digest of storedDigests(stored)) {
    // A row stored more times than a message gave it is numbered past them: not in the journal.
    if (!journal.has(digest)) notInJournal++;
    seen.add(digest);
  }
  let alteredOrMissing = 0;
  for (const digest of journal) {
    if (!seen.has(digest) && !keptOnceAndThere(digest, keptOnce.has(digest), seen)) alteredOrMissing++;
  }
  if (alteredOrMissing === 0 && (notInJournal === 0 || framesAfter)) return undefined;
  return { field: 'samples', stored: stored.length, journal: journal.size, alteredOrMissing, notInJournal };
}

/**
 * A MeterValues or StopTransaction that came after its transaction was judged sound and forgotten
 * (a reading sent after the stop, a stop resent): only its own samples can still be checked, each
 * of which must be stored. The mismatch, if any.
 */
async function judgeLateFrame(store: Store, chargePointId: string, request: Request, unnumberedUpTo: number): Promise<TransactionMismatch | undefined> {
  const { action, payload, protocol } = request;
  const samples = samplesOf(protocol, action, payload);
  if (samples.length === 0) return undefined;
  const transactionId = payload.transactionId as number;
  const stored = await store.getTransaction(transactionId);
  if (!stored || stored.chargePointId !== chargePointId) return undefined;
  const connectorId = action === 'StopTransaction' ? stored.connectorId : ((payload.connectorId as number | undefined) ?? 0);
  const storedSet = new Set(storedDigests(await store.listTransactionSamples(transactionId)));
  const storedUnnumbered = request.seq <= unnumberedUpTo;
  let alteredOrMissing = 0;
  for (const digest of sampleDigests(samples.map((sample) => storedSampleIdentity(chargePointId, connectorId, transactionId, sample)))) {
    if (!storedSet.has(digest) && !keptOnceAndThere(digest, storedUnnumbered, storedSet)) alteredOrMissing++;
  }
  if (alteredOrMissing === 0) return undefined;
  const difference: SampleDifference = { field: 'samples', stored: storedSet.size, journal: samples.length, alteredOrMissing, notInJournal: 0, row: request.seq };
  return { transactionId, storedEnergyWh: stored.energyWh, journalEnergyWh: null, differences: [difference], reason: describe(difference) };
}

/** A transaction found on one side only (stored, or journaled): nothing to compare figure by figure. */
function unmatched(transactionId: number, storedEnergyWh: number | null, reason: string): TransactionMismatch {
  return { transactionId, storedEnergyWh, journalEnergyWh: null, differences: [], reason };
}

/**
 * What an auditor needs to look it up: "meterStop differs (stored 5000 Wh, journal says 2000 Wh)",
 * "samples differ (3 stored, 4 in the journal; 1 altered or missing)".
 */
function describe(difference: Difference): string {
  if (difference.field === 'samples') {
    const { stored, journal, alteredOrMissing, notInJournal, row } = difference;
    if (row !== undefined) return `samples differ (${stored} stored; of the ${journal} that row ${row} sent after the session was judged, ${alteredOrMissing} altered or missing)`;
    const counts = [alteredOrMissing > 0 ? `${alteredOrMissing} altered or missing` : '', notInJournal > 0 ? `${notInJournal} not in the journal` : ''].filter(Boolean);
    return `samples differ (${stored} stored, ${journal} in the journal; ${counts.join(', ')})`;
  }
  const figure = (wh: number | null) => (wh === null ? 'none' : `${wh} Wh`);
  return `${difference.field} differs (stored ${figure(difference.storedWh)}, journal says ${figure(difference.journalWh)})`;
}

/** Rounds of frames committed meanwhile read, at most, before a mismatch on a live database is reported. */
const CATCH_UP_ROUNDS = 5;

export async function verifyJournal(store: Store, options: VerifyOptions = {}): Promise<VerifyReport> {
  const pageSize = options.pageSize ?? 1000;
  let firstBrokenLink: BrokenLink | undefined;
  let rowsChecked = 0;
  const pendingRequests = new Map<string, Request>();
  const transactions = new Map<number, Replayed>();
  const journaled = new IdSet();
  const unnumberedUpTo = await store.lastRowBeforeNumberedRepeats();
  const unconvertedUpTo = await store.lastRowBeforeConvertedReadings();
  /**
   * Mismatches so far, with what the frames said (none for a transaction stored and not
   * journaled). On a running network a transaction goes on, or starts, between the journal's last
   * row read and the read of what is stored, and the frames that explain it commit after that
   * row: a run to the journal's end (whole, or with --from alone) reads them and judges again
   * before it reports (catching up below).
   */
  const found = new Map<number, { mismatch: TransactionMismatch; replayed: Replayed | undefined }>();
  /** A frame of a transaction judged sound and forgotten: no later judgement will see it (judgeLateFrame). */
  const isLate = ({ action, payload }: Request) => {
    if (action !== 'MeterValues' && action !== 'StopTransaction') return false;
    const id = payload.transactionId as number;
    return journaled.has(id) && !transactions.has(id) && !found.has(id);
  };
  const judgeNow = async (transactionId: number, replayed: Replayed) => {
    const mismatch = await judge(store, transactionId, replayed, options.to !== undefined);
    if (mismatch) found.set(transactionId, { mismatch, replayed });
    else found.delete(transactionId);
  };

  let previous: JournalRow | undefined;
  /** Checks the chain over rows first..last and replays them; transactions whose energy is final are judged as they end. */
  const walk = async (first: number, last: number) => {
    let afterSeq = first - 1;
    for (;;) {
      const page = await store.listJournal({ afterSeq, untilSeq: last, limit: pageSize });
      if (page.length === 0) break;
      for (const row of page) {
        if (rowsChecked === 0) previous = await store.journalRowBefore(row.seq);
        rowsChecked++;
        if (!firstBrokenLink) firstBrokenLink = checkLink(previous, row, options.journalKey);
        previous = row;
        const read = readFrame(row, unconvertedUpTo);
        if (!read || row.chargePointId === null) continue;
        const key = `${row.chargePointId}\u0000${read.id}`;
        if (read.kind === 'request') pendingRequests.set(key, read.request);
        else {
          const request = pendingRequests.get(key);
          pendingRequests.delete(key);
          const stopped = request && replay(row.chargePointId, request, read.payload, transactions, journaled, unnumberedUpTo);
          if (request && isLate(request)) {
            const mismatch = await judgeLateFrame(store, row.chargePointId, request, unnumberedUpTo);
            if (mismatch) found.set(mismatch.transactionId, { mismatch, replayed: undefined });
          }
          const replayed = stopped === undefined ? undefined : transactions.get(stopped);
          // Judged now, and forgotten: its stored energy can no longer differ because of a later
          // frame. Unless it differs: a later MeterValues may have filed the samples not seen yet
          // under it, so it goes on being replayed, and is judged again at the end.
          if (stopped !== undefined && replayed && energyIsFinal({ meterStopWh: replayed.meterStopWh, samples: [...replayed.readings.values()] })) {
            await judgeNow(stopped, replayed);
            if (!found.has(stopped)) transactions.delete(stopped);
          }
        }
      }
      afterSeq = page[page.length - 1]!.seq;
    }
  };

  // The time range becomes a sequence range, walked whole: rows commit in sequence order, and a
  // row received earlier may commit after one received later.
  const bounds = await store.journalSeqBounds({ from: options.from, to: options.to });
  let last = bounds.last;
  if (bounds.first !== undefined && last !== undefined && bounds.first <= last) await walk(bounds.first, last);

  // The rest: running, or stopped without a register reading (interval energy, or no energy
  // sample), which a later frame could still change.
  for (const [transactionId, replayed] of transactions) {
    // With --to, a transaction not stopped within the range cannot be judged from the range alone
    // (meter values after it still move its stored energy); one not stored at all is reported.
    if (options.to !== undefined && replayed.meterStopWh === null && (await store.getTransaction(transactionId))) continue;
    await judgeNow(transactionId, replayed);
  }
  const whole = options.from === undefined && options.to === undefined;
  // On a whole-journal run, a stored transaction no frame ever reported was not made by a charge
  // point. Read a page at a time, by id.
  if (whole) {
    let afterId = 0;
    for (;;) {
      const page = await store.listTransactions({ afterId, limit: pageSize });
      for (const stored of page) {
        if (!journaled.has(stored.id)) {
          found.set(stored.id, { mismatch: unmatched(stored.id, stored.energyWh, 'stored but not in the journal'), replayed: undefined });
        }
      }
      if (page.length < pageSize) break;
      afterId = page.at(-1)!.id;
    }
  }
  // Catching up: the frames committed since the walk began, then each mismatch judged again. A
  // transaction altered behind the journal's back stays a mismatch however many frames come. Not
  // with --to: the range ends there, and what came after it is excused instead (judge).
  const toTheEnd = options.to === undefined;
  for (let round = 0; toTheEnd && found.size > 0 && round < CATCH_UP_ROUNDS; round++) {
    const now = (await store.journalSeqBounds({})).last;
    if (now === undefined || (last !== undefined && now <= last)) break;
    for (const [transactionId, { replayed }] of found) if (replayed && !transactions.has(transactionId)) transactions.set(transactionId, replayed);
    await walk(last === undefined ? 1 : last + 1, now);
    last = now;
    for (const transactionId of [...found.keys()]) {
      const replayed = transactions.get(transactionId);
      if (replayed) await judgeNow(transactionId, replayed);
    }
  }
  const mismatches = [...found.values()].map(({ mismatch }) => mismatch).sort((a, b) => a.transactionId - b.transactionId);
  return {
    rowsChecked,
    head: previous && rowsChecked > 0 ? { seq: previous.seq, hash: previous.hash } : null,
    firstBrokenLink,
    transactionsChecked: journaled.size,
    mismatches,
    ok: firstBrokenLink === undefined && mismatches.length === 0,
  };
}

/**
 * One link: the row must point at the hash of the row before it (the genesis hash for the first)
 * and its content must give its own hash. Sequence gaps alone prove nothing (PostgreSQL sequences
 * skip numbers on rollback); a removed row shows as the next row not linking.
 */
function checkLink(previous: JournalRow | undefined, row: JournalRow, key: string | undefined): BrokenLink | undefined {
  const expectedPrev = previous?.hash ?? GENESIS_HASH;
  if (row.prevHash !== expectedPrev) {
    return { seq: row.seq, reason: previous ? `does not link to row ${previous.seq} (a row between them was removed or altered)` : 'the first row does not start the chain (rows before it were removed)' };
  }
  if (chainHash(row.prevHash, row, key) !== row.hash) return { seq: row.seq, reason: 'its content does not match its hash (altered)' };
  return undefined;
}
