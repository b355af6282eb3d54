// What a charge point's answers must wait for. While a charge point's message is being handled
// (the store's withFrames), its frames and its call units settle as soon as they have run, before
// their batch commits; the batch's outcome is owed to the answer instead. The answer usually joins
// that very batch, but it may miss it (its caller waited on something else) and land in a later
// one, whose success says nothing of the earlier batch's.
//
// The units of a message cannot say which message they belong to, only which charge point (no
// context is carried through the domain: AsyncLocalStorage slowed every promise). So the owed
// batches are kept per charge point, and every answer to that charge point waits for all of them:
// a charge point sending several messages at once (SOAP; a JSON connection still finishing a call
// while its replacement starts) only makes its answers wait longer. Messages themselves are known
// (the caller hands the same object to withFrames and journalAnswer), so a batch that failed fails
// the answers of the messages open when it failed, and only until each of those has been answered;
// an answer then may fail for a batch that did not hold its data, and the charge point resends.
//
// A failed batch also fails the call units of that charge point that run after it, until then: a
// message's frames are queued before its data, and when they land in a batch of their own (the
// message read something first) that fails, its data must not commit in the next one, stored with
// no frame in the journal to show for it (and `journal verify` would call its session altered).
// Counting the open messages instead of knowing them kept a failure until the charge point had no
// message open at all: with requests that overlap, that moment might never come, and every later
// message of it was refused (found by a review).

import type { InboundMessage } from './store.js';

interface Failure {
  batch: Promise<void>;
  error: unknown;
  /** The messages open when it failed and not answered yet. */
  blocking: Set<InboundMessage>;
}

interface Owed {
  /** Messages of this charge point handled, or handled and not yet answered. */
  open: Set<InboundMessage>;
  /** Batches that settled its units early and are not yet durable. */
  pending: Set<Promise<void>>;
  /** Batches that failed while messages were open, oldest first, until those messages are answered. */
  failures: Failure[];
}

export class OwedAnswers {
  private readonly byChargePoint = new Map<string, Owed>();

  /** `message` of this charge point is being handled; `answer` with the same object closes it. */
  open(chargePointId: string, message: InboundMessage): void {
    let owed = this.byChargePoint.get(chargePointId);
    if (!owed) {
      owed = { open: new Set(), pending: new Set(), failures: [] };
      this.byChargePoint.set(chargePointId, owed);
    }
    owed.open.add(message);
  }

  /** Whether a message of this charge point awaits its answer (its call units may settle early). */
  isOpen(chargePointId: string): boolean {
    return (this.byChargePoint.get(chargePointId)?.open.size ?? 0) > 0;
  }

  /**
   * `batch` is about to settle a unit of this charge point's message early: answers wait for it.
   * False when no message of it awaits an answer any more: the unit then settles once durable.
   */
  owe(chargePointId: string, batch: Promise<void>): boolean {
    const owed = this.byChargePoint.get(chargePointId);
    if (!owed || owed.open.size === 0) return false;
    owed.pending.add(batch);
    batch.then(
      () => {
        owed.pending.delete(batch);
        this.forgetIfDone(chargePointId, owed);
      },
      (error: unknown) => {
        owed.pending.delete(batch);
        // With every message answered, each answer that needed it took it while it was pending.
        if (owed.open.size > 0) owed.failures.push({ batch, error, blocking: new Set(owed.open) });
        this.forgetIfDone(chargePointId, owed);
      },
    );
    return true;
  }

  /**
   * The answer to `message` of this charge point: what it waits for (every batch owed and not yet
   * durable, and those that failed while it was open).
   */
  answer(chargePointId: string, message: InboundMessage): Promise<void>[] {
    const owed = this.byChargePoint.get(chargePointId);
    if (!owed) return [];
    const waits = [...owed.pending, ...owed.failures.filter((failure) => failure.blocking.has(message)).map((failure) => failure.batch)];
    owed.open.delete(message);
    for (const failure of owed.failures) failure.blocking.delete(message);
    // A failure whose messages have all had their answers holds nobody back any more.
    owed.failures = owed.failures.filter((failure) => failure.blocking.size > 0);
    this.forgetIfDone(chargePointId, owed);
    return waits;
  }

  /**
   * Throws the error of a batch of this charge point that failed while a message still awaiting
   * its answer was open: a unit of such a message may not commit after it (see the top of this file).
   */
  assertNoneFailed(chargePointId: string): void {
    const failure = this.byChargePoint.get(chargePointId)?.failures[0];
    if (failure) throw failure.error;
  }

  private forgetIfDone(chargePointId: string, owed: Owed): void {
    if (owed.open.size === 0 && owed.pending.size === 0 && owed.failures.length === 0 && this.byChargePoint.get(chargePointId) === owed) {
      this.byChargePoint.delete(chargePointId);
    }
  }
}
