// Mailboxes and their IMAP counters (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ).
import type { Kysely, Selectable } from "kysely";
import type { EpochMs } from "../../core/accounts/types.js";
import type { Mailbox, MailboxRepository, SpecialUse } from "../../core/ports/mailstore.js";
import { prepared } from "../prepared.js";
import type { Database, MailboxesTable } from "../schema.js";

/** A mailbox row as core sees it; mailbox-tree.ts reads the same rows. */
export function toMailbox(row: Selectable<MailboxesTable>): Mailbox {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    specialUse: row.special_use,
    uidValidity: row.uid_validity,
    uidNext: row.uid_next,
    highestModseq: row.highest_modseq,
    firstRecentUid: row.first_recent_uid,
    createdAt: row.created_at,
    noselect: row.noselect === 1,
  };
}

// Every delivery looks up the recipient's INBOX: compiled once (prepared.ts).
const byName = prepared((db, userId: number, name: string) => db.selectFrom("mailboxes").selectAll().where("user_id", "=", userId).where("name", "=", name));

export function mailboxRepository(db: Kysely<Database>): MailboxRepository {
  return {
    async create(userId, boxes, uidValidity: number, now: EpochMs): Promise<Mailbox[]> {
      if (boxes.length === 0) return [];
      const rows = await db
        .insertInto("mailboxes")
        .values(
          boxes.map((b) => ({
            user_id: userId,
            name: b.name,
            special_use: b.specialUse,
            uid_validity: uidValidity,
            uid_next: 1,
            highest_modseq: 1,
            created_at: now,
          })),
        )
        .returningAll()
        .execute();
      // The folders every user starts with are subscribed (decision 0012).
      await db
        .insertInto("subscriptions")
        .values(boxes.map((b) => ({ user_id: userId, name: b.name })))
        .onConflict((oc) => oc.columns(["user_id", "name"]).doNothing())
        .execute();
      return rows.map(toMailbox);
    },

    async findByName(userId: number, name: string): Promise<Mailbox | undefined> {
      const [row] = await byName(db, userId, name);
      return row && toMailbox(row);
    },

    async findSpecial(userId: number, specialUse: SpecialUse): Promise<Mailbox | undefined> {
      const row = await db
        .selectFrom("mailboxes")
        .selectAll()
        .where("user_id", "=", userId)
        .where("special_use", "=", specialUse)
        .where("noselect", "=", 0)
        .orderBy("id")
        .executeTakeFirst();
      return row && toMailbox(row);
    },

    async list(userId: number): Promise<Mailbox[]> {
      return (await db.selectFrom("mailboxes").selectAll().where("user_id", "=", userId).orderBy("name").execute()).map(toMailbox);
    },
  };
}
