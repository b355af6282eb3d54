// Runs validation campaigns: one case at a time against a live charge point, each within its time
// limits, its evidence frames collected, its result stored as it goes so the API can follow it.
// A campaign answers the charge point's boots itself (Pending once, then Accepted with its own
// heartbeat interval) and can hold it offline; both end with the campaign.
import { randomBytes } from 'node:crypto';
import type { ActivityFeed, OfflineHolds } from '../domain/activity.js';
import type { Commands } from '../domain/commands.js';
import { CommandFailed, Conflict, InvalidRequest, NotFound, OnAnotherNode, UnknownChargePoint } from '../domain/errors.js';
import type { Command, MeterSample, SoftwareIdentity, Transaction } from '../domain/model.js';
import type { Registry } from '../domain/registry.js';
import { softwareIdentity } from '../domain/registry.js';
import type { Transactions } from '../domain/transactions.js';
import { DefaultTiming, trialReason, type CampaignStatus, type CampaignTiming, type CaseRecord, type LeftRunning, type PersonAction, type Validation, type Verdict } from '../domain/validation/types.js';
import type { Store, StoreWriter, ValidationFilter } from '../store/store.js';
import { cases, caseIds, type CaseDefinition } from './cases.js';
import { fail, type CampaignState, type CaseContext, type CommandOutcome, type ManualOutcome, type Outcome } from './context.js';
import { field, otherSoftware, sameTag } from './readings.js';
import { unregistrable, type SoftwareRegistry } from './software.js';
import { CampaignBoots } from './campaign-boots.js';
import { Watch, type Call } from './watch.js';

export interface CampaignRequest {
  chargePointId: string;
  connectorId: number;
  idTag: string;
  /** Case ids to run (in the campaign's order); all of them by default. */
  cases?: string[] | undefined;
  blockedIdTag?: string | undefined;
  timing?: Partial<CampaignTiming> | undefined;
}

export interface CampaignDeps {
  store: Store;
  registry: Registry;
  commands: Commands;
  transactions: Transactions;
  activity: ActivityFeed;
  holds: OfflineHolds;
  software: SoftwareRegistry;
  /** The network's policy for unvalidated software (TOMADA_UNVALIDATED_SOFTWARE). */
  unvalidatedSoftware: 'flag' | 'pending' | 'reject';
  /** Whether the charge point holds a live connection (WebSocket) to this node. */
  isConnected(chargePointId: string): boolean;
  /** With several nodes: the node holding the charge point's connection, when one is known. */
  holderOf?(chargePointId: string): string | undefined;
  /**
   * Makes this node the holder of a SOAP charge point, so the other nodes carry its messages here
   * (where its campaign sees them) for as long as no other node takes it over.
   */
  holdSoap?(chargePointId: string): void;
  log: { info(detail: object, message: string): void; error(detail: object, message: string): void };
  /** A campaign closed as interrupted left sessions running on this charge point (LeftRunningStops.leftBy). */
  sessionsLeft?(chargePointId: string): void;
  /** A campaign's own end left sessions running on this charge point, to be stopped at its next return (LeftRunningStops.noted). */
  sessionsNoted?(chargePointId: string): void;
  /** This node's name, with several nodes: each campaign record names the node running it. */
  node?: string | undefined;
}

interface Confirmation {
  done: boolean;
  note?: string | undefined;
}

const token = () => randomBytes(4).toString('hex').toUpperCase();
const NODE_STOPPED = 'the node stopped during the campaign';
const NODE_LOST = 'the node running the campaign was lost';

function counts(list: CaseRecord[]): Validation['counts'] {
  const c = { pass: 0, fail: 0, skipped: 0, manual: 0, pending: 0 };
  for (const item of list) {
    if (item.status === 'pass' || item.status === 'fail' || item.status === 'skipped' || item.status === 'manual') c[item.status] += 1;
    else c.pending += 1;
  }
  return c;
}

/**
 * One `validationSessionLeftRunning` event per session a campaign's end left running on its card,
 * each noted to be stopped at the charge point's return (left-running.ts).
 */
async function insertLeftRunning(tx: StoreWriter, at: string, v: Validation, leftRunning: LeftRunning[]): Promise<void> {
  for (const left of leftRunning) {
    await tx.insertEvent({ at, chargePointId: v.chargePointId, type: 'validationSessionLeftRunning', data: { validationId: v.id, idTag: v.idTag, ...left } });
    await tx.insertSessionLeftRunning({ validationId: v.id, transactionId: left.transactionId, chargePointId: v.chargePointId });
  }
}

function verdictOf(list: CaseRecord[]): Verdict {
  if (list.some((c) => c.status === 'fail')) return 'fail';
  // A case skipped for a missing prerequisite was not tested: the software is not validated by it.
  if (list.some((c) => c.status !== 'pass' && !(c.status === 'skipped' && c.notApplicable))) return 'incomplete';
  return 'pass';
}

export class Campaigns {
  private readonly runs = new Map<string, CampaignRun>();
  /** Charge points with a campaign starting or running: reserved before the first await, so two requests cannot both start one. */
  private readonly busy = new Set<string>();

  constructor(private readonly deps: CampaignDeps) {}

  async start(request: CampaignRequest): Promise<Validation> {
    if (this.busy.has(request.chargePointId)) {
      const running = [...this.runs.values()].find((run) => run.record.chargePointId === request.chargePointId)?.record;
      throw new Conflict(alreadyRunning(request.chargePointId, running));
    }
    this.busy.add(request.chargePointId);
    let started = false;
    try {
      const validation = await this.begin(request, () => this.busy.delete(request.chargePointId));
      started = true;
      return validation;
    } finally {
      if (!started) this.busy.delete(request.chargePointId);
    }
  }

