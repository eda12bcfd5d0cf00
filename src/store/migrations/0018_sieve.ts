// User filter rules and the forwarding ban (issue 7 item 6, decision 0020):
//   - sieve_scripts: each account's Sieve scripts by name (ManageSieve, RFC 5804: several
//     scripts, at most one active — a partial unique index says so to the database too).
//   - vacation_replies: whom each account's vacation responder answered, per :handle and
//     sender (RFC 5230 §4.2), so a sender hears once per :days; old rows are pruned.
//   - forwarding_attempts: every forward refused by the ban (and every outside forward saved),
//     by account and target, so admins can list who tried to forward where.
import { sql, type Kysely, type Migration } from "kysely";
import type { SqlDialect } from "../schema.js";
import { autoId, cascadeRef, columnTypes } from "./columns.js";

export function sieve(dialect: SqlDialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("sieve_scripts")
        .addColumn("id", t.id, autoId(dialect))
        .addColumn("user_id", t.id, cascadeRef("users.id"))
        .addColumn("name", t.key, (c) => c.notNull())
        .addColumn("content", "text", (c) => c.notNull())
        .addColumn("active", "integer", (c) => c.notNull())
        .addColumn("size", t.big, (c) => c.notNull())
        .addColumn("created_at", t.epoch, (c) => c.notNull())
        .addColumn("updated_at", t.epoch, (c) => c.notNull())
        .addUniqueConstraint("sieve_scripts_user_name", ["user_id", "name"])
        .execute();
      await db.schema.createIndex("sieve_scripts_one_active").on("sieve_scripts").column("user_id").unique().where(sql.ref("active"), "=", 1).execute();
      await db.schema
        .createTable("vacation_replies")
        .addColumn("user_id", t.id, cascadeRef("users.id"))
        .addColumn("handle", t.key, (c) => c.notNull())
        .addColumn("sender", t.key, (c) => c.notNull())
        .addColumn("sent_at", t.epoch, (c) => c.notNull())
        .addPrimaryKeyConstraint("vacation_replies_pk", ["user_id", "handle", "sender"])
        .execute();
      await db.schema.createIndex("vacation_replies_sent_at").on("vacation_replies").column("sent_at").execute();
      await db.schema
        .createTable("forwarding_attempts")
        .addColumn("id", t.id, autoId(dialect))
        .addColumn("at", t.epoch, (c) => c.notNull())
        .addColumn("account", t.key, (c) => c.notNull())
        .addColumn("domain", t.key, (c) => c.notNull())
        .addColumn("target", t.key, (c) => c.notNull())
        .addColumn("via", "text", (c) => c.notNull())
        .addColumn("phase", "text", (c) => c.notNull())
        .addColumn("outcome", "text", (c) => c.notNull())
        .addColumn("rule", "text", (c) => c.notNull())
        .addColumn("message_id", "text")
        .execute();
      await db.schema.createIndex("forwarding_attempts_domain_at").on("forwarding_attempts").columns(["domain", "at"]).execute();
      await db.schema.createIndex("forwarding_attempts_account_at").on("forwarding_attempts").columns(["account", "at"]).execute();
    },
  };
}
