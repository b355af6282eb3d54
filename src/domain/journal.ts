// Every frame in and out, kept raw in the store's hash-chained journal. A frame that reports data
// is journaled in the same commit as that data or an earlier one, never a later one (the store's
// withFrames); our answers are journaled with the data or after it, and before they are sent.
import type { InboundMessage, Store } from '../store/store.js';
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
   * `work` writes. Settles after both, and fails if the frame could not be journaled. `message`:
   * an object of the caller's for this message, handed to `answered` with its answer.
   */
  received<T>(frame: JournaledFrame, message: InboundMessage, work: () => Promise<T>): Promise<T> {
    const row = this.row(frame, 'in');
    this.announce(row, frame);
    return this.store.withFrames([row], message, work);
  }

  /**
   * Journals our answer to a received frame (`message`, as given to `received`); settles once it
   * and what its message wrote are durable, before it is sent (usually in the same commit).
   */
  answered(frame: JournaledFrame, message: InboundMessage): Promise<void> {
    const row = this.row(frame, 'out');
    // Reported once journaled: an answer that could not be is never sent (an InternalError goes
    // instead, reported through record()), so it must not count as sent.
    return this.store.journalAnswer([row], message).then(() => this.announce(row, frame));
  }

  /** Journals a frame that reports nothing (sent by us, or refused), without holding anyone up. */
  record(frame: JournaledFrame, direction: 'in' | 'out'): void {
    const row = this.row(frame, direction);
    this.announce(row, frame);
    this.store.journal([row]).catch((error: unknown) => {
      this.log.error({ err: error, chargePointId: frame.chargePointId }, 'could not journal a frame');
    });
  }

  /** Tells the activity feed about a frame received, or sent (or about to be, whatever the journal says). */
  private announce(row: ReturnType<FrameJournal['row']>, frame: JournaledFrame): void {
    if (!this.activity?.listened) return;
    const text = typeof frame.bytes === 'string' ? frame.bytes : frame.bytes.toString('utf8');
    this.activity.emit({ kind: 'frame', at: row.at, chargePointId: row.chargePointId, direction: row.direction, protocol: row.protocol, text });
  }

  private row(frame: JournaledFrame, direction: 'in' | 'out') {
    const at = this.clock().toISOString();
    return {
      at,
      chargePointId: frame.chargePointId,
      direction,
      protocol: frame.protocol,
      frame: typeof frame.bytes === 'string' ? Buffer.from(frame.bytes, 'utf8') : frame.bytes,
    };
  }
}
