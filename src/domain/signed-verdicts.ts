// Each signed value's verdict, remembered by the node that made it: a session's signed-meter status
// is recomputed from all its signed values at each of its messages, and verifying each one again
// (key import, parse, ECDSA: 0.14 ms on P-256, 1.2 ms on Brainpool P-384) held the node's one
// thread about 0.7 s per message late in a 10-hour session with a signed value a minute.
// A verdict is a pure function of the value, the registered key and the policy on keys sent in
// the message, so it is remembered under all three: a key registered anew or another policy is
// another entry, and a node that does not know a verdict (restarted, or another node) verifies the
// value again and finds the same one. docs/METERING.md, "Each signed value verified once".
import { createHash } from 'node:crypto';
import { verifySignedSample, type SignedKeys, type SignedVerdict } from './ocmf/index.js';

/**
 * Verdicts kept, the least recently used forgotten first. About 480 bytes each (20,000 P-256
 * verdicts measured with their keys), so about 48 MB when full: every value of 166 ten-hour
 * sessions signed every minute, running at once on one node, or of 50,000 signed at begin and end.
 */
export const SIGNED_VERDICTS_KEPT = 100_000;

export class SignedVerdicts {
  private readonly known = new Map<string, SignedVerdict>();

  constructor(private readonly limit = SIGNED_VERDICTS_KEPT) {}

  verify(value: string, keys: SignedKeys): SignedVerdict {
    // The registered key as verifySignedSample reads it; its length first, so no two inputs run together.
    const registered = keys.registered?.trim() ?? '';
    const id = createHash('sha256')
      .update(`${registered.length}:${registered}|${keys.allowFromMessage ? 'allow' : 'deny'}|`)
      .update(value)
      .digest('base64');
    const known = this.known.get(id);
    if (known) {
      // Used again: moved to the end, the last to be forgotten.
      this.known.delete(id);
      this.known.set(id, known);
      return known;
    }
    const verdict = verifySignedSample(value, keys);
    this.known.set(id, verdict);
    if (this.known.size > this.limit) this.known.delete(this.known.keys().next().value as string);
    return verdict;
  }

  get size(): number {
    return this.known.size;
  }
}
