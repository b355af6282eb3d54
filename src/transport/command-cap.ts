// A cap on the operator commands waiting for one charge point (the one in flight plus those
// queued behind it). Beyond it a new command fails at once with CommandFailed, which the API
// answers 502: the command was not sent, so retrying later is safe.
import { CommandFailed } from '../domain/errors.js';

export const DEFAULT_MAX_QUEUED_COMMANDS = 10;

export class CommandCap {
  private pending = 0;

  constructor(
    private readonly chargePointId: string,
    private readonly limit: number = DEFAULT_MAX_QUEUED_COMMANDS,
  ) {}

  /** Commands waiting or in flight. */
  get size(): number {
    return this.pending;
  }

  /** Runs `send` unless `limit` commands are already waiting; then fails at once. */
  async run<T>(send: () => Promise<T>): Promise<T> {
    if (this.pending >= this.limit) {
      throw new CommandFailed(
        `Charge point "${this.chargePointId}" already has ${this.pending} commands waiting for an answer (at most ${this.limit}); this one was not sent, try again later`,
      );
    }
    this.pending++;
    try {
      return await send();
    } finally {
      this.pending--;
    }
  }
}
