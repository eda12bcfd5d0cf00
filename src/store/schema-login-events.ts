// The tables of migration 0020 (abnormal-login events and learned login profiles; issue 8
// items 2 and 3, decision 0026), as Kysely sees them; part of Database (schema.ts).
import type { Generated } from "kysely";
import type { EpochMs } from "../core/accounts/types.js";
import type { LoginEventRule, LoginEventState, NoticeState, Severity } from "../core/ports/login-events.js";

export interface LoginEventsTable {
  id: Generated<number>;
  rule: LoginEventRule;
  severity: Severity;
  user_id: number | null;
  domain_id: number | null;
  identity: string | null;
  ip: string | null;
  group_key: string;
  summary: string;
  /** JSON object. */
  detail: string;
  first_at: EpochMs;
  last_at: EpochMs;
  occurrences: number;
  login_record_id: number | null;
  state: LoginEventState;
  acknowledged_at: EpochMs | null;
  acknowledged_by: string | null;
  user_notice: NoticeState;
  user_notice_at: EpochMs | null;
  admin_notice: NoticeState;
  admin_notice_at: EpochMs | null;
  webhook: NoticeState;
  webhook_at: EpochMs | null;
  webhook_attempts: number;
}

export interface LoginProfilesTable {
  user_id: number;
  /** JSON document (core/security/anomalies/profile.ts). */
  data: string;
  updated_at: EpochMs;
}

export interface LoginEventTables {
  login_events: LoginEventsTable;
  login_profiles: LoginProfilesTable;
}
