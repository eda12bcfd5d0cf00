// The temporary password `moat account secure` sets: random, shown once to the admin, who
// hands it to the user out of band; the user must replace it at the next web login.
import { randomInt } from "node:crypto";

// No 0/O, 1/l/I: it is read aloud or typed from a screen.
const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** Four groups of six (about 139 bits), with lower and upper case, a digit and "-", so any class rule passes. */
export function temporaryPassword(): string {
  for (;;) {
    const groups = Array.from({ length: 4 }, () => Array.from({ length: 6 }, () => alphabet[randomInt(alphabet.length)]).join(""));
    const text = groups.join("-");
    if (/[a-z]/.test(text) && /[A-Z]/.test(text) && /[0-9]/.test(text)) return text;
  }
}
