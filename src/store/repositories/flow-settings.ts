// Per-domain, per-account and per-group mail-flow settings as opaque JSON (core validates them).
import type { Kysely } from "kysely";
import type { FlowSettingsRepository } from "../../core/ports/mail-flow.js";
import type { Database } from "../schema.js";
import { settingsJson } from "./settings-json.js";
import { settingsTable } from "./settings-table.js";

export function flowSettingsRepository(db: Kysely<Database>): FlowSettingsRepository {
  const domains = settingsTable(db, "domain_flow_settings", "domain_id");
  const users = settingsTable(db, "user_flow_settings", "user_id");
  const groups = settingsTable(db, "group_flow_settings", "group_id");
  return {
    getDomain: (id) => domains.get(id),
    putDomain: (id, settings, now) => domains.put(id, settings, now),
    getUser: (id) => users.get(id),
    putUser: (id, settings, now) => users.put(id, settings, now),
    getGroup: (id) => groups.get(id),
    putGroup: (id, settings, now) => groups.put(id, settings, now),
    async allDomains() {
      const rows = await db.selectFrom("domain_flow_settings").select(["domain_id", "settings"]).execute();
      return rows.map((r) => ({ domainId: r.domain_id, settings: settingsJson(r.settings) }));
    },
  };
}
