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
  /**
   * Web/API only: the second step of a login. The first step (the right main password) answered
   * `second_factor_required` with a ticket; the second sends the ticket and the proof, with an
   * empty secret (decision 0013).
   */
  readonly secondFactor?: { readonly ticket: string; readonly proof: SecondFactorProof } | undefined;
  /** Web only: the "remember this browser" token a past second factor left in a cookie. */
  readonly rememberedBrowser?: string | undefined;
  /** Web only: the user ticked "remember this browser for 30 days" with this second factor. */
  readonly rememberBrowser?: boolean | undefined;
  /** Web/API: the User-Agent, kept with the web session (untrusted text). */
  readonly userAgent?: string | undefined;
}

/** What the user gives as a second factor on the web or API (issue 6 item 3, decision 0013). */
export type SecondFactorProof =
  | { readonly kind: "totp"; readonly code: string }
  | { readonly kind: "recovery"; readonly code: string }
  /** The browser's AuthenticationResponseJSON, checked by @simplewebauthn/server. */
  | { readonly kind: "webauthn"; readonly response: unknown }
  /** A code sent to the bound phone (issue 6 item 6): the fallback second factor. */
  | { readonly kind: "sms"; readonly code: string };
export type SecondFactorKind = SecondFactorProof["kind"];

/** A right main password on an account with a second factor: what the second step needs. */
export interface PendingSecondFactor {
  /** Single use, bound to the account, channel and client address; short-lived. */
  readonly ticket: string;
  readonly expiresAt: EpochMs;
  /** The kinds this account can answer with, strongest first. */
  readonly methods: readonly SecondFactorKind[];
  /** PublicKeyCredentialRequestOptionsJSON when the account has passkeys. */
  readonly webauthn?: unknown;
}

/** Why a code went to the bound phone; a code is good only for its own purpose. */
export type PhoneCodePurpose = "bind" | "rebind_old" | "password_reset" | "second_factor";

/** What the second factor needs of the bound phone (core/auth/phone implements it). */
export interface PhoneCodeCheck {
  /** The account has a verified bound phone, so "sms" is one of its second factors. */
  hasBoundPhone(userId: number): Promise<boolean>;
  /** Sends a fresh code for this purpose to the bound phone; false when none is bound or sends are rate-limited. */
  send(userId: number, purpose: PhoneCodePurpose): Promise<boolean>;
  /** True once for a right, unexpired code of this purpose; a code is used up when it verifies. */
  verify(userId: number, purpose: PhoneCodePurpose, code: string): Promise<boolean>;
}

/**
 * Why a login was denied. The record keeps the exact reason; clients see only the
 * public message of the outcome, so an unknown account and a wrong password look alike.
 */
export type DenyReason =
  | "invalid_credentials" // wrong password for an existing account
  | "unknown_account" // recorded as such; answered exactly like invalid_credentials
  | "account_suspended"
  | "throttled"
  // Issue 6 (decision 0010 says which are decided before the secret and which after):
  | "ip_blocked" // install-wide or domain blocklist, automatic blocks included; before the secret
  | "ip_not_allowed" // outside a domain/account allowlist; answered like invalid_credentials
  | "protocol_disabled" // IMAP/POP3/SMTP switched off for the account, or third-party clients off for the domain
  | "channel_not_allowed" // client-kind restriction: the channel is not in the account's or domain's list
  | "security_password_required" // main password over IMAP/POP3/SMTP where a client security password is required
  | "app_password_wrong_protocol" // a client security password limited to other protocols; answered like invalid_credentials
  | "app_password_expired" // unused for longer than the domain allows; answered like invalid_credentials
  | "password_change_required" // step 7: the main password now breaks the domain's keywords; protocols refuse it, the web asks for a change
  | "password_expired" // step 7: older than the domain's maximum age; protocols refuse it, the web asks for a change
  | "second_factor_required" // web/API: right password, now the second step (AuthResult.pending); not a failure
  | "second_factor_invalid" // web/API: a wrong, reused or expired second factor or ticket; counted as a failure
  | "access_policy_denied"; // a named access policy (IP range, country, channel) refuses this login

