// Charging sessions: start, meter values and stop, each stored in one group-committed unit before
// it is answered. Retries are idempotent and late (offline) messages are ordered by their own time.
import { PART_OF_CALL, type Store, type StoreWriter, type TransactionPatch } from '../store/store.js';
import { authorizeIdTag } from './authorization.js';
import { computeEnergyAndTail, ENERGY_MEASURANDS, energyTail, extendEnergy, type EnergyResult } from './energy.js';
import { signedIdentity } from './ocmf/index.js';
import { signedMeterStatus, type SignedMeterResult } from './signed-meter.js';
import { SignedVerdicts } from './signed-verdicts.js';
import type { EnergyTail, IdTagInfo, MeterSample, MeterValuesReport, StartRequest, StopRequest, Transaction } from './model.js';
import { canonicalTime, type Clock } from './time.js';

const ENERGY_SAMPLES = { measurands: ENERGY_MEASURANDS, formats: ['SignedData'] } as const;

export interface StartAnswer {
  transactionId: number;
  idTagInfo: IdTagInfo;
}

export interface TransactionOptions {
  /** Trust a meter public key sent inside a signed value when none is registered (then said so). */
  meterKeyFromMessage: boolean;
}

export interface TransactionLog {
  warn(detail: Record<string, unknown>, message: string): void;
}

/**
 * Anomalies of a stop, not of the energy: a second stop that disagrees with the first
 * (`conflictingStop`), and a stop stamped before its session's start (`stoppedBeforeStart`: a
 * charge point's clock set back, or a typo of a test), which was taken without a word and drew the
 * session's chart back in time. Recomputing the energy keeps them.
 */
const STOP_ANOMALIES = new Set(['conflictingStop', 'stoppedBeforeStart']);

/** The energy rules' result, with the anomalies found outside them (of the stop itself) kept. */
function withStopAnomalies(transaction: Transaction, energy: EnergyResult): EnergyResult {
  const kept = transaction.anomalies.filter((a) => STOP_ANOMALIES.has(a));
  return kept.length === 0 ? energy : { ...energy, anomalies: [...new Set([...kept, ...energy.anomalies])].sort() };
}

/** The session's anomalies once stopped at `stoppedAt`. */
function stopAnomalies(transaction: Transaction, stoppedAt: string): string[] {
  if (Date.parse(stoppedAt) >= Date.parse(transaction.startedAt)) return transaction.anomalies;
  return [...new Set([...transaction.anomalies, 'stoppedBeforeStart'])].sort();
}

/** Running sessions of one tag read at a time when a start looks for another (almost always one page). */
const ACTIVE_SESSIONS_PAGE = 500;

