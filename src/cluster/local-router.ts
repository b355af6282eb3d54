// Routes commands to sessions held by this process. The NATS router (several nodes) implements
// the same interface.
import type { CommandRouter, CommandTarget } from '../domain/commands.js';
import { ChargePointNotConnected } from '../domain/errors.js';
import type { Command, CommandResult } from '../domain/model.js';

export class LocalRouter implements CommandRouter {
  private readonly targets = new Map<string, CommandTarget>();

  attach(chargePointId: string, target: CommandTarget): () => void {
    this.targets.set(chargePointId, target);
    return () => {
      // A newer session of the same charge point may have replaced this one meanwhile.
      if (this.targets.get(chargePointId) === target) this.targets.delete(chargePointId);
    };
  }

  isConnected(chargePointId: string): boolean {
    return this.targets.has(chargePointId);
  }

  connectedCount(): number {
    return this.targets.size;
  }

  async send(chargePointId: string, command: Command): Promise<CommandResult> {
    const target = this.targets.get(chargePointId);
    if (!target) throw new ChargePointNotConnected(`Charge point "${chargePointId}" is not connected`);
    return target.execute(command);
  }
}
