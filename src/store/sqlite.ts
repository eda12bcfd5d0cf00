// SQLite connection set-up: one better-sqlite3 connection per process, tuned for a mail
// server whose promise is "a 250 means the message is on disk".
import fs from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDialectConfig,
} from "kysely";
import { MoatError } from "../shared/errors.js";

/**
 * How long a write waits for another process (e.g. the `moat` CLI next to the server) to
 * release the database before failing with SQLITE_BUSY. better-sqlite3 waits synchronously,
 * blocking the event loop, so this stays short; writers hold the lock for milliseconds.
 */
const BUSY_TIMEOUT_MS = 5_000;

export type SqliteDatabase = BetterSqlite3.Database;

/** Opens the file (creating its folder) and applies the pragmas every connection needs. */
export function openSqliteDatabase(file: string): SqliteDatabase {
  const inMemory = file === ":memory:" || file === "";
  if (!inMemory) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new BetterSqlite3(file);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // WAL: readers never block the writer, and a commit is one append to the log.
    const mode: unknown = db.pragma("journal_mode = WAL", { simple: true });
    if (!inMemory && mode !== "wal") {
      throw new MoatError("config_invalid", `SQLite refused WAL mode for ${file} (got ${String(mode)})`);
    }
    // FULL: fsync the WAL on every commit. NORMAL (the usual WAL pairing) can lose the last
    // commits on power loss, i.e. mail already acknowledged with 250.
    db.pragma("synchronous = FULL");
    // Off by default in SQLite; the schema relies on ON DELETE CASCADE.
    db.pragma("foreign_keys = ON");
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * BEGIN IMMEDIATE takes the write lock when the transaction starts. With a plain (deferred)
 * BEGIN a transaction that reads and then writes fails with SQLITE_BUSY — without waiting
 * for busy_timeout — if another process wrote in between; with IMMEDIATE it waits its turn.
 */
class ImmediateSqliteDriver extends SqliteDriver implements Driver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

/**
 * SQLite runs DDL inside transactions; Kysely's adapter says otherwise only to be safe. Saying
 * yes makes the Migrator wrap each run in one (immediate) transaction: a crash mid-migration
 * leaves the old schema, and a second process starting at the same moment waits instead of
 * racing the first through the same migration.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class MoatSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

export function sqliteDialect(database: SqliteDatabase): SqliteDialect {
  return new MoatSqliteDialect({ database });
}
