// "Remember this browser for 30 days": after a right second factor the browser gets a random
// token (a cookie, set by the web edge); a later web login of the same account from it skips
// the second factor. Only a SHA-256 of the token is stored: it is 256 random bits, so there is
// nothing to guess and a plain hash suffices. Resetting the second factors or changing the
// password forgets every remembered browser of the account.
import { createHash, randomBytes } from "node:crypto";
import type { EpochMs } from "../../accounts/types.js";
import type { Store } from "../../ports/store.js";

export const rememberBrowserMs = 30 * 86_400_000;
const maxUserAgent = 300;

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/** A new token for the account; the caller sets it as a cookie. */
export async function rememberBrowser(store: Pick<Store, "twoFactor">, userId: number, userAgent: string | undefined, now: EpochMs): Promise<{ token: string; expiresAt: EpochMs }> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = now + rememberBrowserMs;
  await store.twoFactor.addBrowser({ userId, tokenHash: hashToken(token), userAgent: (userAgent ?? "").slice(0, maxUserAgent), createdAt: now, expiresAt });
  return { token, expiresAt };
}

/** Whether the token is an unexpired remembered browser of this account. */
export async function isRememberedBrowser(store: Pick<Store, "twoFactor">, userId: number, token: string | undefined, now: EpochMs): Promise<boolean> {
  if (token === undefined || token === "" || token.length > 200) return false;
  const browser = await store.twoFactor.findBrowser(hashToken(token), now);
  return browser?.userId === userId;
}

/**
 * Forgets every remembered browser of the account; returns how many. A password change calls
 * this (inside its transaction, so pass the transaction's repositories).
 */
export function revokeRememberedBrowsers(store: Pick<Store, "twoFactor">, userId: number): Promise<number> {
  return store.twoFactor.removeBrowsers(userId);
}
