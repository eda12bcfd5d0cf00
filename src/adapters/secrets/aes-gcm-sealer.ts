// SecretSealer with AES-256-GCM: "sealed:v1:<iv>:<tag>:<ciphertext>" (base64url parts), the
// context as additional authenticated data. A fresh 96-bit IV per seal, as GCM requires.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { SecretSealer } from "../../core/ports/sealer.js";
import { MoatError } from "../../shared/errors.js";

const prefix = "sealed:v1:";

export function createAesGcmSealer(key: Buffer, keyName: string): SecretSealer {
  if (key.length !== 32) throw new MoatError("internal", "an AES-256 key has 32 bytes");
  return {
    seal(plain, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(context, "utf8"));
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return prefix + [iv, cipher.getAuthTag(), body].map((b) => b.toString("base64url")).join(":");
    },
    open(sealed, context) {
      const parts = sealed.startsWith(prefix) ? sealed.slice(prefix.length).split(":") : [];
      if (parts.length !== 3) throw new MoatError("config_invalid", `a sealed secret (${context}) is malformed`);
      const [iv, tag, body] = parts.map((p) => Buffer.from(p, "base64url")) as [Buffer, Buffer, Buffer];
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, iv);
        decipher.setAAD(Buffer.from(context, "utf8"));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
      } catch (err) {
        // Most likely the key file was replaced or is another installation's.
        throw new MoatError("config_invalid", `${keyName} does not open the sealed secret ${context}: is it this installation's key file?`, { cause: err });
      }
    },
    isSealed: (value) => value.startsWith(prefix),
  };
}
