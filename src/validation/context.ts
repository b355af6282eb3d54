// What a case may do and see while it runs; the campaign runner (campaign.ts) provides it.
import type { ChargePoint, Command, MeterSample, Transaction } from '../domain/model.js';
import type { CampaignTiming, PersonAction } from '../domain/validation/types.js';
import type { Call } from './watch.js';

export type Outcome = { verdict: 'pass' | 'fail' | 'skipped' | 'manual'; reason: string; notApplicable?: boolean };

export const pass = (reason: string): Outcome => ({ verdict: 'pass', reason });
export const fail = (reason: string): Outcome => ({ verdict: 'fail', reason });
/** Not run because an earlier case left nothing to test: the campaign cannot pass with it. */
export const skip = (reason: string): Outcome => ({ verdict: 'skipped', reason });
/** Does not apply to this charge point (it has no such feature): the campaign can pass without it. */
export const notApplicable = (reason: string): Outcome => ({ verdict: 'skipped', reason, notApplicable: true });

/** The charge point's answer to a command, or why there is none. */
export type CommandOutcome =
  | { status: string; error?: undefined }
  /** refused: the charge point answered with an error (a CALLERROR, a SOAP fault), as opposed to no answer at all. */
  | { status?: undefined; error: string; refused: boolean };

/** How a manual step ended: the expected call came, the operator said it cannot be done, or time ran out. */
export type ManualOutcome = { call: Call } | { declined: string } | { timedOut: 'unconfirmed' | 'confirmedButNothingCame' };

/** What cases leave for the cases after them. */
export interface CampaignState {
  /** The boot our Pending answer was given to (reset.soft.idle), if any. */
  pendingBoot?: Call;
  /** The boot answered Accepted after it (boot.pending). */
  acceptedBoot?: Call;
  /** Where the calls of the transaction the remote start case began start. */
  transactionFrom?: number;
  /** The transaction remote.stop stopped. */
  stoppedTransactionId?: number;
  /** Identity reported before the campaign's first reset, to compare the next boot with. */
  identityBefore: Pick<ChargePoint, 'vendor' | 'model' | 'firmwareVersion' | 'chargePointSerialNumber' | 'chargeBoxSerialNumber'>;
}

export interface CaseContext {
  readonly chargePointId: string;
  readonly connectorId: number;
  readonly idTag: string;
  readonly blockedIdTag: string;
  /** An id tag the registry does not know (for the unknown-card case). */
  readonly invalidIdTag: string;
  readonly timing: CampaignTiming;
  readonly state: CampaignState;
  readonly signal: AbortSignal;
  chargePoint(): Promise<ChargePoint>;
  transaction(id: number): Promise<Transaction | undefined>;
  samples(transactionId: number): Promise<MeterSample[]>;
  /** A transaction id no transaction has. */
  unknownTransactionId(): Promise<number>;
  /** The active transaction on the campaign's connector, if the store knows one. */
  activeTransaction(): Promise<Transaction | undefined>;
  /** Connector ids (≥ 1) the charge point has reported so far, with the campaign's connector. */
  connectorIds(): Promise<number[]>;
  /** The connector's register at the end of its last transaction (its meterStop), in Wh. */
  lastRegisterWh(): Promise<number | undefined>;
  command(command: Command): Promise<CommandOutcome>;
  mark(): number;
  /** The position just after `call`. */
  after(call: Call): number;
  /** The next BootNotification is answered Pending (1.5: Rejected) with the campaign's retry interval. */
  armPendingBoot(): void;
  callsSince(from: number): Call[];
  next(from: number, match: (call: Call) => boolean, timeoutMs: number): Promise<Call | undefined>;
  /** Asks the operator to act at the charge point; resolves when `expect` is seen, declined or timed out. */
  manual(prompt: string, action: PersonAction | null, from: number, expect: (call: Call) => boolean): Promise<ManualOutcome>;
  /** Cuts the charge point's connection and keeps it off the network for `ms`. */
  holdOffline(ms: number): void;
  sleep(ms: number): Promise<void>;
  /** Stops whatever transaction runs on the connector (remote stop, then resets); true when idle. */
  ensureIdle(): Promise<boolean>;
  /**
   * The StartTransaction on the connector after an accepted remote start. When none comes within
   * caseTimeoutS, the operator is asked to plug a vehicle in (a manual step): many charge points
   * start only with a cable.
   */
  awaitStart(from: number, anyConnector?: boolean): Promise<{ call: Call } | { notRun: string } | { missing: string }>;
  /** Starts a transaction by remote start for a case that needs one; its id or why not. */
  startTransaction(): Promise<{ transactionId: number } | { problem: string }>;
}
