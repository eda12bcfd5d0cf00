// Checking one second-factor proof for an account, for the second step of a login and for
// actions that need the second factor again (creating a client security password). A proof
// that verifies is used up: a TOTP step, a recovery code and an SMS code are good once, and a
// passkey's signature counter moves on.
import type { EpochMs } from "../../accounts/types.js";
import type { SecretSealer } from "../../ports/sealer.js";
import type { Store } from "../../ports/store.js";
import type { StoredPasskey } from "../../ports/two-factor.js";
import type { AppPasswordKeySource } from "../app-password-secret.js";
import type { PhoneCodeCheck, SecondFactorKind, SecondFactorProof } from "../types.js";
import { passkeyOf, verifyAuthentication, type WebAuthnSettings } from "./passkeys.js";
import { matchRecoveryCode } from "./recovery-codes.js";
import { matchTotp } from "./totp.js";

export interface ProofDeps {
  readonly store: Pick<Store, "twoFactor">;
  readonly sealer: SecretSealer;
  /** The server key whose keyed hash protects recovery codes (the client security password key). */
  readonly key: AppPasswordKeySource;
  readonly webauthn: WebAuthnSettings;
  /** The bound phone (issue 6 item 6); without it "sms" is never offered. */
  readonly phoneCodes?: PhoneCodeCheck | undefined;
}

export type ProofOutcome = { readonly ok: true; readonly kind: SecondFactorKind; readonly label: string } | { readonly ok: false };

/** How the login record names each kind ("web password + TOTP"). */
export const proofLabel: Record<SecondFactorKind, string> = { totp: "TOTP", recovery: "recovery code", webauthn: "passkey", sms: "SMS code" };

/** The sealing context of an account's TOTP secret: a sealed secret moved to another row does not open. */
export const totpSealContext = (userId: number) => `totp:${userId}`;

export interface Factors {
  readonly totp: boolean;
  readonly passkeys: StoredPasskey[];
  readonly recoveryCodesLeft: number;
  readonly sms: boolean;
}

export async function factorsOf(deps: ProofDeps, userId: number): Promise<Factors> {
  const [account, passkeys, codes, sms] = await Promise.all([
    deps.store.twoFactor.account(userId),
    deps.store.twoFactor.passkeys(userId),
    deps.store.twoFactor.recoveryCodes(userId),
    deps.phoneCodes ? deps.phoneCodes.hasBoundPhone(userId) : Promise.resolve(false),
  ]);
  return { totp: (account?.totpSealed ?? null) !== null, passkeys, recoveryCodesLeft: codes.filter((c) => c.usedAt === null).length, sms };
}

/** Two-factor login is on when the account has a confirmed TOTP secret or a passkey. */
export const hasSecondFactor = (f: Factors): boolean => f.totp || f.passkeys.length > 0;

/** What the account can answer with, strongest first. */
export function methodsOf(f: Factors): SecondFactorKind[] {
  const methods: SecondFactorKind[] = [];
  if (f.passkeys.length > 0) methods.push("webauthn");
  if (f.totp) methods.push("totp");
  if (f.sms) methods.push("sms");
  if (f.recoveryCodesLeft > 0) methods.push("recovery");
  return methods;
}

/** `challenge`: the WebAuthn challenge sent to this browser; without it a passkey cannot verify. */
export async function verifyProof(deps: ProofDeps, userId: number, proof: SecondFactorProof, now: EpochMs, challenge?: string): Promise<ProofOutcome> {
  const ok = await check(deps, userId, proof, now, challenge);
  return ok ? { ok: true, kind: proof.kind, label: proofLabel[proof.kind] } : { ok: false };
}

async function check(deps: ProofDeps, userId: number, proof: SecondFactorProof, now: EpochMs, challenge: string | undefined): Promise<boolean> {
  const { twoFactor } = deps.store;
  switch (proof.kind) {
    case "totp": {
      const account = await twoFactor.account(userId);
      if (!account?.totpSealed || typeof proof.code !== "string") return false;
      const step = matchTotp(deps.sealer.open(account.totpSealed, totpSealContext(userId)), proof.code, now);
      return step !== null && (await twoFactor.useTotpStep(userId, step));
    }
    case "recovery": {
      if (typeof proof.code !== "string") return false;
      const match = matchRecoveryCode(deps.key(), proof.code, await twoFactor.recoveryCodes(userId));
      return match !== undefined && (await twoFactor.useRecoveryCode(match.id, now));
    }
    case "webauthn": {
      const passkey = challenge === undefined ? undefined : passkeyOf(proof.response, await twoFactor.passkeys(userId));
      if (!passkey || challenge === undefined) return false;
      const counter = await verifyAuthentication(deps.webauthn, proof.response, challenge, passkey);
      if (counter === null) return false;
      await twoFactor.passkeyUsed(passkey.id, counter, now);
      return true;
    }
    case "sms":
      return deps.phoneCodes !== undefined && typeof proof.code === "string" && (await deps.phoneCodes.verify(userId, "second_factor", proof.code));
    default:
      return false;
  }
}
