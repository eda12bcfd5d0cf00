// What two-factor login (issue 6 item 3, decision 0013) needs from persistence: the TOTP state
// of an account, its recovery codes, its passkeys and its remembered browsers. Secrets arrive
// sealed (the TOTP secret) or hashed (recovery codes, browser tokens); the store never sees one.
import type { EpochMs } from "../accounts/types.js";

/** An account's TOTP state and when a domain's two-factor requirement first applied to it. */
export interface TwoFactorAccount {
  readonly userId: number;
  /** The confirmed secret, sealed (ports/sealer.ts); null when TOTP is not on. */
  readonly totpSealed: string | null;
  readonly totpConfirmedAt: EpochMs | null;
  /** The last time step a code was accepted for: a code is good once (RFC 6238 §5.2). */
  readonly totpLastStep: number | null;
  /** An enrolment not yet confirmed by a right code, sealed. */
  readonly totpPendingSealed: string | null;
  readonly totpPendingAt: EpochMs | null;
  /** The grace period to enrol counts from here; null while no requirement applies. */
  readonly requiredSince: EpochMs | null;
}

export interface StoredRecoveryCode {
  readonly id: number;
  /** Hex HMAC-SHA256 of the normalised code under the key named by keyId. */
  readonly hash: string;
  readonly keyId: string;
  readonly usedAt: EpochMs | null;
}

export interface Passkey {
  readonly id: number;
  readonly userId: number;
  readonly name: string;
  /** base64url, as WebAuthn names it. */
  readonly credentialId: string;
  readonly transports: readonly string[];
  readonly createdAt: EpochMs;
  readonly lastUsedAt: EpochMs | null;
}

export interface StoredPasskey extends Passkey {
  /** The COSE public key, base64url. */
  readonly publicKey: string;
  readonly counter: number;
}

export interface RememberedBrowser {
  readonly id: number;
  readonly userId: number;
  readonly userAgent: string;
  readonly createdAt: EpochMs;
  readonly expiresAt: EpochMs;
}

export interface TwoFactorRemoved {
  readonly totp: boolean;
  readonly passkeys: number;
  readonly recoveryCodes: number;
  readonly rememberedBrowsers: number;
}

export interface TwoFactorRepository {
  account(userId: number): Promise<TwoFactorAccount | undefined>;
  /** Starts (or restarts) an enrolment; a confirmed secret keeps working until the new one is confirmed. */
  setPendingTotp(userId: number, sealed: string, now: EpochMs): Promise<void>;
  /** The pending secret becomes the secret, with `step` already used. False when none was pending. */
  confirmTotp(userId: number, step: number, now: EpochMs): Promise<boolean>;
  /** Atomically accepts `step` only if it is later than the last one used; false otherwise. */
  useTotpStep(userId: number, step: number): Promise<boolean>;
  removeTotp(userId: number, now: EpochMs): Promise<boolean>;
  setRequiredSince(userId: number, since: EpochMs | null, now: EpochMs): Promise<void>;

  /** Removes the old codes and stores these. */
  replaceRecoveryCodes(userId: number, codes: ReadonlyArray<{ hash: string; keyId: string }>, now: EpochMs): Promise<void>;
  recoveryCodes(userId: number): Promise<StoredRecoveryCode[]>;
  /** Marks one used; false when it already was (a concurrent use). */
  useRecoveryCode(id: number, now: EpochMs): Promise<boolean>;

  /** Throws MoatError('invalid_input') for a name or credential already registered. */
  addPasskey(input: Omit<StoredPasskey, "id" | "lastUsedAt">): Promise<Passkey>;
  passkeys(userId: number): Promise<StoredPasskey[]>;
  /** Records a use with the authenticator's new signature counter. */
  passkeyUsed(id: number, counter: number, now: EpochMs): Promise<void>;
  removePasskey(userId: number, name: string): Promise<Passkey | undefined>;

  addBrowser(input: Omit<RememberedBrowser, "id"> & { tokenHash: string }): Promise<RememberedBrowser>;
  /** The unexpired browser with this token hash. */
  findBrowser(tokenHash: string, now: EpochMs): Promise<RememberedBrowser | undefined>;
  browsers(userId: number, now: EpochMs): Promise<RememberedBrowser[]>;
  /** Forgets every remembered browser of the account; returns how many. */
  removeBrowsers(userId: number): Promise<number>;

  /** TOTP (pending too), passkeys, recovery codes and remembered browsers, all at once. */
  removeAll(userId: number, now: EpochMs): Promise<TwoFactorRemoved>;
}
