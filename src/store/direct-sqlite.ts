// The short way for prepared statements (prepared.ts) on SQLite. Our one better-sqlite3
// connection answers synchronously, yet a query through Kysely's executor takes a chain of
// promises — the executor, the connection provider, the driver's lock, the guard — each one
// tracked by async hooks while a transaction's body runs (guard.ts): measured here at ~5 µs of
// a ~8 µs one-row statement, and a delivery runs a dozen, a login nine. A Kysely instance
// registered here runs a compiled query at once when that is what the queued way would do:
//   - the store's own instance, when nobody holds the connection (no transaction, no query in
//     progress): there is nothing to wait for, and the queued way would run it next anyway;
//   - a transaction's instance, while the connection is held: only a transaction holds it for
//     longer than a statement, and SQLite runs one at a time, so that transaction is this one.
// Anything else — a query that must wait its turn, PostgreSQL, an instance never registered —
// takes Kysely's way, unchanged. Errors are the driver's own either way.
import type { CompiledQuery, Kysely, QueryResult } from "kysely";
import type { Database } from "./schema.js";

/** Runs a compiled query now and returns its result, or undefined when it must take the queued way. */
export type RunNow = (compiled: CompiledQuery) => QueryResult<unknown> | undefined;

/** What the SQLite driver offers: a run when the connection is free, and one on the held connection. */
export interface DirectSqlite {
  readonly whenFree: RunNow;
  readonly onHeld: RunNow;
}

const roots = new WeakMap<object, DirectSqlite>();
const ways = new WeakMap<object, RunNow>();

/** Registers the store's own Kysely instance (open.ts). */
export function registerDirect(db: Kysely<Database>, direct: DirectSqlite): void {
  roots.set(db, direct);
  ways.set(db, direct.whenFree);
}

/** Registers a transaction's instance of the store `root` (store.ts, when its repositories are bound). */
export function registerTransaction(trx: Kysely<Database>, root: Kysely<Database>): void {
  const direct = roots.get(root);
  if (direct !== undefined && !ways.has(trx)) ways.set(trx, direct.onHeld);
}

/** The short way for this instance, if it has one. */
export function directWayOf(db: Kysely<Database>): RunNow | undefined {
  return ways.get(db);
}
