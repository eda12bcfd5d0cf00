// Per-domain and per-account login settings as opaque JSON (core validates them), and the
// one question about group membership the login rules ask: which groups is this user in.
import type { Kysely } from "kysely";
import type { EpochMs } from "../../core/accounts/types.js";
import type { LoginSettingsRepository } from "../../core/ports/login-security.js";
import type { Address } from "../../mail/address.js";
import type { Database } from "../schema.js";

/** One settings row per owner: the two tables differ only in their key column. */
function settingsTable(db: Kysely<Database>, table: "domain_login_settings" | "user_login_settings", key: "domain_id" | "user_id") {
  // Kysely cannot type a table chosen at run time; both tables have (key, settings, updated_at).
  const anyDb = db as unknown as Kysely<Record<string, { settings: string; updated_at: EpochMs } & Record<string, unknown>>>;
  return {
    async get(id: number): Promise<unknown> {
      const row = await anyDb.selectFrom(table).select("settings").where(key, "=", id).executeTakeFirst();
      return row && (JSON.parse(row.settings) as unknown);
    },
    async put(id: number, settings: object, now: EpochMs): Promise<void> {
      const values = { settings: JSON.stringify(settings), updated_at: now };
      await anyDb
        .insertInto(table)
        .values({ [key]: id, ...values })
        .onConflict((oc) => oc.column(key).doUpdateSet(values))
        .execute();
    },
  };
}

export function loginSettingsRepository(db: Kysely<Database>): LoginSettingsRepository {
  const domains = settingsTable(db, "domain_login_settings", "domain_id");
  const users = settingsTable(db, "user_login_settings", "user_id");
  return {
    getDomain: (domainId) => domains.get(domainId),
    putDomain: (domainId, settings, now) => domains.put(domainId, settings, now),
    getUser: (userId) => users.get(userId),
    putUser: (userId, settings, now) => users.put(userId, settings, now),

    async groupsOfUser(userId: number): Promise<Address[]> {
      const rows = await db
        .selectFrom("group_members")
        .innerJoin("mail_groups", "mail_groups.id", "group_members.group_id")
        .select("mail_groups.address")
        .where("group_members.user_id", "=", userId)
        .orderBy("mail_groups.address")
        .execute();
      return rows.map((r) => r.address);
    },
  };
}
