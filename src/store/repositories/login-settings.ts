// Per-domain and per-account login settings as opaque JSON (core validates them), and the
// one question about group membership the login rules ask: which groups is this user in.
import type { Kysely } from "kysely";
import type { LoginSettingsRepository } from "../../core/ports/login-security.js";
import type { Address } from "../../mail/address.js";
import type { Database } from "../schema.js";
import { settingsTable } from "./settings-table.js";

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
