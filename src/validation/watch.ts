// What a campaign sees of its charge point: every call it made (with our answer), in order, and
// the raw frames that crossed, kept as evidence for the case running at the time.
import type { Activity, ActivityFeed } from '../domain/activity.js';
import type { EvidenceFrame } from '../domain/validation/types.js';

export type Call = Extract<Activity, { kind: 'call' }>;

/** Evidence kept per case: enough to show what happened, bounded so a chatty charger cannot bloat a report. */
const MAX_FRAMES_PER_CASE = 400;
const MAX_FRAME_CHARS = 8_192;
const MAX_CHARS_PER_CASE = 1_000_000;

/**
 * The OCPP action a frame carries: the action of a CALL, the action answered by a CALLRESULT or
 * CALLERROR (through the CALL's message id), the operation of a SOAP request or response.
 */
class FrameActions {
  private readonly byMessageId = new Map<string, string>();

  of(text: string): string | null {
    const call = /^\s*\[\s*2\s*,\s*"([^"]*)"\s*,\s*"([A-Za-z]+)"/.exec(text);
    if (call) {
      if (this.byMessageId.size > 1000) this.byMessageId.clear();
      this.byMessageId.set(call[1]!, call[2]!);
      return call[2]!;
    }
    const answer = /^\s*\[\s*[34]\s*,\s*"([^"]*)"/.exec(text);
    if (answer) return this.byMessageId.get(answer[1]!) ?? null;
    const soap = /<(?:[\w-]+:)?Body[^>]*>\s*<(?:[\w-]+:)?([A-Za-z]+)/.exec(text);
    if (!soap) return null;
    const element = soap[1]!.replace(/(Request|Response)$/, '');
    return element === 'Fault' ? 'Fault' : element.charAt(0).toUpperCase() + element.slice(1);
  }
}

export class Watch {
  private readonly calls: Call[] = [];
  private readonly wakers = new Set<() => void>();
  private evidence: EvidenceFrame[] | undefined;
  private evidenceChars = 0;
  private readonly actions = new FrameActions();
  private readonly stopListening: () => void;

  constructor(feed: ActivityFeed, readonly chargePointId: string) {
    this.stopListening = feed.listen((activity) => {
      if (activity.chargePointId !== this.chargePointId) return;
      if (activity.kind === 'frame') {
        const action = this.actions.of(activity.text);
        if (this.evidence && this.evidence.length < MAX_FRAMES_PER_CASE && this.evidenceChars < MAX_CHARS_PER_CASE) {
          const frame = activity.text.length > MAX_FRAME_CHARS ? `${activity.text.slice(0, MAX_FRAME_CHARS)}… (${activity.text.length} characters; the journal has it whole)` : activity.text;
          this.evidenceChars += frame.length;
          this.evidence.push({ at: activity.at, direction: activity.direction, action, frame });
        }
        return;
      }
      if (activity.kind !== 'call') return;
      this.calls.push(activity);
      for (const wake of this.wakers) wake();
    });
  }

  /** Frames from now on go to `frames` (the running case's evidence). */
  collectInto(frames: EvidenceFrame[] | undefined): void {
    this.evidence = frames;
    this.evidenceChars = 0;
  }

  /** A position in the call history: later waits look only at calls after it. */
  mark(): number {
    return this.calls.length;
  }

  /** The position just after `call` (the end when it is not in the history). */
  after(call: Call): number {
    const index = this.calls.lastIndexOf(call);
    return index === -1 ? this.calls.length : index + 1;
  }

  callsSince(from: number): Call[] {
    return this.calls.slice(from);
  }

  /**
   * The first call at or after `from` that matches, waiting up to `timeoutMs` for it; undefined
   * when none came in time. `abort` ends the wait early (the campaign was cancelled).
   */
  async next(from: number, match: (call: Call) => boolean, timeoutMs: number, abort?: AbortSignal): Promise<Call | undefined> {
    const found = (): Call | undefined => this.calls.slice(from).find(match);
    const now = found();
    // An abort already signalled ends the wait too: a case cancelled between two waits must not
    // sit out the next one's whole limit (a cancel during offline.backlog waited caseTimeoutS).
    if (now || timeoutMs <= 0 || abort?.aborted) return now;
    return new Promise((resolve) => {
      const done = (value: Call | undefined) => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        abort?.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const wake = () => {
        const call = found();
        if (call) done(call);
      };
      const onAbort = () => done(undefined);
      const timer = setTimeout(() => done(found()), timeoutMs);
      this.wakers.add(wake);
      abort?.addEventListener('abort', onAbort);
    });
  }

  close(): void {
    this.stopListening();
    this.wakers.clear();
  }
}
