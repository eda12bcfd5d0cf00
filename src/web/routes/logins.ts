// /api/v1/logins: the signed-in user's own login records; /api/v1/admin/logins: a domain
// admin's domain's records (an install admin's: any domain's, or all). Both take the filters
// of `moat logins` as query parameters (ip, country, result, since, until, limit, before),
// read by the same parseLoginFilter (through the service, on its clock), and answer the same JSON per record (decision 0024).
// Anyone who administers no domain gets 404 domain_not_found from the admin route: nothing
// there says whether a domain exists.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { loginRecordJson } from "../../core/security/login-json.js";
import type { LoginRecordService } from "../../core/security/login-records.js";
import type { LoginRecord } from "../../core/auth/types.js";
import { parseInput } from "../validate.js";
import { sessionOf } from "../web-session.js";
import type { WebRouteContext } from "./context.js";

const text = z.string().max(100);
const filterQuery = z.strictObject({ ip: text, country: text, result: text, since: text, until: text, limit: text, before: text }).partial();
const adminQuery = filterQuery.extend({ domain: z.string().max(253).optional() });

/** The next page starts before the last id of this one; null when this page was the last. */
const page = (records: readonly LoginRecord[], limit: number) => ({
  logins: records.map(loginRecordJson),
  nextBefore: records.length === limit ? (records.at(-1)?.id ?? null) : null,
});

export function loginsRoutes(app: FastifyInstance, { logins, guard }: WebRouteContext): void {
  if (!logins) return;
  const service: LoginRecordService = logins;

  app.get("/api/v1/logins", { preHandler: guard() }, async (request) => {
    const { session } = sessionOf(request);
    const filter = service.filter(parseInput(filterQuery, request.query));
    return page(await service.listForUser(session.userId, filter), filter.limit);
  });

  app.get("/api/v1/admin/logins", { preHandler: guard() }, async (request) => {
    const { session } = sessionOf(request);
    const { domain, ...query } = parseInput(adminQuery, request.query);
    const filter = service.filter(query);
    return page(await service.listForDomain(session.userId, domain, filter), filter.limit);
  });
}
