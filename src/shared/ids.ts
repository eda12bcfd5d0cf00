// Random identifiers (sessions, messages) from a pool of CSPRNG bytes. Each crypto.randomBytes
// call costs a round into OpenSSL (about 20 µs on a small VM, and the SMTP path asked twice per
// message); taking slices of one 4 KiB fill costs nothing and the bytes are just as random.
import { randomFillSync } from "node:crypto";

const pool = Buffer.alloc(4096);
let offset = pool.length;

/** `bytes` fresh random bytes, base64url-encoded (12 characters for 9 bytes). */
export function randomId(bytes = 9): string {
  if (bytes > pool.length) throw new RangeError("id too long for the pool");
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString("base64url", offset, offset + bytes);
  offset += bytes;
  return id;
}
