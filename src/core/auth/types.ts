// The vocabulary of authenticate(): where a login comes from, and every way it can end.
import type { EpochMs } from "../accounts/types.js";

export type Channel = "web" | "api" | "imap" | "pop3" | "smtp";
export const channels: readonly Channel[] = ["web", "api", "imap", "pop3", "smtp"];

/** How the secret arrived, for the login record (e.g. "IMAP LOGIN", "SMTP AUTH PLAIN"). */
export type AuthMethod = string;

export interface LoginContext {
  /** The client's address after PROXY protocol / X-Forwarded-For from trusted proxies. */
  readonly ip: string;
  /** TLS or a loopback connection (which counts as secure, as Dovecot treats it). */
  readonly secure: boolean;
  /** IMAP ID, User-Agent, or similar; untrusted text. */
  readonly clientId?: string | undefined;
  readonly method: AuthMethod;
}

/**
 * Why a login was denied. The record keeps the exact reason; clients see only the
 * public message of the outcome, so an unknown account and a wrong password look alike.
 */
export type DenyReason =
  | "invalid_credentials" // wrong password for an existing account
  | "unknown_account" // recorded as such; answered exactly like invalid_credentials
  | "account_suspended"
  | "throttled";

export type AuthResult =
  | { readonly ok: true; readonly userId: number; readonly address: string }
  | {
      readonly ok: false;
      readonly reason: DenyReason;
      /** Safe to show to the client: never tells whether the account exists. */
      readonly publicMessage: string;
      /** True when the client should retry later (maps to [UNAVAILABLE], 454, [SYS/TEMP]). */
      readonly temporary: boolean;
    };

export interface LoginRecord {
  readonly id: number;
  readonly at: EpochMs;
  /** The name the client gave, truncated and with control characters escaped. */
  readonly identity: string;
  readonly userId: number | null;
  readonly channel: Channel;
  readonly ip: string;
  readonly clientId: string | null;
  readonly method: AuthMethod;
  readonly result: "success" | "failure";
  readonly reason: DenyReason | "ok";
}

export type NewLoginRecord = Omit<LoginRecord, "id">;

/** Failed-login counter for one throttle key (account + client network). */
export interface ThrottleState {
  readonly failures: number;
  readonly firstFailureAt: EpochMs;
  readonly lastFailureAt: EpochMs;
  /** While in the future, logins for this key are refused without a password check. */
  readonly blockedUntil: EpochMs | null;
}
