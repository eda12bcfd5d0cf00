// The bound phone and the password-expiry reminders (issue 6, items 5 and 6; decision 0016):
//   - user_phones: the verified number of an account (one at most), E.164.
//   - phone_codes: one-time codes sent to it, only as a salted HMAC, with their purpose, the
//     number they went to, expiry, wrong attempts and use. Kept a day after creation.
//   - phone_send_counts: the send limits, one fixed one-hour window per account and per number,
//     counted by an atomic upsert so racing requests on several nodes cannot all pass.
//   - sms_outbox: what the `log` sender "sent", for the admin (`moat sms outbox`).
//   - password_notices: the last expiry reminder of each account, so none goes twice.
import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../schema.js";
import { autoId, cascadeRef, columnTypes } from "./columns.js";

export function phoneAndReminders(dialect: SqlDialect): Migration {
  const t = columnTypes(dialect);
  const id = autoId(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("user_phones")
        .addColumn("user_id", t.id, (c) => c.primaryKey().references("users.id").onDelete("cascade"))
        .addColumn("number", t.key, (c) => c.notNull())
        .addColumn("verified_at", t.epoch, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("phone_codes")
        .addColumn("id", t.id, id)
        .addColumn("user_id", t.id, cascadeRef("users.id"))
        .addColumn("purpose", "text", (c) => c.notNull())
        .addColumn("target", t.key, (c) => c.notNull())
        .addColumn("next_number", "text")
        .addColumn("hash", "text", (c) => c.notNull())
        .addColumn("created_at", t.epoch, (c) => c.notNull())
        .addColumn("expires_at", t.epoch, (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("used_at", t.epoch)
        .execute();
      await db.schema.createIndex("phone_codes_user_idx").on("phone_codes").columns(["user_id", "purpose", "id"]).execute();
      await db.schema.createIndex("phone_codes_created_idx").on("phone_codes").column("created_at").execute();

      await db.schema
        .createTable("phone_send_counts")
        .addColumn("key", t.key, (c) => c.primaryKey())
        .addColumn("window_start", t.epoch, (c) => c.notNull())
        .addColumn("count", "integer", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("sms_outbox")
        .addColumn("id", t.id, id)
        .addColumn("at", t.epoch, (c) => c.notNull())
        .addColumn("recipient", t.key, (c) => c.notNull())
        .addColumn("text", "text", (c) => c.notNull())
        .addColumn("purpose", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("sms_outbox_at_idx").on("sms_outbox").column("at").execute();

      await db.schema
        .createTable("password_notices")
        .addColumn("user_id", t.id, (c) => c.primaryKey().references("users.id").onDelete("cascade"))
        .addColumn("expires_at", t.epoch, (c) => c.notNull())
        .addColumn("days_left", "integer", (c) => c.notNull())
        .addColumn("sent_at", t.epoch, (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ["password_notices", "sms_outbox", "phone_send_counts", "phone_codes", "user_phones"]) await db.schema.dropTable(table).execute();
    },
  };
}
