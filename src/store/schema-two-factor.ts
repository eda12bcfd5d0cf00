// The tables of migration 0012 (two-factor login, issue 6 item 3, decision 0013), as Kysely
// sees them; part of Database (schema.ts).
import type { Generated } from "kysely";
import type { EpochMs } from "../core/accounts/types.js";

export interface TwoFactorAccountsTable {
  user_id: number;
  totp_sealed: string | null;
  totp_confirmed_at: EpochMs | null;
  totp_last_step: number | null;
  totp_pending_sealed: string | null;
  totp_pending_at: EpochMs | null;
  required_since: EpochMs | null;
  updated_at: EpochMs;
}

export interface RecoveryCodesTable {
  id: Generated<number>;
  user_id: number;
  hash: string;
  key_id: string;
  created_at: EpochMs;
  used_at: EpochMs | null;
}

export interface PasskeysTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  credential_id: string;
  public_key: string;
  counter: number;
  /** Comma-separated AuthenticatorTransport values. */
  transports: string;
  created_at: EpochMs;
  last_used_at: EpochMs | null;
}

export interface RememberedBrowsersTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  user_agent: string;
  created_at: EpochMs;
  expires_at: EpochMs;
}

export interface TwoFactorTables {
  two_factor_accounts: TwoFactorAccountsTable;
  recovery_codes: RecoveryCodesTable;
  passkeys: PasskeysTable;
  remembered_browsers: RememberedBrowsersTable;
}
