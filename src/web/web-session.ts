// The web-session edge (decision 0014): the session cookie, the guard every signed-in route
// runs first, and CSRF. The cookie is HttpOnly (scripts cannot read it), SameSite=Strict (no
// other site's page sends it) and Secure when the client's connection is; on top of that,
// every unsafe request (POST, PUT, PATCH, DELETE) must echo the session's CSRF token, given
// at login and by GET /api/v1/session, in the X-Moat-CSRF header, which a cross-site form or
// image cannot set. A restricted session (a password to change, a second factor to enrol)
// reaches only the routes that say they accept it.
import { timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import type { CurrentSession, WebSessionService } from "../core/auth/web-sessions.js";
import type { SessionRestriction } from "../core/ports/web-sessions.js";
import { sendError } from "./errors.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the session guard on the routes it protects. */
    webSession: CurrentSession | null;
  }
}

export const sessionCookie = "moat_session";
/** "Remember this browser" after a second factor (issue 6 item 3): only the login route reads it. */
export const rememberCookie = "moat_remember";
export const csrfHeader = "x-moat-csrf";
const loginPath = "/api/v1/session";

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

export interface GuardOptions {
  /** Restricted sessions that may use the route too (every route accepts a full session). */
  readonly allow?: readonly SessionRestriction[];
}

/** Makes the preHandler of a signed-in route: `app.get(path, { preHandler: guard() }, handler)`. */
export type SessionGuard = (options?: GuardOptions) => preHandlerAsyncHookHandler;

const restrictionError = {
  change_password_only: "password_change_required",
  enrol_second_factor_only: "second_factor_enrolment_required",
} as const;

function sameToken(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== "string") return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function sessionGuard(sessions: WebSessionService): SessionGuard {
  return (options = {}) =>
    async (request, reply) => {
      const token = request.cookies[sessionCookie];
      const current = token === undefined ? undefined : await sessions.resolve(token, request.clientIp);
      if (!current) {
        if (token !== undefined) clearSessionCookie(request, reply);
        return sendError(reply, 401, "unauthorized", "log in first");
      }
      if (!safeMethods.has(request.method) && !sameToken(request.headers[csrfHeader], current.session.csrfToken)) {
        return sendError(reply, 403, "csrf_token_invalid");
      }
      const { restriction } = current.session;
      if (restriction !== "full" && !options.allow?.includes(restriction)) return sendError(reply, 403, restrictionError[restriction]);
      request.webSession = current;
    };
}

/** The session the guard found; only for handlers behind the guard. */
export function sessionOf(request: FastifyRequest): CurrentSession {
  if (request.webSession === null) throw new Error(`${request.url}: the route has no session guard`);
  return request.webSession;
}

const cookieOptions = (request: FastifyRequest) => ({ httpOnly: true, sameSite: "strict" as const, secure: request.secure, path: "/" });

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, expiresAt: number): void {
  reply.setCookie(sessionCookie, token, { ...cookieOptions(request), expires: new Date(expiresAt) });
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(sessionCookie, cookieOptions(request));
}

/** Sent only to the login route, which alone reads it. */
export function setRememberCookie(request: FastifyRequest, reply: FastifyReply, token: string, expiresAt: number): void {
  reply.setCookie(rememberCookie, token, { ...cookieOptions(request), path: loginPath, expires: new Date(expiresAt) });
}
