// The outbound queue (one row per message, one per remote recipient with its own state) and
// the DKIM keys of our domains.
//
// Flags are integers 0/1 on both dialects rather than PostgreSQL booleans, so a row reads back
// the same from either driver. Statuses carry no CHECK constraint, as in 0001.
import type { ColumnDefinitionBuilder, Kysely, Migration } from "kysely";
import type { SqlDialect } from "../schema.js";
import { autoId, cascadeRef, columnTypes } from "./columns.js";

export function queue(dialect: SqlDialect): Migration {
  const t = columnTypes(dialect);
  const id = autoId(dialect);
  const flag = (c: ColumnDefinitionBuilder) => c.notNull().defaultTo(0);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("outbound_messages")
        .addColumn("id", t.id, id)
        // No foreign key: blobs live outside the database (store/blobs), named by hash.
        .addColumn("blob_hash", "text", (c) => c.notNull())
        .addColumn("size", t.big, (c) => c.notNull())
        .addColumn("mail_from", t.key) // null: the null sender "<>"
        .addColumn("from_domain", t.key)
        .addColumn("origin_kind", "text", (c) => c.notNull())
        .addColumn("envelope_id", "text")
        .addColumn("is_bounce", "integer", flag)
        .addColumn("dkim_signed", "integer", flag)
        .addColumn("smtp_utf8", "integer", flag)
        .addColumn("body_8bit", "integer", flag)
        .addColumn("created_at", t.epoch, (c) => c.notNull())
        .execute();
      // Serves prune() and the blob store's "is this hash still referenced" question.
      await db.schema.createIndex("outbound_messages_created_idx").on("outbound_messages").column("created_at").execute();
      await db.schema.createIndex("outbound_messages_blob_idx").on("outbound_messages").column("blob_hash").execute();

      await db.schema
        .createTable("outbound_recipients")
        .addColumn("id", t.id, id)
        .addColumn("message_id", t.id, cascadeRef("outbound_messages.id"))
        .addColumn("address", t.key, (c) => c.notNull())
        .addColumn("domain", t.key, (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        // queued: due time; delivering: end of the runner's claim (see claimDue/recoverStale).
        .addColumn("next_attempt_at", t.epoch, (c) => c.notNull())
        .addColumn("last_error", "text")
        .addColumn("last_attempt_at", t.epoch)
        .addColumn("delivered_at", t.epoch)
        .execute();
      // The runner's one hot query: due queued rows, and lapsed delivering rows.
      await db.schema
        .createIndex("outbound_recipients_due_idx")
        .on("outbound_recipients")
        .columns(["status", "next_attempt_at"])
        .execute();
      // PostgreSQL does not index referencing columns itself; the cascade and per-message reads need one.
      await db.schema.createIndex("outbound_recipients_message_idx").on("outbound_recipients").column("message_id").execute();

      await db.schema
        .createTable("dkim_keys")
        .addColumn("id", t.id, id)
        .addColumn("domain_id", t.id, cascadeRef("domains.id"))
        .addColumn("selector", t.key, (c) => c.notNull())
        .addColumn("private_key_pem", "text", (c) => c.notNull())
        .addColumn("public_key_b64", "text", (c) => c.notNull())
        .addColumn("created_at", t.epoch, (c) => c.notNull())
        .execute();
      // Several keys per domain make rotation possible (publish the new selector, then switch).
      await db.schema.createIndex("dkim_keys_domain_selector_key").on("dkim_keys").columns(["domain_id", "selector"]).unique().execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ["dkim_keys", "outbound_recipients", "outbound_messages"]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
