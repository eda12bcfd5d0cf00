// WebAuthn passkeys as a second factor, through @simplewebauthn/server: registration (options,
// then the browser's attestation checked and the credential kept) and authentication (options
// sent with the login's ticket, then the browser's assertion checked against the kept public
// key and signature counter). The relying party is the public origin of the web interface.
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { MoatError } from "../../../shared/errors.js";
import { loadOnFirstUse } from "../../../shared/load-on-first-use.js";
import type { StoredPasskey } from "../../ports/two-factor.js";

export interface WebAuthnSettings {
  /** The relying party id: the host name of the web interface (no scheme, no port). */
  readonly rpID: string;
  readonly rpName: string;
  /** Origins the browser may report, e.g. "https://mail.example.com". */
  readonly origins: readonly string[];
}

/** From the public origin of the web interface ("https://mail.example.com:8443"). */
export function webAuthnSettings(publicOrigin: string, rpName = "Moat"): WebAuthnSettings {
  const url = new URL(publicOrigin);
  return { rpID: url.hostname, rpName, origins: [url.origin] };
}

/** A ceremony the browser must finish in: WebAuthn's own default timeout. */
export const ceremonyMs = 5 * 60_000;

const transportsOf = (p: Pick<StoredPasskey, "transports">) => p.transports as AuthenticatorTransportName[];
type AuthenticatorTransportName = "ble" | "cable" | "hybrid" | "internal" | "nfc" | "smart-card" | "usb";

const webauthn = loadOnFirstUse(() => import("@simplewebauthn/server"));

export async function registrationOptions(
  settings: WebAuthnSettings,
  user: { readonly id: number; readonly address: string; readonly displayName: string },
  existing: readonly StoredPasskey[],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const { generateRegistrationOptions } = await webauthn();
  return generateRegistrationOptions({
    rpName: settings.rpName,
    rpID: settings.rpID,
    userName: user.address,
    userDisplayName: user.displayName,
    userID: new TextEncoder().encode(`moat-user-${user.id}`),
    attestationType: "none",
    timeout: ceremonyMs,
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: transportsOf(p) })),
    authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
  });
}

export interface RegisteredCredential {
  readonly credentialId: string;
  readonly publicKey: string;
  readonly counter: number;
  readonly transports: string[];
}

/** Throws MoatError('invalid_input') with the library's reason when the attestation does not verify. */
export async function verifyRegistration(settings: WebAuthnSettings, response: unknown, expectedChallenge: string): Promise<RegisteredCredential> {
  const { verifyRegistrationResponse } = await webauthn();
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      expectedChallenge,
      expectedOrigin: [...settings.origins],
      expectedRPID: settings.rpID,
      requireUserVerification: false,
    });
  } catch (err) {
    throw new MoatError("invalid_input", `the passkey registration did not verify: ${err instanceof Error ? err.message : "malformed response"}`);
  }
  if (!verified.verified) throw new MoatError("invalid_input", "the passkey registration did not verify");
  const { credential } = verified.registrationInfo;
  return {
    credentialId: credential.id,
    publicKey: Buffer.from(credential.publicKey).toString("base64url"),
    counter: credential.counter,
    transports: credential.transports ?? [],
  };
}

export async function authenticationOptions(settings: WebAuthnSettings, passkeys: readonly StoredPasskey[]): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { generateAuthenticationOptions } = await webauthn();
  return generateAuthenticationOptions({
    rpID: settings.rpID,
    allowCredentials: passkeys.map((p) => ({ id: p.credentialId, transports: transportsOf(p) })),
    userVerification: "preferred",
    timeout: ceremonyMs,
  });
}

/** The passkey the assertion names among the account's, or undefined. */
export function passkeyOf(response: unknown, passkeys: readonly StoredPasskey[]): StoredPasskey | undefined {
  const id = typeof response === "object" && response !== null ? (response as { id?: unknown }).id : undefined;
  return typeof id === "string" ? passkeys.find((p) => p.credentialId === id) : undefined;
}

/**
 * The authenticator's new signature counter when the assertion verifies; null for a wrong
 * signature, challenge, origin or a counter that went backwards (a cloned authenticator).
 */
export async function verifyAuthentication(settings: WebAuthnSettings, response: unknown, expectedChallenge: string, passkey: StoredPasskey): Promise<number | null> {
  const { verifyAuthenticationResponse } = await webauthn();
  try {
    const verified = await verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      expectedChallenge,
      expectedOrigin: [...settings.origins],
      expectedRPID: settings.rpID,
      credential: { id: passkey.credentialId, publicKey: Buffer.from(passkey.publicKey, "base64url"), counter: passkey.counter, transports: transportsOf(passkey) },
      requireUserVerification: false,
    });
    return verified.verified ? verified.authenticationInfo.newCounter : null;
  } catch {
    return null;
  }
}
