// Each account's Sieve scripts (ManageSieve semantics, core/flow/user-rules) and the one query
// delivery makes per message for its recipients' rules.
import { sql, type Kysely } from "kysely";
import type { SieveScriptRepository } from "../../core/ports/user-rules.js";
import { prepared } from "../prepared.js";
import type { Database } from "../schema.js";
import { settingsJson } from "./settings-json.js";

/**
 * `active = 1` written into the SQL, not bound: SQLite checks a bound value against the partial
 * index's `WHERE active = 1` (sieve_scripts_one_active), and a statement whose plan looked at a
 * parameter is compiled again every time that parameter is bound — on every run.
 */
const isActive = sql.lit(1);

/** Recipients' active scripts and flow settings; only those that have either come back. */
function rulesQuery(db: Kysely<Database>) {
  return db
    .selectFrom("users as u")
    .leftJoin("sieve_scripts as s", (join) => join.onRef("s.user_id", "=", "u.id").on("s.active", "=", isActive))
    .leftJoin("user_flow_settings as f", "f.user_id", "u.id")
    .select(["u.id as user_id", "s.name", "s.content", "s.updated_at", "f.settings"])
    .where((eb) => eb.or([eb("s.id", "is not", null), eb("f.user_id", "is not", null)]));
}

const rulesOfOne = prepared((db, userId: number) => rulesQuery(db).where("u.id", "=", userId));

export function sieveScriptRepository(db: Kysely<Database>): SieveScriptRepository {
  return {
    async list(userId) {
      const rows = await db.selectFrom("sieve_scripts").select(["name", "active", "size", "updated_at"]).where("user_id", "=", userId).orderBy("name").execute();
      return rows.map((r) => ({ name: r.name, active: r.active === 1, size: Number(r.size), updatedAt: Number(r.updated_at) }));
    },
    async get(userId, name) {
      const r = await db.selectFrom("sieve_scripts").select(["name", "active", "size", "updated_at", "content"]).where("user_id", "=", userId).where("name", "=", name).executeTakeFirst();
      return r && { name: r.name, active: r.active === 1, size: Number(r.size), updatedAt: Number(r.updated_at), content: r.content };
    },
    async put(userId, name, content, now) {
      const size = Buffer.byteLength(content, "utf8");
      await db
        .insertInto("sieve_scripts")
        .values({ user_id: userId, name, content, active: 0, size, created_at: now, updated_at: now })
        .onConflict((oc) => oc.columns(["user_id", "name"]).doUpdateSet({ content, size, updated_at: now }))
        .execute();
    },
    async setActive(userId, name, now) {
      // Off first, then on: the partial unique index never sees two active scripts.
      await db.updateTable("sieve_scripts").set({ active: 0, updated_at: now }).where("user_id", "=", userId).where("active", "=", isActive).execute();
      if (name !== null) await db.updateTable("sieve_scripts").set({ active: 1, updated_at: now }).where("user_id", "=", userId).where("name", "=", name).execute();
    },
    async rename(userId, from, to, now) {
      await db.updateTable("sieve_scripts").set({ name: to, updated_at: now }).where("user_id", "=", userId).where("name", "=", from).execute();
    },
    async remove(userId, name) {
      const result = await db.deleteFrom("sieve_scripts").where("user_id", "=", userId).where("name", "=", name).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async count(userId) {
      const row = await db.selectFrom("sieve_scripts").select((eb) => eb.fn.countAll().as("n")).where("user_id", "=", userId).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    async rulesFor(userIds) {
      if (userIds.length === 0) return [];
      // Most messages have one local recipient: that query is compiled once (prepared.ts).
      const rows = userIds.length === 1 ? await rulesOfOne(db, userIds[0]!) : await rulesQuery(db).where("u.id", "in", [...userIds]).execute();
      return rows.map((r) => ({
        userId: Number(r.user_id),
        script: r.name === null || r.content === null ? null : { name: r.name, content: r.content, updatedAt: Number(r.updated_at) },
        flowSettings: r.settings === null ? undefined : settingsJson(r.settings),
      }));
    },
  };
}
