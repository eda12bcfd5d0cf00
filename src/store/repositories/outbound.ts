// The outbound queue. Runners on several nodes share it on PostgreSQL, so claiming is one
// UPDATE whose candidate rows are picked with FOR UPDATE SKIP LOCKED: two runners never claim
// the same recipient, and neither waits for the other's rows. On SQLite the store's single
// connection serialises statements, which gives the same guarantee.
//
// A claim is a lease: a delivering row's next_attempt_at is when the claim lapses. A runner
// that crashes or hangs leaves rows that recoverStale() returns to the queue after the lease,
// without touching the in-flight rows of a live runner on another node.
import { sql, type Kysely, type Selectable } from "kysely";
import type { EpochMs } from "../../core/accounts/types.js";
import {
  outboundStatuses,
  type NewOutboundMessage,
  type OutboundMessage,
  type OutboundQuery,
  type OutboundRecipient,
  type OutboundRepository,
  type OutboundStatus,
} from "../../core/ports/queue.js";
import { domainOf } from "../../mail/address.js";
import type { Database, OutboundMessagesTable, OutboundRecipientsTable, SqlDialect } from "../schema.js";

const finalStatuses: readonly OutboundStatus[] = ["delivered", "failed", "bounced"];

function toMessage(row: Selectable<OutboundMessagesTable>): OutboundMessage {
  return {
    id: row.id,
    blobHash: row.blob_hash,
    size: row.size,
    mailFrom: row.mail_from,
    fromDomain: row.from_domain,
    originKind: row.origin_kind,
    envelopeId: row.envelope_id,
    isBounce: row.is_bounce === 1,
    dkimSigned: row.dkim_signed === 1,
    smtpUtf8: row.smtp_utf8 === 1,
    body8bit: row.body_8bit === 1,
    createdAt: row.created_at,
  };
}

function toRecipient(row: Selectable<OutboundRecipientsTable>): OutboundRecipient {
  return {
    id: row.id,
    messageId: row.message_id,
    address: row.address,
    domain: row.domain,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    lastAttemptAt: row.last_attempt_at,
    deliveredAt: row.delivered_at,
  };
}

/** Remote replies can be long and multi-line; the row keeps a bounded single line. */
function clip(text: string): string {
  const line = text.replace(/[\r\n]+/g, " ").trim();
  return line.length > 1000 ? `${line.slice(0, 1000)}…` : line;
}

