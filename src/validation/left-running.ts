// Sessions a validation campaign left running on its card (Validation.leftRunning) are stopped
// later, when their charge point returns: a test card charging on a public charge point is what
// an operator least wants, and the campaign's end may have found the charge point away, silent
// or ignoring its stop. At each return a RemoteStopTransaction is sent for each such session still
// open; the outcome is written on the campaign's record (leftRunning[].afterwards) and is an event
// (`validationSessionStopped`, or `validationSessionStopFailed` and tried again at the next return).
import type { Activity, ActivityFeed } from '../domain/activity.js';
import type { Commands } from '../domain/commands.js';
import type { Transaction } from '../domain/model.js';
import type { LeftRunningAfterwards } from '../domain/validation/types.js';
import type { SessionLeftRunning, Store } from '../store/store.js';
import { field, sameTag } from './readings.js';
import { Watch } from './watch.js';

export interface LeftRunningDeps {
  store: Store;
  commands: Commands;
  activity: ActivityFeed;
  /** A campaign runs for the charge point (on any node): its cases are not disturbed, and its own end stops its sessions. */
  campaignRunning(chargePointId: string): boolean | Promise<boolean>;
  /** The charge point takes commands from this node now (a WebSocket connected here, a SOAP endpoint). */
  reachable(chargePointId: string): boolean;
  log: { info(detail: object, message: string): void; error(detail: object, message: string): void };
  /**
   * Least time between two passes at one charge point's sessions that send remote stops, and
   * between two looks prompted by a StatusNotification: a charge point reconnecting in a loop, or
   * ignoring the stop, is not sent one (and an event) at every message.
   */
  retryGapMs?: number;
  /** How often the charge points with sessions left running are read again (see `mayHave`). */
  refreshMs?: number;
  /**
   * With several nodes: tells the others at once that sessions were left running on the charge
   * point (they call `heard`), best effort; `atOnce` as `leftBy`. A note lost on the way is found
   * by their next read of the store.
   */
  tellOtherNodes?(chargePointId: string, atOnce: boolean): void;
}

/** What one try at a session did; `final`: not tried again, though it may still run. */
type Outcome = Pick<LeftRunningAfterwards, 'ended' | 'reason'> & { sent: boolean; final?: boolean };

export class LeftRunningStops {
  private readonly gapMs: number;
  /** Charge points connected since their last call: their next answered call is a return. */
  private readonly connectedAfresh = new Set<string>();
  private readonly inPass = new Set<string>();
  /** When a pass last looked (after a StatusNotification), and last sent a stop, per charge point. */
  private readonly lookedAt = new Map<string, number>();
  private readonly sentAt = new Map<string, number>();
  private readonly passes = new Set<Promise<void>>();
  private stopListening: (() => void) | undefined;
  /**
   * The charge points that may have sessions left running: read from the store at the start and
   * every `refreshMs`, and told at once by this node's campaigns (`noted`, `leftBy`) and, over the
   * cluster, by the other nodes' (`heard`); undefined until the first read. A return of any other
   * charge point (nearly all of them: every StopTransaction is one) reads nothing, where a read
   * each cost the hot path about 5 % of its CPU per call. A note from another node lost on the way
   * (NATS down) is seen at the next read: a return before it is missed, the next one counts.
   */
  private mayHave: Set<string> | undefined;
  private readonly refreshMs: number;
  /**
   * What is noted during each read under way: its rows may have committed after the read began,
   * so the read's result alone would drop it. Every read's, as a slow read may outlast the next start.
   */
  private readonly notedDuringReads = new Set<Set<string>>();
  /** Reads started, and the latest of them whose result is in `mayHave`: an older read finishing later is stale. */
  private readsStarted = 0;
  private readApplied = 0;
  private refresher: NodeJS.Timeout | undefined;

  constructor(private readonly deps: LeftRunningDeps) {
    this.gapMs = deps.retryGapMs ?? 60_000;
    this.refreshMs = deps.refreshMs ?? 30_000;
  }

  start(): void {
    this.stopListening ??= this.deps.activity.listen((activity) => this.observe(activity));
    if (this.refresher) return;
    void this.refresh();
    this.refresher = setInterval(() => void this.refresh(), this.refreshMs);
    this.refresher.unref();
  }

