// Failed-login counters per throttle key (account + client network). Written on every failed
// login, so put() is one upsert rather than a read followed by an insert or update.
import { sql, type Kysely, type Selectable } from "kysely";
import type { EpochMs } from "../../core/accounts/types.js";
import type { ThrottleState } from "../../core/auth/types.js";
import type { ThrottleRepository } from "../../core/ports/store.js";
import { prepared } from "../prepared.js";
import type { AuthThrottleTable, Database } from "../schema.js";

function toState(row: Selectable<AuthThrottleTable>): ThrottleState {
  return {
    failures: row.failures,
    firstFailureAt: row.first_failure_at,
    lastFailureAt: row.last_failure_at,
    blockedUntil: row.blocked_until,
  };
}

// Read before every login's secret and cleared after every success: compiled once (prepared.ts).
const byKey = prepared((db, key: string) => db.selectFrom("auth_throttle").selectAll().where("key", "=", key));
const clearKey = prepared((db, key: string) => db.deleteFrom("auth_throttle").where("key", "=", key));

export function throttleRepository(db: Kysely<Database>): ThrottleRepository {
  return {
    async get(key: string): Promise<ThrottleState | undefined> {
      const [row] = await byKey(db, key);
      return row && toState(row);
    },

    async put(key: string, state: ThrottleState): Promise<void> {
      const values = {
        failures: state.failures,
        first_failure_at: state.firstFailureAt,
        last_failure_at: state.lastFailureAt,
        blocked_until: state.blockedUntil,
      };
      await db
        .insertInto("auth_throttle")
        .values({ key, ...values })
        .onConflict((oc) => oc.column("key").doUpdateSet(values))
        .execute();
    },

    async recordFailure(key: string, now: EpochMs, resetBefore: EpochMs): Promise<ThrottleState> {
      // Both dialects accept the table name for the existing row inside DO UPDATE.
      const last = sql.ref("auth_throttle.last_failure_at");
      const blocked = sql.ref("auth_throttle.blocked_until");
      const restart = sql<boolean>`(${last} < ${resetBefore} or (${blocked} is not null and ${blocked} <= ${now}))`;
      const row = await db
        .insertInto("auth_throttle")
        .values({ key, failures: 1, first_failure_at: now, last_failure_at: now, blocked_until: null })
        .onConflict((oc) =>
          oc.column("key").doUpdateSet({
            failures: sql<number>`case when ${restart} then 1 else ${sql.ref("auth_throttle.failures")} + 1 end`,
            first_failure_at: sql<number>`case when ${restart} then ${now} else ${sql.ref("auth_throttle.first_failure_at")} end`,
            blocked_until: sql<number | null>`case when ${restart} then null else ${blocked} end`,
            last_failure_at: now,
          }),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return toState(row);
    },

    async block(key: string, until: EpochMs): Promise<void> {
      await db.updateTable("auth_throttle").set({ blocked_until: until }).where("key", "=", key).execute();
    },

    async clear(key: string): Promise<void> {
      await clearKey(db, key);
    },

    async prune(olderThan: EpochMs): Promise<number> {
      // "Not blocked" is judged at the cut-off (the port gives no "now"): a block that ends
      // after the cut-off may still be running, so it stays. Deleting a live block would let an
      // attacker resume guessing at once.
      const result = await db
        .deleteFrom("auth_throttle")
        .where("last_failure_at", "<", olderThan)
        .where((eb) => eb.or([eb("blocked_until", "is", null), eb("blocked_until", "<", olderThan)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
