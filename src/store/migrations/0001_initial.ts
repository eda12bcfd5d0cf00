// Accounts (domains, users, aliases, mail groups) and the login bookkeeping (login records,
// throttle counters).
//
// Enumerated values (status, role, channel, reason) carry no CHECK constraint on purpose:
// core's types are the gate, and SQLite can only change a CHECK by rebuilding the table,
// which would turn every new deny reason into a table copy.
import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../schema.js";
import { autoId, cascadeRef, columnTypes } from "./columns.js";

export function initial(dialect: SqlDialect): Migration {
  const t = columnTypes(dialect);
  const id = autoId(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("domains")
        .addColumn("id", t.id, id)
        .addColumn("name", t.key, (c) => c.notNull())
        .addColumn("created_at", t.epoch, (c) => c.notNull())
        .execute();
      await db.schema.createIndex("domains_name_key").on("domains").column("name").unique().execute();

      // The one owner of each address among users, aliases and groups (address-claims.ts).
      await db.schema
        .createTable("addresses")
        .addColumn("address", t.key, (c) => c.primaryKey())
        .addColumn("domain_id", t.id, cascadeRef("domains.id"))
        .addColumn("kind", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("addresses_domain_idx").on("addresses").column("domain_id").execute();

      await db.schema
        .createTable("users")
        .addColumn("id", t.id, id)
        .addColumn("domain_id", t.id, cascadeRef("domains.id"))
        .addColumn("address", t.key, (c) => c.notNull())
        .addColumn("display_name", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("quota_bytes", t.big, (c) => c.notNull())
        .addColumn("password_hash", "text", (c) => c.notNull())
        .addColumn("password_changed_at", t.epoch, (c) => c.notNull())
        .addColumn("created_at", t.epoch, (c) => c.notNull())
        .execute();
      await db.schema.createIndex("users_address_key").on("users").column("address").unique().execute();
      // Serves list(domainId) in address order and the cascade from domains.
      await db.schema.createIndex("users_domain_address_idx").on("users").columns(["domain_id", "address"]).execute();

      await db.schema
        .createTable("aliases")
        .addColumn("id", t.id, id)
        .addColumn("domain_id", t.id, cascadeRef("domains.id"))
        .addColumn("address", t.key, (c) => c.notNull())
        .addColumn("target", t.key, (c) => c.notNull())
        .addColumn("created_at", t.epoch, (c) => c.notNull())
        .execute();
      await db.schema.createIndex("aliases_address_key").on("aliases").column("address").unique().execute();
      await db.schema.createIndex("aliases_domain_address_idx").on("aliases").columns(["domain_id", "address"]).execute();

      await db.schema
        .createTable("mail_groups")
        .addColumn("id", t.id, id)
        .addColumn("domain_id", t.id, cascadeRef("domains.id"))
        .addColumn("address", t.key, (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("created_at", t.epoch, (c) => c.notNull())
        .execute();
      await db.schema.createIndex("mail_groups_address_key").on("mail_groups").column("address").unique().execute();
      await db.schema
        .createIndex("mail_groups_domain_address_idx")
        .on("mail_groups")
        .columns(["domain_id", "address"])
        .execute();

      await db.schema
        .createTable("group_members")
        .addColumn("id", t.id, id)
        .addColumn("group_id", t.id, cascadeRef("mail_groups.id"))
        .addColumn("address", t.key, (c) => c.notNull())
        // Null for an outside address; a user member disappears with the user.
        .addColumn("user_id", t.id, (c) => c.references("users.id").onDelete("cascade"))
        .execute();
      await db.schema
        .createIndex("group_members_group_address_key")
        .on("group_members")
        .columns(["group_id", "address"])
        .unique()
        .execute();
      // PostgreSQL does not index referencing columns itself; the user cascade needs one.
      await db.schema.createIndex("group_members_user_idx").on("group_members").column("user_id").execute();

      await db.schema
        .createTable("login_records")
        .addColumn("id", t.id, id)
        .addColumn("at", t.epoch, (c) => c.notNull())
        .addColumn("identity", t.key, (c) => c.notNull())
        // No foreign key: the security trail must outlive the account it describes.
        .addColumn("user_id", t.id)
        .addColumn("channel", "text", (c) => c.notNull())
        .addColumn("ip", "text", (c) => c.notNull())
        .addColumn("client_id", "text")
        .addColumn("method", "text", (c) => c.notNull())
        .addColumn("result", "text", (c) => c.notNull())
        .addColumn("reason", "text", (c) => c.notNull())
        .execute();
      // Keyset pagination (newest first) per account and per typed identity; `at` for pruning.
      await db.schema.createIndex("login_records_user_idx").on("login_records").columns(["user_id", "id"]).execute();
      await db.schema
        .createIndex("login_records_identity_idx")
        .on("login_records")
        .columns(["identity", "id"])
        .execute();
      await db.schema.createIndex("login_records_at_idx").on("login_records").column("at").execute();

      await db.schema
        .createTable("auth_throttle")
        .addColumn("key", t.key, (c) => c.primaryKey())
        .addColumn("failures", "integer", (c) => c.notNull())
        .addColumn("first_failure_at", t.epoch, (c) => c.notNull())
        .addColumn("last_failure_at", t.epoch, (c) => c.notNull())
        .addColumn("blocked_until", t.epoch)
        .execute();
      await db.schema
        .createIndex("auth_throttle_last_failure_idx")
        .on("auth_throttle")
        .column("last_failure_at")
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ["auth_throttle", "login_records", "group_members", "mail_groups", "aliases", "users", "addresses", "domains"]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