  /** This node's campaign noted sessions it left running on the charge point (stored already); the other nodes are told. */
  noted(chargePointId: string): void {
    this.note(chargePointId);
    this.deps.tellOtherNodes?.(chargePointId, false);
  }

  /**
   * Another node's campaign left sessions running on the charge point (stored already, before it
   * told): its next return here stops them. `atOnce`: closed as interrupted, tried now if the
   * charge point is reachable from here, as `leftBy` does on the node that closed it.
   */
  heard(chargePointId: string, atOnce: boolean): void {
    this.note(chargePointId);
    if (atOnce && this.deps.reachable(chargePointId)) this.begin(chargePointId);
  }

  private note(chargePointId: string): void {
    this.mayHave?.add(chargePointId);
    for (const noted of this.notedDuringReads) noted.add(chargePointId);
  }

  private async refresh(): Promise<void> {
    const noted = new Set<string>();
    const number = ++this.readsStarted;
    this.notedDuringReads.add(noted);
    try {
      const read = await this.deps.store.listChargePointsWithSessionsLeftRunning();
      if (number < this.readApplied) return;
      this.readApplied = number;
      this.mayHave = new Set([...read, ...noted]);
    } catch (error) {
      // The set read before is kept (none at the start: every return then reads the store).
      this.deps.log.error({ err: error }, 'could not read the charge points with sessions validation campaigns left running');
    } finally {
      this.notedDuringReads.delete(noted);
    }
  }

  /** Stops listening, and waits for the passes under way. */
  async stop(): Promise<void> {
    clearInterval(this.refresher);
    this.refresher = undefined;
    this.stopListening?.();
    await Promise.allSettled([...this.passes]);
  }

  /**
   * A return: the first call answered after a (re)connection, a boot answered Accepted, a
   * StopTransaction (one of the sessions may have ended), or a StatusNotification (how a SOAP
   * charge point, which does not connect, or one that was silent on its connection, shows it is
   * back), the last at most once per gap.
   */
  private observe(activity: Activity): void {
    if (activity.kind === 'connected') return void this.connectedAfresh.add(activity.chargePointId);
    if (activity.kind !== 'call' || activity.response === undefined) return;
    const id = activity.chargePointId;
    const afresh = this.connectedAfresh.delete(id);
    // A boot answered otherwise may be sent no remote stop (OCPP): its Accepted boot will come.
    if (activity.action === 'BootNotification' && activity.response.status !== 'Accepted') return;
    const status = activity.action === 'StatusNotification';
    if (!afresh && !status && activity.action !== 'BootNotification' && activity.action !== 'StopTransaction') return;
    if (status && !afresh && Date.now() - (this.lookedAt.get(id) ?? -Infinity) < this.gapMs) return;
    this.begin(id);
  }

  /**
   * Sessions just left by a campaign closed as interrupted (its node stopped, killed or lost): no
   * stop was sent, and the charge point has often come back already (to this node, before the
   * campaign was closed), so it is tried now when the charge point is reachable, not at its next return.
   */
  leftBy(chargePointId: string): void {
    this.note(chargePointId);
    // It may be back on another node: that one tries at once if it holds it.
    this.deps.tellOtherNodes?.(chargePointId, true);
    if (this.deps.reachable(chargePointId)) this.begin(chargePointId);
  }

  /** A pass at the charge point's sessions, unless one is under way or it has none. */
  private begin(id: string): void {
    if (this.inPass.has(id) || (this.mayHave !== undefined && !this.mayHave.has(id))) return;
    this.inPass.add(id);
    this.lookedAt.set(id, Date.now());
    const pass = this.pass(id)
      .catch((error: unknown) => this.deps.log.error({ err: error, chargePointId: id }, 'could not stop the sessions validation campaigns left running'))
      .finally(() => {
        this.inPass.delete(id);
        this.passes.delete(pass);
      });
    this.passes.add(pass);
  }

