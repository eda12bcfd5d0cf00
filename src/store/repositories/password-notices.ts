// The last password-expiry notice of each account (issue 6, item 5). claim() is one upsert
// whose update is conditional, so when several nodes run the reminder job only one of them
// sends a given notice.
import { sql, type Kysely } from "kysely";
import type { PasswordNotice, PasswordNoticeRepository } from "../../core/ports/phone.js";
import type { Database } from "../schema.js";

export function passwordNoticeRepository(db: Kysely<Database>): PasswordNoticeRepository {
  return {
    async claim(notice: PasswordNotice, minGapMs: number): Promise<boolean> {
      const values = { user_id: notice.userId, expires_at: notice.expiresAt, days_left: notice.daysLeft, sent_at: notice.sentAt };
      const row = await db
        .insertInto("password_notices")
        .values(values)
        .onConflict((oc) =>
          oc
            .column("user_id")
            .doUpdateSet({ expires_at: notice.expiresAt, days_left: notice.daysLeft, sent_at: notice.sentAt })
            .where((eb) =>
              eb.and([
                eb("password_notices.sent_at", "<=", notice.sentAt - minGapMs),
                eb.or([eb("password_notices.expires_at", "<>", notice.expiresAt), eb("password_notices.days_left", ">", notice.daysLeft)]),
              ]),
            ),
        )
        .returning(sql<number>`1`.as("claimed"))
        .executeTakeFirst();
      return row !== undefined;
    },

    async release(notice: PasswordNotice): Promise<void> {
      await db
        .deleteFrom("password_notices")
        .where("user_id", "=", notice.userId)
        .where("expires_at", "=", notice.expiresAt)
        .where("days_left", "=", notice.daysLeft)
        .where("sent_at", "=", notice.sentAt)
        .execute();
    },

    async get(userId: number): Promise<PasswordNotice | undefined> {
      const row = await db.selectFrom("password_notices").selectAll().where("user_id", "=", userId).executeTakeFirst();
      return row && { userId: row.user_id, expiresAt: row.expires_at, daysLeft: row.days_left, sentAt: row.sent_at };
    },
  };
}
