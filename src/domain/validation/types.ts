// The shapes of a validation campaign: what the API returns, what the store keeps.
import type { SoftwareIdentity } from '../model.js';

export type CaseStatus = 'pending' | 'running' | 'waiting' | 'pass' | 'fail' | 'skipped' | 'manual';
export type CampaignStatus = 'running' | 'finished' | 'cancelled';
/** pass: every case passed or did not apply; fail: one failed; incomplete: a case could not be run (a manual step, a prerequisite, a cancel). */
export type Verdict = 'pass' | 'fail' | 'incomplete';

/** What a person must do at the charge point during a manual step (a simulator can act it out). */
export type PersonAction = { kind: 'presentCard'; idTag: string } | { kind: 'plugIn'; connectorId: number };

export interface EvidenceFrame {
  at: string;
  direction: 'in' | 'out';
  /** The OCPP action the frame carries, when it could be read. */
  action: string | null;
  frame: string;
}

export interface CaseRecord {
  id: string;
  title: string;
  /** The mandatory OCPP messages this case exercises. */
  messages: string[];
  stimulus: string;
  expected: string;
  status: CaseStatus;
  /** While waiting: what the operator must do at the charge point. */
  prompt: string | null;
  action: PersonAction | null;
  reason: string | null;
  /**
   * Skipped because it does not apply to this charge point (no signed meter, no connector lock),
   * as opposed to skipped because an earlier case left nothing to test: only the first kind lets a
   * campaign pass.
   */
  notApplicable: boolean;
  startedAt: string | null;
  finishedAt: string | null;
  frames: EvidenceFrame[];
}

/** Time limits of a campaign, in seconds; shorter ones suit a simulator, longer ones a real site. */
export interface CampaignTiming {
  /** How long a case waits for the charge point's next expected message. */
  caseTimeoutS: number;
  /** How long a manual step waits for the operator. */
  manualTimeoutS: number;
  /** Heartbeat interval given in the campaign's Accepted boot answers. */
  heartbeatIntervalS: number;
  /** Retry interval given with the Pending boot answer. */
  pendingIntervalS: number;
  /** How long the connection is cut in the offline-backlog case. */
  offlineS: number;
  /** How long to watch for something that must not happen (a StartTransaction after a refusal). */
  quietS: number;
}

export const DefaultTiming: CampaignTiming = {
  caseTimeoutS: 60,
  manualTimeoutS: 300,
  heartbeatIntervalS: 30,
  pendingIntervalS: 20,
  offlineS: 60,
  quietS: 5,
};

/** A session a campaign left running at its end (see Validation.leftRunning). */
export interface LeftRunning {
  transactionId: number;
  connectorId: number;
  reason: string;
  /**
   * What the tries to stop it since the campaign ended did, at the charge point's returns: the
   * latest one's time and outcome, `ended` once nothing charges on it any more (its StopTransaction
   * came, or the charge point runs no such transaction). Absent before the first.
   */
  afterwards?: LeftRunningAfterwards;
}

/** See LeftRunning.afterwards. */
export interface LeftRunningAfterwards {
  at: string;
  /** Remote stops sent since the campaign ended. */
  attempts: number;
  ended: boolean;
  reason: string;
}

/**
 * The least a campaign's limits may be for it to validate software. Below them a check accepts
 * what it exists to refuse: with a 1 s retry interval `boot.pending`'s 1 s slack accepts a retry at
 * once, with a 2 s heartbeat interval `heartbeat.interval`'s ±2 s accepts heartbeats any rate, and
 * a 1 s watch misses a StartTransaction a charge point sends a moment after a refusal. At 10 s the
 * intervals' tolerances are their relative ones (±25 %, −10 %), not the absolute minimums.
 * Shorter limits still run (a trial run against a simulator), and their verdicts show; the
 * software is not validated by them (docs/VALIDATION.md, "Time limits").
 */
export const ValidatingFloor = { heartbeatIntervalS: 10, pendingIntervalS: 10, quietS: 3 } as const satisfies Partial<CampaignTiming>;

/** The limits below ValidatingFloor, as "name value < floor", in the floor's order. */
export function belowValidatingFloor(timing: CampaignTiming): string[] {
  return (Object.entries(ValidatingFloor) as [keyof typeof ValidatingFloor, number][])
    .filter(([name, floor]) => timing[name] < floor)
    .map(([name, floor]) => `${name} ${timing[name]} < ${floor}`);
}

/** Why limits make a campaign a trial run that validates no software (Validation.trial), or undefined when they do not. */
export function trialReason(timing: CampaignTiming): string | undefined {
  const short = belowValidatingFloor(timing);
  return short.length > 0 ? `limits below what a validating campaign needs: ${short.join(', ')}` : undefined;
}

export interface Validation {
  id: string;
  chargePointId: string;
  connectorId: number;
  idTag: string;
  /** The tag the campaign registers as Blocked for the blocked-card case. */
  blockedIdTag: string;
  status: CampaignStatus;
  verdict: Verdict | null;
  /** The software under test, as the charge point reported it when the campaign began. */
  software: Partial<SoftwareIdentity>;
  timing: CampaignTiming;
  startedAt: string;
  finishedAt: string | null;
  counts: Record<'pass' | 'fail' | 'skipped' | 'manual' | 'pending', number>;
  cases: CaseRecord[];
  /**
   * What the campaign's end did for the registry: whether the software it tested is validated by
   * it, and why (not) — a passed partial campaign validates nothing. Absent while it runs, and in
   * records from before 2026-12-06.
   */
  registry?: { validated: boolean; reason: string };
  /**
   * Set from the start when the campaign's limits are below a validating campaign's
   * (ValidatingFloor): a trial run, whose verdicts show but which validates no software; says
   * which limits. Absent for a campaign whose limits can validate, and in records from before
   * 2026-12-06.
   */
  trial?: string;
  /**
   * Sessions the campaign started with its card on the charge point (any connector) that were
   * still running when it ended and that it could not stop, each with why: the engineer must end
   * them. A wrap-up cut short before its connector was made idle names the session there on
   * another card too. Absent when it left none, while it runs, and in records from before
   * 2026-12-06.
   */
  leftRunning?: LeftRunning[];
  /**
   * While a campaign cancelled during its cases runs its wrap-up (stops its sessions, up to about
   * twice caseTimeoutS): when and why it was cancelled. The cancel's answer carries it at once;
   * gone once the campaign has ended (`cancelled`). Before 2026-12-07 the cancel answered only then.
   */
  cancelling?: { at: string; reason: string };
  /** The node running it, with several nodes (absent on a node alone, and in earlier records). */
  node?: string;
}
