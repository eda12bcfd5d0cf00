// The bound phone of each account and the one-time codes sent to it (issue 6, item 6).
// Single use and the attempt limit are conditional updates, so two nodes checking the same
// code at once cannot both succeed.
import { sql, type Kysely, type Selectable } from "kysely";
import type { EpochMs } from "../../core/accounts/types.js";
import type { PhoneCodePurpose } from "../../core/auth/types.js";
import type { BoundPhone, PhoneRepository, StoredPhoneCode } from "../../core/ports/phone.js";
import type { Database } from "../schema.js";
import type { PhoneCodesTable, UserPhonesTable } from "../schema-phone.js";

const toPhone = (row: Selectable<UserPhonesTable>): BoundPhone => ({ userId: row.user_id, number: row.number, verifiedAt: row.verified_at });

function toCode(row: Selectable<PhoneCodesTable>): StoredPhoneCode {
  return {
    id: row.id,
    userId: row.user_id,
    purpose: row.purpose,
    target: row.target,
    nextNumber: row.next_number,
    hash: row.hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    attempts: row.attempts,
    usedAt: row.used_at,
  };
}

export function phoneRepository(db: Kysely<Database>): PhoneRepository {
  return {
    async get(userId: number): Promise<BoundPhone | undefined> {
      const row = await db.selectFrom("user_phones").selectAll().where("user_id", "=", userId).executeTakeFirst();
      return row && toPhone(row);
    },

    async put(phone: BoundPhone): Promise<void> {
      const values = { user_id: phone.userId, number: phone.number, verified_at: phone.verifiedAt };
      await db
        .insertInto("user_phones")
        .values(values)
        .onConflict((oc) => oc.column("user_id").doUpdateSet({ number: phone.number, verified_at: phone.verifiedAt }))
        .execute();
    },

    async remove(userId: number): Promise<BoundPhone | undefined> {
      const row = await db.deleteFrom("user_phones").where("user_id", "=", userId).returningAll().executeTakeFirst();
      return row && toPhone(row);
    },

    async addCode(code): Promise<StoredPhoneCode> {
      const row = await db
        .insertInto("phone_codes")
        .values({
          user_id: code.userId,
          purpose: code.purpose,
          target: code.target,
          next_number: code.nextNumber,
          hash: code.hash,
          created_at: code.createdAt,
          expires_at: code.expiresAt,
          attempts: 0,
          used_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toCode(row);
    },

    async liveCode(userId: number, purpose: PhoneCodePurpose, now: EpochMs): Promise<StoredPhoneCode | undefined> {
      const row = await db
        .selectFrom("phone_codes")
        .selectAll()
        .where("user_id", "=", userId)
        .where("purpose", "=", purpose)
        .where("used_at", "is", null)
        .where("expires_at", ">", now)
        .orderBy("id", "desc")
        .executeTakeFirst();
      return row && toCode(row);
    },

    async countWrongAttempt(id: number, maxAttempts: number, now: EpochMs): Promise<number> {
      const row = await db
        .updateTable("phone_codes")
        .set((eb) => ({ attempts: eb("attempts", "+", 1) }))
        .where("id", "=", id)
        .returning("attempts")
        .executeTakeFirst();
      const attempts = row?.attempts ?? maxAttempts;
      if (attempts >= maxAttempts) await db.updateTable("phone_codes").set({ used_at: now }).where("id", "=", id).where("used_at", "is", null).execute();
      return attempts;
    },

    async consume(id: number, now: EpochMs): Promise<boolean> {
      const result = await db.updateTable("phone_codes").set({ used_at: now }).where("id", "=", id).where("used_at", "is", null).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async voidCodes(userId: number, purpose: PhoneCodePurpose, now: EpochMs): Promise<void> {
      await db.updateTable("phone_codes").set({ used_at: now }).where("user_id", "=", userId).where("purpose", "=", purpose).where("used_at", "is", null).execute();
    },

    async countSend(key: string, now: EpochMs, windowMs: number): Promise<number> {
      // Both dialects accept the table name for the existing row inside DO UPDATE.
      const stale = sql<boolean>`(${sql.ref("phone_send_counts.window_start")} <= ${now - windowMs})`;
      const row = await db
        .insertInto("phone_send_counts")
        .values({ key, window_start: now, count: 1 })
        .onConflict((oc) =>
          oc.column("key").doUpdateSet({
            count: sql<number>`case when ${stale} then 1 else ${sql.ref("phone_send_counts.count")} + 1 end`,
            window_start: sql<number>`case when ${stale} then ${now} else ${sql.ref("phone_send_counts.window_start")} end`,
          }),
        )
        .returning("count")
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async pruneCodes(olderThan: EpochMs): Promise<number> {
      await db.deleteFrom("phone_send_counts").where("window_start", "<", olderThan).execute();
      const result = await db.deleteFrom("phone_codes").where("created_at", "<", olderThan).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
