// Hot queries compiled once. Kysely builds an operation tree and compiles it to SQL on every
// call: 20–40 µs here, as much as SQLite then takes to run a delivery's simple lookups and
// inserts, and a delivery runs about ten of them. prepared() builds the query once per dialect
// with placeholder arguments, keeps the compiled SQL and puts each call's arguments in the
// placeholders' places. The SQL is Kysely's own, so both dialects stay one code path.
//
// Only for queries whose SQL does not depend on the values of their arguments (no IN lists of
// varying length, no optional clauses), and whose build function passes its arguments straight
// to Kysely as values, without computing on them: compute before calling (checked at compile).
import type { CompiledQuery, Compilable, Kysely, QueryResult } from "kysely";
import { directWayOf } from "./direct-sqlite.js";
import type { Database } from "./schema.js";

/** Stands for the call's argument `index` while the query is compiled. */
class Placeholder {
  constructor(readonly index: number) {}
}

export type PreparedQuery<A extends readonly unknown[], O> = (db: Kysely<Database>, ...args: A) => Promise<O[]>;

export function prepared<A extends readonly unknown[], O>(build: (db: Kysely<Database>, ...args: A) => Compilable<O>): PreparedQuery<A, O> {
  const run = preparedWrite(build);
  return (db, ...args) => run(db, ...args).then(rowsOf);
}

const rowsOf = <O>(result: WriteResult<O>): O[] => result.rows;

/** What a write tells besides rows: the rows it changed and, on SQLite, the rowid it inserted. */
export interface WriteResult<O> {
  readonly rows: O[];
  readonly changes: number;
  /** SQLite's last inserted rowid; undefined on PostgreSQL, which answers with RETURNING instead. */
  readonly insertId: number | undefined;
}

export type PreparedWrite<A extends readonly unknown[], O> = (db: Kysely<Database>, ...args: A) => Promise<WriteResult<O>>;

const writeResult = <O>(result: QueryResult<O>): WriteResult<O> => ({
  rows: result.rows,
  changes: Number(result.numAffectedRows ?? 0n),
  insertId: result.insertId === undefined ? undefined : Number(result.insertId),
});

/**
 * prepared() for a write whose caller needs what the driver counted rather than returned rows.
 * On SQLite an INSERT or UPDATE with RETURNING collects its rows in a temporary table — a pager
 * opened, its cache zeroed and closed, per statement: about as much as the insert of a message
 * row itself (bench/smtp/flow-instructions.sh) — while the changes count and last rowid it
 * keeps anyway say the same (messages.ts and login-records.ts use them there; PostgreSQL keeps RETURNING).
 * On SQLite the query runs at once when it need not wait its turn (direct-sqlite.ts).
 */
export function preparedWrite<A extends readonly unknown[], O>(build: (db: Kysely<Database>, ...args: A) => Compilable<O>): PreparedWrite<A, O> {
  // Keyed by the dialect's adapter, which a Kysely instance shares with its transactions.
  const compiledFor = new WeakMap<object, CompiledQuery<O>>();
  return (db, ...args) => {
    const adapter = db.getExecutor().adapter;
    let compiled = compiledFor.get(adapter);
    if (compiled === undefined) {
      const placeholders = args.map((_, i) => new Placeholder(i)) as unknown as A;
      compiled = build(db, ...placeholders).compile();
      const used = new Set(compiled.parameters.flatMap((p) => (p instanceof Placeholder ? [p.index] : [])));
      // An argument the build function computed on instead of passing through would be lost.
      if (used.size !== args.length) return Promise.reject(new Error(`prepared query must pass every argument as a value: ${compiled.sql}`));
      compiledFor.set(adapter, compiled);
    }
    const parameters = compiled.parameters.map((p) => (p instanceof Placeholder ? args[p.index] : p));
    const query: CompiledQuery<O> = { ...compiled, parameters };
    const now = directWayOf(db);
    if (now !== undefined) {
      try {
        const result = now(query) as QueryResult<O> | undefined;
        if (result !== undefined) return Promise.resolve(writeResult(result));
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    return db.executeQuery<O>(query).then(writeResult);
  };
}
