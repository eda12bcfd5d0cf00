// Login security (issue 6, decision 0010):
//   - domain_login_settings / user_login_settings: one JSON object per domain or account whose
//     admin changed something (no row: the defaults). JSON rather than columns because the
//     settings are lists (exempt accounts, company ranges, groups) read together once per login
//     and never queried by field; core validates them with one schema (core/auth/login-settings.ts).
//   - app_passwords: client security passwords, stored only as a keyed hash (HMAC-SHA256 with
//     the key in the data folder); key_id names the key so a node with another key can tell.
//   - ip_rules: blocklists (install-wide or per domain) and allowlists (per domain or account,
//     optionally per channel), with expiry and a note; automatic blocks are rows too, so they
//     survive a restart and an admin lists and removes them like any other.
//   - admin_audit: who changed what, before and after, when.
//   - password_history: previous password hashes, for "no reuse of the last five".
import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../schema.js";
import { autoId, cascadeRef, columnTypes } from "./columns.js";

export function loginSecurity(dialect: SqlDialect): Migration {
  const t = columnTypes(dialect);
  const id = autoId(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("domain_login_settings")
        .addColumn("domain_id", t.id, (c) => c.primaryKey().references("domains.id").onDelete("cascade"))
        .addColumn("settings", "text", (c) => c.notNull())
        .addColumn("updated_at", t.epoch, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("user_login_settings")
        .addColumn("user_id", t.id, (c) => c.primaryKey().references("users.id").onDelete("cascade"))
        .addColumn("settings", "text", (c) => c.notNull())
        .addColumn("updated_at", t.epoch, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("app_passwords")
        .addColumn("id", t.id, id)
        .addColumn("user_id", t.id, cascadeRef("users.id"))
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("protocols", "text", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull())
        .addColumn("key_id", "text", (c) => c.notNull())
        .addColumn("created_at", t.epoch, (c) => c.notNull())
        .addColumn("last_used_at", t.epoch)
        .addColumn("last_used_ip", "text")
        .addColumn("last_used_protocol", "text")
        .execute();
      // Serves the per-login lookup by account, the name uniqueness and the user cascade.
      await db.schema.createIndex("app_passwords_user_name_key").on("app_passwords").columns(["user_id", "name"]).unique().execute();

      await db.schema
        .createTable("ip_rules")
        .addColumn("id", t.id, id)
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("cidr", "text", (c) => c.notNull())
        .addColumn("domain_id", t.id, (c) => c.references("domains.id").onDelete("cascade"))
        .addColumn("user_id", t.id, (c) => c.references("users.id").onDelete("cascade"))
        .addColumn("channel", "text")
        .addColumn("expires_at", t.epoch)
        .addColumn("note", "text", (c) => c.notNull())
        .addColumn("origin", "text", (c) => c.notNull())
        .addColumn("created_at", t.epoch, (c) => c.notNull())
        .addColumn("created_by", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("ip_rules_domain_idx").on("ip_rules").column("domain_id").execute();
      await db.schema.createIndex("ip_rules_user_idx").on("ip_rules").column("user_id").execute();

      await db.schema
        .createTable("admin_audit")
        .addColumn("id", t.id, id)
        .addColumn("at", t.epoch, (c) => c.notNull())
        .addColumn("actor", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("target", t.key, (c) => c.notNull())
        .addColumn("before_json", "text", (c) => c.notNull())
        .addColumn("after_json", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("admin_audit_target_idx").on("admin_audit").columns(["target", "id"]).execute();

      // The hashes of a user's previous passwords, so a new one cannot be one of the last five.
      await db.schema
        .createTable("password_history")
        .addColumn("id", t.id, id)
        .addColumn("user_id", t.id, cascadeRef("users.id"))
        .addColumn("password_hash", "text", (c) => c.notNull())
        .addColumn("replaced_at", t.epoch, (c) => c.notNull())
        .execute();
      await db.schema.createIndex("password_history_user_idx").on("password_history").columns(["user_id", "id"]).execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ["password_history", "admin_audit", "ip_rules", "app_passwords", "user_login_settings", "domain_login_settings"]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
