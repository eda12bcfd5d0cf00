// /api/v1/login-events: the signed-in user's own abnormal-login events; /api/v1/admin/login-events:
// a domain admin's domain's (an install admin's: any domain's, or all), and
// /api/v1/admin/login-events/ack to acknowledge some of them by id ({ ids, domain? } →
// { acknowledged }: how many were open in one's scope and now are not). The filters of `moat
// login-events` are query parameters (state, rule, severity, since, limit, before), read by
// the same parseLoginEventFilter (through the service, on its clock); each event is the same
// JSON as the CLI's (issue 8 items 2 and 3). Anyone who administers no domain gets 404
// domain_not_found from the admin routes, and ids outside one's domain count as not found.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { loginEventJson } from "../../core/security/anomalies/event-json.js";
import type { ListedLoginEvent, LoginEventService } from "../../core/security/anomalies/events-service.js";
import { maxLoginLimit } from "../../core/security/login-filter.js";
import { parseInput } from "../validate.js";
import { sessionOf } from "../web-session.js";
import type { WebRouteContext } from "./context.js";

const text = z.string().max(100);
const filterQuery = z.strictObject({ state: text, rule: text, severity: text, since: text, limit: text, before: text }).partial();
const adminQuery = filterQuery.extend({ domain: z.string().max(253).optional() });
const ackBody = z.strictObject({
  ids: z.array(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)).min(1).max(maxLoginLimit),
  domain: z.string().max(253).optional(),
});

/** The next page starts before the last id of this one; null when this page was the last. */
const page = (events: readonly ListedLoginEvent[], limit: number) => ({
  events: events.map(loginEventJson),
  nextBefore: events.length === limit ? (events.at(-1)?.id ?? null) : null,
});

export function loginEventsRoutes(app: FastifyInstance, { loginEvents, guard }: WebRouteContext): void {
  if (!loginEvents) return;
  const service: LoginEventService = loginEvents;

  app.get("/api/v1/login-events", { preHandler: guard() }, async (request) => {
    const { session } = sessionOf(request);
    const filter = service.filter(parseInput(filterQuery, request.query));
    return page(await service.listForUser(session.userId, filter), filter.limit);
  });

  app.get("/api/v1/admin/login-events", { preHandler: guard() }, async (request) => {
    const { session } = sessionOf(request);
    const { domain, ...query } = parseInput(adminQuery, request.query);
    const filter = service.filter(query);
    return page(await service.listForDomain(session.userId, domain, filter), filter.limit);
  });

  app.post("/api/v1/admin/login-events/ack", { preHandler: guard() }, async (request) => {
    const { session } = sessionOf(request);
    const { ids, domain } = parseInput(ackBody, request.body);
    return { acknowledged: await service.acknowledgeForDomain(session.userId, ids, domain) };
  });
}
