// The admin audit log: append-only, newest first with keyset pagination on id (as login records).
import type { Kysely, Selectable } from "kysely";
import type { AuditEntry, AuditRepository } from "../../core/ports/login-security.js";
import { MoatError } from "../../shared/errors.js";
import type { Database } from "../schema.js";
import type { AdminAuditTable } from "../schema-login-security.js";

function toEntry(row: Selectable<AdminAuditTable>): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    before: JSON.parse(row.before_json) as unknown,
    after: JSON.parse(row.after_json) as unknown,
  };
}

export function auditRepository(db: Kysely<Database>): AuditRepository {
  return {
    async append(entry): Promise<AuditEntry> {
      const row = await db
        .insertInto("admin_audit")
        .values({
          at: entry.at,
          actor: entry.actor,
          action: entry.action,
          target: entry.target,
          // undefined (nothing before a creation) is stored as null so it reads back the same.
          before_json: JSON.stringify(entry.before ?? null),
          after_json: JSON.stringify(entry.after ?? null),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toEntry(row);
    },

    async list(q): Promise<AuditEntry[]> {
      if (!Number.isSafeInteger(q.limit) || q.limit < 1) throw new MoatError("invalid_input", "audit limit must be a positive integer");
      let query = db.selectFrom("admin_audit").selectAll().orderBy("id", "desc").limit(q.limit);
      if (q.beforeId !== undefined) query = query.where("id", "<", q.beforeId);
      if (q.target !== undefined) query = query.where("target", "=", q.target);
      return (await query.execute()).map(toEntry);
    },
  };
}
