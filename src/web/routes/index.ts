// Every route of the web API, registered from one place. One file per resource sits beside
// this one and exports a function (app, context) => void; add yours to `routeModules`. They
// share one Fastify scope with cookies parsed, API responses marked no-store, and the
// session guard of web-session.ts at hand.
import fastifyCookie from "@fastify/cookie";
import type { FastifyInstance } from "fastify";
import { sessionGuard } from "../web-session.js";
import { accountRoutes } from "./account.js";
import { loginAlertsRoutes } from "./login-alerts.js";
import { loginEventsRoutes } from "./login-events.js";
import { loginsRoutes } from "./logins.js";
import { passwordResetRoutes } from "./password-reset.js";
import { phoneRoutes } from "./phone.js";
import type { RouteModule, WebRouteContext, WebServices } from "./context.js";
import { sessionRoutes } from "./session.js";
import { sessionsRoutes } from "./sessions.js";
import { twoFactorRoutes } from "./two-factor.js";

export type { RouteModule, WebRouteContext, WebServices } from "./context.js";

const routeModules: readonly RouteModule[] = [sessionRoutes, sessionsRoutes, accountRoutes, passwordResetRoutes, phoneRoutes, twoFactorRoutes, loginsRoutes, loginEventsRoutes, loginAlertsRoutes];

/** Pass as `routes` to buildHttpServer/startHttpServer: `routes: (app) => registerWebRoutes(app, services)`. */
export function registerWebRoutes(app: FastifyInstance, services: WebServices): void {
  void app.register(async (scope) => {
    await scope.register(fastifyCookie);
    scope.decorateRequest("webSession", null);
    // Answers carry session tokens, CSRF tokens and secrets shown once: no cache may keep them.
    scope.addHook("onSend", async (_request, reply) => {
      reply.header("cache-control", "no-store");
    });
    const context: WebRouteContext = { ...services, guard: sessionGuard(services.webSessions) };
    for (const add of routeModules) add(scope, context);
  });
}