  private async begin(request: CampaignRequest, ended: () => void): Promise<Validation> {
    const { store } = this.deps;
    const cp = await store.getChargePoint(request.chargePointId);
    if (!cp) throw new UnknownChargePoint(request.chargePointId);
    // A SOAP charge point takes commands at its endpoint from any node; a WebSocket one only from its own.
    const soap = cp.transport === 'soap' && cp.soapEndpoint !== null;
    const reachable = this.deps.isConnected(cp.id) || soap;
    // Its messages are handled by the node holding it, whichever node they reach: its campaign runs there.
    const soapHolder = soap ? this.deps.holderOf?.(cp.id) : undefined;
    if (soapHolder !== undefined && soapHolder !== this.deps.node) {
      throw new OnAnotherNode(`Charge point "${cp.id}" is held by node "${soapHolder}", which handles its SOAP messages: start its campaign there`, soapHolder);
    }
    if (!reachable) {
      // The campaign must see the charge point's traffic: it runs on the node holding it (another
      // node: held here, it would be connected).
      const holder = this.deps.holderOf?.(cp.id);
      if (holder !== undefined) throw new OnAnotherNode(`Charge point "${cp.id}" is connected to node "${holder}": start its campaign there`, holder);
      throw new Conflict(`Charge point "${cp.id}" is not connected to ${this.deps.node === undefined ? 'this node' : 'any node'}`);
    }
    const unknown = (request.cases ?? []).filter((id) => !caseIds.includes(id));
    if (unknown.length > 0) throw new InvalidRequest(`Unknown case ${unknown.join(', ')}; the cases are ${caseIds.join(', ')}`);
    // A connector the charge point does not have would fail every case that charges, a correct
    // charge point included, and pass its unlock as "no lock": refused, naming those it has.
    const reported = (await store.listConnectors(cp.id)).map((c) => c.connectorId).filter((id) => id > 0);
    if (reported.length > 0 && !reported.includes(request.connectorId)) {
      throw new Conflict(`Charge point "${cp.id}" has reported connectors ${reported.sort((a, b) => a - b).join(', ')}; connector ${request.connectorId} is not one of them`);
    }
    const authorized = await this.deps.transactions.authorize(request.idTag);
    if (authorized.status !== 'Accepted') throw new Conflict(`idTag "${request.idTag}" is ${authorized.status}; the campaign needs an Accepted tag`);
    const blockedIdTag = request.blockedIdTag ?? `VAL-BLOCKED-${token()}`;
    const blocked = await store.getIdTag(blockedIdTag);
    if (blocked && blocked.status !== 'Blocked') throw new Conflict(`idTag "${blockedIdTag}" exists and is ${blocked.status}, not Blocked`);
    if (!blocked) await store.transact((tx) => tx.putIdTag({ idTag: blockedIdTag, status: 'Blocked', expiryDate: null, parentIdTag: null }));

    const selected = cases.filter((c) => request.cases === undefined || request.cases.includes(c.id));
    const now = new Date().toISOString();
    const timing = { ...DefaultTiming, ...request.timing };
    // Said in the start's answer: found out only at its end, a trial run cost a whole campaign.
    const trial = trialReason(timing);
    const record: Validation = {
      id: `val-${Date.now().toString(36)}-${token().toLowerCase()}`,
      chargePointId: cp.id,
      connectorId: request.connectorId,
      idTag: request.idTag,
      blockedIdTag,
      status: 'running',
      verdict: null,
      software: {
        ...(cp.vendor !== null ? { vendor: cp.vendor } : {}),
        ...(cp.model !== null ? { model: cp.model } : {}),
        ...(cp.firmwareVersion !== null ? { firmwareVersion: cp.firmwareVersion } : {}),
        ...(cp.ocppVersion !== null ? { ocppVersion: cp.ocppVersion } : {}),
        ...(cp.transport !== null ? { transport: cp.transport } : {}),
      },
      timing,
      ...(trial !== undefined ? { trial } : {}),
      startedAt: now,
      finishedAt: null,
      counts: { pass: 0, fail: 0, skipped: 0, manual: 0, pending: selected.length },
      ...(this.deps.node !== undefined ? { node: this.deps.node } : {}),
      cases: selected.map((c) => ({
        id: c.id,
        title: c.title,
        messages: c.messages,
        stimulus: c.stimulus,
        expected: c.expected,
        status: 'pending',
        prompt: null,
        action: null,
        reason: null,
        notApplicable: false,
        startedAt: null,
        finishedAt: null,
        frames: [],
      })),
    };
    // The busy set above is this node's; the store holds one running campaign per charge point for
    // every node on it (migration 0025): a SOAP charge point held by no node can be started from
    // any node, and two starts reaching two nodes at once both got this far. Claimed before the
    // charge point is held here and before the run listens to its traffic, so the refused start
    // leaves nothing behind (it would have taken the SOAP charge point from the campaign's node).
    const claim = await store.claimValidation(record);
    if (!claim.stored) throw new Conflict(alreadyRunning(cp.id, claim.running));
    // Held here from now on, so that the charge point's messages reach this campaign whichever node they reach.
    if (soap) this.deps.holdSoap?.(cp.id);
    const run = new CampaignRun(this.deps, record, selected, selected.length === cases.length, { identityBefore: cp });
    this.runs.set(record.id, run);
    void run.execute().finally(() => {
      this.runs.delete(record.id);
      ended();
    });
    return run.snapshot();
  }

  /** Whether a campaign is starting or running for the charge point on this node. */
  runsFor(chargePointId: string): boolean {
    return this.busy.has(chargePointId);
  }

