// Forwarding attempts (issue 7 item 6): who tried to forward where, refused or allowed, newest first.
import type { Kysely } from "kysely";
import type { ForwardingAttempt, ForwardingAttemptRepository } from "../../core/ports/user-rules.js";
import type { Address } from "../../mail/address.js";
import type { Database } from "../schema.js";

export function forwardingAttemptRepository(db: Kysely<Database>): ForwardingAttemptRepository {
  return {
    async append(a) {
      await db
        .insertInto("forwarding_attempts")
        .values({ at: a.at, account: a.account, domain: a.domain, target: a.target, via: a.via, phase: a.phase, outcome: a.outcome, rule: a.rule, message_id: a.messageId })
        .execute();
    },
    async list(q) {
      let query = db.selectFrom("forwarding_attempts").selectAll();
      if (q.domain !== undefined) query = query.where("domain", "=", q.domain);
      if (q.account !== undefined) query = query.where("account", "=", q.account);
      if (q.outcome !== undefined) query = query.where("outcome", "=", q.outcome);
      if (q.since !== undefined) query = query.where("at", ">=", q.since);
      const rows = await query.orderBy("at", "desc").orderBy("id", "desc").limit(q.limit).execute();
      return rows.map(
        (r): ForwardingAttempt => ({
          at: Number(r.at),
          account: r.account as Address,
          domain: r.domain,
          target: r.target,
          via: r.via as ForwardingAttempt["via"],
          phase: r.phase as ForwardingAttempt["phase"],
          outcome: r.outcome as ForwardingAttempt["outcome"],
          rule: r.rule,
          messageId: r.message_id,
        }),
      );
    },
  };
}
