// IP blocklists and allowlists. A login reads the install-wide rules and its domain's, so the
// table stays small and is read whole per login; expired rules are skipped in the query and
// deleted by prune().
import type { Kysely, Selectable } from "kysely";
import type { EpochMs } from "../../core/accounts/types.js";
import type { IpRule, IpRuleRepository } from "../../core/ports/login-security.js";
import { prepared } from "../prepared.js";
import type { Database } from "../schema.js";
import type { IpRulesTable } from "../schema-login-security.js";

function toRule(row: Selectable<IpRulesTable>): IpRule {
  return {
    id: row.id,
    action: row.action,
    cidr: row.cidr,
    domainId: row.domain_id,
    userId: row.user_id,
    channel: row.channel,
    expiresAt: row.expires_at,
    note: row.note,
    origin: row.origin,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

// Read at every login: compiled once (prepared.ts), one SQL text for a domain and one for a
// name in no domain of ours.
const installWide = prepared((db, now: EpochMs) =>
  db
    .selectFrom("ip_rules")
    .selectAll()
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
    .where("domain_id", "is", null)
    .orderBy("id"),
);
const ofDomain = prepared((db, now: EpochMs, domainId: number) =>
  db
    .selectFrom("ip_rules")
    .selectAll()
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
    .where((eb) => eb.or([eb("domain_id", "is", null), eb("domain_id", "=", domainId)]))
    .orderBy("id"),
);

export function ipRuleRepository(db: Kysely<Database>): IpRuleRepository {
  const active = (now: EpochMs) =>
    db
      .selectFrom("ip_rules")
      .selectAll()
      .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]));
  return {
    async add(rule): Promise<IpRule> {
      const row = await db
        .insertInto("ip_rules")
        .values({
          action: rule.action,
          cidr: rule.cidr,
          domain_id: rule.domainId,
          user_id: rule.userId,
          channel: rule.channel,
          expires_at: rule.expiresAt,
          note: rule.note,
          origin: rule.origin,
          created_at: rule.createdAt,
          created_by: rule.createdBy,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRule(row);
    },

    async list(now: EpochMs): Promise<IpRule[]> {
      const rows = await active(now).orderBy("id").execute();
      return rows.map(toRule);
    },

    async forDomain(domainId: number | null, now: EpochMs): Promise<IpRule[]> {
      const rows = domainId === null ? await installWide(db, now) : await ofDomain(db, now, domainId);
      return rows.map(toRule);
    },

    async remove(action, cidr, scope): Promise<IpRule[]> {
      let query = db.deleteFrom("ip_rules").where("action", "=", action).where("cidr", "=", cidr);
      if (scope !== "any") {
        query = query.where("domain_id", scope.domainId === null ? "is" : "=", scope.domainId);
        if (scope.userId !== undefined) query = query.where("user_id", scope.userId === null ? "is" : "=", scope.userId);
        if (scope.channel !== undefined) query = query.where("channel", scope.channel === null ? "is" : "=", scope.channel);
      }
      return (await query.returningAll().execute()).map(toRule);
    },

    async prune(before: EpochMs): Promise<number> {
      const result = await db.deleteFrom("ip_rules").where("expires_at", "is not", null).where("expires_at", "<", before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
