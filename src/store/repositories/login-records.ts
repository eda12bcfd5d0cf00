// Login records: one row per authenticate() outcome, the admin's trail of who tried what.
// Listing is newest first with keyset pagination on id (ids only grow, see autoId), so a page
// stays correct while new records arrive, unlike OFFSET.
import { sql, type Insertable, type Kysely, type Selectable } from "kysely";
import type { EpochMs } from "../../core/accounts/types.js";
import type { LoginRecord, NewLoginRecord } from "../../core/auth/types.js";
import type { LoginRecordQuery, LoginRecordRepository } from "../../core/ports/store.js";
import { MoatError } from "../../shared/errors.js";
import { ipKey } from "../../shared/ip-key.js";
import { prepared, preparedWrite } from "../prepared.js";
import type { Database, LoginRecordsTable, SqlDialect } from "../schema.js";

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
    network: row.network,
    country: row.country,
    region: row.region,
    city: row.city,
    // PostgreSQL may hand a bigint back as text.
    asn: row.asn === null ? null : Number(row.asn),
    asOrg: row.as_org,
    appPasswordName: row.app_password_name,
  };
}

// Written by every login: compiled once (prepared.ts), the row's values in the placeholders in
// the order of `columns`.
const columns = ["at", "identity", "user_id", "channel", "ip", "client_id", "method", "result", "reason", "ip_key", "network", "country", "region", "city", "asn", "as_org", "app_password_name"] as const;
// The new row's id: SQLite's last rowid (RETURNING costs SQLite a temporary table per
// statement, prepared.ts), PostgreSQL's RETURNING.
const insertValues = (values: unknown[]) => Object.fromEntries(columns.map((c, i) => [c, values[i]])) as Insertable<LoginRecordsTable>;
const insertSqlite = preparedWrite((db, ...values: unknown[]) => db.insertInto("login_records").values(insertValues(values)));
const insertPostgres = prepared((db, ...values: unknown[]) => db.insertInto("login_records").values(insertValues(values)).returning("id"));

export function loginRecordRepository(db: Kysely<Database>, dialect: SqlDialect): LoginRecordRepository {
  return {
    async append(record: NewLoginRecord): Promise<LoginRecord> {
      const row: Insertable<LoginRecordsTable> = {
        at: record.at,
        identity: record.identity,
        user_id: record.userId,
        channel: record.channel,
        ip: record.ip,
        client_id: record.clientId,
        method: record.method,
        result: record.result,
        reason: record.reason,
        ip_key: ipKey(record.ip),
        network: record.network ?? null,
        country: record.country ?? null,
        region: record.region ?? null,
        city: record.city ?? null,
        asn: record.asn ?? null,
        as_org: record.asOrg ?? null,
        app_password_name: record.appPasswordName ?? null,
      };
      const values = columns.map((c) => row[c]);
      const id = dialect === "sqlite" ? (await insertSqlite(db, ...values)).insertId : (await insertPostgres(db, ...values))[0]?.id;
      if (id === undefined) throw new MoatError("internal", "a login record was inserted without an id");
      return toRecord({ ...row, id: Number(id) } as Selectable<LoginRecordsTable>);
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
      if (q.ip !== undefined) query = query.where("ip", "=", q.ip);
      if (q.ipKeyRange !== undefined) query = query.where("ip_key", ">=", q.ipKeyRange.from).where("ip_key", "<=", q.ipKeyRange.to);
      if (q.country !== undefined) query = query.where("country", "=", q.country);
      if (q.since !== undefined) query = query.where("at", ">=", q.since);
      if (q.until !== undefined) query = query.where("at", "<", q.until);
      const { domain } = q;
      if (domain !== undefined) {
        // Attempts on names that matched no account still belong to the domain they named.
        const unknownName = sql<boolean>`${sql.ref("user_id")} is null and ${sql.ref("identity")} like ${`%@${domain.name.replace(/[!%_]/g, (c) => `!${c}`)}`} escape '!'`;
        query = query.where((eb) => (domain.userIds.length === 0 ? unknownName : eb.or([eb("user_id", "in", domain.userIds), unknownName])));
      }
      return (await query.execute()).map(toRecord);
    },

    async prune(olderThan: EpochMs): Promise<number> {
      const result = await db.deleteFrom("login_records").where("at", "<", olderThan).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async countSince(userId, result, since) {
      const row = await db
        .selectFrom("login_records")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("user_id", "=", userId)
        .where("at", ">=", since)
        .where("result", "=", result)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  };
}
