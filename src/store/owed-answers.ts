// What a charge point's next answer must wait for. While a charge point's message is being handled
// (the store's withFrames), its frames and its call units settle as soon as they have run, before
// their batch commits; the batch's outcome is owed to the answer instead. The answer usually joins
// that very batch, but it may miss it (its caller waited on something else) and land in a later
// one, whose success says nothing of the earlier batch's: so every owed batch is kept here until
// an answer takes it, and a batch that failed before any answer took it fails the next answer.
// A charge point has one call in flight, so the next answer is that call's; a charge point that
// sends several at once (SOAP, or a JSON client that does not wait) only makes answers wait longer.

interface Owed {
  /** Messages of this charge point being handled now. */
  open: number;
  /** Batches that settled its units early and that no answer has taken yet. */
  batches: Set<Promise<void>>;
  /** A batch that failed before an answer took it. */
  failure?: { error: unknown };
}

export class OwedAnswers {
  private readonly byChargePoint = new Map<string, Owed>();

  /** A message of this charge point is being handled until the returned function is called. */
  open(chargePointId: string): () => void {
    const owed = this.entry(chargePointId);
    owed.open++;
    return () => {
      owed.open--;
      this.forgetIfDone(chargePointId, owed);
    };
  }

  /** Whether a message of this charge point is being handled (its call units may settle early). */
  isOpen(chargePointId: string): boolean {
    return (this.byChargePoint.get(chargePointId)?.open ?? 0) > 0;
  }

  /** `batch` settled a unit of this charge point's message early: its outcome is owed to the answer. */
  owe(chargePointId: string, batch: Promise<void>): void {
    const owed = this.entry(chargePointId);
    owed.batches.add(batch);
    batch.then(
      () => {
        owed.batches.delete(batch);
        this.forgetIfDone(chargePointId, owed);
      },
      (error: unknown) => {
        // Taken by an answer already: that answer failed with it.
        if (owed.batches.delete(batch)) owed.failure ??= { error };
      },
    );
  }

  /** What the next answer to this charge point waits for; taken, so no later answer waits again. */
  take(chargePointId: string): Promise<void>[] {
    const owed = this.byChargePoint.get(chargePointId);
    if (!owed) return [];
    const waits = [...owed.batches];
    owed.batches.clear();
    if (owed.failure) {
      waits.push(Promise.reject(owed.failure.error));
      delete owed.failure;
    }
    this.forgetIfDone(chargePointId, owed);
    return waits;
  }

  private entry(chargePointId: string): Owed {
    let owed = this.byChargePoint.get(chargePointId);
    if (!owed) {
      owed = { open: 0, batches: new Set() };
      this.byChargePoint.set(chargePointId, owed);
    }
    return owed;
  }

  private forgetIfDone(chargePointId: string, owed: Owed): void {
    if (owed.open === 0 && owed.batches.size === 0 && !owed.failure && this.byChargePoint.get(chargePointId) === owed) {
      this.byChargePoint.delete(chargePointId);
    }
  }
}
