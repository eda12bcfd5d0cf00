// /api/v1/account/login-alerts: the signed-in user's own switch for alert mails about unusual
// logins to their account (issue 8 item 3). Turning it off stops only their own mails: their
// domain's admins are still told of high-severity events. Changed through LoginSettingsService,
// so the audit log records it like an admin's change.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { LoginSettingsService } from "../../core/auth/login-settings-service.js";
import { userActor } from "../../core/auth/web-sessions.js";
import { parseInput } from "../validate.js";
import { sessionOf } from "../web-session.js";
import type { WebRouteContext } from "./context.js";

const switchBody = z.strictObject({ mails: z.boolean() });

export function loginAlertsRoutes(app: FastifyInstance, { loginSettings, guard }: WebRouteContext): void {
  if (!loginSettings) return;
  const service: LoginSettingsService = loginSettings;

  app.get("/api/v1/account/login-alerts", { preHandler: guard() }, async (request) => {
    const { user } = sessionOf(request);
    return { mails: (await service.forAccount(user.address)).settings.loginAlertMails };
  });

  app.put("/api/v1/account/login-alerts", { preHandler: guard() }, async (request) => {
    const { user } = sessionOf(request);
    const { mails } = parseInput(switchBody, request.body);
    return { mails: (await service.updateAccount(user.address, { loginAlertMails: mails }, userActor(user))).loginAlertMails };
  });
}
