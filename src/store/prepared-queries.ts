// The hot path's queries, built by Kysely once per shape and then run with new values. Building and
// compiling a query through Kysely's immutable operation trees took longer than SQLite took to run
// it (docs/PERFORMANCE.md), and the hot path runs the same dozen shapes for every message. Each
// shape is still written once, with Kysely, for every dialect: its values are stand-ins (slots)
// while it compiles, and the SQL text it gives is kept with where each slot landed.
import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';

/** Stands for the value at `index` while a query is compiled. */
class Slot {
  constructor(readonly index: number) {}
}

/** Where each parameter of the compiled SQL comes from: a slot's value, or a constant of the shape. */
type Source = { slot: number } | { constant: unknown };

interface Shape {
  sql: string;
  sources: Source[];
}

/** Runs a compiled statement some other way than through Kysely (see DialectHooks.runInTransaction). */
export type QueryRunner = (query: CompiledQuery) => Promise<QueryResult<unknown>>;

/** Gives the stand-in for the value at `index`, typed as whatever the builder expects there. */
export type SlotOf = <T = never>(index: number) => T;

const slot: SlotOf = <T>(index: number) => new Slot(index) as T;

export class PreparedQueries {
  private readonly shapes = new Map<string, Shape>();

  /** `compiled`: told each shape's SQL text once, when it is first compiled (DialectHooks.hotStatement). */
  constructor(private readonly compiled?: (sql: string) => void) {}

  /**
   * Runs the query `build` makes, with `values` in its slots. `key` names the shape: one key, one
   * SQL text, so a query whose text depends on its input (the columns of a patch) puts that in the key.
   */
  run<R>(db: Kysely<any>, key: string, build: (slot: SlotOf) => Compilable<R>, values: readonly unknown[], execute?: QueryRunner): Promise<QueryResult<R>> {
    let shape = this.shapes.get(key);
    if (!shape) {
      const compiled = build(slot).compile();
      shape = {
        sql: compiled.sql,
        sources: compiled.parameters.map((p) => (p instanceof Slot ? { slot: p.index } : { constant: p })),
      };
      this.shapes.set(key, shape);
      this.compiled?.(shape.sql);
    }
    const parameters = shape.sources.map((source) => ('slot' in source ? values[source.slot] : source.constant));
    const compiled = CompiledQuery.raw(shape.sql, parameters) as CompiledQuery<R>;
    return execute ? (execute(compiled) as Promise<QueryResult<R>>) : db.executeQuery(compiled);
  }
}
