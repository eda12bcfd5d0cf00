// The one way to get a Store: pick the dialect from the settings, connect, migrate.
import { Kysely, sql, type Dialect } from "kysely";
import type { Store } from "../core/ports/store.js";
import { MoatError } from "../shared/errors.js";
import { TransactionGuard } from "./guard.js";
import { migrateToLatest } from "./migrations/index.js";
import { assertSchemaName, postgresDialect, postgresPool } from "./postgres.js";
import type { Database, SqlDialect } from "./schema.js";
import type { CommitPath } from "./group-commit.js";
import { directOfDialect, openSqliteDatabase, sqliteCommitPath, sqliteDialect, walUpkeepFor } from "./sqlite.js";
import { registerDirect } from "./direct-sqlite.js";
import { createStore } from "./store.js";

export interface OpenStoreOptions {
  /** postgres:// or postgresql:// URL. When set, PostgreSQL is used and sqlitePath ignored. */
  readonly databaseUrl?: string | undefined;
  /** The SQLite file (its folder is created); used when databaseUrl is not set. */
  readonly sqlitePath?: string | undefined;
  /** PostgreSQL only: keep every table in this schema (created if missing). Tests use it. */
  readonly pgSchema?: string | undefined;
}

/** Opens the database named by the options and brings its schema up to date. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const { dialectName, dialect, schema, commitPath } = await chooseDialect(options);
  const guard = new TransactionGuard();
  const db = new Kysely<Database>({ dialect: guard.wrap(dialect) });
  // Kysely made the driver just now: prepared statements may take its short way.
  const direct = directOfDialect(dialect);
  if (direct !== undefined) registerDirect(db, direct);
  try {
    await prepare(db, dialectName, schema);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return createStore(db, dialectName, guard, commitPath);
}

async function chooseDialect(options: OpenStoreOptions): Promise<{ dialectName: SqlDialect; dialect: Dialect; schema?: string; commitPath?: CommitPath }> {
  if (options.databaseUrl !== undefined && options.databaseUrl !== "") {
    if (!/^postgres(ql)?:\/\//i.test(options.databaseUrl)) {
      // Never echo the URL: it may carry a password.
      throw new MoatError("config_invalid", "the database URL must start with postgres:// or postgresql://");
    }
    if (options.pgSchema !== undefined) assertSchemaName(options.pgSchema);
    const pool = await postgresPool({ url: options.databaseUrl, schema: options.pgSchema });
    return { dialectName: "postgres", dialect: postgresDialect(pool), ...(options.pgSchema ? { schema: options.pgSchema } : {}) };
  }
  if (options.sqlitePath === undefined || options.sqlitePath === "") {
    throw new MoatError("config_invalid", "no database configured: set a PostgreSQL URL or an SQLite file");
  }
  const database = openSqliteDatabase(options.sqlitePath);
  const wal = walUpkeepFor(database);
  return { dialectName: "sqlite", dialect: sqliteDialect(database, wal), ...(wal ? { commitPath: sqliteCommitPath(wal) } : {}) };
}

async function prepare(db: Kysely<Database>, dialect: SqlDialect, schema: string | undefined): Promise<void> {
  if (dialect === "sqlite") {
    await migrateToLatest(db, dialect);
    return;
  }
  if (schema !== undefined) await ensureSchema(db, schema);
  // Our tables, and the migration bookkeeping, go in the first schema on search_path.
  const row = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const current = row.rows[0]?.schema;
  if (current === null || current === undefined) {
    throw new MoatError("config_invalid", "PostgreSQL has no schema to create tables in (check search_path)");
  }
  await migrateToLatest(db, dialect);
}

async function ensureSchema(db: Kysely<Database>, schema: string): Promise<void> {
  try {
    await db.schema.createSchema(schema).ifNotExists().execute();
  } catch (err) {
    // Two nodes starting together can both pass IF NOT EXISTS; the loser gets a unique
    // violation on pg_namespace although the schema now exists.
    const found = await sql`select 1 from pg_namespace where nspname = ${schema}`.execute(db);
    if (found.rows.length === 0) throw err;
  }
}
