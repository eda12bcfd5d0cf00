// What the shared mailbox operations (IMAP, POP3, web API) need beyond delivery:
//   - expunged: one tombstone per expunged UID with the MODSEQ of its expunge, so QRESYNC
//     (RFC 7162 §3.2.5) can answer VANISHED (EARLIER) for a client's last known MODSEQ.
//   - mailboxes.first_recent_uid: \Recent (RFC 3501 §2.3.2) belongs to exactly one session;
//     the first session to select the mailbox claims UIDs from here up to UIDNEXT.
//   - mailbox_uid_validity: the last UIDVALIDITY handed out per user. A mailbox deleted and
//     created again within the same second must not get the old value back (RFC 3501 §2.3.1.1),
//     and the deleted row no longer remembers it.
//   - messages (mailbox_id, modseq): CONDSTORE's CHANGEDSINCE reads by MODSEQ.
import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../schema.js";
import { cascadeRef, columnTypes } from "./columns.js";

export function mailboxOps(dialect: SqlDialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("expunged")
        .addColumn("mailbox_id", t.id, cascadeRef("mailboxes.id"))
        .addColumn("uid", t.big, (c) => c.notNull())
        .addColumn("modseq", t.big, (c) => c.notNull())
        .addPrimaryKeyConstraint("expunged_pkey", ["mailbox_id", "uid"])
        .execute();
      await db.schema.createIndex("expunged_mailbox_modseq_idx").on("expunged").columns(["mailbox_id", "modseq"]).execute();

      // 1: in an existing mailbox every message is recent until a session selects it, as in a new one.
      await db.schema.alterTable("mailboxes").addColumn("first_recent_uid", t.big, (c) => c.notNull().defaultTo(1)).execute();

      await db.schema
        .createTable("mailbox_uid_validity")
        .addColumn("user_id", t.id, (c) => c.primaryKey().references("users.id").onDelete("cascade"))
        .addColumn("last_value", t.big, (c) => c.notNull())
        .execute();

      await db.schema.createIndex("messages_mailbox_modseq_idx").on("messages").columns(["mailbox_id", "modseq"]).execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex("messages_mailbox_modseq_idx").execute();
      await db.schema.dropTable("mailbox_uid_validity").execute();
      await db.schema.alterTable("mailboxes").dropColumn("first_recent_uid").execute();
      await db.schema.dropTable("expunged").execute();
    },
  };
}
