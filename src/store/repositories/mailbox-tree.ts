// Mailbox create, rename and delete, and the per-mailbox counters the shared mailbox
// operations take (core/mailstore/operations.ts). Every write here runs inside the caller's
// transaction; lock() is the first statement of an operation so that, on PostgreSQL, the
// mailbox row lock orders two sessions changing the same mailbox.
import { sql, type Kysely } from "kysely";
import { MoatError } from "../../shared/errors.js";
import type { MailboxCounters, MailboxStatus, MailboxTreeRepository } from "../../core/ports/mailstore.js";
import { prepared } from "../prepared.js";
import type { Database } from "../schema.js";
import { toMailbox } from "./mailboxes.js";

// Every SELECT reads the \Recent counter: compiled once (prepared.ts).
const recentCounter = prepared((db, id: number) => db.selectFrom("mailboxes").select(["first_recent_uid", "uid_next"]).where("id", "=", id));
// Every STORE, COPY, MOVE and EXPUNGE locks its mailbox and most take a MODSEQ: compiled once too.
const lockRow = prepared((db, id: number) => db.updateTable("mailboxes").set({ uid_next: sql`uid_next` }).where("id", "=", id).returningAll());
const advanceRow = prepared((db, id: number, uids: number) =>
  db
    .updateTable("mailboxes")
    .set({ uid_next: sql`uid_next + ${uids}`, highest_modseq: sql`highest_modseq + 1` })
    .where("id", "=", id)
    .returning(["uid_validity", "uid_next", "highest_modseq"]),
);

/** Flags are stored space-separated; padding with spaces makes one LIKE find a whole flag. */
export function hasFlag(flag: string) {
  // ESCAPE '!': PostgreSQL's LIKE treats a backslash as its escape character, SQLite does not.
  return sql<boolean>`(' ' || flags || ' ') like ${`% ${flag} %`} escape '!'`;
}

/**
 * name is `parent/…`. substr, not LIKE: SQLite's LIKE ignores ASCII case, and "Work" and
 * "work" are different mailboxes. Lengths are in code points, as both dialects' substr counts.
 */
function isChildOf(parent: string) {
  const prefix = `${parent}/`;
  return sql<boolean>`substr(name, 1, ${[...prefix].length}) = ${prefix}`;
}