export function outboundRepository(db: Kysely<Database>, dialect: SqlDialect): OutboundRepository {
  /** Updates one recipient still delivering; false when its claim was lost. */
  async function finish(
    recipientId: number,
    values: Partial<Pick<Selectable<OutboundRecipientsTable>, "status" | "next_attempt_at" | "last_error" | "delivered_at">> & { last_attempt_at: EpochMs },
  ): Promise<boolean> {
    const result = await db
      .updateTable("outbound_recipients")
      .set({ ...values, attempts: sql<number>`attempts + 1` })
      .where("id", "=", recipientId)
      .where("status", "=", "delivering")
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  return {
    async enqueue(message: NewOutboundMessage) {
      const row = await db
        .insertInto("outbound_messages")
        .values({
          blob_hash: message.blobHash,
          size: message.size,
          mail_from: message.mailFrom,
          from_domain: message.mailFrom === null ? null : domainOf(message.mailFrom),
          origin_kind: message.originKind,
          envelope_id: message.envelopeId,
          is_bounce: message.isBounce ? 1 : 0,
          dkim_signed: 0,
          smtp_utf8: message.smtpUtf8 ? 1 : 0,
          body_8bit: message.body8bit ? 1 : 0,
          created_at: message.now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const recipients =
        message.recipients.length === 0
          ? []
          : await db
              .insertInto("outbound_recipients")
              .values(
                message.recipients.map((address) => ({
                  message_id: row.id,
                  address,
                  domain: domainOf(address),
                  status: "queued" as const,
                  attempts: 0,
                  next_attempt_at: message.now,
                })),
              )
              .returningAll()
              .execute();
      recipients.sort((a, b) => a.id - b.id);
      return { message: toMessage(row), recipients: recipients.map(toRecipient) };
    },

    async claimDue(now: EpochMs, limit: number, leaseUntil: EpochMs): Promise<OutboundRecipient[]> {
      let due = db
        .selectFrom("outbound_recipients")
        .select("id")
        .where("status", "=", "queued")
        .where("next_attempt_at", "<=", now)
        .orderBy("next_attempt_at")
        .orderBy("id")
        .limit(limit);
      if (dialect === "postgres") due = due.forUpdate().skipLocked();
      const rows = await db
        .updateTable("outbound_recipients")
        .set({ status: "delivering", next_attempt_at: leaseUntil })
        .where("id", "in", due)
        // Repeated outside the subquery: a row another transaction changed between the pick and
        // the update is re-checked (PostgreSQL re-evaluates WHERE on the newest row version).
        .where("status", "=", "queued")
        .returningAll()
        .execute();
      return rows.map(toRecipient).sort((a, b) => a.messageId - b.messageId || a.id - b.id);
    },

    async findMessage(id: number): Promise<OutboundMessage | undefined> {
      const row = await db.selectFrom("outbound_messages").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toMessage(row);
    },

    markDelivered(recipientId: number, now: EpochMs): Promise<boolean> {
      return finish(recipientId, { status: "delivered", delivered_at: now, last_attempt_at: now, last_error: null });
    },

    markDeferred(recipientId: number, now: EpochMs, next: EpochMs, error: string): Promise<boolean> {
      return finish(recipientId, { status: "queued", next_attempt_at: next, last_attempt_at: now, last_error: clip(error) });
    },

    markFailed(recipientId: number, now: EpochMs, error: string, status: "failed" | "bounced"): Promise<boolean> {
      return finish(recipientId, { status, last_attempt_at: now, last_error: clip(error) });
    },

    async setSignedBlob(messageId: number, blobHash: string, size: number): Promise<boolean> {
      const result = await db
        .updateTable("outbound_messages")
        .set({ blob_hash: blobHash, size, dkim_signed: 1 })
        .where("id", "=", messageId)
        .where("dkim_signed", "=", 0)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async list(query: OutboundQuery): Promise<OutboundRecipient[]> {
      let q = db.selectFrom("outbound_recipients").selectAll().orderBy("id", "desc").limit(query.limit);
      if (query.status !== undefined) q = q.where("status", "=", query.status);
      if (query.messageId !== undefined) q = q.where("message_id", "=", query.messageId);
      if (query.beforeId !== undefined) q = q.where("id", "<", query.beforeId);
      return (await q.execute()).map(toRecipient);
    },

    async counts(): Promise<Record<OutboundStatus, number>> {
      const rows = await db
        .selectFrom("outbound_recipients")
        .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
        .groupBy("status")
        .execute();
      const counts = Object.fromEntries(outboundStatuses.map((s) => [s, 0])) as Record<OutboundStatus, number>;
      for (const row of rows) counts[row.status] = Number(row.n);
      return counts;
    },

    async nextDue(): Promise<EpochMs | undefined> {
      const row = await db
        .selectFrom("outbound_recipients")
        .select((eb) => eb.fn.min("next_attempt_at").as("at"))
        .where("status", "=", "queued")
        .executeTakeFirst();
      return row?.at === null || row?.at === undefined ? undefined : Number(row.at);
    },

    async retryNow(now: EpochMs): Promise<number> {
      const result = await db
        .updateTable("outbound_recipients")
        .set({ next_attempt_at: now })
        .where("status", "=", "queued")
        .where("next_attempt_at", ">", now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async recoverStale(now: EpochMs, all = false): Promise<number> {
      let q = db.updateTable("outbound_recipients").set({ status: "queued", next_attempt_at: now }).where("status", "=", "delivering");
      if (!all) q = q.where("next_attempt_at", "<=", now);
      const result = await q.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async prune(olderThan: EpochMs): Promise<number> {
      // Recipients go with their message (ON DELETE CASCADE).
      const result = await db
        .deleteFrom("outbound_messages")
        .where("created_at", "<", olderThan)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom("outbound_recipients as r")
                .select("r.id")
                .whereRef("r.message_id", "=", "outbound_messages.id")
                .where("r.status", "not in", finalStatuses),
            ),
          ),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
