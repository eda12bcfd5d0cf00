// The tables of migration 0018 (Sieve scripts, vacation memory, forwarding attempts; issue 7
// item 6), as Kysely sees them; part of Database (schema.ts).
import type { Generated } from "kysely";
import type { EpochMs } from "../core/accounts/types.js";

export interface SieveScriptsTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  content: string;
  /** 1 for the one active script of the user, else 0. */
  active: number;
  size: number;
  created_at: EpochMs;
  updated_at: EpochMs;
}

export interface VacationRepliesTable {
  user_id: number;
  handle: string;
  sender: string;
  sent_at: EpochMs;
}

export interface ForwardingAttemptsTable {
  id: Generated<number>;
  at: EpochMs;
  account: string;
  domain: string;
  target: string;
  via: string;
  phase: string;
  outcome: string;
  rule: string;
  message_id: string | null;
}

export interface UserRulesTables {
  sieve_scripts: SieveScriptsTable;
  vacation_replies: VacationRepliesTable;
  forwarding_attempts: ForwardingAttemptsTable;
}
