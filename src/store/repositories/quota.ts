// Bytes used per user, kept as a running total so a quota check is one row, not a sum over
// every message the user has.
import { sql, type Kysely } from "kysely";
import type { QuotaRepository } from "../../core/ports/mailstore.js";
import { prepared } from "../prepared.js";
import type { Database } from "../schema.js";

// Both run once per delivered message: compiled once (prepared.ts).
const usedBytes = prepared((db, userId: number) => db.selectFrom("quota_usage").select("used_bytes").where("user_id", "=", userId));

const addBytes = prepared((db, userId: number, initial: number, bytes: number) =>
  db
    .insertInto("quota_usage")
    .values({ user_id: userId, used_bytes: initial })
    .onConflict((oc) => {
      // CASE, not max()/greatest(): the one spelling both dialects share.
      const sum = sql<number>`${sql.ref("quota_usage.used_bytes")} + ${bytes}`;
      return oc.column("user_id").doUpdateSet({ used_bytes: sql<number>`case when ${sum} < 0 then 0 else ${sum} end` });
    }),
);

export function quotaRepository(db: Kysely<Database>): QuotaRepository {
  return {
    async usage(userId: number): Promise<number> {
      const [row] = await usedBytes(db, userId);
      return row?.used_bytes ?? 0;
    },

    async add(userId: number, bytes: number): Promise<void> {
      await addBytes(db, userId, Math.max(0, bytes), bytes);
    },
  };
}
