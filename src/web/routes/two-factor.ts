// /api/v1/account/two-factor: the signed-in user's second factors (issue 6 item 3, decision
// 0013) — status, TOTP enrolment, passkeys, recovery codes — and POST /api/v1/session/sms-code,
// the SMS fallback of a login's second step.
//
// A session held to enrolment (`enrol_second_factor_only`) may read the status and enrol; a
// confirmed enrolment frees it (WebSessionService.secondFactorEnrolled). Removing a factor,
// regenerating recovery codes, and adding a factor when the account has one already need a
// fresh proof in the body — `password` or `secondFactor` (TwoFactorService.reauthenticate) —
// so a session cookie alone cannot change them; the last factor of an account whose domain
// requires one cannot be removed here (an admin's `moat 2fa reset` can). POST …/proof-options gives the WebAuthn options
// a passkey proof answers. Recovery codes are in the answer that made them, and never again.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Passkey } from "../../core/ports/two-factor.js";
import type { TwoFactorStatus } from "../../core/auth/two-factor/service.js";
import { userActor } from "../../core/auth/web-sessions.js";
import { isMoatError } from "../../shared/errors.js";
import { sendError } from "../errors.js";
import { iso, parseInput } from "../validate.js";
import { sessionOf } from "../web-session.js";
import type { WebRouteContext } from "./context.js";
import { secondFactorProof } from "./session.js";

const freshProof = z.strictObject({ password: z.string().min(1).max(4096).optional(), secondFactor: secondFactorProof.optional() });
const confirmBody = z.strictObject({ code: z.string().min(1).max(64) });
const passkeyBody = z.strictObject({ response: z.record(z.string(), z.unknown()), name: z.string().min(1).max(100) });
const nameParam = z.strictObject({ name: z.string().min(1).max(100) });
const smsCodeBody = z.strictObject({ address: z.string().min(1).max(320), ticket: z.string().min(1).max(512) });

/** The same answer whether or not a code went: a caller learns nothing of the account or its phone. */
const smsCodeAnswer = { message: "If this login can use the phone, a code was sent to it." };

const passkeyJson = (p: Passkey) => ({ name: p.name, credentialId: p.credentialId, transports: p.transports, createdAt: iso(p.createdAt), lastUsedAt: iso(p.lastUsedAt) });

const statusJson = (s: TwoFactorStatus) => ({
  enabled: s.enabled,
  methods: s.methods,
  totp: s.totp,
  passkeys: s.passkeys.map(passkeyJson),
  recoveryCodesLeft: s.recoveryCodesLeft,
  rememberedBrowsers: s.rememberedBrowsers,
  sms: s.sms,
  required: s.required,
  enrolBy: iso(s.enrolBy),
});

export function twoFactorRoutes(app: FastifyInstance, { twoFactor, webSessions, guard }: WebRouteContext): void {
  if (!twoFactor) return;
  const enrolment = guard({ allow: ["enrol_second_factor_only"] });

  /** Adding a factor beside an existing one is a change of the account's factors too. */
  const proveIfEnrolled = async (userId: number, body: unknown) => {
    const proof = parseInput(freshProof, body);
    if (await twoFactor.enrolled(userId)) await twoFactor.reauthenticate(userId, proof);
  };

  app.get("/api/v1/account/two-factor", { preHandler: enrolment }, async (request) => statusJson(await twoFactor.listFactors(sessionOf(request).user.id)));

  app.post("/api/v1/account/two-factor/proof-options", { preHandler: enrolment }, async (request) => twoFactor.proofOptions(sessionOf(request).user.id));

  app.post("/api/v1/account/two-factor/totp", { preHandler: enrolment }, async (request, reply) => {
    const { user } = sessionOf(request);
    await proveIfEnrolled(user.id, request.body);
    const { uri, secret, qrSvg, qrDataUrl } = await twoFactor.startTotpEnrolment(user.id);
    return reply.code(201).send({ uri, secret, qrSvg, qrDataUrl });
  });

  app.post("/api/v1/account/two-factor/totp/confirm", { preHandler: enrolment }, async (request) => {
    const { user } = sessionOf(request);
    const { code } = parseInput(confirmBody, request.body);
    const { recoveryCodes } = await twoFactor.confirmTotp(user.id, code, userActor(user));
    await webSessions.secondFactorEnrolled(user.id);
    return { totp: "on", recoveryCodes };
  });

  app.delete("/api/v1/account/two-factor/totp", { preHandler: guard() }, async (request) => {
    const { user } = sessionOf(request);
    const proof = parseInput(freshProof, request.body);
    await twoFactor.keepRequiredFactor(user.id, { totp: true });
    await twoFactor.reauthenticate(user.id, proof);
    return { removed: await twoFactor.removeTotp(user.id, userActor(user)) };
  });

  app.post("/api/v1/account/two-factor/passkeys/options", { preHandler: enrolment }, async (request) => {
    const { user } = sessionOf(request);
    await proveIfEnrolled(user.id, request.body);
    return twoFactor.registerPasskeyOptions(user.id);
  });

  app.post("/api/v1/account/two-factor/passkeys", { preHandler: enrolment }, async (request, reply) => {
    const { user } = sessionOf(request);
    const body = parseInput(passkeyBody, request.body);
    const { passkey, recoveryCodes } = await twoFactor.verifyPasskeyRegistration(user.id, body.response, body.name, userActor(user));
    await webSessions.secondFactorEnrolled(user.id);
    return reply.code(201).send({ passkey: passkeyJson(passkey), recoveryCodes });
  });

  app.delete("/api/v1/account/two-factor/passkeys/:name", { preHandler: guard() }, async (request) => {
    const { user } = sessionOf(request);
    const { name } = parseInput(nameParam, request.params);
    const proof = parseInput(freshProof, request.body);
    await twoFactor.keepRequiredFactor(user.id, { passkey: name });
    await twoFactor.reauthenticate(user.id, proof);
    return { removed: passkeyJson(await twoFactor.removePasskey(user.id, name, userActor(user))) };
  });

  app.post("/api/v1/account/two-factor/recovery-codes", { preHandler: guard() }, async (request, reply) => {
    const { user } = sessionOf(request);
    await twoFactor.reauthenticate(user.id, parseInput(freshProof, request.body));
    return reply.code(201).send({ recoveryCodes: await twoFactor.regenerateRecoveryCodes(user.id, userActor(user)) });
  });

  // No session yet: the first login step's ticket is the credential. The code then completes
  // the login through POST /api/v1/session with proof {kind: "sms", code}.
  app.post("/api/v1/session/sms-code", async (request, reply) => {
    if (!request.secure) return sendError(reply, 403, "tls_required");
    const body = parseInput(smsCodeBody, request.body);
    try {
      await twoFactor.sendLoginSmsCode(body.address, body.ticket, "web", request.clientIp);
    } catch (err) {
      // A failed gateway is the admin's to see; the answer stays the same.
      if (!isMoatError(err, "sms_failed")) throw err;
      request.log.warn({ err }, "the second-factor SMS code could not be sent");
    }
    return reply.code(202).send(smsCodeAnswer);
  });
}
