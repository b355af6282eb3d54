// Routes commands to sessions held by this process. The NATS router (several nodes) implements
// the same interface.
import type { CommandRouter, CommandTarget } from '../domain/commands.js';
import { ChargePointNotConnected } from '../domain/errors.js';
import type { Command, CommandResult } from '../domain/model.js';

/**
 * Finds a target for a charge point that holds no session here: a SOAP charge point is reached
 * at its stored endpoint even before it has spoken to this process.
 */
export type TargetResolver = (chargePointId: string) => Promise<CommandTarget | undefined>;

/** The performance.now() time `withinMs` from now; undefined without a limit. */
export function sendDeadline(withinMs: number | undefined): number | undefined {
  return withinMs === undefined ? undefined : performance.now() + withinMs;
}

export interface LocalRouterOptions {
  /**
   * How long a command may wait behind earlier commands to its charge point before it is sent;
   * then it waits up to the call timeout for the answer. Absent: no limit.
   */
  sendWithinMs?: number;
}

/**
 * How long an end asked for a charge point's connection is remembered, for a handshake admitted
 * before it and opened after: the longest TOMADA_HANDSHAKE_TIMEOUT_MS allows. An entry per edit
 * of a charge point's security settings, which are rare.
 */
const ENDS_REMEMBERED_MS = 600_000;

export class LocalRouter implements CommandRouter {
  private readonly targets = new Map<string, CommandTarget>();
  /** The last end asked for each charge point's connection, recently: when, and why. */
  private readonly ended = new Map<string, { at: number; reason: string }>();

  constructor(
    private readonly resolve: TargetResolver = async () => undefined,
    private readonly options: LocalRouterOptions = {},
  ) {}

  attach(chargePointId: string, target: CommandTarget): () => void {
    this.targets.set(chargePointId, target);
    return () => {
      // A newer session of the same charge point may have replaced this one meanwhile.
      if (this.targets.get(chargePointId) === target) this.targets.delete(chargePointId);
    };
  }

  endedSince(chargePointId: string, since: number): string | undefined {
    const end = this.ended.get(chargePointId);
    return end !== undefined && end.at >= since ? end.reason : undefined;
  }

  /**
   * Remembers that the charge point's connections are to end, for a handshake still in flight
   * (endedSince). Noted when this node learns of it: a handshake admitted just after the edit, but
   * before this node heard of it, is ended too, and reconnects once more.
   */
  noteEnd(chargePointId: string, reason: string): void {
    const end = { at: performance.now(), reason };
    this.ended.set(chargePointId, end);
    setTimeout(() => {
      if (this.ended.get(chargePointId) === end) this.ended.delete(chargePointId);
    }, ENDS_REMEMBERED_MS).unref();
  }

  isConnected(chargePointId: string): boolean {
    return this.targets.has(chargePointId);
  }

  endConnection(chargePointId: string, reason: string): void {
    this.noteEnd(chargePointId, reason);
    this.targets.get(chargePointId)?.release?.(reason);
  }

  async send(chargePointId: string, command: Command): Promise<CommandResult> {
    const sendBy = sendDeadline(this.options.sendWithinMs);
    // A resolved target is used once, not attached: it does not make the charge point count as
    // connected, and cannot displace a session that attaches meanwhile.
    const target = this.targets.get(chargePointId) ?? (await this.resolve(chargePointId));
    if (!target) throw new ChargePointNotConnected(`Charge point "${chargePointId}" is not connected`);
    return target.execute(command, sendBy);
  }
}
