// Message bodies (once per content, indexed at delivery) and message rows per mailbox.
import { sql, type Kysely, type Selectable } from "kysely";
import type { EpochMs } from "../../core/accounts/types.js";
import type { MessageBody, MessageRepository, StoredMessage } from "../../core/ports/mailstore.js";
import type { MessageIndex } from "../../mail/mime/index-message.js";
import { MoatError } from "../../shared/errors.js";
import { prepared } from "../prepared.js";
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

// A delivery's writes, compiled once (prepared.ts).
const insertBody = prepared((db, hash: string, size: number, inline: Buffer | null, indexJson: string, now: EpochMs) =>
  db
    .insertInto("message_bodies")
    .values({ hash, size, inline_data: inline, index_json: indexJson, created_at: now })
    .onConflict((oc) => oc.column("hash").doNothing()),
);

// Every message read (POP3 RETR, IMAP BODY[]): compiled once.
const inlineData = prepared((db, hash: string) => db.selectFrom("message_bodies").select("inline_data").where("hash", "=", hash));

// One statement takes the next UID and MODSEQ: the row lock (PostgreSQL) or the write
// transaction (SQLite) keeps two deliveries from taking the same UID.
const takeUid = prepared((db, mailboxId: number) =>
  db
    .updateTable("mailboxes")
    .set({ uid_next: sql`uid_next + 1`, highest_modseq: sql`highest_modseq + 1` })
    .where("id", "=", mailboxId)
    .returning(["uid_next", "highest_modseq"]),
);

const insertMessage = prepared(
  (db, mailboxId: number, uid: number, modseq: number, bodyHash: string, size: number, flags: string, internalDate: EpochMs) =>
    db
      .insertInto("messages")
      .values({ mailbox_id: mailboxId, uid, modseq, body_hash: bodyHash, size, flags, internal_date: internalDate })
      .returningAll(),
);

export function messageRepository(db: Kysely<Database>): MessageRepository {
  return {
    async putBody(body: { hash: string; size: number; inline: Buffer | null; index: MessageIndex; now: EpochMs }): Promise<void> {
      await insertBody(db, body.hash, body.size, body.inline, JSON.stringify(body.index), body.now);
    },

    async getBody(hash: string): Promise<MessageBody | undefined> {
      const row = await db.selectFrom("message_bodies").selectAll().where("hash", "=", hash).executeTakeFirst();
      if (!row) return undefined;
      return { hash: row.hash, size: row.size, inline: row.inline_data, index: JSON.parse(row.index_json) as MessageIndex };
    },

    async getInline(hash: string): Promise<Buffer | null | undefined> {
      const [row] = await inlineData(db, hash);
      return row === undefined ? undefined : row.inline_data;
    },

    async append(mailboxId, message): Promise<StoredMessage> {
      const [counters] = await takeUid(db, mailboxId);
      // The mailbox went away since the caller looked it up (deleted meanwhile).
      if (counters === undefined) throw new MoatError("internal", `no mailbox ${mailboxId} to append to`);
      const [row] = await insertMessage(db, mailboxId, counters.uid_next - 1, counters.highest_modseq, message.bodyHash, message.size, message.flags.join(" "), message.internalDate);
      return toMessage(row!);
    },

    async list(mailboxId: number): Promise<StoredMessage[]> {
      return (await db.selectFrom("messages").selectAll().where("mailbox_id", "=", mailboxId).orderBy("uid").execute()).map(toMessage);
    },
  };
}
