// Password hashing: argon2id with OWASP's minimum (19 MiB, t=2, p=1), a random 16-byte salt,
// the PHC string as the only stored form. Hashes in flight are capped by a semaphore.
import argon2 from "argon2";
import { randomBytes } from "node:crypto";
import { MoatError } from "../../shared/errors.js";
import { Semaphore } from "../../shared/semaphore.js";

export const argon2Options = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** NIST SP 800-63B asks for a minimum of 8; the policy of issue 6 may raise it per domain. */
export const minPasswordLength = 8;
/** Long enough for any passphrase, short enough that hashing it is not a DoS lever. */
export const maxPasswordLength = 1024;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Always costs one argon2 verify, even for the dummy hash of an unknown account. */
  verify(hash: string | undefined, password: string): Promise<boolean>;
  needsRehash(hash: string): boolean;
}

/** Same code points, same hash: a password typed on a phone and a laptop may differ in form. */
const normalise = (password: string) => password.normalize("NFKC");

export function checkPasswordShape(password: string): void {
  const length = [...normalise(password)].length;
  if (length < minPasswordLength) throw new MoatError("invalid_password", `the password must have at least ${minPasswordLength} characters`);
  if (length > maxPasswordLength) throw new MoatError("invalid_password", `the password must have at most ${maxPasswordLength} characters`);
}

export function createPasswordHasher(concurrency: number): PasswordHasher {
  const gate = new Semaphore(concurrency);
  // Verifying against this when the account does not exist makes both paths cost the same.
  // Made at the first verification of any kind, so admin commands that never verify skip it.
  let dummy: Promise<string> | undefined;
  return {
    hash: (password) => gate.run(() => argon2.hash(normalise(password), argon2Options)),
    async verify(hash, password) {
      dummy ??= argon2.hash(randomBytes(32).toString("base64"), argon2Options);
      const target = hash ?? (await dummy);
      const ok = await gate.run(() => argon2.verify(target, normalise(password)).catch(() => false));
      return ok && hash !== undefined;
    },
    needsRehash: (hash) => argon2.needsRehash(hash, argon2Options),
  };
}
