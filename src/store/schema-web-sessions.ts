// The table of migration 0013 (web sessions, issue 6 item 7), as Kysely sees it; part of
// Database (schema.ts).
import type { Generated } from "kysely";
import type { EpochMs } from "../core/accounts/types.js";
import type { SecondFactorKind } from "../core/auth/types.js";
import type { SessionRestriction } from "../core/ports/web-sessions.js";

export interface WebSessionsTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  csrf_token: string;
  created_at: EpochMs;
  last_seen_at: EpochMs;
  ip: string;
  user_agent: string;
  second_factor: SecondFactorKind | null;
  restriction: SessionRestriction;
  /** 0 or 1: SQLite has no boolean. */
  must_enrol: number;
}

export interface WebSessionTables {
  web_sessions: WebSessionsTable;
}
