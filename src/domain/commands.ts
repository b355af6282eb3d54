// Operator commands to charge points. The domain only knows a router that delivers a command to
// the session holding the charge point, on this node or another (src/cluster implements it).
import type { Store } from '../store/store.js';
import type { ActivityFeed } from './activity.js';
import { Conflict, UnknownChargePoint } from './errors.js';
import type { ChargePoint, Command, CommandResult, RegistrationStatus } from './model.js';

/** The one place that talks to a charge point's connection: its live session. */
export interface CommandTarget {
  /**
   * `sendBy` (a performance.now() time): the caller waits for the answer until one call timeout
   * after it, so a command not sent by then fails with CommandTimedOut and is never sent. Absent:
   * it waits for its turn however long that takes.
   */
  execute(command: Command, sendBy?: number): Promise<CommandResult>;
  /**
   * End this connection, for `reason`: the charge point now holds a newer connection with another
   * node, or what it was admitted under has changed. Absent where there is no connection to end
   * (a SOAP charge point is reached by HTTP from any node, and admitted at each message).
   */
  release?(reason: string): void;
}

/** With several nodes: the cluster as one node sees it, for operators. */
export interface ClusterStatus {
  /** This node's id (TOMADA_NODE_ID). */
  node: string;
  /** Whether this node reaches the others through NATS now (its own heartbeat comes back). */
  natsUp: boolean;
  /** This node first, then every other node it hears from: the charge points each holds. */
  nodes: { node: string; self: boolean; chargePoints: number; lastHeardMsAgo: number }[];
}

/**
 * With several nodes: requests to one named node over NATS, for work only that node can do (a
 * validation campaign runs on the node holding its charge point's connection).
 */
export interface NodeRequests {
  readonly nodeId: string;
  /**
   * The named node's answer; throws NodeUnreachable when it does not answer within `timeoutMs`.
   * The node does the work once: an answer lost to a short drop of a link is asked for again.
   */
  ask(node: string, service: string, body: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  /**
   * Answers what other nodes ask this one under `service`. The handler answers its own failures,
   * in at most `maxAnswerBytes` (NATS's limit on one message).
   */
  serve(service: string, handler: (body: Uint8Array, maxAnswerBytes: number) => Promise<Uint8Array>): void;
}

export interface CommandRouter {
  /** Makes `target` the charge point's live session; returns a function that removes it again. */
  attach(chargePointId: string, target: CommandTarget): () => void;
  isConnected(chargePointId: string): boolean;
  /** With several nodes: the node holding the charge point's session; undefined when none is known, or on one node. */
  holderOf?(chargePointId: string): string | undefined;
  /** With several nodes: the cluster as this node sees it; absent on one node. */
  cluster?(): ClusterStatus;
  /** Delivers the command; throws ChargePointNotConnected, CommandTimedOut or CommandFailed. */
  send(chargePointId: string, command: Command): Promise<CommandResult>;
  /**
   * Ends the charge point's live connection, on whichever node holds it, so that it must connect
   * again and be admitted under its settings as they are now. Nothing where none is held.
   */
  endConnection(chargePointId: string, reason: string): void;
  /**
   * Why the charge point's connections were asked to end (endConnection, on any node) at or after
   * `since` (a performance.now() time), if they were: a connection whose admission began before
   * then read settings that may have changed, and was not there yet to be ended.
   */
  endedSince(chargePointId: string, since: number): string | undefined;
}

/**
 * What OCPP forbids the central system to send a charge point whose boot was not answered
 * Accepted, by the registry or by the software policy (OCPP 1.6, BootNotification): nothing at all
 * while Rejected, which the charge point must not answer anyway (the command would only time out);
 * no remote start or stop while Pending, which would start a session the charge point may not
 * report (its StartTransaction is refused until it is Accepted).
 */
function refusedByRegistration(registration: RegistrationStatus, command: Command): string | undefined {
  if (registration === 'Rejected') return 'OCPP has the central system send it nothing until a boot of it is answered Accepted';
  if (registration === 'Pending' && (command.kind === 'remoteStart' || command.kind === 'remoteStop')) {
    return 'OCPP allows no remote start or stop until a boot of it is answered Accepted';
  }
  return undefined;
}

/** The registration the software policy holds an Accepted charge point to, if any (Registry.softwareHold). */
export type SoftwareHold = (chargePoint: ChargePoint) => Promise<RegistrationStatus | undefined>;

export class Commands {
  constructor(
    private readonly store: Store,
    private readonly router: CommandRouter,
    private readonly activity?: ActivityFeed,
    private readonly softwareHold: SoftwareHold = async () => undefined,
  ) {}

  /** See CommandRouter.endConnection. */
  endConnection(chargePointId: string, reason: string): void {
    this.router.endConnection(chargePointId, reason);
  }

  /**
   * `byCampaign`: sent by a validation campaign, which answers its charge point's boots itself
   * (Accepted, or Pending when a case arms it), whatever the registry holds, and so knows what the
   * charge point was told: the registry's registration does not hold its commands back.
   */
  async send(chargePointId: string, command: Command, options: { byCampaign?: boolean } = {}): Promise<CommandResult> {
    const chargePoint = await this.store.getChargePoint(chargePointId);
    if (!chargePoint) throw new UnknownChargePoint(chargePointId);
    if (!options.byCampaign) {
      // What its boot was answered: the registry's registration, or the software policy's hold
      // (under `pending` an Accepted charge point with unvalidated software is answered Pending).
      const held = chargePoint.registrationStatus === 'Accepted' ? await this.softwareHold(chargePoint) : undefined;
      const registration = held ?? chargePoint.registrationStatus;
      // OCPP 1.5 has no Pending: its boot was answered Rejected (adapters/v15.ts), and it is held to
      // what it was told, as a 1.6 charge point told Rejected is (until 2026-12-07 it got Reset and
      // UnlockConnector).
      const told = registration === 'Pending' && chargePoint.ocppVersion === '1.5' ? 'Rejected' : registration;
      const refusal = refusedByRegistration(told, command);
      const why = `${held ? ' (its software is not validated by the network)' : ''}${told !== registration ? ', and its boot was answered Rejected (OCPP 1.5 has no Pending)' : ''}`;
      if (refusal) throw new Conflict(`Charge point "${chargePointId}" is ${registration}${why}: ${refusal}; the command was not sent`);
    }
    try {
      const result = await this.router.send(chargePointId, command);
      this.activity?.emit({ kind: 'command', at: new Date().toISOString(), chargePointId, command, result });
      return result;
    } catch (error) {
      this.activity?.emit({ kind: 'command', at: new Date().toISOString(), chargePointId, command, error: (error as Error).message });
      throw error;
    }
  }
}
