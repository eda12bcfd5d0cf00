// /api/v1/account: the signed-in user's own password and client security passwords.
// Changing the password ends every other web session and every client security password
// (AccountService.setPassword) and says how many; a rejected password gets every reason at once.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { ListedAppPassword } from "../../core/auth/app-passwords.js";
import { userActor } from "../../core/auth/web-sessions.js";
import { clientProtocols } from "../../core/auth/types.js";
import { isMoatError } from "../../shared/errors.js";
import { iso, parseInput } from "../validate.js";
import { sessionOf } from "../web-session.js";
import type { WebRouteContext } from "./context.js";
import { secondFactorProof } from "./session.js";

const secret = z.string().min(1).max(4096);
const passwordBody = z.strictObject({ current: secret, new: secret });
const appPasswordBody = z.strictObject({
  password: secret,
  name: z.string().min(1).max(100),
  /** Empty or absent: IMAP, POP3 and SMTP. */
  protocols: z.array(z.enum(clientProtocols as ["imap", "pop3", "smtp"])).max(3).optional(),
  /** Needed when the account has two-factor login. */
  secondFactor: secondFactorProof.optional(),
});
const nameParam = z.strictObject({ name: z.string().min(1).max(100) });

const appPasswordJson = (p: ListedAppPassword | Omit<ListedAppPassword, "expired">) => ({
  name: p.name,
  protocols: p.protocols.length === 0 ? [...clientProtocols] : p.protocols,
  createdAt: iso(p.createdAt),
  lastUsedAt: iso(p.lastUsedAt),
  lastUsedIp: p.lastUsedIp,
  lastUsedProtocol: p.lastUsedProtocol,
  ...("expired" in p ? { expired: p.expired } : {}),
});

export function accountRoutes(app: FastifyInstance, { webSessions, appPasswords, guard }: WebRouteContext): void {
  // The one route a session restricted to a password change exists for.
  app.post("/api/v1/account/password", { preHandler: guard({ allow: ["change_password_only", "enrol_second_factor_only"] }) }, async (request, reply) => {
    const body = parseInput(passwordBody, request.body);
    try {
      return await webSessions.changePassword(sessionOf(request), body.current, body.new);
    } catch (err) {
      if (!isMoatError(err, "invalid_password")) throw err;
      return reply.code(400).send({ error: { code: err.code, message: err.message, reasons: err.details ?? [err.message] } });
    }
  });

  app.get("/api/v1/account/app-passwords", { preHandler: guard() }, async (request) => {
    const { user } = sessionOf(request);
    return { appPasswords: (await appPasswords.list(user.address)).map(appPasswordJson) };
  });

  // The main password again (and the second factor, with two-factor login), so a session left
  // open on a shared computer cannot mint a lasting credential.
  app.post("/api/v1/account/app-passwords", { preHandler: guard() }, async (request, reply) => {
    const { user } = sessionOf(request);
    const body = parseInput(appPasswordBody, request.body);
    const created = await appPasswords.createForSelf(userActor(user), body.password, body.name, body.protocols ?? [], body.secondFactor);
    return reply.code(201).send({ appPassword: appPasswordJson(created.appPassword), secret: created.secret });
  });

  app.delete("/api/v1/account/app-passwords/:name", { preHandler: guard() }, async (request) => {
    const { user } = sessionOf(request);
    const { name } = parseInput(nameParam, request.params);
    const { sessionsEnded } = await appPasswords.remove(user.address, name, userActor(user));
    return { removed: name, sessionsEnded };
  });
}
