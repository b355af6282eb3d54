// What charge points do, as it happens on this node: every call they make (with our answer, once
// it is written), every command we send them, every frame that crosses, every connection. Nothing
// is stored here: listeners (a validation campaign, live views) take what they need. A listener
// that throws is logged away, never allowed to disturb the call that emitted.
import type { Command, CommandResult, OcppVersion, Transport } from './model.js';

export type Activity =
  | {
      kind: 'call';
      at: string;
      chargePointId: string;
      ocppVersion: OcppVersion;
      action: string;
      /** The wire payload as the charge point sent it (its version's field names). */
      payload: Record<string, unknown>;
      /** Our answer, when the call was answered with a result. */
      response?: Record<string, unknown>;
      /** The OCPP error code, when it was answered with an error. */
      errorCode?: string;
    }
  | { kind: 'command'; at: string; chargePointId: string; command: Command; result?: CommandResult; error?: string }
  | { kind: 'frame'; at: string; chargePointId: string | null; direction: 'in' | 'out'; protocol: string; text: string }
  | { kind: 'connected'; at: string; chargePointId: string; ocppVersion: OcppVersion; transport: Transport }
  /** An operator's edit of a charge point's settings (its owner among them) is committed. */
  | { kind: 'configured'; at: string; chargePointId: string }
  | {
      kind: 'answered';
      at: string;
      chargePointId: string;
      action: string;
      /** From the call's arrival until its answer was written: what the charge point waited. */
      seconds: number;
      /** The OCPP error code, when it was answered with an error. */
      errorCode?: string;
    };

export type ActivityListener = (activity: Activity) => void;

/**
 * A charge point's call, once its answer is written (and so everything it stored is durable):
 * `response` when it was answered with a result, `errorCode` when with an error.
 */
export function callActivity(
  chargePointId: string,
  ocppVersion: OcppVersion,
  action: string,
  payload: unknown,
  answer: { response?: Record<string, unknown> | undefined; errorCode?: string | undefined },
): Activity {
  return {
    kind: 'call',
    at: new Date().toISOString(),
    chargePointId,
    ocppVersion,
    action,
    payload: (payload ?? {}) as Record<string, unknown>,
    ...(answer.errorCode !== undefined ? { errorCode: answer.errorCode } : { response: answer.response ?? {} }),
  };
}

/** A charge point's call was answered after `seconds` (with `errorCode` when the answer was an error). */
export function answeredActivity(chargePointId: string, action: string, seconds: number, errorCode?: string): Activity {
  return { kind: 'answered', at: new Date().toISOString(), chargePointId, action, seconds, ...(errorCode ? { errorCode } : {}) };
}

export class ActivityFeed {
  private readonly listeners = new Set<ActivityListener>();

  /** Listens until the returned function is called. */
  listen(listener: ActivityListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  get listened(): boolean {
    return this.listeners.size > 0;
  }

  emit(activity: Activity): void {
    for (const listener of this.listeners) {
      try {
        listener(activity);
      } catch {
        // A listener's bug must not reach the charge point's call.
      }
    }
  }
}

/**
 * Charge points held offline on purpose (a validation campaign testing the offline backlog): while
 * held, their connections are dropped and new ones are cut as a lost network would cut them.
 */
export class OfflineHolds {
  private readonly until = new Map<string, number>();
  private readonly droppers = new Set<(chargePointId: string) => void>();

  /** Transports register how to drop a live connection. */
  onHold(dropper: (chargePointId: string) => void): () => void {
    this.droppers.add(dropper);
    return () => void this.droppers.delete(dropper);
  }

  hold(chargePointId: string, ms: number): void {
    this.until.set(chargePointId, Date.now() + ms);
    for (const drop of this.droppers) drop(chargePointId);
  }

  release(chargePointId: string): void {
    this.until.delete(chargePointId);
  }

  isHeld(chargePointId: string): boolean {
    const until = this.until.get(chargePointId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.until.delete(chargePointId);
    return false;
  }
}
