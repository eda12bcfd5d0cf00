// Each account's learned login profile (issue 8 item 2): one JSON document, read and written
// whole; its shape is core's (core/security/anomalies/profile.ts), checked there on read.
import type { Kysely } from "kysely";
import type { LoginProfileRepository, StoredLoginProfile } from "../../core/ports/login-events.js";
import type { EpochMs } from "../../core/accounts/types.js";
import { prepared } from "../prepared.js";
import type { Database } from "../schema.js";

const stored = (row: { data: string | null; updated_at: number | string | null } | undefined): StoredLoginProfile | undefined =>
  row?.data == null ? undefined : { data: JSON.parse(row.data) as unknown, updatedAt: Number(row.updated_at) };

// Read after every successful login (the detector): compiled once (prepared.ts).
const byUser = prepared((db, userId: number) => db.selectFrom("login_profiles").select(["data", "updated_at"]).where("user_id", "=", userId));
// One statement: the profile row (if any) and the count over login_records (user_id, at).
const withFailures = prepared((db, userId: number, since: EpochMs) =>
  db.selectNoFrom((eb) => [
    eb.selectFrom("login_profiles").select("data").where("user_id", "=", userId).as("data"),
    eb.selectFrom("login_profiles").select("updated_at").where("user_id", "=", userId).as("updated_at"),
    eb
      .selectFrom("login_records")
      .select((c) => c.fn.countAll<number>().as("n"))
      .where("user_id", "=", userId)
      .where("at", ">=", since)
      .where("result", "=", "failure")
      .as("failures"),
  ]),
);

export function loginProfileRepository(db: Kysely<Database>): LoginProfileRepository {
  return {
    async get(userId) {
      const [row] = await byUser(db, userId);
      return stored(row);
    },
    async getWithFailures(userId, since) {
      const [row] = await withFailures(db, userId, since);
      return { profile: stored(row), failures: Number(row?.failures ?? 0) };
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
