// Every frame in and out, kept raw in the store's hash-chained journal. A frame that reports data
// is journaled in the same commit as that data or an earlier one, never a later one (the store's
// withFrames); our answers are journaled with the data or after it, and before they are sent.
import type { Store } from '../store/store.js';
import type { ActivityFeed } from './activity.js';
import type { Clock } from './time.js';

export interface JournalLog {
  error(detail: Record<string, unknown>, message: string): void;
}

export interface JournaledFrame {
  chargePointId: string | null;
  /** ocpp1.6-json, ocpp1.5-json, ocpp1.5-soap. */
  protocol: string;
  bytes: Buffer | string;
}

export class FrameJournal {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: JournalLog,
    private readonly activity?: ActivityFeed,
  ) {}

  /**
   * Handles an inbound frame with `work`: the frame is queued for the journal before anything
   * `work` writes. Settles after both, and fails if the frame could not be journaled.
   */
  received<T>(frame: JournaledFrame, work: () => Promise<T>): Promise<T> {
    return this.store.withFrames([this.row(frame, 'in')], work);
  }

  /**
   * Journals our answer to a received frame; settles once it and what its message wrote are
   * durable, before it is sent (usually in the same commit).
   */
  answered(frame: JournaledFrame): Promise<void> {
    return this.store.journalAnswer([this.row(frame, 'out')]);
  }

  /** Journals a frame that reports nothing (sent by us, or refused), without holding anyone up. */
  record(frame: JournaledFrame, direction: 'in' | 'out'): void {
    this.store.journal([this.row(frame, direction)]).catch((error: unknown) => {
      this.log.error({ err: error, chargePointId: frame.chargePointId }, 'could not journal a frame');
    });
  }

  private row(frame: JournaledFrame, direction: 'in' | 'out') {
    const at = this.clock().toISOString();
    if (this.activity?.listened) {
      const text = typeof frame.bytes === 'string' ? frame.bytes : frame.bytes.toString('utf8');
      this.activity.emit({ kind: 'frame', at, chargePointId: frame.chargePointId, direction, protocol: frame.protocol, text });
    }
    return {
      at,
      chargePointId: frame.chargePointId,
      direction,
      protocol: frame.protocol,
      frame: typeof frame.bytes === 'string' ? Buffer.from(frame.bytes, 'utf8') : frame.bytes,
    };
  }
}