export class Transactions {
  /** Each signed value verified once on this node, not again at each message of its session. */
  private readonly verdicts = new SignedVerdicts();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: TransactionLog,
    private readonly options: TransactionOptions = { meterKeyFromMessage: false },
  ) {}

  async authorize(idTag: string): Promise<IdTagInfo> {
    return authorizeIdTag(this.store, idTag, this.clock());
  }

  async start(chargePointId: string, request: StartRequest): Promise<StartAnswer> {
    const startedAt = this.reportedTime(request.timestamp);
    return this.store.transact(async (tx) => {
      // The tag's lock first (PostgreSQL; taken on its folded form). Another node storing a start of
      // this tag waits here for this one's commit, then reads it: the same start, resent there in
      // any case of its tag (`abc`, then `ABC`), finds this session; another session of the tag
      // sees this one running, and is ConcurrentTx, as one after the other. Taken after the lookup
      // (and for an Accepted tag alone), a resend in another case missed the session not yet
      // committed and stored a second one, as the start's unique key compares the tag as sent.
      // An Accepted start took the lock anyway; a resend's and a refused tag's take one statement more.
      await tx.lockIdTag(request.idTag);
      const earlier = await tx.findTransactionByStart(chargePointId, request.connectorId, request.idTag, startedAt, request.meterStartWh);
      if (earlier) return { transactionId: earlier.id, idTagInfo: await this.idTagInfoFor(tx, earlier) };

      const idTagInfo = await authorizeIdTag(tx, request.idTag, this.clock());
      if (idTagInfo.status === 'Accepted' && (await this.hasOtherActiveSession(tx, request.idTag))) {
        idTagInfo.status = 'ConcurrentTx';
      }
      const created = await tx.insertTransaction({
        chargePointId,
        connectorId: request.connectorId,
        idTag: request.idTag,
        idTagStatus: idTagInfo.status,
        startedAt,
        stoppedAt: null,
        meterStartWh: request.meterStartWh,
        meterStopWh: null,
        energyWh: null,
        energySource: 'none',
        stopReason: null,
        stopIdTag: null,
        anomalies: [],
        reservationId: request.reservationId ?? null,
        signedMeterStatus: 'absent',
        signedMeterReason: null,
        energyTail: energyTail([]),
      });
      if (created) return { transactionId: created.id, idTagInfo };
      // The same start was stored meanwhile by another node (the charge point resent it there
      // while this node was still storing the first): the answer is that transaction's.
      const stored = await tx.findTransactionByStart(chargePointId, request.connectorId, request.idTag, startedAt, request.meterStartWh);
      if (!stored) throw new Error(`StartTransaction of "${chargePointId}" on connector ${request.connectorId} was neither stored nor found stored`);
      return { transactionId: stored.id, idTagInfo: await this.idTagInfoFor(tx, stored) };
    }, chargePointId, PART_OF_CALL);
  }

  async meterValues(chargePointId: string, report: MeterValuesReport): Promise<void> {
    const samples = this.canonicalSamples(report.samples);
    await this.store.transact(async (tx) => {
      const transaction = await this.ownTransaction(tx, chargePointId, report.transactionId);
      const { added, firstTimes } = await tx.insertSamples(chargePointId, report.connectorId, transaction?.id ?? null, samples);
      // A resent message adds no reading a first time, so it notes nothing either: a message
      // stored before repeats were numbered, resent, adds its repeats alone.
      if (report.transactionId !== undefined && report.transactionId !== 0 && !transaction && firstTimes > 0) {
        this.log.warn({ chargePointId, transactionId: report.transactionId }, 'MeterValues for an unknown transaction: kept without it');
        await tx.insertEvent({
          at: this.clock().toISOString(),
          chargePointId,
          type: 'meterValuesForUnknownTransaction',
          // The readings too, so the operator's webhook carries them whole; stored without a
          // transaction, they are also listed by GET /charge-points/{id}/meter-values.
          data: { transactionId: report.transactionId, connectorId: report.connectorId, samples },
        });
      }
      if (!transaction || added === 0) return;
      // Every sample new (none a resend): the energy goes on from where it stood, when it can.
      if (!(added === samples.length && (await this.extendFromTail(tx, transaction, samples)))) await this.refreshEnergy(tx, transaction);
    }, chargePointId, PART_OF_CALL);
  }

  async stop(chargePointId: string, request: StopRequest): Promise<IdTagInfo | undefined> {
    const stoppedAt = this.reportedTime(request.timestamp);
    const samples = this.canonicalSamples(request.samples);
    return this.store.transact(async (tx) => {
      const transaction = await this.ownTransaction(tx, chargePointId, request.transactionId);
      const idTagInfo = request.idTag === undefined ? undefined : await authorizeIdTag(tx, request.idTag, this.clock());
      if (!transaction) {
        // Nothing is lost: the whole report is kept as an event for the operator to reconcile,
        // once (a resent stop finds its event already there).
        const data = { ...request, timestamp: stoppedAt, samples };
        // The same stop resent to another node while this one stores it: that node's unit waits
        // here, then finds this event.
        await tx.lockChargePoint(chargePointId);
        if (await this.recordOnce(tx, chargePointId, 'stopForUnknownTransaction', data)) {
          this.log.warn({ chargePointId, transactionId: request.transactionId }, 'StopTransaction for an unknown transaction');
        }
        return idTagInfo;
      }
      // The stop's own fields go into the same UPDATE as the energy they change: the session as
      // it now stands is known here, and neither needs a read back (a round trip each on PostgreSQL).
      const first = transaction.stoppedAt === null;
      const stop: TransactionPatch = first
        ? { stoppedAt, meterStopWh: request.meterStopWh, stopReason: request.reason ?? null, stopIdTag: request.idTag ?? null }
        : {};
      const stopped = first ? { ...transaction, ...stop, anomalies: stopAnomalies(transaction, stoppedAt) } : await this.repeatedStop(tx, transaction, request, stoppedAt);
      const { added } = await tx.insertSamples(chargePointId, transaction.connectorId, transaction.id, samples);
      if (!(added === samples.length && (await this.extendFromTail(tx, stopped, samples, stop)))) await this.refreshEnergy(tx, stopped, stop);
      return idTagInfo;
    }, chargePointId, PART_OF_CALL);
  }

  /**
   * A resent stop changes nothing; a second stop that disagrees with the first is an anomaly, and
   * an event once (the session's row is locked: the same stop resent to another node waits, then
   * finds the event). Returns the session as it now stands.
   */
  private async repeatedStop(tx: StoreWriter, transaction: Transaction, request: StopRequest, stoppedAt: string): Promise<Transaction> {
    if (transaction.stoppedAt === stoppedAt && transaction.meterStopWh === request.meterStopWh) return transaction;
    const data = { transactionId: transaction.id, stoppedAt, meterStopWh: request.meterStopWh, reason: request.reason ?? null };
    if (await this.recordOnce(tx, transaction.chargePointId, 'conflictingStopTransaction', data)) {
      this.log.warn({ chargePointId: transaction.chargePointId, transactionId: transaction.id }, 'second StopTransaction disagrees with the first');
    }
    if (transaction.anomalies.includes('conflictingStop')) return transaction;
    const anomalies = [...transaction.anomalies, 'conflictingStop'].sort();
    await tx.updateTransaction(transaction.id, { anomalies });
    return { ...transaction, anomalies };
  }

  /**
   * Records an event of a message that changes nothing stored (so nothing else tells a resend),
   * unless the charge point's latest 100 events of its type hold one with the same data: a charge
   * point resends what it got no answer to, and its resend must not raise the event again. Among
   * its own type, so that the charge point's other events (each DataTransfer is one) do not push
   * the first out of sight. Whoever calls it holds a lock that a resend on another node also takes.
   * True when recorded.
   */
  private async recordOnce(tx: StoreWriter, chargePointId: string, type: string, data: Record<string, unknown>): Promise<boolean> {
    const text = JSON.stringify(data);
    const recent = await tx.listEvents({ chargePointId, type, limit: 100 });
    if (recent.some((e) => JSON.stringify(e.data) === text)) return false;
    await tx.insertEvent({ at: this.clock().toISOString(), chargePointId, type, data });
    return true;
  }

  /**
   * Extends a session's energy by its new samples alone; false when it takes all of them.
   * `alsoSet` as for refreshEnergy.
   */
  private async extendFromTail(tx: StoreWriter, transaction: Transaction, added: readonly MeterSample[], alsoSet: TransactionPatch = {}): Promise<boolean> {
    const extended = transaction.energyTail && extendEnergy(transaction, transaction.energyTail, added);
    if (!extended) return false;
    const { tail } = extended;
    const energy = withStopAnomalies(transaction, extended.energy);
    const unchanged =
      energy.energyWh === transaction.energyWh &&
      energy.source === transaction.energySource &&
      energy.anomalies.join() === transaction.anomalies.join() &&
      JSON.stringify(tail) === JSON.stringify(transaction.energyTail);
    // Power, current, voltage… alone, or a stop sent again: nothing the energy reads.
    if (unchanged && Object.keys(alsoSet).length === 0) return true;
    await tx.updateTransaction(transaction.id, { ...alsoSet, ...this.energyPatch(energy, { status: 'absent', reason: null }, tail) });
    return true;
  }

  /** `alsoSet`: more of the session's fields, written in the same UPDATE (a stop's). */
  private async refreshEnergy(tx: StoreWriter, transaction: Transaction, alsoSet: TransactionPatch = {}): Promise<void> {
    // Only what the energy and signed-meter rules read: the other measurands (power, current,
    // voltage…) are most of a session's samples, and this runs on every MeterValues.
    const samples = await tx.listTransactionSamples(transaction.id, ENERGY_SAMPLES);
    const { energy, tail } = computeEnergyAndTail({ meterStartWh: transaction.meterStartWh, meterStopWh: transaction.meterStopWh, samples });
    const signedIdentities = samples.flatMap((s) => (s.format === 'SignedData' && s.signedIdentity ? [s.signedIdentity] : []));
    const signedCount = samples.filter((s) => s.format === 'SignedData').length;
    const signed = signedMeterStatus({
      meterStartWh: transaction.meterStartWh,
      meterStopWh: transaction.meterStopWh,
      samples,
      keys: {
        registered: signedCount > 0 ? (await tx.getChargePoint(transaction.chargePointId))?.meterPublicKey : null,
        allowFromMessage: this.options.meterKeyFromMessage,
      },
      replayed: await tx.findSignedElsewhere(transaction.id, signedIdentities),
      verify: (value, keys) => this.verdicts.verify(value, keys),
    });
    await tx.updateTransaction(transaction.id, { ...alsoSet, ...this.energyPatch(withStopAnomalies(transaction, energy), signed, tail) });
  }

  /** One statement shape for both ways of computing the energy. */
  private energyPatch(energy: EnergyResult, signed: SignedMeterResult, tail: EnergyTail | null) {
    return {
      energyWh: energy.energyWh,
      energySource: energy.source,
      anomalies: energy.anomalies,
      signedMeterStatus: signed.status,
      signedMeterReason: signed.reason,
      energyTail: tail,
    };
  }

  private async ownTransaction(tx: StoreWriter, chargePointId: string, id: number | undefined): Promise<Transaction | undefined> {
    if (id === undefined) return undefined;
    // Locked where several nodes write (PostgreSQL): a call of the same session that another node
    // is still storing (the charge point moved meanwhile) is stored first, and this one goes on
    // from it rather than overwriting it.
    const transaction = await tx.getTransactionToChange(id);
    return transaction?.chargePointId === chargePointId ? transaction : undefined;
  }

  /**
   * A session refused at its start (its charger stops it) does not hold the tag. Every running
   * session of the tag is looked at, a page at a time: until 2026-12-07 only the newest 1,000 (the
   * list's default), so a tag with 1,000 refused sessions left running (stops never sent) got a
   * second Accepted session beside an older Accepted one.
   */
  private async hasOtherActiveSession(tx: StoreWriter, idTag: string): Promise<boolean> {
    // By id, oldest first (from 0: every id is above it), so that each page goes on from the last.
    for (let afterId = 0; ; ) {
      const page = await tx.listTransactions({ active: true, idTag, afterId, limit: ACTIVE_SESSIONS_PAGE });
      if (page.some((t) => t.idTagStatus === 'Accepted')) return true;
      if (page.length < ACTIVE_SESSIONS_PAGE) return false;
      afterId = page[page.length - 1]!.id;
    }
  }

  private async idTagInfoFor(tx: StoreWriter, transaction: Transaction): Promise<IdTagInfo> {
    const current = await authorizeIdTag(tx, transaction.idTag, this.clock());
    return { ...current, status: transaction.idTagStatus };
  }

  private reportedTime(timestamp: string): string {
    return canonicalTime(timestamp) ?? this.clock().toISOString();
  }

  private canonicalSamples(samples: readonly MeterSample[]): MeterSample[] {
    // The samples of one meterValue share its timestamp (a dozen measurands, often): parsed once.
    let reported: string | undefined;
    let timestamp = '';
    return samples.map((s) => {
      if (s.timestamp !== reported) {
        reported = s.timestamp;
        timestamp = this.reportedTime(reported);
      }
      return { ...s, timestamp, ...(s.format === 'SignedData' ? { signedIdentity: signedIdentity(s.value) ?? null } : {}) };
    });
  }
}
