// Per-domain POP3 settings (migration 0005): one row per domain that changed a default.
import type { Kysely } from "kysely";
import { defaultPop3Settings, type Pop3Settings, type Pop3SettingsRepository } from "../../core/ports/maildrop.js";
import type { Database } from "../schema.js";

export function pop3SettingsRepository(db: Kysely<Database>): Pop3SettingsRepository {
  return {
    async get(domainId: number): Promise<Pop3Settings> {
      const row = await db.selectFrom("domain_pop3_settings").selectAll().where("domain_id", "=", domainId).executeTakeFirst();
      return row === undefined ? defaultPop3Settings : { leaveOnServer: row.leave_on_server === 1, folder: row.folder };
    },

    async put(domainId: number, settings: Pop3Settings): Promise<void> {
      const values = { leave_on_server: settings.leaveOnServer ? 1 : 0, folder: settings.folder };
      await db
        .insertInto("domain_pop3_settings")
        .values({ domain_id: domainId, ...values })
        .onConflict((oc) => oc.column("domain_id").doUpdateSet(values))
        .execute();
    },
  };
}
