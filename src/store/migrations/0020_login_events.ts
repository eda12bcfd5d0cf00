// Abnormal-login detection and alerts (issue 8 items 2 and 3, decision 0026):
//   - login_events: what the rules raised, one row per group of repeated occurrences, with the
//     state of its three notices (user mail, admin mail, webhook) so a restart sends what was
//     due and nothing twice.
//   - login_profiles: each account's learned places, networks and channels, one JSON document
//     (read and written whole, once per successful login that changes it).
//   - login_records (user_id, at): "failures against this account in the last minutes" for
//     the success-after-failures rule, without walking the account's whole history.
import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../schema.js";
import { autoId, cascadeRef, columnTypes } from "./columns.js";

export function loginEvents(dialect: SqlDialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("login_events")
        .addColumn("id", t.id, autoId(dialect))
        .addColumn("rule", "text", (c) => c.notNull())
        .addColumn("severity", "text", (c) => c.notNull())
        // No foreign keys: like login records, the security trail outlives the account.
        .addColumn("user_id", t.id)
        .addColumn("domain_id", t.id)
        .addColumn("identity", t.key)
        .addColumn("ip", "text")
        .addColumn("group_key", t.key, (c) => c.notNull())
        .addColumn("summary", "text", (c) => c.notNull())
        .addColumn("detail", "text", (c) => c.notNull())
        .addColumn("first_at", t.epoch, (c) => c.notNull())
        .addColumn("last_at", t.epoch, (c) => c.notNull())
        .addColumn("occurrences", "integer", (c) => c.notNull())
        .addColumn("login_record_id", t.id)
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("acknowledged_at", t.epoch)
        .addColumn("acknowledged_by", "text")
        .addColumn("user_notice", "text", (c) => c.notNull())
        .addColumn("user_notice_at", t.epoch)
        .addColumn("admin_notice", "text", (c) => c.notNull())
        .addColumn("admin_notice_at", t.epoch)
        .addColumn("webhook", "text", (c) => c.notNull())
        .addColumn("webhook_at", t.epoch)
        .addColumn("webhook_attempts", "integer", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("login_events_user_idx").on("login_events").columns(["user_id", "id"]).execute();
      await db.schema.createIndex("login_events_domain_idx").on("login_events").columns(["domain_id", "id"]).execute();
      await db.schema.createIndex("login_events_group_idx").on("login_events").columns(["group_key", "state", "last_at"]).execute();
      await db.schema.createIndex("login_events_last_at_idx").on("login_events").column("last_at").execute();
      // The notifier's "what is pending" (few rows pending at any time, so one column each).
      for (const kind of ["user_notice", "admin_notice", "webhook"]) {
        await db.schema.createIndex(`login_events_${kind}_idx`).on("login_events").columns([kind, "id"]).execute();
      }
      await db.schema
        .createTable("login_profiles")
        .addColumn("user_id", t.id, (c) => cascadeRef("users.id")(c).primaryKey())
        .addColumn("data", "text", (c) => c.notNull())
        .addColumn("updated_at", t.epoch, (c) => c.notNull())
        .execute();
      await db.schema.createIndex("login_records_user_at_idx").on("login_records").columns(["user_id", "at"]).execute();
    },
  };
}