  /**
   * Whether a campaign runs for the charge point on any node: this node's, or one the store holds
   * running (at most one per charge point, migration 0025), which another node runs, or ran until
   * it was lost and is not yet closed. What holds off the stops of sessions left running
   * (LeftRunningStops): a SOAP charge point's campaign may run on another node than the one its
   * return reaches, and a stop sent from there would end a session of the campaign's case.
   */
  async runsAnywhere(chargePointId: string): Promise<boolean> {
    if (this.runsFor(chargePointId)) return true;
    return (await this.deps.store.listValidations({ chargePointId, running: true })).length > 0;
  }

  /** The campaign as it stands: live while it runs, from the store afterwards. */
  async get(id: string): Promise<Validation | undefined> {
    return this.runs.get(id)?.snapshot() ?? (await this.deps.store.getValidation(id));
  }

  async list(filter: ValidationFilter): Promise<Validation[]> {
    const stored = await this.deps.store.listValidations(filter);
    return stored.map((v) => this.runs.get(v.id)?.snapshot() ?? v);
  }

  /** The operator's answer to a manual step: done, or cannot be done (the case is then not run). */
  async confirm(id: string, caseId: string, confirmation: Confirmation): Promise<Validation> {
    const run = this.runs.get(id);
    if (!run) {
      const stored = await this.deps.store.getValidation(id);
      if (!stored) throw new NotFound(`Validation campaign ${id} not found`);
      this.assertNotElsewhere(stored);
      throw new Conflict(`Campaign ${id} is no longer running`);
    }
    run.confirm(caseId, confirmation);
    return run.snapshot();
  }

  /**
   * A cancel while the cases run answers at once, the campaign still `running` with `cancelling`
   * while its wrap-up stops its sessions (poll it to follow); one that cuts the wrap-up short (or a
   * node's stop) answers once the campaign has ended, a moment later (CampaignRun.cancel).
   */
  async cancel(id: string, reason?: string): Promise<Validation> {
    const run = this.runs.get(id);
    if (!run) {
      const stored = await this.deps.store.getValidation(id);
      if (!stored) throw new NotFound(`Validation campaign ${id} not found`);
      this.assertNotElsewhere(stored);
      return stored;
    }
    await run.cancel(reason ?? 'the campaign was cancelled');
    return run.snapshot();
  }

  /**
   * A campaign runs on one node: its manual steps are answered, and it is cancelled, there (the
   * charge point's traffic and the run's state are that node's). Through another node, the API
   * carries the request to that node, or refuses it naming the node, rather than "no longer running".
   */
  private assertNotElsewhere(stored: Validation): void {
    if (stored.status === 'running' && stored.node !== undefined && stored.node !== this.deps.node) {
      throw new OnAnotherNode(`Campaign ${stored.id} runs on node "${stored.node}": send this request to that node (docs/VALIDATION.md, "Limits")`, stored.node);
    }
  }

  /**
   * Closes as incomplete the campaigns the store still has as running that no process runs any
   * more. A node alone (no `node` given) closes every such campaign when it starts: the node was
   * killed during them. With several nodes, only those of one node: this node's own, left by its
   * previous run under the same TOMADA_NODE_ID, or a node judged lost. Every node notices a lost
   * node; the first to close a campaign does it, once (Store.closeRunningValidation).
   */
  closeInterrupted(node?: string, reason = NODE_STOPPED): Promise<number> {
    return this.closeWhere((of) => node === undefined || of === node, reason);
  }

  /** Closes as incomplete, for `reason`, the running campaigns no process here runs whose node `ofNode` picks. */
  private async closeWhere(ofNode: (node: string | undefined) => boolean, reason: string): Promise<number> {
    // Every running one, however old: a stale campaign left out would block its charge point for good (migration 0025).
    const stale = (await this.deps.store.listValidations({ running: true })).filter((v) => !this.runs.has(v.id) && ofNode(v.node));
    let closed = 0;
    for (const v of stale) {
      const at = new Date().toISOString();
      for (const item of v.cases) {
        if (['pass', 'fail', 'skipped', 'manual'].includes(item.status)) continue;
        Object.assign(item, { status: 'skipped', reason, prompt: null, action: null, finishedAt: at });
      }
      // Its node is gone: nothing stopped the sessions it started with its card. They are named,
      // and stopped at their charge point's return, or at once if it is back here (sessionsLeft,
      // left-running.ts; docs/VALIDATION.md, "Leaving nothing running").
      const leftRunning = left(await campaignSessions(this.deps.store, v), `the campaign was interrupted (${reason}): no remote stop was sent`);
      // Cancelled before its node went: it has ended now, wrap-up or not.
      delete v.cancelling;
      Object.assign(v, { status: 'cancelled', verdict: 'incomplete', finishedAt: at, counts: counts(v.cases), registry: { validated: false, reason: `the campaign was interrupted: ${reason}` }, ...(leftRunning.length > 0 ? { leftRunning } : {}) });
      const done = await this.deps.store.transact(async (tx) => {
        if (!(await tx.closeRunningValidation(v))) return false;
        await tx.insertEvent({ at, chargePointId: v.chargePointId, type: 'validationFinished', data: { validationId: v.id, verdict: v.verdict, software: v.software, interrupted: true, validated: false } });
        await insertLeftRunning(tx, at, v, leftRunning);
        return true;
      });
      if (done) closed++;
      if (done && leftRunning.length > 0) this.deps.sessionsLeft?.(v.chargePointId);
    }
    return closed;
  }

  /** Closes the campaigns a node judged lost was running (see closeInterrupted). */
  closeLostNodes(node: string): Promise<number> {
    return this.closeInterrupted(node, NODE_LOST);
  }

