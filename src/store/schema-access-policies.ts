// The table of migration 0014 (access policies, issue 6 item 4, decision 0015), as Kysely sees
// it; part of Database (schema.ts).
import type { Generated } from "kysely";
import type { EpochMs } from "../core/accounts/types.js";
import type { AccessPolicyMode } from "../core/ports/access-policies.js";

export interface AccessPoliciesTable {
  id: Generated<number>;
  domain_id: number;
  name: string;
  /** 0 or 1: SQLite has no boolean. */
  enabled: number;
  mode: AccessPolicyMode;
  applies_to: "all" | "listed";
  /** JSON arrays: read whole with the row at each login, never queried by element. */
  users_json: string;
  groups_json: string;
  except_json: string;
  ips_json: string;
  countries_json: string;
  channels_json: string;
  created_at: EpochMs;
  updated_at: EpochMs;
  updated_by: string;
}

export interface AccessPolicyTables {
  access_policies: AccessPoliciesTable;
}
