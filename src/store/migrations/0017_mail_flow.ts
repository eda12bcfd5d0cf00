// Mail-flow policies (issue 7, decision 0018):
//   - domain_flow_settings / user_flow_settings / group_flow_settings: one JSON object per
//     domain, account or mail group whose admin changed a mail-flow setting (no row: the
//     defaults), as login settings are kept (0006): lists read together, never queried by field.
//   - message_traces: each message's path through the pipeline — every stage's decision per
//     recipient and why — searchable by admins by sender, time, subject and message id. A
//     refusal at RCPT TO is a trace of its own (no message was ever received).
//   - held_messages: mail held for a group's moderators or an account's auditor, with the
//     origin and envelope to resume the pipeline on approval; the body is a kept message body
//     (message_bodies), which release of bodies leaves alone while a hold refers to it.
import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../schema.js";
import { columnTypes } from "./columns.js";

export function mailFlow(dialect: SqlDialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const [table, key, parent] of [
        ["domain_flow_settings", "domain_id", "domains.id"],
        ["user_flow_settings", "user_id", "users.id"],
        ["group_flow_settings", "group_id", "mail_groups.id"],
      ] as const) {
        await db.schema
          .createTable(table)
          .addColumn(key, t.id, (c) => c.primaryKey().references(parent).onDelete("cascade"))
          .addColumn("settings", "text", (c) => c.notNull())
          .addColumn("updated_at", t.epoch, (c) => c.notNull())
          .execute();
      }
      await db.schema
        .createTable("message_traces")
        .addColumn("id", t.key, (c) => c.primaryKey())
        .addColumn("at", t.epoch, (c) => c.notNull())
        .addColumn("origin", "text", (c) => c.notNull())
        .addColumn("mail_from", t.key)
        .addColumn("recipients", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("message_id", "text", (c) => c.notNull())
        .addColumn("size", t.big, (c) => c.notNull())
        .addColumn("decision", "text", (c) => c.notNull())
        .addColumn("stages", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("message_traces_at").on("message_traces").column("at").execute();
      await db.schema.createIndex("message_traces_from_at").on("message_traces").columns(["mail_from", "at"]).execute();
      await db.schema
        .createTable("held_messages")
        .addColumn("id", t.key, (c) => c.primaryKey())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("at", t.epoch, (c) => c.notNull())
        .addColumn("expires_at", t.epoch, (c) => c.notNull())
        .addColumn("origin", "text", (c) => c.notNull())
        .addColumn("mail_from", t.key)
        .addColumn("recipients", "text", (c) => c.notNull())
        .addColumn("body_hash", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("preview", "text", (c) => c.notNull())
        .addColumn("rule", "text", (c) => c.notNull())
        .addColumn("deciders", "text", (c) => c.notNull())
        .addColumn("timeout_action", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("decided_at", t.epoch)
        .addColumn("decided_by", "text")
        .addColumn("note", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("held_messages_status_expires").on("held_messages").columns(["status", "expires_at"]).execute();
      await db.schema.createIndex("held_messages_body").on("held_messages").column("body_hash").execute();
    },
  };
}
