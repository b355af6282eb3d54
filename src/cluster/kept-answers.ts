// The answers this node gave to other nodes' requests named by an id (commands, and requests by
// name), kept a while: an asker whose NATS link dropped asks for its answer again (AnswerRequest),
// and a request whose id came before is given the answer it had, never worked out twice.
//
// Bounded by count and by bytes: past either, the answers given longest ago are forgotten first.
// A forgotten answer leaves its id behind until its keep time ends (an id and a time, under 200
// bytes), so that its request, coming again, or its asker, asking again, is told the answer is no
// longer kept and the work may have been done, rather than having it worked out again or being
// made to wait for an answer that will not come. Answers still being worked out are not counted:
// they are bounded by the work in flight.

export interface KeptAnswerLimits {
  /** At most this many answers given are kept. */
  maxCount: number;
  /** At most this many bytes of answers given (and their ids) are kept. */
  maxBytes: number;
}

/**
 * Enough for about 30 s of commands at 600 a second through other nodes (an asker's link is back,
 * and asks again, within seconds), and for 32 of the largest API answers (1 MB each).
 */
export const DEFAULT_KEPT_ANSWER_LIMITS: KeptAnswerLimits = { maxCount: 20_000, maxBytes: 32 * 1024 * 1024 };

export type KeptAnswer = Promise<Uint8Array> | 'forgotten' | undefined;

interface Given {
  data: Uint8Array;
  /** Date.now() time after which it is no longer kept. */
  until: number;
}

export class KeptAnswers {
  private readonly working = new Map<string, Promise<Uint8Array>>();
  /** Answers given, the oldest first. */
  private readonly given = new Map<string, Given>();
  private givenBytes = 0;
  /** Ids of answers forgotten before their keep time ended, with when it ends. */
  private readonly forgotten = new Map<string, number>();

  constructor(
    readonly limits: KeptAnswerLimits = DEFAULT_KEPT_ANSWER_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** How many answers given are kept, and their bytes (ids included). */
  get size(): { count: number; bytes: number } {
    return { count: this.given.size, bytes: this.givenBytes };
  }

  /** The answer to the request named `id`: being worked out or given, forgotten, or unknown. */
  get(id: string): KeptAnswer {
    const working = this.working.get(id);
    if (working) return working;
    const now = this.now();
    const given = this.given.get(id);
    if (given && given.until >= now) return Promise.resolve(given.data);
    const forgottenUntil = this.forgotten.get(id);
    return forgottenUntil !== undefined && forgottenUntil >= now ? 'forgotten' : undefined;
  }

  /**
   * Works out the answer to a request named `id` not seen before, and keeps it for `keptMs` once
   * given. A failure (nothing was answered) is not kept: there is nothing to give again.
   */
  work(id: string, keptMs: number, work: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const answer = work();
    this.working.set(id, answer);
    answer.then(
      (data) => {
        this.working.delete(id);
        this.keep(id, data, this.now() + keptMs);
      },
      () => this.working.delete(id),
    );
    return answer;
  }

  /** Drops what is past its keep time. */
  sweep(): void {
    const now = this.now();
    for (const [id, given] of this.given) if (given.until < now) this.drop(id, given);
    for (const [id, until] of this.forgotten) if (until < now) this.forgotten.delete(id);
  }

  private keep(id: string, data: Uint8Array, until: number): void {
    const previous = this.given.get(id);
    if (previous) this.drop(id, previous);
    // Larger than all that may be kept: forgotten at once, rather than the others for nothing.
    if (bytesOf(id, data) > this.limits.maxBytes) return void this.forgotten.set(id, until);
    this.given.set(id, { data, until });
    this.givenBytes += bytesOf(id, data);
    for (const [oldId, old] of this.given) {
      if (this.given.size <= this.limits.maxCount && this.givenBytes <= this.limits.maxBytes) break;
      this.drop(oldId, old);
      this.forgotten.set(oldId, old.until);
    }
  }

  private drop(id: string, given: Given): void {
    this.given.delete(id);
    this.givenBytes -= bytesOf(id, given.data);
  }
}

function bytesOf(id: string, data: Uint8Array): number {
  return id.length + data.byteLength;
}
