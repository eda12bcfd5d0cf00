// Bodies stored over another body (decision 0027): a monitoring copy is the recipient's copy
// with different header fields on top, so its row keeps only those fields (`prefix`) and
// names the body whose bytes follow (`base_hash`, from byte `base_offset` on) instead of a
// second 5 KB message and its search text. Readers in store/repositories put the bytes back
// together; a base is a whole inline row, never itself shared.
//   - No foreign key and no index on base_hash: a shared row's key starts with its base's hash
//     (core/mailstore/shared-body.ts), so "does a row need this base" is a range of the primary
//     key, and a copy writes no index page of its own.
import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../schema.js";
import { columnTypes } from "./columns.js";

export function sharedBodies(dialect: SqlDialect): Migration {
  const t = columnTypes(dialect);
  const bytes = dialect === "sqlite" ? "blob" : "bytea";
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable("message_bodies").addColumn("base_hash", t.key).execute();
      await db.schema.alterTable("message_bodies").addColumn("base_offset", t.big).execute();
      await db.schema.alterTable("message_bodies").addColumn("prefix", bytes).execute();
    },
  };
}
