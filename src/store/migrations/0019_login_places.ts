// Login records enriched at write time (issue 8 item 1, decision 0024): where the address is
// (country, region, city from GeoLite2; `network` says what a non-public address is), which
// network announces it (asn, as_org), the client security password used (its name), and
// `ip_key`, the address as fixed-width hex so an IP or CIDR filter is a range scan on one index
// in both dialects (IPv4 as its IPv4-mapped IPv6 form, so one key space holds both families).
// All nullable: records written before this migration have none of them.
import type { Kysely, Migration } from "kysely";
import type { SqlDialect } from "../schema.js";
import { columnTypes } from "./columns.js";

export function loginPlaces(dialect: SqlDialect): Migration {
  const t = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // One column per statement: SQLite's ALTER TABLE adds one at a time.
      const columns: Array<[string, typeof t.key | "text" | "integer" | "bigint"]> = [
        ["ip_key", t.key],
        ["network", "text"],
        ["country", t.key],
        ["region", "text"],
        ["city", "text"],
        ["asn", t.big],
        ["as_org", "text"],
        ["app_password_name", "text"],
      ];
      for (const [name, type] of columns) await db.schema.alterTable("login_records").addColumn(name, type).execute();
      // `moat logins --country` and `--ip` across a domain or the install, newest first.
      await db.schema.createIndex("login_records_country_idx").on("login_records").columns(["country", "id"]).execute();
      await db.schema.createIndex("login_records_ip_key_idx").on("login_records").column("ip_key").execute();
    },
  };
}
