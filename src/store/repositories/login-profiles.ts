// Each account's learned login profile (issue 8 item 2): one JSON document, read and written
// whole; its shape is core's (core/security/anomalies/profile.ts), checked there on read.
import type { Kysely } from "kysely";
import type { LoginProfileRepository, StoredLoginProfile } from "../../core/ports/login-events.js";
import type { Database } from "../schema.js";

const stored = (row: { data: string | null; updated_at: number | string | null } | undefined): StoredLoginProfile | undefined =>
  row?.data == null ? undefined : { data: JSON.parse(row.data) as unknown, updatedAt: Number(row.updated_at) };

export function loginProfileRepository(db: Kysely<Database>): LoginProfileRepository {
  return {
    async get(userId) {
      return stored(await db.selectFrom("login_profiles").select(["data", "updated_at"]).where("user_id", "=", userId).executeTakeFirst());
    },
    async getWithFailures(userId, since) {
      // One statement: the profile row (if any) and the count over login_records (user_id, at).
      const row = await db
        .selectNoFrom((eb) => [
          eb.selectFrom("login_profiles").select("data").where("user_id", "=", userId).as("data"),
          eb.selectFrom("login_profiles").select("updated_at").where("user_id", "=", userId).as("updated_at"),
          eb
            .selectFrom("login_records")
            .select((c) => c.fn.countAll<number>().as("n"))
            .where("user_id", "=", userId)
            .where("at", ">=", since)
            .where("result", "=", "failure")
            .as("failures"),
        ])
        .executeTakeFirstOrThrow();
      return { profile: stored(row), failures: Number(row.failures ?? 0) };
    },
    async put(userId, data, at) {
      const text = JSON.stringify(data);
      await db
        .insertInto("login_profiles")
        .values({ user_id: userId, data: text, updated_at: at })
        .onConflict((oc) => oc.column("user_id").doUpdateSet({ data: text, updated_at: at }))
        .execute();
    },
  };
}
