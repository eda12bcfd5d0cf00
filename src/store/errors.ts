// Turns the drivers' constraint errors into catalogue errors, identically for both dialects.
//
// Repositories insert with ON CONFLICT DO NOTHING and report a conflict from the empty
// RETURNING, rather than letting the unique index throw: on PostgreSQL a failed statement
// aborts the whole surrounding transaction ("current transaction is aborted"), while on SQLite
// the transaction carries on. DO NOTHING keeps both dialects alike: after address_taken the
// caller's transaction is still usable. The error mapping below stays as the backstop for
// unique violations and is the path for foreign-key violations (which do abort a PG
// transaction; they only happen when core skipped its own existence check or lost a race).
import { MoatError, type ErrorCode } from "../shared/errors.js";

export type ConstraintKind = "unique" | "foreign_key";

/** better-sqlite3 extended result codes and PostgreSQL SQLSTATEs for the constraints we map. */
const kinds: Readonly<Record<string, ConstraintKind>> = {
  SQLITE_CONSTRAINT_UNIQUE: "unique",
  SQLITE_CONSTRAINT_PRIMARYKEY: "unique",
  SQLITE_CONSTRAINT_FOREIGNKEY: "foreign_key",
  "23505": "unique", // unique_violation
  "23503": "foreign_key", // foreign_key_violation
};

export function constraintKind(err: unknown): ConstraintKind | undefined {
  if (typeof err !== "object" || err === null || !("code" in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === "string" ? kinds[code] : undefined;
}

/** Runs a write and rethrows a mapped constraint violation as the given catalogue error. */
export async function mapConstraints<T>(
  write: () => Promise<T>,
  codes: Partial<Record<ConstraintKind, ErrorCode>>,
): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const kind = constraintKind(err);
    const code = kind === undefined ? undefined : codes[kind];
    if (code !== undefined) throw new MoatError(code, undefined, { cause: err });
    throw err;
  }
}
