// Abnormal-login events (issue 8 items 2 and 3): raised by the detector, folded by group key,
// listed newest first with keyset paging, acknowledged by admins, and drained by the notifier.
import type { Kysely, Selectable } from "kysely";
import type { LoginEvent, LoginEventRepository, NoticeKind, Severity } from "../../core/ports/login-events.js";
import { MoatError } from "../../shared/errors.js";
import type { Database } from "../schema.js";
import type { LoginEventsTable } from "../schema-login-events.js";

const num = (v: number | null): number | null => (v === null ? null : Number(v));

function toEvent(row: Selectable<LoginEventsTable>): LoginEvent {
  return {
    id: Number(row.id),
    rule: row.rule,
    severity: row.severity,
    userId: num(row.user_id),
    domainId: num(row.domain_id),
    identity: row.identity,
    ip: row.ip,
    groupKey: row.group_key,
    summary: row.summary,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
    firstAt: Number(row.first_at),
    lastAt: Number(row.last_at),
    occurrences: Number(row.occurrences),
    loginRecordId: num(row.login_record_id),
    state: row.state,
    acknowledgedAt: num(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by,
    userNotice: row.user_notice,
    userNoticeAt: num(row.user_notice_at),
    adminNotice: row.admin_notice,
    adminNoticeAt: num(row.admin_notice_at),
    webhook: row.webhook,
    webhookAt: num(row.webhook_at),
    webhookAttempts: Number(row.webhook_attempts),
  };
}

const severityAtLeast: Record<Severity, Severity[]> = { low: ["low", "medium", "high"], medium: ["medium", "high"], high: ["high"] };

/** The columns of each notice kind. */
const notice = {
  user: { state: "user_notice", at: "user_notice_at" },
  admin: { state: "admin_notice", at: "admin_notice_at" },
  webhook: { state: "webhook", at: "webhook_at" },
} as const satisfies Record<NoticeKind, { state: keyof LoginEventsTable; at: keyof LoginEventsTable }>;

export function loginEventRepository(db: Kysely<Database>): LoginEventRepository {
  const get = async (id: number) => {
    const row = await db.selectFrom("login_events").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toEvent(row) : undefined;
  };
  return {
    async record(e, groupSince) {
      const open = await db
        .selectFrom("login_events")
        .select(["id"])
        .where("group_key", "=", e.groupKey)
        .where("state", "=", "open")
        .where("last_at", ">=", groupSince)
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      if (open) {
        await db
          .updateTable("login_events")
          // Never backwards: an occurrence reported late (another node's clock) keeps the later time.
          // eb.val: a bare number in then() is written into the SQL, a new statement to prepare each time.
          .set((eb) => ({ occurrences: eb("occurrences", "+", 1), last_at: eb.case().when("last_at", "<", e.at).then(eb.val(e.at)).else(eb.ref("last_at")).end() }))
          .where("id", "=", open.id)
          .execute();
        return { event: (await get(Number(open.id)))!, created: false };
      }
      const row = await db
        .insertInto("login_events")
        .values({
          rule: e.rule,
          severity: e.severity,
          user_id: e.userId,
          domain_id: e.domainId,
          identity: e.identity,
          ip: e.ip,
          group_key: e.groupKey,
          summary: e.summary,
          detail: JSON.stringify(e.detail),
          first_at: e.at,
          last_at: e.at,
          occurrences: 1,
          login_record_id: e.loginRecordId,
          state: "open",
          acknowledged_at: null,
          acknowledged_by: null,
          user_notice: e.userNotice,
          user_notice_at: null,
          admin_notice: e.adminNotice,
          admin_notice_at: null,
          webhook: e.webhook,
          webhook_at: null,
          webhook_attempts: 0,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { event: toEvent(row), created: true };
    },

    get,

    async list(q) {
      if (!Number.isSafeInteger(q.limit) || q.limit < 1) throw new MoatError("invalid_input", "event limit must be a positive integer");
      let query = db.selectFrom("login_events").selectAll().orderBy("id", "desc").limit(q.limit);
      if (q.userId !== undefined) query = query.where("user_id", "=", q.userId);
      if (q.identity !== undefined) query = query.where("identity", "=", q.identity);
      if (q.domainIds !== undefined) {
        if (q.domainIds.length === 0) return [];
        query = query.where("domain_id", "in", q.domainIds);
      }
      if (q.state !== undefined) query = query.where("state", "=", q.state);
      if (q.rule !== undefined) query = query.where("rule", "=", q.rule);
      if (q.minSeverity !== undefined) query = query.where("severity", "in", severityAtLeast[q.minSeverity]);
      if (q.since !== undefined) query = query.where("last_at", ">=", q.since);
      if (q.beforeId !== undefined) query = query.where("id", "<", q.beforeId);
      return (await query.execute()).map(toEvent);
    },

    async acknowledge(ids, by, at) {
      if (ids.length === 0) return 0;
      const result = await db
        .updateTable("login_events")
        .set({ state: "acknowledged", acknowledged_at: at, acknowledged_by: by })
        .where("id", "in", ids)
        .where("state", "=", "open")
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async pending(kind, limit) {
      const rows = await db.selectFrom("login_events").selectAll().where(notice[kind].state, "=", "pending").orderBy("id").limit(limit).execute();
      return rows.map(toEvent);
    },

    async markNotice(kind, ids, state, at, attempts) {
      if (ids.length === 0) return;
      const { state: stateColumn, at: atColumn } = notice[kind];
      await db
        .updateTable("login_events")
        .set({ [stateColumn]: state, [atColumn]: at, ...(kind === "webhook" && attempts !== undefined ? { webhook_attempts: attempts } : {}) })
        .where("id", "in", ids)
        .execute();
    },

    async lastUserNoticeAt(userId) {
      const row = await db
        .selectFrom("login_events")
        .select((eb) => eb.fn.max("user_notice_at").as("at"))
        .where("user_id", "=", userId)
        .where("user_notice", "=", "sent")
        .executeTakeFirst();
      return row?.at === null || row?.at === undefined ? null : Number(row.at);
    },

    async lastAdminNoticeAt(domainId) {
      let query = db.selectFrom("login_events").select((eb) => eb.fn.max("admin_notice_at").as("at")).where("admin_notice", "=", "sent");
      query = domainId === null ? query.where("domain_id", "is", null) : query.where("domain_id", "=", domainId);
      const row = await query.executeTakeFirst();
      return row?.at === null || row?.at === undefined ? null : Number(row.at);
    },

    async prune(olderThan) {
      const result = await db.deleteFrom("login_events").where("last_at", "<", olderThan).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