  /**
   * Closes the campaigns of nodes that are not among `live` (this node and those it hears): run
   * once a node has heard every live node. A node killed before any other heard it, under an id
   * no process takes again (the default id names the process), is judged lost by nobody, and its
   * campaigns stayed running for good, their cancel sent to a node that no longer exists.
   * A campaign that names no node was started by a node alone (every node of a cluster names its
   * own): one killed during it before the store was shared by a cluster. No node of the cluster
   * runs it, none would ever close it, and it held its charge point's one running campaign
   * (migration 0025) for good: closed too.
   */
  closeOfNodesNotLive(live: ReadonlySet<string>): Promise<number> {
    return this.closeWhere((node) => node === undefined || !live.has(node), NODE_LOST);
  }

  /** Cancels every running campaign (shutdown), so none is left "running" in the store. */
  async close(): Promise<void> {
    await Promise.all([...this.runs.values()].map((run) => run.cancel(NODE_STOPPED)));
  }
}

/** The refusal of a second campaign on a charge point, naming the running one and its node when known. */
function alreadyRunning(chargePointId: string, running: Validation | undefined): string {
  const which = running === undefined ? '' : ` (${running.id}${running.node !== undefined ? `, on node "${running.node}"` : ''})`;
  return `A validation campaign is already running for "${chargePointId}"${which}`;
}

/**
 * The transactions still running that a campaign caused: started with its card on its charge point
 * while it ran (`seen` by it, or stored as started since), on any connector, and any running with
 * its card on its connector.
 */
async function campaignSessions(store: Store, v: Validation, seen: ReadonlySet<number | undefined> = new Set()): Promise<Transaction[]> {
  const since = Date.parse(v.startedAt);
  const active = await store.listTransactions({ chargePointId: v.chargePointId, active: true, limit: 100 });
  return active.filter((t) => sameTag(t.idTag, v.idTag) && (seen.has(t.id) || t.connectorId === v.connectorId || Date.parse(t.startedAt) >= since));
}

/** Why an ended campaign validates no software: its verdict, its coverage, its limits, or the software it saw. */
function whyNotValidated(record: Validation, verdict: Verdict, complete: boolean, now: SoftwareIdentity | undefined, unchanged: boolean): string {
  if (verdict !== 'pass') return `the campaign's verdict is ${verdict}`;
  if (!complete) return `a partial campaign (${record.cases.length} of ${cases.length} cases) validates no software`;
  if (record.trial !== undefined) return record.trial;
  if (now === undefined) return 'the charge point has not reported its whole software identity';
  if (!unchanged) return 'the charge point reported other software during the campaign than at its start';
  return unregistrable(now) ?? 'the software cannot be entered in the registry';
}

const left = (transactions: Transaction[], reason: string): LeftRunning[] => transactions.map((t) => ({ transactionId: t.id, connectorId: t.connectorId, reason }));

