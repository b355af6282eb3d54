// The operator commands of one charge point on this node: one in flight, the others waiting in
// order behind it, at most a capped number in all (CommandCap). A command may have to be sent by a
// deadline: whoever asked for it (the API here, or another node) stops waiting for its answer one
// call timeout after that. One still waiting at its deadline fails at once with CommandTimedOut
// and is never sent, so a command reported as timed out is not carried out later.
import { CommandTimedOut } from '../domain/errors.js';
import { CommandCap } from './command-cap.js';

export class CommandQueue {
  private readonly cap: CommandCap;
  /** The commands waiting for their turn, each a function that sends it (or fails it when late). */
  private readonly waiting: (() => void)[] = [];
  private busy = false;

  constructor(
    private readonly chargePointId: string,
    limit?: number,
  ) {
    this.cap = new CommandCap(chargePointId, limit);
  }

  /** Commands waiting or in flight. */
  get size(): number {
    return this.cap.size;
  }

  /**
   * Runs `send` once every command before it is done. `sendBy` (a performance.now() time): if its
   * turn has not come by then, it fails with CommandTimedOut and `send` never runs.
   */
  run<T>(send: () => Promise<T>, sendBy?: number): Promise<T> {
    return this.cap.run(() => new Promise<T>((resolve, reject) => this.enqueue(send, sendBy, resolve, reject)));
  }

  private enqueue<T>(send: () => Promise<T>, sendBy: number | undefined, resolve: (value: T) => void, reject: (error: Error) => void): void {
    const queuedAt = performance.now();
    const late = () => sendBy !== undefined && performance.now() >= sendBy;
    const notSent = () => this.notSent(performance.now() - queuedAt);
    const turn = () => {
      clearTimeout(timer);
      // Timers may fire late: the deadline is checked again when the turn comes.
      if (late()) {
        reject(notSent());
        return this.next();
      }
      send()
        .then(resolve, reject)
        .finally(() => this.next());
    };
    const timer = sendBy === undefined ? undefined : setTimeout(() => this.drop(turn) && reject(notSent()), Math.max(0, sendBy - performance.now()));
    this.waiting.push(turn);
    if (!this.busy) this.next();
  }

  /** Takes a command out of the queue; false when its turn has come already. */
  private drop(turn: () => void): boolean {
    const index = this.waiting.indexOf(turn);
    if (index >= 0) this.waiting.splice(index, 1);
    return index >= 0;
  }

  private next(): void {
    const turn = this.waiting.shift();
    this.busy = turn !== undefined;
    turn?.();
  }

  private notSent(waitedMs: number): CommandTimedOut {
    return new CommandTimedOut(
      `The command was not sent to charge point "${this.chargePointId}": it waited ${Math.round(waitedMs)} ms behind earlier commands to it, as long as its caller could wait; it was not carried out, so retrying is safe`,
    );
  }
}