  private async pass(chargePointId: string): Promise<void> {
    const left = await this.deps.store.listSessionsLeftRunning(chargePointId);
    if (left.length === 0 || (await this.deps.campaignRunning(chargePointId))) return;
    const maySend = Date.now() - (this.sentAt.get(chargePointId) ?? -Infinity) >= this.gapMs;
    for (const session of left) {
      const transaction = await this.deps.store.getTransaction(session.transactionId);
      if (!transaction || transaction.stoppedAt !== null) {
        await this.record(session, { ended: true, sent: false, reason: 'its StopTransaction came after the campaign ended' });
        continue;
      }
      if (!maySend) continue;
      const validation = await this.deps.store.getValidation(session.validationId);
      // A session on another card (named by a wrap-up cut short on the campaign's connector) may be
      // a driver's: the campaign did not start it, and a stop hours later must not end it.
      if (validation && !sameTag(transaction.idTag, validation.idTag)) {
        await this.record(session, { ended: false, sent: false, final: true, reason: `not stopped: it runs on card ${transaction.idTag}, not the campaign's, and may be a driver's; end it at the charge point if it is not` });
        continue;
      }
      this.sentAt.set(chargePointId, Date.now());
      await this.record(session, await this.tryStop(transaction, (validation?.timing.caseTimeoutS ?? 60) * 1000));
    }
  }

  /** A RemoteStopTransaction, and its StopTransaction awaited up to `waitMs` (the campaign's caseTimeoutS, as its own end did). */
  private async tryStop(transaction: Transaction, waitMs: number): Promise<Outcome> {
    const watch = new Watch(this.deps.activity, transaction.chargePointId);
    try {
      const from = watch.mark();
      let status: string;
      try {
        status = (await this.deps.commands.send(transaction.chargePointId, { kind: 'remoteStop', transactionId: transaction.id })).status;
      } catch (error) {
        return { ended: false, sent: true, reason: `RemoteStopTransaction was not sent or not answered: ${(error as Error).message}` };
      }
      // As at the campaign's end: the charge point runs no such transaction, the stored one is stale.
      if (status === 'Rejected') return { ended: true, sent: true, reason: 'RemoteStopTransaction answered Rejected: the charge point runs no such transaction (the stored one stays open)' };
      if (status !== 'Accepted') return { ended: false, sent: true, reason: `RemoteStopTransaction answered ${status}` };
      const stopped = await watch.next(from, (c) => c.action === 'StopTransaction' && field.transactionId(c) === transaction.id, waitMs);
      // A StopTransaction another node handled is in the store.
      if (stopped || (await this.deps.store.getTransaction(transaction.id))?.stoppedAt) return { ended: true, sent: true, reason: 'stopped: RemoteStopTransaction accepted, and its StopTransaction came' };
      return { ended: false, sent: true, reason: `RemoteStopTransaction was accepted, but no StopTransaction came within ${Math.round(waitMs / 1000)} s` };
    } finally {
      watch.close();
    }
  }

  /**
   * Writes the outcome on the campaign's record and as an event, in one unit; a session ended (or
   * not to be tried again) is forgotten in it too, and only by the one pass that still finds it (two
   * nodes at one return).
   */
  private async record(session: SessionLeftRunning, outcome: Outcome): Promise<void> {
    const at = new Date().toISOString();
    const written = await this.deps.store.transact(async (tx) => {
      if ((outcome.ended || outcome.final) && !(await tx.deleteSessionLeftRunning(session))) return undefined;
      const validation = await tx.getValidation(session.validationId);
      const entry = validation?.leftRunning?.find((l) => l.transactionId === session.transactionId);
      if (!validation || !entry) {
        // Its record is gone (or never named it): nothing left to tell, nothing to try again.
        await tx.deleteSessionLeftRunning(session);
        return undefined;
      }
      entry.afterwards = { at, attempts: (entry.afterwards?.attempts ?? 0) + (outcome.sent ? 1 : 0), ended: outcome.ended, reason: outcome.reason };
      await tx.putValidation(validation);
      const data = { validationId: validation.id, idTag: validation.idTag, transactionId: entry.transactionId, connectorId: entry.connectorId, attempts: entry.afterwards.attempts, reason: outcome.reason };
      await tx.insertEvent({ at, chargePointId: validation.chargePointId, type: outcome.ended ? 'validationSessionStopped' : 'validationSessionStopFailed', data });
      return validation;
    });
    if (written) this.deps.log.info({ chargePointId: written.chargePointId, validationId: written.id, transactionId: session.transactionId, ...outcome }, 'a session a validation campaign left running was tried again');
  }
}
