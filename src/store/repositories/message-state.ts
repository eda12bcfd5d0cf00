// Flags, copies and expunges on message rows, and the CONDSTORE/QRESYNC reads. The caller
// (core/mailstore/operations.ts) has already taken the MODSEQ with mailboxTree.advance() in
// the same transaction, which also serialises writers of one mailbox.
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from "kysely";
import type { MessageCopy, MessageStateRepository, StoredMessage, UidSet } from "../../core/ports/mailstore.js";
import { prepared } from "../prepared.js";
import type { Database } from "../schema.js";
import { toMessage } from "./messages.js";

// A STORE reads its messages, updates their flags and every session of the mailbox then reads
// what changed: compiled once (prepared.ts). A UID set of one range is what clients send
// nearly always (1:*, n:m, one UID); other sets are built per call.
const allRows = prepared((db, mailboxId: number) => db.selectFrom("messages").selectAll().where("mailbox_id", "=", mailboxId).orderBy("uid"));
const rowsBetween = prepared((db, mailboxId: number, from: number, to: number) =>
  db.selectFrom("messages").selectAll().where("mailbox_id", "=", mailboxId).where("uid", ">=", from).where("uid", "<=", to).orderBy("uid"),
);
const changedRows = prepared((db, mailboxId: number, modseq: number) =>
  db.selectFrom("messages").selectAll().where("mailbox_id", "=", mailboxId).where("modseq", ">", modseq).orderBy("uid"),
);
const vanishedRows = prepared((db, mailboxId: number, modseq: number) =>
  db.selectFrom("expunged").select("uid").where("mailbox_id", "=", mailboxId).where("modseq", ">", modseq).orderBy("uid"),
);
const flagsUpdate = prepared((db, flags: string, modseq: number, mailboxId: number, uid: number) =>
  db.updateTable("messages").set({ flags, modseq }).where("mailbox_id", "=", mailboxId).where("uid", "=", uid),
);

/** uid in any of the ranges. A single UID is "=", so a long list of them stays index-friendly. */
function inUidSet(eb: ExpressionBuilder<Database, "messages">, uids: UidSet): Expression<SqlBool> {
  if (uids.length === 0) return sql<SqlBool>`1 = 0`;
  return eb.or(uids.map(([from, to]) => (from === to ? eb("uid", "=", from) : eb.between("uid", Math.min(from, to), Math.max(from, to)))));
}

/** Statements stay well under SQLite's and PostgreSQL's bound-parameter limits. */
function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function messageStateRepository(db: Kysely<Database>): MessageStateRepository {
  /** One round of releaseBodies: deletes what nothing needs; returns the bases of the shared rows it deleted. */
  async function releaseSome(unique: readonly string[], released: string[]): Promise<string[]> {
    const bases = new Set<string>();
    for (const part of chunks(unique)) {
      const rows = await db
        .deleteFrom("message_bodies")
        .where("hash", "in", part)
        .where((eb) => eb.not(eb.exists(eb.selectFrom("messages as m").select("m.id").whereRef("m.body_hash", "=", "message_bodies.hash"))))
        .where((eb) =>
          eb.not(eb.exists(eb.selectFrom("outbound_messages as o").select("o.id").whereRef("o.blob_hash", "=", "message_bodies.hash"))),
        )
        // Mail waiting for a moderator or auditor (issue 7) keeps its body too.
        .where((eb) =>
          eb.not(eb.exists(eb.selectFrom("held_messages as h").select("h.id").whereRef("h.body_hash", "=", "message_bodies.hash").where("h.status", "=", "held"))),
        )
        // Rows stored over this one: their keys are its hash, a dot and more (shared-body.ts).
        .where((eb) =>
          eb.not(eb.exists(eb.selectFrom("message_bodies as s").select("s.hash").where(sql<boolean>`s.hash >= message_bodies.hash || '.' and s.hash < message_bodies.hash || '/'`))),
        )
        .returning(["hash", "base_hash", sql<number>`case when inline_data is null and base_hash is null then 1 else 0 end`.as("in_blobs")])
        .execute();
      if (rows.length > 0) {
        await db.deleteFrom("message_index").where("hash", "in", rows.map((r) => r.hash)).execute();
        await db.deleteFrom("message_text").where("hash", "in", rows.map((r) => r.hash)).execute();
      }
      released.push(...rows.filter((r) => Number(r.in_blobs) === 1).map((r) => r.hash));
      for (const row of rows) if (row.base_hash !== null) bases.add(row.base_hash);
    }
    return [...bases];
  }

  return {
    async select(mailboxId, uids) {
      if (uids === undefined) return (await allRows(db, mailboxId)).map(toMessage);
      if (uids.length === 1) {
        const [a, b] = uids[0]!;
        return (await rowsBetween(db, mailboxId, Math.min(a, b), Math.max(a, b))).map(toMessage);
      }
      let q = db.selectFrom("messages").selectAll().where("mailbox_id", "=", mailboxId);
      if (uids !== undefined) q = q.where((eb) => inUidSet(eb, uids));
      return (await q.orderBy("uid").execute()).map(toMessage);
    },

    async changedSince(mailboxId, modseq) {
      return (await changedRows(db, mailboxId, modseq)).map(toMessage);
    },

    async vanishedSince(mailboxId, modseq) {
      return (await vanishedRows(db, mailboxId, modseq)).map((r) => r.uid);
    },

    async setFlags(mailboxId, changes, modseq) {
      // One UPDATE per message: each row gets its own flag string.
      for (const change of changes) await flagsUpdate(db, change.flags.join(" "), modseq, mailboxId, change.uid);
    },

    async insertCopies(mailboxId, copies) {
      const out: StoredMessage[] = [];
      for (const part of chunks(copies, 100)) {
        const rows = await db
          .insertInto("messages")
          .values(
            part.map((c: MessageCopy) => ({
              mailbox_id: mailboxId,
              uid: c.uid,
              modseq: c.modseq,
              body_hash: c.bodyHash,
              size: c.size,
              flags: c.flags.join(" "),
              internal_date: c.internalDate,
            })),
          )
          .returningAll()
          .execute();
        out.push(...rows.map(toMessage));
      }
      return out.sort((a, b) => a.uid - b.uid);
    },

    async moveAll(fromMailboxId, toMailboxId, modseq) {
      await db.updateTable("messages").set({ mailbox_id: toMailboxId, modseq }).where("mailbox_id", "=", fromMailboxId).execute();
    },

    async expunge(mailboxId, uids, modseq) {
      for (const part of chunks(uids)) {
        await db.deleteFrom("messages").where("mailbox_id", "=", mailboxId).where("uid", "in", part).execute();
        // A UID is never reused, so its tombstone is never there already.
        await db.insertInto("expunged").values(part.map((uid) => ({ mailbox_id: mailboxId, uid, modseq }))).execute();
      }
    },

    async releaseBodies(hashes) {
      let unique = [...new Set(hashes)];
      const released: string[] = [];
      // A body stored over another (0021) keeps its base; once it goes, its base may go too.
      while (unique.length > 0) unique = await releaseSome(unique, released);
      return released;
    },
  };
}
