// The vacation responder's memory (RFC 5230 §4.2): when each account last answered each sender
// for each :handle.
import type { Kysely } from "kysely";
import type { VacationRepository } from "../../core/ports/user-rules.js";
import type { Database } from "../schema.js";

export function vacationRepository(db: Kysely<Database>): VacationRepository {
  return {
    async lastSent(userId, handle, sender) {
      const row = await db.selectFrom("vacation_replies").select("sent_at").where("user_id", "=", userId).where("handle", "=", handle).where("sender", "=", sender).executeTakeFirst();
      return row === undefined ? undefined : Number(row.sent_at);
    },
    async claim(userId, handle, sender, now, notBefore) {
      // One upsert whose update only happens when the last reply is old enough: two deliveries
      // racing for the same sender record (and send) one reply.
      const result = await db
        .insertInto("vacation_replies")
        .values({ user_id: userId, handle, sender, sent_at: now })
        .onConflict((oc) => oc.columns(["user_id", "handle", "sender"]).doUpdateSet({ sent_at: now }).where("vacation_replies.sent_at", "<", notBefore))
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    },
    async prune(olderThan) {
      const result = await db.deleteFrom("vacation_replies").where("sent_at", "<", olderThan).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
