// The real password hasher, counting verifications: tests assert that a login costs exactly
// one argon2 verify (or none, for a client security password or a refusal before the secret).
import { createPasswordHasher, type PasswordHasher } from "../../src/core/auth/passwords.js";

export function countingHasher(): PasswordHasher & { verifies: number } {
  const real = createPasswordHasher(4);
  const hasher = {
    verifies: 0,
    hash: (p: string) => real.hash(p),
    verify: (h: string | undefined, p: string) => {
      hasher.verifies++;
      return real.verify(h, p);
    },
    needsRehash: (h: string) => real.needsRehash(h),
  };
  return hasher;
}
