// Step 6 of authenticate(), the secret itself: a client security password (IMAP, POP3, SMTP
// only; never web or API) or the main password. A client security password is found by the
// account and compared as a keyed hash, so a protocol login with one costs no argon2 hash;
// anything else costs exactly one argon2 verify, a dummy one for an unknown account.
import type { User } from "../accounts/types.js";
import type { StoredAppPassword } from "../ports/login-security.js";
import type { Store } from "../ports/store.js";
import { matchAppPassword, normaliseAppPassword, type AppPasswordKeySource } from "./app-password-secret.js";
import type { PasswordHasher } from "./passwords.js";
import { isClientProtocol, type Channel, type DenyReason, type UsedCredential } from "./types.js";

const maxSecretLength = 4096; // longer is never a password; refuse before hashing it
const day = 86_400_000;

export type SecretOutcome =
  | { readonly ok: true; readonly credential: UsedCredential }
  | { readonly ok: false; readonly reason: Extract<DenyReason, "unknown_account" | "invalid_credentials" | "app_password_wrong_protocol" | "app_password_expired">; readonly credential?: UsedCredential };

export interface SecretCheckDeps {
  readonly store: Pick<Store, "appPasswords">;
  readonly passwords: PasswordHasher;
  readonly appPasswordKey: AppPasswordKeySource | undefined;
}

/** Whether an unused client security password has expired (0 days: never). */
export function appPasswordExpired(p: Pick<StoredAppPassword, "lastUsedAt" | "createdAt">, expiryDays: number, now: number): boolean {
  return expiryDays > 0 && (p.lastUsedAt ?? p.createdAt) + expiryDays * day <= now;
}

export async function checkSecret(deps: SecretCheckDeps, user: User | undefined, channel: Channel, secret: string, expiryDays: number, now: number): Promise<SecretOutcome> {
  const candidate = user && isClientProtocol(channel) && deps.appPasswordKey ? normaliseAppPassword(secret) : null;
  if (user && candidate !== null && deps.appPasswordKey) {
    const match = matchAppPassword(deps.appPasswordKey(), candidate, await deps.store.appPasswords.listForUser(user.id));
    if (match) {
      const credential: UsedCredential = { kind: "app_password", id: match.id, name: match.name };
      if (match.protocols.length > 0 && !match.protocols.some((p) => p === channel)) return { ok: false, reason: "app_password_wrong_protocol", credential };
      if (appPasswordExpired(match, expiryDays, now)) return { ok: false, reason: "app_password_expired", credential };
      return { ok: true, credential };
    }
  }
  const passwordOk = secret.length <= maxSecretLength && (await deps.passwords.verify(user?.passwordHash, secret));
  if (!user) return { ok: false, reason: "unknown_account" };
  return passwordOk ? { ok: true, credential: { kind: "password" } } : { ok: false, reason: "invalid_credentials" };
}