class CampaignRun {
  private readonly abort = new AbortController();
  private readonly watch: Watch;
  private readonly boots: CampaignBoots;
  private readonly confirmations = new Map<string, (c: Confirmation) => void>();
  private cancelReason = 'the campaign was cancelled';
  /** The cases are over (run, or cut by a cancel): what is left is the wrap-up. */
  private casesOver = false;
  /** Ends the wrap-up's waits: a node's stop at any time, an operator's cancel once the cases are over. */
  private readonly wrapUpCut = new AbortController();
  /** Why the wrap-up was cut short (the cancel's reason), for the sessions it names. */
  private cutReason: string | undefined;
  /** This node is stopping: it sends the charge point nothing more. */
  private nodeStopping = false;
  private finished: Promise<void> | undefined;
  /** Another node closed the stored record meanwhile (it judged this node lost): nothing more is written. */
  private closedElsewhere = false;
  /** The last save in turn (see save). */
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: CampaignDeps,
    readonly record: Validation,
    private readonly definitions: CaseDefinition[],
    private readonly complete: boolean,
    private readonly state: CampaignState,
  ) {
    this.watch = new Watch(deps.activity, record.chargePointId);
    this.boots = new CampaignBoots(deps.activity, record.chargePointId, record.timing);
  }

  snapshot(): Validation {
    return structuredClone({ ...this.record, counts: counts(this.record.cases) });
  }

  /**
   * Stores the record as it stands. Saves run one after another (a cancel's comes beside the
   * run's own), each writing the record as it is when its turn comes, never an older copy.
   */
  save(): Promise<void> {
    const turn = this.saving.then(() => this.write());
    this.saving = turn.catch(() => undefined);
    return turn;
  }

  private async write(): Promise<void> {
    if (this.closedElsewhere) return;
    this.record.counts = counts(this.record.cases);
    const copy = this.snapshot();
    // Its first write was the claim (Campaigns.begin). Later ones only over a record still running:
    // the other nodes close as incomplete the campaigns of a node they judge lost, and a node that
    // was only frozen (a long pause, a stalled link) wakes up still running them; written over, the
    // closed record came back to life and ended a second time, with a second validationFinished event.
    const kept = await this.deps.store.transact((tx) => tx.closeRunningValidation(copy));
    if (!kept) this.stopClosedElsewhere();
  }

  /** The stored record was closed by another node: the campaign stops here and writes nothing more. */
  private stopClosedElsewhere(): void {
    if (this.closedElsewhere) return;
    this.closedElsewhere = true;
    this.deps.log.info({ chargePointId: this.record.chargePointId, validationId: this.record.id }, 'validation campaign closed meanwhile by another node (it judged this node lost): stopped here');
    this.cancelReason = NODE_LOST;
    this.abort.abort();
  }

  confirm(caseId: string, confirmation: Confirmation): void {
    const item = this.record.cases.find((c) => c.id === caseId);
    if (!item) throw new NotFound(`Case ${caseId} is not part of campaign ${this.record.id}`);
    const resolve = this.confirmations.get(caseId);
    if (item.status !== 'waiting' || !resolve) throw new Conflict(`Case ${caseId} is ${item.status}, not waiting for the operator`);
    resolve(confirmation);
  }

  /**
   * While the cases run, a cancel stops them (the rest are skipped) and the wrap-up then stops
   * the campaign's sessions within its own limits. Once the cases are over (the cancel comes
   * during the wrap-up, or a second one does), it cuts the wrap-up short instead: the cases keep
   * their verdict, and the wrap-up waits for nothing more. A node's stop cuts it at once too.
   */
  async cancel(reason: string): Promise<void> {
    if (reason === NODE_STOPPED) this.nodeStopping = true;
    // Cases over, a node's stop, or a second cancel (the first one's wrap-up begun or about to): cut it.
    if (this.casesOver || this.nodeStopping || this.abort.signal.aborted) {
      if (!this.casesOver) this.stopCases(reason);
      this.cutReason ??= reason;
      this.wrapUpCut.abort();
      return this.finished;
    }
    // The wrap-up may take up to about twice caseTimeoutS (a charge point away, or ignoring the
    // stops): waited for, the cancel's answer came minutes later, past a carried request's wait
    // (503, "may have been carried out") and an operator's patience (a second click cut the
    // wrap-up short, leaving sessions running). It is followed on the record instead.
    this.stopCases(reason);
    this.record.cancelling = { at: new Date().toISOString(), reason };
    await this.save();
  }

  /** Ends the cases: the one running stops at its next wait, those not begun are skipped now. */
  private stopCases(reason: string): void {
    if (this.abort.signal.aborted) return;
    this.cancelReason = reason;
    this.abort.abort();
    for (const item of this.record.cases) {
      if (item.status === 'pending') Object.assign(item, { status: 'skipped', reason });
    }
  }

  execute(): Promise<void> {
    this.finished = this.runAll();
    return this.finished;
  }

  private async runAll(): Promise<void> {
    const { registry, log } = this.deps;
    const { chargePointId } = this.record;
    const removeOverride = registry.overrideBoot(chargePointId, this.boots.answer);
    log.info({ chargePointId, validationId: this.record.id }, 'validation campaign started');
    let leftRunning: LeftRunning[] = [];
    try {
      try {
        for (const definition of this.definitions) {
          const item = this.record.cases.find((c) => c.id === definition.id)!;
          if (this.abort.signal.aborted) {
            Object.assign(item, { status: 'skipped', reason: this.cancelReason });
            continue;
          }
          await this.runCase(definition, item);
        }
      } catch (error) {
        log.error({ err: error, chargePointId, validationId: this.record.id }, 'validation campaign failed');
      }
      this.casesOver = true;
      // A charge point held offline cannot be told to stop: it is let back first.
      this.deps.holds.release(chargePointId);
      leftRunning = await this.stopOwnTransactions();
    } catch (error) {
      log.error({ err: error, chargePointId, validationId: this.record.id }, 'could not stop the validation campaign’s transactions');
    } finally {
      removeOverride();
      this.deps.holds.release(chargePointId);
      this.watch.close();
      this.boots.close();
      await this.finish(leftRunning);
    }
  }

  /** The transactions still running that the campaign caused (campaignSessions), those it saw start among them. */
  private async ownActiveTransactions(): Promise<Transaction[]> {
    const seen = new Set(
      this.watch
        .callsSince(0)
        .filter((c) => c.action === 'StartTransaction' && sameTag(field.idTag(c), this.record.idTag))
        .map((c) => field.answerTransactionId(c)),
    );
    return campaignSessions(this.deps.store, this.record, seen);
  }

  /**
   * At the campaign's end, whatever the end: leaves nothing charging on the test card. The
   * campaign's connector is made idle (remote stop, then resets) after cases that ran to the end;
   * every transaction the campaign caused, whatever its connector, gets a remote stop and its
   * StopTransaction is awaited (caseTimeoutS). A charge point away at that moment (just let back
   * from an offline hold, reconnecting) is waited for, caseTimeoutS at most. What still runs is
   * returned with why, for the record and an event. Cut short (see cancel), it waits no more.
   */
  private async stopOwnTransactions(): Promise<LeftRunning[]> {
    const { chargePointId } = this.record;
    const caseMs = this.record.timing.caseTimeoutS * 1000;
    // Its waits end when the wrap-up is cut short: by a node's stop, which sends nothing more (as
    // when it stops during the cases: it is shutting its connections down, and its own stop must
    // not wait out a case limit or two), or by an operator's cancel, which still sends each session
    // a remote stop (one call each) and waits for nothing.
    const wrapUp = this.wrapUpCut.signal;
    const STOPPED_IN_WRAP_UP = `${NODE_STOPPED}'s wrap-up, before the session was seen to stop`;
    const sendNothing = () => wrapUp.aborted && this.nodeStopping;
    // After cases that ran to the end the campaign's connector is made idle whatever card charges
    // there (a faulty charge point starts a remote start with another card, and keeps charging).
    const busyConnector = !this.abort.signal.aborted && (await this.context(wrapUp).activeTransaction()) !== undefined;
    if (!busyConnector && (await this.ownActiveTransactions()).length === 0) return [];
    // The campaign's sessions still running; and once the wrap-up is cut short (a cancel, a node's
    // stop) before the connector was made idle, a session there on another card, stopped and named
    // as they are (it ran on unsaid otherwise).
    const toStop = async () => {
      const own = await this.ownActiveTransactions();
      const there = busyConnector && wrapUp.aborted ? await this.context(wrapUp).activeTransaction() : undefined;
      return there && !own.some((t) => t.id === there.id) ? [...own, there] : own;
    };
    if (sendNothing()) return left(await toStop(), `${NODE_STOPPED}: no remote stop was sent`);
    await this.backOnline(caseMs, wrapUp);
    if (!this.abort.signal.aborted) await this.context(wrapUp).ensureIdle().catch(() => false);
    if (sendNothing()) return left(await toStop(), STOPPED_IN_WRAP_UP);
    const from = this.watch.mark();
    const out: LeftRunning[] = [];
    const awaited: Transaction[] = [];
    for (const transaction of await toStop()) {
      if (sendNothing()) {
        out.push(...left([transaction], STOPPED_IN_WRAP_UP));
        continue;
      }
      let answer: string;
      try {
        answer = (await this.deps.commands.send(chargePointId, { kind: 'remoteStop', transactionId: transaction.id }, { byCampaign: true })).status;
      } catch (error) {
        this.deps.log.error({ err: error, validationId: this.record.id, transactionId: transaction.id }, 'could not stop a validation campaign’s transaction');
        out.push(...left([transaction], `RemoteStopTransaction was not answered: ${(error as Error).message}`));
        continue;
      }
      // Rejected: the charge point runs no such transaction; the stored one is stale, nothing charges.
      if (answer === 'Rejected') continue;
      if (answer !== 'Accepted') out.push(...left([transaction], `RemoteStopTransaction answered ${answer}`));
      else awaited.push(transaction);
    }
    const deadline = Date.now() + caseMs;
    const unseen: Transaction[] = [];
    for (const transaction of awaited) {
      const stopped = await this.watch.next(from, (c) => c.action === 'StopTransaction' && field.transactionId(c) === transaction.id, deadline - Date.now(), wrapUp);
      if (!stopped) unseen.push(transaction);
    }
    // A stop this node did not see (the charge point came back to another node) is in the store.
    const still = new Set(unseen.length > 0 ? (await toStop()).map((t) => t.id) : []);
    const why = !wrapUp.aborted
      ? `RemoteStopTransaction was accepted, but no StopTransaction came within ${this.record.timing.caseTimeoutS} s`
      : this.nodeStopping
        ? STOPPED_IN_WRAP_UP
        : `${this.cutReason} during its wrap-up: RemoteStopTransaction was accepted, but no StopTransaction came before it ended`;
    out.push(...left(unseen.filter((t) => still.has(t.id)), why));
    return out;
  }

  /**
   * Why a case may have missed what it waited for: the charge point reconnected to another node
   * (a load balancer that is not sticky), whose traffic this campaign does not see.
   */
  private connectedElsewhere(): string | undefined {
    const { node } = this.deps;
    const holder = this.deps.holderOf?.(this.record.chargePointId);
    if (node === undefined || holder === undefined || holder === node) return undefined;
    return `the charge point is connected to node ${holder} now, and the campaign runs on node ${node}, which sees only the traffic of the charge points connected to it: keep the charge point on one node (a sticky load balancer, docs/OPERATIONS.md)`;
  }

  /** Waits, up to `ms` or until `signal`, for the charge point to be reachable again (a WebSocket one reconnected). */
  private async backOnline(ms: number, signal: AbortSignal): Promise<void> {
    const { chargePointId } = this.record;
    const cp = await this.deps.store.getChargePoint(chargePointId);
    if (cp?.transport === 'soap' && cp.soapEndpoint !== null) return;
    const deadline = Date.now() + ms;
    while (!this.deps.isConnected(chargePointId) && Date.now() < deadline && !signal.aborted) {
      await this.watch.next(this.watch.mark(), () => true, Math.min(200, deadline - Date.now()), signal);
    }
  }

  private async runCase(definition: CaseDefinition, item: CaseRecord): Promise<void> {
    Object.assign(item, { status: 'running', startedAt: new Date().toISOString() });
    const caseFrom = this.watch.mark();
    this.watch.collectInto(item.frames);
    await this.save();
    const t = this.record.timing;
    // A case waits at most a few of its own limits; past this something is stuck, not slow, and
    // the case is stopped (its waits end) so it cannot act during the next one.
    const limitS = 4 * t.caseTimeoutS + t.manualTimeoutS + t.offlineS + 3 * t.heartbeatIntervalS + t.pendingIntervalS + 4 * t.quietS;
    const caseAbort = new AbortController();
    const context = this.context(AbortSignal.any([this.abort.signal, caseAbort.signal]));
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<Outcome>((resolve) => {
      timer = setTimeout(() => {
        caseAbort.abort();
        resolve(fail(`the case did not finish within ${limitS} s`));
      }, limitS * 1000);
    });
    let outcome: Outcome;
    try {
      outcome = await Promise.race([definition.run(context), overrun]);
    } catch (error) {
      this.deps.log.error({ err: error, validationId: this.record.id, caseId: item.id }, 'validation case failed to run');
      outcome = fail(`the case could not run: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
      caseAbort.abort();
    }
    if (this.abort.signal.aborted && outcome.verdict !== 'pass') outcome = { verdict: 'skipped', reason: this.cancelReason };
    const elsewhere = outcome.verdict === 'pass' ? undefined : this.connectedElsewhere();
    if (elsewhere !== undefined) outcome = { ...outcome, reason: `${outcome.reason}; ${elsewhere}` };
    // A case run on other software (a firmware booted in mid-campaign, then the tested one again)
    // did not test the software under test: it cannot pass for it.
    const other = this.watch.callsSince(caseFrom).map((call) => otherSoftware(call, this.record.software)).find((why) => why !== undefined);
    if (other !== undefined && outcome.verdict === 'pass') outcome = fail(`${outcome.reason}, but ${other}`);
    this.watch.collectInto(undefined);
    Object.assign(item, {
      status: outcome.verdict,
      reason: outcome.reason,
      notApplicable: outcome.notApplicable === true,
      prompt: null,
      action: null,
      finishedAt: new Date().toISOString(),
    });
    await this.save();
  }

  /**
   * Ends the campaign. Everything its end implies (the software validated, the event) is stored
   * before the campaign shows as finished, so whoever sees it finished sees all of that too.
   */
  private async finish(leftRunning: LeftRunning[]): Promise<void> {
    // After the saves in turn: one written after the closing record would find it closed.
    await this.saving;
    // Closed by another node: its end (event, verdict) is the one stored.
    if (this.closedElsewhere) return;
    const record = this.record;
    const status: CampaignStatus = this.abort.signal.aborted ? 'cancelled' : 'finished';
    const verdict = status === 'cancelled' ? 'incomplete' : verdictOf(record.cases);
    const finishedAt = new Date().toISOString();
    try {
      const cp = await this.deps.store.getChargePoint(record.chargePointId);
      const now = cp ? softwareIdentity(cp) : undefined;
      const tested = record.software;
      const unchanged =
        now !== undefined &&
        (Object.keys(now) as (keyof typeof now)[]).every((k) => tested[k] === now[k]) &&
        this.watch.callsSince(0).every((call) => otherSoftware(call, tested) === undefined);
      // Limits so short that checks accept anything make a trial run, not a validation.
      // Software too long for the registry's index is not entered, on either store (unregistrable).
      const validated = verdict === 'pass' && this.complete && record.trial === undefined && unchanged && unregistrable(now) === undefined;
      const registry = { validated, reason: validated ? 'the software tested is in the validated-software registry' : whyNotValidated(record, verdict, this.complete, now, unchanged) };
      // Validated in the transaction that closes the record, and only if it closes it: a record
      // another node closed meanwhile (it judged this node lost) says the software was not.
      const passed = validated ? now : undefined;
      if (!validated && this.deps.unvalidatedSoftware !== 'flag' && !this.nodeStopping && now && !(await this.deps.software.find(now))) {
        // The campaign answered its boots Accepted; software still unvalidated must be kept
        // Pending or rejected again as the network's policy says: a soft reset makes it boot into it.
        await this.deps.commands.send(record.chargePointId, { kind: 'reset', type: 'Soft' }, { byCampaign: true }).catch((error: unknown) => {
          this.deps.log.error({ err: error, validationId: record.id }, 'could not reset the charge point back under the unvalidated-software policy');
        });
      }
      // The record shows its end once that end is stored, not while the unit writing it waits for
      // its commit: read as finished, the store had it still running (and a node stopped then left
      // it to be closed as interrupted).
      const ending = { status, verdict, finishedAt, counts: counts(record.cases), registry, ...(leftRunning.length > 0 ? { leftRunning } : {}) };
      const { cancelling: _, ...copy } = { ...this.snapshot(), ...ending };
      const kept = await this.deps.store.transact(async (tx) => {
        if (!(await tx.closeRunningValidation(copy))) return false;
        if (passed) await this.deps.software.recordPassedIn(tx, passed, record.id);
        await tx.insertEvent({ at: finishedAt, chargePointId: record.chargePointId, type: 'validationFinished', data: { validationId: record.id, verdict, software: tested, complete: this.complete, validated } });
        await insertLeftRunning(tx, finishedAt, record, leftRunning);
        return true;
      });
      if (!kept) return this.stopClosedElsewhere();
      delete record.cancelling;
      Object.assign(record, ending);
      if (leftRunning.length > 0) {
        this.deps.sessionsNoted?.(record.chargePointId);
        this.deps.log.error({ chargePointId: record.chargePointId, validationId: record.id, leftRunning }, 'a validation campaign left a session running on its card');
      }
      this.deps.log.info({ chargePointId: record.chargePointId, validationId: record.id, verdict }, 'validation campaign finished');
    } catch (error) {
      delete record.cancelling;
      Object.assign(record, { status, verdict, finishedAt });
      this.deps.log.error({ err: error, validationId: record.id }, 'could not store the end of a validation campaign');
    }
  }

  private context(signal: AbortSignal): CaseContext {
    const { store, holds } = this.deps;
    const record = this.record;
    const { chargePointId, connectorId } = record;
    const watch = this.watch;
    const caseMs = () => record.timing.caseTimeoutS * 1000;
    const command = async (cmd: Command): Promise<CommandOutcome> => {
      try {
        return { status: (await this.deps.commands.send(chargePointId, cmd, { byCampaign: true })).status };
      } catch (error) {
        return { error: (error as Error).message, refused: error instanceof CommandFailed };
      }
    };
    const activeTransaction = async (): Promise<Transaction | undefined> => {
      const active = await store.listTransactions({ chargePointId, active: true, limit: 20 });
      return active.filter((t) => t.connectorId === connectorId).sort((a, b) => b.id - a.id)[0];
    };
    const next = (from: number, match: (call: Call) => boolean, timeoutMs: number) => watch.next(from, match, timeoutMs, signal);
    const stopOf = (id: number) => (c: Call) => c.action === 'StopTransaction' && field.transactionId(c) === id;
    const startOnConnector = (c: Call) => c.action === 'StartTransaction' && field.connectorId(c) === connectorId;
    const awaitStart = async (from: number, anyConnector = false): Promise<{ call: Call } | { notRun: string } | { missing: string }> => {
      const expected = anyConnector ? (c: Call) => c.action === 'StartTransaction' : startOnConnector;
      const start = await next(from, expected, caseMs());
      if (start) return { call: start };
      const outcome = await this.manual(
        `Plug a vehicle (or a tester) into connector ${connectorId}: the charge point accepted the remote start and no transaction began.`,
        { kind: 'plugIn', connectorId },
        from,
        expected,
      );
      if ('call' in outcome) return { call: outcome.call };
      if ('declined' in outcome) return { notRun: `not run: ${outcome.declined}` };
      if (outcome.timedOut === 'unconfirmed') return { notRun: 'not run: no vehicle was plugged in' };
      return { missing: `no StartTransaction on connector ${connectorId} after the accepted RemoteStartTransaction, even with a vehicle plugged in` };
    };
    const context: CaseContext = {
      chargePointId,
      connectorId,
      idTag: record.idTag,
      blockedIdTag: record.blockedIdTag,
      invalidIdTag: `VAL-UNKNOWN-${token()}`,
      timing: record.timing,
      state: this.state,
      signal,
      chargePoint: async () => (await store.getChargePoint(chargePointId))!,
      transaction: (id) => store.getTransaction(id),
      samples: async (id): Promise<MeterSample[]> => store.listTransactionSamples(id),
      async unknownTransactionId() {
        for (;;) {
          const id = 1_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
          if (!(await store.getTransaction(id))) return id;
        }
      },
      activeTransaction,
      async connectorIds() {
        const reported = (await store.listConnectors(chargePointId)).map((c) => c.connectorId).filter((id) => id > 0);
        return [...new Set([...reported, connectorId])].sort((a, b) => a - b);
      },
      async lastRegisterWh() {
        const recent = await store.listTransactions({ chargePointId, limit: 50 });
        const stopped = recent.filter((t) => t.connectorId === connectorId && t.meterStopWh !== null).sort((a, b) => b.id - a.id);
        return stopped[0]?.meterStopWh ?? undefined;
      },
      command,
      mark: () => watch.mark(),
      after: (call) => watch.after(call),
      armPendingBoot: () => this.boots.armPending(),
      callsSince: (from) => watch.callsSince(from),
      next,
      manual: (prompt, action, from, expect) => this.manual(prompt, action, from, expect),
      holdOffline: (ms) => holds.hold(chargePointId, ms),
      sleep: (ms) =>
        new Promise((resolve) => {
          const timer = setTimeout(resolve, ms);
          signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        }),
      async ensureIdle() {
        for (const step of ['remoteStop', 'Soft', 'Hard'] as const) {
          const active = await activeTransaction();
          if (!active || signal.aborted) return !active;
          const from = watch.mark();
          if (step === 'remoteStop') {
            const answer = await command({ kind: 'remoteStop', transactionId: active.id });
            // Rejected: the charge point runs no such transaction; the store's record is stale, not the connector busy.
            if (answer.status === 'Rejected') return true;
            if (answer.status === 'Accepted' && (await next(from, stopOf(active.id), caseMs()))) continue;
          } else {
            const answer = await command({ kind: 'reset', type: step });
            if (answer.status !== 'Accepted') continue;
            await next(from, (c) => c.action === 'BootNotification', caseMs());
            await next(from, stopOf(active.id), caseMs() / 2);
          }
        }
        return !(await activeTransaction());
      },
      awaitStart,
      async startTransaction() {
        const from = watch.mark();
        const answer = await command({ kind: 'remoteStart', idTag: record.idTag, connectorId });
        if (answer.error !== undefined) return { problem: `RemoteStartTransaction was not answered: ${answer.error}` };
        if (answer.status !== 'Accepted') return { problem: `RemoteStartTransaction answered ${answer.status}` };
        const started = await awaitStart(from);
        if (!('call' in started)) return { problem: 'notRun' in started ? started.notRun : started.missing };
        const id = field.answerTransactionId(started.call);
        if (id === undefined) return { problem: 'the StartTransaction was not given a transactionId' };
        return { transactionId: id };
      },
    };
    return context;
  }

  private async manual(prompt: string, action: PersonAction | null, from: number, expect: (call: Call) => boolean): Promise<ManualOutcome> {
    const item = this.record.cases.find((c) => c.status === 'running' || c.status === 'waiting')!;
    const signal = this.abort.signal;
    const timing = this.record.timing;
    let confirmed: (c: Confirmation) => void = () => undefined;
    const confirmation = new Promise<Confirmation>((resolve) => (confirmed = resolve));
    this.confirmations.set(item.id, confirmed);
    Object.assign(item, { status: 'waiting', prompt, action });
    await this.save();
    const done = new AbortController();
    try {
      const observed = this.watch.next(from, expect, timing.manualTimeoutS * 1000, AbortSignal.any([signal, done.signal])).then((call) => ({ call }));
      const first = await Promise.race([observed, confirmation.then((answer) => ({ answer }))]);
      if ('call' in first) return first.call ? { call: first.call } : { timedOut: 'unconfirmed' };
      if (!first.answer.done) return { declined: first.answer.note?.trim() || 'the operator could not do it' };
      Object.assign(item, { status: 'running' });
      const call = await this.watch.next(from, expect, timing.caseTimeoutS * 1000, signal);
      return call ? { call } : { timedOut: 'confirmedButNothingCame' };
    } finally {
      done.abort();
      this.confirmations.delete(item.id);
      if (item.status === 'waiting') item.status = 'running';
    }
  }
}
