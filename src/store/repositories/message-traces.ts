// The message trace (issue 7 item 9): one row per message (or RCPT-time refusal), its stages
// as JSON; searched by admins by sender, recipient, subject, message id, time and decision.
import { sql, type Kysely, type Selectable } from "kysely";
import type { MessageTrace } from "../../core/flow/trace.js";
import type { MessageTraceRepository } from "../../core/ports/mail-flow.js";
import type { Address } from "../../mail/address.js";
import type { Database } from "../schema.js";
import { contains } from "./contains.js";
import type { MessageTracesTable } from "../schema-mail-flow.js";

const toTrace = (r: Selectable<MessageTracesTable>): MessageTrace => ({
  id: r.id,
  at: Number(r.at),
  origin: r.origin as MessageTrace["origin"],
  mailFrom: r.mail_from as Address | null,
  recipients: JSON.parse(r.recipients) as Address[],
  subject: r.subject,
  messageId: r.message_id,
  size: Number(r.size),
  decision: r.decision as MessageTrace["decision"],
  stages: JSON.parse(r.stages) as MessageTrace["stages"],
});


export function messageTraceRepository(db: Kysely<Database>): MessageTraceRepository {
  return {
    async append(t) {
      await db
        .insertInto("message_traces")
        .values({
          id: t.id,
          at: t.at,
          origin: t.origin,
          mail_from: t.mailFrom,
          recipients: JSON.stringify(t.recipients),
          subject: t.subject,
          message_id: t.messageId,
          size: t.size,
          decision: t.decision,
          stages: JSON.stringify(t.stages),
        })
        .execute();
    },
    async get(id) {
      const row = await db.selectFrom("message_traces").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toTrace(row);
    },
    async search(q) {
      let query = db.selectFrom("message_traces").selectAll();
      if (q.from !== undefined) query = query.where("mail_from", "=", q.from);
      // Recipients are a JSON array of canonical addresses: the quoted address is a substring.
      if (q.to !== undefined) query = query.where(contains(sql`recipients`, JSON.stringify(q.to)));
      if (q.subject !== undefined) query = query.where(contains(sql`lower(subject)`, q.subject.toLowerCase()));
      if (q.messageId !== undefined) query = query.where("message_id", "=", q.messageId.replace(/^<|>$/g, ""));
      if (q.decision !== undefined) query = query.where("decision", "=", q.decision);
      if (q.since !== undefined) query = query.where("at", ">=", q.since);
      if (q.until !== undefined) query = query.where("at", "<", q.until);
      const rows = await query.orderBy("at", "desc").orderBy("id", "desc").limit(q.limit).execute();
      return rows.map(toTrace);
    },
    async pruneBefore(cutoff) {
      const result = await db.deleteFrom("message_traces").where("at", "<", cutoff).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
