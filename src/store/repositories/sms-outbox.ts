// The outbox of the `log` SMS sender: what would have gone to a gateway, for the admin.
import type { Kysely, Selectable } from "kysely";
import type { EpochMs } from "../../core/accounts/types.js";
import type { SmsOutboxEntry, SmsOutboxRepository } from "../../core/ports/sms.js";
import type { Database } from "../schema.js";
import type { SmsOutboxTable } from "../schema-phone.js";

const toEntry = (row: Selectable<SmsOutboxTable>): SmsOutboxEntry => ({ id: row.id, at: row.at, to: row.recipient, text: row.text, purpose: row.purpose });

export function smsOutboxRepository(db: Kysely<Database>): SmsOutboxRepository {
  return {
    async add(entry): Promise<SmsOutboxEntry> {
      const row = await db.insertInto("sms_outbox").values({ at: entry.at, recipient: entry.to, text: entry.text, purpose: entry.purpose }).returningAll().executeTakeFirstOrThrow();
      return toEntry(row);
    },

    async list(query: { limit: number; to?: string | undefined }): Promise<SmsOutboxEntry[]> {
      let q = db.selectFrom("sms_outbox").selectAll().orderBy("id", "desc").limit(query.limit);
      if (query.to !== undefined) q = q.where("recipient", "=", query.to);
      return (await q.execute()).map(toEntry);
    },

    async prune(olderThan: EpochMs): Promise<number> {
      const result = await db.deleteFrom("sms_outbox").where("at", "<", olderThan).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
