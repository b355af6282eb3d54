// Commands across several nodes over NATS. Local first: a charge point held here is served
// without NATS, so a NATS outage never breaks commands to it. Otherwise the command is a NATS
// request on the charge point's own subject, which only its holding node subscribes to; "no
// responders" means no node holds it. A SOAP charge point, which any node reaches by HTTP, goes
// through its holder too (one node queues its commands), and directly when no node holds it.
//
// Each node announces the charge points it holds (takeover on connect, released on disconnect),
// sends a heartbeat with a digest of them, says when it leaves on purpose, and keeps a view of
// what the others hold
// (cluster-view.ts) for "connected" in the API and for naming the node a command waits on.
import { randomUUID } from 'node:crypto';
import { ErrorCode, NatsError, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from 'nats';
import type { ClusterStatus, CommandRouter, CommandTarget, NodeRequests } from '../domain/commands.js';
import { ChargePointNotConnected, CommandFailed, CommandTimedOut, NodeUnreachable } from '../domain/errors.js';
import type { Command, CommandResult } from '../domain/model.js';
import type { Logger } from '../log.js';
import { ClusterView, newer, type Claim } from './cluster-view.js';
import { SetDigest } from './digest.js';
import { HoldingsPages } from './holdings-pages.js';
import { DEFAULT_KEPT_ANSWER_LIMITS, KeptAnswers, type KeptAnswerLimits } from './kept-answers.js';
import { LocalRouter, sendDeadline, type TargetResolver } from './local-router.js';
import { NatsLink } from './nats-link.js';
import { Subjects } from './subjects.js';
import {
  AnswerForgotten,
  AnswerRequest,
  AnswerUnknown,
  askHeaders,
  askNamed,
  CommandReply,
  CommandRequest,
  decode,
  encode,
  EndConnection,
  errorReply,
  Heartbeat,
  HoldingsReply,
  HoldingsRequest,
  Left,
  Released,
  resultOf,
  SessionsLeftRunning,
  Takeover,
} from './wire.js';

export interface ClusterRouterOptions {
  natsUrl: string;
  nodeId: string;
  /** Subject prefix shared by the nodes of one cluster. */
  prefix: string;
  heartbeatMs: number;
  /** A node not heard from for this long is lost (default: three heartbeats). */
  lostAfterMs?: number;
  /**
   * How long a command sent to another node waits for the reply beyond the time the holder may
   * keep it unsent (`sendWithinMs`): the holder's call timeout, and a margin for the hop.
   */
  requestTimeoutMs: number;
  /** How long a command may wait behind earlier commands to its charge point before it is sent (see LocalRouter). */
  sendWithinMs?: number;
  /** Targets reachable from any node without NATS (SOAP charge points at their endpoint). */
  resolve?: TargetResolver;
  /** How many answers to other nodes' requests, and how many bytes of them, are kept (kept-answers.ts). */
  keptAnswers?: Partial<KeptAnswerLimits>;
  /** Told when another node is declared lost, with the charge points it held. */
  onNodeLost?(node: string, chargePointIds: string[]): void;
  /** Told when another node says it stops, with the charge points it still claimed. */
  onNodeLeft?(node: string, chargePointIds: string[]): void;
  /** Told when another node's validation campaign left sessions running on a charge point (tellSessionsLeftRunning). */
  onSessionsLeftRunning?(chargePointId: string, atOnce: boolean): void;
  log: Logger;
  clock?: () => number;
}

/** What another node announced of a charge point, as heard: a takeover (`since`), or a release. */
interface Announcement {
  chargePointId: string;
  since?: number;
  instance?: string;
}

interface Holding {
  target: CommandTarget;
  since: number;
  subscription: Subscription | undefined;
  /** Removes the target from the local router. */
  detach(): void;
}

interface InFlight {
  /**
   * The process asked: the node, and the instance its heartbeats announced; undefined when the
   * request went by the node's name alone (no process of it heard yet), until its next heartbeat
   * names the one to ask again. The node too is undefined for a command sent on its charge point's
   * own subject with no holder known, until the view names the charge point's holder.
   */
  node: string | undefined;
  instance: string | undefined;
  /** A command's charge point: its holder, once known, is the node to ask again. */
  chargePointId?: string;
  /** performance.now() time after which the asker no longer waits. */
  deadline: number;
  /** Set once this node's link dropped while the request waited. */
  dropped: boolean;
  /** The answer is to be asked for again, when the process asked is next heard (it was not on NATS when asked). */
  owed: boolean;
  /** Whether what the process gives when asked again is the answer (not AnswerUnknown). */
  isAnswer(data: Uint8Array): boolean;
  /** Ends the wait with an answer had again. */
  answer(msg: Msg): void;
  /** Ends the wait: the process asked again no longer keeps the answer it gave (AnswerForgotten). */
  forgotten(): void;
}

/** A request to another node named by an id, whose answer may be asked for again (requestKept). */
interface Kept {
  id: string;
  /** The node and process asked, as far as known when it is sent (InFlight). */
  node: string | undefined;
  instance: string | undefined;
  chargePointId?: string;
  timeoutMs: number;
  headers?: MsgHdrs;
  isAnswer(data: Uint8Array): boolean;
  /** What the request fails with when the process asked again no longer keeps its answer. */
  forgottenError(): Error;
}

/** NATS had no subscriber on a command's subject: nothing was sent. Within this file only (request). */
class NoSubscriber extends ChargePointNotConnected {}

/** A subscription of a connection that may be closed already (then it is gone anyway). */
function unsubscribe(subscription: Subscription | undefined): void {
  try {
    subscription?.unsubscribe();
  } catch {
    // closed with its connection
  }
}

/** How often a process sharing this node's id is reported again while it runs. */
const DUPLICATE_REPORT_MS = 60_000;
const HOLDER_QUEUE = 'holder';
/**
 * How far apart two nodes' clocks may be before a command request judged by its send time is
 * given less time than it had (a holder ahead) or kept past its asker's time (a holder behind).
 * Well under the margin the asker waits beyond the holder's time (a call timeout and 2 s).
 */
const CLOCK_SKEW_MS = 1_000;
/**
 * How long a stop waits for the answers this node is still working out for other nodes before it
 * says it leaves: on "left" their askers stop waiting ("stopped before it answered").
 */
const REPLIES_ON_STOP_MS = 2_000;
/** NATS's own default limit on one message, for a connection that has not said its server's yet. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

export class ClusterRouter implements CommandRouter, NodeRequests {
  readonly nodeId: string;
  private readonly instance = randomUUID();
  /** When this process started, on its clock (Heartbeat's startedAt). */
  private readonly startedAt: number;
  private readonly subjects: Subjects;
  private readonly local: LocalRouter;
  private readonly holdings = new Map<string, Holding>();
  private readonly digest = new SetDigest();
  private view: ClusterView;
  private readonly link: NatsLink;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;
  /** Nodes whose holdings are being read: the announcements each made meanwhile, applied again on top of what is read. */
  private readonly fetching = new Map<string, Announcement[]>();
  private readonly holdingsPages: HoldingsPages;
  /**
   * Requests this node waits on another process for (commands, and requests by name), by request
   * id: asked again for their answers after a drop of this node's NATS link, which loses any
   * answer sent meanwhile.
   */
  private readonly inFlight = new Map<string, InFlight>();
  /**
   * Replies given while this node's link was down: nats.js drops whatever is published then when it
   * connects again, so they are given again once the link is back.
   */
  private readonly unsentReplies: { msg: Msg; data: Uint8Array }[] = [];
  /**
   * The answers (as sent) to requests from other nodes that name themselves by an id, kept a while
   * in case an asker's link dropped (AnswerRequest): commands, and requests by name (NodeRequests).
   */
  private readonly answers: KeptAnswers;
  /** Answers to requests from other nodes being worked out, until sent: a stop waits for them (close). */
  private readonly replying = new Set<Promise<void>>();
  /**
   * Requests waiting on another node, so a lost node fails them at once, and a node heard restarted
   * those its earlier process had (the process asked, when known).
   */
  private readonly waiting = new Map<string, Set<{ instance: string | undefined; fail(error: Error): void }>>();
  private readonly log: Logger;
  /** How long a node may go unheard before it is judged lost. */
  readonly lostAfterMs: number;
  private lastTick: number;
  /** When this node last heard its own heartbeat back through NATS: the proof that its link carries messages. */
  private ownHeardAt: number;
  /** When the view last started afresh: the current link's connection. */
  private listeningSince = 0;
  /** When a process sharing this node's id was last reported, by its instance. */
  private readonly duplicatesToldAt = new Map<string, number>();
  private silent = false;
  /** What this node answers to requests named for it (NodeRequests), by service. */
  private readonly services = new Map<string, (body: Uint8Array, maxAnswerBytes: number) => Promise<Uint8Array>>();

  constructor(private readonly options: ClusterRouterOptions) {
    this.nodeId = options.nodeId;
    this.log = options.log.child({ node: options.nodeId });
    this.now = options.clock ?? Date.now;
    this.startedAt = this.now();
    this.holdingsPages = new HoldingsPages(this.now);
    this.subjects = new Subjects(options.prefix);
    this.lostAfterMs = options.lostAfterMs ?? 3 * options.heartbeatMs;
    this.view = new ClusterView(this.lostAfterMs);
    this.answers = new KeptAnswers({ ...DEFAULT_KEPT_ANSWER_LIMITS, ...options.keptAnswers }, this.now);
    const resolve = options.resolve ?? (async () => undefined);
    this.local = new LocalRouter(async (id) => this.route(id, await resolve(id)), { sendWithinMs: options.sendWithinMs });
    this.link = new NatsLink({
      servers: options.natsUrl,
      name: `tomada ${options.nodeId}`,
      log: this.log,
      // Two unanswered pings close a silent link; sooner than anyone would be judged lost, so that
      // nats.js moves on to another server (our own heartbeat's echo covers the time until then).
      pingIntervalMs: Math.max(1_000, this.lostAfterMs / 4),
      onConnect: (nc, fresh) => this.onConnect(nc, fresh),
    });
    this.lastTick = this.now();
    this.ownHeardAt = this.lastTick;
    this.timer = setInterval(() => this.tick(), options.heartbeatMs);
    this.timer.unref();
  }

  /** Connected to NATS right now, and messages get through: our own heartbeat came back lately. */
  get natsUp(): boolean {
    return this.link.up && !this.linkSilent(this.now());
  }

  attach(chargePointId: string, target: CommandTarget): () => void {
    const detachLocal = this.local.attach(chargePointId, target);
    const previous = this.holdings.get(chargePointId);
    if (previous) unsubscribe(previous.subscription);
    else this.digest.add(chargePointId);
    const holding: Holding = { target, since: this.now(), subscription: undefined, detach: detachLocal };
    this.holdings.set(chargePointId, holding);
    // Without a connection now, onConnect subscribes it later.
    if (this.link.connection && !this.link.connection.isClosed()) holding.subscription = this.subscribeCommands(this.link.connection, chargePointId);
    this.link.publish(this.subjects.takeover(chargePointId), encode<Takeover>({ node: this.nodeId, since: holding.since, instance: this.instance }));
    return () => this.drop(chargePointId, holding);
  }

  isConnected(chargePointId: string): boolean {
    return this.holderOf(chargePointId) !== undefined;
  }

  /** The node holding the charge point: this one, another one, or undefined when none is known. */
  holderOf(chargePointId: string): string | undefined {
    if (this.holdings.has(chargePointId)) return this.nodeId;
    // Without NATS, what the others hold is not known (nor reachable).
    return this.natsUp ? this.view.holder(chargePointId)?.node : undefined;
  }

  /** Other nodes heard from and not lost. */
  liveNodes(): string[] {
    return this.view.liveNodes();
  }

  /**
   * How long this node has listened to the others on its current link (0 without one): the view
   * starts afresh at every connection, so a node heard before it is not in it until its next heartbeat.
   */
  listeningForMs(): number {
    return this.natsUp ? Math.max(0, this.now() - this.listeningSince) : 0;
  }

  cluster(): ClusterStatus {
    const now = this.now();
    const natsUp = this.natsUp;
    const self = { node: this.nodeId, self: true, chargePoints: this.holdings.size, lastHeardMsAgo: Math.max(0, now - this.ownHeardAt) };
    // Without NATS, what the others hold is not known (as in holderOf).
    const others = natsUp ? this.view.summary(now).sort((a, b) => a.node.localeCompare(b.node)) : [];
    return { node: this.nodeId, natsUp, nodes: [self, ...others.map((other) => ({ ...other, self: false }))] };
  }

  send(chargePointId: string, command: Command): Promise<CommandResult> {
    return this.local.send(chargePointId, command);
  }

  /**
   * Ends the connection here when it is held here, and asks every other node too: the one holding
   * it ends it, and any with a handshake of it still in flight ends that one once attached.
   * Without NATS only what is here can be ended: the others' are not known.
   */
  endConnection(chargePointId: string, reason: string): void {
    this.endHere(chargePointId, reason);
    // Always: even a charge point held here (or one that speaks SOAP) may have a handshake in
    // flight on another node, admitted with the settings that changed.
    if (!this.natsUp) this.log.warn({ chargePointId, reason }, 'NATS is unreachable: a connection of this charge point held by another node cannot be told to end');
    this.link.publish(this.subjects.end(chargePointId), encode<EndConnection>({ node: this.nodeId, reason }));
  }

  endedSince(chargePointId: string, since: number): string | undefined {
    return this.local.endedSince(chargePointId, since);
  }

  /**
   * Ends the connection if it is held here, and remembers the end for a handshake of it still in
   * flight here. A SOAP charge point held here has no connection to end: each of its messages is
   * admitted on its own.
   */
  private endHere(chargePointId: string, reason: string): void {
    this.local.noteEnd(chargePointId, reason);
    const holding = this.holdings.get(chargePointId);
    if (!holding?.target.release) return;
    this.log.info({ chargePointId, reason }, 'ending the charge point\'s connection here');
    this.drop(chargePointId, holding);
    holding.target.release(reason);
  }

  /**
   * Tells the other nodes that a campaign here left sessions running on the charge point, so that
   * its next return to any of them stops them (LeftRunningStops). Best effort: without NATS it is
   * lost, and each node's periodic read of the store finds the sessions instead.
   */
  tellSessionsLeftRunning(chargePointId: string, atOnce: boolean): void {
    this.link.publish(this.subjects.leftRunning(chargePointId), encode<SessionsLeftRunning>({ node: this.nodeId, instance: this.instance, atOnce }));
  }

  serve(service: string, handler: (body: Uint8Array, maxAnswerBytes: number) => Promise<Uint8Array>): void {
    this.services.set(service, handler);
    // Without a connection now, onConnect subscribes it later.
    const connection = this.link.connection;
    if (connection && !connection.isClosed()) this.subscribeService(connection, service);
  }

  async ask(node: string, service: string, body: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const connection = this.link.connection;
    if (!this.natsUp || !connection) throw new NodeUnreachable(`Node "${node}" cannot be asked: NATS is unreachable from node ${this.nodeId}`);
    // Named by an id, as a command: should this node's link drop while the answer comes, it is asked
    // for again, and the node asked gives the answer it kept rather than doing the work twice.
    const id = randomUUID();
    const headers = askHeaders(id, timeoutMs);
    const isAnswer = (data: Uint8Array) => decode(AnswerUnknown, data) === undefined;
    const forgotten = `Node "${node}" answered, but the answer was lost to a drop of a NATS link and that node no longer keeps it (it keeps only its latest answers); what was asked may have been done`;
    const forgottenError = () => new CommandFailed(forgotten);
    let linkDropped = () => false;
    const request = (subject: string, instance: string | undefined) => {
      const kept = this.requestKept(connection, subject, body, { id, node, instance, timeoutMs, headers, isAnswer, forgottenError });
      linkDropped = kept.linkDropped;
      return kept.answer;
    };
    // To the process its heartbeats announce, as a command by name: not to a frozen earlier
    // process of that node id. By the node's name alone when that process is not known, or not
    // subscribed there (a node of an earlier version, which keeps no answers: not asked again).
    const instance = this.view.instanceOf(node);
    try {
      const msg =
        instance === undefined
          ? await request(this.subjects.ask(node, service), undefined)
          : await request(this.subjects.ask(node, service, instance), instance).catch((error: unknown) => {
              if (error instanceof NatsError && error.code === ErrorCode.NoResponders) return request(this.subjects.ask(node, service), undefined);
              throw error;
            });
      // This id came before (sent again on the node's name), and its answer is no longer kept.
      if (decode(AnswerForgotten, msg.data)) throw new NodeUnreachable(forgotten);
      return msg.data;
    } catch (error) {
      if (!(error instanceof NatsError)) {
        // Failed by untilLost: the node was judged lost or left while it had the request.
        if (error instanceof CommandFailed) throw new NodeUnreachable(error.message);
        throw error;
      }
      if (error.code === ErrorCode.NoResponders) throw new NodeUnreachable(`Node "${node}" does not answer: no such node is connected to NATS`);
      if (error.code === ErrorCode.Timeout) {
        const dropped = linkDropped() ? `; this node's NATS link dropped while it waited, and the answer could not be had again` : '';
        throw new NodeUnreachable(`Node "${node}" did not answer within ${timeoutMs} ms${dropped}; what was asked may have been done`);
      }
      throw new NodeUnreachable(`Node "${node}" could not be asked over NATS: ${error.message}`);
    }
  }

  /**
   * Leaves the cluster: the others forget this node at once rather than judge it lost. Call it
   * after the charge points are closed, so their releases go out first (NATS keeps one
   * publisher's order) and no heartbeat follows.
   */
  async close(): Promise<void> {
    // The answers this node finishes soon go out first (NATS keeps one publisher's order), rather
    // than their askers being told it stopped before answering; a while at most, heartbeats going
    // on meanwhile so that it is not judged lost. Without a link there is no one to send them to.
    if (this.link.up && this.replying.size > 0) {
      this.log.info({ requests: this.replying.size }, 'stopping: finishing the answers to other nodes first');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(this.replying), new Promise<void>((resolve) => (timer = setTimeout(resolve, REPLIES_ON_STOP_MS)))]);
      clearTimeout(timer);
    }
    clearInterval(this.timer);
    this.link.publish(this.subjects.left, encode<Left>({ node: this.nodeId, instance: this.instance }));
    await this.link.close();
  }

  /** Removes a holding (if still current) and tells the others it is gone from here. */
  private drop(chargePointId: string, holding: Holding): void {
    holding.detach();
    if (this.holdings.get(chargePointId) !== holding) return;
    this.holdings.delete(chargePointId);
    this.digest.remove(chargePointId);
    unsubscribe(holding.subscription);
    this.link.publish(this.subjects.released(chargePointId), encode<Released>({ node: this.nodeId, instance: this.instance }));
  }

  /**
   * A target for a charge point not held here: the node that holds it, through NATS. A SOAP
   * charge point (`direct`: reachable by HTTP from here too) goes through its holder as well, so
   * that one node sends its commands one at a time; from here only when no node holds it, or its
   * holder no longer does.
   */
  private route(chargePointId: string, direct: CommandTarget | undefined): CommandTarget {
    const remote = this.remote(chargePointId);
    if (!direct) return remote;
    if (this.holderOf(chargePointId) === undefined) return direct;
    return {
      execute: (command, sendBy) =>
        remote.execute(command, sendBy).catch((error: unknown) => {
          // No node took it (its holder let it go meanwhile): nothing was sent, so send it from here.
          if (error instanceof ChargePointNotConnected) return direct.execute(command, sendBy);
          throw error;
        }),
    };
  }

  /** The node that holds the charge point, through NATS. */
  private remote(chargePointId: string): CommandTarget {
    return { execute: (command, sendBy) => this.request(chargePointId, command, sendBy) };
  }

  private async request(chargePointId: string, command: Command, sendBy: number | undefined): Promise<CommandResult> {
    const connection = this.link.connection;
    if (!this.natsUp || !connection) {
      throw new CommandFailed(`Charge point "${chargePointId}" is not connected to this node, and the other nodes cannot be asked: NATS is unreachable`);
    }
    // To the node our view names first, by its own subject. On the charge point's subject the NATS
    // server picks one subscriber of the queue group at random, and a node that died without
    // closing its NATS connection (a machine lost, a frozen process) keeps its subscriptions there
    // until the server's pings give up on it, minutes later: a charge point that moved on from it
    // to a live node had every other command swallowed, answered 504 after the whole timeout.
    // The subject names the process too (the instance its heartbeats announce): a node restarted
    // under its id while its frozen earlier process was still subscribed shared a subject named
    // by the node alone, and that process took every other command.
    const holder = this.view.holder(chargePointId)?.node;
    const instance = holder === undefined ? undefined : this.view.instanceOf(holder);
    // Why no node answers, when a node last known to hold it is not on NATS.
    let offNats: string | undefined;
    if (holder !== undefined && instance !== undefined) {
      try {
        return await this.requestOn(connection, this.subjects.nodeCommand(holder, instance, chargePointId), holder, chargePointId, command, sendBy);
      } catch (error) {
        // That node does not hold it (any more), or is gone from NATS: nothing was sent. Whichever
        // node holds it now, if any, answers on the charge point's own subject.
        if (!(error instanceof ChargePointNotConnected)) throw error;
        if (error instanceof NoSubscriber) offNats = `node ${holder}, which holds it as last heard, is not on NATS (it stopped, or its link to NATS is down)`;
      }
    }
    try {
      return await this.requestOn(connection, this.subjects.command(chargePointId), this.view.holder(chargePointId)?.node, chargePointId, command, sendBy);
    } catch (error) {
      if (!(error instanceof NoSubscriber)) throw error;
      // The API may still list it as connected to that node (the view follows heartbeats, and its
      // node is not judged lost yet): say which node, and why it cannot be reached.
      const unheard = holder === undefined ? this.view.expectedHolder(chargePointId) : undefined;
      offNats ??= unheard && `node ${unheard}, which held it before this node's NATS link dropped, has not been heard since`;
      // As the plain domain error: the API maps each error's own class.
      if (offNats === undefined) throw new ChargePointNotConnected(error.message);
      throw new ChargePointNotConnected(`Charge point "${chargePointId}" is not connected to any node NATS reaches: ${offNats}; the command was not sent`);
    }
  }

  private async requestOn(
    connection: NatsConnection,
    subject: string,
    holder: string | undefined,
    chargePointId: string,
    command: Command,
    sendBy: number | undefined,
  ): Promise<CommandResult> {
    // The holder gets what is left of the time to send it; the reply may take a call timeout more.
    const sendWithinMs = sendBy === undefined ? undefined : Math.max(0, Math.floor(sendBy - performance.now()));
    const timeout = (sendWithinMs ?? 0) + this.options.requestTimeoutMs;
    const id = randomUUID();
    // Known now: the view starts afresh when the link comes back, and the answer is the asked process's.
    const instance = holder === undefined ? undefined : this.view.instanceOf(holder);
    let linkDropped = () => false;
    let msg: Msg;
    try {
      const body = encode<CommandRequest>({ from: this.nodeId, id, command, sendWithinMs, sentAt: Date.now() });
      const isAnswer = (data: Uint8Array) => decode(CommandReply, data) !== undefined;
      const forgottenError = () =>
        new CommandFailed(
          `${holder ? `Node ${holder}` : 'The node holding it'} answered the command to charge point "${chargePointId}", but the answer was lost to a drop of a NATS link and that node no longer keeps it (it keeps only its latest answers); the command may have been carried out`,
        );
      const kept = this.requestKept(connection, subject, body, { id, node: holder, instance, chargePointId, timeoutMs: timeout, isAnswer, forgottenError });
      linkDropped = kept.linkDropped;
      msg = await kept.answer;
    } catch (error) {
      if (!(error instanceof NatsError)) throw error;
      if (error.code === ErrorCode.NoResponders) throw new NoSubscriber(`Charge point "${chargePointId}" is not connected to any node`);
      if (error.code === ErrorCode.Timeout) {
        const dropped = linkDropped()
          ? `; this node's NATS link dropped while it waited, and the answer could not be had again from ${holder ? `node ${holder}` : 'the node holding it'}`
          : '';
        throw new CommandTimedOut(
          `No answer from ${holder ? `node ${holder}, which holds` : 'the node holding'} charge point "${chargePointId}", within ${timeout} ms${dropped}; the command may have been carried out`,
        );
      }
      throw new CommandFailed(`The command to charge point "${chargePointId}" could not be carried over NATS: ${error.message}`);
    }
    const reply = decode(CommandReply, msg.data);
    if (!reply) throw new CommandFailed(`Unreadable answer from the node holding charge point "${chargePointId}"`);
    return resultOf(reply);
  }

  /**
   * Sends a request named by its id and waits for the answer, or until the node asked is judged lost.
   * When the node asked is known, the answer is asked for again should this node's link drop
   * meanwhile (askAgain): NATS loses an answer sent while the link is down. The one way for
   * commands and requests by name alike.
   */
  private requestKept(connection: NatsConnection, subject: string, data: Uint8Array, kept: Kept): { answer: Promise<Msg>; linkDropped(): boolean } {
    const asked = connection.request(subject, data, { timeout: kept.timeoutMs, ...(kept.headers ? { headers: kept.headers } : {}) });
    const { id, node, instance, chargePointId } = kept;
    const waiting: InFlight = {
      node,
      instance,
      ...(chargePointId !== undefined ? { chargePointId } : {}),
      deadline: performance.now() + kept.timeoutMs,
      dropped: false,
      owed: false,
      isAnswer: kept.isAnswer,
      answer: () => undefined,
      forgotten: () => undefined,
    };
    const answeredAgain = new Promise<Msg>((answer, fail) => {
      waiting.answer = answer;
      waiting.forgotten = () => fail(kept.forgottenError());
    });
    this.inFlight.set(id, waiting);
    const answer = this.untilLost(node, instance, Promise.race([asked, answeredAgain])).finally(() => this.inFlight.delete(id));
    return { answer, linkDropped: () => waiting.dropped };
  }

  /**
   * After this node's link dropped and came back, asks the process that had each waiting request
   * for its answer again: one sent while the link was down went to no one.
   */
  private askAgain(connection: NatsConnection): void {
    if (this.inFlight.size === 0) return;
    this.log.info({ requests: this.inFlight.size }, 'NATS link back: asking the other nodes again for the answers to the requests waiting on them');
    for (const [id, waiting] of this.inFlight) {
      waiting.dropped = true;
      // Sent by the node's name alone: the process that took it is the one the node's next
      // heartbeat names (the view starts afresh on this connection), unless it restarted
      // meanwhile, and then it says it has no record of the request.
      if (waiting.node === undefined || waiting.instance === undefined) waiting.owed = true;
      else this.askForAnswer(connection, id, waiting);
    }
  }

  /**
   * Asks a process for the answer to a request again. One with no record of it (it did not get it,
   * or not yet) lets the request wait on for its own answer; one not on NATS (its own link down
   * too: NATS restarted, say) is asked again when its next heartbeat is heard (`heard`). Heard, and
   * still without a subscriber there, it is a node of an earlier version, which keeps no answers:
   * asked at each of its heartbeats, it would be asked in vain until the request's deadline.
   */
  private askForAnswer(connection: NatsConnection, id: string, waiting: InFlight, heard = false): void {
    const timeout = Math.floor(waiting.deadline - performance.now());
    const { node, instance } = waiting;
    if (timeout <= 0 || node === undefined || instance === undefined) return;
    waiting.owed = false;
    connection.request(this.subjects.answer(node, instance), encode<AnswerRequest>({ id }), { timeout }).then(
      (msg) => {
        if (decode(AnswerForgotten, msg.data)) {
          this.log.warn({ peer: waiting.node, id }, 'the node asked again no longer keeps the answer (over its limits): the request may have been carried out');
          waiting.forgotten();
        } else if (waiting.isAnswer(msg.data)) waiting.answer(msg);
        else this.log.info({ peer: waiting.node, id }, 'the node asked again has no record of the request: waiting on for its answer');
      },
      (error: unknown) => {
        // Anything but "no responders" (no answer to this either): the request's own timeout says so.
        if (!(error instanceof NatsError && error.code === ErrorCode.NoResponders)) return;
        if (!heard) waiting.owed = true;
        else this.log.info({ peer: waiting.node, id }, 'the node asked again keeps no answers (a node of an earlier version): waiting on for its answer');
      },
    );
  }

  /** The request's outcome, unless the node it waits on is declared lost first, or the process asked (`instance`) is heard restarted. */
  private untilLost<T>(node: string | undefined, instance: string | undefined, request: Promise<T>): Promise<T> {
    if (node === undefined) return request;
    return new Promise<T>((resolve, reject) => {
      const waiter = { instance, fail: (error: Error) => reject(error) };
      const set = this.waiting.get(node) ?? new Set();
      this.waiting.set(node, set);
      set.add(waiter);
      const done = () => {
        set.delete(waiter);
        if (set.size === 0 && this.waiting.get(node) === set) this.waiting.delete(node);
      };
      request.then(
        (value) => (done(), resolve(value)),
        (error: unknown) => (done(), reject(error)),
      );
    });
  }

  private onConnect(connection: NatsConnection, fresh: boolean): void {
    // Whatever was heard before the outage may be stale; the others' next heartbeats rebuild it.
    // The nodes heard before it are still expected: one that died meanwhile is judged lost here
    // too (its waiting commands failed, its campaigns closed) rather than silently forgotten.
    this.view = ClusterView.after(this.view, this.now());
    this.ownHeardAt = this.now();
    this.listeningSince = this.ownHeardAt;
    this.silent = false;
    if (fresh) {
      // Replies owed on a connection now closed can no longer be given: their askers time out.
      this.unsentReplies.length = 0;
      connection.subscribe(this.subjects.heartbeat, { callback: (_e, msg) => this.onHeartbeat(msg) });
      connection.subscribe(this.subjects.left, { callback: (_e, msg) => this.onLeft(msg) });
      for (const subject of this.subjects.announcements) connection.subscribe(subject, { callback: (_e, msg) => this.onAnnouncement(msg) });
      // By the process too: a process it superseded (woken from a freeze) answers on the node's subject as well.
      connection.subscribe(this.subjects.holdings(this.nodeId, this.instance), { callback: (_e, msg) => this.onHoldingsRequest(msg) });
      connection.subscribe(this.subjects.holdings(this.nodeId), { callback: (_e, msg) => this.onHoldingsRequest(msg) });
      // Commands sent to this process by name: its own subject, shared with no other process.
      connection.subscribe(this.subjects.nodeCommands(this.nodeId, this.instance), {
        callback: (_e, msg) => {
          const chargePointId = this.subjects.parseNodeCommand(msg.subject);
          if (chargePointId !== undefined) this.onCommand(chargePointId, msg);
        },
      });
      connection.subscribe(this.subjects.answer(this.nodeId, this.instance), { callback: (_e, msg) => this.onAnswerRequest(msg) });
      for (const [id, holding] of this.holdings) holding.subscription = this.subscribeCommands(connection, id);
      for (const service of this.services.keys()) this.subscribeService(connection, service);
    } else {
      for (const { msg, data } of this.unsentReplies.splice(0)) this.reply(msg, data);
      this.askAgain(connection);
    }
    this.publishHeartbeat();
  }

  private subscribeCommands(connection: NatsConnection, chargePointId: string): Subscription | undefined {
    // A queue group: should a stale holder still be subscribed during a takeover, only one of the
    // two gets the command, never both.
    try {
      return connection.subscribe(this.subjects.command(chargePointId), { queue: HOLDER_QUEUE, callback: (_e, msg) => this.onCommand(chargePointId, msg) });
    } catch (error) {
      // The connection closed meanwhile; the next connection subscribes every holding.
      this.log.debug({ chargePointId, err: (error as Error).message }, 'could not subscribe to commands');
      return undefined;
    }
  }

  private subscribeService(connection: NatsConnection, service: string): void {
    const handler = this.services.get(service)!;
    const callback = (_error: unknown, msg: Msg) => {
      // NATS refuses a message over the server's limit (1 MB by default): the handler must fit.
      const work = () => handler(msg.data, connection.info?.max_payload ?? DEFAULT_MAX_PAYLOAD);
      // Kept while its asker waits, should its link drop (askHeaders); an asker of an older version names none.
      const named = askNamed(msg.headers);
      const forgotten = () => encode<AnswerForgotten>({ node: this.nodeId, unknown: true, forgotten: true });
      this.answer(msg, named?.id, named?.waitMs ?? 0, work, forgotten, (error) => this.log.error({ err: error, service }, 'a request from another node failed unanswered'));
    };
    connection.subscribe(this.subjects.ask(this.nodeId, service, this.instance), { callback });
    // By the node's name too, for an asker that does not know this process (yet), or of an earlier
    // version. A queue group, as for commands: two processes under one node id (a
    // misconfiguration, logged) must not both do what was asked.
    connection.subscribe(this.subjects.ask(this.nodeId, service), { queue: HOLDER_QUEUE, callback });
  }

  private onCommand(chargePointId: string, msg: Msg): void {
    const request = decode(CommandRequest, msg.data);
    if (!request) return this.respond(msg, errorReply(this.nodeId, new CommandFailed(`Node ${this.nodeId} got an unreadable command request`)));
    // Kept for as long as its asker may still wait for it: the time it had to be sent and the asker's margin beyond it.
    const keptMs = (request.sendWithinMs ?? this.options.sendWithinMs ?? 0) + this.options.requestTimeoutMs;
    const work = () => this.carryOut(chargePointId, request).then((reply) => encode(reply));
    const forgotten = () =>
      encode(
        errorReply(
          this.nodeId,
          new CommandFailed(
            `Node ${this.nodeId} had this command request before and no longer keeps its answer (it keeps only its latest answers); it is not carried out again, and may have been carried out`,
          ),
        ),
      );
    // carryOut turns every failure into a reply.
    this.answer(msg, request.id, keptMs, work, forgotten, () => undefined);
  }

  /** Works out the answer to a request from another node (answerOnce) and sends it; a stop waits until it is sent (close). */
  private answer(msg: Msg, id: string | undefined, keptMs: number, work: () => Promise<Uint8Array>, forgotten: () => Uint8Array, failed: (error: unknown) => void): void {
    const sent = this.answerOnce(id, keptMs, work, forgotten).then((data) => this.reply(msg, data), failed);
    this.replying.add(sent);
    void sent.then(() => this.replying.delete(sent));
  }

  private respond(msg: Msg, body: CommandReply | AnswerUnknown): void {
    this.reply(msg, encode(body));
  }

  /**
   * Answers a request from another node: now, or once the link is back when it is down. A
   * connection closed for good under it leaves the asker to learn it from its own side.
   */
  private reply(msg: Msg, data: Uint8Array): void {
    if (!this.link.up) return void this.unsentReplies.push({ msg, data });
    try {
      msg.respond(data);
    } catch (error) {
      this.log.warn({ subject: msg.subject, err: (error as Error).message }, 'could not answer a request from another node');
    }
  }

  /**
   * The answer to a request from another node that names itself by `id`: worked out once, and
   * kept for `keptMs` after it is given (counted from then, as its asker's wait is longer than the
   * work), in case the asker's link drops meanwhile and it asks again (onAnswerRequest). A request
   * whose id came before is given the same answer, never worked out twice; once that answer is
   * forgotten (past the limits of what is kept), the `forgotten` answer. Without an id (an asker of
   * an older version), only worked out.
   */
  private answerOnce(id: string | undefined, keptMs: number, work: () => Promise<Uint8Array>, forgotten: () => Uint8Array): Promise<Uint8Array> {
    if (id === undefined) return work();
    const kept = this.answers.get(id);
    if (kept === 'forgotten') return Promise.resolve(forgotten());
    return kept ?? this.answers.work(id, keptMs, work);
  }

  private onAnswerRequest(msg: Msg): void {
    const request = decode(AnswerRequest, msg.data);
    const kept = request && this.answers.get(request.id);
    const unknown = () => this.respond(msg, { node: this.nodeId, unknown: true });
    if (kept === 'forgotten') return this.reply(msg, encode<AnswerForgotten>({ node: this.nodeId, unknown: true, forgotten: true }));
    if (!kept) return unknown();
    kept.then((data) => this.reply(msg, data), unknown);
  }

  /** Carries out a command request from another node; every outcome is a reply, failures included. */
  private async carryOut(chargePointId: string, request: CommandRequest): Promise<CommandReply> {
    const holding = this.holdings.get(chargePointId);
    if (!holding) return errorReply(this.nodeId, new ChargePointNotConnected(`Charge point "${chargePointId}" is no longer connected to node ${this.nodeId}`));
    this.log.debug({ chargePointId, from: request.from, command: request.command.kind }, 'command from another node');
    // Cut off from the others for longer than a node is judged lost after (our own heartbeats did
    // not come back: a stalled link; or our own ticks stopped: a frozen process): the asker may
    // have failed this request already ("node lost", untilLost), long before its time to be sent
    // ran out. Carried out now, it would happen after the operator was told it failed.
    const now = this.now();
    if (this.linkSilent(now) || now - this.lastTick > this.lostAfterMs) {
      this.log.warn({ chargePointId, from: request.from, command: request.command.kind }, 'a command from another node arrived while this node was cut off from the others: not sent');
      return errorReply(
        this.nodeId,
        new CommandTimedOut(
          `The command was not sent to charge point "${chargePointId}": it reached node ${this.nodeId} while that node was cut off from the others for longer than a node is judged lost after; it was not carried out, so retrying is safe`,
        ),
      );
    }
    // Counted from now, and ending no later than the asker's own time to send it (by the clocks,
    // which are kept in step anyway for takeovers, give or take CLOCK_SKEW_MS).
    let sendWithinMs = request.sendWithinMs ?? this.options.sendWithinMs;
    if (request.sendWithinMs !== undefined && request.sentAt !== undefined) {
      const ageMs = Date.now() - request.sentAt;
      const leftMs = request.sendWithinMs + CLOCK_SKEW_MS - ageMs;
      if (leftMs <= 0) {
        // The hop stalled (NATS, or this node frozen) until the asker gave up, or nearly: sent now,
        // it would be carried out after the operator was told it timed out.
        this.log.warn({ chargePointId, from: request.from, command: request.command.kind, ageMs }, 'a command from another node arrived after its time to be sent: not sent');
        return errorReply(
          this.nodeId,
          new CommandTimedOut(
            `The command was not sent to charge point "${chargePointId}": it reached node ${this.nodeId} ${ageMs} ms after node ${request.from} sent it, past its time to be sent (the link between them stalled); it was not carried out, so retrying is safe`,
          ),
        );
      }
      sendWithinMs = Math.min(request.sendWithinMs, leftMs);
    }
    const sendBy = sendDeadline(sendWithinMs);
    try {
      return { node: this.nodeId, result: await holding.target.execute(request.command, sendBy) };
    } catch (error) {
      return errorReply(this.nodeId, error);
    }
  }

  private onAnnouncement(msg: Msg): void {
    const parsed = this.subjects.parseAnnouncement(msg.subject);
    if (!parsed) return;
    const { chargePointId, kind } = parsed;
    if (kind === 'released') {
      const body = decode(Released, msg.data);
      if (!body || body.node === this.nodeId) return;
      this.view.unclaim(chargePointId, body.node, this.now(), body.instance);
      this.fetching.get(body.node)?.push({ chargePointId, instance: body.instance });
      return;
    }
    if (kind === 'end') {
      const body = decode(EndConnection, msg.data);
      if (body && body.node !== this.nodeId) this.endHere(chargePointId, body.reason);
      return;
    }
    if (kind === 'left-running') {
      const body = decode(SessionsLeftRunning, msg.data);
      // Our own note comes back too (NATS echoes it): this process knew it first.
      if (body && body.instance !== this.instance) this.options.onSessionsLeftRunning?.(chargePointId, body.atOnce);
      return;
    }
    const body = decode(Takeover, msg.data);
    if (!body || body.node === this.nodeId) return;
    this.view.claim(chargePointId, body.node, body.since, this.now(), body.instance);
    this.fetching.get(body.node)?.push({ chargePointId, since: body.since, instance: body.instance });
    this.settle(chargePointId, body);
  }

  /** Another node claims a charge point held here: the newer connection wins on both sides. */
  private settle(chargePointId: string, claim: Claim): void {
    const holding = this.holdings.get(chargePointId);
    if (!holding) return;
    if (newer(claim, { node: this.nodeId, since: holding.since })) {
      this.log.info({ chargePointId, newHolder: claim.node }, 'charge point taken over by another node: closing its connection here');
      this.drop(chargePointId, holding);
      holding.target.release?.(`Connected to node ${claim.node}`);
    } else {
      // Ours is the newer connection: say so again, so the other node lets go of its older one.
      this.link.publish(this.subjects.takeover(chargePointId), encode<Takeover>({ node: this.nodeId, since: holding.since, instance: this.instance }));
    }
  }

  private onHeartbeat(msg: Msg): void {
    const body = decode(Heartbeat, msg.data);
    if (!body) return;
    if (body.node === this.nodeId) {
      if (body.instance === this.instance) this.ownHeardAt = this.now();
      else this.duplicateHeard(body.instance);
      return;
    }
    // An earlier process of that node, woken beside the one that replaced it: not heard.
    if (this.view.superseded(body.node, body.instance, body.startedAt)) return;
    // Another process under that node's id: restarted (a crash and its supervisor, faster than it
    // would be judged lost). What the earlier process was asked will not be answered.
    const earlier = this.view.lastInstance(body.node);
    if (earlier !== undefined && earlier !== body.instance) this.failRestarted(body.node, earlier);
    if (this.view.heartbeat(body.node, body.instance, body.count, body.digest, this.now(), body.startedAt)) void this.fetchHoldings(body.node);
    this.askOwed(body.node, body.instance);
  }

  /**
   * Asks a process just heard (its heartbeat, or its holdings read) for the answers owed by it
   * since this node's link came back: to requests sent to it, by its node's name alone, or on the
   * charge point's own subject when the view now names its node as the holder.
   */
  private askOwed(node: string, instance: string): void {
    const connection = this.link.connection;
    if (!connection) return;
    for (const [id, waiting] of this.inFlight) {
      if (!waiting.owed) continue;
      const asked = waiting.node ?? (waiting.chargePointId === undefined ? undefined : this.view.holder(waiting.chargePointId)?.node);
      if (asked !== node || (waiting.instance ?? instance) !== instance) continue;
      waiting.node = node;
      waiting.instance = instance;
      this.askForAnswer(connection, id, waiting, true);
    }
  }

  /**
   * Another process runs under this node's id. Said loudly, but once a minute per process, not
   * with each of its heartbeats: the condition lasts until an operator renames or stops one.
   */
  private duplicateHeard(instance: string): void {
    const now = this.now();
    if ((this.duplicatesToldAt.get(instance) ?? -Infinity) > now - DUPLICATE_REPORT_MS) return;
    for (const [other, at] of this.duplicatesToldAt) if (at <= now - DUPLICATE_REPORT_MS) this.duplicatesToldAt.delete(other);
    this.duplicatesToldAt.set(instance, now);
    this.log.error({ otherInstance: instance }, 'another running node has the same node id (TOMADA_NODE_ID): commands and presence will be confused; give each node its own');
  }

  /** Reads a node's full list of holdings (its digest differed from ours), page by page. */
  private async fetchHoldings(node: string): Promise<void> {
    const connection = this.link.connection;
    if (!connection || this.fetching.has(node)) return;
    const heardMeanwhile: Announcement[] = [];
    this.fetching.set(node, heardMeanwhile);
    // Asked of the process the view takes for the node; of the node by name when that one does not
    // answer there and is of an earlier version (its heartbeats say no start time). One of this
    // version that does not answer is gone, and another process answering by the name (a process
    // it superseded, woken) would give its own list.
    const instance = this.view.instanceOf(node);
    const byNameToo = !this.view.announcesStart(node);
    let subject = this.subjects.holdings(node, instance);
    const ask = (body: Uint8Array) =>
      connection.request(subject, body, { timeout: 5_000 }).catch((error: unknown) => {
        if (!(error instanceof NatsError && error.code === ErrorCode.NoResponders) || instance === undefined || !byNameToo) throw error;
        subject = this.subjects.holdings(node);
        return connection.request(subject, body, { timeout: 5_000 });
      });
    try {
      const all: [string, number][] = [];
      let snapshot: string | undefined;
      for (let total = Infinity; all.length < total; ) {
        const msg = await ask(encode<HoldingsRequest>(all.length === 0 ? { offset: 0, copy: true } : { offset: all.length, snapshot }));
        const page = decode(HoldingsReply, msg.data);
        if (!page) throw new Error('unreadable holdings page');
        if (all.length === 0) snapshot = page.snapshot;
        else if (page.snapshot !== snapshot) throw new Error('the copy of the holdings being read is no longer kept');
        total = page.total;
        if (page.holdings.length === 0) break;
        all.push(...page.holdings);
      }
      if (!this.view.replaceClaims(node, all, this.now(), instance)) return;
      // What the node announced while its list was read (taken at some moment during the read),
      // again and in order: each charge point ends as its latest announcement left it.
      const now = this.now();
      for (const heard of heardMeanwhile) {
        if (heard.since !== undefined) this.view.claim(heard.chargePointId, node, heard.since, now, heard.instance);
        else this.view.unclaim(heard.chargePointId, node, now, heard.instance);
      }
      // Settled as the view has them now: a charge point the node has let go of since the copy was
      // taken may be held here by a newer connection.
      for (const [id] of all) {
        const claim = this.view.holder(id);
        if (claim?.node === node) this.settle(id, claim);
      }
      if (instance !== undefined) this.askOwed(node, instance);
      this.log.debug({ peer: node, count: all.length }, 'holdings of another node read');
    } catch (error) {
      // The next heartbeat's digest will differ again and bring another attempt.
      this.log.debug({ peer: node, err: (error as Error).message }, 'could not read the holdings of another node');
    } finally {
      this.fetching.delete(node);
    }
  }

  private onHoldingsRequest(msg: Msg): void {
    const reply = this.holdingsPages.page(decode(HoldingsRequest, msg.data), this.holdings);
    msg.respond(encode<HoldingsReply>(reply));
  }

  private tick(): void {
    const now = this.now();
    const late = now - this.lastTick > 2 * this.options.heartbeatMs;
    this.lastTick = now;
    this.answers.sweep();
    this.holdingsPages.sweep();
    this.publishHeartbeat();
    // Cut off from NATS, this node hears nobody: that says nothing about the others.
    if (!this.link.up) return;
    // Our own heartbeat has not come back: the link is silent (half-open TCP, a stalled path)
    // though not closed yet, and the others' silence is our outage, not theirs. Or this tick came
    // late: our own event loop was blocked, and their heartbeats may still be unread. Either way,
    // judge them once we hear again.
    if (this.noticeSilence(now) || late) return this.view.forgiveAll(now);
    // A node is lost when our own heartbeat came back more than lostAfterMs after its last one: its
    // silence is measured on a link seen to carry messages. Measured against the clock, a node
    // whose last heartbeat came a little before our own last one, just before the link stalled,
    // was judged lost before our own silence showed (1 run in 4 of test/cluster/stalled-link.test.ts).
    // The price: a node is judged lost up to one heartbeat later.
    for (const { node, chargePointIds } of this.view.expire(this.ownHeardAt)) {
      this.log.warn({ lostNode: node, chargePoints: chargePointIds.length }, 'node lost: no heartbeat; its charge points no longer count as connected');
      this.failWaiting(node, `Node ${node} was lost (no heartbeat) before it answered the request, which may have been carried out`);
      this.options.onNodeLost?.(node, chargePointIds);
    }
  }

  private onLeft(msg: Msg): void {
    const body = decode(Left, msg.data);
    if (!body || body.node === this.nodeId) return;
    const chargePointIds = this.view.leave(body.node, body.instance);
    if (!chargePointIds) return;
    this.log.info({ leftNode: body.node, chargePoints: chargePointIds.length }, 'node left: it stopped; its charge points no longer count as connected');
    // Answers the node sent before it left (a stop sends those it finishes first) may have come in
    // the same read from NATS: their requests settle in promise jobs after this callback, so the
    // waits are failed only after those have run.
    setImmediate(() => this.failWaiting(body.node, `Node ${body.node} stopped before it answered the request, which may have been carried out`));
    this.options.onNodeLeft?.(body.node, chargePointIds);
  }

  /** Fails at once the commands waiting on a node that will not answer them. */
  private failWaiting(node: string, message: string): void {
    const error = new CommandFailed(message);
    for (const waiter of this.waiting.get(node) ?? []) waiter.fail(error);
    this.waiting.delete(node);
  }

  /** Fails at once the requests asked of a process of a node that has restarted since. */
  private failRestarted(node: string, instance: string): void {
    const waiters = [...(this.waiting.get(node) ?? [])].filter((waiter) => waiter.instance === instance);
    if (waiters.length === 0) return;
    this.log.warn({ peer: node, requests: waiters.length }, 'node restarted: the requests its earlier process had are failed');
    const error = new CommandFailed(`Node ${node} restarted before it answered the request, which may have been carried out`);
    for (const waiter of waiters) waiter.fail(error);
  }

  private linkSilent(now: number): boolean {
    return now - this.ownHeardAt > this.lostAfterMs;
  }

  /** Whether the link is silent now; says so in the log when that changes. */
  private noticeSilence(now: number): boolean {
    const silent = this.linkSilent(now);
    if (silent && !this.silent) this.log.warn({ silentMs: now - this.ownHeardAt }, 'NATS link silent: our own heartbeat does not come back; no other node is judged lost until it does');
    else if (!silent && this.silent) this.log.info('NATS link carries messages again');
    this.silent = silent;
    return silent;
  }

  private publishHeartbeat(): void {
    this.link.publish(this.subjects.heartbeat, encode<Heartbeat>({ node: this.nodeId, instance: this.instance, startedAt: this.startedAt, count: this.digest.count, digest: this.digest.value }));
  }
}
