// /api/v1/session: log in (POST), see the current session (GET), log out (DELETE).
// A login is one call of authenticate() on the web channel, or two when the account has a
// second factor: the first answers 401 second_factor_required with a ticket, the second sends
// the ticket and the proof (decision 0013). A denial says only the public message, so an
// unknown account and a wrong password answer alike.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { CurrentSession } from "../../core/auth/web-sessions.js";
import { publicDenial } from "../../core/auth/public-denials.js";
import type { AuthResult, DenyReason, LoginContext } from "../../core/auth/types.js";
import { sendError } from "../errors.js";
import { parseInput, iso } from "../validate.js";
import { clearSessionCookie, rememberCookie, sessionCookie, sessionOf, setRememberCookie, setSessionCookie } from "../web-session.js";
import type { WebRouteContext } from "./context.js";

const address = z.string().min(1).max(320);
const code = z.string().min(1).max(64);
/** A second factor (decision 0013), for the second login step and for re-proving before a sensitive change. */
export const secondFactorProof = z.union([
  z.strictObject({ kind: z.enum(["totp", "recovery", "sms"]), code }),
  // The browser's AuthenticationResponseJSON; @simplewebauthn/server checks its shape.
  z.strictObject({ kind: z.literal("webauthn"), response: z.record(z.string(), z.unknown()) }),
]);
const loginBody = z.union([
  z.strictObject({ address, password: z.string().min(1).max(4096) }),
  z.strictObject({ address, ticket: z.string().min(1).max(512), proof: secondFactorProof, rememberBrowser: z.boolean().optional() }),
]);

/** The stable code of a denial: every reason answered like a wrong password has that code too. */
export function denialCode(reason: DenyReason): string {
  return publicDenial[reason] === publicDenial.invalid_credentials ? "invalid_credentials" : reason;
}

/** What the client learns of its session: the account, what the session may do, the CSRF token. */
export function sessionView({ session, user }: CurrentSession) {
  return {
    account: { address: user.address, displayName: user.displayName, role: user.role },
    session: { id: session.id, restriction: session.restriction, createdAt: iso(session.createdAt), secondFactor: session.secondFactor },
    csrfToken: session.csrfToken,
  };
}

function loginContext(request: FastifyRequest, body: z.infer<typeof loginBody>): LoginContext {
  const userAgent = request.headers["user-agent"];
  const common = { ip: request.clientIp, secure: request.secure, clientId: userAgent, userAgent, rememberedBrowser: request.cookies[rememberCookie] };
  if ("password" in body) return { ...common, method: "WEB PASSWORD" };
  return { ...common, method: "WEB SECOND FACTOR", secondFactor: { ticket: body.ticket, proof: body.proof }, rememberBrowser: body.rememberBrowser === true };
}

function deny(reply: FastifyReply, result: Extract<AuthResult, { ok: false }>): FastifyReply {
  const error = { code: denialCode(result.reason), message: result.publicMessage, ...(result.pending ? { pending: result.pending } : {}) };
  return reply.code(401).send({ error });
}

export function sessionRoutes(app: FastifyInstance, { authenticate, webSessions, guard }: WebRouteContext): void {
  app.post("/api/v1/session", async (request, reply) => {
    // A password over plain HTTP off loopback could be read on the way (DESIGN.md: secure by default).
    if (!request.secure) return sendError(reply, 403, "tls_required");
    const body = parseInput(loginBody, request.body);
    const result = await authenticate("web", body.address, "password" in body ? body.password : "", loginContext(request, body));
    if (!result.ok) return deny(reply, result);
    // The browser's previous session, if any, is replaced rather than left behind.
    const previous = request.cookies[sessionCookie];
    if (previous !== undefined) await webSessions.endByToken(previous);
    const started = await webSessions.start(result, { ip: request.clientIp, userAgent: request.headers["user-agent"] });
    setSessionCookie(request, reply, started.token, started.expiresAt);
    if (result.rememberedBrowser) setRememberCookie(request, reply, result.rememberedBrowser.token, result.rememberedBrowser.expiresAt);
    return {
      ...sessionView(started),
      expiresAt: iso(started.expiresAt),
      ...(result.mustChangePassword ? { mustChangePassword: result.mustChangePassword } : {}),
      ...(result.passwordExpiresInDays !== undefined ? { passwordExpiresInDays: result.passwordExpiresInDays } : {}),
    };
  });

  // Any session, restricted or not, may see itself and log out.
  const anySession = guard({ allow: ["change_password_only", "enrol_second_factor_only"] });

  app.get("/api/v1/session", { preHandler: anySession }, async (request) => sessionView(sessionOf(request)));

  app.delete("/api/v1/session", { preHandler: anySession }, async (request, reply) => {
    const { session } = sessionOf(request);
    await webSessions.revoke(session.userId, session.id);
    clearSessionCookie(request, reply);
    return reply.code(204).send();
  });
}
