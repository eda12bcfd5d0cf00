// The tables of migration 0015 (bound phone, SMS outbox, password-expiry notices; issue 6
// items 5 and 6), as Kysely sees them; part of Database (schema.ts).
import type { Generated } from "kysely";
import type { EpochMs } from "../core/accounts/types.js";
import type { PhoneCodePurpose } from "../core/auth/types.js";

export interface UserPhonesTable {
  user_id: number;
  number: string;
  verified_at: EpochMs;
}

export interface PhoneCodesTable {
  id: Generated<number>;
  user_id: number;
  purpose: PhoneCodePurpose;
  target: string;
  next_number: string | null;
  hash: string;
  created_at: EpochMs;
  expires_at: EpochMs;
  attempts: number;
  used_at: EpochMs | null;
}

export interface PhoneSendCountsTable {
  /** "user:<id>" or "number:<E.164>". */
  key: string;
  window_start: EpochMs;
  count: number;
}

export interface SmsOutboxTable {
  id: Generated<number>;
  at: EpochMs;
  recipient: string;
  text: string;
  purpose: PhoneCodePurpose;
}

export interface PasswordNoticesTable {
  user_id: number;
  expires_at: EpochMs;
  days_left: number;
  sent_at: EpochMs;
}

export interface PhoneTables {
  user_phones: UserPhonesTable;
  phone_codes: PhoneCodesTable;
  phone_send_counts: PhoneSendCountsTable;
  sms_outbox: SmsOutboxTable;
  password_notices: PasswordNoticesTable;
}
