// /api/v1/sessions: the user's own web sessions — list them (browser, address, last seen, the
// current one marked), end one, end all others, end all.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { ListedWebSession } from "../../core/auth/web-sessions.js";
import { iso, parseInput } from "../validate.js";
import { clearSessionCookie, sessionOf } from "../web-session.js";
import type { WebRouteContext } from "./context.js";

const idParam = z.strictObject({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

const sessionJson = (s: ListedWebSession) => ({
  id: s.id,
  browser: s.browser,
  userAgent: s.userAgent,
  ip: s.ip,
  createdAt: iso(s.createdAt),
  lastSeenAt: iso(s.lastSeenAt),
  secondFactor: s.secondFactor,
  current: s.current,
});

export function sessionsRoutes(app: FastifyInstance, { webSessions, guard }: WebRouteContext): void {
  app.get("/api/v1/sessions", { preHandler: guard() }, async (request) => {
    const { session } = sessionOf(request);
    return { sessions: (await webSessions.list(session.userId, session.id)).map(sessionJson) };
  });

  app.delete("/api/v1/sessions/:id", { preHandler: guard() }, async (request, reply) => {
    const { session } = sessionOf(request);
    const { id } = parseInput(idParam, request.params);
    await webSessions.revoke(session.userId, id);
    if (id === session.id) clearSessionCookie(request, reply);
    return { revoked: 1 };
  });

  app.post("/api/v1/sessions/revoke-others", { preHandler: guard() }, async (request) => {
    const { session } = sessionOf(request);
    return { revoked: await webSessions.revokeAll(session.userId, session.id) };
  });

  // Every session, this one too: "log out everywhere".
  app.delete("/api/v1/sessions", { preHandler: guard() }, async (request, reply) => {
    const { session } = sessionOf(request);
    const revoked = await webSessions.revokeAll(session.userId);
    clearSessionCookie(request, reply);
    return { revoked };
  });
}
