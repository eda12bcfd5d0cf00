// PostgreSQL connection set-up: one pool per store. The driver is loaded only for a store on
// PostgreSQL (~60 ms of every start and every `moat` command on SQLite otherwise).
import type { Pool, TypeOverrides } from "pg";
import { PostgresDialect } from "kysely";
import { MoatError } from "../shared/errors.js";
import { loadOnFirstUse } from "../shared/load-on-first-use.js";

const driver = loadOnFirstUse(() => import("pg"));

const INT8_OID = 20;

/** A schema name we can put in a startup option and in DDL without quoting. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new MoatError("config_invalid", `'${schema}' is not a usable PostgreSQL schema name (a-z, 0-9, _)`);
  }
}

/**
 * int8 (ids, epoch-ms times, count(*)) arrives as a string by default because it can pass
 * 2^53. Ours never do (epoch ms reach 2^53 in the year 287396), so the pool parses them as
 * numbers. The override is this pool's own (TypeOverrides), not pg.types.setTypeParser, which
 * would change every other pg user in the process.
 */
function moatTypes(Overrides: new () => TypeOverrides): TypeOverrides {
  const types = new Overrides();
  types.setTypeParser(INT8_OID, "text", (value: string) => Number(value));
  return types;
}

export interface PostgresOptions {
  readonly url: string;
  /** Every pooled connection starts with search_path set to this schema only. */
  readonly schema?: string | undefined;
}

export async function postgresPool(options: PostgresOptions): Promise<Pool> {
  if (options.schema !== undefined) assertSchemaName(options.schema);
  const { default: pg } = await driver();
  const pool = new pg.Pool({
    connectionString: options.url,
    application_name: "moat",
    types: moatTypes(pg.TypeOverrides),
    // A startup option rather than SET after connect: it holds for every connection the pool
    // ever opens, including ones replacing a dropped connection, with no extra round trip.
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  });
  // An idle client that loses its server emits 'error' on the pool, and an unhandled 'error'
  // event would end the process. The pool already discards that client; the next query opens
  // a new connection or reports its own error.
  pool.on("error", () => {});
  return pool;
}

export function postgresDialect(pool: Pool): PostgresDialect {
  return new PostgresDialect({ pool });
}
