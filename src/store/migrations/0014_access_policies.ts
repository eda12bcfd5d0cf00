// Access policies (issue 6 item 4, decision 0015): named rules of a domain that allow or refuse
// logins by IP range, country and channel, for every account or listed accounts and groups.
// Lists are JSON text: a login reads its domain's few enabled policies whole.
import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../schema.js";
import { autoId, cascadeRef, columnTypes } from "./columns.js";

export function accessPolicies(dialect: SqlDialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      let table = db.schema
        .createTable("access_policies")
        .addColumn("id", t.id, autoId(dialect))
        .addColumn("domain_id", t.id, cascadeRef("domains.id"))
        .addColumn("name", t.key, (c) => c.notNull())
        .addColumn("enabled", "integer", (c) => c.notNull())
        .addColumn("mode", "text", (c) => c.notNull())
        .addColumn("applies_to", "text", (c) => c.notNull());
      for (const list of ["users_json", "groups_json", "except_json", "ips_json", "countries_json", "channels_json"]) {
        table = table.addColumn(list, "text", (c) => c.notNull());
      }
      await table
        .addColumn("created_at", t.epoch, (c) => c.notNull())
        .addColumn("updated_at", t.epoch, (c) => c.notNull())
        .addColumn("updated_by", "text", (c) => c.notNull())
        .execute();
      // Serves the per-login read of a domain's policies, the name uniqueness and the cascade.
      await db.schema.createIndex("access_policies_domain_name_key").on("access_policies").columns(["domain_id", "name"]).unique().execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable("access_policies").execute();
    },
  };
}
