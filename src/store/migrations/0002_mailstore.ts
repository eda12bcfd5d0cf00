// The mailbox store: mailboxes with their IMAP counters, message bodies indexed once at
// delivery (small ones kept inline, so delivering one costs one commit), message rows.
import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../schema.js";
import { autoId, cascadeRef, columnTypes } from "./columns.js";

export function mailstore(dialect: SqlDialect): Migration {
  const t = columnTypes(dialect);
  const id = autoId(dialect);
  const bytes = dialect === "sqlite" ? "blob" : "bytea";
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("mailboxes")
        .addColumn("id", t.id, id)
        .addColumn("user_id", t.id, cascadeRef("users.id"))
        .addColumn("name", t.key, (c) => c.notNull())
        .addColumn("special_use", "text")
        .addColumn("uid_validity", t.big, (c) => c.notNull())
        .addColumn("uid_next", t.big, (c) => c.notNull())
        .addColumn("highest_modseq", t.big, (c) => c.notNull())
        .addColumn("subscribed", "integer", (c) => c.notNull())
        .addColumn("created_at", t.epoch, (c) => c.notNull())
        .execute();
      await db.schema.createIndex("mailboxes_user_name_key").on("mailboxes").columns(["user_id", "name"]).unique().execute();

      await db.schema
        .createTable("message_bodies")
        .addColumn("hash", t.key, (c) => c.primaryKey())
        .addColumn("size", t.big, (c) => c.notNull())
        .addColumn("inline_data", bytes)
        // The MessageIndex of mail/mime as JSON: structure, envelope, decoded text.
        .addColumn("index_json", "text", (c) => c.notNull())
        .addColumn("created_at", t.epoch, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("messages")
        .addColumn("id", t.id, id)
        .addColumn("mailbox_id", t.id, cascadeRef("mailboxes.id"))
        .addColumn("uid", t.big, (c) => c.notNull())
        .addColumn("modseq", t.big, (c) => c.notNull())
        .addColumn("body_hash", t.key, (c) => c.notNull().references("message_bodies.hash"))
        .addColumn("size", t.big, (c) => c.notNull())
        .addColumn("flags", "text", (c) => c.notNull())
        .addColumn("internal_date", t.epoch, (c) => c.notNull())
        .execute();
      await db.schema.createIndex("messages_mailbox_uid_key").on("messages").columns(["mailbox_id", "uid"]).unique().execute();
      await db.schema.createIndex("messages_body_idx").on("messages").column("body_hash").execute();

      await db.schema
        .createTable("quota_usage")
        .addColumn("user_id", t.id, (c) => c.primaryKey().references("users.id").onDelete("cascade"))
        .addColumn("used_bytes", t.big, (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ["quota_usage", "messages", "message_bodies", "mailboxes"]) await db.schema.dropTable(table).execute();
    },
  };
}
