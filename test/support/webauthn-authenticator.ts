// A software WebAuthn authenticator for tests: an ES256 (P-256) key made with node:crypto,
// attestation "none", and the bytes a browser would hand the server — authenticatorData,
// clientDataJSON, the attestation object (CBOR) and the signature over
// authenticatorData ‖ SHA-256(clientDataJSON) (WebAuthn Level 2 §6.1, §6.5, §7.2). Written from
// the specification, not with the server library's own helpers, so registration and login run
// through @simplewebauthn/server as they would with a real key.
import { createHash, createSign, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";

type Cbor = number | string | Buffer | Map<number | string, Cbor>;

/** The CBOR subset WebAuthn needs (RFC 8949): integers, byte and text strings, maps. */
export function cbor(value: Cbor): Buffer {
  const head = (major: number, n: number): Buffer => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
    if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
    const b = Buffer.alloc(5);
    b[0] = (major << 5) | 26;
    b.writeUInt32BE(n, 1);
    return b;
  };
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "utf8");
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  const parts = [head(5, value.size)];
  for (const [k, v] of value) parts.push(cbor(k), cbor(v));
  return Buffer.concat(parts);
}

const b64url = (bytes: Buffer) => bytes.toString("base64url");
const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest();

/** Flags of authenticatorData: user present, user verified, attested credential data included. */
const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

export class SoftAuthenticator {
  readonly credentialId = randomBytes(16);
  /** The signature counter; a clone of the authenticator would repeat it. */
  counter = 0;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;

  constructor(
    readonly origin: string,
    readonly rpID: string,
  ) {
    const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  get id(): string {
    return b64url(this.credentialId);
  }

  /** The COSE_Key of the public key (RFC 8152 §13.1.1): kty EC2, alg ES256, crv P-256, x, y. */
  private coseKey(): Buffer {
    const jwk = this.publicKey.export({ format: "jwk" });
    return cbor(
      new Map<number, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, "base64url")],
        [-3, Buffer.from(jwk.y!, "base64url")],
      ]),
    );
  }

  private authData(rpID: string, flags: number, attested: boolean): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(this.counter);
    const parts: Buffer[] = [sha256(rpID), Buffer.from([flags]), count];
    if (attested) {
      const idLength = Buffer.alloc(2);
      idLength.writeUInt16BE(this.credentialId.length);
      parts.push(Buffer.alloc(16), idLength, this.credentialId, this.coseKey());
    }
    return Buffer.concat(parts);
  }

  private clientData(type: "webauthn.create" | "webauthn.get", challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** navigator.credentials.create() answered: a RegistrationResponseJSON. */
  register(options: { challenge: string; rp: { id?: string } }, opts: { origin?: string } = {}): Record<string, unknown> {
    const clientDataJSON = this.clientData("webauthn.create", options.challenge, opts.origin ?? this.origin);
    const authData = this.authData(options.rp.id ?? this.rpID, UP | UV | AT, true);
    const attestationObject = cbor(
      new Map<string, Cbor>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ["internal"] },
      clientExtensionResults: {},
    };
  }

  /**
   * navigator.credentials.get() answered: an AuthenticationResponseJSON. Each use moves the
   * counter on (unless `counter` is given); `wrongKey` signs with another key.
   */
  authenticate(options: { challenge: string; rpId?: string }, opts: { wrongKey?: boolean; counter?: number; origin?: string } = {}): Record<string, unknown> {
    this.counter = opts.counter ?? this.counter + 1;
    const clientDataJSON = this.clientData("webauthn.get", options.challenge, opts.origin ?? this.origin);
    const authData = this.authData(options.rpId ?? this.rpID, UP | UV, false);
    const key = opts.wrongKey ? generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey : this.privateKey;
    const signature = createSign("sha256").update(Buffer.concat([authData, sha256(clientDataJSON)])).sign(key);
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: { clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(authData), signature: b64url(signature) },
      clientExtensionResults: {},
    };
  }
}
