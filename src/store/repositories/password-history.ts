// Previous password hashes per user (issue 6, item 5: no reuse of the last five).
import type { Kysely } from "kysely";
import type { EpochMs } from "../../core/accounts/types.js";
import type { PasswordHistoryRepository } from "../../core/ports/login-security.js";
import type { Database } from "../schema.js";

export function passwordHistoryRepository(db: Kysely<Database>): PasswordHistoryRepository {
  return {
    async recent(userId: number, limit: number): Promise<string[]> {
      const rows = await db.selectFrom("password_history").select("password_hash").where("user_id", "=", userId).orderBy("id", "desc").limit(limit).execute();
      return rows.map((r) => r.password_hash);
    },

    async add(userId: number, passwordHash: string, replacedAt: EpochMs, keep: number): Promise<void> {
      await db.insertInto("password_history").values({ user_id: userId, password_hash: passwordHash, replaced_at: replacedAt }).execute();
      const kept = db.selectFrom("password_history").select("id").where("user_id", "=", userId).orderBy("id", "desc").limit(keep);
      await db.deleteFrom("password_history").where("user_id", "=", userId).where("id", "not in", kept).execute();
    },
  };
}
