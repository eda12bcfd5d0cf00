// Message bodies (once per content, indexed at delivery) and message rows per mailbox.
import { sql, type Kysely, type Selectable } from "kysely";
import type { EpochMs } from "../../core/accounts/types.js";
import type { MessageBody, MessageRepository, StoredMessage } from "../../core/ports/mailstore.js";
import type { MessageIndex } from "../../mail/mime/index-message.js";
import type { Database, MessagesTable } from "../schema.js";

function toMessage(row: Selectable<MessagesTable>): StoredMessage {
  return {
    id: row.id,
    mailboxId: row.mailbox_id,
    uid: row.uid,
    modseq: row.modseq,
    bodyHash: row.body_hash,
    size: row.size,
    flags: row.flags === "" ? [] : row.flags.split(" "),
    internalDate: row.internal_date,
  };
}

export function messageRepository(db: Kysely<Database>): MessageRepository {
  return {
    async putBody(body: { hash: string; size: number; inline: Buffer | null; index: MessageIndex; now: EpochMs }): Promise<void> {
      await db
        .insertInto("message_bodies")
        .values({ hash: body.hash, size: body.size, inline_data: body.inline, index_json: JSON.stringify(body.index), created_at: body.now })
        .onConflict((oc) => oc.column("hash").doNothing())
        .execute();
    },

    async getBody(hash: string): Promise<MessageBody | undefined> {
      const row = await db.selectFrom("message_bodies").selectAll().where("hash", "=", hash).executeTakeFirst();
      if (!row) return undefined;
      return { hash: row.hash, size: row.size, inline: row.inline_data, index: JSON.parse(row.index_json) as MessageIndex };
    },

    async append(mailboxId, message): Promise<StoredMessage> {
      // One statement takes the next UID and MODSEQ: the row lock (PostgreSQL) or the write
      // transaction (SQLite) keeps two deliveries from taking the same UID.
      const counters = await db
        .updateTable("mailboxes")
        .set({ uid_next: sql`uid_next + 1`, highest_modseq: sql`highest_modseq + 1` })
        .where("id", "=", mailboxId)
        .returning(["uid_next", "highest_modseq"])
        .executeTakeFirstOrThrow();
      const row = await db
        .insertInto("messages")
        .values({
          mailbox_id: mailboxId,
          uid: counters.uid_next - 1,
          modseq: counters.highest_modseq,
          body_hash: message.bodyHash,
          size: message.size,
          flags: message.flags.join(" "),
          internal_date: message.internalDate,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toMessage(row);
    },

    async list(mailboxId: number): Promise<StoredMessage[]> {
      return (await db.selectFrom("messages").selectAll().where("mailbox_id", "=", mailboxId).orderBy("uid").execute()).map(toMessage);
    },
  };
}
