// Web sessions (issue 6 item 7): looked up by token hash on every request, listed per user.
import type { Kysely, Selectable } from "kysely";
import type { EpochMs } from "../../core/accounts/types.js";
import type { SessionRestriction, WebSession, WebSessionRepository } from "../../core/ports/web-sessions.js";
import type { Database } from "../schema.js";
import type { WebSessionsTable } from "../schema-web-sessions.js";

function toSession(row: Selectable<WebSessionsTable>): WebSession {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    ip: row.ip,
    userAgent: row.user_agent,
    secondFactor: row.second_factor,
    restriction: row.restriction,
    mustEnrol: row.must_enrol === 1,
    csrfToken: row.csrf_token,
  };
}

export function webSessionRepository(db: Kysely<Database>): WebSessionRepository {
  return {
    async create(s): Promise<WebSession> {
      const row = await db
        .insertInto("web_sessions")
        .values({
          user_id: s.userId,
          token_hash: s.tokenHash,
          csrf_token: s.csrfToken,
          created_at: s.createdAt,
          last_seen_at: s.lastSeenAt,
          ip: s.ip,
          user_agent: s.userAgent,
          second_factor: s.secondFactor,
          restriction: s.restriction,
          must_enrol: s.mustEnrol ? 1 : 0,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toSession(row);
    },

    async findByTokenHash(tokenHash: string): Promise<WebSession | undefined> {
      const row = await db.selectFrom("web_sessions").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
      return row && toSession(row);
    },

    async findById(id: number): Promise<WebSession | undefined> {
      const row = await db.selectFrom("web_sessions").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toSession(row);
    },

    async touch(id: number, at: EpochMs, ip: string): Promise<void> {
      await db.updateTable("web_sessions").set({ last_seen_at: at, ip }).where("id", "=", id).execute();
    },

    async listForUser(userId: number): Promise<WebSession[]> {
      const rows = await db.selectFrom("web_sessions").selectAll().where("user_id", "=", userId).orderBy("id", "desc").execute();
      return rows.map(toSession);
    },

    async remove(userId: number, id: number): Promise<boolean> {
      const result = await db.deleteFrom("web_sessions").where("user_id", "=", userId).where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async removeAllForUser(userId: number, exceptId?: number): Promise<number> {
      let query = db.deleteFrom("web_sessions").where("user_id", "=", userId);
      if (exceptId !== undefined) query = query.where("id", "!=", exceptId);
      return Number((await query.executeTakeFirst()).numDeletedRows);
    },

    async setRestriction(id: number, restriction: SessionRestriction, mustEnrol: boolean): Promise<void> {
      await db.updateTable("web_sessions").set({ restriction, must_enrol: mustEnrol ? 1 : 0 }).where("id", "=", id).execute();
    },

    async prune(idleBefore: EpochMs, createdBefore: EpochMs): Promise<number> {
      const result = await db
        .deleteFrom("web_sessions")
        .where((eb) => eb.or([eb("last_seen_at", "<", idleBefore), eb("created_at", "<", createdBefore)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
