// Web sessions (issue 6 item 7, decision 0014): one row per logged-in browser, found by the
// SHA-256 of its cookie token (unique index), listed per user (user index), and gone with the user.
import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../schema.js";
import { autoId, cascadeRef, columnTypes } from "./columns.js";

export function webSessions(dialect: SqlDialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("web_sessions")
        .addColumn("id", t.id, autoId(dialect))
        .addColumn("user_id", t.id, cascadeRef("users.id"))
        .addColumn("token_hash", "text", (c) => c.notNull())
        .addColumn("csrf_token", "text", (c) => c.notNull())
        .addColumn("created_at", t.epoch, (c) => c.notNull())
        .addColumn("last_seen_at", t.epoch, (c) => c.notNull())
        .addColumn("ip", "text", (c) => c.notNull())
        .addColumn("user_agent", "text", (c) => c.notNull())
        .addColumn("second_factor", "text")
        .addColumn("restriction", "text", (c) => c.notNull())
        .addColumn("must_enrol", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex("web_sessions_token_key").on("web_sessions").column("token_hash").unique().execute();
      await db.schema.createIndex("web_sessions_user_idx").on("web_sessions").column("user_id").execute();
    },
  };
}
