// The tables of migration 0006 (login security, issue 6), as Kysely sees them; part of
// Database (schema.ts). Kept apart so the features of one issue are read in one place.
import type { Generated } from "kysely";
import type { EpochMs } from "../core/accounts/types.js";
import type { Channel, ClientProtocol } from "../core/auth/types.js";
import type { IpRuleAction } from "../core/ports/login-security.js";

export interface LoginSettingsTable {
  /** JSON object; validated by core. */
  settings: string;
  updated_at: EpochMs;
}

export interface AppPasswordsTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  /** Comma-separated ClientProtocol values; empty for all. */
  protocols: string;
  hash: string;
  key_id: string;
  created_at: EpochMs;
  last_used_at: EpochMs | null;
  last_used_ip: string | null;
  last_used_protocol: ClientProtocol | null;
}

export interface IpRulesTable {
  id: Generated<number>;
  action: IpRuleAction;
  cidr: string;
  domain_id: number | null;
  user_id: number | null;
  channel: Channel | null;
  expires_at: EpochMs | null;
  note: string;
  origin: "admin" | "auto";
  created_at: EpochMs;
  created_by: string;
}

export interface AdminAuditTable {
  id: Generated<number>;
  at: EpochMs;
  actor: string;
  action: string;
  target: string;
  before_json: string;
  after_json: string;
}

export interface PasswordHistoryTable {
  id: Generated<number>;
  user_id: number;
  password_hash: string;
  replaced_at: EpochMs;
}

export interface LoginSecurityTables {
  domain_login_settings: LoginSettingsTable & { domain_id: number };
  user_login_settings: LoginSettingsTable & { user_id: number };
  app_passwords: AppPasswordsTable;
  ip_rules: IpRulesTable;
  admin_audit: AdminAuditTable;
  password_history: PasswordHistoryTable;
}
