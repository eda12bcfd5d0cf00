// The few column types that differ between the dialects, so each migration is written once.
import { sql, type ColumnDefinitionBuilder, type RawBuilder } from "kysely";
import type { SqlDialect } from "../schema.js";

export interface ColumnTypes {
  /** Primary and foreign keys. */
  readonly id: "integer" | "bigint";
  /** Epoch milliseconds (past 2038, so never a 32-bit int). */
  readonly epoch: "integer" | "bigint";
  /** Byte counts and other values that may pass 2^31. */
  readonly big: "integer" | "bigint";
  /**
   * Addresses, domain names and other keys. PostgreSQL sorts text by the database's
   * collation (under en-US "B" sorts after "ab"; glibc locales also skip punctuation), SQLite
   * byte-wise; collation "C" makes "ordered by address" the same list on both.
   */
  readonly key: "text" | RawBuilder<unknown>;
}

export function columnTypes(dialect: SqlDialect): ColumnTypes {
  // SQLite's INTEGER is already 64-bit; "integer primary key" is required for the rowid alias.
  return dialect === "sqlite"
    ? { id: "integer", epoch: "integer", big: "integer", key: "text" }
    : { id: "bigint", epoch: "bigint", big: "bigint", key: sql`text collate "C"` };
}

/**
 * An auto-increment primary key that never hands out an id twice. Ids outlive their rows
 * (login records keep user_id after the user is gone), so a reused id would attach a deleted
 * user's history to a new account: SQLite needs AUTOINCREMENT for that (plain rowids are
 * reused after the highest row is deleted); PostgreSQL identities never go backwards.
 * "by default" rather than "always" so a future SQLite→PostgreSQL copy can keep its ids.
 */
export function autoId(dialect: SqlDialect): (col: ColumnDefinitionBuilder) => ColumnDefinitionBuilder {
  return dialect === "sqlite"
    ? (col) => col.primaryKey().autoIncrement()
    : (col) => col.primaryKey().generatedByDefaultAsIdentity();
}

/** A required reference whose row goes away with its parent. */
export function cascadeRef(target: string): (col: ColumnDefinitionBuilder) => ColumnDefinitionBuilder {
  return (col) => col.notNull().references(target).onDelete("cascade");
}
