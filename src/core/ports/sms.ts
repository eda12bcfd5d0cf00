// The SMS sender (issue 6, item 6): codes for the bound phone go out through one of these,
// chosen by the [sms] settings. `log` (the default) writes the message to the log and to an
// outbox an admin lists with `moat sms outbox`; `webhook` POSTs it to an SMS gateway.
import type { EpochMs } from "../accounts/types.js";
import type { PhoneCodePurpose } from "../auth/types.js";

export interface SmsMessage {
  /** E.164, e.g. "+4915112345678". */
  readonly to: string;
  readonly text: string;
  readonly purpose: PhoneCodePurpose;
}

export interface SmsSender {
  /** "log" or "webhook": named in errors and the log. */
  readonly kind: string;
  /** Resolves once the message is handed over; rejects (MoatError sms_failed) when it was not. */
  send(message: SmsMessage): Promise<void>;
}

export interface SmsOutboxEntry extends SmsMessage {
  readonly id: number;
  readonly at: EpochMs;
}

/** What the `log` sender keeps for the admin; pruned after [sms] outbox_retention_days. */
export interface SmsOutboxRepository {
  add(entry: Omit<SmsOutboxEntry, "id">): Promise<SmsOutboxEntry>;
  /** Newest first. */
  list(query: { limit: number; to?: string | undefined }): Promise<SmsOutboxEntry[]>;
  /** Deletes entries older than the cut-off; returns how many. */
  prune(olderThan: EpochMs): Promise<number>;
}
