// Kysely driver for our one better-sqlite3 connection. Kysely's own SqliteDriver compiles a new
// better-sqlite3 statement for every query (sqlite3_prepare on each call: about a third of the
// store's CPU when delivering mail) and wakes every waiter on each release of the connection.
// This one keeps the prepared statements of recent SQL texts, hands the connection over in
// arrival order, and starts transactions with BEGIN IMMEDIATE.
import type BetterSqlite3 from "better-sqlite3";
import {
  CompiledQuery,
  SelectQueryNode,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
} from "kysely";
import type { DirectSqlite } from "./direct-sqlite.js";

/**
 * Statements kept prepared. Our repositories build a few dozen distinct SQL texts; the cap only
 * bounds texts that vary with their input (IN lists of different lengths, say).
 */
const statementCacheSize = 256;

/** A row as an array of column values, in the statement's column order (better-sqlite3's raw mode). */
type RawRow = unknown[];

/**
 * Builds a statement's row objects from its raw rows. better-sqlite3 makes each row object in
 * C++ with a property set and a key string made per column: a third of the time of a one-row
 * lookup (the mailbox row of every SELECT, the nine reads of a login). An object literal with
 * the column names written in is one allocation of a shape V8 already knows.
 */
function rowMaker(names: readonly string[]): (values: RawRow) => Record<string, unknown> {
  // The names are the statement's columns, from SQL our code wrote; JSON.stringify quotes any
  // name as a string literal, and a repeated name keeps its last value, as better-sqlite3 does.
  const fields = names.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(", ");
  return new Function("v", `return { ${fields} };`) as (values: RawRow) => Record<string, unknown>;
}

interface Prepared {
  readonly stmt: BetterSqlite3.Statement;
  /** For statements that return rows; null for those that do not. */
  readonly reader: { names: string[]; make: (values: RawRow) => Record<string, unknown> } | null;
}

function prepareStatement(db: BetterSqlite3.Database, sql: string): Prepared {
  const stmt = db.prepare(sql);
  if (!stmt.reader) return { stmt, reader: null };
  stmt.raw(true);
  const names = stmt.columns().map((c) => c.name);
  return { stmt, reader: { names, make: rowMaker(names) } };
}

class SqliteConnection implements DatabaseConnection {
  readonly #db: BetterSqlite3.Database;
  readonly #statements = new Map<string, Prepared>();

  constructor(db: BetterSqlite3.Database) {
    this.#db = db;
  }

  #statement(sql: string): Prepared {
    let prepared = this.#statements.get(sql);
    if (prepared === undefined) {
      prepared = prepareStatement(this.#db, sql);
      // Oldest first out: a Map iterates in insertion order.
      if (this.#statements.size >= statementCacheSize) this.#statements.delete(this.#statements.keys().next().value!);
      this.#statements.set(sql, prepared);
    }
    return prepared;
  }

  #remake(sql: string, stmt: BetterSqlite3.Statement): NonNullable<Prepared["reader"]> {
    const names = stmt.columns().map((c) => c.name);
    const reader = { names, make: rowMaker(names) };
    this.#statements.set(sql, { stmt, reader });
    return reader;
  }

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    return Promise.resolve(this.run<R>(compiled));
  }

  /** executeQuery's work, synchronously (better-sqlite3 is): direct-sqlite.ts calls it too. */
  run<R>(compiled: CompiledQuery): QueryResult<R> {
    const { stmt, reader } = this.#statement(compiled.sql);
    const parameters = compiled.parameters as unknown[];
    if (reader !== null) {
      const values = stmt.all(parameters) as RawRow[];
      // SQLite prepares a statement again when the schema changed under it (a migration): a
      // `select *` may then have other columns than when its maker was built. Never run again
      // to find out (an INSERT … RETURNING would insert twice): the statement knows its columns.
      const current = values.length > 0 && values[0]!.length !== reader.names.length ? this.#remake(compiled.sql, stmt) : reader;
      return { rows: values.map(current.make) as R[] };
    }
    const { changes, lastInsertRowid } = stmt.run(parameters);
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiled.query)) throw new Error("SQLite streams only SELECT queries");
    // iterate() keeps the statement busy until the loop ends: not one from the cache.
    for (const row of this.#db.prepare(compiled.sql).iterate(compiled.parameters as unknown[])) yield { rows: [row as R] };
  }
}

/** Hands the single connection to one user at a time, in the order they asked. */
class ConnectionLock {
  #held = false;
  readonly #waiting: Array<() => void> = [];

  /** Someone has the connection, or it is being handed to the next in line. */
  get held(): boolean {
    return this.#held;
  }

  acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next(); // stays held, now by next
    else this.#held = false;
  }
}

const raw = (sql: string) => CompiledQuery.raw(sql);

/** Savepoint names come from our code, never from input; checked so they need no quoting. */
function savepointName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid savepoint name ${JSON.stringify(name)}`);
  return name;
}

export class MoatSqliteDriver implements Driver {
  readonly #connection: SqliteConnection;
  readonly #lock = new ConnectionLock();
  readonly #db: BetterSqlite3.Database;
  readonly #wal: { close(): Promise<void> } | undefined;
  readonly #checkpointer: { close(): Promise<void> } | undefined;

  constructor(db: BetterSqlite3.Database, wal?: { close(): Promise<void> }, checkpointer?: { close(): Promise<void> }) {
    this.#db = db;
    this.#wal = wal;
    this.#checkpointer = checkpointer;
    this.#connection = new SqliteConnection(db);
  }

  async init(): Promise<void> {}

  /** The short ways of direct-sqlite.ts: now when the connection is free, or on the held one. */
  readonly direct: DirectSqlite = {
    whenFree: (compiled) => (this.#lock.held ? undefined : this.#connection.run(compiled)),
    onHeld: (compiled) => (this.#lock.held ? this.#connection.run(compiled) : undefined),
  };

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#lock.acquire();
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    this.#lock.release();
  }

  /**
   * BEGIN IMMEDIATE takes the write lock when the transaction starts. With a plain (deferred)
   * BEGIN a transaction that reads and then writes fails with SQLITE_BUSY — without waiting
   * for busy_timeout — if another process wrote in between; with IMMEDIATE it waits its turn.
   */
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(raw("begin immediate"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(raw("rollback"));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(raw(`savepoint ${savepointName(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(raw(`rollback to ${savepointName(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(raw(`release ${savepointName(name)}`));
  }

  async destroy(): Promise<void> {
    // Its connection first: ours, closing last, checkpoints what is left and removes the WAL.
    await this.#checkpointer?.close();
    this.#db.close();
    await this.#wal?.close();
  }
}
