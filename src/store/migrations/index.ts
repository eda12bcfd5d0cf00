// Migrations live in code (not found by scanning a folder) so the build output, tsx and a
// bundled binary all see the same list. Names sort in the order they must run; never rename
// or edit a released migration, add the next one.
import { Migrator, type Kysely, type Migration, type MigrationProvider } from "kysely";
import { MoatError } from "../../shared/errors.js";
import type { Database, SqlDialect } from "../schema.js";
import { initial } from "./0001_initial.js";

export function migrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    "0001_initial": initial(dialect),
  };
}

export function migrationProvider(dialect: SqlDialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}

/**
 * Brings the database up to the latest schema. `trackingSchema` names the PostgreSQL schema
 * that holds Kysely's bookkeeping tables: Kysely otherwise accepts a kysely_migration table
 * found in ANY schema of the database as its own, and would skip creating ours.
 */
export async function migrateToLatest(db: Kysely<Database>, dialect: SqlDialect, trackingSchema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider(dialect),
    ...(trackingSchema === undefined ? {} : { migrationTableSchema: trackingSchema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "setup";
    throw new MoatError("internal", `database migration ${failed} failed`, { cause: error });
  }
}