/** The channels a third-party client logs in on, each with its own switch per account. */
export type ClientProtocol = "imap" | "pop3" | "smtp";
export const clientProtocols: readonly ClientProtocol[] = ["imap", "pop3", "smtp"];
export const isClientProtocol = (channel: Channel): channel is ClientProtocol => channel !== "web" && channel !== "api";

/** Which secret a successful login used: revoking that secret ends the sessions it opened. */
export type UsedCredential = { readonly kind: "password" } | { readonly kind: "app_password"; readonly id: number; readonly name: string };

/**
 * Ties a live protocol session to the credential it logged in with (core/security/live-sessions.ts).
 * `end` receives `owner` back, so it need not capture it: the registry holds the owner weakly
 * and forgets the session once the owner is garbage, even if the protocol never unregisters.
 * Returns the unregister function.
 */
export type TrackSession = <T extends object>(owner: T, end: (owner: T) => void) => () => void;

export type AuthResult =
  | {
      readonly ok: true;
      readonly userId: number;
      readonly address: string;
      /** Always set by authenticate(); optional only so protocol tests may answer with a bare object. */
      readonly credential?: UsedCredential;
      readonly track?: TrackSession;
      /** Web and API only (protocols are refused instead): the session may only change the password. */
      readonly mustChangePassword?: "password_change_required" | "password_expired";
      /** Web and API: which second factor this login used, if any. */
      readonly secondFactor?: SecondFactorKind;
      /** Web: a new "remember this browser" token to set as a cookie (context.rememberBrowser). */
      readonly rememberedBrowser?: { readonly token: string; readonly expiresAt: EpochMs };
      /** Web and API: the domain requires a second factor, the grace period is over, none is enrolled: the session may only enrol one. */
      readonly mustEnrolSecondFactor?: boolean;
      /** Web: the main password expires within the reminder window (the banner at login). */
      readonly passwordExpiresInDays?: number;
    }
  | {
      readonly ok: false;
      readonly reason: DenyReason;
      /** Safe to show to the client: never tells whether the account exists. */
      readonly publicMessage: string;
      /** True when the client should retry later (maps to [UNAVAILABLE], 454, [SYS/TEMP]). */
      readonly temporary: boolean;
      /** Set only with reason second_factor_required. */
      readonly pending?: PendingSecondFactor;
    };

export type LoginResult = "success" | "failure" | "pending";

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
  /** pending: a right password waiting for its second factor (second_factor_required): neither a success nor a failure. */
  readonly result: LoginResult;
  readonly reason: DenyReason | "ok";
  // Enrichment at write time (issue 8 item 1, decision 0024); null in records written before it.
  /** "public", or what a non-public address is ("private", "loopback", …); "unknown": not an address. */
  readonly network: LoginNetwork | null;
  /** ISO 3166-1 alpha-2, upper case, from GeoLite2; null when the address has no place. */
  readonly country: string | null;
  readonly region: string | null;
  readonly city: string | null;
  /** The autonomous system announcing the address, and its operator's name. */
  readonly asn: number | null;
  readonly asOrg: string | null;
  /** The name of the client security password that matched, when one did. */
  readonly appPasswordName: string | null;
}

/** What kind of network a login came from: a public address, or why no database can place it. */
export type LoginNetwork = "public" | "private" | "loopback" | "link-local" | "multicast" | "reserved" | "unknown";

/** The enrichment fields, optional when appending (a record without them stores nulls). */
type Enrichment = "network" | "country" | "region" | "city" | "asn" | "asOrg" | "appPasswordName";
export type NewLoginRecord = Omit<LoginRecord, "id" | Enrichment> & Partial<Pick<LoginRecord, Enrichment>>;

/** Failed-login counter for one throttle key (account + client network). */
export interface ThrottleState {
  readonly failures: number;
  readonly firstFailureAt: EpochMs;
  readonly lastFailureAt: EpochMs;
  /** While in the future, logins for this key are refused without a password check. */
  readonly blockedUntil: EpochMs | null;
}