export function mailboxTreeRepository(db: Kysely<Database>): MailboxTreeRepository {
  return {
    async findById(id) {
      const row = await db.selectFrom("mailboxes").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toMailbox(row);
    },

    async insert(userId, box) {
      const row = await db
        .insertInto("mailboxes")
        .values({
          user_id: userId,
          name: box.name,
          special_use: box.specialUse,
          uid_validity: box.uidValidity,
          uid_next: 1,
          highest_modseq: 1,
          created_at: box.now,
        })
        // DO NOTHING rather than a unique violation, which would abort a PostgreSQL transaction.
        .onConflict((oc) => oc.columns(["user_id", "name"]).doNothing())
        .returningAll()
        .executeTakeFirst();
      return row && toMailbox(row);
    },

    async nextUidValidity(userId, atLeast) {
      // Mailboxes made before this table existed (the defaults) count too.
      const existing = await db.selectFrom("mailboxes").select((eb) => eb.fn.max("uid_validity").as("v")).where("user_id", "=", userId).executeTakeFirst();
      const floor = Math.max(atLeast, Number(existing?.v ?? 0) + 1);
      const next = sql<number>`${sql.ref("mailbox_uid_validity.last_value")} + 1`;
      const row = await db
        .insertInto("mailbox_uid_validity")
        .values({ user_id: userId, last_value: floor })
        .onConflict((oc) => oc.column("user_id").doUpdateSet({ last_value: sql<number>`case when ${next} > ${floor} then ${next} else ${floor} end` }))
        .returning("last_value")
        .executeTakeFirstOrThrow();
      return row.last_value;
    },

    async renameTree(userId, from, to) {
      // substr is 1-based and counts code points in both dialects: keep what follows the old name.
      const renamed = sql<string>`${to} || substr(name, ${[...from].length + 1})`;
      // A subscription already held under a new name stays; the moved duplicate goes.
      await db
        .deleteFrom("subscriptions")
        .where("user_id", "=", userId)
        .where((eb) => eb.or([eb("name", "=", from), isChildOf(from)]))
        .where(({ exists, selectFrom }) =>
          exists(
            selectFrom("subscriptions as s")
              .select("s.name")
              .where("s.user_id", "=", userId)
              .whereRef("s.name", "=", sql`${to} || substr(subscriptions.name, ${[...from].length + 1})`),
          ),
        )
        .execute();
      await db
        .updateTable("subscriptions")
        .set({ name: renamed })
        .where("user_id", "=", userId)
        .where((eb) => eb.or([eb("name", "=", from), isChildOf(from)]))
        .execute();
      const result = await db
        .updateTable("mailboxes")
        .set({ name: renamed })
        .where("user_id", "=", userId)
        .where((eb) => eb.or([eb("name", "=", from), isChildOf(from)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async hasChildren(userId, name) {
      const row = await db
        .selectFrom("mailboxes")
        .select("id")
        .where("user_id", "=", userId)
        .where(isChildOf(name))
        .executeTakeFirst();
      return row !== undefined;
    },

    async remove(id) {
      await db.deleteFrom("mailboxes").where("id", "=", id).execute();
    },

    async setNoselect(id, noselect) {
      const set = noselect ? { noselect: 1, special_use: null } : { noselect: 0 };
      await db.updateTable("mailboxes").set(set).where("id", "=", id).execute();
    },

    async subscriptions(userId) {
      const rows = await db.selectFrom("subscriptions").select("name").where("user_id", "=", userId).orderBy("name").execute();
      return rows.map((r) => r.name);
    },

    async setSubscribed(userId, name, subscribed) {
      const result = subscribed
        ? await db.insertInto("subscriptions").values({ user_id: userId, name }).onConflict((oc) => oc.columns(["user_id", "name"]).doNothing()).executeTakeFirst()
        : await db.deleteFrom("subscriptions").where("user_id", "=", userId).where("name", "=", name).executeTakeFirst();
      return Number("numInsertedOrUpdatedRows" in result ? (result.numInsertedOrUpdatedRows ?? 0n) : result.numDeletedRows) > 0;
    },

    async lock(id) {
      const [row] = await lockRow(db, id);
      return row && toMailbox(row);
    },

    async advance(id, uids): Promise<MailboxCounters> {
      const [row] = await advanceRow(db, id, uids);
      if (row === undefined) throw new MoatError("mailbox_not_found");
      return { uidValidity: row.uid_validity, firstUid: row.uid_next - uids, modseq: row.highest_modseq };
    },

    async raise(id, uidNext, highestModseq) {
      await db
        .updateTable("mailboxes")
        .set({
          uid_next: sql`case when uid_next < ${uidNext} then ${uidNext} else uid_next end`,
          highest_modseq: sql`case when highest_modseq < ${highestModseq} then ${highestModseq} else highest_modseq end`,
        })
        .where("id", "=", id)
        .execute();
    },

    async claimRecent(id) {
      // Most SELECTs find nothing new to claim: that costs a read, not a write transaction
      // (and its sync). Otherwise one compare-and-set: of two sessions claiming at once, only the
      // one whose first_recent_uid still matches gets the UIDs, up to uid_next at that moment.
      for (;;) {
        const [row] = await recentCounter(db, id);
        if (row === undefined) throw new MoatError("mailbox_not_found");
        if (row.first_recent_uid >= row.uid_next) return { from: row.uid_next, to: row.uid_next };
        const claimed = await db
          .updateTable("mailboxes")
          .set({ first_recent_uid: sql`uid_next` })
          .where("id", "=", id)
          .where("first_recent_uid", "=", row.first_recent_uid)
          .returning("first_recent_uid")
          .executeTakeFirst();
        if (claimed) return { from: row.first_recent_uid, to: claimed.first_recent_uid };
      }
    },

    async status(id): Promise<MailboxStatus | undefined> {
      const box = await db.selectFrom("mailboxes").selectAll().where("id", "=", id).executeTakeFirst();
      if (!box) return undefined;
      const counts = await db
        .selectFrom("messages")
        .select((eb) => [
          eb.fn.countAll<number>().as("messages"),
          eb.fn.sum<number>(sql`case when ${hasFlag("\\Seen")} then 0 else 1 end`).as("unseen"),
          eb.fn.sum<number>(sql`case when uid >= ${box.first_recent_uid} then 1 else 0 end`).as("recent"),
          eb.fn.sum<number>("size").as("size"),
        ])
        .where("mailbox_id", "=", id)
        .executeTakeFirstOrThrow();
      return {
        // count/sum come back as strings from PostgreSQL (numeric) and null over no rows.
        messages: Number(counts.messages),
        unseen: Number(counts.unseen ?? 0),
        recent: Number(counts.recent ?? 0),
        size: Number(counts.size ?? 0),
        uidNext: box.uid_next,
        uidValidity: box.uid_validity,
        highestModseq: box.highest_modseq,
      };
    },
  };
}
