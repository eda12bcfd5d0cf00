// The tables of migration 0017 (mail-flow policies, issue 7), as Kysely sees them; part of
// Database (schema.ts).
import type { EpochMs } from "../core/accounts/types.js";
import type { LoginSettingsTable } from "./schema-login-security.js";

export interface MessageTracesTable {
  id: string;
  at: EpochMs;
  origin: string;
  mail_from: string | null;
  /** JSON array of addresses. */
  recipients: string;
  subject: string;
  message_id: string;
  size: number;
  decision: string;
  /** JSON array of trace entries (core/flow/trace.ts). */
  stages: string;
}

export interface HeldMessagesTable {
  id: string;
  kind: string;
  at: EpochMs;
  expires_at: EpochMs;
  /** JSON of the Origin the message arrived with. */
  origin: string;
  mail_from: string | null;
  /** JSON array: the recipients held (the rest went on). */
  recipients: string;
  body_hash: string;
  subject: string;
  preview: string;
  rule: string;
  /** JSON array of the addresses that may decide. */
  deciders: string;
  timeout_action: string;
  status: string;
  decided_at: EpochMs | null;
  decided_by: string | null;
  note: string;
}

export interface MailFlowTables {
  domain_flow_settings: LoginSettingsTable & { domain_id: number };
  user_flow_settings: LoginSettingsTable & { user_id: number };
  group_flow_settings: LoginSettingsTable & { group_id: number };
  message_traces: MessageTracesTable;
  held_messages: HeldMessagesTable;
}
