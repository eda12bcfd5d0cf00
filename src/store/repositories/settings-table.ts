// One JSON settings object per owner (a domain, account or group), for every table of that
// shape: login settings (0006) and mail-flow settings (0017). Core validates the JSON.
import type { Kysely } from "kysely";
import type { EpochMs } from "../../core/accounts/types.js";
import { prepared, type PreparedQuery } from "../prepared.js";
import type { Database } from "../schema.js";
import { settingsJson } from "./settings-json.js";

export interface SettingsTable {
  get(id: number): Promise<unknown>;
  put(id: number, settings: object, now: EpochMs): Promise<void>;
}

type SettingsTableName = "domain_login_settings" | "user_login_settings" | "domain_flow_settings" | "user_flow_settings" | "group_flow_settings";

type AnyDb = Kysely<Record<string, { settings: string; updated_at: EpochMs } & Record<string, unknown>>>;

/** Each table's read, compiled once (prepared.ts): a login reads the domain's and the account's. */
const reads = new Map<SettingsTableName, PreparedQuery<[number], { settings: string }>>();
function readOf(table: SettingsTableName, key: string): PreparedQuery<[number], { settings: string }> {
  let read = reads.get(table);
  if (read === undefined) {
    read = prepared((db, id: number) => (db as unknown as AnyDb).selectFrom(table).select("settings").where(key, "=", id));
    reads.set(table, read);
  }
  return read;
}

export function settingsTable(db: Kysely<Database>, table: SettingsTableName, key: "domain_id" | "user_id" | "group_id"): SettingsTable {
  // Kysely cannot type a table chosen at run time; every such table has (key, settings, updated_at).
  const anyDb = db as unknown as AnyDb;
  const read = readOf(table, key);
  return {
    async get(id) {
      const [row] = await read(db, id);
      return row && settingsJson(row.settings);
    },
    async put(id, settings, now) {
      const values = { settings: JSON.stringify(settings), updated_at: now };
      await anyDb
        .insertInto(table)
        .values({ [key]: id, ...values })
        .onConflict((oc) => oc.column(key).doUpdateSet(values))
        .execute();
    },
  };
}
