// Two-factor login in tests (decision 0013): TOTP enrolment for an account of a securityCore,
// web and API login contexts, and the two steps of a login.
import type { LoginContext, SecondFactorProof } from "../../src/core/auth/types.js";
import { totpCode } from "../../src/core/auth/two-factor/totp.js";
import { PASSWORD, type SecurityCore } from "./login-security-setup.js";

export const web = (extra: Partial<LoginContext> = {}, ip = "198.51.100.7"): LoginContext => ({ ip, secure: true, method: "web password", userAgent: "Firefox/140", ...extra });

/** Enrols and confirms TOTP for alice; the confirming code's step is used, so the clock moves on a step. */
export async function enrolTotp(core: SecurityCore, userId = core.alice.id): Promise<{ secret: string; recoveryCodes: string[] }> {
  const enrolment = await core.security.twoFactor.startTotpEnrolment(userId);
  const { recoveryCodes } = await core.security.twoFactor.confirmTotp(userId, totpCode(enrolment.secret, core.clock.now()));
  core.clock.advance(30_000);
  return { secret: enrolment.secret, recoveryCodes: recoveryCodes ?? [] };
}

/** The first step; throws unless it asked for the second factor. */
export async function firstStep(core: SecurityCore, context: LoginContext = web(), channel: "web" | "api" = "web") {
  const result = await core.authenticate(channel, "alice@example.com", PASSWORD, context);
  if (result.ok || result.reason !== "second_factor_required" || !result.pending) throw new Error(`expected second_factor_required, got ${JSON.stringify(result)}`);
  return result.pending;
}

export function secondStep(core: SecurityCore, ticket: string, proof: SecondFactorProof, context: LoginContext = web(), channel: "web" | "api" = "web") {
  return core.authenticate(channel, "alice@example.com", "", { ...context, secondFactor: { ticket, proof } });
}

/** The last n login records, oldest first, as [reason, method]. */
export async function records(core: SecurityCore, n: number): Promise<Array<[string, string]>> {
  return (await core.store.loginRecords.list({ limit: n })).reverse().map((r) => [r.reason, r.method]);
}
