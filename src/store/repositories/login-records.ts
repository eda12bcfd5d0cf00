// Login records: one row per authenticate() outcome, the admin's trail of who tried what.
// Listing is newest first with keyset pagination on id (ids only grow, see autoId), so a page
// stays correct while new records arrive, unlike OFFSET.
import type { Kysely, Selectable } from "kysely";
import type { EpochMs } from "../../core/accounts/types.js";
import type { LoginRecord, NewLoginRecord } from "../../core/auth/types.js";
import type { LoginRecordQuery, LoginRecordRepository } from "../../core/ports/store.js";
import { MoatError } from "../../shared/errors.js";
import type { Database, LoginRecordsTable } from "../schema.js";

function toRecord(row: Selectable<LoginRecordsTable>): LoginRecord {
  return {
    id: row.id,
    at: row.at,
    identity: row.identity,
    userId: row.user_id,
    channel: row.channel,
    ip: row.ip,
    clientId: row.client_id,
    method: row.method,
    result: row.result,
    reason: row.reason,
  };
}

export function loginRecordRepository(db: Kysely<Database>): LoginRecordRepository {
  return {
    async append(record: NewLoginRecord): Promise<LoginRecord> {
      const row = await db
        .insertInto("login_records")
        .values({
          at: record.at,
          identity: record.identity,
          user_id: record.userId,
          channel: record.channel,
          ip: record.ip,
          client_id: record.clientId,
          method: record.method,
          result: record.result,
          reason: record.reason,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(row);
    },

    async list(q: LoginRecordQuery): Promise<LoginRecord[]> {
      // SQLite reads a negative LIMIT as "no limit" and PostgreSQL rejects it: refuse both alike.
      if (!Number.isSafeInteger(q.limit) || q.limit < 1) {
        throw new MoatError("invalid_input", "login record limit must be a positive integer");
      }
      let query = db.selectFrom("login_records").selectAll().orderBy("id", "desc").limit(q.limit);
      if (q.userId !== undefined) query = query.where("user_id", "=", q.userId);
      if (q.identity !== undefined) query = query.where("identity", "=", q.identity);
      if (q.channel !== undefined) query = query.where("channel", "=", q.channel);
      if (q.result !== undefined) query = query.where("result", "=", q.result);
      if (q.beforeId !== undefined) query = query.where("id", "<", q.beforeId);
      return (await query.execute()).map(toRecord);
    },

    async prune(olderThan: EpochMs): Promise<number> {
      const result = await db.deleteFrom("login_records").where("at", "<", olderThan).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
