// Names for the hot path's statements on PostgreSQL. The server parses, analyses and plans every
// statement it receives as text; one sent with a name is prepared once per connection, and from
// then on only its values travel and run (pg keeps which names each connection has prepared).
// On the bench's closed loop that was 1.31–1.37 × the calls per second of the same statements
// sent as text (docs/PERFORMANCE.md, change 28). Only the hot shapes are named (prepared-queries.ts: one
// text per shape, a few dozen): a query built from the API's filters would leave one more prepared
// statement on every connection for each combination it was ever asked.

/** Named statements at most; the texts after these run unnamed (a bound on each connection's memory). */
const MAX_NAMED = 256;

export class StatementNames {
  private readonly names = new Map<string, string>();

  constructor(private readonly max = MAX_NAMED) {}

  /** A hot statement's text: it is prepared under a name from now on, while there is room. */
  add(text: string): void {
    if (!this.names.has(text) && this.names.size < this.max) this.names.set(text, `tomada_${this.names.size}`);
  }

  /** The name to prepare `text` under, or undefined to send it as text. */
  of(text: unknown): string | undefined {
    return typeof text === 'string' ? this.names.get(text) : undefined;
  }
}
