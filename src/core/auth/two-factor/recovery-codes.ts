// Recovery codes: ten one-time codes made at enrolment, shown once, for when the phone or the
// security key is lost. Like client security passwords (decision 0010) they are random, so a
// keyed fast hash is as strong as argon2 and costs nothing at login: HMAC-SHA256 under the
// server key of client security passwords, with a label of their own so the two never mix.
// 12 letters from the same phone-friendly alphabet: 12 × log2(24) ≈ 55 bits each, and the key
// outside the database means a stolen database alone cannot even test a guess.
import { createHmac, randomInt, timingSafeEqual } from "node:crypto";
import type { StoredRecoveryCode } from "../../ports/two-factor.js";
import { appPasswordAlphabet, type AppPasswordKey } from "../app-password-secret.js";

export const recoveryCodeCount = 10;
const codeLength = 12;

/** "abcdefghijkm" → "abcd-efgh-ijkm". */
const formatted = (code: string) => code.replace(/(.{4})(?=.)/g, "$1-");

export function generateRecoveryCodes(): string[] {
  return Array.from({ length: recoveryCodeCount }, () => {
    let code = "";
    for (let i = 0; i < codeLength; i++) code += appPasswordAlphabet[randomInt(appPasswordAlphabet.length)];
    return formatted(code);
  });
}

const shape = new RegExp(`^[${appPasswordAlphabet}]{${codeLength}}$`);

/** Spaces, dashes and case ignored; null when it cannot be a recovery code. */
export function normaliseRecoveryCode(input: string): string | null {
  if (input.length > 64) return null;
  const plain = input.replace(/[\s-]/g, "").toLowerCase();
  return shape.test(plain) ? plain : null;
}

export function hashRecoveryCode(key: AppPasswordKey, normalised: string): string {
  return createHmac("sha256", key.secret).update(`recovery-code\0${normalised}`).digest("hex");
}

/** The unused code that matches, compared in constant time against each (no early exit). */
export function matchRecoveryCode(key: AppPasswordKey, input: string, codes: readonly StoredRecoveryCode[]): StoredRecoveryCode | undefined {
  const normalised = normaliseRecoveryCode(input);
  if (normalised === null) return undefined;
  const mine = Buffer.from(hashRecoveryCode(key, normalised), "hex");
  let found: StoredRecoveryCode | undefined;
  for (const code of codes) {
    const theirs = Buffer.from(code.hash, "hex");
    const same = theirs.length === mine.length && timingSafeEqual(theirs, mine) && code.keyId === key.id && code.usedAt === null;
    if (same && found === undefined) found = code;
  }
  return found;
}
