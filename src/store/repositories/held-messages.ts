// Messages held for moderators or auditors (issue 7), with what resumes them.
import { sql, type Kysely, type Selectable } from "kysely";
import type { HeldMessage } from "../../core/flow/held.js";
import type { Origin } from "../../core/flow/types.js";
import type { HeldMessageRepository } from "../../core/ports/mail-flow.js";
import type { Address } from "../../mail/address.js";
import type { Database } from "../schema.js";
import { contains } from "./contains.js";
import type { HeldMessagesTable } from "../schema-mail-flow.js";

const toHeld = (r: Selectable<HeldMessagesTable>): HeldMessage => ({
  id: r.id,
  kind: r.kind as HeldMessage["kind"],
  at: Number(r.at),
  expiresAt: Number(r.expires_at),
  timeoutAction: r.timeout_action as HeldMessage["timeoutAction"],
  origin: JSON.parse(r.origin) as Origin,
  mailFrom: r.mail_from as Address | null,
  recipients: JSON.parse(r.recipients) as Address[],
  bodyHash: r.body_hash,
  subject: r.subject,
  preview: r.preview,
  rule: r.rule,
  deciders: JSON.parse(r.deciders) as Address[],
  status: r.status as HeldMessage["status"],
  decidedAt: r.decided_at === null ? null : Number(r.decided_at),
  decidedBy: r.decided_by,
  note: r.note,
});

export function heldMessageRepository(db: Kysely<Database>): HeldMessageRepository {
  return {
    async add(h) {
      await db
        .insertInto("held_messages")
        .values({
          id: h.id,
          kind: h.kind,
          at: h.at,
          expires_at: h.expiresAt,
          timeout_action: h.timeoutAction,
          origin: JSON.stringify(h.origin),
          mail_from: h.mailFrom,
          recipients: JSON.stringify(h.recipients),
          body_hash: h.bodyHash,
          subject: h.subject,
          preview: h.preview,
          rule: h.rule,
          deciders: JSON.stringify(h.deciders),
          status: h.status,
          decided_at: h.decidedAt,
          decided_by: h.decidedBy,
          note: h.note,
        })
        .execute();
    },
    async get(id) {
      const row = await db.selectFrom("held_messages").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toHeld(row);
    },
    async list(q) {
      let query = db.selectFrom("held_messages").selectAll();
      if (q.status !== undefined) query = query.where("status", "=", q.status);
      if (q.kind !== undefined) query = query.where("kind", "=", q.kind);
      // Deciders are a JSON array of canonical addresses: the quoted address is a substring.
      if (q.decider !== undefined) query = query.where(contains(sql`deciders`, JSON.stringify(q.decider)));
      const rows = await query.orderBy("at", "desc").orderBy("id", "desc").limit(q.limit).execute();
      return rows.map(toHeld);
    },
    async decide(id, status, by, at, note) {
      const row = await db.selectFrom("held_messages").selectAll().where("id", "=", id).where("status", "=", "held").executeTakeFirst();
      if (!row) return undefined;
      const result = await db.updateTable("held_messages").set({ status, decided_by: by, decided_at: at, note }).where("id", "=", id).where("status", "=", "held").executeTakeFirst();
      return Number(result.numUpdatedRows) === 1 ? toHeld(row) : undefined;
    },
    async expired(now, limit) {
      const rows = await db.selectFrom("held_messages").selectAll().where("status", "=", "held").where("expires_at", "<=", now).orderBy("expires_at").limit(limit).execute();
      return rows.map(toHeld);
    },
  };
}
