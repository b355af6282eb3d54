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
  /** Its parameters are slots 0, 1, 2… in order: given that many values, they are the parameters as they are. */
  valuesAsGiven: boolean;
}

/**
 * Runs a statement's SQL text with its parameters some other way than through Kysely (see
 * DialectHooks.runInTransaction). Given the text and the values, not a CompiledQuery: building one
 * (five objects, frozen) for each statement of the hot path was for Kysely alone.
 */
export type QueryRunner = (sql: string, parameters: readonly unknown[]) => Promise<QueryResult<unknown>>;

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
  run<DB, R>(
    db: Kysely<DB>,
    key: string,
    build: (db: Kysely<DB>, slot: SlotOf) => Compilable<R>,
    values: readonly unknown[],
    execute?: QueryRunner,
  ): Promise<QueryResult<R>> {
    let shape = this.shapes.get(key);
    if (!shape) {
      const compiled = build(db, slot).compile();
      const sources: Source[] = compiled.parameters.map((p) => (p instanceof Slot ? { slot: p.index } : { constant: p }));
      shape = {
        sql: compiled.sql,
        sources,
        valuesAsGiven: sources.every((source, i) => 'slot' in source && source.slot === i),
      };
      this.shapes.set(key, shape);
      this.compiled?.(shape.sql);
    }
    if (execute) {
      const parameters = shape.valuesAsGiven && values.length === shape.sources.length ? values : this.parameters(shape, values);
      return execute(shape.sql, parameters) as Promise<QueryResult<R>>;
    }
    // Kysely freezes a compiled query's parameters: never the caller's own array.
    return db.executeQuery(CompiledQuery.raw(shape.sql, this.parameters(shape, values)) as CompiledQuery<R>);
  }

  private parameters(shape: Shape, values: readonly unknown[]): unknown[] {
    return shape.sources.map((source) => ('slot' in source ? values[source.slot] : source.constant));
  }
}
