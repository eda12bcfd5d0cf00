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

/**
 * Statements kept prepared. Our repositories build a few dozen distinct SQL texts; the cap only
 * bounds texts that vary with their input (IN lists of different lengths, say).
 */
const statementCacheSize = 256;

class SqliteConnection implements DatabaseConnection {
  readonly #db: BetterSqlite3.Database;
  readonly #statements = new Map<string, BetterSqlite3.Statement>();

  constructor(db: BetterSqlite3.Database) {
    this.#db = db;
  }

  #statement(sql: string): BetterSqlite3.Statement {
    let stmt = this.#statements.get(sql);
    if (stmt === undefined) {
      stmt = this.#db.prepare(sql);
      // Oldest first out: a Map iterates in insertion order.
      if (this.#statements.size >= statementCacheSize) this.#statements.delete(this.#statements.keys().next().value!);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const stmt = this.#statement(compiled.sql);
    const parameters = compiled.parameters as unknown[];
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(parameters) as R[] });
    const { changes, lastInsertRowid } = stmt.run(parameters);
    return Promise.resolve({ numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] });
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
