// SQLite connection set-up: one better-sqlite3 connection per process, tuned for a mail
// server whose promise is "a 250 means the message is on disk".
import fs from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteQueryCompiler, ValueNode, type Dialect, type DialectAdapter, type Driver, type LimitNode, type OffsetNode, type OperationNode, type QueryCompiler } from "kysely";
import { MoatError } from "../shared/errors.js";
import type { CommitPath } from "./group-commit.js";
import type { DirectSqlite } from "./direct-sqlite.js";
import { MoatSqliteDriver } from "./sqlite-driver.js";
import { WalCheckpointer } from "./wal-checkpoint.js";
import { WalSync } from "./wal-sync.js";

/**
 * How long a write waits for another process (e.g. the `moat` CLI next to the server) to
 * release the database before failing with SQLITE_BUSY. better-sqlite3 waits synchronously,
 * blocking the event loop, so this stays short; writers hold the lock for milliseconds.
 */
const BUSY_TIMEOUT_MS = 5_000;

/** SQLITE_MAX_MMAP_SIZE of better-sqlite3's build (0x7fff0000); SQLite caps a larger value there. */
const MMAP_BYTES = 0x7fff0000;

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
    // Reads through a memory map of the file instead of read() into SQLite's page cache: a
    // message body (inline up to 256 KiB, mostly in overflow pages) cost ~16 µs of CPU per
    // 13 KB read and ~6 µs mapped, most of IMAP FETCH BODY[] (bench/imap, decision 0028). Writes
    // still go through write() and fsync, so durability is unchanged; the pages are the OS's
    // file cache, shared and reclaimable. The most this build allows (SQLITE_MAX_MMAP_SIZE,
    // ~2 GiB); a larger file is read the usual way past that.
    if (!inMemory) db.pragma(`mmap_size = ${MMAP_BYTES}`);
    // Savepoint journals in memory. Every job of a group commit runs in a savepoint, and SQLite
    // keeps the original of each page it first changes there in a statement journal that spills
    // to a temporary file past 64 KiB: a pwrite (and an open) on the event loop per page, ~6% of
    // a delivery's CPU. In memory it is a copy; it lives only until the savepoint is released.
    db.pragma("temp_store = MEMORY");
    return db;
  } catch (err) {
    db.close();
    throw err;
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

/**
 * Writes an integer LIMIT or OFFSET into the SQL text instead of binding it. SQLite's planner
 * looks at a bound LIMIT's value (sqlite3ExprIsInteger), which marks the statement to be
 * compiled again whenever that parameter is bound — on every run, since every run binds all
 * of them: a cached statement that is re-prepared each time. A number is all that is written;
 * anything else stays a parameter.
 */
class LiteralLimitCompiler extends SqliteQueryCompiler {
  protected override visitLimit(node: LimitNode): void {
    this.append("limit ");
    this.#literalOrNode(node.limit);
  }

  protected override visitOffset(node: OffsetNode): void {
    this.append("offset ");
    this.#literalOrNode(node.offset);
  }

  #literalOrNode(node: OperationNode): void {
    if (ValueNode.is(node) && typeof node.value === "number" && Number.isSafeInteger(node.value)) this.append(String(node.value));
    else this.visitNode(node);
  }
}

/** Kysely's SQLite dialect with our driver (statement cache, BEGIN IMMEDIATE: sqlite-driver.ts). */
class MoatSqliteDialect extends SqliteDialect {
  readonly #database: SqliteDatabase;
  readonly #wal: WalUpkeep | undefined;

  constructor(database: SqliteDatabase, wal: WalUpkeep | undefined) {
    super({ database });
    this.#database = database;
    this.#wal = wal;
  }

  #driver: MoatSqliteDriver | undefined;

  override createDriver(): Driver {
    this.#driver = new MoatSqliteDriver(this.#database, this.#wal?.sync, this.#wal?.checkpointer);
    return this.#driver;
  }

  /** The short ways of the driver Kysely made (direct-sqlite.ts); undefined before it made one. */
  get direct(): DirectSqlite | undefined {
    return this.#driver?.direct;
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }

  override createQueryCompiler(): QueryCompiler {
    return new LiteralLimitCompiler();
  }
}

/** The short ways of the driver a Kysely instance made from this dialect (direct-sqlite.ts); undefined for any other dialect. */
export function directOfDialect(dialect: Dialect): DirectSqlite | undefined {
  return dialect instanceof MoatSqliteDialect ? dialect.direct : undefined;
}

/** What keeps a file database's WAL: its sync for group commits, its checkpoints off the event loop. */
export interface WalUpkeep {
  readonly sync: WalSync;
  readonly checkpointer: WalCheckpointer;
}

/** `wal` (walUpkeepFor) is closed with the database. */
export function sqliteDialect(database: SqliteDatabase, wal?: WalUpkeep): SqliteDialect {
  return new MoatSqliteDialect(database, wal);
}

/** What group transactions wait for (wal-sync.ts) and who checkpoints (wal-checkpoint.ts); none for an in-memory database. */
export function walUpkeepFor(database: SqliteDatabase, checkpointDelayMs?: number): WalUpkeep | undefined {
  return database.memory ? undefined : { sync: new WalSync(database.name), checkpointer: new WalCheckpointer(database, checkpointDelayMs) };
}

/**
 * How a group of deliveries commits on SQLite (group-commit.ts, wal-sync.ts): without an fsync,
 * on the one connection held from before BEGIN until synchronous is FULL again, so no other
 * statement ever runs with NORMAL; what the callers then wait for, off the event loop, is an
 * fdatasync of the WAL.
 */
export function sqliteCommitPath(wal: WalUpkeep): CommitPath {
  return async (db, body, durable) => {
    await db.connection().execute(async (conn) => {
      await conn.executeQuery(syncNormal);
      try {
        await conn.transaction().execute(body);
      } finally {
        await conn.executeQuery(syncFull);
      }
    });
    // The pages just committed go back to the database file soon, off the event loop.
    wal.checkpointer.wrote();
    // Not durable: the WAL frames are with the operating system; a later sync (or checkpoint) takes them.
    return { synced: durable ? wal.sync.sync() : Promise.resolve() };
  };
}

const syncNormal = CompiledQuery.raw("pragma synchronous = normal");
const syncFull = CompiledQuery.raw("pragma synchronous = full");
