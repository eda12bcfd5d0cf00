// Migrations live in code (not found by scanning a folder) so the build output, tsx and a
// bundled binary all see the same list. Names sort in the order they must run; never rename
// or edit a released migration, add the next one.
//
// The runner is ours, not Kysely's Migrator: the Migrator decides whether its tables exist by
// introspecting every column of every table in the whole database (pg_get_serial_sequence
// per column), which grows with the database and fails outright when another session drops
// a schema at the same moment. Here the bookkeeping is one table in our own schema, created
// with IF NOT EXISTS, and the whole run is one transaction under a lock, so two nodes
// starting together take turns and a failed migration leaves the old schema intact.
import { sql, type Kysely, type Migration } from "kysely";
import { MoatError } from "../../shared/errors.js";
import type { Database, SqlDialect } from "../schema.js";
import { initial } from "./0001_initial.js";
import { mailstore } from "./0002_mailstore.js";
import { queue } from "./0003_queue.js";
import { mailboxOps } from "./0004_mailbox_ops.js";
import { pop3Settings } from "./0005_pop3_settings.js";
import { loginSecurity } from "./0006_login_security.js";
import { dkimSealed } from "./0008_dkim_sealed.js";
import { subscriptions } from "./0009_subscriptions.js";
import { bodyText } from "./0010_body_text.js";
import { temporaryPassword } from "./0011_temporary_password.js";
import { twoFactor } from "./0012_two_factor.js";
import { webSessions } from "./0013_web_sessions.js";
import { accessPolicies } from "./0014_access_policies.js";
import { phoneAndReminders } from "./0015_phone_and_reminders.js";
import { mailReadPaths } from "./0016_mail_read_paths.js";
import { mailFlow } from "./0017_mail_flow.js";
import { sieve } from "./0018_sieve.js";
import { loginPlaces } from "./0019_login_places.js";
import { loginEvents } from "./0020_login_events.js";
import { sharedBodies } from "./0021_shared_bodies.js";
import { loginFailureIndex } from "./0022_login_failure_index.js";

export const migrationTable = "moat_migrations";

/** Any constant; the transaction-scoped advisory lock all Moat nodes agree on. */
const pgLockKey = 0x6d6f6174; // "moat"

export function migrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    "0001_initial": initial(dialect),
    "0002_mailstore": mailstore(dialect),
    "0003_queue": queue(dialect),
    "0004_mailbox_ops": mailboxOps(dialect),
    "0005_pop3_settings": pop3Settings(dialect),
    "0006_login_security": loginSecurity(dialect),
    "0008_dkim_sealed": dkimSealed(),
    "0009_subscriptions": subscriptions(dialect),
    "0010_body_text": bodyText(),
    "0011_temporary_password": temporaryPassword(),
    "0012_two_factor": twoFactor(dialect),
    "0013_web_sessions": webSessions(dialect),
    "0014_access_policies": accessPolicies(dialect),
    "0015_phone_and_reminders": phoneAndReminders(dialect),
    "0016_mail_read_paths": mailReadPaths(dialect),
    "0017_mail_flow": mailFlow(dialect),
    "0018_sieve": sieve(dialect),
    "0019_login_places": loginPlaces(dialect),
    "0020_login_events": loginEvents(dialect),
    "0021_shared_bodies": sharedBodies(dialect),
    "0022_login_failure_index": loginFailureIndex(),
  };
}

export async function migrateToLatest(db: Kysely<Database>, dialect: SqlDialect): Promise<void> {
  const all = migrations(dialect);
  let failed = "setup";
  try {
    // On SQLite the transaction starts with BEGIN IMMEDIATE (see sqlite.ts): that is the lock.
    await db.transaction().execute(async (trx) => {
      if (dialect === "postgres") await sql`select pg_advisory_xact_lock(${pgLockKey})`.execute(trx);
      await trx.schema
        .createTable(migrationTable)
        .ifNotExists()
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("applied_at", "text", (c) => c.notNull())
        .execute();
      const done = new Set(
        (await sql<{ name: string }>`select name from ${sql.table(migrationTable)}`.execute(trx)).rows.map((r) => r.name),
      );
      for (const name of Object.keys(all).sort()) {
        if (done.has(name)) continue;
        failed = name;
        await all[name]!.up(trx as unknown as Kysely<unknown>);
        await sql`insert into ${sql.table(migrationTable)} (name, applied_at) values (${name}, ${new Date().toISOString()})`.execute(trx);
      }
    });
  } catch (err) {
    throw new MoatError("internal", `database migration ${failed} failed`, { cause: err });
  }
}
